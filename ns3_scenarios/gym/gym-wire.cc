#include "gym-wire.h"

namespace ns3
{

bool
GymHasUnknownFields(const google::protobuf::Message& message)
{
    return !message.GetReflection()->GetUnknownFields(message).empty();
}

bool
GymParseStrict(google::protobuf::Message& message, const std::string& bytes)
{
    return message.ParseFromString(bytes) && !GymHasUnknownFields(message);
}

std::string
GymPrintable(const std::string& s)
{
    constexpr std::size_t MAX_CHARS = 64;
    std::string out;
    for (char c : s.substr(0, MAX_CHARS))
    {
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return s.size() > MAX_CHARS ? out + "..." : out;
}

std::string
GymSpaceTypeName(int type)
{
    if (ns3opengym::SpaceType_IsValid(type) && type != ns3opengym::NoSpaceType)
    {
        return ns3opengym::SpaceType_Name(static_cast<ns3opengym::SpaceType>(type));
    }
    return "type " + std::to_string(type);
}

} // namespace ns3

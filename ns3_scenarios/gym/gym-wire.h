// Strict reading of wire messages, shared by the gym bridge sources. Internal: it
// needs the generated protobuf classes, which the public headers keep out of sight.
#ifndef RAN_GYM_WIRE_H
#define RAN_GYM_WIRE_H

#include "ns3opengym.pb.h"

#include <string>

namespace ns3
{

/// True when message holds fields that the schema does not know.
bool GymHasUnknownFields(const google::protobuf::Message& message);

/// Parses bytes into message; false when they are not a valid message of that type
/// or carry unknown fields (garbage often parses as unknown fields).
bool GymParseStrict(google::protobuf::Message& message, const std::string& bytes);

/// At most 64 printable ASCII characters of s, for one-line messages about received text.
std::string GymPrintable(const std::string& s);

/// "Box", "Tuple", ... or "type N" for a value outside the SpaceType enum.
std::string GymSpaceTypeName(int type);

/**
 * Checks that in is a container of type expected and unpacks its Any into out.
 * \return false, with error naming where and the fault, when the type, the type URL
 *         or the payload is wrong
 */
template <typename M>
bool
GymUnpack(const ns3opengym::DataContainer& in,
          ns3opengym::SpaceType expected,
          const std::string& where,
          M& out,
          std::string& error)
{
    if (in.type() != expected)
    {
        error = where + ": expected a " + GymSpaceTypeName(expected) + " container, got " +
                GymSpaceTypeName(in.type());
        return false;
    }
    if (!in.data().Is<M>())
    {
        error = where + ": data has type URL '" + GymPrintable(in.data().type_url()) +
                "', expected " + M::descriptor()->full_name();
        return false;
    }
    if (!in.data().UnpackTo(&out) || GymHasUnknownFields(out))
    {
        error = where + ": malformed " + M::descriptor()->full_name();
        return false;
    }
    return true;
}

/// Sets out's type and packs space into its Any.
template <typename M>
void
GymPack(const M& space, ns3opengym::SpaceType type, ns3opengym::SpaceDescription& out)
{
    out.set_type(type);
    out.mutable_space()->PackFrom(space);
}

} // namespace ns3

#endif // RAN_GYM_WIRE_H

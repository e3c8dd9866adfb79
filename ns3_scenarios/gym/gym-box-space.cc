#include "gym-space.h"
#include "gym-wire.h"

#include "ns3/abort.h"
#include "ns3/log.h"

#include <cmath>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("GymBoxSpace");

namespace
{

template <typename T>
Ptr<GymDataContainer>
MakeBox(const std::vector<uint32_t>& shape, const google::protobuf::RepeatedField<T>& data)
{
    return Create<GymBoxContainer<T>>(shape, std::vector<T>(data.begin(), data.end()));
}

// The values, if every one is finite and inside [low, high]; else null and why. A
// hostile or broken agent must not hand a scenario an index or a power it never offered.
template <typename T>
Ptr<GymDataContainer>
MakeCheckedBox(const std::vector<uint32_t>& shape,
               const google::protobuf::RepeatedField<T>& data,
               float low,
               float high,
               const std::string& where,
               std::string& error)
{
    for (int i = 0; i < data.size(); ++i)
    {
        auto value = static_cast<double>(data.Get(i));
        if (!std::isfinite(value) || value < low || value > high)
        {
            std::ostringstream os;
            os << where << ": Box element " << i << " = " << value << " is outside [" << low
               << ", " << high << "]";
            error = os.str();
            return nullptr;
        }
    }
    return MakeBox(shape, data);
}

// Only the data field of dtype may hold values, exactly size of them.
bool
CheckDataFields(const ns3opengym::BoxDataContainer& box,
                GymDtype dtype,
                uint64_t size,
                const std::string& where,
                std::string& error)
{
    const int counts[] = {box.intdata_size(),
                          box.uintdata_size(),
                          box.floatdata_size(),
                          box.doubledata_size()};
    for (int i = 0; i < 4; ++i)
    {
        auto fieldDtype = static_cast<GymDtype>(i + 1);
        uint64_t expected = (fieldDtype == dtype) ? size : 0;
        if (static_cast<uint64_t>(counts[i]) != expected)
        {
            error = where + ": Box " + GymDtypeName(fieldDtype) + " data holds " +
                    std::to_string(counts[i]) + " values, expected " + std::to_string(expected) +
                    " for shape " + GymShapeToString({box.shape().begin(), box.shape().end()}) +
                    " and dtype " + GymDtypeName(dtype);
            return false;
        }
    }
    return true;
}

} // namespace

bool
GymShapeSize(const std::vector<uint32_t>& shape, uint64_t& size)
{
    size = 1;
    for (uint32_t dim : shape)
    {
        if (dim == 0)
        {
            size = 0;
            return true;
        }
        if (size > GYM_MAX_BOX_ELEMENTS / dim)
        {
            return false;
        }
        size *= dim;
    }
    return true;
}

GymBoxSpace::GymBoxSpace(float low, float high, std::vector<uint32_t> shape, GymDtype dtype)
    : m_low(low),
      m_high(high),
      m_shape(std::move(shape)),
      m_dtype(dtype),
      m_size(0)
{
    NS_ABORT_MSG_IF(!(low <= high), "Box space needs low <= high");
    NS_ABORT_MSG_IF(!GymShapeSize(m_shape, m_size),
                    "Box shape " << GymShapeToString(m_shape) << " is too large");
}

float
GymBoxSpace::GetLow() const
{
    return m_low;
}

float
GymBoxSpace::GetHigh() const
{
    return m_high;
}

const std::vector<uint32_t>&
GymBoxSpace::GetShape() const
{
    return m_shape;
}

GymDtype
GymBoxSpace::GetDtype() const
{
    return m_dtype;
}

uint64_t
GymBoxSpace::GetSize() const
{
    return m_size;
}

void
GymBoxSpace::Serialize(ns3opengym::SpaceDescription& out) const
{
    ns3opengym::BoxSpace space;
    space.set_low(m_low);
    space.set_high(m_high);
    space.set_dtype(static_cast<ns3opengym::Dtype>(m_dtype));
    space.mutable_shape()->Add(m_shape.begin(), m_shape.end());
    GymPack(space, ns3opengym::Box, out);
}

Ptr<GymDataContainer>
GymBoxSpace::Parse(const ns3opengym::DataContainer& in,
                   const std::string& where,
                   std::string& error) const
{
    ns3opengym::BoxDataContainer box;
    if (!GymUnpack(in, ns3opengym::Box, where, box, error))
    {
        return nullptr;
    }
    std::vector<uint32_t> shape(box.shape().begin(), box.shape().end());
    uint64_t size = 0;
    if (!GymShapeSize(shape, size))
    {
        error = where + ": Box shape " + GymShapeToString(shape) + " is too large";
        return nullptr;
    }
    if (shape != m_shape)
    {
        error = where + ": Box shape " + GymShapeToString(shape) + " does not match the space's " +
                GymShapeToString(m_shape);
        return nullptr;
    }
    if (box.dtype() != static_cast<int>(m_dtype))
    {
        error = where + ": Box dtype " + GymDtypeName(static_cast<GymDtype>(box.dtype())) +
                " does not match the space's " + GymDtypeName(m_dtype);
        return nullptr;
    }
    if (!CheckDataFields(box, m_dtype, size, where, error))
    {
        return nullptr;
    }
    switch (m_dtype)
    {
    case GymDtype::INT:
        return MakeCheckedBox(shape, box.intdata(), m_low, m_high, where, error);
    case GymDtype::UINT:
        return MakeCheckedBox(shape, box.uintdata(), m_low, m_high, where, error);
    case GymDtype::FLOAT:
        return MakeCheckedBox(shape, box.floatdata(), m_low, m_high, where, error);
    case GymDtype::DOUBLE:
        return MakeCheckedBox(shape, box.doubledata(), m_low, m_high, where, error);
    }
    return nullptr;
}

} // namespace ns3

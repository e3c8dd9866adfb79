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

// The values of one repeated field, each as a double (exact for all four wire types).
template <typename T>
void
AppendValues(const google::protobuf::RepeatedField<T>& field, std::vector<double>& out)
{
    out.insert(out.end(), field.begin(), field.end());
}

// The values of the field that the message's dtype names; false (and why) when another
// field holds values too, or the dtype is none of the four. ns3-gym's C++ reads the field
// of the message's dtype, whatever the space's: so do we, and convert afterwards.
bool
ReadWireValues(const ns3opengym::BoxDataContainer& box,
               const std::string& where,
               std::vector<double>& values,
               std::string& error)
{
    const int counts[] = {box.intdata_size(),
                          box.uintdata_size(),
                          box.floatdata_size(),
                          box.doubledata_size()};
    if (box.dtype() < static_cast<int>(GymDtype::INT) ||
        box.dtype() > static_cast<int>(GymDtype::DOUBLE))
    {
        error = where + ": Box dtype " + std::to_string(box.dtype()) + " is none of " +
                "int, uint, float, double";
        return false;
    }
    auto dtype = static_cast<GymDtype>(box.dtype());
    for (int i = 0; i < 4; ++i)
    {
        auto fieldDtype = static_cast<GymDtype>(i + 1);
        if (fieldDtype != dtype && counts[i] != 0)
        {
            error = where + ": Box " + GymDtypeName(fieldDtype) + " data holds " +
                    std::to_string(counts[i]) + " values, but the Box's dtype is " +
                    GymDtypeName(dtype);
            return false;
        }
    }
    switch (dtype)
    {
    case GymDtype::INT:
        AppendValues(box.intdata(), values);
        break;
    case GymDtype::UINT:
        AppendValues(box.uintdata(), values);
        break;
    case GymDtype::FLOAT:
        AppendValues(box.floatdata(), values);
        break;
    case GymDtype::DOUBLE:
        AppendValues(box.doubledata(), values);
        break;
    }
    return true;
}

// Why value cannot be element i of a Box of dtype in [low, high], or "" when it can. A
// hostile or broken agent must not hand a scenario an index or a power it never
// offered; an integer Box takes only whole numbers (2.5 is not rounded to a PRB count).
std::string
CheckValue(double value, GymDtype dtype, float low, float high)
{
    if (!std::isfinite(value) || value < low || value > high)
    {
        std::ostringstream os;
        os << value << " is outside [" << low << ", " << high << "]";
        return os.str();
    }
    bool integral = dtype == GymDtype::INT || dtype == GymDtype::UINT;
    if (integral && value != std::trunc(value))
    {
        std::ostringstream os;
        os << value << " is not a whole number (the space's dtype is " << GymDtypeName(dtype)
           << ")";
        return os.str();
    }
    return "";
}

template <typename T>
Ptr<GymDataContainer>
MakeBox(const std::vector<uint32_t>& shape, const std::vector<double>& values)
{
    return Create<GymBoxContainer<T>>(shape, std::vector<T>(values.begin(), values.end()));
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
    // ns3-gym's client sends every Box flat, as shape [its length]: that is this space
    // in row-major order.
    if (shape != m_shape && shape != std::vector<uint32_t>{static_cast<uint32_t>(m_size)})
    {
        error = where + ": Box shape " + GymShapeToString(shape) + " is neither the space's " +
                GymShapeToString(m_shape) + " nor its flat length [" + std::to_string(m_size) +
                "]";
        return nullptr;
    }
    std::vector<double> values;
    if (!ReadWireValues(box, where, values, error))
    {
        return nullptr;
    }
    if (values.size() != m_size)
    {
        error = where + ": Box " + GymDtypeName(static_cast<GymDtype>(box.dtype())) +
                " data holds " + std::to_string(values.size()) + " values, expected " +
                std::to_string(m_size) + " for shape " + GymShapeToString(shape);
        return nullptr;
    }
    for (std::size_t i = 0; i < values.size(); ++i)
    {
        std::string why = CheckValue(values[i], m_dtype, m_low, m_high);
        if (!why.empty())
        {
            error = where + ": Box element " + std::to_string(i) + " = " + why;
            return nullptr;
        }
    }
    switch (m_dtype)
    {
    case GymDtype::INT:
        return MakeBox<int32_t>(m_shape, values);
    case GymDtype::UINT:
        return MakeBox<uint32_t>(m_shape, values);
    case GymDtype::FLOAT:
        return MakeBox<float>(m_shape, values);
    case GymDtype::DOUBLE:
        return MakeBox<double>(m_shape, values);
    }
    return nullptr;
}

} // namespace ns3

#include "gym-container.h"

#include "ns3/abort.h"
#include "ns3/log.h"

#include "ns3opengym.pb.h"

#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("GymContainer");

namespace
{

// The repeated field that carries elements of type T.
google::protobuf::RepeatedField<int32_t>*
DataField(ns3opengym::BoxDataContainer& box, int32_t*)
{
    return box.mutable_intdata();
}

google::protobuf::RepeatedField<uint32_t>*
DataField(ns3opengym::BoxDataContainer& box, uint32_t*)
{
    return box.mutable_uintdata();
}

google::protobuf::RepeatedField<float>*
DataField(ns3opengym::BoxDataContainer& box, float*)
{
    return box.mutable_floatdata();
}

google::protobuf::RepeatedField<double>*
DataField(ns3opengym::BoxDataContainer& box, double*)
{
    return box.mutable_doubledata();
}

} // namespace

std::string
GymDtypeName(GymDtype dtype)
{
    switch (dtype)
    {
    case GymDtype::INT:
        return "int";
    case GymDtype::UINT:
        return "uint";
    case GymDtype::FLOAT:
        return "float";
    case GymDtype::DOUBLE:
        return "double";
    }
    return "dtype " + std::to_string(static_cast<int>(dtype));
}

std::string
GymShapeToString(const std::vector<uint32_t>& shape)
{
    std::ostringstream os;
    os << '[';
    for (std::size_t i = 0; i < shape.size(); ++i)
    {
        os << (i ? "," : "") << shape[i];
    }
    os << ']';
    return os.str();
}

GymDiscreteContainer::GymDiscreteContainer(int32_t value)
    : m_value(value)
{
}

int32_t
GymDiscreteContainer::GetValue() const
{
    return m_value;
}

void
GymDiscreteContainer::SetValue(int32_t value)
{
    m_value = value;
}

void
GymDiscreteContainer::Serialize(ns3opengym::DataContainer& out) const
{
    ns3opengym::DiscreteDataContainer discrete;
    discrete.set_data(m_value); // 0 is the proto3 default: an empty message
    out.set_type(ns3opengym::Discrete);
    out.mutable_data()->PackFrom(discrete);
}

template <typename T>
GymBoxContainer<T>::GymBoxContainer(std::vector<uint32_t> shape)
    : m_shape(std::move(shape))
{
}

template <typename T>
GymBoxContainer<T>::GymBoxContainer(std::vector<uint32_t> shape, std::vector<T> data)
    : m_shape(std::move(shape)),
      m_data(std::move(data))
{
}

template <typename T>
const std::vector<uint32_t>&
GymBoxContainer<T>::GetShape() const
{
    return m_shape;
}

template <typename T>
const std::vector<T>&
GymBoxContainer<T>::GetData() const
{
    return m_data;
}

template <typename T>
T
GymBoxContainer<T>::GetValue(std::size_t i) const
{
    NS_ABORT_MSG_IF(i >= m_data.size(),
                    "Box element " << i << " out of range (size " << m_data.size() << ")");
    return m_data[i];
}

template <typename T>
void
GymBoxContainer<T>::SetData(std::vector<T> data)
{
    m_data = std::move(data);
}

template <typename T>
void
GymBoxContainer<T>::AddValue(T value)
{
    m_data.push_back(value);
}

template <typename T>
void
GymBoxContainer<T>::Serialize(ns3opengym::DataContainer& out) const
{
    ns3opengym::BoxDataContainer box;
    box.set_dtype(static_cast<ns3opengym::Dtype>(GymDtypeOf<T>::value));
    box.mutable_shape()->Add(m_shape.begin(), m_shape.end());
    DataField(box, static_cast<T*>(nullptr))->Add(m_data.begin(), m_data.end());
    out.set_type(ns3opengym::Box);
    out.mutable_data()->PackFrom(box);
}

template class GymBoxContainer<int32_t>;
template class GymBoxContainer<uint32_t>;
template class GymBoxContainer<float>;
template class GymBoxContainer<double>;

void
GymTupleContainer::Add(Ptr<GymDataContainer> element)
{
    NS_ABORT_MSG_IF(!element, "null Tuple element");
    m_elements.push_back(element);
}

std::size_t
GymTupleContainer::GetN() const
{
    return m_elements.size();
}

Ptr<GymDataContainer>
GymTupleContainer::Get(std::size_t i) const
{
    NS_ABORT_MSG_IF(i >= m_elements.size(),
                    "Tuple element " << i << " out of range (size " << m_elements.size() << ")");
    return m_elements[i];
}

void
GymTupleContainer::Serialize(ns3opengym::DataContainer& out) const
{
    ns3opengym::TupleDataContainer tuple;
    for (const auto& element : m_elements)
    {
        element->Serialize(*tuple.add_element());
    }
    out.set_type(ns3opengym::Tuple);
    out.mutable_data()->PackFrom(tuple);
}

void
GymDictContainer::Add(const std::string& key, Ptr<GymDataContainer> element)
{
    NS_ABORT_MSG_IF(!element, "null Dict element under key " << key);
    for (auto& entry : m_elements)
    {
        if (entry.first == key)
        {
            entry.second = element;
            return;
        }
    }
    m_elements.emplace_back(key, element);
}

Ptr<GymDataContainer>
GymDictContainer::Get(const std::string& key) const
{
    for (const auto& entry : m_elements)
    {
        if (entry.first == key)
        {
            return entry.second;
        }
    }
    return nullptr;
}

std::vector<std::string>
GymDictContainer::GetKeys() const
{
    std::vector<std::string> keys;
    for (const auto& entry : m_elements)
    {
        keys.push_back(entry.first);
    }
    return keys;
}

void
GymDictContainer::Serialize(ns3opengym::DataContainer& out) const
{
    ns3opengym::DictDataContainer dict;
    for (const auto& [key, element] : m_elements)
    {
        ns3opengym::DataContainer* wire = dict.add_element();
        element->Serialize(*wire);
        wire->set_name(key);
    }
    out.set_type(ns3opengym::Dict);
    out.mutable_data()->PackFrom(dict);
}

} // namespace ns3

#include "gym-space.h"

#include "gym-wire.h"

#include "ns3/abort.h"
#include "ns3/log.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("GymSpace");

GymDiscreteSpace::GymDiscreteSpace(int32_t n)
    : m_n(n)
{
    NS_ABORT_MSG_IF(n <= 0, "Discrete space needs n > 0, got " << n);
}

int32_t
GymDiscreteSpace::GetN() const
{
    return m_n;
}

void
GymDiscreteSpace::Serialize(ns3opengym::SpaceDescription& out) const
{
    ns3opengym::DiscreteSpace space;
    space.set_n(m_n);
    GymPack(space, ns3opengym::Discrete, out);
}

Ptr<GymDataContainer>
GymDiscreteSpace::Parse(const ns3opengym::DataContainer& in,
                        const std::string& where,
                        std::string& error) const
{
    ns3opengym::DiscreteDataContainer discrete;
    if (!GymUnpack(in, ns3opengym::Discrete, where, discrete, error))
    {
        return nullptr;
    }
    if (discrete.data() < 0 || discrete.data() >= m_n)
    {
        error = where + ": Discrete value " + std::to_string(discrete.data()) +
                " outside 0.." + std::to_string(m_n - 1);
        return nullptr;
    }
    return Create<GymDiscreteContainer>(discrete.data());
}

void
GymTupleSpace::Add(Ptr<GymSpace> element)
{
    NS_ABORT_MSG_IF(!element, "null Tuple sub-space");
    m_elements.push_back(element);
}

std::size_t
GymTupleSpace::GetN() const
{
    return m_elements.size();
}

Ptr<GymSpace>
GymTupleSpace::Get(std::size_t i) const
{
    NS_ABORT_MSG_IF(i >= m_elements.size(), "Tuple sub-space " << i << " out of range");
    return m_elements[i];
}

void
GymTupleSpace::Serialize(ns3opengym::SpaceDescription& out) const
{
    ns3opengym::TupleSpace space;
    for (const auto& element : m_elements)
    {
        element->Serialize(*space.add_element());
    }
    GymPack(space, ns3opengym::Tuple, out);
}

Ptr<GymDataContainer>
GymTupleSpace::Parse(const ns3opengym::DataContainer& in,
                     const std::string& where,
                     std::string& error) const
{
    ns3opengym::TupleDataContainer tuple;
    if (!GymUnpack(in, ns3opengym::Tuple, where, tuple, error))
    {
        return nullptr;
    }
    if (static_cast<std::size_t>(tuple.element_size()) != m_elements.size())
    {
        error = where + ": Tuple holds " + std::to_string(tuple.element_size()) +
                " elements, the space has " + std::to_string(m_elements.size());
        return nullptr;
    }
    auto result = Create<GymTupleContainer>();
    for (std::size_t i = 0; i < m_elements.size(); ++i)
    {
        auto element = m_elements[i]->Parse(tuple.element(static_cast<int>(i)),
                                            where + "[" + std::to_string(i) + "]",
                                            error);
        if (!element)
        {
            return nullptr;
        }
        result->Add(element);
    }
    return result;
}

void
GymDictSpace::Add(const std::string& key, Ptr<GymSpace> element)
{
    NS_ABORT_MSG_IF(!element, "null Dict sub-space under key " << key);
    NS_ABORT_MSG_IF(Get(key), "duplicate Dict key " << key);
    m_elements.emplace_back(key, element);
}

Ptr<GymSpace>
GymDictSpace::Get(const std::string& key) const
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
GymDictSpace::GetKeys() const
{
    std::vector<std::string> keys;
    for (const auto& entry : m_elements)
    {
        keys.push_back(entry.first);
    }
    return keys;
}

void
GymDictSpace::Serialize(ns3opengym::SpaceDescription& out) const
{
    ns3opengym::DictSpace space;
    for (const auto& [key, element] : m_elements)
    {
        ns3opengym::SpaceDescription* wire = space.add_element();
        element->Serialize(*wire);
        wire->set_name(key);
    }
    GymPack(space, ns3opengym::Dict, out);
}

Ptr<GymDataContainer>
GymDictSpace::Parse(const ns3opengym::DataContainer& in,
                    const std::string& where,
                    std::string& error) const
{
    ns3opengym::DictDataContainer dict;
    if (!GymUnpack(in, ns3opengym::Dict, where, dict, error))
    {
        return nullptr;
    }
    auto received = Create<GymDictContainer>();
    for (const auto& wire : dict.element())
    {
        std::string path = where + "[\"" + GymPrintable(wire.name()) + "\"]";
        Ptr<GymSpace> space = Get(wire.name());
        if (!space || received->Get(wire.name()))
        {
            error = path + (space ? ": key given twice" : ": no such key in the space");
            return nullptr;
        }
        auto element = space->Parse(wire, path, error);
        if (!element)
        {
            return nullptr;
        }
        received->Add(wire.name(), element);
    }
    // Hand the keys to the scenario in the space's order, whatever the wire's order.
    auto result = Create<GymDictContainer>();
    for (const auto& entry : m_elements)
    {
        auto element = received->Get(entry.first);
        if (!element)
        {
            error = where + ": key \"" + entry.first + "\" missing";
            return nullptr;
        }
        result->Add(entry.first, element);
    }
    return result;
}

} // namespace ns3

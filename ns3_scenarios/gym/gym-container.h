// Values exchanged with the agent: observations (ns-3 -> agent) and actions
// (agent -> ns-3). Each container writes itself as an ns3opengym.DataContainer;
// actions are read back by the matching GymSpace (see gym-space.h), which checks
// them against the action space before the scenario sees them.
#ifndef RAN_GYM_CONTAINER_H
#define RAN_GYM_CONTAINER_H

#include "ns3/ptr.h"
#include "ns3/simple-ref-count.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ns3opengym
{
class DataContainer;
}

namespace ns3
{

/// Element type of a Box; the values are those of the wire's Dtype enum.
enum class GymDtype : int
{
    INT = 1,    ///< int32 on the wire (intData)
    UINT = 2,   ///< uint32 on the wire (uintData)
    FLOAT = 3,  ///< float32 on the wire (floatData)
    DOUBLE = 4, ///< float64 on the wire (doubleData)
};

/// Maps a C++ element type to its GymDtype.
template <typename T>
struct GymDtypeOf;

template <>
struct GymDtypeOf<int32_t>
{
    static constexpr GymDtype value = GymDtype::INT;
};

template <>
struct GymDtypeOf<uint32_t>
{
    static constexpr GymDtype value = GymDtype::UINT;
};

template <>
struct GymDtypeOf<float>
{
    static constexpr GymDtype value = GymDtype::FLOAT;
};

template <>
struct GymDtypeOf<double>
{
    static constexpr GymDtype value = GymDtype::DOUBLE;
};

/// Lower-case name of a dtype ("int", "uint", "float", "double").
std::string GymDtypeName(GymDtype dtype);

/// "[2,3]" for a shape, for messages.
std::string GymShapeToString(const std::vector<uint32_t>& shape);

/// Base of every value sent or received.
class GymDataContainer : public SimpleRefCount<GymDataContainer>
{
  public:
    virtual ~GymDataContainer() = default;
    /// Writes type and data; the name (a Dict key) is written by the enclosing Dict.
    virtual void Serialize(ns3opengym::DataContainer& out) const = 0;
};

/// One integer of a Discrete space.
class GymDiscreteContainer : public GymDataContainer
{
  public:
    explicit GymDiscreteContainer(int32_t value = 0);
    int32_t GetValue() const;
    void SetValue(int32_t value);
    void Serialize(ns3opengym::DataContainer& out) const override;

  private:
    int32_t m_value;
};

/// Box data of element type T (int32_t, uint32_t, float or double), flat in
/// row-major order with its shape.
template <typename T>
class GymBoxContainer : public GymDataContainer
{
  public:
    explicit GymBoxContainer(std::vector<uint32_t> shape = {});
    GymBoxContainer(std::vector<uint32_t> shape, std::vector<T> data);
    const std::vector<uint32_t>& GetShape() const;
    const std::vector<T>& GetData() const;
    /// Element i of the flat data (aborts when out of range).
    T GetValue(std::size_t i) const;
    void SetData(std::vector<T> data);
    void AddValue(T value);
    void Serialize(ns3opengym::DataContainer& out) const override;

  private:
    std::vector<uint32_t> m_shape;
    std::vector<T> m_data;
};

extern template class GymBoxContainer<int32_t>;
extern template class GymBoxContainer<uint32_t>;
extern template class GymBoxContainer<float>;
extern template class GymBoxContainer<double>;

/// Ordered elements.
class GymTupleContainer : public GymDataContainer
{
  public:
    void Add(Ptr<GymDataContainer> element);
    std::size_t GetN() const;
    /// Element i (aborts when out of range).
    Ptr<GymDataContainer> Get(std::size_t i) const;
    void Serialize(ns3opengym::DataContainer& out) const override;

  private:
    std::vector<Ptr<GymDataContainer>> m_elements;
};

/// Elements keyed by name, in insertion order.
class GymDictContainer : public GymDataContainer
{
  public:
    /// Adds or replaces the element under key.
    void Add(const std::string& key, Ptr<GymDataContainer> element);
    /// The element under key, or null when there is none.
    Ptr<GymDataContainer> Get(const std::string& key) const;
    std::vector<std::string> GetKeys() const;
    void Serialize(ns3opengym::DataContainer& out) const override;

  private:
    std::vector<std::pair<std::string, Ptr<GymDataContainer>>> m_elements;
};

} // namespace ns3

#endif // RAN_GYM_CONTAINER_H

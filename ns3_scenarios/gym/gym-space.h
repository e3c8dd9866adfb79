// Observation and action spaces. A space writes itself as an
// ns3opengym.SpaceDescription (sent once, in SimInitMsg) and reads actions of its own
// shape back from the wire, rejecting anything that does not match it.
#ifndef RAN_GYM_SPACE_H
#define RAN_GYM_SPACE_H

#include "gym-container.h"

#include "ns3/ptr.h"
#include "ns3/simple-ref-count.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ns3opengym
{
class SpaceDescription;
class DataContainer;
} // namespace ns3opengym

namespace ns3
{

/// Largest number of elements a Box may hold (shape product), on either side.
constexpr uint64_t GYM_MAX_BOX_ELEMENTS = uint64_t{1} << 26;

/// Product of the dimensions of shape; false when it exceeds GYM_MAX_BOX_ELEMENTS
/// (checked at every factor, so it cannot overflow). An empty shape holds one element.
bool GymShapeSize(const std::vector<uint32_t>& shape, uint64_t& size);

/// Base of every space.
class GymSpace : public SimpleRefCount<GymSpace>
{
  public:
    virtual ~GymSpace() = default;
    /// Writes type and packed space; the name (a Dict key) is written by the enclosing Dict.
    virtual void Serialize(ns3opengym::SpaceDescription& out) const = 0;
    /**
     * Reads a value of this space from the wire.
     * \param in the received container
     * \param where the position of the value in the message, for error messages
     * \param[out] error what did not match, when the result is null
     * \return the value, or null when it does not belong to this space (for a Box: also
     *         when a value is not finite or lies outside [low, high])
     */
    virtual Ptr<GymDataContainer> Parse(const ns3opengym::DataContainer& in,
                                        const std::string& where,
                                        std::string& error) const = 0;
};

/// Integers 0 .. n-1.
class GymDiscreteSpace : public GymSpace
{
  public:
    explicit GymDiscreteSpace(int32_t n);
    int32_t GetN() const;
    void Serialize(ns3opengym::SpaceDescription& out) const override;
    Ptr<GymDataContainer> Parse(const ns3opengym::DataContainer& in,
                                const std::string& where,
                                std::string& error) const override;

  private:
    int32_t m_n;
};

/// An array of the given shape and dtype; one scalar low and high bound for all
/// elements (the wire has no per-element bounds). Actions arrive as GymBoxContainer<T>
/// of the space's shape with T matching the space's dtype, whatever numeric dtype and
/// field they travelled in and whether they came in that shape or flat (ns3-gym's client
/// sends shape [length], and FLOAT data for a DOUBLE space); an integer Box takes only
/// whole numbers.
class GymBoxSpace : public GymSpace
{
  public:
    GymBoxSpace(float low, float high, std::vector<uint32_t> shape, GymDtype dtype);
    float GetLow() const;
    float GetHigh() const;
    const std::vector<uint32_t>& GetShape() const;
    GymDtype GetDtype() const;
    /// Number of elements (product of the shape).
    uint64_t GetSize() const;
    void Serialize(ns3opengym::SpaceDescription& out) const override;
    Ptr<GymDataContainer> Parse(const ns3opengym::DataContainer& in,
                                const std::string& where,
                                std::string& error) const override;

  private:
    float m_low;
    float m_high;
    std::vector<uint32_t> m_shape;
    GymDtype m_dtype;
    uint64_t m_size;
};

/// Ordered sub-spaces; actions arrive as GymTupleContainer.
class GymTupleSpace : public GymSpace
{
  public:
    void Add(Ptr<GymSpace> element);
    std::size_t GetN() const;
    Ptr<GymSpace> Get(std::size_t i) const;
    void Serialize(ns3opengym::SpaceDescription& out) const override;
    Ptr<GymDataContainer> Parse(const ns3opengym::DataContainer& in,
                                const std::string& where,
                                std::string& error) const override;

  private:
    std::vector<Ptr<GymSpace>> m_elements;
};

/// Sub-spaces keyed by name, in insertion order; actions arrive as GymDictContainer
/// holding every key exactly once (the order on the wire does not matter).
class GymDictSpace : public GymSpace
{
  public:
    void Add(const std::string& key, Ptr<GymSpace> element);
    /// The sub-space under key, or null.
    Ptr<GymSpace> Get(const std::string& key) const;
    std::vector<std::string> GetKeys() const;
    void Serialize(ns3opengym::SpaceDescription& out) const override;
    Ptr<GymDataContainer> Parse(const ns3opengym::DataContainer& in,
                                const std::string& where,
                                std::string& error) const override;

  private:
    std::vector<std::pair<std::string, Ptr<GymSpace>>> m_elements;
};

} // namespace ns3

#endif // RAN_GYM_SPACE_H

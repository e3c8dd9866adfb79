// The downlink RBG allocation the agent asks for, shared between the gym side of
// the program (which writes it once per step) and the GymFfMacScheduler of every
// cell (which reads it every TTI); its "DlDci" trace tells it what was sent.
#ifndef RAN_GYM_RBG_ALLOCATION_H
#define RAN_GYM_RBG_ALLOCATION_H

#include "ns3/ff-mac-common.h"
#include "ns3/object.h"

#include <cstdint>
#include <map>
#include <vector>

namespace ns3
{

class RbgAllocation : public Object
{
  public:
    static TypeId GetTypeId();

    /// RNTI owning each RBG of the cell (0 = unused) from now on.
    void SetOwners(uint16_t cellId, std::vector<uint16_t> rntiPerRbg);
    /// The owners of the cell's RBGs; empty when none were ever set.
    const std::vector<uint16_t>& GetOwners(uint16_t cellId) const;

    /// Sink of GymFfMacScheduler's "DlDci" trace: the cell sent dci in this TTI.
    void RecordDci(uint16_t cellId, const DlDciListElement_s& dci);
    /**
     * Per RBG of the cell, the TTIs with a transport block since the last call and the
     * RNTI of the last one (0 = none); resets the counts.
     */
    std::vector<std::pair<uint32_t, uint16_t>> TakeUse(uint16_t cellId, uint32_t rbgs);

  private:
    std::map<uint16_t, std::vector<uint16_t>> m_owners;
    std::map<uint16_t, std::vector<std::pair<uint32_t, uint16_t>>> m_use;
};

} // namespace ns3

#endif // RAN_GYM_RBG_ALLOCATION_H

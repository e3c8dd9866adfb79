// The gym side of ran-gym-oran-slicing: spaces, observation, reward, extra info,
// and the action applied to the network at each step boundary.
//
//   action (Dict)
//     association  Box int32 [U] in 0..R-1: the O-RU of each UE. UEs attach at t = 0
//                  to the O-RU of highest channel gain. With --handover=false they
//                  stay there; with --handover=true a differing entry starts an X2
//                  handover when the UE is connected and not already handing over.
//                  UEs not (yet) on their entry's O-RU are listed in info
//                  "association_mismatch".
//     prb_owner    Box int32 [R, G] in -1..U-1, G = 17 RBGs of 3 PRBs (LTE type 0,
//                  10 MHz): the UE owning each RBG at each O-RU (-1 unused). An owner
//                  not attached to that O-RU leaves the RBG unused (info "invalid_rbgs").
//                  Applied by GymFfMacScheduler (--scheduler=gym); pf/rr ignore it.
//     power_level  Box int32 [U] in 0..7: the UE's LTE P_A, PA_LEVELS_DB[level] dB
//                  relative to the cell's reference-signal power per RE.
//   observation (Box float32, flat):
//     qos_ok [U], gain_db_norm [U x R] = (gain_dB + 120) / 40, throughput_mbps [U],
//     delay_ms [U], slice_queue_bytes [3]
#ifndef RAN_GYM_SLICING_ENV_H
#define RAN_GYM_SLICING_ENV_H

#include "rbg-allocation.h"
#include "slice-traffic.h"
#include "slicing-network.h"
#include "slicing-step.h"
#include "slicing-traces.h"

#include "gym-interface.h"

#include "ns3/lte-common.h"

#include <map>

namespace ns3
{

constexpr uint32_t RBG_COUNT = 17; // 50 PRBs in RBGs of 3 (TS 36.213 type 0)

class SlicingEnv
{
  public:
    SlicingEnv(const SlicingOptions& o,
               SlicingNetwork& net,
               Ptr<SliceMonitor> monitor,
               Ptr<RbgAllocation> allocation,
               SlicingTraces& traces);
    /// Registers the callbacks and schedules the first state at the end of the warm-up.
    void Attach(Ptr<GymInterface> gym);

  private:
    void StepBoundary();
    /// Sink of each eNB MAC's "DlScheduling" trace: one downlink DCI of rnti at O-RU ru.
    void OnDlScheduling(uint32_t ru, DlSchedulingCallbackInfo info);
    void Measure();
    void WriteTraces();
    Ptr<GymSpace> GetObservationSpace();
    Ptr<GymSpace> GetActionSpace();
    Ptr<GymDataContainer> GetObservation();
    float GetReward();
    std::string GetExtraInfo();
    bool ExecuteActions(Ptr<GymDataContainer> action);
    void ApplyRbgOwners(const std::vector<int32_t>& owners);
    void ApplyPower(const std::vector<int32_t>& levels);
    /// Starts an X2 handover of each UE whose association differs, when it can take one.
    void ApplyAssociation(const std::vector<int32_t>& association);
    /// O-RU index UE u is attached to now, -1 when none.
    int32_t ServingRu(uint32_t u) const;
    uint16_t Rnti(uint32_t u) const;

    SlicingOptions m_o;
    SlicingNetwork& m_net;
    Ptr<SliceMonitor> m_monitor;
    Ptr<RbgAllocation> m_allocation;
    SlicingTraces& m_traces;
    Ptr<GymInterface> m_gym;
    StepRecord m_last;
    std::vector<int32_t> m_requested; ///< prb_owner of the action in force [R x G]
    std::vector<int32_t> m_applied;   ///< the same, -1 where the owner is elsewhere
    std::vector<int32_t> m_power;     ///< P_A level per UE in force
    std::vector<int32_t> m_powerRu;   ///< O-RU whose RRC got that level (-1 none)
    uint32_t m_handovers{0};          ///< handovers started in the episode
    std::vector<uint32_t> m_handingOver; ///< UEs whose handover this action started
    uint32_t m_invalidRbgs{0};
    std::vector<uint32_t> m_mismatch;
    std::vector<std::map<uint16_t, uint32_t>> m_dlDcis; ///< per O-RU, DCIs per RNTI this step
    uint32_t m_step{0};
};

} // namespace ns3

#endif // RAN_GYM_SLICING_ENV_H

// One step of ran-gym-oran-slicing as the agent sees it: QoS per UE, per-slice sums,
// the reward, and the JSON object sent as extra info.
//
// QoS of UE u in the step: eMBB throughput >= --embbMinMbps; URLLC throughput >=
// --urllcMinMbps and mean delay <= --urllcMaxDelayMs (a step without packets received
// fails); mMTC bytes received in the step >= bytes sent in the step.
//
// Reward = thetaRate * R + thetaConst * C + thetaBias, with R the aggregate
// throughput of the step [Mbit/s] and C the share of UEs whose QoS was met, in [0, 1].
#ifndef RAN_GYM_SLICING_STEP_H
#define RAN_GYM_SLICING_STEP_H

#include "slice-traffic.h"
#include "slicing-options.h"

#include <array>
#include <string>
#include <vector>

namespace ns3
{

struct StepRecord
{
    uint32_t step{0};
    double timeS{0};
    std::vector<UeStepStats> ue;
    std::vector<uint8_t> qosOk;      ///< per UE
    std::vector<double> gainDb;      ///< [U x R], u-major
    std::vector<int32_t> ru;         ///< serving O-RU per UE (-1 not attached)
    std::vector<int32_t> powerLevel; ///< P_A index per UE during the step
    std::vector<int32_t> rbgTtis;    ///< RBG-TTIs carrying data per UE (-1 not measured)
    std::vector<uint32_t> dlDcis;    ///< downlink DCIs (transport blocks) per UE in the step
    std::array<double, SLICE_COUNT> sliceMbps{};
    std::array<double, SLICE_COUNT> sliceQosShare{};
    std::array<double, SLICE_COUNT> sliceQueueBytes{};
    double rateMbps{0};
    double constraint{0};
    double reward{0};
    uint32_t invalidRbgs{0};               ///< RBGs of the action given to a UE not on that RU
    uint32_t handovers{0};                 ///< handovers started so far in the episode
    std::vector<uint32_t> associationMismatch; ///< UEs whose association differs from the action
};

/// Fills qosOk, the slice sums and the reward of r from r.ue.
void EvaluateStep(const SlicingOptions& o, StepRecord& r);

/// The extra-info JSON object of r.
std::string StepInfoJson(const SlicingOptions& o, const StepRecord& r);

} // namespace ns3

#endif // RAN_GYM_SLICING_STEP_H

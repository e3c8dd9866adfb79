// Per-pair, per-step measurements of the interference scenario, taken from the LTE
// downlink of every pair: delivered bits from the transport blocks each UE decodes
// (LteSpectrumPhy "DlPhyReception", correct TBs only) and the SINR of the data the UE
// receives (a chunk processor on its data reception: mean over resource blocks and
// subframes of the step, in linear scale).
// Pair i is cell i + 1.
#ifndef RAN_GYM_PAIR_MONITOR_H
#define RAN_GYM_PAIR_MONITOR_H

#include "ns3/lte-common.h"
#include "ns3/net-device-container.h"
#include "ns3/nstime.h"
#include "ns3/spectrum-value.h"
#include "ns3/object.h"
#include "ns3/traced-callback.h"

#include <cstdint>
#include <vector>

namespace ns3
{

/// What pair i got during one step.
struct PairStepStats
{
    uint32_t step{0};     ///< index of the state; covers the step that just ended
    double timeS{0};      ///< end of the step [s]
    uint32_t pair{0};     ///< pair index, 0-based
    double powerW{0};     ///< transmit power in effect during the step [W]
    uint64_t bits{0};     ///< bits of the correctly decoded transport blocks
    double rateBpsHz{0};  ///< bits / (step length x bandwidth) [bit/s/Hz]
    double sinrDb{0};     ///< mean SINR measured by the UE [dB]; -inf if none measured
    uint32_t tbOk{0};     ///< transport blocks decoded
    uint32_t tbError{0};  ///< transport blocks lost
};

class PairMonitor : public Object
{
  public:
    static TypeId GetTypeId();

    /// Signature of the "Step" trace source: one call per pair per step.
    typedef void (*StepTracedCallback)(const PairStepStats& stats);

    /// Listens to the UE devices (pair i = ueDevices.Get(i)); bandwidthHz turns bits
    /// into spectral efficiency.
    void Attach(const NetDeviceContainer& ueDevices, double bandwidthHz);
    /// Closes the current step as number step (powers in effect during it) and fires
    /// "Step" once per pair; returns the stats of every pair.
    std::vector<PairStepStats> EndStep(uint32_t step, const std::vector<double>& powersW);

  protected:
    void DoDispose() override;

  private:
    void OnReception(PhyReceptionStatParameters params);
    void OnDataSinr(uint32_t pair, const SpectrumValue& sinr);
    uint32_t PairOfCell(uint16_t cellId) const;

    double m_bandwidthHz{0};
    Time m_stepStart;
    std::vector<uint64_t> m_bits;
    std::vector<uint32_t> m_ok;
    std::vector<uint32_t> m_errors;
    std::vector<double> m_sinrSum;
    std::vector<uint32_t> m_sinrCount;
    TracedCallback<const PairStepStats&> m_stepTrace;
};

} // namespace ns3

#endif // RAN_GYM_PAIR_MONITOR_H

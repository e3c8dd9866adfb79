// Command-line knobs of ran-gym-oran-slicing, their defaults and checks.
#ifndef RAN_GYM_SLICING_OPTIONS_H
#define RAN_GYM_SLICING_OPTIONS_H

#include "gym-command-line.h"

#include <array>
#include <cstdint>
#include <string>

namespace ns3
{

/// The three slices, in the order of the UE index ranges and of every per-slice array.
enum class Slice : uint8_t
{
    EMBB = 0,
    URLLC = 1,
    MMTC = 2,
};

constexpr uint32_t SLICE_COUNT = 3;
constexpr uint32_t MAX_RUS = 7;
/// LTE P_A values [dB] that power_level indexes (3GPP TS 36.331 PDSCH-ConfigDedicated).
constexpr std::array<double, 8> PA_LEVELS_DB{-6.0, -4.77, -3.0, -1.77, 0.0, 1.0, 2.0, 3.0};

const char* SliceName(Slice s);

struct SlicingOptions
{
    uint32_t nRus{3};             ///< O-RUs (LTE eNBs), one per hexagonal site, 1..7
    uint32_t nUes{25};            ///< UEs, 1..200
    double embbShare{0.4};        ///< share of UEs in eMBB (the first round(share*U))
    double urllcShare{0.4};       ///< share of UEs in URLLC (the next round(share*U))
    double mmtcShare{0.2};        ///< share of UEs in mMTC (the rest)
    double radius{400.0};         ///< cell radius [m]; UEs dropped within it of their site
    double ruPowerDbm{46.0};      ///< O-RU transmit power [dBm]
    double noiseFigureDb{9.0};    ///< UE noise figure [dB]
    double ueSpeed{3.0};          ///< UE random-walk speed [m/s], 0 = static
    double stepMs{10.0};          ///< step length [ms]
    uint32_t maxSteps{100};       ///< actions per episode
    double warmupMs{100.0};       ///< attach time before the first state [ms]
    std::string scheduler{"gym"}; ///< gym | pf | rr
    double embbMbps{12.0};        ///< eMBB offered rate per UE [Mbit/s], constant bit rate
    uint32_t embbPacketBytes{1200};
    double urllcMbps{2.5};        ///< URLLC offered rate per UE [Mbit/s], constant bit rate
    uint32_t urllcPacketBytes{200};
    double mmtcIntervalMs{20.0};  ///< mMTC mean time between packets per UE [ms], exponential
    uint32_t mmtcPacketBytes{100};
    uint32_t rlcBufferBytes{102400}; ///< RLC UM transmit buffer per bearer [B]
    double embbMinMbps{10.0};     ///< eMBB QoS: throughput at least this [Mbit/s]
    double urllcMinMbps{2.0};     ///< URLLC QoS: throughput at least this [Mbit/s]
    double urllcMaxDelayMs{10.0};  ///< URLLC QoS: mean delay at most this [ms] (Table I: 1)
    double thetaRate{0.01};       ///< reward weight of the aggregate throughput [1/(Mbit/s)]
    double thetaConst{1.0};       ///< reward weight of the constraint term
    double thetaBias{0.0};        ///< reward bias
    uint32_t extInterferers{0};   ///< external interferers on the downlink band, 0..12
    double extInterfDbm{30.0};    ///< transmit power of each, over the 10 MHz band [dBm]
    double extInterfDistM{1000.0}; ///< distance of the interferers from site 0 [m]
    std::string traceDir;         ///< directory for the trace files, empty = none
    bool pcap{false};             ///< pcap on the EPC point-to-point links (needs traceDir)
    bool lteStats{true};          ///< LTE stats files and FlowMonitor too (with traceDir)
    bool handover{false};         ///< follow the action's association with X2 handovers
    /// Slice power caps: the highest P_A [dB] a UE of each slice may be given (eMBB, URLLC,
    /// mMTC); a requested level above its slice's cap is lowered to the highest one within.
    std::array<double, SLICE_COUNT> maxPaDb{3.0, 3.0, 3.0};

    /// Slice of UE u (0-based).
    Slice SliceOf(uint32_t u) const;
    /// Number of UEs in each slice.
    std::array<uint32_t, SLICE_COUNT> SliceSizes() const;
    std::string SchedulerTypeName() const;
    /// The highest power_level index a UE of slice s may be given (its cap, in levels).
    int32_t MaxPaLevel(Slice s) const;
};

/// Parses and checks the command line; exits with GYM_EXIT_CONFIG on a bad value.
SlicingOptions ParseSlicingOptions(int argc, char* argv[], GymCommandLine& gymArgs);

} // namespace ns3

#endif // RAN_GYM_SLICING_OPTIONS_H

#include "slicing-options.h"

#include "ns3/command-line.h"
#include "ns3/log.h"

#include <cmath>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RanGymSlicingOptions");

const char*
SliceName(Slice s)
{
    switch (s)
    {
    case Slice::EMBB:
        return "embb";
    case Slice::URLLC:
        return "urllc";
    default:
        return "mmtc";
    }
}

std::array<uint32_t, SLICE_COUNT>
SlicingOptions::SliceSizes() const
{
    auto embb = static_cast<uint32_t>(std::lround(embbShare * nUes));
    auto urllc = static_cast<uint32_t>(std::lround(urllcShare * nUes));
    embb = std::min(embb, nUes);
    urllc = std::min(urllc, nUes - embb);
    return {embb, urllc, nUes - embb - urllc};
}

Slice
SlicingOptions::SliceOf(uint32_t u) const
{
    auto sizes = SliceSizes();
    if (u < sizes[0])
    {
        return Slice::EMBB;
    }
    return u < sizes[0] + sizes[1] ? Slice::URLLC : Slice::MMTC;
}

std::string
SlicingOptions::SchedulerTypeName() const
{
    if (scheduler == "pf")
    {
        return "ns3::PfFfMacScheduler";
    }
    if (scheduler == "rr")
    {
        return "ns3::RrFfMacScheduler";
    }
    return "ns3::GymFfMacScheduler";
}

int32_t
SlicingOptions::MaxPaLevel(Slice s) const
{
    int32_t level = 0; // the lowest level is always allowed (Check keeps caps >= it)
    for (uint32_t l = 0; l < PA_LEVELS_DB.size(); ++l)
    {
        if (PA_LEVELS_DB[l] <= maxPaDb[static_cast<uint32_t>(s)] + 1e-9)
        {
            level = static_cast<int32_t>(l);
        }
    }
    return level;
}

namespace
{

void
Require(bool ok, const std::string& message)
{
    if (!ok)
    {
        GymExit(GYM_EXIT_CONFIG, message);
    }
}

void
RequireRange(double value, double low, double high, const std::string& name)
{
    std::ostringstream os;
    os << "--" << name << "=" << value << " is outside [" << low << ", " << high << "]";
    Require(std::isfinite(value) && value >= low && value <= high, os.str());
}

void
Check(const SlicingOptions& o)
{
    RequireRange(o.nRus, 1, MAX_RUS, "nRus");
    RequireRange(o.nUes, 1, 200, "nUes");
    RequireRange(o.embbShare, 0, 1, "embbShare");
    RequireRange(o.urllcShare, 0, 1, "urllcShare");
    RequireRange(o.mmtcShare, 0, 1, "mmtcShare");
    Require(std::abs(o.embbShare + o.urllcShare + o.mmtcShare - 1.0) < 1e-6,
            "--embbShare + --urllcShare + --mmtcShare must be 1");
    RequireRange(o.radius, 50, 5000, "radius");
    RequireRange(o.ruPowerDbm, 0, 60, "ruPowerDbm");
    RequireRange(o.noiseFigureDb, 0, 20, "noiseFigureDb");
    RequireRange(o.ueSpeed, 0, 50, "ueSpeed");
    RequireRange(o.stepMs, 1, 10000, "stepMs");
    Require(std::floor(o.stepMs) == o.stepMs, "--stepMs must be a whole number of 1 ms TTIs");
    RequireRange(o.maxSteps, 1, 10000000, "maxSteps");
    RequireRange(o.warmupMs, 20, 10000, "warmupMs");
    RequireRange(o.extInterferers, 0, 12, "extInterferers");
    RequireRange(o.extInterfDbm, -50, 70, "extInterfDbm");
    RequireRange(o.extInterfDistM, 10, 100000, "extInterfDistM");
    Require(o.scheduler == "gym" || o.scheduler == "pf" || o.scheduler == "rr",
            "--scheduler='" + o.scheduler + "' is not one of gym|pf|rr");
    RequireRange(o.embbMbps, 0, 1000, "embbMbps");
    RequireRange(o.urllcMbps, 0, 1000, "urllcMbps");
    RequireRange(o.mmtcIntervalMs, 1, 1e6, "mmtcIntervalMs");
    RequireRange(o.embbPacketBytes, 24, 1400, "embbPacketBytes");
    RequireRange(o.urllcPacketBytes, 24, 1400, "urllcPacketBytes");
    RequireRange(o.mmtcPacketBytes, 24, 1400, "mmtcPacketBytes");
    RequireRange(o.rlcBufferBytes, 1000, 1e8, "rlcBufferBytes");
    RequireRange(o.embbMinMbps, 0, 1000, "embbMinMbps");
    RequireRange(o.urllcMinMbps, 0, 1000, "urllcMinMbps");
    RequireRange(o.urllcMaxDelayMs, 0, 1e6, "urllcMaxDelayMs");
    Require(std::isfinite(o.thetaRate) && std::isfinite(o.thetaConst) &&
                std::isfinite(o.thetaBias),
            "--thetaRate, --thetaConst and --thetaBias must be finite");
    Require(!o.pcap || !o.traceDir.empty(), "--pcap needs --traceDir");
    for (uint32_t s = 0; s < SLICE_COUNT; ++s)
    {
        RequireRange(o.maxPaDb[s], PA_LEVELS_DB.front(), PA_LEVELS_DB.back(),
                     std::string(SliceName(Slice(s))) + "MaxPaDb");
    }
}

} // namespace

SlicingOptions
ParseSlicingOptions(int argc, char* argv[], GymCommandLine& gymArgs)
{
    SlicingOptions o;
    CommandLine cmd(__FILE__);
    cmd.AddValue("nRus", "O-RUs (LTE eNBs), one per hexagonal site, 1..7", o.nRus);
    cmd.AddValue("nUes", "UEs, 1..200", o.nUes);
    cmd.AddValue("embbShare", "share of UEs in eMBB, 0..1", o.embbShare);
    cmd.AddValue("urllcShare", "share of UEs in URLLC, 0..1", o.urllcShare);
    cmd.AddValue("mmtcShare", "share of UEs in mMTC, 0..1 (the three sum to 1)", o.mmtcShare);
    cmd.AddValue("radius", "cell radius [m], 50..5000", o.radius);
    cmd.AddValue("ruPowerDbm", "O-RU transmit power [dBm], 0..60", o.ruPowerDbm);
    cmd.AddValue("noiseFigureDb", "UE noise figure [dB], 0..20", o.noiseFigureDb);
    cmd.AddValue("ueSpeed", "UE random-walk speed [m/s], 0..50", o.ueSpeed);
    cmd.AddValue("stepMs", "step length [ms], whole TTIs, 1..10000", o.stepMs);
    cmd.AddValue("maxSteps", "actions per episode, >= 1", o.maxSteps);
    cmd.AddValue("warmupMs", "attach time before the first state [ms], 20..10000", o.warmupMs);
    cmd.AddValue("scheduler", "MAC scheduler: gym | pf | rr", o.scheduler);
    cmd.AddValue("embbMbps", "eMBB offered rate per UE [Mbit/s]", o.embbMbps);
    cmd.AddValue("embbPacketBytes", "eMBB packet size [B], 24..1400", o.embbPacketBytes);
    cmd.AddValue("urllcMbps", "URLLC offered rate per UE [Mbit/s]", o.urllcMbps);
    cmd.AddValue("urllcPacketBytes", "URLLC packet size [B], 24..1400", o.urllcPacketBytes);
    cmd.AddValue("mmtcIntervalMs", "mMTC mean time between packets per UE [ms]",
                 o.mmtcIntervalMs);
    cmd.AddValue("mmtcPacketBytes", "mMTC packet size [B], 24..1400", o.mmtcPacketBytes);
    cmd.AddValue("rlcBufferBytes", "RLC UM transmit buffer per bearer [B]", o.rlcBufferBytes);
    cmd.AddValue("embbMinMbps", "eMBB QoS: minimum throughput [Mbit/s]", o.embbMinMbps);
    cmd.AddValue("urllcMinMbps", "URLLC QoS: minimum throughput [Mbit/s]", o.urllcMinMbps);
    cmd.AddValue("urllcMaxDelayMs", "URLLC QoS: maximum mean delay [ms]", o.urllcMaxDelayMs);
    cmd.AddValue("thetaRate", "reward weight of the aggregate throughput [1/(Mbit/s)]",
                 o.thetaRate);
    cmd.AddValue("thetaConst", "reward weight of the constraint term", o.thetaConst);
    cmd.AddValue("thetaBias", "reward bias", o.thetaBias);
    cmd.AddValue("extInterferers",
                 "external interferers (continuous, band-wide, on the downlink carrier), 0..12",
                 o.extInterferers);
    cmd.AddValue("extInterfDbm", "transmit power of each external interferer [dBm], -50..70",
                 o.extInterfDbm);
    cmd.AddValue("extInterfDistM",
                 "distance of the external interferers from site 0 [m], 10..100000",
                 o.extInterfDistM);
    cmd.AddValue("traceDir", "directory for the trace files ('none' or empty = none)", o.traceDir);
    cmd.AddValue("pcap", "pcap on the EPC point-to-point links (needs --traceDir)", o.pcap);
    cmd.AddValue("lteStats",
                 "with --traceDir: also the LTE PHY/MAC/RLC/PDCP stats files and FlowMonitor "
                 "(false: the packet, step and allocation traces only)",
                 o.lteStats);
    cmd.AddValue("handover",
                 "follow the action's association with X2 handovers (else it is only checked)",
                 o.handover);
    cmd.AddValue("embbMaxPaDb",
                 "slice power cap: the highest P_A [dB] an eMBB UE may be given, -6..3 "
                 "(higher requested levels are lowered to it)",
                 o.maxPaDb[0]);
    cmd.AddValue("urllcMaxPaDb", "slice power cap of URLLC UEs [dB], -6..3", o.maxPaDb[1]);
    cmd.AddValue("mmtcMaxPaDb", "slice power cap of mMTC UEs [dB], -6..3", o.maxPaDb[2]);
    gymArgs.AddTo(cmd);
    cmd.Parse(argc, argv);
    if (o.traceDir == "none")
    {
        o.traceDir.clear();
    }
    Check(o);
    return o;
}

} // namespace ns3

// ran-gym-interference: power control in an N-pair interference network over LTE.
//
// N Tx-Rx pairs dropped at a fixed density (interference-channel.h: dual-slope path
// loss, log-normal shadowing, Rayleigh fading that moves on every step). Each pair is a
// one-UE LTE cell (no EPC) on one shared carrier, with a full-buffer downlink (RLC
// saturation mode) and adaptive MCS from the UE's CQI, so what a pair delivers depends
// on every transmitter's power through its SINR. The gains are imposed on the LTE
// downlink channel with a MatrixPropagationLossModel, updated at every step.
//
// Every --stepMs the agent sees the step that just ended and picks every transmitter's
// power for the next one; --maxSteps actions make an episode (final state: reason
// SimulationEnd). State 0 comes after --warmupMs at full power (cell attach); its rates
// are reported as 0.
//   action       Box(0, pmaxMw, shape [N], float): transmit power per pair [mW]
//   observation  Dict:
//                "gains" Box(-100, 100, shape [N, N], float): normalised long-term gains
//                        x[i][j] = log10(G[i][j] * Pmax / noise) / 4, i.e. the SNR at
//                        full power in dB / 40; G[i][j] = power gain Tx j -> Rx i;
//                        invert with G = 10^(4 x) * noise / Pmax
//                "rates" Box(0, 100, shape [N], float): rate each pair delivered in the
//                        last step [bit/s/Hz]
//   reward       mean over pairs of the rates of the last step [bit/s/Hz]
//   extra info   JSON object: step, rates, bits, sinr_db (null if not measured),
//                power_w (in effect during the step), fading (|h|^2 of the step,
//                rx-major N x N); state 0 also: gains (long-term, linear, rx-major),
//                noise_w, pmax_w, bandwidth_hz, fading_correlation, tx_xy, rx_xy [m].
//
// --stepTrace=PATH writes one CSV row per pair per state (PairMonitor "Step" trace):
//   step,time_s,pair,power_w,bits,rate_bps_hz,sinr_db,tb_ok,tb_error
#include "interference-channel.h"
#include "pair-monitor.h"
#include "power-control-env.h"

#include "gym-command-line.h"
#include "gym-interface.h"

#include "ns3/core-module.h"
#include "ns3/lte-module.h"
#include "ns3/mobility-module.h"
#include "ns3/network-module.h"
#include "ns3/propagation-loss-model.h"
#include "ns3/spectrum-channel.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("RanGymInterference");

namespace
{

constexpr double THERMAL_NOISE_DBM_HZ = -174.0; ///< LTE's receiver noise before its figure
constexpr double POWER_FLOOR_W = 1e-12;        ///< a power of 0 is sent as this (-90 dBm)

struct InterferenceOptions
{
    ChannelOptions channel;
    double pmaxMw{10.0};       ///< largest transmit power [mW]
    double bandwidthMHz{10.0}; ///< LTE channel bandwidth [MHz]: 1.4, 3, 5, 10, 15 or 20
    double noiseDbmHz{-174.0}; ///< receiver noise PSD [dBm/Hz], >= -174
    double stepMs{10.0};       ///< step length [ms]
    uint32_t maxSteps{200};    ///< actions per episode
    double warmupMs{100.0};    ///< full-power time before state 0 [ms]
    std::string stepTrace;     ///< CSV path, empty = none

    double PmaxW() const { return pmaxMw / 1e3; }
    double BandwidthHz() const { return bandwidthMHz * 1e6; }
    double NoiseW() const { return std::pow(10.0, noiseDbmHz / 10.0) / 1e3 * BandwidthHz(); }
};

uint32_t
ResourceBlocks(double bandwidthMHz)
{
    static const std::map<double, uint32_t> rbs{{1.4, 6}, {3, 15}, {5, 25}, {10, 50}, {15, 75},
                                                {20, 100}};
    auto it = rbs.find(bandwidthMHz);
    if (it == rbs.end())
    {
        GymExit(GYM_EXIT_CONFIG, "--bandwidthMHz must be one of 1.4, 3, 5, 10, 15, 20");
    }
    return it->second;
}

void
Require(bool ok, const std::string& message)
{
    if (!ok)
    {
        GymExit(GYM_EXIT_CONFIG, message);
    }
}

void
Validate(const InterferenceOptions& o)
{
    const ChannelOptions& c = o.channel;
    Require(c.pairs >= 1, "--pairs must be >= 1");
    Require(c.densityPerKm2 > 0, "--density must be > 0 [pairs/km^2]");
    Require(c.minRxDistM > 0 && c.maxRxDistM >= c.minRxDistM,
            "--minRxDistM must be > 0 and <= --maxRxDistM [m]");
    Require(c.minTxDistM >= 0, "--minTxDistM must be >= 0 [m]");
    Require(c.shadowingDb >= 0, "--shadowingDb must be >= 0 [dB]");
    Require(c.carrierGhz > 0 && c.speedMps >= 0, "--carrierGhz > 0 and --speedMps >= 0");
    Require(c.dropTries >= 1, "--dropTries must be >= 1");
    Require(o.pmaxMw > 0 && std::isfinite(o.pmaxMw), "--pmaxMw must be > 0 [mW]");
    Require(o.noiseDbmHz >= THERMAL_NOISE_DBM_HZ, "--noiseDbmHz must be >= -174 [dBm/Hz]");
    Require(o.stepMs >= 1 && std::fmod(o.stepMs, 1.0) == 0,
            "--stepMs must be a whole number of 1 ms LTE subframes, >= 1");
    Require(o.maxSteps >= 1, "--maxSteps must be >= 1");
    Require(o.warmupMs >= 20 && std::fmod(o.warmupMs, 1.0) == 0,
            "--warmupMs must be a whole number of ms, >= 20 (cell attach)");
    ResourceBlocks(o.bandwidthMHz);
}

InterferenceOptions
ParseCommandLine(int argc, char* argv[], GymCommandLine& gymArgs)
{
    InterferenceOptions o;
    ChannelOptions& c = o.channel;
    CommandLine cmd(__FILE__);
    cmd.AddValue("pairs", "number of Tx-Rx pairs, >= 1", c.pairs);
    cmd.AddValue("density", "pairs per km^2, > 0", c.densityPerKm2);
    cmd.AddValue("minRxDistM", "smallest Tx-Rx distance of a pair [m]", c.minRxDistM);
    cmd.AddValue("maxRxDistM", "largest Tx-Rx distance of a pair [m]", c.maxRxDistM);
    cmd.AddValue("minTxDistM", "smallest Tx-Tx distance [m]", c.minTxDistM);
    cmd.AddValue("shadowingDb", "log-normal shadowing standard deviation [dB]", c.shadowingDb);
    cmd.AddValue("carrierGhz", "carrier for the Doppler spread of the fading [GHz]",
                 c.carrierGhz);
    cmd.AddValue("speedMps", "receiver speed for the Doppler spread [m/s]", c.speedMps);
    cmd.AddValue("dropTries", "placement attempts per transmitter", c.dropTries);
    cmd.AddValue("pmaxMw", "largest transmit power [mW], > 0", o.pmaxMw);
    cmd.AddValue("bandwidthMHz", "LTE bandwidth [MHz]: 1.4, 3, 5, 10, 15, 20", o.bandwidthMHz);
    cmd.AddValue("noiseDbmHz", "receiver noise PSD [dBm/Hz], >= -174", o.noiseDbmHz);
    cmd.AddValue("stepMs", "step length [ms], whole ms", o.stepMs);
    cmd.AddValue("maxSteps", "actions per episode, >= 1", o.maxSteps);
    cmd.AddValue("warmupMs", "full-power time before the first state [ms]", o.warmupMs);
    cmd.AddValue("stepTrace", "CSV file, one row per pair per step (empty = none)",
                 o.stepTrace);
    gymArgs.AddTo(cmd);
    cmd.Parse(argc, argv);
    Validate(o);
    c.stepS = o.stepMs / 1e3;
    return o;
}

double
WattsToDbm(double watts)
{
    return 10.0 * std::log10(std::max(watts, POWER_FLOOR_W) * 1e3);
}

/// LTE defaults for this scenario; set before the helper creates anything.
void
ConfigureLte(const InterferenceOptions& o)
{
    uint32_t rbs = ResourceBlocks(o.bandwidthMHz);
    Config::SetDefault("ns3::LteEnbNetDevice::DlBandwidth", UintegerValue(rbs));
    Config::SetDefault("ns3::LteEnbNetDevice::UlBandwidth", UintegerValue(rbs));
    Config::SetDefault("ns3::LteEnbPhy::TxPower", DoubleValue(WattsToDbm(o.PmaxW())));
    Config::SetDefault("ns3::LteUePhy::NoiseFigure",
                       DoubleValue(o.noiseDbmHz - THERMAL_NOISE_DBM_HZ));
    Config::SetDefault("ns3::LteEnbRrc::EpsBearerToRlcMapping",
                       EnumValue(LteEnbRrc::RLC_SM_ALWAYS));
    // The stock schedulers can abort in their HARQ bookkeeping under interference
    // (DESIGN.md); without HARQ a lost transport block is simply not delivered.
    Config::SetDefault("ns3::PfFfMacScheduler::HarqEnabled", BooleanValue(false));
    Config::SetDefault("ns3::LteSpectrumPhy::CtrlErrorModelEnabled", BooleanValue(false));
}

struct LteNetwork
{
    NodeContainer enbs;
    NodeContainer ues;
    NetDeviceContainer enbDevices;
    NetDeviceContainer ueDevices;
    Ptr<MatrixPropagationLossModel> loss;
};

void
Place(NodeContainer nodes, const std::vector<Vector>& positions)
{
    auto alloc = CreateObject<ListPositionAllocator>();
    for (const Vector& p : positions)
    {
        alloc->Add(p);
    }
    MobilityHelper mobility;
    mobility.SetPositionAllocator(alloc);
    mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
    mobility.Install(nodes);
}

LteNetwork
BuildNetwork(const InterferenceChannel& channel)
{
    LteNetwork net;
    uint32_t n = channel.GetN();
    net.enbs.Create(n);
    net.ues.Create(n);
    Place(net.enbs, channel.GetTxPositions());
    Place(net.ues, channel.GetRxPositions());

    auto lte = CreateObject<LteHelper>();
    lte->SetSchedulerType("ns3::PfFfMacScheduler");
    // The helper's own loss model adds 0 dB; ours, chained in front, holds the gains.
    lte->SetPathlossModelType(MatrixPropagationLossModel::GetTypeId());
    lte->SetPathlossModelAttribute("DefaultLoss", DoubleValue(0.0));
    net.enbDevices = lte->InstallEnbDevice(net.enbs);
    net.ueDevices = lte->InstallUeDevice(net.ues);
    net.loss = CreateObject<MatrixPropagationLossModel>();
    net.loss->SetDefaultLoss(0.0);
    lte->GetDownlinkSpectrumChannel()->AddPropagationLossModel(net.loss);
    for (uint32_t i = 0; i < n; ++i)
    {
        lte->Attach(net.ueDevices.Get(i), net.enbDevices.Get(i));
    }
    lte->ActivateDataRadioBearer(net.ueDevices, EpsBearer(EpsBearer::NGBR_VIDEO_TCP_DEFAULT));
    return net;
}

/// CSV sink of the PairMonitor "Step" trace.
class StepTraceFile
{
  public:
    void Open(const std::string& path, Ptr<PairMonitor> monitor)
    {
        m_out.open(path);
        m_out << "step,time_s,pair,power_w,bits,rate_bps_hz,sinr_db,tb_ok,tb_error" << std::endl;
        Require(bool(m_out), "cannot write the step trace '" + path + "'");
        m_out.precision(10);
        monitor->TraceConnectWithoutContext("Step", MakeCallback(&StepTraceFile::Write, this));
    }

  private:
    void Write(const PairStepStats& s)
    {
        m_out << s.step << ',' << s.timeS << ',' << s.pair << ',' << s.powerW << ',' << s.bits
              << ',' << s.rateBpsHz << ',' << s.sinrDb << ',' << s.tbOk << ',' << s.tbError
              << '\n';
        Require(bool(m_out), "cannot write the step trace");
    }

    std::ofstream m_out;
};

} // namespace

int
main(int argc, char* argv[])
{
    GymCommandLine gymArgs;
    InterferenceOptions options = ParseCommandLine(argc, argv, gymArgs);
    Ptr<GymInterface> gym = gymArgs.CreateInterface(); // seeds the RNG: before the drop

    ConfigureLte(options);
    InterferenceChannel channel(options.channel);
    LteNetwork network = BuildNetwork(channel);

    auto monitor = CreateObject<PairMonitor>();
    monitor->Attach(network.ueDevices, options.BandwidthHz());
    StepTraceFile stepTrace;
    if (!options.stepTrace.empty())
    {
        stepTrace.Open(options.stepTrace, monitor);
    }
    PowerControlSettings settings{options.PmaxW(), options.NoiseW(), options.BandwidthHz(),
                                  MilliSeconds(options.stepMs), MilliSeconds(options.warmupMs),
                                  options.maxSteps};
    PowerControlEnv env(settings, channel, network.enbDevices, network.ueDevices, network.loss,
                        monitor);
    env.Attach(gym);

    Simulator::Run();
    gym->NotifySimulationEnd();
    Simulator::Destroy();
    return 0;
}

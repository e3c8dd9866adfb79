// ran-gym-reference: the reference gym scenario, a rate-controlled bottleneck link.
//
// Two nodes joined by a point-to-point link (2 ms delay, DropTail device queue of
// --queuePackets packets, no queue disc). UDP traffic from node 0 to node 1: an
// OnOffApplication (1000 B packets at --offeredMbps while on; on and off times
// exponential with mean 20 ms, so the traffic depends on --simSeed) into a PacketSink.
//
// Every --stepMs the agent sees the step that just ended and picks the link data rate
// of the next step; --maxSteps actions make an episode, which ends by time (final
// state with reason SimulationEnd). The first state (t = 0) is all zeros but the rate.
//   action       Box(1, 20, shape [1], float): link data rate [Mbit/s], both directions
//   observation  Box(0, 1e6, shape [5], float):
//                [received throughput at the sink [Mbit/s],
//                 mean one-way delay of the packets received [ms], 0 if none,
//                 packets dropped at the device queue,
//                 device queue length at the end of the step [packets],
//                 link data rate [Mbit/s]]
//   reward       received Mbit/s - --rateCost x link rate Mbit/s
//   extra info   JSON object: step, tx_packets, rx_packets, rx_bytes, dropped,
//                queue_packets, mean_delay_ms, rx_mbps, rate_mbps
//
// --stepTrace=PATH writes one CSV row per state, from the LinkMonitor "Step" trace:
//   step           index of the state; row k covers [(k-1)·stepMs, k·stepMs)
//   time_s         end of the step [s]
//   rate_mbps      link data rate during the step [Mbit/s]
//   tx_packets     packets sent by the source
//   rx_packets     packets received at the sink
//   rx_bytes       payload bytes received at the sink [B]
//   dropped        packets dropped at the device queue
//   mean_delay_ms  mean one-way delay of the packets received [ms], 0 if none
//   queue_packets  device queue length at the end of the step [packets]
#include "link-monitor.h"

#include "gym-command-line.h"
#include "gym-interface.h"

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("RanGymReference");

namespace
{

constexpr double MIN_RATE_MBPS = 1.0;
constexpr double MAX_RATE_MBPS = 20.0;
constexpr uint16_t PORT = 9;

struct ReferenceOptions
{
    double stepMs{10.0};          ///< step length [ms]
    uint32_t maxSteps{100};       ///< actions per episode
    uint32_t queuePackets{100};   ///< device queue size [packets]
    double offeredMbps{12.0};     ///< OnOff rate while on [Mbit/s]
    double initialRateMbps{10.0}; ///< link rate before the first action [Mbit/s]
    double rateCost{0.25};        ///< reward cost per Mbit/s of link rate
    std::string stepTrace;        ///< CSV path, empty = none
};

struct Topology
{
    NodeContainer nodes;
    NetDeviceContainer devices;
    Ipv4InterfaceContainer interfaces;
};

ReferenceOptions
ParseCommandLine(int argc, char* argv[], GymCommandLine& gymArgs)
{
    Config::SetDefault("ns3::OnOffApplication::PacketSize", UintegerValue(1000));

    ReferenceOptions o;
    CommandLine cmd(__FILE__);
    cmd.AddValue("stepMs", "step length [ms], > 0", o.stepMs);
    cmd.AddValue("maxSteps", "actions per episode, > 0", o.maxSteps);
    cmd.AddValue("queuePackets", "DropTail device queue size [packets], > 0", o.queuePackets);
    cmd.AddValue("offeredMbps", "UDP source rate while on [Mbit/s], > 0", o.offeredMbps);
    cmd.AddValue("initialRateMbps", "link rate before the first action [Mbit/s], 1..20",
                 o.initialRateMbps);
    cmd.AddValue("rateCost", "reward cost per Mbit/s of link rate", o.rateCost);
    cmd.AddValue("stepTrace", "CSV file for one row per step (empty = none)", o.stepTrace);
    gymArgs.AddTo(cmd);
    cmd.Parse(argc, argv);

    if (!(o.stepMs > 0) || o.maxSteps == 0 || o.queuePackets == 0 || !(o.offeredMbps > 0))
    {
        GymExit(GYM_EXIT_CONFIG, "--stepMs, --maxSteps, --queuePackets, --offeredMbps must be > 0");
    }
    if (!(o.initialRateMbps >= MIN_RATE_MBPS && o.initialRateMbps <= MAX_RATE_MBPS) ||
        !std::isfinite(o.rateCost))
    {
        GymExit(GYM_EXIT_CONFIG, "--initialRateMbps must be in 1..20 and --rateCost finite");
    }
    return o;
}

Topology
BuildTopology(const ReferenceOptions& o)
{
    Topology t;
    t.nodes.Create(2);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", DataRateValue(DataRate(o.initialRateMbps * 1e6)));
    p2p.SetChannelAttribute("Delay", TimeValue(MilliSeconds(2)));
    p2p.SetQueue("ns3::DropTailQueue<Packet>",
                 "MaxSize",
                 QueueSizeValue(QueueSize(QueueSizeUnit::PACKETS, o.queuePackets)));
    t.devices = p2p.Install(t.nodes);
    InternetStackHelper().Install(t.nodes);
    Ipv4AddressHelper addresses("10.1.1.0", "255.255.255.0");
    t.interfaces = addresses.Assign(t.devices);
    TrafficControlHelper().Uninstall(t.devices); // queue, and drop, at the device
    return t;
}

/// Exponential random variable of the given mean [s]. Created here, after the RNG run
/// is set: a variable given as a string to Config::SetDefault would be created at that
/// call, before --simSeed is known.
Ptr<RandomVariableStream>
Exponential(double meanS)
{
    auto variable = CreateObject<ExponentialRandomVariable>();
    variable->SetAttribute("Mean", DoubleValue(meanS));
    return variable;
}

/// Installs the OnOff source on node 0 and the sink on node 1; returns {source, sink}.
std::pair<Ptr<Application>, Ptr<Application>>
InstallApplications(const ReferenceOptions& o, const Topology& t)
{
    OnOffHelper source("ns3::UdpSocketFactory",
                       InetSocketAddress(t.interfaces.GetAddress(1), PORT));
    source.SetAttribute("DataRate", DataRateValue(DataRate(o.offeredMbps * 1e6)));
    source.SetAttribute("OnTime", PointerValue(Exponential(0.02)));
    source.SetAttribute("OffTime", PointerValue(Exponential(0.02)));
    PacketSinkHelper sink("ns3::UdpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), PORT));
    return {source.Install(t.nodes.Get(0)).Get(0), sink.Install(t.nodes.Get(1)).Get(0)};
}

/// CSV sink of the LinkMonitor "Step" trace; rows are flushed as they are written.
class StepTraceFile
{
  public:
    void Open(const std::string& path, Ptr<LinkMonitor> monitor)
    {
        m_path = path;
        m_out.open(path);
        m_out << "step,time_s,rate_mbps,tx_packets,rx_packets,rx_bytes,dropped,"
                 "mean_delay_ms,queue_packets"
              << std::endl;
        if (!m_out)
        {
            GymExit(GYM_EXIT_CONFIG, "cannot write the step trace '" + path + "'");
        }
        monitor->TraceConnectWithoutContext("Step", MakeCallback(&StepTraceFile::Write, this));
    }

  private:
    void Write(const LinkStepStats& s)
    {
        m_out << s.step << ',' << s.timeS << ',' << s.rateMbps << ',' << s.txPackets << ','
              << s.rxPackets << ',' << s.rxBytes << ',' << s.dropped << ',' << s.meanDelayMs
              << ',' << s.queuePackets << std::endl;
        if (!m_out)
        {
            GymExit(GYM_EXIT_CONFIG, "cannot write the step trace '" + m_path + "'");
        }
    }

    std::string m_path;
    std::ofstream m_out;
};

/// The gym side of the scenario: measures at each step boundary, notifies the agent
/// and applies its rate.
class RateControlEnv
{
  public:
    RateControlEnv(const ReferenceOptions& o, const Topology& t, Ptr<LinkMonitor> monitor)
        : m_options(o),
          m_devices(t.devices),
          m_monitor(monitor)
    {
    }

    void Attach(Ptr<GymInterface> gym)
    {
        m_gym = gym;
        gym->SetGetObservationSpaceCb(MakeCallback(&RateControlEnv::GetObservationSpace, this));
        gym->SetGetActionSpaceCb(MakeCallback(&RateControlEnv::GetActionSpace, this));
        gym->SetGetObservationCb(MakeCallback(&RateControlEnv::GetObservation, this));
        gym->SetGetRewardCb(MakeCallback(&RateControlEnv::GetReward, this));
        gym->SetGetExtraInfoCb(MakeCallback(&RateControlEnv::GetExtraInfo, this));
        gym->SetExecuteActionsCb(MakeCallback(&RateControlEnv::ExecuteActions, this));
        Simulator::ScheduleNow(&RateControlEnv::StepBoundary, this);
    }

  private:
    void StepBoundary()
    {
        m_last = m_monitor->EndStep(m_step);
        if (m_step == m_options.maxSteps)
        {
            Simulator::Stop(); // the final state goes out from main
            return;
        }
        m_gym->Notify();
        ++m_step;
        Simulator::Schedule(Seconds(m_options.stepMs / 1e3), &RateControlEnv::StepBoundary, this);
    }

    Ptr<GymSpace> GetObservationSpace()
    {
        return Create<GymBoxSpace>(0.0F, 1e6F, std::vector<uint32_t>{5}, GymDtype::FLOAT);
    }

    Ptr<GymSpace> GetActionSpace()
    {
        return Create<GymBoxSpace>(float(MIN_RATE_MBPS), float(MAX_RATE_MBPS),
                                   std::vector<uint32_t>{1}, GymDtype::FLOAT);
    }

    Ptr<GymDataContainer> GetObservation()
    {
        std::vector<float> values{float(m_last.rxMbps), float(m_last.meanDelayMs),
                                  float(m_last.dropped), float(m_last.queuePackets),
                                  float(m_last.rateMbps)};
        return Create<GymBoxContainer<float>>(std::vector<uint32_t>{5}, values);
    }

    float GetReward()
    {
        return float(m_last.rxMbps - m_options.rateCost * m_last.rateMbps);
    }

    std::string GetExtraInfo()
    {
        std::ostringstream os;
        os.precision(10);
        os << "{\"step\":" << m_last.step << ",\"tx_packets\":" << m_last.txPackets
           << ",\"rx_packets\":" << m_last.rxPackets << ",\"rx_bytes\":" << m_last.rxBytes
           << ",\"dropped\":" << m_last.dropped << ",\"queue_packets\":" << m_last.queuePackets
           << ",\"mean_delay_ms\":" << m_last.meanDelayMs << ",\"rx_mbps\":" << m_last.rxMbps
           << ",\"rate_mbps\":" << m_last.rateMbps << "}";
        return os.str();
    }

    bool ExecuteActions(Ptr<GymDataContainer> action)
    {
        double mbps = DynamicCast<GymBoxContainer<float>>(action)->GetValue(0);
        if (!std::isfinite(mbps))
        {
            return false;
        }
        mbps = std::clamp(mbps, MIN_RATE_MBPS, MAX_RATE_MBPS);
        for (uint32_t i = 0; i < m_devices.GetN(); ++i)
        {
            DynamicCast<PointToPointNetDevice>(m_devices.Get(i))->SetDataRate(DataRate(mbps * 1e6));
        }
        NS_LOG_INFO("step " << m_step << ": link rate " << mbps << " Mbit/s");
        return true;
    }

    ReferenceOptions m_options;
    NetDeviceContainer m_devices;
    Ptr<LinkMonitor> m_monitor;
    Ptr<GymInterface> m_gym;
    LinkStepStats m_last;
    uint32_t m_step{0};
};

} // namespace

int
main(int argc, char* argv[])
{
    GymCommandLine gymArgs;
    ReferenceOptions options = ParseCommandLine(argc, argv, gymArgs);
    Ptr<GymInterface> gym = gymArgs.CreateInterface(); // seeds the RNG: before any traffic

    Topology topology = BuildTopology(options);
    auto [source, sink] = InstallApplications(options, topology);

    auto monitor = CreateObject<LinkMonitor>();
    monitor->Attach(source, sink, DynamicCast<PointToPointNetDevice>(topology.devices.Get(0)));
    StepTraceFile stepTrace;
    if (!options.stepTrace.empty())
    {
        stepTrace.Open(options.stepTrace, monitor);
    }
    RateControlEnv env(options, topology, monitor);
    env.Attach(gym);

    Simulator::Run();
    gym->NotifySimulationEnd();
    Simulator::Destroy();
    return 0;
}

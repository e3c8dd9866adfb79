#include "slice-traffic.h"

#include "gym-socket.h"

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RanGymSliceTraffic");
NS_OBJECT_ENSURE_REGISTERED(SliceMonitor);

namespace
{

constexpr uint16_t BASE_PORT = 10000;

Ptr<RandomVariableStream>
Constant(double value)
{
    auto v = CreateObject<ConstantRandomVariable>();
    v->SetAttribute("Constant", DoubleValue(value));
    return v;
}

Ptr<RandomVariableStream>
Exponential(double mean)
{
    auto v = CreateObject<ExponentialRandomVariable>();
    v->SetAttribute("Mean", DoubleValue(mean));
    return v;
}

/// The OnOff source of one UE's slice.
OnOffHelper
SliceSource(const SlicingOptions& o, Slice slice, const Address& to)
{
    OnOffHelper source("ns3::UdpSocketFactory", to);
    source.SetAttribute("EnableSeqTsSizeHeader", BooleanValue(true));
    if (slice == Slice::MMTC)
    {
        double bits = 8.0 * o.mmtcPacketBytes;
        source.SetAttribute("PacketSize", UintegerValue(o.mmtcPacketBytes));
        source.SetAttribute("DataRate", DataRateValue(DataRate(bits / 1e-3)));
        source.SetAttribute("OnTime", PointerValue(Constant(1.5e-3)));
        source.SetAttribute("OffTime", PointerValue(Exponential(o.mmtcIntervalMs / 1e3)));
        return source;
    }
    bool embb = slice == Slice::EMBB;
    double mbps = std::max(embb ? o.embbMbps : o.urllcMbps, 1e-6);
    source.SetAttribute("PacketSize", UintegerValue(embb ? o.embbPacketBytes : o.urllcPacketBytes));
    source.SetAttribute("DataRate", DataRateValue(DataRate(mbps * 1e6)));
    source.SetAttribute("OnTime", PointerValue(Constant(1e9)));
    source.SetAttribute("OffTime", PointerValue(Constant(0)));
    return source;
}

} // namespace

TypeId
SliceMonitor::GetTypeId()
{
    static TypeId tid = TypeId("ns3::SliceMonitor")
                            .SetParent<Object>()
                            .SetGroupName("RanGym")
                            .AddConstructor<SliceMonitor>();
    return tid;
}

void
SliceMonitor::Install(const SlicingOptions& o, const SlicingNetwork& net)
{
    Time start = MilliSeconds(o.warmupMs);
    for (uint32_t u = 0; u < o.nUes; ++u)
    {
        Flow flow;
        flow.slice = o.SliceOf(u);
        flow.packetBytes = flow.slice == Slice::EMBB    ? o.embbPacketBytes
                           : flow.slice == Slice::URLLC ? o.urllcPacketBytes
                                                        : o.mmtcPacketBytes;
        m_flows.push_back(flow);
        uint16_t port = BASE_PORT + u;
        InetSocketAddress to(net.ueAddresses.GetAddress(u), port);
        bool silent = flow.slice == Slice::EMBB ? o.embbMbps <= 0
                      : flow.slice == Slice::URLLC ? o.urllcMbps <= 0
                                                   : false;
        PacketSinkHelper sinkHelper("ns3::UdpSocketFactory",
                                    InetSocketAddress(Ipv4Address::GetAny(), port));
        sinkHelper.SetAttribute("EnableSeqTsSizeHeader", BooleanValue(true));
        Ptr<Application> sink = sinkHelper.Install(net.ueNodes.Get(u)).Get(0);
        sink->TraceConnectWithoutContext("RxWithSeqTsSize",
                                         MakeCallback(&SliceMonitor::OnRx, this).Bind(u));
        if (silent)
        {
            continue;
        }
        Ptr<Application> source =
            SliceSource(o, flow.slice, to).Install(net.remoteHost).Get(0);
        source->SetStartTime(start);
        source->TraceConnectWithoutContext("TxWithSeqTsSize",
                                           MakeCallback(&SliceMonitor::OnTx, this).Bind(u));
    }
}

void
SliceMonitor::OpenPacketTrace(const std::string& dir)
{
    m_packetsPath = dir + "/packets.csv";
    m_packets.open(m_packetsPath);
    m_packets << "event,time_s,ue,slice,seq,size_bytes,delay_ms\n";
    if (!m_packets)
    {
        GymExit(GYM_EXIT_CONFIG, "cannot write the packet trace '" + m_packetsPath + "'");
    }
}

void
SliceMonitor::TracePacket(const char* event, uint32_t ue, uint64_t seq, uint64_t size,
                          double delayMs)
{
    if (m_packets.is_open())
    {
        m_packets << event << ',' << Simulator::Now().GetSeconds() << ',' << ue << ','
                  << SliceName(m_flows[ue].slice) << ',' << seq << ',' << size << ','
                  << delayMs << '\n';
    }
}

void
SliceMonitor::OnTx(uint32_t ue, Ptr<const Packet> p, const Address&, const Address&,
                   const SeqTsSizeHeader& header)
{
    // The trace fires before the application adds its SeqTsSize header; count the UDP
    // payload as it leaves, header included, as OnRx does, so that sent and received
    // bytes (and the backlog and mMTC's delivery test built on them) compare like for like.
    Flow& f = m_flows[ue];
    uint64_t size = p->GetSize() + header.GetSerializedSize();
    f.step.txBytes += size;
    f.step.txPackets += 1;
    f.totalTxBytes += size;
    TracePacket("tx", ue, header.GetSeq(), size, 0.0);
}

void
SliceMonitor::OnRx(uint32_t ue, Ptr<const Packet> p, const Address&, const Address&,
                   const SeqTsSizeHeader& header)
{
    Flow& f = m_flows[ue];
    uint64_t size = p->GetSize() + header.GetSerializedSize();
    double delayMs = (Simulator::Now() - header.GetTs()).GetSeconds() * 1e3;
    if (header.GetSeq() >= f.nextSeq)
    {
        uint64_t gap = header.GetSeq() - f.nextSeq;
        f.step.lostPackets += gap;
        f.totalLostBytes += gap * f.packetBytes;
        f.nextSeq = header.GetSeq() + 1;
    }
    else if (f.totalLostBytes >= f.packetBytes)
    {
        f.totalLostBytes -= f.packetBytes; // late, out of order: not lost after all
    }
    f.step.rxBytes += size;
    f.step.rxPackets += 1;
    f.delaySumMs += delayMs;
    f.totalRxBytes += size;
    TracePacket("rx", ue, header.GetSeq(), size, delayMs);
}

std::vector<UeStepStats>
SliceMonitor::EndStep(double stepS)
{
    std::vector<UeStepStats> out;
    for (Flow& f : m_flows)
    {
        UeStepStats s = f.step;
        s.throughputMbps = s.rxBytes * 8.0 / stepS / 1e6;
        s.meanDelayMs = s.rxPackets > 0 ? f.delaySumMs / s.rxPackets : 0.0;
        uint64_t gone = f.totalRxBytes + f.totalLostBytes;
        s.backlogBytes = f.totalTxBytes > gone ? f.totalTxBytes - gone : 0;
        out.push_back(s);
        f.step = UeStepStats();
        f.delaySumMs = 0;
    }
    if (m_packets.is_open())
    {
        m_packets.flush();
    }
    return out;
}

} // namespace ns3

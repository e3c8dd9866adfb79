#include "link-monitor.h"

#include "ns3/application.h"
#include "ns3/data-rate.h"
#include "ns3/log.h"
#include "ns3/queue.h"
#include "ns3/simulator.h"
#include "ns3/traffic-control-layer.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("LinkMonitor");
NS_OBJECT_ENSURE_REGISTERED(LinkMonitor);

TypeId
LinkMonitor::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::LinkMonitor")
            .SetParent<Object>()
            .SetGroupName("Gym")
            .AddConstructor<LinkMonitor>()
            .AddTraceSource("Step",
                            "Statistics of the step that just ended: throughput [Mbit/s], "
                            "mean one-way delay [ms], drops and queue length [packets], "
                            "link rate [Mbit/s].",
                            MakeTraceSourceAccessor(&LinkMonitor::m_stepTrace),
                            "ns3::LinkMonitor::StepTracedCallback");
    return tid;
}

void
LinkMonitor::Attach(Ptr<Application> source,
                    Ptr<Application> sink,
                    Ptr<PointToPointNetDevice> device)
{
    m_device = device;
    bool connected =
        source->TraceConnectWithoutContext("Tx", MakeCallback(&LinkMonitor::OnTx, this)) &&
        sink->TraceConnectWithoutContext("Rx", MakeCallback(&LinkMonitor::OnRx, this)) &&
        device->GetQueue()->TraceConnectWithoutContext("Drop",
                                                       MakeCallback(&LinkMonitor::OnDrop, this));
    // Once the queue is full the device stops it, and the traffic-control layer (with no
    // queue disc installed) drops what the sender still passes down.
    Ptr<TrafficControlLayer> tc = device->GetNode()->GetObject<TrafficControlLayer>();
    connected = connected &&
                (!tc || tc->TraceConnectWithoutContext("TcDrop",
                                                       MakeCallback(&LinkMonitor::OnDrop, this)));
    NS_ABORT_MSG_UNLESS(connected, "LinkMonitor could not connect to its trace sources");
}

void
LinkMonitor::DoDispose()
{
    m_device = nullptr;
    m_sendTimes.clear();
    m_droppedBeforeTx.clear();
    Object::DoDispose();
}

void
LinkMonitor::OnTx(Ptr<const Packet> packet)
{
    ++m_txPackets;
    // OnOff fires "Tx" once the socket accepted the packet: a drop on the way down to
    // the device has already been seen.
    if (m_droppedBeforeTx.erase(packet->GetUid()) == 0)
    {
        m_sendTimes[packet->GetUid()] = Simulator::Now();
    }
}

void
LinkMonitor::OnRx(Ptr<const Packet> packet, const Address& /* from */)
{
    ++m_rxPackets;
    m_rxBytes += packet->GetSize();
    auto it = m_sendTimes.find(packet->GetUid());
    if (it == m_sendTimes.end())
    {
        NS_LOG_WARN("received packet " << packet->GetUid() << " with no send time");
        return;
    }
    m_delaySum += Simulator::Now() - it->second;
    ++m_delayCount;
    m_sendTimes.erase(it);
}

void
LinkMonitor::OnDrop(Ptr<const Packet> packet)
{
    ++m_dropped;
    if (m_sendTimes.erase(packet->GetUid()) == 0)
    {
        m_droppedBeforeTx.insert(packet->GetUid());
    }
}

LinkStepStats
LinkMonitor::EndStep(uint32_t step)
{
    NS_ASSERT_MSG(m_device, "LinkMonitor::Attach was not called");
    LinkStepStats stats;
    stats.step = step;
    stats.timeS = Simulator::Now().GetSeconds();
    DataRateValue rate;
    m_device->GetAttribute("DataRate", rate);
    stats.rateMbps = static_cast<double>(rate.Get().GetBitRate()) / 1e6;
    stats.txPackets = m_txPackets;
    stats.rxPackets = m_rxPackets;
    stats.rxBytes = m_rxBytes;
    stats.dropped = m_dropped;
    stats.meanDelayMs = m_delayCount ? m_delaySum.GetSeconds() * 1e3 / m_delayCount : 0.0;
    stats.queuePackets = m_device->GetQueue()->GetNPackets();
    double seconds = (Simulator::Now() - m_stepStart).GetSeconds();
    stats.rxMbps = seconds > 0 ? m_rxBytes * 8.0 / seconds / 1e6 : 0.0;

    NS_LOG_DEBUG("step " << step << ": " << m_sendTimes.size() << " packets in flight, "
                         << m_droppedBeforeTx.size() << " dropped before Tx");
    m_stepStart = Simulator::Now();
    m_txPackets = m_rxPackets = m_rxBytes = m_dropped = m_delayCount = 0;
    m_delaySum = Time(0);
    m_stepTrace(stats);
    return stats;
}

} // namespace ns3

// Per-step measurements of the reference scenario's bottleneck link, taken from
// packets: send times from the OnOff "Tx" trace, receptions from the sink's "Rx"
// trace, drops because the device queue is full from the "Drop" traces of the queue and
// of the sender's traffic-control layer.
#ifndef RAN_GYM_LINK_MONITOR_H
#define RAN_GYM_LINK_MONITOR_H

#include "ns3/address.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/traced-callback.h"

#include <cstdint>
#include <unordered_map>
#include <unordered_set>

namespace ns3
{

class Application;

/// What happened on the link during one step.
struct LinkStepStats
{
    uint32_t step{0};          ///< index of the state; covers [(step-1)·T, step·T)
    double timeS{0};           ///< end of the step [s]
    double rateMbps{0};        ///< link data rate in effect during the step [Mbit/s]
    uint64_t txPackets{0};     ///< packets sent by the source
    uint64_t rxPackets{0};     ///< packets received at the sink
    uint64_t rxBytes{0};       ///< payload bytes received at the sink [B]
    uint64_t dropped{0};       ///< packets dropped because the device queue was full
    double meanDelayMs{0};     ///< mean one-way delay of the packets received [ms], 0 if none
    uint32_t queuePackets{0};  ///< device queue length at the end of the step [packets]
    double rxMbps{0};          ///< received throughput [Mbit/s]
};

class LinkMonitor : public Object
{
  public:
    static TypeId GetTypeId();

    /// Signature of the "Step" trace source.
    typedef void (*StepTracedCallback)(const LinkStepStats& stats);

    /// Listens to source's "Tx", sink's "Rx", and the drops at device (its queue and the
    /// traffic-control layer of its node).
    void Attach(Ptr<Application> source,
                Ptr<Application> sink,
                Ptr<PointToPointNetDevice> device);
    /// Closes the current step as number step, fires "Step" and starts the next one.
    LinkStepStats EndStep(uint32_t step);

  protected:
    void DoDispose() override;

  private:
    void OnTx(Ptr<const Packet> packet);
    void OnRx(Ptr<const Packet> packet, const Address& from);
    void OnDrop(Ptr<const Packet> packet);

    Ptr<PointToPointNetDevice> m_device;
    std::unordered_map<uint64_t, Time> m_sendTimes; ///< packets in flight, by UID
    std::unordered_set<uint64_t> m_droppedBeforeTx; ///< dropped before their "Tx" fired
    Time m_stepStart;
    uint64_t m_txPackets{0};
    uint64_t m_rxPackets{0};
    uint64_t m_rxBytes{0};
    uint64_t m_dropped{0};
    Time m_delaySum;
    uint64_t m_delayCount{0};
    TracedCallback<const LinkStepStats&> m_stepTrace;
};

} // namespace ns3

#endif // RAN_GYM_LINK_MONITOR_H

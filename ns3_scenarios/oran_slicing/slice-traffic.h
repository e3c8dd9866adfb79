// Downlink traffic of the three slices, from the remote host to each UE, and the
// per-UE measurements taken from its packets.
//
//   eMBB   OnOffApplication, constant bit rate --embbMbps, --embbPacketBytes packets
//   URLLC  OnOffApplication, constant bit rate --urllcMbps, --urllcPacketBytes packets
//   mMTC   OnOffApplication, one --mmtcPacketBytes packet per 1.5 ms on period, off
//          periods exponential with mean --mmtcIntervalMs
//
// Every packet carries a SeqTsSizeHeader (sequence number, send time); PacketSinks on
// the UEs give back the one-way delay. Sequence gaps count as lost packets.
//
// Packet trace (packets.csv), one row per packet sent and per packet received:
//   event       tx (sent by the remote host) | rx (received by the UE)
//   time_s      event time [s]
//   ue          UE index
//   slice       embb | urllc | mmtc
//   seq         sequence number within the UE's flow
//   size_bytes  UDP payload size, header included [B]
//   delay_ms    one-way delay [ms] (rx), 0 for tx
#ifndef RAN_GYM_SLICE_TRAFFIC_H
#define RAN_GYM_SLICE_TRAFFIC_H

#include "slicing-network.h"
#include "slicing-options.h"

#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/seq-ts-size-header.h"

#include <fstream>
#include <string>
#include <vector>

namespace ns3
{

/// What one UE's flow did during one step.
struct UeStepStats
{
    uint64_t txBytes{0};
    uint64_t rxBytes{0};
    uint32_t txPackets{0};
    uint32_t rxPackets{0};
    uint32_t lostPackets{0};     ///< sequence gaps seen in the step
    double throughputMbps{0};    ///< received bits / step length [Mbit/s]
    double meanDelayMs{0};       ///< mean delay of the packets received, 0 if none
    uint64_t backlogBytes{0};    ///< sent so far, neither received nor lost [B]
};

class SliceMonitor : public Object
{
  public:
    static TypeId GetTypeId();

    /// Installs sources on the remote host, sinks on the UEs, starting at warmup.
    void Install(const SlicingOptions& o, const SlicingNetwork& net);
    /// Writes packets.csv into dir.
    void OpenPacketTrace(const std::string& dir);
    /// The stats of the step of length stepS that ends now; starts the next step.
    std::vector<UeStepStats> EndStep(double stepS);

  private:
    struct Flow
    {
        Slice slice{Slice::EMBB};
        uint32_t packetBytes{0};
        UeStepStats step;
        double delaySumMs{0};
        uint64_t nextSeq{0};       ///< next sequence number expected at the sink
        uint64_t totalTxBytes{0};
        uint64_t totalRxBytes{0};
        uint64_t totalLostBytes{0};
    };

    void OnTx(uint32_t ue, Ptr<const Packet> p, const Address& from, const Address& to,
              const SeqTsSizeHeader& header);
    void OnRx(uint32_t ue, Ptr<const Packet> p, const Address& from, const Address& to,
              const SeqTsSizeHeader& header);
    void TracePacket(const char* event, uint32_t ue, uint64_t seq, uint64_t size,
                     double delayMs);

    std::vector<Flow> m_flows;
    std::ofstream m_packets;
    std::string m_packetsPath;
};

} // namespace ns3

#endif // RAN_GYM_SLICE_TRAFFIC_H

// Trace files of ran-gym-oran-slicing, all in --traceDir (see docs/scenarios/oran-slicing.md):
//
//   packets.csv      one row per packet sent / received (SliceMonitor, slice-traffic.h)
//   steps.csv        one row per UE per step:
//     step             index of the state; row k covers [t_{k-1}, t_k)
//     time_s           t_k, end of the step [s]
//     ue, slice, ru    UE index, its slice, the O-RU it is attached to
//     throughput_mbps  received bits / step length [Mbit/s]
//     delay_ms         mean one-way delay of the packets received [ms], 0 if none
//     qos_ok           1 when the slice's QoS was met in the step
//     tx_bytes, rx_bytes, tx_packets, rx_packets, lost_packets   in the step
//     backlog_bytes    sent so far and neither received nor lost, at t_k [B]
//     gain_db          channel gain to the serving O-RU at t_k [dB]
//     pa_db            LTE P_A of the UE during the step [dB]
//   allocation.csv   one row per O-RU per RBG per step (gym scheduler only):
//     step, time_s     as in steps.csv; the allocation applied during [t_{k-1}, t_k)
//     ru, cell_id, rbg O-RU index, its LTE cell id, RBG index 0..16
//     requested_ue     UE the action gave the RBG to (-1 none)
//     applied_ue       requested_ue if attached to this O-RU, else -1
//     data_ttis        TTIs of the step in which the RBG carried a transport block
//     last_ue          UE of the last of those (-1 none); differs from applied_ue for
//                      HARQ retransmissions, which keep their first RBGs
//   Dl/UlMacStats.txt, DlRsrpSinrStats.txt, UlSinrStats.txt, Dl/UlTxPhyStats.txt,
//   Dl/UlRxPhyStats.txt, Dl/UlRlcStats.txt, Dl/UlPdcpStats.txt
//                    ns-3's LTE statistics, in ns-3's own tab-separated format
//   flowmon.xml      FlowMonitor, written when the episode ends
//   epc-*.pcap       the EPC point-to-point links, with --pcap=true
#ifndef RAN_GYM_SLICING_TRACES_H
#define RAN_GYM_SLICING_TRACES_H

#include "slice-traffic.h"
#include "slicing-network.h"

#include "ns3/flow-monitor-helper.h"

#include <fstream>
#include <string>

namespace ns3
{

/// Sets the LTE statistics' file names and epochs; call before building the network.
void SetLteStatsDefaults(const SlicingOptions& o);

class SlicingTraces
{
  public:
    /// Opens every trace of --traceDir (nothing when it is empty).
    void Open(const SlicingOptions& o, SlicingNetwork& net, Ptr<SliceMonitor> monitor);
    bool IsOpen() const;
    std::ofstream& Steps();
    std::ofstream& Allocation();
    /// Flushes the CSV files; exits when writing failed.
    void Flush();
    /// Writes flowmon.xml.
    void Finish();

  private:
    std::string m_dir;
    std::ofstream m_steps;
    std::ofstream m_allocation;
    FlowMonitorHelper m_flowHelper;
    Ptr<FlowMonitor> m_flowMonitor;
};

} // namespace ns3

#endif // RAN_GYM_SLICING_TRACES_H

#include "slicing-traces.h"

#include "gym-socket.h"

#include "ns3/config.h"
#include "ns3/core-module.h"
#include "ns3/flow-monitor.h"
#include "ns3/lte-helper.h"
#include "ns3/point-to-point-helper.h"

#include <sys/stat.h>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RanGymSlicingTraces");

void
SetLteStatsDefaults(const SlicingOptions& o)
{
    if (o.traceDir.empty())
    {
        return;
    }
    const std::string& d = o.traceDir;
    Config::SetDefault("ns3::MacStatsCalculator::DlOutputFilename", StringValue(d + "/DlMacStats.txt"));
    Config::SetDefault("ns3::MacStatsCalculator::UlOutputFilename", StringValue(d + "/UlMacStats.txt"));
    Config::SetDefault("ns3::PhyStatsCalculator::DlRsrpSinrFilename",
                       StringValue(d + "/DlRsrpSinrStats.txt"));
    Config::SetDefault("ns3::PhyStatsCalculator::UlSinrFilename", StringValue(d + "/UlSinrStats.txt"));
    Config::SetDefault("ns3::PhyStatsCalculator::UlInterferenceFilename",
                       StringValue(d + "/UlInterferenceStats.txt"));
    Config::SetDefault("ns3::PhyTxStatsCalculator::DlTxOutputFilename",
                       StringValue(d + "/DlTxPhyStats.txt"));
    Config::SetDefault("ns3::PhyTxStatsCalculator::UlTxOutputFilename",
                       StringValue(d + "/UlTxPhyStats.txt"));
    Config::SetDefault("ns3::PhyRxStatsCalculator::DlRxOutputFilename",
                       StringValue(d + "/DlRxPhyStats.txt"));
    Config::SetDefault("ns3::PhyRxStatsCalculator::UlRxOutputFilename",
                       StringValue(d + "/UlRxPhyStats.txt"));
    Config::SetDefault("ns3::RadioBearerStatsCalculator::DlRlcOutputFilename",
                       StringValue(d + "/DlRlcStats.txt"));
    Config::SetDefault("ns3::RadioBearerStatsCalculator::UlRlcOutputFilename",
                       StringValue(d + "/UlRlcStats.txt"));
    Config::SetDefault("ns3::RadioBearerStatsCalculator::DlPdcpOutputFilename",
                       StringValue(d + "/DlPdcpStats.txt"));
    Config::SetDefault("ns3::RadioBearerStatsCalculator::UlPdcpOutputFilename",
                       StringValue(d + "/UlPdcpStats.txt"));
    Config::SetDefault("ns3::RadioBearerStatsCalculator::EpochDuration",
                       TimeValue(MilliSeconds(o.stepMs)));
    Config::SetDefault("ns3::RadioBearerStatsCalculator::StartTime",
                       TimeValue(MilliSeconds(o.warmupMs)));
}

void
SlicingTraces::Open(const SlicingOptions& o, SlicingNetwork& net, Ptr<SliceMonitor> monitor)
{
    if (o.traceDir.empty())
    {
        return;
    }
    m_dir = o.traceDir;
    ::mkdir(m_dir.c_str(), 0755);
    m_steps.open(m_dir + "/steps.csv");
    m_steps << "step,time_s,ue,slice,ru,throughput_mbps,delay_ms,qos_ok,tx_bytes,rx_bytes,"
               "tx_packets,rx_packets,lost_packets,backlog_bytes,gain_db,pa_db\n";
    m_allocation.open(m_dir + "/allocation.csv");
    m_allocation << "step,time_s,ru,cell_id,rbg,requested_ue,applied_ue,data_ttis,last_ue\n";
    Flush();
    monitor->OpenPacketTrace(m_dir);
    if (o.lteStats)
    {
        net.lte->EnablePhyTraces();
        net.lte->EnableMacTraces();
        net.lte->EnableRlcTraces();
        net.lte->EnablePdcpTraces();
        m_flowMonitor = m_flowHelper.Install(net.remoteHost);
        m_flowHelper.Install(net.ueNodes);
    }
    if (o.pcap)
    {
        PointToPointHelper().EnablePcapAll(m_dir + "/epc");
    }
}

bool
SlicingTraces::IsOpen() const
{
    return !m_dir.empty();
}

std::ofstream&
SlicingTraces::Steps()
{
    return m_steps;
}

std::ofstream&
SlicingTraces::Allocation()
{
    return m_allocation;
}

void
SlicingTraces::Flush()
{
    m_steps.flush();
    m_allocation.flush();
    if (!m_steps || !m_allocation)
    {
        GymExit(GYM_EXIT_CONFIG, "cannot write the traces in '" + m_dir + "'");
    }
}

void
SlicingTraces::Finish()
{
    if (m_flowMonitor)
    {
        m_flowMonitor->CheckForLostPackets();
        m_flowMonitor->SerializeToXmlFile(m_dir + "/flowmon.xml", true, true);
    }
}

} // namespace ns3

#include "pair-monitor.h"

#include "ns3/log.h"
#include "ns3/lte-chunk-processor.h"
#include "ns3/lte-spectrum-phy.h"
#include "ns3/lte-ue-net-device.h"
#include "ns3/lte-ue-phy.h"
#include "ns3/simulator.h"

#include <cmath>
#include <limits>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RanGymPairMonitor");
NS_OBJECT_ENSURE_REGISTERED(PairMonitor);

TypeId
PairMonitor::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::RanGymPairMonitor")
            .SetParent<Object>()
            .SetGroupName("RanGym")
            .AddConstructor<PairMonitor>()
            .AddTraceSource("Step",
                            "What one pair got during the step that just ended "
                            "(bits, rate [bit/s/Hz], SINR [dB], power [W]).",
                            MakeTraceSourceAccessor(&PairMonitor::m_stepTrace),
                            "ns3::PairMonitor::StepTracedCallback");
    return tid;
}

void
PairMonitor::Attach(const NetDeviceContainer& ueDevices, double bandwidthHz)
{
    uint32_t n = ueDevices.GetN();
    m_bandwidthHz = bandwidthHz;
    m_bits.assign(n, 0);
    m_ok.assign(n, 0);
    m_errors.assign(n, 0);
    m_sinrSum.assign(n, 0.0);
    m_sinrCount.assign(n, 0);
    for (uint32_t i = 0; i < n; ++i)
    {
        Ptr<LteUePhy> phy = DynamicCast<LteUeNetDevice>(ueDevices.Get(i))->GetPhy();
        auto sinr = Create<LteChunkProcessor>();
        sinr->AddCallback(MakeCallback(&PairMonitor::OnDataSinr, this, i));
        phy->GetDlSpectrumPhy()->AddDataSinrChunkProcessor(sinr);
        phy->GetDlSpectrumPhy()->TraceConnectWithoutContext(
            "DlPhyReception",
            MakeCallback(&PairMonitor::OnReception, this));
    }
    m_stepStart = Simulator::Now();
}

uint32_t
PairMonitor::PairOfCell(uint16_t cellId) const
{
    NS_ABORT_MSG_IF(cellId == 0 || cellId > m_bits.size(), "unexpected cell id " << cellId);
    return cellId - 1U;
}

void
PairMonitor::OnReception(PhyReceptionStatParameters params)
{
    uint32_t i = PairOfCell(params.m_cellId);
    if (params.m_correctness)
    {
        m_bits[i] += 8ULL * params.m_size;
        ++m_ok[i];
    }
    else
    {
        ++m_errors[i];
    }
}

void
PairMonitor::OnDataSinr(uint32_t pair, const SpectrumValue& sinr)
{
    m_sinrSum[pair] += Sum(sinr) / sinr.GetSpectrumModel()->GetNumBands();
    ++m_sinrCount[pair];
}

std::vector<PairStepStats>
PairMonitor::EndStep(uint32_t step, const std::vector<double>& powersW)
{
    double seconds = (Simulator::Now() - m_stepStart).GetSeconds();
    std::vector<PairStepStats> all;
    for (uint32_t i = 0; i < m_bits.size(); ++i)
    {
        PairStepStats s;
        s.step = step;
        s.timeS = Simulator::Now().GetSeconds();
        s.pair = i;
        s.powerW = powersW.at(i);
        s.bits = m_bits[i];
        s.rateBpsHz = seconds > 0 ? double(m_bits[i]) / (seconds * m_bandwidthHz) : 0.0;
        s.sinrDb = m_sinrCount[i] > 0 ? 10.0 * std::log10(m_sinrSum[i] / m_sinrCount[i])
                                      : -std::numeric_limits<double>::infinity();
        s.tbOk = m_ok[i];
        s.tbError = m_errors[i];
        m_stepTrace(s);
        all.push_back(s);
        m_bits[i] = 0;
        m_ok[i] = m_errors[i] = m_sinrCount[i] = 0;
        m_sinrSum[i] = 0.0;
    }
    m_stepStart = Simulator::Now();
    return all;
}

void
PairMonitor::DoDispose()
{
    Object::DoDispose();
}

} // namespace ns3

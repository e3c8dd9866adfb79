#include "slicing-env.h"

#include "ns3/core-module.h"
#include "ns3/lte-module.h"

#include <map>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RanGymSlicingEnv");

namespace
{

constexpr float OBS_LOW = -10.0F;
constexpr float OBS_HIGH = 1e9F;
constexpr uint8_t DEFAULT_PA_LEVEL = 4; // 0 dB

Ptr<GymBoxSpace>
IntBox(int32_t low, int32_t high, std::vector<uint32_t> shape)
{
    return Create<GymBoxSpace>(float(low), float(high), std::move(shape), GymDtype::INT);
}

} // namespace

SlicingEnv::SlicingEnv(const SlicingOptions& o,
                       SlicingNetwork& net,
                       Ptr<SliceMonitor> monitor,
                       Ptr<RbgAllocation> allocation,
                       SlicingTraces& traces)
    : m_o(o),
      m_net(net),
      m_monitor(monitor),
      m_allocation(allocation),
      m_traces(traces),
      m_requested(o.nRus * RBG_COUNT, -1),
      m_applied(o.nRus * RBG_COUNT, -1),
      m_power(o.nUes, DEFAULT_PA_LEVEL),
      m_powerRu(o.nUes, -1),
      m_dlDcis(o.nRus)
{
}

void
SlicingEnv::Attach(Ptr<GymInterface> gym)
{
    m_gym = gym;
    gym->SetGetObservationSpaceCb(MakeCallback(&SlicingEnv::GetObservationSpace, this));
    gym->SetGetActionSpaceCb(MakeCallback(&SlicingEnv::GetActionSpace, this));
    gym->SetGetObservationCb(MakeCallback(&SlicingEnv::GetObservation, this));
    gym->SetGetRewardCb(MakeCallback(&SlicingEnv::GetReward, this));
    gym->SetGetExtraInfoCb(MakeCallback(&SlicingEnv::GetExtraInfo, this));
    gym->SetExecuteActionsCb(MakeCallback(&SlicingEnv::ExecuteActions, this));
    for (uint32_t ru = 0; ru < m_o.nRus; ++ru)
    {
        DynamicCast<LteEnbNetDevice>(m_net.enbDevices.Get(ru))
            ->GetMac()
            ->TraceConnectWithoutContext(
                "DlScheduling",
                MakeCallback(&SlicingEnv::OnDlScheduling, this).Bind(ru));
    }
    Simulator::Schedule(MilliSeconds(m_o.warmupMs), &SlicingEnv::StepBoundary, this);
}

void
SlicingEnv::OnDlScheduling(uint32_t ru, DlSchedulingCallbackInfo info)
{
    ++m_dlDcis[ru][info.rnti];
}

void
SlicingEnv::StepBoundary()
{
    Measure();
    WriteTraces();
    if (m_step == m_o.maxSteps)
    {
        Simulator::Stop(); // the final state goes out from main
        return;
    }
    m_gym->Notify();
    ++m_step;
    Simulator::Schedule(MilliSeconds(m_o.stepMs), &SlicingEnv::StepBoundary, this);
}

void
SlicingEnv::Measure()
{
    StepRecord r;
    r.step = m_step;
    r.timeS = Simulator::Now().GetSeconds();
    r.ue = m_monitor->EndStep(m_o.stepMs / 1e3);
    for (uint32_t u = 0; u < m_o.nUes; ++u)
    {
        r.ru.push_back(ServingRu(u));
        for (uint32_t ru = 0; ru < m_o.nRus; ++ru)
        {
            r.gainDb.push_back(ChannelGainDb(m_net, u, ru));
        }
    }
    r.powerLevel = m_power;
    r.invalidRbgs = m_invalidRbgs;
    r.handovers = m_handovers;
    r.associationMismatch = m_mismatch;
    r.rbgTtis.assign(m_o.nUes, m_o.scheduler == "gym" ? 0 : -1);
    for (uint32_t u = 0; u < m_o.nUes; ++u)
    {
        auto& dcis = r.ru[u] >= 0 ? m_dlDcis[r.ru[u]] : m_dlDcis[0];
        auto it = r.ru[u] >= 0 ? dcis.find(Rnti(u)) : dcis.end();
        r.dlDcis.push_back(it == dcis.end() ? 0 : it->second);
    }
    for (auto& dcis : m_dlDcis)
    {
        dcis.clear();
    }
    EvaluateStep(m_o, r);
    m_last = std::move(r);
}

void
SlicingEnv::WriteTraces()
{
    bool gymScheduler = m_o.scheduler == "gym";
    std::vector<std::map<uint16_t, uint32_t>> ueOfRnti(m_o.nRus);
    for (uint32_t u = 0; u < m_o.nUes; ++u)
    {
        if (m_last.ru[u] >= 0)
        {
            ueOfRnti[m_last.ru[u]][Rnti(u)] = u;
        }
    }
    for (uint32_t ru = 0; ru < m_o.nRus && gymScheduler; ++ru)
    {
        auto use = m_allocation->TakeUse(m_net.cellIds[ru], RBG_COUNT);
        for (uint32_t g = 0; g < RBG_COUNT; ++g)
        {
            auto owner = ueOfRnti[ru].find(use[g].second);
            int32_t lastUe = owner == ueOfRnti[ru].end() ? -1 : int32_t(owner->second);
            if (lastUe >= 0)
            {
                m_last.rbgTtis[lastUe] += use[g].first;
            }
            if (m_traces.IsOpen() && m_step > 0)
            {
                m_traces.Allocation() << m_step << ',' << m_last.timeS << ',' << ru << ','
                                      << m_net.cellIds[ru] << ',' << g << ','
                                      << m_requested[ru * RBG_COUNT + g] << ','
                                      << m_applied[ru * RBG_COUNT + g] << ',' << use[g].first
                                      << ',' << lastUe << '\n';
            }
        }
    }
    if (!m_traces.IsOpen())
    {
        return;
    }
    for (uint32_t u = 0; u < m_o.nUes; ++u)
    {
        const UeStepStats& s = m_last.ue[u];
        int32_t ru = m_last.ru[u];
        double gain = ru >= 0 ? m_last.gainDb[u * m_o.nRus + ru] : 0.0;
        m_traces.Steps() << m_step << ',' << m_last.timeS << ',' << u << ','
                         << SliceName(m_o.SliceOf(u)) << ',' << ru << ',' << s.throughputMbps
                         << ',' << s.meanDelayMs << ',' << +m_last.qosOk[u] << ',' << s.txBytes
                         << ',' << s.rxBytes << ',' << s.txPackets << ',' << s.rxPackets << ','
                         << s.lostPackets << ',' << s.backlogBytes << ',' << gain << ','
                         << PA_LEVELS_DB[m_last.powerLevel[u]] << '\n';
    }
    m_traces.Flush();
}

Ptr<GymSpace>
SlicingEnv::GetObservationSpace()
{
    uint32_t size = m_o.nUes * (3 + m_o.nRus) + SLICE_COUNT;
    return Create<GymBoxSpace>(OBS_LOW, OBS_HIGH, std::vector<uint32_t>{size}, GymDtype::FLOAT);
}

Ptr<GymSpace>
SlicingEnv::GetActionSpace()
{
    auto space = Create<GymDictSpace>();
    space->Add("association", IntBox(0, m_o.nRus - 1, {m_o.nUes}));
    space->Add("prb_owner", IntBox(-1, m_o.nUes - 1, {m_o.nRus, RBG_COUNT}));
    space->Add("power_level", IntBox(0, PA_LEVELS_DB.size() - 1, {m_o.nUes}));
    return space;
}

Ptr<GymDataContainer>
SlicingEnv::GetObservation()
{
    std::vector<float> obs;
    for (uint8_t ok : m_last.qosOk)
    {
        obs.push_back(ok);
    }
    for (double g : m_last.gainDb)
    {
        obs.push_back(float((g + 120.0) / 40.0));
    }
    for (const auto& s : m_last.ue)
    {
        obs.push_back(float(s.throughputMbps));
    }
    for (const auto& s : m_last.ue)
    {
        obs.push_back(float(s.meanDelayMs));
    }
    for (double q : m_last.sliceQueueBytes)
    {
        obs.push_back(float(q));
    }
    return Create<GymBoxContainer<float>>(std::vector<uint32_t>{uint32_t(obs.size())}, obs);
}

float
SlicingEnv::GetReward()
{
    return float(m_last.reward);
}

std::string
SlicingEnv::GetExtraInfo()
{
    return StepInfoJson(m_o, m_last);
}

} // namespace ns3

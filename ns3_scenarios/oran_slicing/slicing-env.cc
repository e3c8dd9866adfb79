#include "slicing-env.h"

#include "ns3/core-module.h"
#include "ns3/lte-module.h"

#include <algorithm>
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

const std::vector<int32_t>&
IntData(Ptr<GymDataContainer> dict, const std::string& key)
{
    return DynamicCast<GymBoxContainer<int32_t>>(DynamicCast<GymDictContainer>(dict)->Get(key))
        ->GetData();
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
      m_powerRu(o.nUes, -1)
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
    Simulator::Schedule(MilliSeconds(m_o.warmupMs), &SlicingEnv::StepBoundary, this);
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

bool
SlicingEnv::ExecuteActions(Ptr<GymDataContainer> action)
{
    const auto& association = IntData(action, "association");
    m_mismatch.clear();
    for (uint32_t u = 0; u < m_o.nUes; ++u)
    {
        if (association[u] != ServingRu(u))
        {
            m_mismatch.push_back(u);
        }
    }
    m_handingOver.clear();
    if (m_o.handover)
    {
        ApplyAssociation(association);
    }
    ApplyRbgOwners(IntData(action, "prb_owner"));
    ApplyPower(IntData(action, "power_level"));
    return true;
}

void
SlicingEnv::ApplyAssociation(const std::vector<int32_t>& association)
{
    for (uint32_t u : m_mismatch)
    {
        int32_t source = ServingRu(u);
        auto ue = DynamicCast<LteUeNetDevice>(m_net.ueDevices.Get(u));
        if (source < 0 || ue->GetRrc()->GetState() != LteUeRrc::CONNECTED_NORMALLY)
        {
            continue;
        }
        auto enb = DynamicCast<LteEnbNetDevice>(m_net.enbDevices.Get(source));
        uint16_t rnti = ue->GetRrc()->GetRnti();
        if (!enb->GetRrc()->HasUeManager(rnti) ||
            enb->GetRrc()->GetUeManager(rnti)->GetState() != UeManager::CONNECTED_NORMALLY)
        {
            continue;
        }
        m_net.lte->HandoverRequest(Seconds(0), ue, enb, m_net.cellIds[association[u]]);
        m_powerRu[u] = -1; // P_A goes to the target cell once the UE is connected there
        m_handingOver.push_back(u);
        ++m_handovers;
    }
}

void
SlicingEnv::ApplyRbgOwners(const std::vector<int32_t>& owners)
{
    m_requested = owners;
    m_invalidRbgs = 0;
    for (uint32_t ru = 0; ru < m_o.nRus; ++ru)
    {
        std::vector<uint16_t> rntis(RBG_COUNT, 0);
        for (uint32_t g = 0; g < RBG_COUNT; ++g)
        {
            int32_t u = owners[ru * RBG_COUNT + g];
            bool valid = u >= 0 && ServingRu(u) == int32_t(ru);
            m_invalidRbgs += (u >= 0 && !valid) ? 1 : 0;
            m_applied[ru * RBG_COUNT + g] = valid ? u : -1;
            rntis[g] = valid ? Rnti(u) : 0;
        }
        m_allocation->SetOwners(m_net.cellIds[ru], rntis);
    }
}

void
SlicingEnv::ApplyPower(const std::vector<int32_t>& levels)
{
    for (uint32_t u = 0; u < m_o.nUes; ++u)
    {
        int32_t ru = ServingRu(u);
        bool handingOver =
            std::find(m_handingOver.begin(), m_handingOver.end(), u) != m_handingOver.end();
        if ((levels[u] == m_power[u] && ru == m_powerRu[u]) || ru < 0 || handingOver)
        {
            continue; // unchanged, or the UE is between cells
        }
        auto rrc = DynamicCast<LteEnbNetDevice>(m_net.enbDevices.Get(ru))->GetRrc();
        if (!rrc->HasUeManager(Rnti(u)) ||
            rrc->GetUeManager(Rnti(u))->GetState() != UeManager::CONNECTED_NORMALLY)
        {
            continue; // RRC reconfiguration only in CONNECTED_NORMALLY; retried next step
        }
        LteRrcSap::PdschConfigDedicated pdsch;
        pdsch.pa = uint8_t(levels[u]); // the P_A enum follows PA_LEVELS_DB's order
        rrc->GetLteFfrRrcSapUser(0)->SetPdschConfigDedicated(Rnti(u), pdsch);
        m_power[u] = levels[u];
        m_powerRu[u] = ru;
    }
}

int32_t
SlicingEnv::ServingRu(uint32_t u) const
{
    uint16_t cell = DynamicCast<LteUeNetDevice>(m_net.ueDevices.Get(u))->GetRrc()->GetCellId();
    for (uint32_t ru = 0; ru < m_net.cellIds.size(); ++ru)
    {
        if (m_net.cellIds[ru] == cell)
        {
            return ru;
        }
    }
    return -1;
}

uint16_t
SlicingEnv::Rnti(uint32_t u) const
{
    return DynamicCast<LteUeNetDevice>(m_net.ueDevices.Get(u))->GetRrc()->GetRnti();
}

} // namespace ns3

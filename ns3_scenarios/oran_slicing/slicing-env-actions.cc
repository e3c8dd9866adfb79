// SlicingEnv: the action applied to the network (see slicing-env.h).
#include "slicing-env.h"

#include "ns3/core-module.h"
#include "ns3/lte-module.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RanGymSlicingActions");

namespace
{

const std::vector<int32_t>&
IntData(Ptr<GymDataContainer> dict, const std::string& key)
{
    return DynamicCast<GymBoxContainer<int32_t>>(DynamicCast<GymDictContainer>(dict)->Get(key))
        ->GetData();
}

} // namespace

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
        int32_t level = std::min(levels[u], m_o.MaxPaLevel(m_o.SliceOf(u)));
        int32_t ru = ServingRu(u);
        bool handingOver =
            std::find(m_handingOver.begin(), m_handingOver.end(), u) != m_handingOver.end();
        if ((level == m_power[u] && ru == m_powerRu[u]) || ru < 0 || handingOver)
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
        pdsch.pa = uint8_t(level); // the P_A enum follows PA_LEVELS_DB's order
        rrc->GetLteFfrRrcSapUser(0)->SetPdschConfigDedicated(Rnti(u), pdsch);
        m_power[u] = level;
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

// GymFfMacScheduler: the downlink, per TTI (see gym-ff-mac-scheduler.h).
#include "gym-ff-mac-scheduler.h"

#include "ns3/log.h"
#include "ns3/lte-common.h"

#include <algorithm>
#include <array>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("GymFfMacSchedulerDl");

namespace
{

/// TS 36.213 Table 7.1.6.1-1: largest bandwidth [RBs] of each RBG size 1..4.
constexpr std::array<uint16_t, 4> RBG_SIZE_LIMITS{10, 26, 63, 110};
constexpr uint32_t RLC_UM_HEADER_BYTES = 2;

} // namespace

uint32_t
GymFfMacScheduler::RbgSize() const
{
    for (uint32_t i = 0; i < RBG_SIZE_LIMITS.size(); ++i)
    {
        if (m_dlBandwidth <= RBG_SIZE_LIMITS[i])
        {
            return i + 1;
        }
    }
    return RBG_SIZE_LIMITS.size();
}

uint32_t
GymFfMacScheduler::RbgCount() const
{
    // Whole RBGs only: ns-3.37's eNB PHY maps an RBG to RbgSize() RBs without
    // clipping at the band edge, so a partial last RBG (RBs 48..50 of 50) would
    // address an RB that does not exist. The stock schedulers skip it the same way.
    return m_dlBandwidth / RbgSize();
}

uint32_t
GymFfMacScheduler::PrbsIn(uint32_t mask) const
{
    uint32_t prbs = 0;
    for (uint32_t g = 0; g < RbgCount(); ++g)
    {
        if (mask & (1U << g))
        {
            prbs += RbgSize();
        }
    }
    return prbs;
}

uint32_t
GymFfMacScheduler::DlBytesQueued(uint16_t rnti) const
{
    auto it = m_dlBuffers.find(rnti);
    if (it == m_dlBuffers.end())
    {
        return 0;
    }
    uint32_t total = 0;
    for (const auto& [lcid, b] : it->second)
    {
        total += b.Total();
    }
    return total;
}

uint8_t
GymFfMacScheduler::Cqi(uint16_t rnti, uint32_t rbg) const
{
    auto sb = m_sbCqi.find(rnti);
    if (sb != m_sbCqi.end() && rbg < sb->second.size())
    {
        return sb->second[rbg];
    }
    auto wb = m_wbCqi.find(rnti);
    return wb != m_wbCqi.end() ? wb->second : 1;
}

void
GymFfMacScheduler::DoSchedDlTriggerReq(const FfMacSchedSapProvider::SchedDlTriggerReqParameters& p)
{
    m_harq.Tick();
    for (const auto& info : p.m_dlInfoList)
    {
        m_harq.Feedback(info);
    }
    FfMacSchedSapUser::SchedDlConfigIndParameters ret;
    ret.m_nrOfPdcchOfdmSymbols = 1;
    BuildRar(ret.m_buildRarList);
    std::map<uint16_t, bool> busy;
    uint32_t used = ScheduleRetransmissions(ret.m_buildDataList, busy);

    static const std::vector<uint16_t> none;
    const std::vector<uint16_t>& owners = m_allocation ? m_allocation->GetOwners(m_cellId) : none;
    std::map<uint16_t, uint32_t> masks;
    for (uint32_t g = 0; g < std::min<std::size_t>(owners.size(), RbgCount()); ++g)
    {
        if (owners[g] != 0 && !(used & (1U << g)) && !busy.count(owners[g]))
        {
            masks[owners[g]] |= 1U << g;
        }
    }
    for (const auto& [rnti, mask] : masks)
    {
        BuildDataListElement_s element;
        if (BuildNewData(rnti, mask, element))
        {
            ret.m_buildDataList.push_back(element);
        }
    }
    for (const auto& element : ret.m_buildDataList)
    {
        m_dlDciTrace(m_cellId, element.m_dci);
    }
    m_schedSapUser->SchedDlConfigInd(ret);
}

uint32_t
GymFfMacScheduler::ScheduleRetransmissions(std::vector<BuildDataListElement_s>& out,
                                           std::map<uint16_t, bool>& busy)
{
    uint32_t used = 0;
    auto& pending = m_harq.Pending();
    for (auto it = pending.begin(); it != pending.end();)
    {
        if ((it->m_rbBitmap & used) || busy.count(it->m_rnti))
        {
            ++it; // waits for a later TTI
            continue;
        }
        BuildDataListElement_s element;
        element.m_rnti = it->m_rnti;
        element.m_dci = *it;
        std::vector<RlcPduListElement_s> layers;
        for (uint16_t size : it->m_tbsSize)
        {
            RlcPduListElement_s pdu;
            pdu.m_logicalChannelIdentity = 0; // the MAC resends its own copy of the TB
            pdu.m_size = size;
            layers.push_back(pdu);
        }
        element.m_rlcPduList.push_back(layers);
        out.push_back(element);
        used |= it->m_rbBitmap;
        busy[it->m_rnti] = true;
        m_harq.Restart(*it);
        it = pending.erase(it);
    }
    return used;
}

bool
GymFfMacScheduler::BuildNewData(uint16_t rnti, uint32_t mask, BuildDataListElement_s& out)
{
    auto process = m_harq.FreeProcess(rnti);
    if (!process || DlBytesQueued(rnti) == 0)
    {
        return false;
    }
    uint8_t cqi = 15;
    for (uint32_t g = 0; g < RbgCount(); ++g)
    {
        cqi = (mask & (1U << g)) ? std::min(cqi, Cqi(rnti, g)) : cqi;
    }
    if (cqi == 0)
    {
        return false; // the UE cannot decode anything on these RBGs
    }
    uint8_t mcs = m_amc->GetMcsFromCqi(cqi);
    auto tbBytes = static_cast<uint16_t>(m_amc->GetDlTbSizeFromMcs(mcs, PrbsIn(mask)) / 8);
    uint8_t layers = TransmissionModesLayers::TxMode2LayerNum(m_txMode[rnti]);
    std::vector<uint8_t> active;
    for (const auto& [lcid, b] : m_dlBuffers[rnti])
    {
        if (b.Total() > 0)
        {
            active.push_back(lcid);
        }
    }
    out.m_rnti = rnti;
    DlDciListElement_s& dci = out.m_dci;
    dci.m_rnti = rnti;
    dci.m_harqProcess = *process;
    dci.m_resAlloc = 0;
    dci.m_rbBitmap = mask;
    dci.m_tpc = m_ffrSapProvider ? m_ffrSapProvider->GetTpc(rnti) : 1; // 1: 0 dB
    for (uint8_t l = 0; l < layers; ++l)
    {
        dci.m_mcs.push_back(mcs);
        dci.m_tbsSize.push_back(tbBytes);
        dci.m_ndi.push_back(1);
        dci.m_rv.push_back(0);
    }
    uint16_t perLc = tbBytes / active.size();
    for (uint8_t lcid : active)
    {
        RlcPduListElement_s pdu;
        pdu.m_logicalChannelIdentity = lcid;
        pdu.m_size = perLc;
        out.m_rlcPduList.emplace_back(layers, pdu);
        ConsumeDlBuffer(rnti, lcid, perLc * layers);
    }
    m_harq.Start(dci);
    return true;
}

void
GymFfMacScheduler::ConsumeDlBuffer(uint16_t rnti, uint8_t lcid, uint32_t bytes)
{
    LcBuffer& b = m_dlBuffers[rnti][lcid];
    if (b.status > 0)
    {
        b.status = 0;
        return;
    }
    if (b.retx > 0)
    {
        b.retx -= std::min(b.retx, bytes);
        return;
    }
    uint32_t payload = bytes > RLC_UM_HEADER_BYTES ? bytes - RLC_UM_HEADER_BYTES : 0;
    b.tx -= std::min(b.tx, payload);
}

} // namespace ns3

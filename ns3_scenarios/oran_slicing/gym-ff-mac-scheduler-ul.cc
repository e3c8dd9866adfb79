// GymFfMacScheduler: random access and uplink (see gym-ff-mac-scheduler.h).
#include "gym-ff-mac-scheduler.h"

#include "ns3/log.h"
#include "ns3/lte-common.h"
#include "ns3/lte-vendor-specific-parameters.h"

#include <cmath>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("GymFfMacSchedulerUl");

namespace
{

constexpr uint8_t RAR_MCS = 0;
constexpr double BER_TARGET = 0.00005; // the stock schedulers' SINR-to-CQI mapping

} // namespace

void
GymFfMacScheduler::DoSchedDlRachInfoReq(
    const FfMacSchedSapProvider::SchedDlRachInfoReqParameters& p)
{
    m_rachList.insert(m_rachList.end(), p.m_rachList.begin(), p.m_rachList.end());
}

void
GymFfMacScheduler::BuildRar(std::vector<BuildRarListElement_s>& out)
{
    uint16_t rbStart = 0;
    for (const auto& rach : m_rachList)
    {
        uint16_t rbLen = 1;
        int tbBits = m_amc->GetUlTbSizeFromMcs(RAR_MCS, rbLen);
        while (tbBits < rach.m_estimatedSize && rbStart + rbLen < m_ulBandwidth)
        {
            tbBits = m_amc->GetUlTbSizeFromMcs(RAR_MCS, ++rbLen);
        }
        if (tbBits < rach.m_estimatedSize)
        {
            break; // no room left in this frame: the UE tries again
        }
        BuildRarListElement_s rar;
        rar.m_rnti = rach.m_rnti;
        rar.m_grant.m_rnti = rach.m_rnti;
        rar.m_grant.m_mcs = RAR_MCS;
        rar.m_grant.m_rbStart = rbStart;
        rar.m_grant.m_rbLen = rbLen;
        rar.m_grant.m_tbSize = tbBits / 8;
        rar.m_grant.m_hopping = false;
        rar.m_grant.m_tpc = 0;
        rar.m_grant.m_cqiRequest = false;
        rar.m_grant.m_ulDelay = false;
        for (uint16_t rb = rbStart; rb < rbStart + rbLen; ++rb)
        {
            m_rachRbs.at(rb) = true;
        }
        rbStart += rbLen;
        out.push_back(rar);
    }
    m_rachList.clear();
}

uint8_t
GymFfMacScheduler::UlMcs(uint16_t rnti) const
{
    auto it = m_ulSinrDb.find(rnti);
    if (it == m_ulSinrDb.end())
    {
        return 0;
    }
    double gap = -std::log(5.0 * BER_TARGET) / 1.5;
    double efficiency = std::log2(1.0 + std::pow(10.0, it->second / 10.0) / gap);
    int cqi = m_amc->GetCqiFromSpectralEfficiency(efficiency);
    return cqi == 0 ? 0 : m_amc->GetMcsFromCqi(cqi);
}

void
GymFfMacScheduler::DoSchedUlTriggerReq(const FfMacSchedSapProvider::SchedUlTriggerReqParameters&)
{
    FfMacSchedSapUser::SchedUlConfigIndParameters ret;
    std::vector<bool> taken = m_rachRbs;
    m_rachRbs.assign(m_ulBandwidth, false);
    std::vector<uint16_t> ues;
    for (const auto& [rnti, bytes] : m_ulBuffer)
    {
        if (bytes > 0 && m_txMode.count(rnti))
        {
            ues.push_back(rnti);
        }
    }
    auto free = static_cast<uint32_t>(std::count(taken.begin(), taken.end(), false));
    uint32_t share = ues.empty() ? 0 : std::max<uint32_t>(1, free / ues.size());
    uint16_t rb = 0;
    for (uint16_t rnti : ues)
    {
        while (rb < m_ulBandwidth && taken[rb])
        {
            ++rb;
        }
        uint16_t len = 0;
        while (rb + len < m_ulBandwidth && !taken[rb + len] && len < share)
        {
            ++len;
        }
        if (len == 0)
        {
            break;
        }
        UlDciListElement_s dci;
        dci.m_rnti = rnti;
        dci.m_rbStart = rb;
        dci.m_rbLen = len;
        dci.m_mcs = UlMcs(rnti);
        dci.m_tbSize = m_amc->GetUlTbSizeFromMcs(dci.m_mcs, len) / 8;
        dci.m_ndi = 1;
        dci.m_cceIndex = 0;
        dci.m_aggrLevel = 1;
        dci.m_ueTxAntennaSelection = 3;
        dci.m_hopping = false;
        dci.m_n2Dmrs = 0;
        dci.m_tpc = m_ffrSapProvider ? m_ffrSapProvider->GetTpc(rnti) : 1;
        dci.m_cqiRequest = false;
        dci.m_ulIndex = 0;
        dci.m_dai = 1;
        dci.m_freqHopping = 0;
        dci.m_pdcchPowerOffset = 0;
        ret.m_dciList.push_back(dci);
        uint32_t& bytes = m_ulBuffer[rnti];
        bytes -= std::min<uint32_t>(bytes, dci.m_tbSize);
        rb += len;
    }
    m_schedSapUser->SchedUlConfigInd(ret);
}

void
GymFfMacScheduler::DoSchedUlNoiseInterferenceReq(
    const FfMacSchedSapProvider::SchedUlNoiseInterferenceReqParameters&)
{
}

void
GymFfMacScheduler::DoSchedUlSrInfoReq(const FfMacSchedSapProvider::SchedUlSrInfoReqParameters&)
{
}

void
GymFfMacScheduler::DoSchedUlMacCtrlInfoReq(
    const FfMacSchedSapProvider::SchedUlMacCtrlInfoReqParameters& p)
{
    for (const auto& ce : p.m_macCeList)
    {
        if (ce.m_macCeType != MacCeListElement_s::BSR)
        {
            continue;
        }
        uint32_t bytes = 0;
        for (uint8_t level : ce.m_macCeValue.m_bufferStatus)
        {
            bytes += BufferSizeLevelBsr::BsrId2BufferSize(level);
        }
        m_ulBuffer[ce.m_rnti] = bytes;
    }
}

void
GymFfMacScheduler::DoSchedUlCqiInfoReq(const FfMacSchedSapProvider::SchedUlCqiInfoReqParameters& p)
{
    if (p.m_ulCqi.m_type != UlCqi_s::SRS || p.m_vendorSpecificList.empty())
    {
        return;
    }
    // SRS reports carry the RNTI in the vendor-specific field, as the stock schedulers read it.
    auto rnti = DynamicCast<SrsCqiRntiVsp>(p.m_vendorSpecificList.at(0).m_value)->GetRnti();
    double sum = 0;
    for (uint16_t value : p.m_ulCqi.m_sinr)
    {
        sum += LteFfConverter::fpS11dot3toDouble(value);
    }
    if (!p.m_ulCqi.m_sinr.empty())
    {
        m_ulSinrDb[rnti] = sum / p.m_ulCqi.m_sinr.size();
    }
}

} // namespace ns3

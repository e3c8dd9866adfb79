#include "gym-ff-mac-scheduler.h"

#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/lte-common.h"
#include "ns3/pointer.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("GymFfMacScheduler");
NS_OBJECT_ENSURE_REGISTERED(GymFfMacScheduler);

TypeId
GymFfMacScheduler::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::GymFfMacScheduler")
            .SetParent<FfMacScheduler>()
            .SetGroupName("RanGym")
            .AddConstructor<GymFfMacScheduler>()
            .AddAttribute("Allocation",
                          "The RBG owners to follow (RbgAllocation shared by every cell)",
                          PointerValue(),
                          MakePointerAccessor(&GymFfMacScheduler::m_allocation),
                          MakePointerChecker<RbgAllocation>())
            .AddAttribute("CellId",
                          "LTE cell id whose owners this scheduler reads",
                          UintegerValue(0),
                          MakeUintegerAccessor(&GymFfMacScheduler::m_cellId),
                          MakeUintegerChecker<uint16_t>())
            .AddTraceSource("DlDci",
                            "A downlink DCI sent in this TTI: cell id; RNTI, RBG bitmap, "
                            "MCS, TB size [B], HARQ process, NDI and RV per layer",
                            MakeTraceSourceAccessor(&GymFfMacScheduler::m_dlDciTrace),
                            "ns3::GymFfMacScheduler::DlDciTracedCallback");
    return tid;
}

GymFfMacScheduler::GymFfMacScheduler()
    : m_cschedSapProvider(new MemberCschedSapProvider<GymFfMacScheduler>(this)),
      m_schedSapProvider(new MemberSchedSapProvider<GymFfMacScheduler>(this)),
      m_ffrSapUser(new MemberLteFfrSapUser<GymFfMacScheduler>(this)),
      m_amc(CreateObject<LteAmc>())
{
}

GymFfMacScheduler::~GymFfMacScheduler()
{
    delete m_cschedSapProvider;
    delete m_schedSapProvider;
    delete m_ffrSapUser;
}

void
GymFfMacScheduler::DoDispose()
{
    m_allocation = nullptr;
    m_amc = nullptr;
    FfMacScheduler::DoDispose();
}

void
GymFfMacScheduler::SetFfMacCschedSapUser(FfMacCschedSapUser* s)
{
    m_cschedSapUser = s;
}

void
GymFfMacScheduler::SetFfMacSchedSapUser(FfMacSchedSapUser* s)
{
    m_schedSapUser = s;
}

FfMacCschedSapProvider*
GymFfMacScheduler::GetFfMacCschedSapProvider()
{
    return m_cschedSapProvider;
}

FfMacSchedSapProvider*
GymFfMacScheduler::GetFfMacSchedSapProvider()
{
    return m_schedSapProvider;
}

void
GymFfMacScheduler::SetLteFfrSapProvider(LteFfrSapProvider* s)
{
    m_ffrSapProvider = s;
}

LteFfrSapUser*
GymFfMacScheduler::GetLteFfrSapUser()
{
    return m_ffrSapUser;
}

void
GymFfMacScheduler::DoCschedCellConfigReq(
    const FfMacCschedSapProvider::CschedCellConfigReqParameters& p)
{
    m_dlBandwidth = p.m_dlBandwidth;
    m_ulBandwidth = p.m_ulBandwidth;
    m_rachRbs.assign(m_ulBandwidth, false);
}

void
GymFfMacScheduler::DoCschedUeConfigReq(
    const FfMacCschedSapProvider::CschedUeConfigReqParameters& p)
{
    m_txMode[p.m_rnti] = p.m_transmissionMode;
    m_harq.AddUe(p.m_rnti);
}

void
GymFfMacScheduler::DoCschedLcConfigReq(
    const FfMacCschedSapProvider::CschedLcConfigReqParameters& p)
{
    for (const auto& lc : p.m_logicalChannelConfigList)
    {
        m_dlBuffers[p.m_rnti].try_emplace(lc.m_logicalChannelIdentity);
    }
}

void
GymFfMacScheduler::DoCschedLcReleaseReq(
    const FfMacCschedSapProvider::CschedLcReleaseReqParameters& p)
{
    for (uint8_t lcid : p.m_logicalChannelIdentity)
    {
        m_dlBuffers[p.m_rnti].erase(lcid);
    }
}

void
GymFfMacScheduler::DoCschedUeReleaseReq(
    const FfMacCschedSapProvider::CschedUeReleaseReqParameters& p)
{
    m_harq.RemoveUe(p.m_rnti);
    m_txMode.erase(p.m_rnti);
    m_dlBuffers.erase(p.m_rnti);
    m_wbCqi.erase(p.m_rnti);
    m_sbCqi.erase(p.m_rnti);
    m_ulSinrDb.erase(p.m_rnti);
    m_ulBuffer.erase(p.m_rnti);
}

void
GymFfMacScheduler::DoSchedDlRlcBufferReq(
    const FfMacSchedSapProvider::SchedDlRlcBufferReqParameters& p)
{
    LcBuffer& b = m_dlBuffers[p.m_rnti][p.m_logicalChannelIdentity];
    b.tx = p.m_rlcTransmissionQueueSize;
    b.retx = p.m_rlcRetransmissionQueueSize;
    b.status = p.m_rlcStatusPduSize;
}

void
GymFfMacScheduler::DoSchedDlPagingBufferReq(
    const FfMacSchedSapProvider::SchedDlPagingBufferReqParameters&)
{
}

void
GymFfMacScheduler::DoSchedDlMacBufferReq(
    const FfMacSchedSapProvider::SchedDlMacBufferReqParameters&)
{
}

void
GymFfMacScheduler::DoSchedDlCqiInfoReq(
    const FfMacSchedSapProvider::SchedDlCqiInfoReqParameters& p)
{
    for (const auto& cqi : p.m_cqiList)
    {
        if (cqi.m_cqiType == CqiListElement_s::P10 && !cqi.m_wbCqi.empty())
        {
            m_wbCqi[cqi.m_rnti] = cqi.m_wbCqi.at(0);
        }
        else if (cqi.m_cqiType == CqiListElement_s::A30)
        {
            std::vector<uint8_t>& sb = m_sbCqi[cqi.m_rnti];
            sb.clear();
            for (const auto& band : cqi.m_sbMeasResult.m_higherLayerSelected)
            {
                sb.push_back(band.m_sbCqi.empty() ? 0 : band.m_sbCqi.at(0));
            }
        }
    }
}

} // namespace ns3

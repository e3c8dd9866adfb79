// GymFfMacScheduler: an FF-MAC scheduler whose downlink follows the agent's RBG
// allocation. Every TTI it
//   1. applies HARQ feedback (DlHarqTracker) and sends queued retransmissions on the
//      RBGs of their first transmission, ahead of new data;
//   2. gives each RBG of the cell to the UE that RbgAllocation names as its owner,
//      when that UE has data in its RLC queues, a free HARQ process and no
//      retransmission in this TTI; RBGs of other UEs stay empty;
//   3. sends each such UE one DCI over all its RBGs, with the MCS of the worst CQI
//      (subband A30 when reported, else wideband) among them and the transport
//      block split evenly over its logical channels with data.
// The uplink is plain: Msg3 grants for random access, then the UEs with buffered
// data share the RBs left, at the MCS of their SRS SINR; no uplink retransmissions.
//
// Selected with LteHelper::SetSchedulerType("ns3::GymFfMacScheduler"); the
// allocation object comes from the "Allocation" attribute and the cell from "CellId".
// Every downlink DCI it sends (new data and retransmissions) goes out through the
// "DlDci" trace source.
#ifndef RAN_GYM_GYM_FF_MAC_SCHEDULER_H
#define RAN_GYM_GYM_FF_MAC_SCHEDULER_H

#include "harq-tracker.h"
#include "rbg-allocation.h"

#include "ns3/ff-mac-csched-sap.h"
#include "ns3/ff-mac-sched-sap.h"
#include "ns3/ff-mac-scheduler.h"
#include "ns3/lte-amc.h"
#include "ns3/lte-ffr-sap.h"
#include "ns3/traced-callback.h"

#include <map>
#include <vector>

namespace ns3
{

class GymFfMacScheduler : public FfMacScheduler
{
  public:
    static TypeId GetTypeId();
    /// Signature of the "DlDci" trace source: cell id, a DCI sent in this TTI.
    typedef void (*DlDciTracedCallback)(uint16_t cellId, const DlDciListElement_s& dci);
    GymFfMacScheduler();
    ~GymFfMacScheduler() override;

    void SetFfMacCschedSapUser(FfMacCschedSapUser* s) override;
    void SetFfMacSchedSapUser(FfMacSchedSapUser* s) override;
    FfMacCschedSapProvider* GetFfMacCschedSapProvider() override;
    FfMacSchedSapProvider* GetFfMacSchedSapProvider() override;
    void SetLteFfrSapProvider(LteFfrSapProvider* s) override;
    LteFfrSapUser* GetLteFfrSapUser() override;

    // CSCHED SAP, called through MemberCschedSapProvider
    void DoCschedCellConfigReq(const FfMacCschedSapProvider::CschedCellConfigReqParameters& p);
    void DoCschedUeConfigReq(const FfMacCschedSapProvider::CschedUeConfigReqParameters& p);
    void DoCschedLcConfigReq(const FfMacCschedSapProvider::CschedLcConfigReqParameters& p);
    void DoCschedLcReleaseReq(const FfMacCschedSapProvider::CschedLcReleaseReqParameters& p);
    void DoCschedUeReleaseReq(const FfMacCschedSapProvider::CschedUeReleaseReqParameters& p);
    // SCHED SAP, called through MemberSchedSapProvider
    void DoSchedDlRlcBufferReq(const FfMacSchedSapProvider::SchedDlRlcBufferReqParameters& p);
    void DoSchedDlPagingBufferReq(const FfMacSchedSapProvider::SchedDlPagingBufferReqParameters& p);
    void DoSchedDlMacBufferReq(const FfMacSchedSapProvider::SchedDlMacBufferReqParameters& p);
    void DoSchedDlTriggerReq(const FfMacSchedSapProvider::SchedDlTriggerReqParameters& p);
    void DoSchedDlRachInfoReq(const FfMacSchedSapProvider::SchedDlRachInfoReqParameters& p);
    void DoSchedDlCqiInfoReq(const FfMacSchedSapProvider::SchedDlCqiInfoReqParameters& p);
    void DoSchedUlTriggerReq(const FfMacSchedSapProvider::SchedUlTriggerReqParameters& p);
    void DoSchedUlNoiseInterferenceReq(
        const FfMacSchedSapProvider::SchedUlNoiseInterferenceReqParameters& p);
    void DoSchedUlSrInfoReq(const FfMacSchedSapProvider::SchedUlSrInfoReqParameters& p);
    void DoSchedUlMacCtrlInfoReq(const FfMacSchedSapProvider::SchedUlMacCtrlInfoReqParameters& p);
    void DoSchedUlCqiInfoReq(const FfMacSchedSapProvider::SchedUlCqiInfoReqParameters& p);

  protected:
    void DoDispose() override;

  private:
    struct LcBuffer
    {
        uint32_t tx{0};
        uint32_t retx{0};
        uint32_t status{0};
        uint32_t Total() const { return tx + retx + status; }
    };

    uint32_t RbgSize() const;
    uint32_t RbgCount() const;
    /// PRBs in the RBGs of mask.
    uint32_t PrbsIn(uint32_t mask) const;
    uint32_t DlBytesQueued(uint16_t rnti) const;
    /// CQI of rnti on rbg: A30 subband if known, else wideband P10, else 1.
    uint8_t Cqi(uint16_t rnti, uint32_t rbg) const;
    /// Queued retransmissions that fit; returns the RBG mask they use and their DCIs.
    uint32_t ScheduleRetransmissions(std::vector<BuildDataListElement_s>& out,
                                     std::map<uint16_t, bool>& busy);
    /// New transport block of rnti on mask, or false when it cannot carry data.
    bool BuildNewData(uint16_t rnti, uint32_t mask, BuildDataListElement_s& out);
    void ConsumeDlBuffer(uint16_t rnti, uint8_t lcid, uint32_t bytes);
    void BuildRar(std::vector<BuildRarListElement_s>& out);
    uint8_t UlMcs(uint16_t rnti) const;

    FfMacCschedSapUser* m_cschedSapUser{nullptr};
    FfMacSchedSapUser* m_schedSapUser{nullptr};
    FfMacCschedSapProvider* m_cschedSapProvider;
    FfMacSchedSapProvider* m_schedSapProvider;
    LteFfrSapProvider* m_ffrSapProvider{nullptr};
    LteFfrSapUser* m_ffrSapUser;

    Ptr<RbgAllocation> m_allocation;
    Ptr<LteAmc> m_amc;
    uint16_t m_cellId{0};
    uint16_t m_dlBandwidth{50};
    uint16_t m_ulBandwidth{50};
    DlHarqTracker m_harq;
    std::map<uint16_t, uint8_t> m_txMode;
    std::map<uint16_t, std::map<uint8_t, LcBuffer>> m_dlBuffers;
    std::map<uint16_t, uint8_t> m_wbCqi;
    std::map<uint16_t, std::vector<uint8_t>> m_sbCqi;
    std::map<uint16_t, double> m_ulSinrDb;
    std::map<uint16_t, uint32_t> m_ulBuffer;
    std::vector<RachListElement_s> m_rachList;
    std::vector<bool> m_rachRbs; ///< UL RBs granted to Msg3 for the next UL frame
    TracedCallback<uint16_t, const DlDciListElement_s&> m_dlDciTrace;
};

} // namespace ns3

#endif // RAN_GYM_GYM_FF_MAC_SCHEDULER_H

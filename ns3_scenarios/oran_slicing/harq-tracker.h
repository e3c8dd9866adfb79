// Downlink HARQ bookkeeping of one cell's MAC scheduler: eight stop-and-wait
// processes per UE, the DCI of each process's transport block, the feedback that
// frees a process or queues its retransmission, and a timeout that frees a process
// whose feedback never came. Feedback about an unknown UE or an idle process is
// ignored (logged), never fatal: UEs come and go between the MAC's feedback and the
// scheduler's view of them.
#ifndef RAN_GYM_HARQ_TRACKER_H
#define RAN_GYM_HARQ_TRACKER_H

#include "ns3/ff-mac-common.h"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>

namespace ns3
{

class DlHarqTracker
{
  public:
    static constexpr uint8_t PROCESSES = 8;
    static constexpr uint8_t MAX_RV = 3;       ///< last redundancy version tried
    static constexpr uint32_t TIMEOUT_TTIS = 11; ///< free a process after this silence

    void AddUe(uint16_t rnti);
    void RemoveUe(uint16_t rnti);
    bool HasUe(uint16_t rnti) const;

    /// A free process of rnti, if any (round robin from the last one taken).
    std::optional<uint8_t> FreeProcess(uint16_t rnti) const;
    /// Marks dci.m_harqProcess of dci.m_rnti busy with the transport block of dci.
    void Start(const DlDciListElement_s& dci);
    /// Applies one feedback element: ACK frees, NACK queues a retransmission (or
    /// gives up after MAX_RV and frees).
    void Feedback(const DlInfoListElement_s& info);
    /// Retransmissions waiting for resources, oldest first.
    std::deque<DlDciListElement_s>& Pending();
    /// A queued retransmission went out: its process waits for feedback again.
    void Restart(const DlDciListElement_s& dci);
    /// One TTI passed: ages waiting processes and frees those past TIMEOUT_TTIS.
    void Tick();

  private:
    struct Process
    {
        bool busy{false};
        bool queued{false}; ///< a retransmission of it is in Pending()
        uint32_t age{0};    ///< TTIs since it was (re)transmitted
        DlDciListElement_s dci;
    };

    struct Ue
    {
        std::array<Process, PROCESSES> processes;
        uint8_t last{PROCESSES - 1};
    };

    std::map<uint16_t, Ue> m_ues;
    std::deque<DlDciListElement_s> m_pending;
};

} // namespace ns3

#endif // RAN_GYM_HARQ_TRACKER_H

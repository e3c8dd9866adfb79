// ran-gym-harq-check: checks DlHarqTracker against hand-worked sequences; exits 0 and
// prints "ok" when every check holds, else names the first that failed (exit 1).
// Run by tests/test_oran_slicing_harq.py.
#include "harq-tracker.h"

#include <cstdlib>
#include <iostream>
#include <string>

using namespace ns3;

namespace
{

void
Check(bool ok, const std::string& what)
{
    if (!ok)
    {
        std::cerr << "failed: " << what << std::endl;
        std::exit(1);
    }
}

DlDciListElement_s
Dci(uint16_t rnti, uint8_t process, uint32_t mask)
{
    DlDciListElement_s dci;
    dci.m_rnti = rnti;
    dci.m_harqProcess = process;
    dci.m_rbBitmap = mask;
    dci.m_mcs = {10};
    dci.m_tbsSize = {500};
    dci.m_ndi = {1};
    dci.m_rv = {0};
    return dci;
}

DlInfoListElement_s
Feedback(uint16_t rnti, uint8_t process, DlInfoListElement_s::HarqStatus_e status)
{
    DlInfoListElement_s info;
    info.m_rnti = rnti;
    info.m_harqProcessId = process;
    info.m_harqStatus = {status};
    return info;
}

void
ProcessesCycleAndAckFrees()
{
    DlHarqTracker harq;
    Check(!harq.FreeProcess(7), "no process for an unknown UE");
    harq.AddUe(7);
    for (uint8_t i = 0; i < DlHarqTracker::PROCESSES; ++i)
    {
        auto id = harq.FreeProcess(7);
        Check(id && *id == i, "processes are taken in turn 0..7");
        harq.Start(Dci(7, *id, 1));
    }
    Check(!harq.FreeProcess(7), "eight transport blocks in flight: no process free");
    harq.Feedback(Feedback(7, 3, DlInfoListElement_s::ACK));
    Check(harq.FreeProcess(7) == std::optional<uint8_t>(3), "ACK frees process 3");
    Check(harq.Pending().empty(), "ACK queues nothing");
}

void
NackRetransmitsUpToRv3()
{
    DlHarqTracker harq;
    harq.AddUe(5);
    harq.Start(Dci(5, 0, 0b110));
    for (uint8_t rv = 1; rv <= DlHarqTracker::MAX_RV; ++rv)
    {
        harq.Feedback(Feedback(5, 0, DlInfoListElement_s::NACK));
        Check(harq.Pending().size() == 1, "NACK queues one retransmission");
        DlDciListElement_s retx = harq.Pending().front();
        Check(retx.m_rv[0] == rv && retx.m_ndi[0] == 0, "retransmission: next RV, NDI 0");
        Check(retx.m_tbsSize[0] == 500 && retx.m_rbBitmap == 0b110 && retx.m_mcs[0] == 10,
              "retransmission: same TB size, RBGs and MCS");
        Check(harq.FreeProcess(5) != std::optional<uint8_t>(0), "queued process stays busy");
        harq.Feedback(Feedback(5, 0, DlInfoListElement_s::NACK));
        Check(harq.Pending().size() == 1, "feedback for a queued process is ignored");
        harq.Pending().pop_front();
        harq.Restart(retx);
    }
    harq.Feedback(Feedback(5, 0, DlInfoListElement_s::NACK));
    Check(harq.Pending().empty(), "after RV 3 a NACK gives up");
    Check(harq.FreeProcess(5) == std::optional<uint8_t>(1), "and frees the process");
}

void
StrayFeedbackAndTimeouts()
{
    DlHarqTracker harq;
    harq.Feedback(Feedback(9, 0, DlInfoListElement_s::NACK)); // unknown UE: ignored
    harq.AddUe(9);
    harq.Feedback(Feedback(9, 2, DlInfoListElement_s::NACK)); // idle process: ignored
    harq.Feedback(Feedback(9, 200, DlInfoListElement_s::ACK)); // no such process: ignored
    Check(harq.Pending().empty(), "stray feedback queues nothing");
    harq.Start(Dci(9, 0, 1));
    for (uint32_t t = 0; t < DlHarqTracker::TIMEOUT_TTIS; ++t)
    {
        harq.Tick();
    }
    for (uint8_t id = 1; id < DlHarqTracker::PROCESSES; ++id)
    {
        harq.Start(Dci(9, id, 1));
    }
    Check(!harq.FreeProcess(9), "process 0 busy until its feedback times out");
    harq.Tick(); // the 12th TTI without feedback
    Check(harq.FreeProcess(9) == std::optional<uint8_t>(0), "then the timeout frees it");
    harq.Feedback(Feedback(9, 1, DlInfoListElement_s::NACK));
    Check(harq.Pending().size() == 1, "a NACK on process 1 queues its retransmission");
    harq.RemoveUe(9);
    Check(harq.Pending().empty() && !harq.HasUe(9), "release drops the UE's retransmissions");
    harq.Feedback(Feedback(9, 1, DlInfoListElement_s::ACK)); // after release: ignored
}

} // namespace

int
main()
{
    ProcessesCycleAndAckFrees();
    NackRetransmitsUpToRv3();
    StrayFeedbackAndTimeouts();
    std::cout << "ok" << std::endl;
    return 0;
}

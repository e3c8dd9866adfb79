#include "harq-tracker.h"

#include "ns3/log.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("DlHarqTracker");

void
DlHarqTracker::AddUe(uint16_t rnti)
{
    m_ues.try_emplace(rnti);
}

void
DlHarqTracker::RemoveUe(uint16_t rnti)
{
    m_ues.erase(rnti);
    m_pending.erase(std::remove_if(m_pending.begin(), m_pending.end(),
                                   [rnti](const auto& dci) { return dci.m_rnti == rnti; }),
                    m_pending.end());
}

bool
DlHarqTracker::HasUe(uint16_t rnti) const
{
    return m_ues.count(rnti) > 0;
}

std::optional<uint8_t>
DlHarqTracker::FreeProcess(uint16_t rnti) const
{
    auto it = m_ues.find(rnti);
    if (it == m_ues.end())
    {
        return std::nullopt;
    }
    for (uint8_t i = 1; i <= PROCESSES; ++i)
    {
        uint8_t id = (it->second.last + i) % PROCESSES;
        if (!it->second.processes[id].busy)
        {
            return id;
        }
    }
    return std::nullopt;
}

void
DlHarqTracker::Start(const DlDciListElement_s& dci)
{
    auto it = m_ues.find(dci.m_rnti);
    NS_ASSERT_MSG(it != m_ues.end() && dci.m_harqProcess < PROCESSES, "no such UE or process");
    Process& p = it->second.processes[dci.m_harqProcess];
    NS_ASSERT_MSG(!p.busy, "HARQ process " << +dci.m_harqProcess << " of RNTI " << dci.m_rnti
                                           << " is busy");
    p = Process{true, false, 0, dci};
    it->second.last = dci.m_harqProcess;
}

void
DlHarqTracker::Feedback(const DlInfoListElement_s& info)
{
    auto it = m_ues.find(info.m_rnti);
    if (it == m_ues.end() || info.m_harqProcessId >= PROCESSES)
    {
        NS_LOG_WARN("feedback for unknown RNTI " << info.m_rnti << ", ignored");
        return;
    }
    Process& p = it->second.processes[info.m_harqProcessId];
    if (!p.busy || p.queued)
    {
        NS_LOG_WARN("feedback for idle HARQ process " << +info.m_harqProcessId << " of RNTI "
                                                      << info.m_rnti << ", ignored");
        return;
    }
    bool nack = false;
    DlDciListElement_s retx = p.dci;
    for (std::size_t layer = 0; layer < retx.m_tbsSize.size(); ++layer)
    {
        bool ack = layer >= info.m_harqStatus.size() ||
                   info.m_harqStatus[layer] == DlInfoListElement_s::ACK;
        retx.m_ndi[layer] = 0;
        if (ack)
        {
            retx.m_tbsSize[layer] = 0; // nothing to resend on this layer
        }
        else if (retx.m_tbsSize[layer] > 0)
        {
            nack = true;
            retx.m_rv[layer] += 1;
        }
    }
    bool exhausted = std::any_of(retx.m_rv.begin(), retx.m_rv.end(),
                                 [](uint8_t rv) { return rv > MAX_RV; });
    if (!nack || exhausted)
    {
        p = Process();
        return;
    }
    p.queued = true;
    m_pending.push_back(retx);
}

std::deque<DlDciListElement_s>&
DlHarqTracker::Pending()
{
    return m_pending;
}

void
DlHarqTracker::Restart(const DlDciListElement_s& dci)
{
    auto it = m_ues.find(dci.m_rnti);
    if (it == m_ues.end())
    {
        return;
    }
    Process& p = it->second.processes[dci.m_harqProcess];
    p.busy = true;
    p.queued = false;
    p.age = 0;
    p.dci = dci;
}

void
DlHarqTracker::Tick()
{
    for (auto& [rnti, ue] : m_ues)
    {
        for (uint8_t id = 0; id < PROCESSES; ++id)
        {
            Process& p = ue.processes[id];
            if (p.busy && !p.queued && ++p.age > TIMEOUT_TTIS)
            {
                NS_LOG_WARN("no feedback for HARQ process " << +id << " of RNTI " << rnti
                                                            << ", freed");
                p = Process();
            }
        }
    }
}

} // namespace ns3

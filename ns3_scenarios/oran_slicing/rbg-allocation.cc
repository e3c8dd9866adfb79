#include "rbg-allocation.h"

#include "ns3/log.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RbgAllocation");
NS_OBJECT_ENSURE_REGISTERED(RbgAllocation);

TypeId
RbgAllocation::GetTypeId()
{
    static TypeId tid = TypeId("ns3::RbgAllocation")
                            .SetParent<Object>()
                            .SetGroupName("RanGym")
                            .AddConstructor<RbgAllocation>();
    return tid;
}

void
RbgAllocation::SetOwners(uint16_t cellId, std::vector<uint16_t> rntiPerRbg)
{
    m_owners[cellId] = std::move(rntiPerRbg);
}

const std::vector<uint16_t>&
RbgAllocation::GetOwners(uint16_t cellId) const
{
    static const std::vector<uint16_t> none;
    auto it = m_owners.find(cellId);
    return it == m_owners.end() ? none : it->second;
}

void
RbgAllocation::RecordDci(uint16_t cellId, const DlDciListElement_s& dci)
{
    auto& use = m_use[cellId];
    for (uint32_t rbg = 0; rbg < 32; ++rbg)
    {
        if (!(dci.m_rbBitmap & (1U << rbg)))
        {
            continue;
        }
        if (use.size() <= rbg)
        {
            use.resize(rbg + 1, {0, 0});
        }
        ++use[rbg].first;
        use[rbg].second = dci.m_rnti;
    }
}

std::vector<std::pair<uint32_t, uint16_t>>
RbgAllocation::TakeUse(uint16_t cellId, uint32_t rbgs)
{
    std::vector<std::pair<uint32_t, uint16_t>> use(rbgs, {0, 0});
    auto& recorded = m_use[cellId];
    for (uint32_t g = 0; g < std::min<std::size_t>(rbgs, recorded.size()); ++g)
    {
        use[g] = recorded[g];
    }
    recorded.assign(recorded.size(), {0, 0});
    return use;
}

} // namespace ns3

#include "slicing-step.h"

#include "ns3/log.h"

#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RanGymSlicingStep");

namespace
{

bool
QosOk(const SlicingOptions& o, Slice slice, const UeStepStats& s)
{
    switch (slice)
    {
    case Slice::EMBB:
        return s.throughputMbps >= o.embbMinMbps;
    case Slice::URLLC:
        return s.throughputMbps >= o.urllcMinMbps && s.rxPackets > 0 &&
               s.meanDelayMs <= o.urllcMaxDelayMs;
    default:
        return s.rxBytes >= s.txBytes;
    }
}

template <typename T>
void
WriteArray(std::ostringstream& os, const char* key, const std::vector<T>& values)
{
    os << '"' << key << "\":[";
    for (std::size_t i = 0; i < values.size(); ++i)
    {
        os << (i ? "," : "") << +values[i];
    }
    os << ']';
}

template <typename F>
std::vector<double>
Column(const StepRecord& r, F field)
{
    std::vector<double> out;
    for (const auto& s : r.ue)
    {
        out.push_back(field(s));
    }
    return out;
}

} // namespace

void
EvaluateStep(const SlicingOptions& o, StepRecord& r)
{
    uint32_t n = r.ue.size();
    r.qosOk.assign(n, 0);
    std::array<uint32_t, SLICE_COUNT> members{};
    uint32_t failed = 0;
    r.sliceMbps = {};
    r.sliceQosShare = {};
    r.sliceQueueBytes = {};
    r.rateMbps = 0;
    for (uint32_t u = 0; u < n; ++u)
    {
        auto s = static_cast<uint32_t>(o.SliceOf(u));
        r.qosOk[u] = QosOk(o, o.SliceOf(u), r.ue[u]) ? 1 : 0;
        failed += 1 - r.qosOk[u];
        members[s] += 1;
        r.sliceMbps[s] += r.ue[u].throughputMbps;
        r.sliceQosShare[s] += r.qosOk[u];
        r.sliceQueueBytes[s] += r.ue[u].backlogBytes;
        r.rateMbps += r.ue[u].throughputMbps;
    }
    for (uint32_t s = 0; s < SLICE_COUNT; ++s)
    {
        r.sliceQosShare[s] = members[s] ? r.sliceQosShare[s] / members[s] : 1.0;
    }
    r.constraint = n ? double(n - failed) / n : 1.0;
    r.reward = o.thetaRate * r.rateMbps + o.thetaConst * r.constraint + o.thetaBias;
}

std::string
StepInfoJson(const SlicingOptions& o, const StepRecord& r)
{
    std::ostringstream os;
    os.precision(10);
    os << "{\"step\":" << r.step << ",\"time_s\":" << r.timeS << ",\"scheduler\":\""
       << o.scheduler << "\",\"reward_rate_mbps\":" << r.rateMbps
       << ",\"reward_constraint\":" << r.constraint << ",\"invalid_rbgs\":" << r.invalidRbgs
       << ",\"handovers\":" << r.handovers << ',';
    WriteArray(os, "association_mismatch", r.associationMismatch);
    os << ",\"ue\":{";
    std::vector<std::string> slices;
    std::vector<int32_t> sliceIndex;
    for (uint32_t u = 0; u < r.ue.size(); ++u)
    {
        sliceIndex.push_back(static_cast<int32_t>(o.SliceOf(u)));
    }
    WriteArray(os, "slice", sliceIndex);
    os << ',';
    WriteArray(os, "ru", r.ru);
    os << ',';
    WriteArray(os, "qos_ok", r.qosOk);
    os << ',';
    WriteArray(os, "throughput_mbps", Column(r, [](auto& s) { return s.throughputMbps; }));
    os << ',';
    WriteArray(os, "delay_ms", Column(r, [](auto& s) { return s.meanDelayMs; }));
    os << ',';
    WriteArray(os, "tx_bytes", Column(r, [](auto& s) { return double(s.txBytes); }));
    os << ',';
    WriteArray(os, "rx_bytes", Column(r, [](auto& s) { return double(s.rxBytes); }));
    os << ',';
    WriteArray(os, "tx_packets", Column(r, [](auto& s) { return double(s.txPackets); }));
    os << ',';
    WriteArray(os, "rx_packets", Column(r, [](auto& s) { return double(s.rxPackets); }));
    os << ',';
    WriteArray(os, "lost_packets", Column(r, [](auto& s) { return double(s.lostPackets); }));
    os << ',';
    WriteArray(os, "backlog_bytes", Column(r, [](auto& s) { return double(s.backlogBytes); }));
    os << ',';
    WriteArray(os, "power_level", r.powerLevel);
    os << ',';
    WriteArray(os, "rbg_ttis", r.rbgTtis);
    os << ',';
    WriteArray(os, "dl_dcis", r.dlDcis);
    os << "},\"slice\":{\"names\":[\"embb\",\"urllc\",\"mmtc\"],";
    WriteArray(os, "throughput_mbps", std::vector<double>(r.sliceMbps.begin(), r.sliceMbps.end()));
    os << ',';
    WriteArray(os, "qos_ok_share",
               std::vector<double>(r.sliceQosShare.begin(), r.sliceQosShare.end()));
    os << ',';
    WriteArray(os, "queue_bytes",
               std::vector<double>(r.sliceQueueBytes.begin(), r.sliceQueueBytes.end()));
    os << "}}";
    return os.str();
}

} // namespace ns3

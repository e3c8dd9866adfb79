#include "power-control-env.h"

#include "ns3/log.h"
#include "ns3/lte-enb-net-device.h"
#include "ns3/lte-enb-phy.h"
#include "ns3/mobility-model.h"
#include "ns3/node.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RanGymPowerControlEnv");

namespace
{
constexpr float GAIN_BOUND = 100.0F;
constexpr float RATE_BOUND = 100.0F;
constexpr double POWER_FLOOR_W = 1e-12; ///< a power of 0 is sent as this (-90 dBm)

template <typename T>
void
WriteArray(std::ostream& os, const std::string& key, const std::vector<T>& values)
{
    os << ",\"" << key << "\":[";
    for (std::size_t k = 0; k < values.size(); ++k)
    {
        os << (k ? "," : "");
        if (std::isfinite(double(values[k])))
        {
            os << values[k];
        }
        else
        {
            os << "null";
        }
    }
    os << ']';
}
} // namespace

PowerControlEnv::PowerControlEnv(const PowerControlSettings& settings,
                                 InterferenceChannel& channel,
                                 const NetDeviceContainer& enbDevices,
                                 const NetDeviceContainer& ueDevices,
                                 Ptr<MatrixPropagationLossModel> loss,
                                 Ptr<PairMonitor> monitor)
    : m_settings(settings),
      m_channel(channel),
      m_enbDevices(enbDevices),
      m_loss(loss),
      m_monitor(monitor),
      m_powersW(channel.GetN(), settings.pmaxW),
      m_nextPowersW(channel.GetN(), settings.pmaxW)
{
    for (uint32_t i = 0; i < channel.GetN(); ++i)
    {
        m_txMobility.push_back(enbDevices.Get(i)->GetNode()->GetObject<MobilityModel>());
        m_rxMobility.push_back(ueDevices.Get(i)->GetNode()->GetObject<MobilityModel>());
    }
}

void
PowerControlEnv::Attach(Ptr<GymInterface> gym)
{
    m_gym = gym;
    gym->SetGetObservationSpaceCb(MakeCallback(&PowerControlEnv::GetObservationSpace, this));
    gym->SetGetActionSpaceCb(MakeCallback(&PowerControlEnv::GetActionSpace, this));
    gym->SetGetObservationCb(MakeCallback(&PowerControlEnv::GetObservation, this));
    gym->SetGetRewardCb(MakeCallback(&PowerControlEnv::GetReward, this));
    gym->SetGetExtraInfoCb(MakeCallback(&PowerControlEnv::GetExtraInfo, this));
    gym->SetExecuteActionsCb(MakeCallback(&PowerControlEnv::ExecuteActions, this));
    ApplyChannel();
    ApplyPowers();
    Simulator::Schedule(m_settings.warmup, &PowerControlEnv::StepBoundary, this);
}

void
PowerControlEnv::StepBoundary()
{
    m_last = m_monitor->EndStep(m_step, m_powersW);
    uint32_t n = m_channel.GetN();
    m_fading.resize(n * n);
    for (uint32_t i = 0; i < n; ++i)
    {
        for (uint32_t j = 0; j < n; ++j)
        {
            m_fading[i * n + j] = m_channel.FadingPower(i, j);
        }
    }
    if (m_step == 0)
    {
        for (PairStepStats& s : m_last)
        {
            s.bits = 0;
            s.rateBpsHz = 0.0; // the warm-up includes the cell attach
        }
    }
    if (m_step == m_settings.maxSteps)
    {
        Simulator::Stop(); // the final state goes out from main
        return;
    }
    m_gym->Notify();
    if (m_gym->IsStopped())
    {
        return;
    }
    m_powersW = m_nextPowersW;
    m_channel.NextFading();
    ApplyChannel();
    ApplyPowers();
    ++m_step;
    Simulator::Schedule(m_settings.step, &PowerControlEnv::StepBoundary, this);
}

void
PowerControlEnv::ApplyChannel()
{
    uint32_t n = m_channel.GetN();
    for (uint32_t i = 0; i < n; ++i)
    {
        for (uint32_t j = 0; j < n; ++j)
        {
            m_loss->SetLoss(m_txMobility[j], m_rxMobility[i], m_channel.LossDb(i, j), false);
        }
    }
}

void
PowerControlEnv::ApplyPowers()
{
    for (uint32_t i = 0; i < m_enbDevices.GetN(); ++i)
    {
        double dbm = 10.0 * std::log10(std::max(m_powersW[i], POWER_FLOOR_W) * 1e3);
        DynamicCast<LteEnbNetDevice>(m_enbDevices.Get(i))->GetPhy()->SetTxPower(dbm);
    }
}

Ptr<GymSpace>
PowerControlEnv::GetObservationSpace()
{
    uint32_t n = m_channel.GetN();
    auto space = Create<GymDictSpace>();
    space->Add("gains", Create<GymBoxSpace>(-GAIN_BOUND, GAIN_BOUND, std::vector<uint32_t>{n, n},
                                            GymDtype::FLOAT));
    space->Add("rates",
               Create<GymBoxSpace>(0.0F, RATE_BOUND, std::vector<uint32_t>{n}, GymDtype::FLOAT));
    return space;
}

Ptr<GymSpace>
PowerControlEnv::GetActionSpace()
{
    return Create<GymBoxSpace>(0.0F, float(m_settings.pmaxW * 1e3),
                               std::vector<uint32_t>{m_channel.GetN()}, GymDtype::FLOAT);
}

Ptr<GymDataContainer>
PowerControlEnv::GetObservation()
{
    uint32_t n = m_channel.GetN();
    std::vector<float> gains(n * n);
    double scale = m_settings.pmaxW / m_settings.noiseW;
    for (uint32_t i = 0; i < n; ++i)
    {
        for (uint32_t j = 0; j < n; ++j)
        {
            double x = std::log10(m_channel.LongTermGain(i, j) * scale) / 4.0;
            gains[i * n + j] = std::clamp(float(x), -GAIN_BOUND, GAIN_BOUND);
        }
    }
    std::vector<float> rates;
    for (const PairStepStats& s : m_last)
    {
        rates.push_back(std::clamp(float(s.rateBpsHz), 0.0F, RATE_BOUND));
    }
    auto obs = Create<GymDictContainer>();
    obs->Add("gains", Create<GymBoxContainer<float>>(std::vector<uint32_t>{n, n}, gains));
    obs->Add("rates", Create<GymBoxContainer<float>>(std::vector<uint32_t>{n}, rates));
    return obs;
}

float
PowerControlEnv::GetReward()
{
    double sum = 0.0;
    for (const PairStepStats& s : m_last)
    {
        sum += s.rateBpsHz;
    }
    return float(sum / std::max<std::size_t>(m_last.size(), 1));
}

std::string
PowerControlEnv::GetExtraInfo()
{
    std::vector<double> rates;
    std::vector<double> sinr;
    std::vector<double> powers;
    std::vector<uint64_t> bits;
    for (const PairStepStats& s : m_last)
    {
        rates.push_back(s.rateBpsHz);
        sinr.push_back(s.sinrDb);
        powers.push_back(s.powerW);
        bits.push_back(s.bits);
    }
    std::ostringstream os;
    os.precision(12);
    os << "{\"step\":" << m_step;
    WriteArray(os, "rates", rates);
    WriteArray(os, "bits", bits);
    WriteArray(os, "sinr_db", sinr);
    WriteArray(os, "power_w", powers);
    WriteArray(os, "fading", m_fading);
    if (m_step == 0)
    {
        WriteStaticInfo(os);
    }
    os << '}';
    return os.str();
}

void
PowerControlEnv::WriteStaticInfo(std::ostream& os) const
{
    uint32_t n = m_channel.GetN();
    std::vector<double> gains;
    std::vector<double> txXy;
    std::vector<double> rxXy;
    for (uint32_t i = 0; i < n; ++i)
    {
        for (uint32_t j = 0; j < n; ++j)
        {
            gains.push_back(m_channel.LongTermGain(i, j));
        }
        txXy.insert(txXy.end(), {m_channel.GetTxPositions()[i].x, m_channel.GetTxPositions()[i].y});
        rxXy.insert(rxXy.end(), {m_channel.GetRxPositions()[i].x, m_channel.GetRxPositions()[i].y});
    }
    WriteArray(os, "gains", gains);
    WriteArray(os, "tx_xy", txXy);
    WriteArray(os, "rx_xy", rxXy);
    os << ",\"noise_w\":" << m_settings.noiseW << ",\"pmax_w\":" << m_settings.pmaxW
       << ",\"bandwidth_hz\":" << m_settings.bandwidthHz
       << ",\"fading_correlation\":" << m_channel.GetFadingCorrelation();
}

bool
PowerControlEnv::ExecuteActions(Ptr<GymDataContainer> action)
{
    auto box = DynamicCast<GymBoxContainer<float>>(action);
    if (!box || box->GetData().size() != m_channel.GetN())
    {
        return false;
    }
    double pmaxMw = m_settings.pmaxW * 1e3;
    for (uint32_t i = 0; i < m_channel.GetN(); ++i)
    {
        double mw = box->GetValue(i);
        if (!std::isfinite(mw) || mw < 0.0 || mw > pmaxMw * (1 + 1e-6))
        {
            NS_LOG_ERROR("power " << mw << " mW of pair " << i << " outside [0, " << pmaxMw << "]");
            return false;
        }
        m_nextPowersW[i] = std::min(mw, pmaxMw) / 1e3;
    }
    return true;
}

} // namespace ns3

#include "interference-channel.h"

#include "gym-socket.h"

#include "ns3/log.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RanGymInterferenceChannel");

namespace
{
constexpr int64_t UNIFORM_STREAM = 1000; ///< explicit streams: independent of LTE's draws
constexpr int64_t NORMAL_STREAM = 1001;
constexpr double SPEED_OF_LIGHT = 299792458.0;
} // namespace

double
DualSlopePathLossDb(double distanceM)
{
    double d = std::max(distanceM, 1.0);
    return d <= 100.0 ? 39.0 + 20.0 * std::log10(d) : 39.0 + 40.0 * std::log10(d) - 40.0;
}

InterferenceChannel::InterferenceChannel(const ChannelOptions& options)
    : m_options(options)
{
    uint32_t n = options.pairs;
    m_uniform = CreateObject<UniformRandomVariable>();
    m_uniform->SetStream(UNIFORM_STREAM);
    m_normal = CreateObject<NormalRandomVariable>();
    m_normal->SetStream(NORMAL_STREAM);
    DropTransmitters();
    DropReceivers();
    DrawShadowing();
    double dopplerHz = options.speedMps * options.carrierGhz * 1e9 / SPEED_OF_LIGHT;
    m_rho = std::cyl_bessel_j(0.0, 2.0 * M_PI * dopplerHz * options.stepS);
    m_fadingRe.resize(n * n);
    m_fadingIm.resize(n * n);
    for (uint32_t k = 0; k < n * n; ++k)
    {
        m_fadingRe[k] = m_normal->GetValue() / std::sqrt(2.0);
        m_fadingIm[k] = m_normal->GetValue() / std::sqrt(2.0);
    }
    NS_LOG_INFO("dropped " << n << " pairs; fading correlation " << m_rho);
}

void
InterferenceChannel::DropTransmitters()
{
    double side = 1000.0 * std::sqrt(m_options.pairs / m_options.densityPerKm2);
    double minSq = m_options.minTxDistM * m_options.minTxDistM;
    for (uint32_t i = 0; i < m_options.pairs; ++i)
    {
        bool placed = false;
        for (uint32_t t = 0; t < m_options.dropTries && !placed; ++t)
        {
            Vector p(m_uniform->GetValue(0, side), m_uniform->GetValue(0, side), 0);
            placed = std::all_of(m_tx.begin(), m_tx.end(), [&](const Vector& q) {
                return (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y) >= minSq;
            });
            if (placed)
            {
                m_tx.push_back(p);
            }
        }
        if (!placed)
        {
            std::ostringstream os;
            os << "impossible drop: transmitter " << i << " of " << m_options.pairs
               << " found no place at >= " << m_options.minTxDistM << " m from the others in a "
               << side << " m square after " << m_options.dropTries
               << " tries; lower --density or --minTxDistM";
            GymExit(GYM_EXIT_CONFIG, os.str());
        }
    }
}

void
InterferenceChannel::DropReceivers()
{
    for (const Vector& tx : m_tx)
    {
        double d = m_uniform->GetValue(m_options.minRxDistM, m_options.maxRxDistM);
        double a = m_uniform->GetValue(0, 2.0 * M_PI);
        m_rx.emplace_back(tx.x + d * std::cos(a), tx.y + d * std::sin(a), 0);
    }
}

void
InterferenceChannel::DrawShadowing()
{
    uint32_t n = m_options.pairs;
    m_longTermLossDb.resize(n * n);
    for (uint32_t i = 0; i < n; ++i)
    {
        for (uint32_t j = 0; j < n; ++j)
        {
            double shadow = m_options.shadowingDb * m_normal->GetValue();
            m_longTermLossDb[i * n + j] =
                DualSlopePathLossDb(CalculateDistance(m_rx[i], m_tx[j])) + shadow;
        }
    }
}

void
InterferenceChannel::NextFading()
{
    double innovation = std::sqrt(std::max(0.0, 1.0 - m_rho * m_rho) / 2.0);
    for (std::size_t k = 0; k < m_fadingRe.size(); ++k)
    {
        m_fadingRe[k] = m_rho * m_fadingRe[k] + innovation * m_normal->GetValue();
        m_fadingIm[k] = m_rho * m_fadingIm[k] + innovation * m_normal->GetValue();
    }
}

uint32_t
InterferenceChannel::GetN() const
{
    return m_options.pairs;
}

const std::vector<Vector>&
InterferenceChannel::GetTxPositions() const
{
    return m_tx;
}

const std::vector<Vector>&
InterferenceChannel::GetRxPositions() const
{
    return m_rx;
}

double
InterferenceChannel::LongTermGain(uint32_t rx, uint32_t tx) const
{
    return std::pow(10.0, -m_longTermLossDb[rx * m_options.pairs + tx] / 10.0);
}

double
InterferenceChannel::FadingPower(uint32_t rx, uint32_t tx) const
{
    std::size_t k = rx * m_options.pairs + tx;
    return m_fadingRe[k] * m_fadingRe[k] + m_fadingIm[k] * m_fadingIm[k];
}

double
InterferenceChannel::LossDb(uint32_t rx, uint32_t tx) const
{
    double fading = std::max(FadingPower(rx, tx), 1e-30);
    return m_longTermLossDb[rx * m_options.pairs + tx] - 10.0 * std::log10(fading);
}

double
InterferenceChannel::GetFadingCorrelation() const
{
    return m_rho;
}

} // namespace ns3

// The channel of the interference scenario: a random drop of N Tx-Rx pairs, the
// long-term gains (dual-slope path loss + log-normal shadowing) and Rayleigh fading
// that evolves from step to step. Everything is drawn from ns-3 random variables, so
// that --simSeed (RngRun) fixes the drop, the shadowing and every fading sample.
//
// Gains are indexed [rx][tx]: G[i][j] is the power gain from transmitter j to
// receiver i, so G[i][i] is pair i's own link.
#ifndef RAN_GYM_INTERFERENCE_CHANNEL_H
#define RAN_GYM_INTERFERENCE_CHANNEL_H

#include "ns3/random-variable-stream.h"
#include "ns3/vector.h"

#include <cstdint>
#include <vector>

namespace ns3
{

/// Geometry and propagation parameters of one network family.
struct ChannelOptions
{
    uint32_t pairs{8};         ///< number of Tx-Rx pairs, >= 1
    double densityPerKm2{8.0}; ///< pairs per km^2; the square's side is sqrt(pairs/density)
    double minRxDistM{10.0};   ///< smallest Tx-Rx distance of a pair [m]
    double maxRxDistM{50.0};   ///< largest Tx-Rx distance of a pair [m]
    double minTxDistM{35.0};   ///< smallest distance between two transmitters [m]
    double shadowingDb{7.0};   ///< standard deviation of the log-normal shadowing [dB]
    double carrierGhz{2.4};    ///< carrier frequency, for the Doppler spread [GHz]
    double speedMps{1.0};      ///< receiver speed, for the Doppler spread [m/s]
    double stepS{0.01};        ///< time between two fading samples [s]
    uint32_t dropTries{1000};  ///< placement attempts per transmitter before giving up
};

/// Dual-slope path loss [dB]: 39 + 20 log10 d up to 100 m, 39 + 40 log10 d - 40 beyond;
/// d is clamped to >= 1 m.
double DualSlopePathLossDb(double distanceM);

class InterferenceChannel
{
  public:
    /// Drops the network; exits with a configuration error when no placement meets the
    /// distance rules within options.dropTries attempts per transmitter.
    explicit InterferenceChannel(const ChannelOptions& options);

    uint32_t GetN() const;
    const std::vector<Vector>& GetTxPositions() const;
    const std::vector<Vector>& GetRxPositions() const;
    /// Long-term gain (path loss and shadowing) from tx to rx, linear.
    double LongTermGain(uint32_t rx, uint32_t tx) const;
    /// Fading power |h|^2 of the current step (mean 1).
    double FadingPower(uint32_t rx, uint32_t tx) const;
    /// Loss of the current step from tx to rx [dB], fading included.
    double LossDb(uint32_t rx, uint32_t tx) const;
    /// Correlation of the fading between consecutive steps, J0(2 pi f_D T).
    double GetFadingCorrelation() const;
    /// Moves the fading one step on (first-order Gauss-Markov, Rayleigh marginals).
    void NextFading();

  private:
    void DropTransmitters();
    void DropReceivers();
    void DrawShadowing();

    ChannelOptions m_options;
    std::vector<Vector> m_tx;
    std::vector<Vector> m_rx;
    std::vector<double> m_longTermLossDb; ///< [rx * N + tx]
    std::vector<double> m_fadingRe;       ///< real part of h, [rx * N + tx]
    std::vector<double> m_fadingIm;       ///< imaginary part of h
    double m_rho{0};
    Ptr<UniformRandomVariable> m_uniform;
    Ptr<NormalRandomVariable> m_normal;
};

} // namespace ns3

#endif // RAN_GYM_INTERFERENCE_CHANNEL_H

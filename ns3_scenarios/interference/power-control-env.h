// The gym side of the interference scenario: at each step boundary it closes the step's
// measurements, notifies the agent, then applies the agent's powers and the next
// fading sample to the LTE downlink for the step that starts.
#ifndef RAN_GYM_POWER_CONTROL_ENV_H
#define RAN_GYM_POWER_CONTROL_ENV_H

#include "interference-channel.h"
#include "pair-monitor.h"

#include "gym-interface.h"

#include "ns3/mobility-model.h"
#include "ns3/net-device-container.h"
#include "ns3/nstime.h"
#include "ns3/propagation-loss-model.h"

#include <string>
#include <vector>

namespace ns3
{

/// What the env needs to know of the scenario's options.
struct PowerControlSettings
{
    double pmaxW;      ///< largest transmit power [W]
    double noiseW;     ///< receiver noise power over the bandwidth [W]
    double bandwidthHz; ///< channel bandwidth [Hz]
    Time step;         ///< step length
    Time warmup;       ///< full-power time before state 0
    uint32_t maxSteps; ///< actions per episode
};

class PowerControlEnv
{
  public:
    PowerControlEnv(const PowerControlSettings& settings,
                    InterferenceChannel& channel,
                    const NetDeviceContainer& enbDevices,
                    const NetDeviceContainer& ueDevices,
                    Ptr<MatrixPropagationLossModel> loss,
                    Ptr<PairMonitor> monitor);

    /// Sets the gym callbacks, applies full power and the first fading sample, and
    /// schedules state 0 after the warm-up.
    void Attach(Ptr<GymInterface> gym);

  private:
    void StepBoundary();
    void ApplyChannel();
    void ApplyPowers();
    Ptr<GymSpace> GetObservationSpace();
    Ptr<GymSpace> GetActionSpace();
    Ptr<GymDataContainer> GetObservation();
    float GetReward();
    std::string GetExtraInfo();
    bool ExecuteActions(Ptr<GymDataContainer> action);
    void WriteStaticInfo(std::ostream& os) const;

    PowerControlSettings m_settings;
    InterferenceChannel& m_channel;
    NetDeviceContainer m_enbDevices;
    std::vector<Ptr<MobilityModel>> m_txMobility; ///< by pair
    std::vector<Ptr<MobilityModel>> m_rxMobility; ///< by pair
    Ptr<MatrixPropagationLossModel> m_loss;
    Ptr<PairMonitor> m_monitor;
    Ptr<GymInterface> m_gym;
    std::vector<double> m_powersW;     ///< in effect during the current step
    std::vector<double> m_nextPowersW; ///< the agent's last action
    std::vector<double> m_fading;      ///< |h|^2 during the step just ended, rx-major
    std::vector<PairStepStats> m_last;
    uint32_t m_step{0};
};

} // namespace ns3

#endif // RAN_GYM_POWER_CONTROL_ENV_H

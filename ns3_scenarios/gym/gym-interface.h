// The ns-3 end of an ns3-gym session: a ZeroMQ REQ socket that connects to the
// agent (REP, which binds) and speaks the ns3opengym protocol:
//
//   SimInitMsg  -> SimInitAck     once, on the first Notify
//   EnvStateMsg -> EnvActMsg      on every Notify, and once more at the end
//
// The scenario supplies spaces, observation, reward, game over, extra info and the
// action handler as callbacks. Failures of the session end the program with a one-line
// message on stderr, prefixed "ran-gym:", and one of the GymExitStatus values.
#ifndef RAN_GYM_INTERFACE_H
#define RAN_GYM_INTERFACE_H

#include "gym-container.h"
#include "gym-socket.h"
#include "gym-space.h"

#include "ns3/callback.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/object.h"

#include <memory>
#include <string>

namespace google::protobuf
{
class Message;
}

namespace ns3
{

class GymInterface : public Object
{
  public:
    static TypeId GetTypeId();
    GymInterface();
    ~GymInterface() override;

    void SetGetObservationSpaceCb(Callback<Ptr<GymSpace>> cb);
    void SetGetActionSpaceCb(Callback<Ptr<GymSpace>> cb);
    void SetGetObservationCb(Callback<Ptr<GymDataContainer>> cb);
    /// Defaults to a reward of 0.
    void SetGetRewardCb(Callback<float> cb);
    /// Defaults to never game over.
    void SetGetGameOverCb(Callback<bool> cb);
    /// Defaults to an empty string.
    void SetGetExtraInfoCb(Callback<std::string> cb);
    /// Receives each action, already checked against the action space; returns false
    /// when the scenario cannot take it (the program then exits with GYM_EXIT_PROTOCOL).
    void SetExecuteActionsCb(Callback<bool, Ptr<GymDataContainer>> cb);

    /**
     * Sends the current state and applies the agent's answer: an action, or a stop
     * request (Simulator::Stop, and every later Notify does nothing). The first call
     * also performs the init handshake. A game-over state always stops the simulation.
     * Call it from within Simulator::Run.
     */
    void Notify();
    /// Sends the final state (game over, reason SimulationEnd) after Simulator::Run
    /// returns, unless the session already stopped.
    void NotifySimulationEnd();
    /// Calls Notify at first and then every period until the session stops.
    void ScheduleNotify(Time first, Time period);
    /// True once the agent asked to stop, a game over was sent, or the session ended.
    bool IsStopped() const;

  protected:
    void DoDispose() override;

  private:
    void EnsureInitialized();
    /// Sends an EnvStateMsg and returns the agent's reply, still serialized.
    std::string ExchangeState(bool gameOver, bool simulationEnd);
    void ApplyReply(const std::string& bytes, bool gameOver);
    void PeriodicNotify();
    void Stop();
    /// Sends request and returns the reply, still serialized; waitingFor names the reply.
    std::string Exchange(const google::protobuf::Message& request, const std::string& waitingFor);
    /// Closes the session, then GymExit.
    [[noreturn]] void Fail(GymExitStatus status, const std::string& message);

    std::string m_endpoint; ///< ZeroMQ endpoint of the agent
    Time m_timeout;         ///< how long to wait for each reply, 0 = forever
    Time m_period;          ///< period of ScheduleNotify
    EventId m_notifyEvent;
    bool m_initialized{false};
    bool m_stopped{false};
    Ptr<GymSpace> m_actionSpace;

    Callback<Ptr<GymSpace>> m_obsSpaceCb;
    Callback<Ptr<GymSpace>> m_actSpaceCb;
    Callback<Ptr<GymDataContainer>> m_obsCb;
    Callback<float> m_rewardCb;
    Callback<bool> m_gameOverCb;
    Callback<std::string> m_extraInfoCb;
    Callback<bool, Ptr<GymDataContainer>> m_executeCb;

    std::unique_ptr<GymSocket> m_socket; ///< open from the first Notify until the end
};

} // namespace ns3

#endif // RAN_GYM_INTERFACE_H

#include "gym-interface.h"

#include "gym-wire.h"

#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/string.h"

#include <unistd.h>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("GymInterface");
NS_OBJECT_ENSURE_REGISTERED(GymInterface);

TypeId
GymInterface::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::GymInterface")
            .SetParent<Object>()
            .SetGroupName("Gym")
            .AddConstructor<GymInterface>()
            .AddAttribute("Endpoint",
                          "ZeroMQ endpoint where the agent's REP socket is bound: "
                          "ipc://PATH or tcp://HOST:PORT.",
                          StringValue("tcp://127.0.0.1:5555"),
                          MakeStringAccessor(&GymInterface::m_endpoint),
                          MakeStringChecker())
            .AddAttribute("Timeout",
                          "How long to wait for each reply of the agent [s], >= 0; "
                          "0 waits forever. Without a reply the program exits with status 3.",
                          TimeValue(Seconds(60)),
                          MakeTimeAccessor(&GymInterface::m_timeout),
                          MakeTimeChecker(Seconds(0)));
    return tid;
}

GymInterface::GymInterface()
{
    NS_LOG_FUNCTION(this);
}

GymInterface::~GymInterface() = default;

void
GymInterface::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_notifyEvent.Cancel();
    m_socket.reset();
    m_actionSpace = nullptr;
    Object::DoDispose();
}

void
GymInterface::SetGetObservationSpaceCb(Callback<Ptr<GymSpace>> cb)
{
    m_obsSpaceCb = cb;
}

void
GymInterface::SetGetActionSpaceCb(Callback<Ptr<GymSpace>> cb)
{
    m_actSpaceCb = cb;
}

void
GymInterface::SetGetObservationCb(Callback<Ptr<GymDataContainer>> cb)
{
    m_obsCb = cb;
}

void
GymInterface::SetGetRewardCb(Callback<float> cb)
{
    m_rewardCb = cb;
}

void
GymInterface::SetGetGameOverCb(Callback<bool> cb)
{
    m_gameOverCb = cb;
}

void
GymInterface::SetGetExtraInfoCb(Callback<std::string> cb)
{
    m_extraInfoCb = cb;
}

void
GymInterface::SetExecuteActionsCb(Callback<bool, Ptr<GymDataContainer>> cb)
{
    m_executeCb = cb;
}

bool
GymInterface::IsStopped() const
{
    return m_stopped;
}

void
GymInterface::ScheduleNotify(Time first, Time period)
{
    NS_ABORT_MSG_IF(!period.IsStrictlyPositive(), "ScheduleNotify needs a positive period");
    m_period = period;
    m_notifyEvent.Cancel();
    m_notifyEvent = Simulator::Schedule(first, &GymInterface::PeriodicNotify, this);
}

void
GymInterface::PeriodicNotify()
{
    Notify();
    if (!m_stopped)
    {
        m_notifyEvent = Simulator::Schedule(m_period, &GymInterface::PeriodicNotify, this);
    }
}

void
GymInterface::Notify()
{
    NS_LOG_FUNCTION(this);
    EnsureInitialized();
    if (m_stopped)
    {
        return;
    }
    bool gameOver = !m_gameOverCb.IsNull() && m_gameOverCb();
    ApplyReply(ExchangeState(gameOver, false), gameOver);
}

void
GymInterface::NotifySimulationEnd()
{
    NS_LOG_FUNCTION(this);
    EnsureInitialized();
    if (m_stopped)
    {
        return;
    }
    ns3opengym::EnvActMsg reply;
    std::string bytes = ExchangeState(true, true);
    if (!GymParseStrict(reply, bytes))
    {
        Fail(GYM_EXIT_PROTOCOL,
             "could not parse the agent's last reply as EnvActMsg (" +
                 std::to_string(bytes.size()) + " bytes)");
    }
    m_stopped = true;
    m_notifyEvent.Cancel();
    m_socket.reset();
}

void
GymInterface::EnsureInitialized()
{
    if (m_initialized || m_stopped)
    {
        return;
    }
    m_initialized = true;
    NS_ABORT_MSG_IF(m_obsSpaceCb.IsNull() || m_actSpaceCb.IsNull() || m_obsCb.IsNull(),
                    "GymInterface needs observation space, action space and observation "
                    "callbacks before the first Notify");
    m_actionSpace = m_actSpaceCb();
    Ptr<GymSpace> obsSpace = m_obsSpaceCb();
    NS_ABORT_MSG_IF(!m_actionSpace || !obsSpace, "a space callback returned null");
    m_socket = std::make_unique<GymSocket>(m_endpoint, m_timeout);
    m_socket->Connect();

    ns3opengym::SimInitMsg init;
    init.set_simprocessid(static_cast<uint64_t>(getpid()));
    init.set_wafshellprocessid(static_cast<uint64_t>(getppid()));
    obsSpace->Serialize(*init.mutable_obsspace());
    m_actionSpace->Serialize(*init.mutable_actspace());
    std::string bytes = Exchange(init, "SimInitAck");

    ns3opengym::SimInitAck ack;
    if (!GymParseStrict(ack, bytes))
    {
        Fail(GYM_EXIT_PROTOCOL,
             "could not parse the agent's reply as SimInitAck (" + std::to_string(bytes.size()) +
                 " bytes)");
    }
    if (ack.stopsimreq())
    {
        NS_LOG_INFO("the agent asked to stop at init");
        Stop();
    }
}

std::string
GymInterface::ExchangeState(bool gameOver, bool simulationEnd)
{
    ns3opengym::EnvStateMsg state;
    Ptr<GymDataContainer> obs = m_obsCb();
    NS_ABORT_MSG_IF(!obs, "the observation callback returned null");
    obs->Serialize(*state.mutable_obsdata());
    state.set_reward(m_rewardCb.IsNull() ? 0.0F : m_rewardCb());
    state.set_isgameover(gameOver);
    if (gameOver && !simulationEnd)
    {
        state.set_reason(ns3opengym::EnvStateMsg::GameOver);
    }
    state.set_info(m_extraInfoCb.IsNull() ? std::string() : m_extraInfoCb());
    return Exchange(state, simulationEnd ? "the reply to the final state" : "EnvActMsg");
}

void
GymInterface::ApplyReply(const std::string& bytes, bool gameOver)
{
    ns3opengym::EnvActMsg reply;
    if (!GymParseStrict(reply, bytes))
    {
        Fail(GYM_EXIT_PROTOCOL,
             "could not parse the agent's reply as EnvActMsg (" + std::to_string(bytes.size()) +
                 " bytes)");
    }
    if (reply.stopsimreq() || gameOver)
    {
        NS_LOG_INFO("stopping: " << (reply.stopsimreq() ? "the agent asked to" : "game over"));
        Stop();
        return;
    }
    if (!reply.has_actdata())
    {
        return;
    }
    std::string error;
    Ptr<GymDataContainer> action = m_actionSpace->Parse(reply.actdata(), "action", error);
    if (!action)
    {
        Fail(GYM_EXIT_PROTOCOL, "invalid action from the agent: " + error);
    }
    if (!m_executeCb.IsNull() && !m_executeCb(action))
    {
        Fail(GYM_EXIT_PROTOCOL, "the scenario rejected the agent's action");
    }
}

std::string
GymInterface::Exchange(const google::protobuf::Message& request, const std::string& waitingFor)
{
    return m_socket->Exchange(request.SerializeAsString(), waitingFor);
}

void
GymInterface::Stop()
{
    m_stopped = true;
    m_notifyEvent.Cancel();
    m_socket.reset();
    Simulator::Stop();
}

void
GymInterface::Fail(GymExitStatus status, const std::string& message)
{
    m_socket.reset();
    GymExit(status, message);
}

} // namespace ns3

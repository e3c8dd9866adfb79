#include "gym-socket.h"

#include "ns3/log.h"

#include <zmq.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("GymSocket");

namespace
{

/// Largest reply accepted from the agent [bytes]; a larger one drops the connection.
constexpr int64_t MAX_REPLY_BYTES = int64_t{64} << 20;

/// ZeroMQ send/receive timeout [ms] for a Time; -1 waits forever.
int
TimeoutMs(Time timeout)
{
    if (timeout.IsZero())
    {
        return -1;
    }
    double ms = std::ceil(timeout.GetSeconds() * 1e3);
    return static_cast<int>(std::clamp(ms, 1.0, double(std::numeric_limits<int>::max())));
}

} // namespace

void
GymExit(GymExitStatus status, const std::string& message)
{
    std::cout.flush();
    std::clog.flush();
    std::cerr << "ran-gym: " << message << std::endl;
    std::fflush(nullptr);
    std::_Exit(status);
}

GymSocket::GymSocket(std::string endpoint, Time timeout)
    : m_endpoint(std::move(endpoint)),
      m_timeout(timeout)
{
}

GymSocket::~GymSocket()
{
    Close();
}

void
GymSocket::Connect()
{
    if (m_timeout.IsStrictlyNegative())
    {
        Fail(GYM_EXIT_CONFIG, "negative gym timeout");
    }
    try
    {
        m_context = std::make_unique<zmq::context_t>(1);
        m_socket = std::make_unique<zmq::socket_t>(*m_context, zmq::socket_type::req);
        m_socket->set(zmq::sockopt::linger, 0);
        m_socket->set(zmq::sockopt::rcvtimeo, TimeoutMs(m_timeout));
        m_socket->set(zmq::sockopt::sndtimeo, TimeoutMs(m_timeout));
        m_socket->set(zmq::sockopt::maxmsgsize, MAX_REPLY_BYTES);
        m_socket->connect(m_endpoint);
    }
    catch (const zmq::error_t& e)
    {
        Fail(GYM_EXIT_CONFIG, "cannot connect to the agent at '" + m_endpoint + "': " + e.what());
    }
    NS_LOG_INFO("connected to " << m_endpoint);
}

std::string
GymSocket::Exchange(const std::string& request, const std::string& waitingFor)
{
    NS_ABORT_MSG_UNLESS(m_socket, "GymSocket::Exchange on a closed socket");
    std::ostringstream within;
    within << " within " << m_timeout.GetSeconds() << " s";
    try
    {
        if (!m_socket->send(zmq::buffer(request), zmq::send_flags::none))
        {
            Fail(GYM_EXIT_TIMEOUT, "could not send to the agent at " + m_endpoint + within.str());
        }
        zmq::message_t reply;
        if (!m_socket->recv(reply, zmq::recv_flags::none))
        {
            Fail(GYM_EXIT_TIMEOUT,
                 "no reply from the agent at " + m_endpoint + within.str() +
                     " while waiting for " + waitingFor);
        }
        if (reply.more())
        {
            Fail(GYM_EXIT_PROTOCOL,
                 "the agent's reply (" + waitingFor + ") has more than one frame");
        }
        NS_LOG_LOGIC("sent " << request.size() << " bytes, received " << reply.size());
        return reply.to_string();
    }
    catch (const zmq::error_t& e)
    {
        Fail(GYM_EXIT_TIMEOUT,
             "ZeroMQ error with the agent at " + m_endpoint + " while waiting for " + waitingFor +
                 ": " + e.what());
    }
}

void
GymSocket::Close()
{
    if (m_socket)
    {
        m_socket->close();
        m_socket.reset();
    }
    if (m_context)
    {
        m_context->close();
        m_context.reset();
    }
}

void
GymSocket::Fail(GymExitStatus status, const std::string& message)
{
    Close();
    GymExit(status, message);
}

} // namespace ns3

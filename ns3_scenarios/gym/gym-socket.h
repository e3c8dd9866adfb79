// The transport of a gym session: a ZeroMQ REQ socket that connects to the agent's
// REP socket (the agent binds) and trades one request for one single-frame reply.
// Replies over 64 MiB make ZeroMQ drop the connection, so they count as no reply.
// Also the exit statuses with which a program ends when its session fails.
#ifndef RAN_GYM_SOCKET_H
#define RAN_GYM_SOCKET_H

#include "ns3/nstime.h"

#include <memory>
#include <string>

namespace zmq
{
class context_t;
class socket_t;
} // namespace zmq

namespace ns3
{

/// Exit statuses of a program whose gym session fails.
enum GymExitStatus : int
{
    GYM_EXIT_OK = 0,       ///< normal end, or the agent asked to stop
    GYM_EXIT_CONFIG = 2,   ///< bad endpoint or option, output file not writable
    GYM_EXIT_TIMEOUT = 3,  ///< no reply from the agent in time, or the transport failed
    GYM_EXIT_PROTOCOL = 4, ///< unreadable reply, or an action the scenario cannot take
};

/// Prints "ran-gym: <message>" on stderr and exits with status at once (no static
/// destructors: the simulator may be in the middle of an event).
[[noreturn]] void GymExit(GymExitStatus status, const std::string& message);

class GymSocket
{
  public:
    /**
     * \param endpoint ipc://PATH or tcp://HOST:PORT of the agent
     * \param timeout how long to wait for each reply; zero waits forever
     */
    GymSocket(std::string endpoint, Time timeout);
    ~GymSocket();
    GymSocket(const GymSocket&) = delete;
    GymSocket& operator=(const GymSocket&) = delete;

    /// Connects; exits with GYM_EXIT_CONFIG when ZeroMQ refuses the endpoint.
    void Connect();
    /**
     * Sends request and returns the reply. Exits with GYM_EXIT_TIMEOUT when no reply
     * comes in time, GYM_EXIT_PROTOCOL when it has more than one frame.
     * \param waitingFor what the reply should be, for the messages
     */
    std::string Exchange(const std::string& request, const std::string& waitingFor);
    /// Closes the socket and its ZeroMQ context; later calls do nothing.
    void Close();
    /// Closes, then GymExit.
    [[noreturn]] void Fail(GymExitStatus status, const std::string& message);

  private:
    std::string m_endpoint;
    Time m_timeout;
    std::unique_ptr<zmq::context_t> m_context; ///< one ZeroMQ context per session
    std::unique_ptr<zmq::socket_t> m_socket;
};

} // namespace ns3

#endif // RAN_GYM_SOCKET_H

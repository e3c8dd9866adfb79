// ran-gym-launcher: starts scenario programs on request, for an agent that runs in
// another container on the same machine (the docker compose co-simulation).
// It listens only on this machine (ipc://, or tcp:// on a loopback address): it does not
// authenticate its peers, and whoever reaches it can start programs. Simulators on other
// hosts run as Ray actors (ran-gym train/collect --rollouts ray), whose cluster
// authenticates its peers (Ray's token authentication).
//
// It answers on a ZeroMQ REP socket. Requests and replies are multipart messages of
// UTF-8 frames:
//   ping                      -> pong
//   start PROGRAM ARG...      -> ok ID            | error MESSAGE
//   poll ID                   -> running          | exited STATUS | error MESSAGE
//   stop ID                   -> exited STATUS    | error MESSAGE
//   log ID LINES              -> ok TEXT          | error MESSAGE
// PROGRAM is the name of a program in --binDir (no path): nothing else can be run.
// STATUS is the exit status, or minus the signal that ended the program. Each program
// runs in its own session with its output in --logDir/ID.log; stop sends SIGTERM to
// its process group and SIGKILL after --graceS seconds. On SIGTERM or SIGINT the
// launcher stops every program it started and exits.

#include <zmq.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace
{

volatile std::sig_atomic_t g_quit = 0;

void
OnSignal(int)
{
    g_quit = 1;
}

struct Options
{
    std::string endpoint{"ipc:///run/ran-gym/launcher.sock"};
    std::string binDir{"/usr/local/bin"};
    std::string logDir{"/tmp/ran-gym-launcher"};
    double graceS{2.0};
};

/// Whether a tcp:// endpoint binds beyond loopback (ipc:// never does). Anyone who can
/// reach the launcher can start programs, so that is refused.
bool
IsRemote(const std::string& endpoint)
{
    const std::string tcp = "tcp://";
    if (endpoint.rfind(tcp, 0) != 0)
    {
        return false;
    }
    std::string host = endpoint.substr(tcp.size(), endpoint.rfind(':') - tcp.size());
    return !(host.rfind("127.", 0) == 0 || host == "localhost" || host == "[::1]" ||
             host == "::1");
}

struct Child
{
    pid_t pid{-1};
    bool exited{false};
    int status{0}; ///< exit status, or minus the signal
};

using Reply = std::vector<std::string>;

class Launcher
{
  public:
    explicit Launcher(Options options)
        : m_options(std::move(options))
    {
        ::mkdir(m_options.logDir.c_str(), 0755);
    }

    Reply Handle(const std::vector<std::string>& request)
    {
        Reap();
        const std::string& verb = request.empty() ? std::string() : request[0];
        if (verb == "ping")
        {
            return {"pong"};
        }
        if (verb == "start" && request.size() >= 2)
        {
            return Start(request);
        }
        if ((verb == "poll" || verb == "stop" || verb == "log") && request.size() >= 2)
        {
            auto it = m_children.find(request[1]);
            if (it == m_children.end())
            {
                return {"error", "unknown program id " + request[1]};
            }
            if (verb == "poll")
            {
                return it->second.exited ? Reply{"exited", std::to_string(it->second.status)}
                                         : Reply{"running"};
            }
            if (verb == "stop")
            {
                Stop(it->second);
                return {"exited", std::to_string(it->second.status)};
            }
            int lines = request.size() >= 3 ? std::atoi(request[2].c_str()) : 20;
            return {"ok", Tail(LogPath(request[1]), lines)};
        }
        return {"error", "bad request '" + verb + "' with " + std::to_string(request.size()) +
                             " frames"};
    }

    void StopAll()
    {
        for (auto& [id, child] : m_children)
        {
            Stop(child);
        }
    }

  private:
    Reply Start(const std::vector<std::string>& request)
    {
        const std::string& program = request[1];
        if (program.empty() || program.find('/') != std::string::npos || program[0] == '.')
        {
            return {"error", "program must be a plain name, got '" + program + "'"};
        }
        std::string path = m_options.binDir + "/" + program;
        if (::access(path.c_str(), X_OK) != 0)
        {
            return {"error", "no program '" + program + "' in " + m_options.binDir};
        }
        std::string id = std::to_string(++m_next);
        std::string log = LogPath(id);
        pid_t pid = ::fork();
        if (pid < 0)
        {
            return {"error", std::string("fork failed: ") + std::strerror(errno)};
        }
        if (pid == 0)
        {
            Exec(path, request, log);
        }
        m_children[id] = Child{pid};
        return {"ok", id};
    }

    [[noreturn]] static void Exec(const std::string& path,
                                  const std::vector<std::string>& request,
                                  const std::string& log)
    {
        ::setsid();
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
        {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
            ::close(fd);
        }
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(path.c_str()));
        for (std::size_t i = 2; i < request.size(); ++i)
        {
            argv.push_back(const_cast<char*>(request[i].c_str()));
        }
        argv.push_back(nullptr);
        ::execv(path.c_str(), argv.data());
        std::cerr << "ran-gym-launcher: cannot run " << path << ": " << std::strerror(errno)
                  << std::endl;
        ::_exit(127);
    }

    void Reap()
    {
        for (auto& [id, child] : m_children)
        {
            int status = 0;
            if (!child.exited && ::waitpid(child.pid, &status, WNOHANG) == child.pid)
            {
                Record(child, status);
            }
        }
    }

    static void Record(Child& child, int status)
    {
        child.exited = true;
        child.status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }

    void Stop(Child& child) const
    {
        if (child.exited)
        {
            return;
        }
        ::kill(-child.pid, SIGTERM);
        ::kill(-child.pid, SIGCONT);
        int status = 0;
        for (int waited = 0; waited < m_options.graceS * 100; ++waited)
        {
            if (::waitpid(child.pid, &status, WNOHANG) == child.pid)
            {
                Record(child, status);
                ::kill(-child.pid, SIGKILL);
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ::kill(-child.pid, SIGKILL);
        ::waitpid(child.pid, &status, 0);
        Record(child, status);
    }

    std::string LogPath(const std::string& id) const
    {
        return m_options.logDir + "/" + id + ".log";
    }

    static std::string Tail(const std::string& path, int lines)
    {
        std::ifstream in(path);
        std::vector<std::string> all;
        for (std::string line; std::getline(in, line);)
        {
            all.push_back(line);
        }
        std::ostringstream out;
        std::size_t from = all.size() > std::size_t(lines) ? all.size() - lines : 0;
        for (std::size_t i = from; i < all.size(); ++i)
        {
            out << all[i] << "\n";
        }
        return out.str();
    }

    Options m_options;
    std::map<std::string, Child> m_children;
    unsigned long m_next{0};
};

Options
ParseArguments(int argc, char* argv[])
{
    Options options;
    for (int i = 1; i < argc; ++i)
    {
        std::string arg = argv[i];
        auto value = [&](const std::string& flag) {
            return arg.rfind(flag + "=", 0) == 0 ? arg.substr(flag.size() + 1) : std::string();
        };
        if (!value("--endpoint").empty())
        {
            options.endpoint = value("--endpoint");
        }
        else if (!value("--binDir").empty())
        {
            options.binDir = value("--binDir");
        }
        else if (!value("--logDir").empty())
        {
            options.logDir = value("--logDir");
        }
        else if (!value("--graceS").empty())
        {
            options.graceS = std::atof(value("--graceS").c_str());
        }
        else if (arg == "--allowRemote")
        {
            std::cerr << "ran-gym-launcher: --allowRemote is gone: the launcher serves this "
                         "machine only; for simulators on other hosts use Ray rollouts "
                         "(ran-gym train --rollouts ray), which authenticate their peers\n";
            std::exit(2);
        }
        else
        {
            std::cerr << "usage: ran-gym-launcher [--endpoint=ipc://PATH|tcp://HOST:PORT]"
                         " [--binDir=DIR] [--logDir=DIR] [--graceS=SECONDS]\n"
                         "  (tcp only on a loopback address: it does not authenticate "
                         "its peers)\n";
            std::exit(arg == "--help" ? 0 : 2);
        }
    }
    if (IsRemote(options.endpoint))
    {
        std::cerr << "ran-gym-launcher: refusing " << options.endpoint
                  << ": it binds beyond loopback, and the launcher does not authenticate "
                     "its peers (anyone reaching it could start programs). Use ipc:// or a "
                     "loopback tcp:// address; for simulators on other hosts use Ray "
                     "rollouts (ran-gym train --rollouts ray)\n";
        std::exit(2);
    }
    return options;
}

} // namespace

int
main(int argc, char* argv[])
{
    Options options = ParseArguments(argc, argv);
    std::signal(SIGTERM, OnSignal);
    std::signal(SIGINT, OnSignal);
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::rep);
    socket.set(zmq::sockopt::linger, 0);
    try
    {
        socket.bind(options.endpoint);
    }
    catch (const zmq::error_t& e)
    {
        std::cerr << "ran-gym-launcher: cannot bind " << options.endpoint << ": " << e.what()
                  << std::endl;
        return 2;
    }
    std::cerr << "ran-gym-launcher: listening on " << options.endpoint << std::endl;
    Launcher launcher(options);
    while (!g_quit)
    {
        zmq::pollitem_t item{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0};
        try
        {
            zmq::poll(&item, 1, std::chrono::milliseconds(200));
        }
        catch (const zmq::error_t&)
        {
            continue; // interrupted by a signal
        }
        if (!(item.revents & ZMQ_POLLIN))
        {
            continue;
        }
        std::vector<std::string> request;
        zmq::message_t frame;
        do
        {
            if (!socket.recv(frame))
            {
                break;
            }
            request.push_back(frame.to_string());
        } while (frame.more());
        Reply reply = launcher.Handle(request);
        for (std::size_t i = 0; i < reply.size(); ++i)
        {
            auto flags = i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
            socket.send(zmq::buffer(reply[i]), flags);
        }
    }
    launcher.StopAll();
    return 0;
}

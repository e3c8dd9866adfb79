// The ns3-gym command-line knobs shared by every gym program.
#ifndef RAN_GYM_COMMAND_LINE_H
#define RAN_GYM_COMMAND_LINE_H

#include "gym-interface.h"

#include "ns3/command-line.h"
#include "ns3/ptr.h"

#include <cstdint>
#include <string>

namespace ns3
{

/**
 * --openGymPort, --gymEndpoint, --simSeed and --gymTimeout. Usage:
 *
 *   GymCommandLine gymArgs;
 *   gymArgs.AddTo(cmd);
 *   cmd.Parse(argc, argv);
 *   Ptr<GymInterface> gym = gymArgs.CreateInterface(); // seeds the RNG first
 */
struct GymCommandLine
{
    uint32_t openGymPort{5555}; ///< TCP port of the agent on 127.0.0.1
    std::string gymEndpoint;    ///< ipc://PATH or tcp://HOST:PORT; wins over openGymPort
    uint32_t simSeed{1};        ///< ns-3 run number (the seed itself stays 1)
    double gymTimeout{60.0};    ///< seconds to wait for each reply, 0 = forever

    /// Adds the four knobs to cmd.
    void AddTo(CommandLine& cmd);
    /// The endpoint to connect to.
    std::string GetEndpoint() const;
    /**
     * Checks the values (exits with GYM_EXIT_CONFIG on a bad one), applies the seed
     * (RngSeedManager::SetSeed(1), SetRun(simSeed)) and creates the interface.
     * Call it before creating any random variable.
     */
    Ptr<GymInterface> CreateInterface() const;
};

} // namespace ns3

#endif // RAN_GYM_COMMAND_LINE_H

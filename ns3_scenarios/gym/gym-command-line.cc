#include "gym-command-line.h"

#include "ns3/log.h"
#include "ns3/nstime.h"
#include "ns3/object-factory.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/string.h"

#include <cmath>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("GymCommandLine");

void
GymCommandLine::AddTo(CommandLine& cmd)
{
    cmd.AddValue("openGymPort",
                 "TCP port of the agent on 127.0.0.1 (used when --gymEndpoint is empty)",
                 openGymPort);
    cmd.AddValue("gymEndpoint",
                 "ZeroMQ endpoint of the agent: ipc://PATH or tcp://HOST:PORT",
                 gymEndpoint);
    cmd.AddValue("simSeed", "run number of the ns-3 random streams (seed 1, run S)", simSeed);
    cmd.AddValue("gymTimeout", "seconds to wait for each reply of the agent, 0 = forever",
                 gymTimeout);
}

std::string
GymCommandLine::GetEndpoint() const
{
    if (!gymEndpoint.empty())
    {
        return gymEndpoint;
    }
    return "tcp://127.0.0.1:" + std::to_string(openGymPort);
}

Ptr<GymInterface>
GymCommandLine::CreateInterface() const
{
    if (gymEndpoint.empty() && (openGymPort == 0 || openGymPort > 65535))
    {
        GymExit(GYM_EXIT_CONFIG, "--openGymPort must be in 1..65535");
    }
    if (!std::isfinite(gymTimeout) || gymTimeout < 0 || gymTimeout > 1e9)
    {
        GymExit(GYM_EXIT_CONFIG, "--gymTimeout must be a number of seconds >= 0");
    }
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(simSeed);
    NS_LOG_INFO("endpoint " << GetEndpoint() << ", run " << simSeed);

    ObjectFactory factory("ns3::GymInterface");
    factory.Set("Endpoint", StringValue(GetEndpoint()));
    factory.Set("Timeout", TimeValue(Seconds(gymTimeout)));
    return factory.Create<GymInterface>();
}

} // namespace ns3

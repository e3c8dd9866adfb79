// ran-gym-oran-slicing: joint RBG and power allocation across eMBB / URLLC / mMTC
// slices in a multi-cell LTE network (O-RUs as eNBs), after the system model of
// papers/oran-slicing-diffusion-ql.txt (Section II, Section III-B, Table I).
//
// --nRus O-RUs on hexagonal sites (inter-site distance sqrt(3) * --radius), --nUes UEs
// dropped uniformly within --radius of site u mod R (at least 35 m away), random walk
// at --ueSpeed; 10 MHz (50 PRBs), --ruPowerDbm, UE noise figure --noiseFigureDb,
// 3GPP TR 38.901 UMa path loss with shadowing; inter-cell interference through the
// LTE spectrum model; EPC with a remote host that sends each UE its slice's traffic.
// UEs attach to the O-RU of highest gain at t = 0; with --handover=true the action's
// association is followed by X2 handovers, otherwise it is only checked.
//
// The agent's allocation is applied by GymFfMacScheduler (--scheduler=gym); the same
// drop and traffic run under ns-3's PfFfMacScheduler (--scheduler=pf) or
// RrFfMacScheduler (--scheduler=rr) as baselines. Spaces: slicing-env.h. Reward and
// QoS: slicing-step.h. Traces: slicing-traces.h. Documentation:
// docs/scenarios/oran-slicing.md.
#include "external-interference.h"
#include "rbg-allocation.h"
#include "slice-traffic.h"
#include "slicing-env.h"
#include "slicing-network.h"
#include "slicing-options.h"
#include "slicing-traces.h"

#include "gym-command-line.h"
#include "gym-interface.h"

#include "ns3/core-module.h"

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("RanGymOranSlicing");

int
main(int argc, char* argv[])
{
    GymCommandLine gymArgs;
    SlicingOptions options = ParseSlicingOptions(argc, argv, gymArgs);
    Ptr<GymInterface> gym = gymArgs.CreateInterface(); // seeds the RNG: before the drop

    auto allocation = CreateObject<RbgAllocation>();
    SetLteStatsDefaults(options);
    SlicingNetwork network = BuildSlicingNetwork(options, allocation);
    NodeContainer interferers = InstallExternalInterferers(options, network);

    auto monitor = CreateObject<SliceMonitor>();
    monitor->Install(options, network);

    SlicingTraces traces;
    traces.Open(options, network, monitor);
    SlicingEnv env(options, network, monitor, allocation, traces);
    env.Attach(gym);

    Simulator::Run();
    gym->NotifySimulationEnd();
    traces.Finish();
    Simulator::Destroy();
    return 0;
}

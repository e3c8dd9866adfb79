// ran-gym-space-echo: an ns-3 program that exercises every space kind of the gym
// bridge, for the wire tests. A state is sent every --stepMs of simulated time.
//
// --layout=all (default): observation and action space are the same Dict, keys in
//   this order:
//     discrete    Discrete(7)
//     box_int     Box(-100, 100, shape [2,3], int)
//     box_uint    Box(0, 1000, shape [4], uint)
//     box_float   Box(-1, 1, shape [3], float)
//     box_double  Box(-1, 1, shape [2], double)
//     tuple       Tuple(Discrete(3), Box(0, 1, shape [2], float))
//   The first observation is drawn from ns-3 random variables (it depends on
//   --simSeed); every later one is the last action received, unchanged. Reward = step
//   index (0, 1, 2, ...: the number of actions taken so far); extra info = "echo|<step>".
//   The simulation ends after --maxSteps actions (final state with reason
//   SimulationEnd), or with --gameOverAt=K by a game over at step K instead.
// --layout=opengym: the shape of ns3-gym's own example: observation Box(0, 10, shape
//   [5], uint) of uniform random integers, action Discrete(5), reward = step index + 1,
//   extra info "testInfo|123", game over at step --maxSteps.
// --crashAt=K: the simulator aborts (NS_FATAL_ERROR) at step K.
#include "gym-command-line.h"
#include "gym-interface.h"

#include "ns3/core-module.h"

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("SpaceEcho");

namespace
{

struct EchoOptions
{
    std::string layout{"all"}; ///< "all" or "opengym"
    double stepMs{1.0};        ///< simulated time between states [ms]
    uint32_t maxSteps{5};      ///< actions before the end (all) or game over (opengym)
    uint32_t gameOverAt{0};    ///< all: game over at this step instead, 0 = off
    uint32_t crashAt{0};       ///< abort at this step, 0 = off
};

class SpaceEcho
{
  public:
    explicit SpaceEcho(const EchoOptions& options);
    /// Registers the callbacks of this scenario with gym.
    void Attach(Ptr<GymInterface> gym);

  private:
    bool IsOpenGym() const;
    Ptr<GymSpace> GetObservationSpace();
    Ptr<GymSpace> GetActionSpace();
    Ptr<GymDataContainer> GetObservation();
    float GetReward();
    bool GetGameOver();
    std::string GetExtraInfo();
    bool ExecuteActions(Ptr<GymDataContainer> action);
    Ptr<GymDataContainer> DrawAll();

    EchoOptions m_options;
    Ptr<GymSpace> m_allSpace;
    Ptr<UniformRandomVariable> m_uniform;
    Ptr<GymDataContainer> m_last; ///< all: the value observed next
    uint32_t m_step{0};           ///< actions taken so far
};

Ptr<GymSpace>
MakeAllSpace()
{
    auto tuple = Create<GymTupleSpace>();
    tuple->Add(Create<GymDiscreteSpace>(3));
    tuple->Add(Create<GymBoxSpace>(0.0F, 1.0F, std::vector<uint32_t>{2}, GymDtype::FLOAT));
    auto dict = Create<GymDictSpace>();
    dict->Add("discrete", Create<GymDiscreteSpace>(7));
    dict->Add("box_int", Create<GymBoxSpace>(-100.0F, 100.0F, std::vector<uint32_t>{2, 3},
                                             GymDtype::INT));
    dict->Add("box_uint", Create<GymBoxSpace>(0.0F, 1000.0F, std::vector<uint32_t>{4},
                                              GymDtype::UINT));
    dict->Add("box_float", Create<GymBoxSpace>(-1.0F, 1.0F, std::vector<uint32_t>{3},
                                               GymDtype::FLOAT));
    dict->Add("box_double", Create<GymBoxSpace>(-1.0F, 1.0F, std::vector<uint32_t>{2},
                                                GymDtype::DOUBLE));
    dict->Add("tuple", tuple);
    return dict;
}

SpaceEcho::SpaceEcho(const EchoOptions& options)
    : m_options(options),
      m_allSpace(MakeAllSpace()),
      m_uniform(CreateObject<UniformRandomVariable>())
{
}

void
SpaceEcho::Attach(Ptr<GymInterface> gym)
{
    gym->SetGetObservationSpaceCb(MakeCallback(&SpaceEcho::GetObservationSpace, this));
    gym->SetGetActionSpaceCb(MakeCallback(&SpaceEcho::GetActionSpace, this));
    gym->SetGetObservationCb(MakeCallback(&SpaceEcho::GetObservation, this));
    gym->SetGetRewardCb(MakeCallback(&SpaceEcho::GetReward, this));
    gym->SetGetGameOverCb(MakeCallback(&SpaceEcho::GetGameOver, this));
    gym->SetGetExtraInfoCb(MakeCallback(&SpaceEcho::GetExtraInfo, this));
    gym->SetExecuteActionsCb(MakeCallback(&SpaceEcho::ExecuteActions, this));
}

bool
SpaceEcho::IsOpenGym() const
{
    return m_options.layout == "opengym";
}

Ptr<GymSpace>
SpaceEcho::GetObservationSpace()
{
    if (IsOpenGym())
    {
        return Create<GymBoxSpace>(0.0F, 10.0F, std::vector<uint32_t>{5}, GymDtype::UINT);
    }
    return m_allSpace;
}

Ptr<GymSpace>
SpaceEcho::GetActionSpace()
{
    return IsOpenGym() ? Ptr<GymSpace>(Create<GymDiscreteSpace>(5)) : m_allSpace;
}

Ptr<GymDataContainer>
SpaceEcho::DrawAll()
{
    auto draw = [this](uint32_t lo, uint32_t hi) { return m_uniform->GetInteger(lo, hi); };
    auto boxInt = Create<GymBoxContainer<int32_t>>(std::vector<uint32_t>{2, 3});
    auto boxUint = Create<GymBoxContainer<uint32_t>>(std::vector<uint32_t>{4});
    auto boxFloat = Create<GymBoxContainer<float>>(std::vector<uint32_t>{3});
    auto boxDouble = Create<GymBoxContainer<double>>(std::vector<uint32_t>{2});
    auto tupleBox = Create<GymBoxContainer<float>>(std::vector<uint32_t>{2});
    for (int i = 0; i < 6; ++i)
    {
        boxInt->AddValue(static_cast<int32_t>(draw(0, 200)) - 100);
    }
    for (int i = 0; i < 4; ++i)
    {
        boxUint->AddValue(draw(0, 1000));
    }
    for (int i = 0; i < 3; ++i)
    {
        boxFloat->AddValue(static_cast<float>(m_uniform->GetValue(-1.0, 1.0)));
    }
    for (int i = 0; i < 2; ++i)
    {
        boxDouble->AddValue(m_uniform->GetValue(-1.0, 1.0));
        tupleBox->AddValue(static_cast<float>(m_uniform->GetValue(0.0, 1.0)));
    }
    auto tuple = Create<GymTupleContainer>();
    tuple->Add(Create<GymDiscreteContainer>(static_cast<int32_t>(draw(0, 2))));
    tuple->Add(tupleBox);
    auto dict = Create<GymDictContainer>();
    dict->Add("discrete", Create<GymDiscreteContainer>(static_cast<int32_t>(draw(0, 6))));
    dict->Add("box_int", boxInt);
    dict->Add("box_uint", boxUint);
    dict->Add("box_float", boxFloat);
    dict->Add("box_double", boxDouble);
    dict->Add("tuple", tuple);
    return dict;
}

Ptr<GymDataContainer>
SpaceEcho::GetObservation()
{
    if (m_options.crashAt != 0 && m_step == m_options.crashAt)
    {
        NS_FATAL_ERROR("space-echo: crash requested at step " << m_step << " (--crashAt)");
    }
    if (IsOpenGym())
    {
        auto box = Create<GymBoxContainer<uint32_t>>(std::vector<uint32_t>{5});
        for (int i = 0; i < 5; ++i)
        {
            box->AddValue(m_uniform->GetInteger(0, 10));
        }
        return box;
    }
    if (!m_last)
    {
        m_last = DrawAll();
    }
    return m_last;
}

float
SpaceEcho::GetReward()
{
    return static_cast<float>(IsOpenGym() ? m_step + 1 : m_step);
}

bool
SpaceEcho::GetGameOver()
{
    uint32_t at = IsOpenGym() ? m_options.maxSteps : m_options.gameOverAt;
    return at != 0 && m_step == at;
}

std::string
SpaceEcho::GetExtraInfo()
{
    return IsOpenGym() ? "testInfo|123" : "echo|" + std::to_string(m_step);
}

bool
SpaceEcho::ExecuteActions(Ptr<GymDataContainer> action)
{
    ++m_step;
    if (IsOpenGym())
    {
        NS_LOG_INFO("action " << DynamicCast<GymDiscreteContainer>(action)->GetValue());
        return true;
    }
    m_last = action;
    if (m_options.gameOverAt == 0 && m_step >= m_options.maxSteps)
    {
        Simulator::Stop(); // the final state goes out from main, as the end of the simulation
    }
    return true;
}

EchoOptions
ParseCommandLine(int argc, char* argv[], GymCommandLine& gymArgs)
{
    EchoOptions options;
    CommandLine cmd(__FILE__);
    cmd.AddValue("layout", "space layout: all | opengym", options.layout);
    cmd.AddValue("stepMs", "simulated time between states [ms], > 0", options.stepMs);
    cmd.AddValue("maxSteps", "actions before the end (all) or the game over (opengym)",
                 options.maxSteps);
    cmd.AddValue("gameOverAt", "all: game over at this step instead of the end, 0 = off",
                 options.gameOverAt);
    cmd.AddValue("crashAt", "abort the simulator at this step, 0 = off", options.crashAt);
    gymArgs.AddTo(cmd);
    cmd.Parse(argc, argv);
    if (options.layout != "all" && options.layout != "opengym")
    {
        GymExit(GYM_EXIT_CONFIG, "--layout must be all or opengym, got '" + options.layout + "'");
    }
    if (!(options.stepMs > 0) || options.maxSteps == 0)
    {
        GymExit(GYM_EXIT_CONFIG, "--stepMs and --maxSteps must be positive");
    }
    return options;
}

} // namespace

int
main(int argc, char* argv[])
{
    GymCommandLine gymArgs;
    EchoOptions options = ParseCommandLine(argc, argv, gymArgs);
    Ptr<GymInterface> gym = gymArgs.CreateInterface();

    SpaceEcho echo(options);
    echo.Attach(gym);
    gym->ScheduleNotify(Seconds(0), Seconds(options.stepMs / 1e3));

    Simulator::Run();
    gym->NotifySimulationEnd();
    Simulator::Destroy();
    return 0;
}

"""Diffusion-QL: it learns, keeps multiple modes, checkpoints completely, and trains
against the real ns-3 reference scenario through the common interface."""

from __future__ import annotations

import copy
import dataclasses
import json

import numpy as np
import pytest
import torch
from gymnasium import spaces

from agents.common.diffusion import DiffusionConfig
from agents.diffusion_ql import DiffusionQL, DiffusionQLConfig
from bridge.envs import ScenarioEnv
from ran_gym.cli import main

MODES = np.array([[0.6, 0.6], [-0.6, -0.6]], np.float32)
OBS = spaces.Box(-1, 1, (1,), np.float32)
ACT = spaces.Box(-1, 1, (2,), np.float32)
SMALL = DiffusionQLConfig(diffusion=DiffusionConfig(steps=10, schedule="cosine"), hidden=64,
                          batch_size=64, learning_starts=0, gamma=0.0, ema_start=0,
                          ema_every=1, ema_decay=0.9, candidates=1, lr_actor=3e-3,
                          lr_critic=1e-3)


def bimodal_reward(actions: np.ndarray) -> np.ndarray:
    d = np.linalg.norm(actions[:, None, :] - MODES[None], axis=2)
    return np.exp(-(d**2) / 0.02).sum(1)


def filled_agent(seed=0, n=2048, config=SMALL, device="cpu"):
    rng = np.random.default_rng(seed)
    agent = DiffusionQL(OBS, ACT, config, seed=seed, device=device)
    actions = MODES[rng.integers(0, 2, n)] + rng.normal(0, 0.05, (n, 2)).astype(np.float32)
    rewards = bimodal_reward(actions)
    for a, r in zip(actions, rewards, strict=True):
        agent.replay.add(np.zeros(1), a, float(r), np.zeros(1), True)
    return agent, actions


def test_keeps_both_modes_where_a_gaussian_averages_them():
    agent, data = filled_agent()
    for _ in range(600):
        agent.train_step(agent.replay.sample(64, agent.rng, agent.device))
    samples = np.array([agent.predict(np.zeros(1), deterministic=False)[0] for _ in range(200)])
    near = np.linalg.norm(samples[:, None, :] - MODES[None], axis=2) < 0.25
    assert near[:, 0].mean() > 0.2 and near[:, 1].mean() > 0.2  # both modes kept
    gaussian_mean = data.mean(0, keepdims=True)  # the Gaussian (MLE) policy's action
    assert bimodal_reward(gaussian_mean)[0] < 0.01
    assert bimodal_reward(samples).mean() > 0.4


def test_save_then_load_gives_identical_actions(tmp_path):
    agent, _ = filled_agent(seed=1, n=256)
    for _ in range(20):
        agent.train_step(agent.replay.sample(64, agent.rng, agent.device))
    path = agent.save(tmp_path / "agent.pt")
    again = DiffusionQL.load(path, OBS, ACT, device="cpu")
    for obs in (np.zeros(1), np.ones(1) * 0.3):
        np.testing.assert_array_equal(agent.predict(obs)[0], again.predict(obs)[0])
    assert again.num_updates == agent.num_updates == 20
    assert not list(tmp_path.glob(".agent.pt.*"))  # no temporary file left


def test_a_slim_checkpoint_decides_alike_without_the_buffers(tmp_path):
    agent, actions = filled_agent(seed=2, n=256)
    agent.add_demonstrations(np.zeros((64, 1)), actions[:64], bimodal_reward(actions[:64]),
                             np.zeros((64, 1)), np.ones(64, bool))
    for _ in range(5):
        agent.train_step(*agent.sample_batch())
    full = agent.save(tmp_path / "full.pt")
    slim = DiffusionQL.slim(full, tmp_path / "slim.pt")
    assert slim.stat().st_size < full.stat().st_size
    a, b = (DiffusionQL.load(p, OBS, ACT, device="cpu") for p in (full, slim))
    assert (a.replay.size, a.demos.size) == (256, 64) and (b.replay.size, b.demos.size) == (0, 0)
    np.testing.assert_array_equal(a.predict(np.ones(1) * 0.2)[0], b.predict(np.ones(1) * 0.2)[0])
    assert b.num_updates == 5


def test_an_exported_checkpoint_decides_alike(tmp_path):
    """``DiffusionQL.export`` keeps what deciding needs (EMA actor, target critics,
    random state): the same decisions, guided and chosen among candidates, from a file
    a fraction of the slim one's size."""
    agent, _ = filled_agent(seed=4, n=256,
                            config=dataclasses.replace(SMALL, candidates=4, guidance=0.5))
    for _ in range(5):
        agent.train_step(*agent.sample_batch())
    full = agent.save(tmp_path / "full.pt")
    slim = DiffusionQL.slim(full, tmp_path / "slim.pt")
    exported = DiffusionQL.export(full, tmp_path / "exported.pt")
    assert exported.stat().st_size < 0.5 * slim.stat().st_size
    state = torch.load(exported, map_location="cpu", weights_only=True)
    assert not {"actor", "critic", "actor_optimizer", "critic_optimizer", "replay"} & set(state)
    a, b = (DiffusionQL.load(p, OBS, ACT, device="cpu") for p in (full, exported))
    assert not a.evaluation_only and b.evaluation_only and b.num_updates == 5
    for obs in (np.zeros(1), np.ones(1) * 0.4, -np.ones(1)):
        for deterministic in (True, False):
            np.testing.assert_array_equal(a.predict(obs, deterministic=deterministic)[0],
                                          b.predict(obs, deterministic=deterministic)[0])


def test_training_from_an_exported_checkpoint_is_refused_by_name(reference_program, tmp_path,
                                                                 capsys):
    """Resuming or fine-tuning from an export (no optimiser states) stops with an error
    that says so, and leaves the checkpoint as it was."""
    base = ["train", "--scenario", "reference", "--agent", "diffusion-ql", "--iterations", "3",
            "--param", "maxSteps=3", "--agent-param", "learning_starts=0",
            "--agent-param", "batch_size=2"]
    assert main([*base, "--out", str(tmp_path / "full")]) == 0
    exported = DiffusionQL.export(tmp_path / "full" / "diffusion-ql.pt", tmp_path / "e.pt")
    run = tmp_path / "run"
    run.mkdir()
    (run / "diffusion-ql.pt").write_bytes(exported.read_bytes())
    capsys.readouterr()
    for extra in (["--init", str(exported), "--out", str(tmp_path / "fine")],
                  ["--resume", "--out", str(run)]):
        assert main([*base, *extra]) == 2
        assert "an evaluation-only checkpoint (DiffusionQL.export" in capsys.readouterr().err
    assert (run / "diffusion-ql.pt").read_bytes() == exported.read_bytes()


def test_retune_changes_the_settings_that_do_not_shape_the_networks():
    """A retuned agent trains exactly as one built with those settings (the optimiser
    takes the new learning rate, the update the new λ); what shapes the networks, an
    unknown name and a bad value are refused by name."""
    wanted = dataclasses.replace(SMALL, q_weight=0.0, lr_actor=1e-4)
    retuned, built, untouched = (filled_agent(seed=2, n=256)[0],
                                 filled_agent(seed=2, n=256, config=wanted)[0],
                                 filled_agent(seed=2, n=256)[0])
    retuned.retune(q_weight=0.0, lr_actor=1e-4)
    assert retuned.config == wanted
    for agent in (retuned, built, untouched):
        for _ in range(5):
            agent.train_step(agent.replay.sample(64, agent.rng, agent.device))
    for a, b in zip(retuned.actor.parameters(), built.actor.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert any(not torch.equal(b, c) for b, c in zip(built.actor.parameters(),
                                                     untouched.actor.parameters(), strict=True))
    with pytest.raises(ValueError, match="hidden cannot change after the networks are built"):
        retuned.retune(hidden=512, q_weight=1.0)
    with pytest.raises(ValueError, match="no setting q_wieght"):
        retuned.retune(q_wieght=1.0)
    with pytest.raises(ValueError, match="q_weight"):
        retuned.retune(q_weight=-1.0)
    assert retuned.config == wanted  # a refused change changes nothing


def test_fine_tuning_takes_agent_params_and_a_resume_keeps_its_settings(reference_program,
                                                                        tmp_path, capsys):
    """--init with --agent-param trains with the checkpoint's networks and the new
    settings; --resume with the same command line goes on, with other settings it is
    refused by name; the Diffusion-QL options given to another agent are refused."""
    base = ["train", "--scenario", "reference", "--iterations", "3", "--param", "maxSteps=3",
            "--agent-param", "learning_starts=0", "--agent-param", "batch_size=2"]
    dql = [*base, "--agent", "diffusion-ql"]
    assert main([*dql, "--out", str(tmp_path / "full")]) == 0
    start = tmp_path / "full" / "diffusion-ql.pt"
    assert main([*dql, "--init", str(start), "--agent-param", "q_weight=0.25",
                 "--out", str(tmp_path / "fine")]) == 0
    fine = torch.load(tmp_path / "fine" / "diffusion-ql.pt", weights_only=True)["config"]
    assert fine["q_weight"] == 0.25 and fine["batch_size"] == 2
    capsys.readouterr()
    assert main([*dql, "--init", str(start), "--preset", "table-i",
                 "--out", str(tmp_path / "other")]) == 2
    assert "--preset table-i: with --init the networks and settings come from" in \
        capsys.readouterr().err
    assert main([*dql, "--resume", "--out", str(tmp_path / "full")]) == 0
    before = start.read_bytes()
    assert main([*dql, "--agent-param", "q_weight=0.5", "--resume",
                 "--out", str(tmp_path / "full")]) == 2
    assert "would change q_weight 0.5 (the training's: 1.0)" in capsys.readouterr().err
    assert start.read_bytes() == before
    assert main([*base, "--agent", "dqn", "--out", str(tmp_path / "dqn")]) == 2
    assert "--agent-param: options of diffusion-ql, which dqn does not take" in \
        capsys.readouterr().err


def test_learns_the_link_rate_trade_off_in_ns3(reference_program):
    """On the reference scenario reward = Mbps received − 0.25 × link rate: paying for
    a 20 Mbps link under a 6 Mbps mean load is wasteful. After a short training the
    agent's decisions earn more than always buying the maximum rate does."""
    config = DiffusionQLConfig(diffusion=DiffusionConfig(steps=5, schedule="vp"), hidden=64,
                               batch_size=64, learning_starts=100, candidates=4, gamma=0.5)
    env = ScenarioEnv("reference", {"maxSteps": 50, "rateCost": 0.5})
    try:
        agent = DiffusionQL(env.observation_space, env.action_space, config, seed=3,
                            device="cpu")
        agent.learn(env, 600)

        def mean_reward(policy):
            total, steps = 0.0, 0
            for seed in (101, 102):
                obs, _ = env.reset(seed=seed)
                for _ in range(50):
                    obs, reward, terminated, truncated, _ = env.step(policy(obs))
                    total, steps = total + reward, steps + 1
                    if terminated or truncated:
                        break
            return total / steps

        learned = mean_reward(lambda obs: agent.predict(obs)[0])
        full_rate = mean_reward(lambda obs: np.array([20.0], np.float32))
        assert learned > full_rate + 1.0, (learned, full_rate)
    finally:
        env.close()


def test_bad_spaces_and_settings_are_refused():
    with pytest.raises(TypeError, match="Box"):
        DiffusionQL(OBS, spaces.Discrete(3))
    with pytest.raises(ValueError, match="gamma"):
        DiffusionQLConfig(gamma=1.5)


def test_bench_agents_reports_every_figure(capsys):
    assert main(["bench", "agents", "--iterations", "3", "--warmup", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["obs_dim"], report["action_dim"]) == (153, 525)
    cpu = report["cpu"]
    # CPU times: wall times of 3 iterations on a shared machine do not keep this order
    assert 0 < cpu["ddim5_cpu_ms"] < cpu["ddpm_t20_cpu_ms"] < cpu["default_decision_cpu_ms"]
    assert cpu["updates_per_s"] > 0
    # the NumPy path is timed beside the PyTorch one, and costs less CPU (about 3.5x)
    assert 0 < cpu["ddpm_t20_fast_cpu_ms"] < cpu["ddpm_t20_cpu_ms"]
    assert 0 < cpu["ddim5_fast_cpu_ms"] < cpu["ddim5_cpu_ms"]
    # the compiled loop is timed too where `make kernels` built it (make test does)
    assert report["kernel"] is not None
    assert all(cpu[f"{key}_kernel_cpu_ms"] > 0 for key in ("ddpm_t20", "ddim5"))
    # the defaults on the share action, beside the Table I path: T = 5 and a one-step Q
    # term make both the guided decision and the update cheaper
    default = report["default"]
    assert default["action_dim"] == 125
    assert 0 < default["decision_cpu_ms"] < cpu["default_decision_cpu_ms"]
    assert default["updates_per_s"] > cpu["updates_per_s"]
    # and the defaults' decision through the NumPy path beside the PyTorch one (about 5x)
    assert 0 < default["decision_cpu_ms"] < default["decision_torch_cpu_ms"]
    # and beside the same path with NumPy's Mish (the library switched off for it)
    assert default["decision_numpy_mish_cpu_ms"] > 0
    # and its updates beside the same updates on PyTorch's Mish ops
    assert default["updates_per_s_torch_mish"] > 0
    # the per-UE preset: its decision and both kinds of update timed
    per_ue = report["per_ue"]
    assert per_ue["decision_cpu_ms"] > 0
    assert per_ue["updates_per_s"] > 0 and per_ue["updates_per_s_bc_only"] > 0


def _trained_pair(device: str, graphs: tuple[bool, bool], updates: int):
    """Two agents of one seed on ``device``, with and without CUDA graphs as given,
    trained ``updates`` times on the same data."""
    pair = [filled_agent(3, 256, dataclasses.replace(SMALL, cuda_graphs=g), device)[0]
            for g in graphs]
    losses = [[agent.train_step(agent.replay.sample(64, agent.rng, agent.device))
               for _ in range(updates)] for agent in pair]
    return pair, losses


def _assert_same_networks(a: DiffusionQL, b: DiffusionQL, rtol: float) -> None:
    for name in ("actor", "ema_actor", "critic", "critic_target"):
        for p, q in zip(getattr(a, name).parameters(), getattr(b, name).parameters(),
                        strict=True):
            torch.testing.assert_close(p, q, rtol=rtol, atol=1e-6)


CUDA_RTOL = 1e-3
"""Graphed and eager CUDA updates may take other cuBLAS kernels (other summation orders):
on an H200 their Q terms, ratios of two critics' means, differed by up to 2e-4 after 6
updates (docs/benchmarks.md). A replay of stale inputs or a missed step is off by far more."""


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_graph_updates_equal_the_eager_updates(tmp_path):
    (graphed, eager), (graph_losses, eager_losses) = _trained_pair("cuda", (True, False), 6)
    assert graphed._graphed is not None and graphed._graphed.graph is not None
    assert eager._graphed is None
    for g, e in zip(graph_losses, eager_losses, strict=True):
        assert g == pytest.approx(e, rel=CUDA_RTOL, abs=1e-6)
    _assert_same_networks(graphed, eager, CUDA_RTOL)
    # a checkpoint of the graphed agent goes on the same way, graphed or on the CPU
    again = DiffusionQL.load(graphed.save(tmp_path / "g.pt"), OBS, ACT, device="cuda")
    on_cpu = DiffusionQL.load(tmp_path / "g.pt", OBS, ACT, device="cpu")
    for agent in (graphed, again, on_cpu):
        for _ in range(2):
            agent.train_step(agent.replay.sample(64, agent.rng, agent.device))
    _assert_same_networks(graphed, again, CUDA_RTOL)
    assert on_cpu.num_updates == graphed.num_updates == 8


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_graph_updates_with_demonstrations_equal_the_eager_updates():
    """Mixed batches (BC on the demonstration rows alone) replay as a graph too."""
    pair = []
    for graphs in (True, False):
        agent, actions = filled_agent(5, 256, dataclasses.replace(SMALL, cuda_graphs=graphs),
                                      "cuda")
        n = len(actions)
        agent.add_demonstrations(np.zeros((n, 1)), actions, bimodal_reward(actions),
                                 np.zeros((n, 1)), np.ones(n, bool))
        pair.append(agent)
    losses = [[agent.train_step(*agent.sample_batch()) for _ in range(6)] for agent in pair]
    graphed, eager = pair
    assert graphed._graphed is not None and graphed._graphed.graph is not None
    assert graphed._graphed.bc_rows == round(SMALL.batch_size * SMALL.demo_fraction)
    for g, e in zip(*losses, strict=True):
        assert g == pytest.approx(e, rel=CUDA_RTOL, abs=1e-6)
    _assert_same_networks(graphed, eager, CUDA_RTOL)


def test_a_loaded_optimiser_fits_the_agent_whatever_it_was_saved_as():
    """A checkpoint's Adam may have been capturable (CUDA graphs); on the CPU it must not be."""
    agent, _ = filled_agent(seed=4, n=128)
    agent.train_step(agent.replay.sample(64, agent.rng, agent.device))
    state = copy.deepcopy(agent.state_dict())  # the optimiser's state is not copied
    for group in state["actor_optimizer"]["param_groups"]:
        group["capturable"] = True
    again = DiffusionQL(OBS, ACT, SMALL, seed=4, device="cpu")
    again.load_state_dict(state)
    assert not any(g["capturable"] for g in again.actor_optimizer.param_groups)
    agent.train_step(agent.replay.sample(64, agent.rng, agent.device))
    again.train_step(again.replay.sample(64, again.rng, again.device))
    _assert_same_networks(agent, again, 0)


def test_a_checkpoint_from_another_kind_of_device_loads_deterministically():
    """A CUDA generator's state does not fit a CPU generator: the checkpoint still loads,
    its generator seeded from that state, the same way every time."""
    agent, _ = filled_agent(seed=5, n=128)
    state = copy.deepcopy(agent.state_dict())
    state["generator"] = torch.arange(16, dtype=torch.uint8)  # not a CPU generator's state
    loaded = []
    for _ in range(2):
        again = DiffusionQL(OBS, ACT, SMALL, seed=5, device="cpu")
        again.load_state_dict(copy.deepcopy(state))
        loaded.append(again.predict(np.zeros(1), deterministic=False)[0])
    np.testing.assert_array_equal(loaded[0], loaded[1])
    other = copy.deepcopy(state)
    other["generator"] = torch.arange(1, 17, dtype=torch.uint8)
    again.load_state_dict(other)
    assert not np.array_equal(again.predict(np.zeros(1), deterministic=False)[0], loaded[0])


@pytest.mark.parametrize("updates_before", [0, 2])
def test_the_graph_warm_up_leaves_the_agent_as_it_found_it(updates_before):
    """Capturing a CUDA graph runs warm-up updates first; what they change is put back, so
    the first replayed update starts where the eager one would (checked on the CPU)."""
    from agents.diffusion_ql.graphs import state_kept

    pair = [filled_agent(seed=6, n=128)[0] for _ in range(2)]
    for agent in pair:
        for _ in range(updates_before):
            agent.train_step(agent.replay.sample(64, agent.rng, agent.device))
    warmed, plain = pair
    batch, draws = warmed.replay.sample(64, warmed.rng, "cpu"), warmed._draws(64)
    with state_kept(warmed):
        for _ in range(3):
            warmed._update(batch, draws)
        moved = next(warmed.actor.parameters()).clone()
    assert not torch.equal(moved, next(plain.actor.parameters()))  # the warm-up did move it
    plain.replay.sample(64, plain.rng, "cpu"), plain._draws(64)  # the same draws taken
    torch.testing.assert_close(warmed._update(batch, draws), plain._update(batch, draws),
                               rtol=0, atol=0)
    _assert_same_networks(warmed, plain, 0)
    for a, b in ((warmed.actor_optimizer, plain.actor_optimizer),
                 (warmed.critic_optimizer, plain.critic_optimizer)):
        for sa, sb in zip(a.state.values(), b.state.values(), strict=True):
            for key in sa:
                torch.testing.assert_close(sa[key], sb[key], rtol=0, atol=0)


def test_the_bc_term_clones_the_demonstrations_not_the_other_transitions():
    """Demonstrations at one mode, other behaviour at the other, equal rewards: the policy
    follows the demonstrations (its BC term sees them alone), while the critic learns
    from both."""
    agent = DiffusionQL(OBS, ACT, dataclasses.replace(SMALL, q_weight=0.0), seed=5,
                        device="cpu")
    rng = np.random.default_rng(5)
    demos = MODES[0] + rng.normal(0, 0.05, (512, 2)).astype(np.float32)
    others = MODES[1] + rng.normal(0, 0.05, (512, 2)).astype(np.float32)
    zeros, ones = np.zeros((512, 1)), np.ones(512)
    assert agent.add_demonstrations(zeros, demos, ones, zeros, ones) == 512
    assert agent.add_transitions(zeros, others, ones, zeros, ones) == 512
    assert (agent.demos.size, agent.replay.size, agent.num_timesteps) == (512, 512, 0)
    agent.pretrain(300)
    samples = np.array([agent.predict(np.zeros(1), deterministic=False)[0] for _ in range(100)])
    near = np.linalg.norm(samples[:, None, :] - MODES[None], axis=2) < 0.25
    assert near[:, 0].mean() > 0.8 and near[:, 1].mean() < 0.1


def test_critic_pessimism_values_actions_off_the_data_below_the_datas():
    """Data at two modes (reward about 1), none between them (reward 0 there): a plain
    critic values the actions between them almost as high as the data's; with the
    penalty (``critic_pessimism``) they fall well below, and the data's value stays."""
    values = {}
    for alpha in (0.0, 1.0):
        agent, actions = filled_agent(seed=4, n=1024,
                                      config=dataclasses.replace(SMALL, critic_pessimism=alpha))
        agent.pretrain(300)
        between = np.random.default_rng(0).uniform(-0.3, 0.3, (512, 2)).astype(np.float32)
        with torch.no_grad():
            obs = torch.zeros(512, 1)
            values[alpha] = [agent.critic.q_min(obs, torch.as_tensor(a)).mean().item()
                             for a in (actions[:512], between)]
    (data_0, between_0), (data_1, between_1) = values[0.0], values[1.0]
    assert data_0 - between_0 < 0.05 and data_1 - between_1 > 0.15
    assert abs(data_1 - data_0) < 0.1


@pytest.mark.parametrize("network", ["mlp", "per-ue"])
def test_offline_training_lowers_the_bc_loss_and_raises_q_of_the_data_actions(tmp_path,
                                                                              network):
    """A small fixed collection in the slicing twin: offline updates fit the diffusion
    loss on the demonstrations and move Q of their actions towards their returns, with
    the flat networks and with the per-UE ones."""
    from agents.diffusion_ql.per_ue import UeLayout
    from ran_gym.dataset.collect import load
    from ran_gym.train.diffusion_ql import load_transitions, make_env

    assert main(["collect", "--scenario", "oran-slicing-twin", "--param", "maxSteps=4",
                 "--policy", "qos-greedy,random", "--steps", "160",
                 "--out", str(tmp_path)]) == 0
    env = make_env("oran-slicing-twin", {"maxSteps": "4"})
    demos, other = load_transitions(str(tmp_path), env, "qos-greedy")
    assert len(demos[0]) == len(other[0]) == 80 == len(load(tmp_path)) // 2
    config = dataclasses.replace(DiffusionQLConfig(), hidden=64, batch_size=64, lr_actor=1e-3,
                                 network=network)
    agent = DiffusionQL(env.observation_space, env.action_space, config, seed=0, device="cpu",
                        layout=UeLayout.of(env.cfg))
    agent.add_demonstrations(*demos)
    agent.add_transitions(*other)
    obs = torch.as_tensor(agent._inputs(demos[0]))
    acts = torch.as_tensor(np.stack([agent._from_env(a) for a in demos[1]]))

    def q_of_demos():
        with torch.no_grad():
            return agent.critic.q_min(obs, acts).mean().item()

    q_before, bc = q_of_demos(), []
    agent.pretrain(200, lambda _, losses: bc.append(losses["bc_loss"]))
    assert np.mean(bc[-20:]) < 0.7 * np.mean(bc[:20])
    returns = float(np.mean(demos[2]))  # about 1.2 a step; Q's target r + γ Q' is larger
    assert q_before < 0.3 * returns < q_of_demos()
    env.close()


def test_the_x0_denoiser_returns_the_noise_its_clean_action_implies():
    agent = DiffusionQL(OBS, ACT, SMALL, seed=2, device="cpu")
    x = torch.randn(4, 2)
    t = torch.tensor([0, 3, 6, 9])
    cond = torch.zeros(4, 1)
    x0 = agent.actor.clean(x, t, cond)
    a = agent.diffusion.alphas_bar[t][:, None]
    assert torch.all(x0.abs() <= 1)
    torch.testing.assert_close(a.sqrt() * x0 + (1 - a).sqrt() * agent.actor(x, t, cond), x)


def test_table_i_is_a_preset_and_the_default_schedule_reaches_noise():
    from agents.common.diffusion import Diffusion
    from agents.diffusion_ql.config import preset

    table_i = preset("table-i")
    assert (table_i.diffusion.steps, table_i.diffusion.schedule, table_i.hidden,
            table_i.gamma, table_i.denoiser) == (20, "linear", 128, 0.98, "eps")
    # Table I's schedule leaves x_T mostly signal; the default's is noise
    assert Diffusion(table_i.diffusion).alphas_bar[-1] > 0.8
    assert Diffusion(DiffusionQLConfig().diffusion).alphas_bar[-1] < 0.01
    with pytest.raises(ValueError, match="unknown Diffusion-QL preset 'paper'; known: "
                                         "default, table-i, per-ue"):
        preset("paper")

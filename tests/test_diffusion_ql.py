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


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_graph_updates_equal_the_eager_updates(tmp_path):
    (graphed, eager), (graph_losses, eager_losses) = _trained_pair("cuda", (True, False), 6)
    assert graphed._graphed is not None and graphed._graphed.graph is not None
    assert eager._graphed is None
    for g, e in zip(graph_losses, eager_losses, strict=True):
        assert g == pytest.approx(e, rel=1e-4, abs=1e-6)
    _assert_same_networks(graphed, eager, 1e-4)
    # a checkpoint of the graphed agent goes on the same way, graphed or on the CPU
    again = DiffusionQL.load(graphed.save(tmp_path / "g.pt"), OBS, ACT, device="cuda")
    on_cpu = DiffusionQL.load(tmp_path / "g.pt", OBS, ACT, device="cpu")
    for agent in (graphed, again, on_cpu):
        for _ in range(2):
            agent.train_step(agent.replay.sample(64, agent.rng, agent.device))
    _assert_same_networks(graphed, again, 1e-4)
    assert on_cpu.num_updates == graphed.num_updates == 8


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

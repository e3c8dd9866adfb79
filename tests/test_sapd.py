"""SA-PD: dual dynamics, the GNN, reproducible training, the expert on the twin, and
the train / dataset / evaluate commands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from agents.sapd import SapdPolicy, SapdTrainConfig, train_sapd
from agents.sapd.agent import (
    DEFAULT_CHECKPOINT,
    SapdAgent,
    dual_update,
    policy_powers,
    rollout,
)
from agents.sapd.train import load_checkpoint
from bridge.twins.interference import (
    InterferenceConfig,
    drop_network,
    ergodic_metrics,
    fading,
    lte_rates,
    normalise_gains,
    shannon_rates,
)
from ran_gym.cli import main


def test_dual_update_by_hand():
    # mu 1, rate .25 -> 1 + 2 (.75 - .25) = 2; mu .5, rate 2 -> [.5 - 2 x 1.25]_+ = 0
    assert dual_update(np.array([1.0, 0.5]), np.array([0.25, 2.0]), 2.0, 0.75) == \
        pytest.approx([2.0, 0.0])
    # projected on [0, mu_max]: 9 + 3 x 0.75 = 11.25 -> 10
    assert dual_update(np.array([9.0]), np.array([0.0]), 3.0, 0.75, mu_max=10.0) == [10.0]


def test_policy_is_permutation_equivariant_and_bounded():
    policy = SapdPolicy()
    x = torch.randn(1, 6, 6)
    mu = torch.rand(1, 6) * 5
    perm = torch.tensor([3, 1, 5, 0, 2, 4])
    p = policy(x, mu)
    p_perm = policy(x[:, perm][:, :, perm], mu[:, perm])
    assert torch.allclose(p[:, perm], p_perm, atol=1e-5)
    assert torch.all((p > 0) & (p < 1))


def test_training_is_reproducible():
    config = SapdTrainConfig(networks=8, iterations=5, batch=4, fading_samples=2, hidden=8)
    a, b = train_sapd(config), train_sapd(config)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                 b.state_dict().values(), strict=True))


def _twin_network(rng: np.random.Generator, steps: int = 200):
    family = InterferenceConfig()
    gains = drop_network(family, rng).gains
    x = normalise_gains(gains, family.pmax_w, family.noise_w)
    channel = gains * fading(gains.shape, steps, family.fading_correlation, rng)
    return x, channel * family.pmax_w / family.noise_w


def test_pretrained_expert_is_feasible_on_the_twin():
    policy = load_checkpoint(DEFAULT_CHECKPOINT)
    rng = np.random.default_rng(2024)
    ergodic = []
    for _ in range(6):
        x, channel = _twin_network(rng)
        ergodic.append(rollout(policy, x, channel, shannon_rates, rng).rates.mean(axis=0))
    metrics = ergodic_metrics(np.concatenate(ergodic)[None])
    assert metrics["feasible_share"] >= 0.95


def test_rollout_without_dither_is_the_policy_on_the_dual_dynamics():
    policy = load_checkpoint(DEFAULT_CHECKPOINT)
    rng = np.random.default_rng(7)
    x, channel = _twin_network(rng, steps=12)
    run = rollout(policy, x, channel, lte_rates, rng, eta=5.0, t0=5, dither=1.0)
    for t in range(12):
        assert np.allclose(run.powers[t], policy_powers(policy, x, run.mu[t]))
    assert np.all(run.mu[:5] == 0)
    by_hand = np.clip(0 - 5.0 * (run.rates[:5].mean(axis=0) - 0.75), 0, 10)
    assert np.allclose(run.mu[5], by_hand) and np.array_equal(run.mu[5], run.mu[9])
    assert np.allclose(run.rates[3], lte_rates(channel[3], run.powers[3], 1.0))


def test_dither_scales_the_duals_once_per_window():
    policy = load_checkpoint(DEFAULT_CHECKPOINT)
    x, channel = _twin_network(np.random.default_rng(7), steps=20)
    mu0 = np.full(8, 6.0)  # every dual active, so every draw shows in the powers
    plain = rollout(policy, x, channel, lte_rates, np.random.default_rng(1), mu=mu0,
                    dither=1.0)
    a = rollout(policy, x, channel, lte_rates, np.random.default_rng(1), mu=mu0, dither=0.5)
    b = rollout(policy, x, channel, lte_rates, np.random.default_rng(1), mu=mu0, dither=0.5)
    assert np.array_equal(a.powers, b.powers)  # seeded
    assert not np.allclose(a.powers[0], plain.powers[0])
    for start in range(0, 20, 5):  # held within each window of T0 steps, redrawn across
        assert np.all(a.powers[start:start + 5] == a.powers[start])
    assert not np.allclose(a.powers[0], a.powers[5])
    # the draw is mu * u with u in [0.5, 1]: some u reproduces the step's powers
    u = np.random.default_rng(1).uniform(0.5, 1.0, 8)
    assert np.allclose(a.powers[0], policy_powers(policy, x, mu0 * u))


def test_agent_rejects_a_dither_outside_0_1():
    with pytest.raises(ValueError, match="dither"):
        SapdAgent(10.0, dither=1.5)


@pytest.mark.parametrize("t0", [0, 2.5, True])
def test_agent_rejects_a_bad_dual_window(t0):
    with pytest.raises(ValueError, match="t0"):
        SapdAgent(10.0, t0=t0)


def test_agent_moves_its_duals_every_t0_steps_only():
    x, _ = _twin_network(np.random.default_rng(3), steps=1)
    agent = SapdAgent(10.0, t0=3, warm_steps=0, dither=1.0, seed=0)
    starved = {"gains": x.astype(np.float32), "rates": np.zeros(8, np.float32)}
    first, _ = agent.predict(starved, episode_start=np.array([True]))
    for _ in range(2):  # the rates of steps 1 and 2: the window is not full
        same, _ = agent.predict(starved)
        assert np.all(agent.mu == 0) and np.array_equal(same, first)
    moved, _ = agent.predict(starved)  # the third step's rates close the window
    assert agent.mu == pytest.approx(np.full(8, 5.0 * 0.75))  # 0 - eta (0 - f_min)
    assert not np.allclose(moved, first)


def test_train_and_dataset_commands(tmp_path):
    assert main(["train", "--scenario", "interference", "--agent", "sapd", "--iterations", "3",
                 "--out", str(tmp_path / "t")]) == 0
    assert isinstance(load_checkpoint(tmp_path / "t" / "policy.pt"), SapdPolicy)
    out = tmp_path / "d.parquet"
    assert main(["dataset", "--scenario", "interference", "--solver", "sapd", "--networks", "2",
                 "--steps", "12", "--out", str(out)]) == 0
    frame = pd.read_parquet(out)
    assert len(frame) == 24 and set(frame.columns) >= {"gains", "mu", "power_w", "rates"}
    mu = np.stack(frame[frame.network == 0]["mu"])
    assert np.all(mu[:5] == 0) and np.all(mu >= 0)
    assert np.array_equal(mu[5], mu[9])  # duals move every T0 = 5 steps only
    seen = np.stack(frame[frame.network == 0]["mu_seen"])  # mu * u, u in [0.5, 1]
    assert np.all((seen >= 0.5 * mu - 1e-12) & (seen <= mu + 1e-12))
    assert np.array_equal(seen[5], seen[9]) and np.all(seen[:5] == 0)
    powers = np.stack(frame["power_w"])
    assert np.all((powers >= 0) & (powers <= 0.01))


def test_evaluate_runs_every_agent_on_the_same_channel(tmp_path):
    from tests.conftest import program

    program("ran-gym-interference")
    out = tmp_path / "eval"
    agents = "fp,wmmse,sapd,sapd-undithered"
    assert main(["evaluate", "--scenario", "interference", "--agents", agents,
                 "--episodes", "2", "--steps", "3", "--seeds", "4", "--out", str(out),
                 "--param", "pairs=3", "--param", "warmupMs=30"]) == 0
    steps = pd.read_parquet(out / "steps.parquet")
    summary = pd.read_csv(out / "table.csv")
    assert list(summary["agent"]) == ["fp", "wmmse", "sapd", "sapd-undithered"]
    assert set(summary.columns) >= {"mean_rate", "p5_rate", "p10_rate", "feasible_share"}
    first = steps[(steps.episode == 1) & (steps.step == 1)]
    fading = [tuple(f) for f in first["info_fading"]]
    assert len(set(fading)) == 1  # identical channel for every agent
    trace = pd.read_csv(out / "trace-episode-0000.csv")  # fp, episode 0: 3 pairs x 4 states
    assert len(trace) == 12 and set(trace["power_w"]) == {0.01}
    fp = steps[steps.agent == "fp"]
    assert np.allclose(np.stack(fp["info_power_w"]), 0.01)

"""SA-PD: dual dynamics, the GNN, reproducible training, the expert on the twin, and
the train / dataset / evaluate commands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from agents.sapd import SapdPolicy, SapdTrainConfig, train_sapd
from agents.sapd.agent import DEFAULT_CHECKPOINT, dual_update, policy_powers
from agents.sapd.train import load_checkpoint
from bridge.cli import main
from bridge.twins.interference import (
    InterferenceConfig,
    drop_network,
    ergodic_metrics,
    fading,
    normalise_gains,
    shannon_rates,
)


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


def test_pretrained_expert_is_feasible_on_the_twin():
    policy = load_checkpoint(DEFAULT_CHECKPOINT)
    family, rng = InterferenceConfig(), np.random.default_rng(2024)
    ergodic = []
    for _ in range(6):
        gains = drop_network(family, rng).gains
        x = normalise_gains(gains, family.pmax_w, family.noise_w)
        h = gains * fading(gains.shape, 200, family.fading_correlation, rng)
        mu, window, rates = np.zeros(8), [], []
        for t in range(200):
            r = shannon_rates(h[t], family.pmax_w * policy_powers(policy, x, mu), family.noise_w)
            rates.append(r)
            window.append(r)
            if len(window) == 5:
                mu, window = dual_update(mu, np.mean(window, axis=0), 3.0), []
        ergodic.append(np.mean(rates, axis=0))
    metrics = ergodic_metrics(np.concatenate(ergodic)[None])
    assert metrics["feasible_share"] >= 0.95


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
    powers = np.stack(frame["power_w"])
    assert np.all((powers >= 0) & (powers <= 0.01))


def test_evaluate_runs_every_agent_on_the_same_channel(tmp_path):
    from tests.conftest import program

    program("ran-gym-interference")
    out = tmp_path / "eval"
    assert main(["evaluate", "--scenario", "interference", "--agents", "fp,wmmse,sapd",
                 "--episodes", "2", "--steps", "3", "--seed", "4", "--out", str(out),
                 "--param", "pairs=3", "--param", "warmupMs=30"]) == 0
    steps = pd.read_parquet(out / "steps.parquet")
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["agent"]) == ["fp", "wmmse", "sapd"]
    assert set(summary.columns) >= {"mean_rate", "p5_rate", "p10_rate", "feasible_share"}
    first = steps[(steps.episode == 1) & (steps.step == 1)]
    fading = [tuple(f) for f in first["info_fading"]]
    assert len(set(fading)) == 1  # identical channel for every agent
    trace = pd.read_csv(out / "trace-episode-0000.csv")  # fp, episode 0: 3 pairs x 4 states
    assert len(trace) == 12 and set(trace["power_w"]) == {0.01}
    fp = steps[steps.agent == "fp"]
    assert np.allclose(np.stack(fp["info_power_w"]), 0.01)

"""GDM: the graph denoiser, the policy's range, training, mode coverage, checkpoints,
constraint guidance and the agent's entry points."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import torch

from agents.gdm.guidance import constraint_slack, lte_rate_model, slack_guidance
from agents.gdm.networks import GraphDenoiser
from agents.gdm.policy import GdmConfig, GdmPolicy, load_policy, save_policy
from agents.gdm.train import ExpertData, GdmTrainConfig, expert_data, train_gdm

TINY = GdmConfig(hidden=16, layers=2, taps=2, time_dim=8, steps=20, sampler="ddpm", ddim_steps=5)


def _gains(batch: int, n: int, seed: int) -> torch.Tensor:
    """Normalised gains like the scenario's: direct links ~1, interferers ~0."""
    g = torch.Generator().manual_seed(seed)
    x = 0.3 * torch.randn(batch, n, n, generator=g)
    return x + torch.eye(n) * (0.8 + 0.4 * torch.rand(batch, n, 1, generator=g))


@pytest.mark.parametrize("duals", [False, True])
def test_permuting_the_pairs_permutes_the_predicted_noise(duals):
    torch.manual_seed(0)
    net = GraphDenoiser(hidden=16, layers=3, taps=2, time_dim=8, duals=duals)
    n = 6
    cond = _gains(2, n, 1)
    if duals:
        cond = torch.cat([cond, torch.rand(2, n, 1)], dim=-1)
    x, t = torch.randn(2, n), torch.tensor([3, 17])
    perm = torch.tensor([4, 0, 5, 2, 1, 3])
    permuted = cond[:, perm][:, :, torch.cat([perm, torch.arange(n, cond.shape[-1])])]
    out = net(x, t, cond)
    torch.testing.assert_close(net(x[:, perm], t, permuted), out[:, perm], atol=1e-5, rtol=1e-5)
    # a non-equivariant net (e.g. an MLP on the flattened gains) would also move when only
    # the gains of other nodes change: the output must depend on the graph
    assert not torch.allclose(net(x, t, cond.flip(0)), out, atol=1e-3)
    with pytest.raises(ValueError, match="cond must be"):
        net(x, t, cond[..., :n - 1])


def test_samples_stay_within_zero_and_pmax():
    torch.manual_seed(0)
    policy = GdmPolicy(TINY)  # untrained: its raw samples run far outside [-1, 1]
    cond = _gains(64, 5, 2)
    for sampler in ("ddim", "ddpm"):
        policy.config = GdmConfig(**{**TINY.__dict__, "sampler": sampler})
        p = policy.sample(cond, torch.Generator().manual_seed(0))
        assert p.shape == (64, 5) and p.min() >= 0 and p.max() <= 1
        assert p.std() > 0.05  # not collapsed on one bound


def test_training_loss_falls_on_a_tiny_data_set():
    cond = _gains(32, 4, 3)
    fraction = torch.sigmoid(3 * torch.diagonal(cond, dim1=-2, dim2=-1) - 2.5)
    config = GdmTrainConfig(policy=TINY, iterations=150, batch=32, lr=3e-3, device="cpu")
    _, state = train_gdm(config, ExpertData(cond, fraction))
    first, last = np.mean(state["losses"][:30]), np.mean(state["losses"][-30:])
    assert last < 0.5 * first, (first, last)  # measured: 0.62 -> 0.11


def test_samples_cover_both_modes_of_a_bimodal_expert():
    # Expert: every node independently at 0.1 or 0.9 of Pmax with probability 1/2 (and
    # never in between). A model that regresses to the mean would put its samples at 0.5.
    gen = torch.Generator().manual_seed(4)
    n, rows = 4, 2048
    cond = _gains(8, n, 5).repeat(rows // 8, 1, 1)
    fraction = torch.where(torch.rand(rows, n, generator=gen) < 0.5, 0.1, 0.9)
    config = GdmTrainConfig(policy=TINY, iterations=600, batch=64, lr=3e-3, device="cpu")
    policy, _ = train_gdm(config, ExpertData(cond, fraction))
    p = policy.sample(cond[:256], torch.Generator().manual_seed(6))
    low, high = p < 0.3, p > 0.7  # within 0.2 of a mode
    share_low, share_high = low.float().mean(0), high.float().mean(0)
    assert bool((low | high).float().mean() > 0.85), "samples between the modes"
    assert bool((share_low > 0.25).all() and (share_high > 0.25).all()), (share_low, share_high)


def test_save_then_load_gives_identical_samples(tmp_path):
    torch.manual_seed(1)
    policy = GdmPolicy(TINY)
    cond = _gains(8, 5, 7)
    save_policy(policy, tmp_path / "p.pt")
    loaded = load_policy(tmp_path / "p.pt")
    a = policy.sample(cond, torch.Generator().manual_seed(9))
    b = loaded.sample(cond, torch.Generator().manual_seed(9))
    assert torch.equal(a, b)
    assert not torch.equal(a, policy.sample(cond, torch.Generator().manual_seed(10)))


def test_lte_rate_model_and_constraint_slack_by_hand():
    # One pair alone, SNR 12 at full power: 0.55 log2(1 + 12 / 4) = 0.55 x 2 = 1.1
    snr = torch.tensor([[[12.0]]])
    assert lte_rate_model(snr, torch.ones(1, 1)).item() == pytest.approx(1.1)
    # Two pairs, direct SNR 12, cross SNR 8, both at full power: SINR 12 / 9 = 1.333,
    # rate 0.55 log2(1 + 0.3333) = 0.55 x 0.41504 = 0.22827; slack 2 x (0.22827 - 0.75)
    snr = torch.tensor([[[12.0, 8.0], [8.0, 12.0]]])
    rates = lte_rate_model(snr, torch.ones(1, 2))
    assert rates[0, 0].item() == pytest.approx(0.55 * math.log2(4 / 3), rel=1e-6)
    slack = constraint_slack(snr, torch.ones(1, 2), torch.ones(1, 2))
    assert slack.item() == pytest.approx(2 * (0.55 * math.log2(4 / 3) - 0.75), rel=1e-6)


def test_slack_guidance_favours_the_failing_pair():
    # Pair 0 is weak (direct SNR 10^(4 x 0.3) = 15.8) and hit hard by pair 1 (cross
    # 10^(4 x 0.5) = 100); pair 1 is strong (10^4). Guidance weighted on pair 0 only must
    # raise pair 0's power and lower pair 1's.
    cond = torch.tensor([[[0.3, 0.5], [-0.5, 1.0]]])
    grad = slack_guidance(torch.tensor([[1.0, 0.0]]))(torch.zeros(1, 2), cond)
    assert grad[0, 0] > 0 and grad[0, 1] < 0
    # a pair that meets f_min gives no gradient
    assert torch.equal(slack_guidance(torch.tensor([[0.0, 1.0]]))(torch.zeros(1, 2), cond),
                       torch.zeros(1, 2))


def test_expert_data_checks_the_power_range():
    frame = pd.DataFrame({"gains": [np.zeros(4, np.float32)], "mu": [np.zeros(2)],
                          "power_w": [np.array([0.005, 0.02])]})
    with pytest.raises(ValueError, match="pmax_w"):
        expert_data(frame, pmax_w=0.01, duals=False)
    data = expert_data(frame, pmax_w=0.02, duals=True)
    assert data.cond.shape == (1, 2, 3) and data.fraction.tolist() == [[0.25, 1.0]]
    assert data.cond[0, :, 2].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="mu_seen"):  # a data set from before the column
        expert_data(frame, pmax_w=0.02, duals=True, dual_column="mu_seen")
    frame["mu_seen"] = [np.array([1.5, 3.0])]
    seen = expert_data(frame, pmax_w=0.02, duals=True, dual_column="mu_seen")
    assert seen.cond[0, :, 2].tolist() == [1.5, 3.0]
    with pytest.raises(ValueError, match="dual_dither"):
        GdmConfig(duals=True, dual_dither=1.5)
    for bad in ({"hidden": 0}, {"layers": 0}, {"taps": -1}):
        with pytest.raises(ValueError, match=f"GdmConfig.{next(iter(bad))} must be >= 1"):
            GdmConfig(**bad)


def test_commands_train_the_network_shape_asked_for(tmp_path):
    import argparse

    from ran_gym.train.gdm import train_command

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"gains": [rng.normal(size=9).astype(np.float32) for _ in range(6)],
                          "mu": [rng.uniform(0, 5, 3) for _ in range(6)],
                          "power_w": [rng.uniform(0, 0.01, 3) for _ in range(6)]})
    frame.to_parquet(tmp_path / "d.parquet")
    args = argparse.Namespace(dataset=str(tmp_path / "d.parquet"), out=str(tmp_path / "t"),
                              duals=True, dual_dither=None, power_map="sqrt", hidden=8,
                              layers=1, taps=3, iterations=2, seed=0, device="cpu")
    policy = load_policy(train_command(args))
    config = policy.config
    assert (config.hidden, config.layers, config.taps) == (8, 1, 3)
    assert config.duals and config.power_map == "sqrt"
    assert len(policy.denoiser.layers) == 1 and len(policy.denoiser.layers[0].taps) == 4


def test_train_command_then_agent_in_ns3(tmp_path):
    from agents.registry import make_agent
    from bridge.envs import ScenarioEnv
    from ran_gym.cli import main
    from tests.conftest import program

    program("ran-gym-interference")
    data = tmp_path / "d.parquet"
    assert main(["dataset", "--scenario", "interference", "--solver", "sapd", "--networks", "2",
                 "--steps", "10", "--out", str(data)]) == 0
    assert main(["train", "--scenario", "interference", "--agent", "gdm",
                 "--out", str(tmp_path)]) != 0  # no --dataset
    assert main(["train", "--scenario", "interference", "--agent", "gdm", "--dataset", str(data),
                 "--iterations", "5", "--device", "cpu", "--out", str(tmp_path / "t")]) == 0
    checkpoint = tmp_path / "t" / "policy.pt"
    assert torch.load(checkpoint, weights_only=True)["train_config"]["iterations"] == 5
    env = ScenarioEnv("interference", {"pairs": 3, "warmupMs": 30})
    try:
        for kw in ({}, {"guidance_scale": 1.0, "guidance_feedback": True}):
            agent = make_agent("gdm", env, seed=1, checkpoint=str(checkpoint), **kw)
            obs, _ = env.reset(seed=3)
            actions = []
            for k in range(3):
                action, _ = agent.predict(obs, episode_start=k == 0)
                assert action.shape == (3,) and action.min() >= 0 and action.max() <= 10
                obs, *_ = env.step(action)
                actions.append(action)
            assert not np.array_equal(actions[0], actions[1])  # a fresh sample every step
    finally:
        env.close()


def test_dual_conditioned_agent_starts_from_warm_duals(tmp_path):
    from dataclasses import replace

    from agents.gdm import GdmAgent

    torch.manual_seed(2)
    save_policy(GdmPolicy(replace(TINY, duals=True)), tmp_path / "d.pt")
    x = _gains(1, 4, 3)[0].numpy()
    obs = {"gains": x, "rates": np.zeros(4, np.float32)}

    def first_duals(**kw):
        agent = GdmAgent(10.0, checkpoint=tmp_path / "d.pt", seed=0, **kw)
        power, _ = agent.predict(obs)
        assert power.shape == (4,) and np.all((power >= 0) & (power <= 10.0))
        return agent.mu

    # no pair reaches 100 bit/s/Hz: every dual climbs, eta (100 - rate) per window, to 10
    assert np.all(first_duals(warm_steps=20, f_min=100.0) == 10.0)
    # every pair exceeds 0: every dual stays at 0; without a warm start nothing moves
    assert np.all(first_duals(warm_steps=20, f_min=0.0) == 0.0)
    assert np.all(first_duals(warm_steps=0, f_min=100.0) == 0.0)
    # in between, the duals are the dynamics' (rates of a random policy: some served)
    mu = first_duals(warm_steps=20, f_min=0.75)
    assert np.all((mu >= 0) & (mu <= 10.0))


def test_agent_refuses_a_bad_dual_window():
    from agents.gdm import GdmAgent

    with pytest.raises(ValueError, match="t0"):
        GdmAgent(10.0, t0=0)


def test_dagger_labels_the_gdms_own_dual_states_with_the_expert():
    from agents.sapd.agent import ETA, dual_update, policy_powers
    from agents.sapd.networks import SapdPolicy
    from bridge.twins.interference import InterferenceConfig, lte_rates
    from ran_gym.dataset.dagger import dagger_rows

    torch.manual_seed(0)
    gdm = GdmPolicy(dataclasses.replace(TINY, duals=True, dual_dither=0.5)).eval()
    expert = SapdPolicy(hidden=8, layers=2).eval()
    family = InterferenceConfig()
    frame = dagger_rows(gdm, expert, lte_rates, networks=2, steps=12, t0=4, seed=3)
    assert len(frame) == 24 and set(frame["network"]) == {0, 1}
    for _, net in frame.groupby("network"):
        x = net["gains"].iloc[0].reshape(8, 8).astype(np.float64)
        mu, seen, rates = (np.stack(net[c].to_list()) for c in ("mu", "mu_seen", "rates"))
        assert np.all(mu[:4] == 0)  # first window from mu = 0, then moved by its own rates
        np.testing.assert_allclose(mu[4], dual_update(mu[0], rates[:4].mean(0), ETA))
        np.testing.assert_allclose(mu[8], dual_update(mu[4], rates[4:8].mean(0), ETA))
        assert np.all((seen <= mu + 1e-12) & (seen >= 0.5 * mu - 1e-12))
        for t in (0, 5, 11):  # the label: the expert's answer to the duals the GDM saw
            np.testing.assert_allclose(net["power_w"].iloc[t],
                                       family.pmax_w * policy_powers(expert, x, seen[t]))
    plain = GdmPolicy(TINY).eval()
    with pytest.raises(ValueError, match="conditioned on the duals"):
        dagger_rows(plain, expert, lte_rates, networks=1, steps=4, t0=2, seed=0)


def test_ns3_dagger_labels_the_states_the_gdm_visits_in_ns3(tmp_path):
    from agents.gdm import GdmAgent
    from agents.sapd.agent import dual_update, policy_powers
    from agents.sapd.networks import SapdPolicy
    from bridge.envs import ScenarioEnv
    from ran_gym.dataset.dagger import ns3_dagger_rows
    from tests.conftest import program

    program("ran-gym-interference")
    torch.manual_seed(1)
    save_policy(GdmPolicy(dataclasses.replace(TINY, duals=True, dual_dither=0.5)),
                tmp_path / "d.pt")
    expert = SapdPolicy(hidden=8, layers=2).eval()
    env = ScenarioEnv("interference", {"pairs": 3, "warmupMs": 30})
    try:  # f_min = 3: the duals move with ns-3's rates (at most 3.5 bit/s/Hz)
        agent = GdmAgent(10.0, tmp_path / "d.pt", seed=0, t0=2, warm_steps=0, f_min=3.0)
        frame = ns3_dagger_rows(agent, expert, env, range(3, 5), steps=6, pmax_w=0.01)
        plain = tmp_path / "p.pt"
        save_policy(GdmPolicy(TINY), plain)
        with pytest.raises(ValueError, match="conditioned on the duals"):
            ns3_dagger_rows(GdmAgent(10.0, plain), expert, env, range(1), steps=2, pmax_w=0.01)
    finally:
        env.close()
    assert len(frame) == 12 and list(frame["network"]) == [0] * 6 + [1] * 6
    assert not np.array_equal(frame["gains"].iloc[0], frame["gains"].iloc[6])  # two drops
    for _, net in frame.groupby("network"):
        x = net["gains"].iloc[0].reshape(3, 3).astype(np.float64)
        mu, seen, rates = (np.stack(net[c].to_list()) for c in ("mu", "mu_seen", "rates"))
        assert np.all(mu[:2] == 0) and np.all(rates >= 0) and rates.max() > 0  # ns-3's rates
        np.testing.assert_allclose(mu[2], dual_update(mu[0], rates[:2].mean(0), 5.0, 3.0),
                                   rtol=1e-6)
        np.testing.assert_allclose(mu[4], dual_update(mu[2], rates[2:4].mean(0), 5.0, 3.0),
                                   rtol=1e-6)
        assert mu[2].max() > 0 and np.all(seen[2] == seen[3])  # one dither per window
        assert np.all((seen <= mu + 1e-12) & (seen >= 0.5 * mu - 1e-12))
        for t in (1, 2, 5):
            np.testing.assert_allclose(net["power_w"].iloc[t],
                                       0.01 * policy_powers(expert, x, seen[t]), rtol=1e-6)


def test_power_maps_round_trip_and_fix_the_ends():
    from agents.gdm.policy import from_diffusion, to_diffusion

    fraction = torch.tensor([0.0, 1e-4, 0.0025, 0.01, 0.25, 0.5, 0.81, 1.0])
    for power_map in ("affine", "sqrt"):
        y = to_diffusion(fraction, power_map)
        assert y[0].item() == -1.0 and y[-1].item() == 1.0  # 0 -> -1, Pmax -> 1
        assert bool((y.diff() > 0).all())  # monotone
        torch.testing.assert_close(from_diffusion(y, power_map), fraction, atol=1e-6, rtol=0)
    sqrt = to_diffusion(fraction, "sqrt")
    # by hand: 2 sqrt(p) - 1
    torch.testing.assert_close(sqrt[[2, 3, 4, 6]], torch.tensor([-0.9, -0.8, 0.0, 0.8]))
    # finer near 0: 1 % of Pmax is 0.2 away from the bound instead of 0.02
    assert to_diffusion(fraction, "affine")[3].item() == pytest.approx(-0.98)
    # both inverses clamp to [0, 1] outside [-1, 1]
    for power_map in ("affine", "sqrt"):
        assert from_diffusion(torch.tensor([-1.5, 1.5]), power_map).tolist() == [0.0, 1.0]
    # the policy's methods follow its config
    policy = GdmPolicy(dataclasses.replace(TINY, power_map="sqrt"))
    torch.testing.assert_close(policy.to_diffusion(fraction), sqrt)
    assert GdmPolicy(TINY).to_diffusion(torch.tensor([0.25])).item() == pytest.approx(-0.5)


def test_sqrt_map_policy_samples_within_zero_and_pmax_and_trains_on_sqrt_powers():
    torch.manual_seed(0)
    affine = GdmPolicy(TINY)  # untrained: raw samples run far outside [-1, 1]
    sqrt = GdmPolicy(dataclasses.replace(TINY, power_map="sqrt"))
    sqrt.load_state_dict(affine.state_dict())
    cond = _gains(64, 5, 2)
    for sampler in ("ddim", "ddpm"):
        for policy in (affine, sqrt):
            policy.config = dataclasses.replace(policy.config, sampler=sampler)
        p = sqrt.sample(cond, torch.Generator().manual_seed(0))
        assert p.shape == (64, 5) and p.min() >= 0 and p.max() <= 1
        assert p.std() > 0.05
        # same weights, same noise: the same diffusion sample, read through the other map
        a = affine.sample(cond, torch.Generator().manual_seed(0))
        torch.testing.assert_close(p, a.square())
        assert not torch.allclose(p, a)
    # the loss of the sqrt map on p is the affine one's on sqrt(p)
    fraction = torch.rand(16, 5, generator=torch.Generator().manual_seed(1))
    c = cond[:16]
    torch.testing.assert_close(sqrt.loss(fraction, c, torch.Generator().manual_seed(2)),
                               affine.loss(fraction.sqrt(), c, torch.Generator().manual_seed(2)))


def test_power_map_is_saved_and_old_checkpoints_load_as_affine(tmp_path):
    torch.manual_seed(1)
    policy = GdmPolicy(dataclasses.replace(TINY, power_map="sqrt"))
    save_policy(policy, tmp_path / "s.pt")
    assert torch.load(tmp_path / "s.pt", weights_only=True)["config"]["power_map"] == "sqrt"
    loaded = load_policy(tmp_path / "s.pt")
    assert loaded.config.power_map == "sqrt"
    cond = _gains(8, 5, 7)
    assert torch.equal(policy.sample(cond, torch.Generator().manual_seed(9)),
                       loaded.sample(cond, torch.Generator().manual_seed(9)))
    # a checkpoint written before the field existed
    old = torch.load(tmp_path / "s.pt", weights_only=True)
    del old["config"]["power_map"]
    torch.save(old, tmp_path / "old.pt")
    assert load_policy(tmp_path / "old.pt").config.power_map == "affine"


def test_unknown_power_map_is_refused(tmp_path, monkeypatch):
    import sys

    from agents.gdm.policy import from_diffusion, to_diffusion
    from ran_gym.train import gdm as train_gdm

    with pytest.raises(ValueError, match="power_map.*'log'"):
        GdmConfig(power_map="log")
    with pytest.raises(ValueError, match="'log'"):
        to_diffusion(torch.zeros(2), "log")
    with pytest.raises(ValueError, match="'log'"):
        from_diffusion(torch.zeros(2), "log")
    with pytest.raises(ValueError, match="'log'"):
        slack_guidance(power_map="log")
    bad = {**dataclasses.asdict(TINY), "power_map": "log"}
    torch.save({"state_dict": GdmPolicy(TINY).state_dict(), "config": bad}, tmp_path / "b.pt")
    with pytest.raises(ValueError, match="'log'"):
        load_policy(tmp_path / "b.pt")
    # the training command: --power-map sqrt reaches the checkpoint, a bad one is refused
    n = 3
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"gains": [rng.normal(size=n * n).astype(np.float32) for _ in range(4)],
                          "mu": [rng.random(n) for _ in range(4)],
                          "mu_seen": [rng.random(n) for _ in range(4)],
                          "power_w": [0.01 * rng.random(n) for _ in range(4)]})
    frame.to_parquet(tmp_path / "d.parquet")
    base = ["gdm", "--dataset", str(tmp_path / "d.parquet"), "--iterations", "2",
            "--device", "cpu", "--duals", "--dual-dither", "0.5"]
    monkeypatch.setattr(sys, "argv", [*base, "--out", str(tmp_path / "t"), "--power-map", "sqrt"])
    train_gdm.main()
    assert load_policy(tmp_path / "t" / "policy.pt").config.power_map == "sqrt"
    monkeypatch.setattr(sys, "argv", [*base, "--out", str(tmp_path / "u")])
    train_gdm.main()
    assert load_policy(tmp_path / "u" / "policy.pt").config.power_map == "affine"
    monkeypatch.setattr(sys, "argv", [*base, "--out", str(tmp_path / "v"), "--power-map", "log"])
    with pytest.raises(SystemExit):
        train_gdm.main()
    assert not (tmp_path / "v").exists()


def test_slack_guidance_under_the_sqrt_map():
    # the same pair as test_slack_guidance_favours_the_failing_pair, sqrt map: the signs
    # hold, and the gradient is that of the squared smooth map (chain rule by hand)
    from agents.gdm.guidance import SMOOTHING

    cond = torch.tensor([[[0.3, 0.5], [-0.5, 1.0]]])
    y = torch.tensor([[0.2, -0.4]])
    w = torch.tensor([[1.0, 0.0]])
    grad = slack_guidance(w, power_map="sqrt")(y, cond)
    assert grad[0, 0] > 0 and grad[0, 1] < 0
    snr = 10 ** (4 * cond.double())
    v = y.double().requires_grad_(True)
    s = torch.nn.functional.softplus(SMOOTHING * (v + 1) / 2) / SMOOTHING
    expected = torch.autograd.grad(constraint_slack(snr, s * s, w.double()).sum(), v)[0]
    torch.testing.assert_close(grad, expected.float())
    assert not torch.allclose(grad, slack_guidance(w)(y, cond))


@pytest.mark.parametrize("dither", [1.0, 0.5])
def test_slices_condition_a_dual_gdm_on_the_experts_duals(tmp_path, dither):
    from agents.gdm.slices import plot_slices

    torch.manual_seed(0)
    save_policy(GdmPolicy(dataclasses.replace(TINY, duals=True, dual_dither=dither)),
                tmp_path / "d.pt")
    distances = plot_slices(tmp_path / "d.pt", tmp_path / "s.png", networks=1, steps=6,
                            pairs=((0, 1),))
    assert (tmp_path / "s.png").stat().st_size > 0 and len(distances) == 8
    assert distances["wasserstein"].between(0, 1).all()
    assert distances["expert_mean"].between(0, 1).all()

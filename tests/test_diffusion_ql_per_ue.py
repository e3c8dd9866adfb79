"""Diffusion-QL's per-UE networks (network = "per-ue") for the slicing share action: they
read each UE's fields where the scenario's layout puts them, treat UEs of one slice alike,
checkpoint with their layout and refuse spaces that are not the layout's."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from agents.diffusion_ql import DiffusionQL, DiffusionQLConfig
from agents.diffusion_ql.per_ue import UeLayout
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import observation_size, observation_space
from bridge.slicing.shares import share_size, share_space

CFG = SlicingConfig(n_ues=6, n_rus=2)
LAYOUT = UeLayout.of(CFG)
PER_UE = DiffusionQLConfig(network="per-ue", hidden=32, batch_size=32, learning_starts=0)


def agent(config: DiffusionQLConfig = PER_UE, seed: int = 0) -> DiffusionQL:
    return DiffusionQL(observation_space(CFG), share_space(CFG), config, seed=seed,
                       device="cpu", layout=LAYOUT)


def swap_ues(obs: torch.Tensor, action: torch.Tensor, u: int, v: int
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """The same state and action with UEs u and v's places exchanged."""
    obs, action = obs.clone(), action.clone()
    n, r = CFG.n_ues, CFG.n_rus
    for start, width in ((LAYOUT.qos_ok, 1), (LAYOUT.gain, r), (LAYOUT.throughput, 1),
                         (LAYOUT.delay, 1)):
        a, b = slice(start + u * width, start + (u + 1) * width), \
            slice(start + v * width, start + (v + 1) * width)
        obs[:, a], obs[:, b] = obs[:, b].clone(), obs[:, a].clone()
    for start, width in ((0, r), (n * r, 1), (n * r + n, 1)):
        a, b = slice(start + u * width, start + (u + 1) * width), \
            slice(start + v * width, start + (v + 1) * width)
        action[:, a], action[:, b] = action[:, b].clone(), action[:, a].clone()
    return obs, action


def test_the_layout_is_the_scenarios():
    assert (LAYOUT.obs_dim, LAYOUT.action_dim) == (observation_size(CFG), share_size(CFG))
    assert (LAYOUT.gain, LAYOUT.queues) == (CFG.n_ues, 3 * CFG.n_ues + CFG.n_ues * CFG.n_rus)
    assert LAYOUT.ue_slice == tuple(CFG.ue_slice) and len(set(LAYOUT.ue_slice)) == 3
    assert UeLayout.from_dict(LAYOUT.as_dict()) == LAYOUT


def test_ues_of_one_slice_are_treated_alike_and_the_slice_matters():
    """Exchanging two eMBB UEs in the state and x_t exchanges their clean actions and
    leaves Q as it was; exchanging an eMBB UE with an mMTC one does not (the slice is an
    input). A layout read at the wrong offsets fails the first."""
    a = agent()
    gen = torch.Generator().manual_seed(0)
    obs = torch.rand((5, LAYOUT.obs_dim), generator=gen)
    x = torch.rand((5, LAYOUT.action_dim), generator=gen) * 2 - 1
    t = torch.tensor([0, 1, 2, 3, 4])
    embb = [u for u, s in enumerate(LAYOUT.ue_slice) if s == 0]
    mmtc = [u for u, s in enumerate(LAYOUT.ue_slice) if s == 2]
    with torch.no_grad():
        clean, q = a.actor.clean(x, t, obs), a.critic.q_min(obs, x)
        obs_s, x_s = swap_ues(obs, x, embb[0], embb[1])
        _, clean_swapped = swap_ues(obs, a.actor.clean(x_s, t, obs_s), embb[0], embb[1])
        torch.testing.assert_close(clean_swapped, clean)
        torch.testing.assert_close(a.critic.q_min(obs_s, x_s), q)
        obs_m, x_m = swap_ues(obs, x, embb[0], mmtc[0])
        assert not torch.allclose(a.critic.q_min(obs_m, x_m), q, atol=1e-4)
    assert clean.abs().max() <= 1


def test_a_per_ue_agent_checkpoints_with_its_layout(tmp_path):
    a = agent(seed=3)
    rng = np.random.default_rng(0)
    obs = rng.random((64, LAYOUT.obs_dim)).astype(np.float32)
    actions = rng.uniform(-1, 1, (64, LAYOUT.action_dim)).astype(np.float32)
    a.add_transitions(obs, actions, rng.random(64), obs, np.zeros(64, bool))
    a.pretrain(3)
    again = DiffusionQL.load(a.save(tmp_path / "a.pt"), observation_space(CFG),
                             share_space(CFG), device="cpu")
    assert again.layout == LAYOUT and again.config.network == "per-ue"
    assert not again._fast_enabled()  # the NumPy path mirrors the MLPs only
    np.testing.assert_array_equal(a.predict(obs[0])[0], again.predict(obs[0])[0])


def test_per_ue_networks_refuse_what_they_cannot_read():
    with pytest.raises(ValueError, match="needs the scenario's UE layout"):
        DiffusionQL(observation_space(CFG), share_space(CFG), PER_UE, device="cpu")
    other = SlicingConfig(n_ues=7, n_rus=2)
    with pytest.raises(ValueError, match="layout of 6 UEs and 2 O-RUs needs a 33-value "
                                         "observation and a 24-value share action, the "
                                         "spaces have 38 and 28"):
        DiffusionQL(observation_space(other), share_space(other), PER_UE, device="cpu",
                    layout=LAYOUT)
    with pytest.raises(ValueError, match="needs denoiser = 'x0', got 'eps'"):
        dataclasses.replace(PER_UE, denoiser="eps")
    with pytest.raises(ValueError, match="network"):
        dataclasses.replace(PER_UE, network="graph")


def hard_action(claims: np.ndarray, ru_of: np.ndarray) -> torch.Tensor:
    """A share action [1, d]: each UE on ``ru_of`` (score +5, -5 elsewhere), claim w as
    given (x = 2 √w − 1), power 0."""
    n, r = CFG.n_ues, CFG.n_rus
    scores = np.full((n, r), -5.0)
    scores[np.arange(n), ru_of] = 5.0
    x = np.concatenate([scores.reshape(-1), 2 * np.sqrt(claims) - 1, np.zeros(n)])
    return torch.as_tensor(x, dtype=torch.float32)[None]


def test_rbg_fractions_keep_only_the_ratios_of_each_o_rus_claims():
    """Halving every claim at one O-RU leaves the RBGs each UE wins, so the fraction
    critic's Q, as it was; the claim critic's moves. An action that claims all of each
    O-RU's RBGs is its own image (a demonstrator's actions look the same either way)."""
    from agents.diffusion_ql.per_ue import rbg_fractions

    ru_of = np.array([0, 0, 0, 1, 1, 1])
    claims = np.array([0.1, 0.3, 0.2, 0.4, 0.05, 0.15])
    halved = np.where(ru_of == 0, claims / 2, claims)
    x, x_half = hard_action(claims, ru_of), hard_action(halved, ru_of)
    n, r = CFG.n_ues, CFG.n_rus
    share = slice(n * r, n * r + n)
    wins = claims / np.array([claims[ru_of == ru].sum() for ru in (0, 1)])[ru_of]
    for action in (x, x_half):
        fractions = ((rbg_fractions(LAYOUT, action)[0, share] + 1) / 2) ** 2
        np.testing.assert_allclose(fractions.numpy(), wins, rtol=1e-4)
    whole = hard_action(wins, ru_of)
    torch.testing.assert_close(rbg_fractions(LAYOUT, whole), whole, rtol=0, atol=1e-4)

    obs = torch.rand((1, LAYOUT.obs_dim), generator=torch.Generator().manual_seed(1))
    fraction = agent(dataclasses.replace(PER_UE, critic_share="fraction"))
    claim = agent(PER_UE)
    with torch.no_grad():
        torch.testing.assert_close(fraction.critic.q_min(obs, x_half),
                                   fraction.critic.q_min(obs, x))
        assert not torch.allclose(claim.critic.q_min(obs, x_half), claim.critic.q_min(obs, x),
                                  atol=1e-5)


def twin_transitions(steps: int) -> tuple[np.ndarray, ...]:
    """(obs, share action, reward, next obs) of random actions in a 6-UE, 2-O-RU twin."""
    from ran_gym.train.diffusion_ql import make_env

    env = make_env("oran-slicing-twin", {"nUes": "6", "nRus": "2", "maxSteps": "8"})
    assert UeLayout.of(env.cfg) == LAYOUT
    rng = np.random.default_rng(0)
    rows: list[tuple[np.ndarray, ...]] = []
    obs, _ = env.reset(seed=0)
    while len(rows) < steps:
        action = rng.uniform(-1, 1, LAYOUT.action_dim).astype(np.float32)
        nxt, reward, terminated, truncated, _ = env.step(action)
        rows.append((obs, action, np.float32(reward), nxt))
        obs = env.reset()[0] if terminated or truncated else nxt
    env.close()
    return tuple(np.stack(column) for column in zip(*rows, strict=True))


def test_each_ues_part_of_the_reward_is_read_from_the_next_observation():
    """The parts U θ_rate · throughput + θ_const · QoS flag add up to the twin's reward
    (what is spread back over the UEs is float rounding), and a UE's part is its own:
    read at the wrong offsets, or with the wrong weights, they would not."""
    obs, _, rewards, nxt = twin_transitions(40)
    critic = agent(dataclasses.replace(PER_UE, critic_targets="per-ue")).critic
    parts = critic.ue_rewards(torch.as_tensor(nxt), torch.as_tensor(rewards)).numpy()
    n = CFG.n_ues
    throughput = nxt[:, LAYOUT.throughput:LAYOUT.throughput + n]
    qos = nxt[:, LAYOUT.qos_ok:LAYOUT.qos_ok + n] > 0.5
    own = n * CFG.theta_rate * throughput + CFG.theta_const * qos
    np.testing.assert_allclose(parts.mean(1), rewards, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(parts, own, atol=1e-4)
    assert qos.any() and (~qos).any() and np.ptp(throughput) > 1


def test_per_ue_credit_fits_each_ues_value_to_its_own_part():
    """Offline updates with per-UE targets (γ = 0) fit each UE's value to its part of the
    reward; with the joint target only their mean is fitted, and the UEs' values do not
    follow their own parts as closely."""
    obs, actions, rewards, nxt = twin_transitions(256)
    fits = {}
    for targets in ("joint", "per-ue"):
        a = agent(dataclasses.replace(PER_UE, critic_targets=targets, gamma=0.0, q_weight=0.0,
                                      lr_critic=1e-3, batch_size=64))
        a.add_transitions(obs, actions, rewards, nxt, np.zeros(len(obs), bool))
        a.pretrain(300)
        x = torch.as_tensor(np.stack([a._from_env(v) for v in actions]))
        with torch.no_grad():
            values = a.critic.per_ue(torch.as_tensor(a._inputs(obs)), x)[0].numpy()
            parts = a.critic.ue_rewards(torch.as_tensor(nxt), torch.as_tensor(rewards)).numpy()
        fits[targets] = float(np.mean((values - parts) ** 2) / np.var(parts))
    assert fits["per-ue"] < 0.65  # 0.55 here: a share of the variance left unexplained
    assert fits["per-ue"] < 0.75 * fits["joint"]  # the joint fit: 0.88


def test_the_critics_settings_retune_and_need_the_per_ue_networks():
    """Retuned on a trained agent, the settings reach its critics; with γ > 0 each UE's
    target adds its own next value, and the reported Q is the mean of the UEs' values."""
    obs, actions, rewards, nxt = twin_transitions(64)
    a = agent()
    a.add_transitions(obs, actions, rewards, nxt, np.zeros(len(obs), bool))
    a.pretrain(2)
    a.retune(critic_share="fraction", critic_targets="per-ue", gamma=0.5)
    assert a.critic.share == a.critic_target.share == "fraction"
    assert a.config.critic_targets == "per-ue"
    batch, _ = a.sample_batch()
    with torch.no_grad():
        expected = a.critic.per_ue(batch.observations, batch.actions)[0].mean()
    losses = a._update(batch, a._draws(len(batch.observations)))
    assert torch.isfinite(losses).all()
    torch.testing.assert_close(losses[3], expected)
    for name, value in (("critic_targets", "per-ue"), ("critic_share", "fraction")):
        with pytest.raises(ValueError, match=f"{name} = '{value}' needs network = 'per-ue'"):
            DiffusionQLConfig(**{name: value})
    with pytest.raises(ValueError, match="critic_share"):
        dataclasses.replace(PER_UE, critic_share="rbgs")


def outcome_fields_changed(obs: torch.Tensor) -> torch.Tensor:
    """``obs`` with every UE's QoS flag, throughput and delay and the slice queues
    changed, and its gains as they were."""
    changed = obs.clone()
    n = CFG.n_ues
    for start, width in ((LAYOUT.qos_ok, n), (LAYOUT.throughput, n), (LAYOUT.delay, n),
                         (LAYOUT.queues, 3)):
        changed[:, start:start + width] += 1.5
    return changed


def test_networks_that_see_only_the_drop_ignore_the_last_steps_outcomes():
    """With ``policy_inputs`` / ``critic_inputs = "drop"`` the denoiser's clean action and
    the critics' values move with the gains and not with the last step's outcomes; with
    "all" they move with both. Retuning the critics' inputs reaches both critics."""
    gen = torch.Generator().manual_seed(1)
    obs = torch.rand((4, LAYOUT.obs_dim), generator=gen)
    x = torch.rand((4, LAYOUT.action_dim), generator=gen) * 2 - 1
    t = torch.tensor([0, 1, 2, 3])
    outcomes = outcome_fields_changed(obs)
    gains = obs.clone()
    gains[:, LAYOUT.gain:LAYOUT.gain + CFG.n_ues * CFG.n_rus] += 0.5
    drop = agent(dataclasses.replace(PER_UE, policy_inputs="drop", critic_inputs="drop"))
    every = agent()
    with torch.no_grad():
        for a, hidden in ((drop, True), (every, False)):
            clean, q = a.actor.clean(x, t, obs), a.critic.q_min(obs, x)
            assert torch.allclose(a.actor.clean(x, t, outcomes), clean) == hidden
            assert torch.allclose(a.critic.q_min(outcomes, x), q) == hidden
            assert not torch.allclose(a.actor.clean(x, t, gains), clean)
            assert not torch.allclose(a.critic.q_min(gains, x), q)
        q = every.critic_target.q_min(obs, x)
        every.retune(critic_inputs="drop")
        assert torch.allclose(every.critic_target.q_min(outcomes, x),
                              every.critic_target.q_min(obs, x))
        assert not torch.allclose(every.critic_target.q_min(obs, x), q)
    for name in ("policy_inputs", "critic_inputs"):
        with pytest.raises(ValueError, match=f"{name} = 'drop' needs network = 'per-ue'"):
            DiffusionQLConfig(**{name: "drop"})
        with pytest.raises(ValueError, match=name):
            dataclasses.replace(PER_UE, **{name: "gains"})


def test_the_action_sinr_is_the_allocations_and_one_ues_power_reaches_the_other_cells():
    """Of a demonstrator's encoded allocation, :func:`action_sinr_db` is each UE's SINR
    with every other O-RU's power spread over its RBGs, computed here from the decoded
    allocation; lowering one UE's power entry lowers its own SINR alone at its O-RU and
    raises the other O-RU's UEs' (a sign error, a leak of the own O-RU into the
    interference or the levels read in the wrong order fails it)."""
    from agents.diffusion_ql.per_ue import action_sinr_db
    from bridge.slicing import greedy, shares
    from bridge.slicing.layout import gains_from_observation
    from bridge.slicing.twin_env import OranSlicingTwinEnv

    env = OranSlicingTwinEnv({"maxSteps": 2})
    cfg, layout = env.cfg, UeLayout.of(env.cfg)
    obs, _ = env.reset(seed=3)
    gain_db = gains_from_observation(obs, cfg)
    alloc = greedy.allocate(cfg, gain_db)
    x = torch.as_tensor(shares.encode(cfg, alloc))[None]
    sinr = action_sinr_db(layout, torch.as_tensor(gain_db, dtype=torch.float32)[None], x)[0]
    gain, factor = 10 ** (gain_db / 10), cfg.level_factors
    served = alloc.prb_owner >= 0
    ru_power = np.array([factor[alloc.power_level[alloc.prb_owner[r][served[r]]]].sum()
                         / shares.usable_rbgs(cfg) for r in range(cfg.n_rus)])
    assert served.sum(1).tolist() == [shares.usable_rbgs(cfg)] * cfg.n_rus
    owning = np.bincount(alloc.prb_owner[served], minlength=cfg.n_ues) > 0
    for u in np.flatnonzero(owning):
        r = alloc.association[u]
        interference = sum(gain[u, k] * ru_power[k] for k in range(cfg.n_rus) if k != r)
        expected = 10 * np.log10(gain[u, r] * factor[alloc.power_level[u]]
                                 / (10 ** (layout.noise_db / 10) + interference))
        assert float(sinr[u]) == pytest.approx(expected, abs=1e-3)
    u = int(np.flatnonzero(owning)[np.argmax(alloc.power_level[owning])])
    assert alloc.power_level[u] >= 3
    lowered = x.clone()
    lowered[0, cfg.n_ues * cfg.n_rus + cfg.n_ues + u] = float(shares.level_centres(
        cfg.n_levels)[alloc.power_level[u] - 3])
    change = (action_sinr_db(layout, torch.as_tensor(gain_db, dtype=torch.float32)[None],
                             lowered)[0] - sinr).numpy()
    level_db = np.asarray(cfg.power_levels_db)
    assert change[u] == pytest.approx(level_db[alloc.power_level[u] - 3]
                                      - level_db[alloc.power_level[u]], abs=1e-3)
    same_ru = alloc.association == alloc.association[u]
    np.testing.assert_allclose(change[same_ru & (np.arange(cfg.n_ues) != u)], 0, atol=1e-4)
    assert (change[~same_ru & owning] > 0).all()


def test_critics_that_see_the_sinr_checkpoint_with_it_and_need_the_per_ue_networks(tmp_path):
    """The SINR column is one more input of each critic's φ; a checkpoint built with it
    loads with it, and its critics' values move when another O-RU's UE lowers its power,
    where those of critics built without it need not."""
    a = agent(dataclasses.replace(PER_UE, critic_sinr=True), seed=1)
    plain = agent(seed=1)
    first = a.critic.q1.phi[0][0]
    assert first.in_features == plain.critic.q1.phi[0][0].in_features + 1
    again = DiffusionQL.load(a.save(tmp_path / "a.pt"), observation_space(CFG),
                             share_space(CFG), device="cpu")
    assert again.config.critic_sinr and again.critic.sinr
    obs = torch.rand((3, LAYOUT.obs_dim), generator=torch.Generator().manual_seed(0))
    x = torch.rand((3, LAYOUT.action_dim), generator=torch.Generator().manual_seed(1)) * 2 - 1
    torch.testing.assert_close(again.critic.q_min(obs, x), a.critic.q_min(obs, x))
    with pytest.raises(ValueError, match="critic_sinr = True needs network = 'per-ue'"):
        DiffusionQLConfig(critic_sinr=True)
    with pytest.raises(ValueError, match="critic_sinr cannot change"):
        a.retune(critic_sinr=False)


def test_power_steps_lower_the_power_the_critics_value_lower_and_nothing_else():
    """The chosen action's power entries after ``power_steps``, against the rule done
    one try at a time: each UE's entry 1 … k levels lower alone, valued by the critics;
    the UEs whose best try beats the chosen action by ``power_margin`` lowered so; the
    whole kept only where the critics value it above the chosen one."""
    from bridge.slicing import shares

    a = agent(dataclasses.replace(PER_UE, critic_sinr=True, power_steps=2, power_margin=0.0),
              seed=2)
    gen = torch.Generator().manual_seed(4)
    obs = torch.rand((4, LAYOUT.obs_dim), generator=gen)
    x = torch.rand((4, LAYOUT.action_dim), generator=gen) * 2 - 1
    with torch.no_grad():
        got = a._lower_power(obs, x)
        q = a.critic_target.q_min
        start, n_levels = LAYOUT.action_dim - CFG.n_ues, CFG.n_levels
        lowered_any = 0
        for row in range(len(x)):
            base = float(q(obs[row:row + 1], x[row:row + 1])[0])
            want = x[row].clone()
            levels = shares.power_levels(x[row, start:].numpy(), n_levels)
            for ue in range(CFG.n_ues):
                best, best_q = None, base
                for k in (1, 2):
                    if levels[ue] - k < 0:
                        continue
                    trial = x[row].clone()
                    trial[start + ue] = float(shares.level_centres(n_levels)[levels[ue] - k])
                    value = float(q(obs[row:row + 1], trial[None])[0])
                    if value > best_q:
                        best, best_q = trial[start + ue], value
                if best is not None:
                    want[start + ue] = best
            if float(q(obs[row:row + 1], want[None])[0]) > base:
                lowered_any += int((want != x[row]).sum())
            else:
                want = x[row]
            torch.testing.assert_close(got[row], want)
    assert lowered_any > 0  # the rule did something on these random critics
    torch.testing.assert_close(got[:, :start], x[:, :start])
    assert (got[:, start:] <= x[:, start:] + 1e-6).all()
    with pytest.raises(ValueError, match="power_steps = 2 needs network = 'per-ue'"):
        DiffusionQLConfig(power_steps=2)


def test_a_value_per_count_rises_by_its_steps_and_lies_between_them_in_between():
    """At a whole count the value is the base plus the first steps, softplus(out − offset)
    each; between two counts it is linear; past the last count, and below 0, it stays."""
    from agents.diffusion_ql.per_ue import COUNT_STEP_OFFSET, value_at_count

    out = torch.randn((2, 3, 5), generator=torch.Generator().manual_seed(0))
    steps = torch.nn.functional.softplus(out[..., 1:] - COUNT_STEP_OFFSET)
    whole = [value_at_count(out, torch.full((2, 3), float(c))) for c in range(5)]
    for c in range(5):
        torch.testing.assert_close(whole[c], out[..., 0] + steps[..., :c].sum(-1))
    torch.testing.assert_close(value_at_count(out, torch.full((2, 3), 2.25)),
                               0.75 * whole[2] + 0.25 * whole[3])
    torch.testing.assert_close(value_at_count(out, torch.full((2, 3), 7.0)), whole[4])
    torch.testing.assert_close(value_at_count(out, torch.full((2, 3), -1.0)), whole[0])
    rising = zip(whole[:-1], whole[1:], strict=True)
    assert all((later > earlier).all() for earlier, later in rising)


def test_critics_with_a_value_per_count_read_it_at_each_ues_rbgs(tmp_path):
    """An RBG moved between two UEs of one O-RU (same power) leaves every UE's ρ outputs
    as they were, the share entries being hidden and the SINRs unchanged, and moves the
    two UEs' values by exactly that count's step, down for the one and up for the other;
    each value is its ρ outputs read at the UE's RBGs. The critics checkpoint with their
    count outputs; the setting shapes them and needs the per-UE networks."""
    from agents.diffusion_ql.per_ue import value_at_count

    config = dataclasses.replace(PER_UE, critic_counts=True, critic_sinr=True)
    a = agent(config, seed=3)
    critic = a.critic
    assert critic.q1.rho[-1][-1].out_features == 1 + LAYOUT.rbgs == 17
    ru_of = np.array([0, 0, 0, 1, 1, 1])
    rbgs = np.array([8, 5, 3, 10, 4, 2])
    moved = rbgs + np.array([-1, 1, 0, 0, 0, 0])
    x, y = (hard_action(r / LAYOUT.rbgs, ru_of) for r in (rbgs, moved))
    obs = torch.rand((1, LAYOUT.obs_dim), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        inputs_x, membership, count_x = critic._inputs(obs, x)
        inputs_y, _, count_y = critic._inputs(obs, y)
        np.testing.assert_allclose(count_x[0].numpy(), rbgs, atol=1e-3)
        np.testing.assert_allclose(count_y[0].numpy(), moved, atol=1e-3)
        torch.testing.assert_close(inputs_x, inputs_y)
        out = critic.q1.read(inputs_x, membership)
        v_x, v_y = critic.per_ue(obs, x)[0], critic.per_ue(obs, y)[0]
        torch.testing.assert_close(v_x, value_at_count(out, count_x))
    change = (v_y - v_x)[0].numpy()
    assert change[0] < 0 < change[1]
    np.testing.assert_allclose(change[2:], 0, atol=1e-6)

    obs_np, actions, rewards, nxt = twin_transitions(64)
    a.add_transitions(obs_np, actions, rewards, nxt, np.zeros(len(obs_np), bool))
    a.pretrain(2)
    again = DiffusionQL.load(a.save(tmp_path / "a.pt"), observation_space(CFG),
                             share_space(CFG), device="cpu")
    assert again.critic.counts
    torch.testing.assert_close(again.critic.q_min(obs, x), a.critic.q_min(obs, x))
    with pytest.raises(ValueError, match="critic_counts = True needs network = 'per-ue'"):
        DiffusionQLConfig(critic_counts=True)
    with pytest.raises(ValueError, match="critic_counts cannot change"):
        a.retune(critic_counts=False)

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

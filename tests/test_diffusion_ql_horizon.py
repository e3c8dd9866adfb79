"""Per-UE critic targets of several steps (DiffusionQLConfig.critic_horizon): each UE's
mean part of the reward over the next steps of its transition's episode, stored with the
transition and fitted in place of the step's own part; and the replay's stored targets."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from agents.common.replay import ReplayBuffer
from agents.diffusion_ql import DiffusionQL, DiffusionQLConfig
from agents.diffusion_ql.buffers import horizon_means
from bridge.slicing.layout import observation_space
from bridge.slicing.shares import share_space
from tests.test_diffusion_ql_per_ue import CFG, PER_UE, agent, twin_transitions

HORIZON = dataclasses.replace(PER_UE, critic_targets="per-ue", gamma=0.0, critic_horizon=3)


def test_the_mean_runs_over_the_next_steps_of_the_rows_episode_alone():
    parts = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0], [5.0, 50.0],
                      [6.0, 60.0]])
    episodes = np.array([7, 7, 7, 7, 3, 3])
    means = horizon_means(parts, episodes, 3)
    # Episode 7: rows 0-3; episode 3: rows 4-5. A row near its episode's end averages
    # over the steps left, never into the next episode.
    np.testing.assert_allclose(means[:, 0], [2.0, 3.0, 3.5, 4.0, 5.5, 6.0])
    np.testing.assert_allclose(means[:, 1], 10 * means[:, 0])
    np.testing.assert_array_equal(horizon_means(parts, episodes, 1), parts)
    with pytest.raises(ValueError, match="must lie together, in step order"):
        horizon_means(parts, np.array([7, 7, 3, 3, 7, 7]), 2)
    with pytest.raises(ValueError, match="5 episode keys for 6 transitions"):
        horizon_means(parts, episodes[:5], 2)


def test_the_buffer_samples_each_rows_targets_with_it_and_checkpoints_them():
    buffer = ReplayBuffer(4, obs_dim=1, action_dim=1, targets_dim=2)
    for k in range(3):
        buffer.add([k], [0], 0.0, [k], False, [k, -k])
    batch = buffer.sample(50, np.random.default_rng(0), torch.device("cpu"))
    assert torch.equal(batch.targets[:, 0], batch.observations[:, 0])
    assert torch.equal(batch.targets[:, 1], -batch.observations[:, 0])
    copy = ReplayBuffer(4, 1, 1, targets_dim=2)
    copy.load_state_dict(buffer.state_dict())
    np.testing.assert_array_equal(copy.targets, buffer.targets)
    with pytest.raises(ValueError, match="keeps 2 targets per transition"):
        buffer.add([0], [0], 0.0, [0], False)
    plain = ReplayBuffer(4, 1, 1)
    plain.add([1], [0], 0.0, [1], False)
    assert plain.sample(3, np.random.default_rng(0), torch.device("cpu")).targets.shape == (3, 0)
    state = plain.state_dict()
    del state["targets"]  # a checkpoint from before stored targets
    ReplayBuffer(4, 1, 1).load_state_dict(state)
    with pytest.raises(ValueError, match="holds no targets, 2 expected"):
        ReplayBuffer(4, 1, 1, targets_dim=2).load_state_dict(state)


def test_a_collections_transitions_keep_each_ues_mean_part_over_the_horizon(tmp_path):
    """Stored with their episodes, the rows' targets are the horizon's means of each UE's
    parts; without them (and in the agent's own steps) each row's own part; the critics
    fit the stored targets (a wrong index or a bootstrapped value would not), and a
    checkpoint keeps them."""
    obs, actions, rewards, nxt = twin_transitions(24)
    episodes = np.repeat([0, 1, 2], 8)
    a = agent(HORIZON)
    a.add_demonstrations(obs, actions, rewards, nxt, np.zeros(24, bool), episodes)
    a.add_transitions(obs, actions, rewards, nxt, np.zeros(24, bool))
    with torch.no_grad():
        parts = a.critic.ue_rewards(torch.as_tensor(nxt), torch.as_tensor(rewards)).numpy()
    expected = horizon_means(parts, episodes, 3)
    assert not np.allclose(expected, parts, atol=1e-3)
    np.testing.assert_allclose(a.demos.targets[:24], expected, atol=1e-5)
    np.testing.assert_allclose(a.replay.targets[:24], parts, atol=1e-5)
    a.observe(obs[0], actions[0], float(rewards[0]), nxt[0], False)
    np.testing.assert_allclose(a.replay.targets[24], parts[0], atol=1e-5)
    batch, _ = a.sample_batch()
    targets = a._critic_targets(batch, a._draws(len(batch.observations)),
                                tuple(batch.actions.shape))
    assert torch.equal(targets, batch.targets)
    loaded = DiffusionQL.load(a.save(tmp_path / "horizon.pt"), observation_space(CFG),
                              share_space(CFG), device="cpu")
    assert loaded.config.critic_horizon == 3
    np.testing.assert_array_equal(loaded.demos.targets[:24], a.demos.targets[:24])


def test_the_horizon_retunes_the_buffers_and_needs_per_ue_targets_without_discount():
    obs, actions, rewards, nxt = twin_transitions(16)
    a = agent(dataclasses.replace(PER_UE, critic_targets="per-ue", gamma=0.0))
    a.add_transitions(obs, actions, rewards, nxt, np.zeros(16, bool))
    assert a.replay.targets_dim == 0
    a.retune(critic_horizon=4)
    assert (a.replay.targets_dim, a.demos.targets_dim, a.replay.size) == (6, 6, 16)
    np.testing.assert_array_equal(a.replay.observations[:16], a._inputs(obs))
    with torch.no_grad():
        parts = a.critic.ue_rewards(torch.as_tensor(nxt), torch.as_tensor(rewards)).numpy()
    np.testing.assert_allclose(a.replay.targets[:16], parts, atol=1e-4)  # episodes unknown
    a.retune(critic_horizon=1)
    assert a.replay.targets_dim == 0 and a.replay.size == 16
    with pytest.raises(ValueError, match="critic_horizon = 3 needs critic_targets = 'per-ue' "
                                         "and gamma = 0, got 'per-ue' and 0.5"):
        dataclasses.replace(HORIZON, gamma=0.5)
    with pytest.raises(ValueError, match="got 'joint' and 0.0"):
        DiffusionQLConfig(gamma=0.0, critic_horizon=2)

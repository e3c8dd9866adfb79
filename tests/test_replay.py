"""The replay buffer: where each transition lands, how the ring wraps, what sampling can
return, and the state a checkpoint keeps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.common.replay import ReplayBuffer

CPU = torch.device("cpu")


def filled(capacity: int, count: int) -> ReplayBuffer:
    """Transition k: obs (k, -k), action 10 k, reward k / 2, next obs (k + 1, -k - 1),
    done on every third step (k = 2, 5, ...)."""
    buffer = ReplayBuffer(capacity, obs_dim=2, action_dim=1)
    for k in range(count):
        buffer.add([k, -k], [10 * k], k / 2, np.array([[k + 1, -k - 1]]), k % 3 == 2)
    return buffer


@pytest.mark.parametrize("capacity", [0, -1])
def test_a_capacity_under_one_is_refused(capacity):
    with pytest.raises(ValueError, match="capacity must be >= 1"):
        ReplayBuffer(capacity, 2, 1)


def test_a_capacity_of_one_keeps_the_latest_transition():
    buffer = filled(1, 3)
    assert (buffer.size, buffer.position) == (1, 0)
    assert buffer.observations.tolist() == [[2.0, -2.0]]
    assert buffer.dones.tolist() == [1.0]


def test_the_first_transitions_fill_the_rows_in_order():
    buffer = filled(4, 2)
    assert (buffer.size, buffer.position) == (2, 2)
    # Rows 0 and 1 hold transitions 0 and 1; rows 2 and 3 are still zero.
    assert buffer.observations.tolist() == [[0, 0], [1, -1], [0, 0], [0, 0]]
    assert buffer.actions[:, 0].tolist() == [0, 10, 0, 0]
    assert buffer.rewards.tolist() == [0.0, 0.5, 0.0, 0.0]
    assert buffer.next_observations.tolist() == [[1, -1], [2, -2], [0, 0], [0, 0]]
    assert buffer.dones.tolist() == [0, 0, 0, 0]


def test_the_ring_overwrites_the_oldest_transition():
    sizes, positions = [], []
    buffer = ReplayBuffer(3, 2, 1)
    for k in range(5):
        buffer.add([k, -k], [10 * k], k / 2, [k + 1, -k - 1], k % 3 == 2)
        sizes.append(buffer.size)
        positions.append(buffer.position)
    assert sizes == [1, 2, 3, 3, 3]
    assert positions == [1, 2, 0, 1, 2]
    # Transitions 3 and 4 replaced 0 and 1 in rows 0 and 1; row 2 still holds 2.
    assert buffer.observations[:, 0].tolist() == [3, 4, 2]
    assert buffer.rewards.tolist() == [1.5, 2.0, 1.0]
    assert buffer.dones.tolist() == [0, 0, 1]


def test_sampling_an_empty_buffer_is_refused():
    with pytest.raises(ValueError, match="empty replay buffer"):
        ReplayBuffer(3, 2, 1).sample(4, np.random.default_rng(0), CPU)


def test_a_single_transition_is_sampled_every_time():
    batch = filled(3, 1).sample(5, np.random.default_rng(0), CPU)
    assert batch.observations.tolist() == [[0.0, 0.0]] * 5
    assert batch.next_observations.tolist() == [[1.0, -1.0]] * 5
    assert batch.actions.shape == (5, 1) and batch.rewards.shape == (5,)


def test_sampling_draws_every_stored_row_and_nothing_else():
    buffer = filled(8, 3)  # rows 3..7 are empty and must never be drawn
    batch = buffer.sample(300, np.random.default_rng(1), CPU)
    drawn = batch.observations[:, 0].to(torch.int64)
    assert set(drawn.tolist()) == {0, 1, 2}
    # Each field of a sampled row belongs to the same transition k.
    assert torch.equal(batch.observations[:, 1], -batch.observations[:, 0])
    assert torch.equal(batch.actions[:, 0], 10 * batch.observations[:, 0])
    assert torch.equal(batch.rewards, batch.observations[:, 0] / 2)
    assert torch.equal(batch.next_observations[:, 0], batch.observations[:, 0] + 1)
    assert torch.equal(batch.dones, (drawn == 2).to(torch.float32))
    assert batch.observations.dtype == torch.float32


def test_the_state_round_trips_into_a_fresh_buffer():
    source = filled(4, 6)  # wrapped: rows hold transitions 4, 5, 2, 3
    state = source.state_dict()
    assert (state["size"], state["position"], state["capacity"]) == (4, 2, 4)
    assert state["observations"][:, 0].tolist() == [4, 5, 2, 3]
    copy = ReplayBuffer(4, 2, 1)
    copy.load_state_dict(state)
    assert (copy.size, copy.position) == (4, 2)
    for name in ("observations", "actions", "rewards", "next_observations", "dones"):
        assert np.array_equal(getattr(copy, name), getattr(source, name)), name


def test_a_partial_state_keeps_only_the_stored_rows():
    state = filled(5, 2).state_dict()
    assert state["observations"].shape == (2, 2)
    copy = ReplayBuffer(3, 2, 1)
    copy.load_state_dict(state)
    assert (copy.size, copy.position) == (2, 2)
    assert copy.observations.tolist() == [[0, 0], [1, -1], [0, 0]]


def test_a_state_larger_than_the_capacity_is_refused():
    state = filled(4, 4).state_dict()
    with pytest.raises(ValueError, match="holds 4 transitions, capacity is 3"):
        ReplayBuffer(3, 2, 1).load_state_dict(state)

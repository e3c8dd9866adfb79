"""The real ns-3 reference scenario through the bridge."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import bridge
from bridge.envs import ScenarioEnv


def rollout(env, seed, actions):
    obs, info = env.reset(seed=seed)
    trajectory = [(obs.tolist(), None, info)]
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(np.array([action], np.float32))
        trajectory.append((obs.tolist(), reward, info))
        if terminated or truncated:
            break
    return trajectory


@pytest.fixture()
def env(reference_program):
    env = ScenarioEnv("reference", {"maxSteps": 50})
    yield env
    env.close()


def test_spaces_come_from_the_program(env):
    assert env.observation_space == gym.spaces.Box(0, 1e6, (5,), np.float32)
    assert env.action_space == gym.spaces.Box(1, 20, (1,), np.float32)


def test_gymnasium_and_sb3_checkers_pass(env):
    gym_check_env(env, skip_render_check=True)
    sb3_check_env(env, warn=False)
    # The checkers leave the env as they found it: a seeded reset starts from the
    # documented initial state, and a step applies its action.
    obs, _ = env.reset(seed=3)
    assert obs.tolist() == [0.0, 0.0, 0.0, 0.0, 10.0]
    obs, reward, terminated, truncated, _ = env.step(np.array([4.0], np.float32))
    assert obs[4] == 4.0 and env.observation_space.contains(obs)
    assert reward == pytest.approx(obs[0] - 0.25 * 4.0, abs=1e-5)
    assert not terminated and not truncated


def test_same_seed_same_trajectory_other_seed_other(env):
    actions = [10, 2, 15, 5, 20, 1, 8, 12] * 3
    first = rollout(env, 7, actions)
    again = rollout(env, 7, actions)
    other = rollout(env, 8, actions)
    assert first == again
    assert [o for o, _, _ in first] != [o for o, _, _ in other]
    assert sum(o[0] for o, _, _ in first) > 0  # packets really flowed


def test_observation_is_measured_from_packets(env):
    obs, info = env.reset(seed=3)
    assert obs.tolist() == [0.0, 0.0, 0.0, 0.0, 10.0]  # nothing sent yet, initial rate
    for _ in range(20):
        obs, reward, _, _, info = env.step(np.array([4.0], np.float32))
        step_s = env.params["stepMs"] / 1000
        assert obs[0] == pytest.approx(info["rx_bytes"] * 8 / step_s / 1e6, rel=1e-5)
        assert obs[4] == 4.0 and info["rate_mbps"] == 4.0
        assert reward == pytest.approx(obs[0] - 0.25 * 4.0, abs=1e-5)


def test_link_rate_action_changes_delay_and_queue(reference_program):
    """A 1 Mbps link under a 6 Mbps mean load queues and drops; 20 Mbps does not."""
    env = ScenarioEnv("reference", {"maxSteps": 50, "queuePackets": 20})

    def congestion(rate):
        env.reset(seed=11)
        delays, drops, queue = [], 0.0, []
        for _ in range(40):
            obs, *_ = env.step(np.array([rate], np.float32))
            delays.append(obs[1])
            drops += obs[2]
            queue.append(obs[3])
        return np.mean(delays), drops, np.mean(queue)

    try:
        slow, fast = congestion(1.0), congestion(20.0)
    finally:
        env.close()
    assert slow[0] > 5 * fast[0]
    assert slow[1] > 0 and fast[1] == 0
    assert slow[2] > fast[2]


def test_episode_ends_truncated_at_max_steps(reference_program):
    env = ScenarioEnv("reference", {"maxSteps": 4})
    try:
        env.reset(seed=1)
        flags = [env.step(np.array([5.0], np.float32))[2:4] for _ in range(4)]
        assert flags == [(False, False)] * 3 + [(False, True)]
        with pytest.raises(RuntimeError, match="reset"):
            env.step(np.array([5.0], np.float32))
        env.reset()  # a new episode starts cleanly after the end
        assert env.step(np.array([5.0], np.float32))[3] is False
    finally:
        env.close()


@pytest.mark.parametrize("endpoint", ["tcp", "ipc", "tcp://127.0.0.1:*"])
def test_transports(reference_program, endpoint):
    env = ScenarioEnv("reference", {"maxSteps": 5}, endpoint=endpoint)
    try:
        obs, _ = env.reset(seed=2)
        assert obs.shape == (5,)
        assert env.step(np.array([5.0], np.float32))[0].shape == (5,)
    finally:
        env.close()


def test_close_twice_and_use_after_close(reference_program):
    env = ScenarioEnv("reference")
    env.reset(seed=1)
    process = env._session.process
    env.close()
    env.close()
    assert not process.alive()
    with pytest.raises(RuntimeError, match="closed"):
        env.reset()


def test_registered_with_gymnasium(reference_program):
    env = gym.make("RanGym/Reference-v0", params={"maxSteps": 3}, max_episode_steps=2)
    try:
        env.reset(seed=0)
        env.step(env.action_space.sample())
        assert env.step(env.action_space.sample())[3] is True  # TimeLimit truncates at 2
    finally:
        env.close()
    assert set(bridge.ENV_IDS) <= set(gym.registry)

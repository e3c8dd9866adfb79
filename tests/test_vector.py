"""N simulators in parallel under Gymnasium's AsyncVectorEnv and SB3's SubprocVecEnv."""

from __future__ import annotations

import numpy as np
from gymnasium.vector import AsyncVectorEnv, AutoresetMode
from stable_baselines3.common.vec_env import SubprocVecEnv

from bridge.envs import ScenarioEnv

N = 4


def make(seed_offset=0, endpoint="ipc"):
    return lambda: ScenarioEnv("reference", {"maxSteps": 6}, endpoint=endpoint)


def test_async_vector_env_runs_four_simulators(reference_program):
    envs = AsyncVectorEnv([make() for _ in range(N)], autoreset_mode=AutoresetMode.NEXT_STEP)
    try:
        obs, _ = envs.reset(seed=100)
        assert obs.shape == (N, 5)
        rates = np.array([[2.0], [6.0], [12.0], [20.0]], np.float32)
        total = np.zeros(N)
        for _ in range(6):
            obs, reward, terminated, truncated, _ = envs.step(rates)
            total += obs[:, 0]
        assert obs[:, 4].tolist() == [2.0, 6.0, 12.0, 20.0]  # each env got its own action
        assert truncated.all() and not terminated.any()
        assert len({tuple(row) for row in obs}) == N  # different seeds, different traffic
        obs, *_ = envs.step(rates)  # NEXT_STEP autoreset: this step resets every env
        assert obs[:, 4].tolist() == [10.0] * N
    finally:
        envs.close()


def test_sb3_subproc_vec_env_over_tcp(reference_program):
    envs = SubprocVecEnv([make(endpoint="tcp") for _ in range(N)])
    try:
        envs.seed(5)
        obs = envs.reset()
        assert obs.shape == (N, 5)
        for _ in range(3):
            obs, reward, done, info = envs.step(np.full((N, 1), 8.0, np.float32))
        assert obs[:, 4].tolist() == [8.0] * N and reward.shape == (N,)
    finally:
        envs.close()

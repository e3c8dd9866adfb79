"""``auto_restart``: a simulator that dies, hangs or asserts ends its episode as truncated,
the next reset starts a fresh one from the next seed, and the run counts the event."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import numpy as np
import pytest

from bridge import SimulatorCrashed
from bridge.env import FAILURE_KEY
from bridge.envs import ScenarioEnv
from ran_gym.run import RunConfig, run


def seeds_after(seed: int, count: int) -> list[int]:
    """The simulator seeds an env reset with ``seed`` draws, in order (Gymnasium seeds
    ``np_random`` as ``default_rng(seed)``)."""
    rng = np.random.default_rng(seed)
    return [int(rng.integers(1, 2**31 - 1)) for _ in range(count)]


def test_killed_simulator_truncates_and_the_next_reset_uses_the_next_seed(reference_program):
    env = ScenarioEnv("reference", {"stepMs": 5000, "offeredMbps": 1000, "maxSteps": 5},
                      auto_restart=True)
    try:
        obs, _ = env.reset(seed=7)
        first, second = seeds_after(7, 2)
        assert env.sim_seed == first
        pid = env._session.process.pid
        threading.Timer(0.3, os.kill, (pid, signal.SIGKILL)).start()
        obs2, reward, terminated, truncated, info = env.step(np.array([20.0], np.float32))
        assert (terminated, truncated, reward) == (False, True, 0.0)
        assert info[FAILURE_KEY] == "SimulatorCrashed" and "status -9" in info["simulator_error"]
        np.testing.assert_array_equal(obs2, obs)  # the last observation stands in
        assert env.restarts == 1 and env._session is None
        with pytest.raises(RuntimeError, match="call reset"):
            env.step(np.array([5.0], np.float32))
        env.reset()
        assert env.sim_seed == second and env._session.process.pid != pid
        assert env.step(np.array([5.0], np.float32))[0].shape == (5,)
    finally:
        env.close()


def test_hung_simulator_truncates_within_the_timeout(reference_program):
    env = ScenarioEnv("reference", {"maxSteps": 5}, timeout_s=1.0, auto_restart=True)
    try:
        env.reset(seed=1)
        os.kill(env._session.process.pid, signal.SIGSTOP)
        started = time.monotonic()
        *_, truncated, info = env.step(np.array([5.0], np.float32))
        assert truncated and info[FAILURE_KEY] == "SimulatorTimeout"
        assert 0.9 < time.monotonic() - started < 4
        env.reset()
        assert env.step(np.array([5.0], np.float32))[0].shape == (5,)
        assert env.restarts == 1
    finally:
        env.close()


def test_without_auto_restart_the_failure_is_raised(echo_program):
    env = ScenarioEnv("space-echo", {"crashAt": 1})
    try:
        env.reset(seed=1)
        with pytest.raises(SimulatorCrashed):
            env.step(env.action_space.sample())
        assert env.restarts == 0
    finally:
        env.close()


def test_a_run_goes_on_through_asserts_and_counts_them(echo_program, tmp_path):
    # Every simulator aborts on its 2nd step: 8 steps = 4 episodes of 2 steps, each
    # ending in a restart (hand count: steps 2, 4, 6, 8 truncated).
    config = RunConfig(scenario="space-echo", agent="random", steps=8, out=tmp_path / "run",
                       params={"crashAt": 2, "maxSteps": 5}, auto_restart=True)
    out = run(config, progress=None)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["simulator_restarts"] == 4 and summary["episodes"] == 4
    seeds = json.loads((out / "seeds.json").read_text())["episodes"]
    assert [s["sim_seed"] for s in seeds] == seeds_after(0, 4)
    logs = sorted(p.name for p in out.glob("sim-episode-*.log"))
    assert logs == [f"sim-episode-{k:04d}.log" for k in range(4)]

"""RanGym/OranSlicingTwin-v0: the slicing scenario computed by the closed-form twin."""

from __future__ import annotations

import dataclasses
import warnings

import gymnasium as gym
import numpy as np
import pytest

import bridge  # noqa: F401 - registers the env ids
from bridge.slicing.allocation import Allocation
from bridge.slicing.layout import gains_from_observation
from bridge.slicing.twin import evaluate
from bridge.slicing.twin_env import OranSlicingTwinEnv


def _only(env: OranSlicingTwinEnv, owners: dict[tuple[int, int], int], level: int = 4
          ) -> dict[str, np.ndarray]:
    """A native action giving RBG g at RU r to UE u for each (r, g) -> u, nothing else."""
    cfg = env.cfg
    owner = np.full((cfg.n_rus, cfg.n_rbgs), -1, np.int32)
    for (r, g), u in owners.items():
        owner[r, g] = u
    return {"association": np.zeros(cfg.n_ues, np.int32), "prb_owner": owner,
            "power_level": np.full(cfg.n_ues, level, np.int32)}


def test_the_env_checkers_pass_and_the_spaces_are_the_programs():
    env = gym.make("RanGym/OranSlicingTwin-v0", params={"maxSteps": 4}).unwrapped
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unbounded/asymmetric Box advice only
        from gymnasium.utils.env_checker import check_env
        from stable_baselines3.common.env_checker import check_env as sb3_check_env

        check_env(env)
        sb3_check_env(env)
    assert env.observation_space.shape == (3 * 25 + 25 * 3 + 3,)
    assert (env.observation_space.low[0], env.observation_space.high[0]) == (-10.0, 1e9)
    assert env.action_space["prb_owner"].shape == (3, 17)


def test_one_rbg_carries_the_twins_rate_and_the_reward_is_the_papers():
    env = OranSlicingTwinEnv({"maxSteps": 3})
    obs, _ = env.reset(seed=3)
    gain_db = gains_from_observation(obs, env.cfg)
    ru = int(np.argmax(gain_db[0]))
    obs, reward, terminated, truncated, info = env.step(_only(env, {(ru, 0): 0}))
    # the twin's own rate for the same allocation (LTE link fit), one RBG of 3 PRBs
    cfg = dataclasses.replace(env.cfg, link_model="tr36942")
    alloc = Allocation(np.argmax(gain_db, 1), np.asarray(_only(env, {(ru, 0): 0})["prb_owner"],
                                                         np.int64), np.full(25, 4))
    twin_rate = evaluate(cfg, gain_db, alloc).rate_mbps[0]
    assert 0 < twin_rate < 12  # below eMBB's offered 12 Mbit/s: the queue is never empty
    tput = np.asarray(info["ue"]["throughput_mbps"])
    assert tput[0] == pytest.approx(twin_rate)
    assert np.all(tput[1:] == 0)
    # QoS: UE 0 misses eMBB's 10 Mbit/s, nobody else is served; an mMTC UE meets its QoS
    # exactly when nothing arrived for it in the step
    arrived = np.asarray(info["ue"]["tx_bytes"])
    met = (arrived[20:] == 0).sum()
    assert info["ue"]["qos_ok"] == [0] * 20 + [int(a == 0) for a in arrived[20:]]
    assert reward == pytest.approx(0.01 * twin_rate + met / 25)
    assert not terminated and not truncated


def test_what_ns3_would_not_apply_carries_nothing():
    env = OranSlicingTwinEnv({"maxSteps": 3})
    obs, _ = env.reset(seed=4)
    home = np.argmax(gains_from_observation(obs, env.cfg), 1)
    elsewhere = int((home[0] + 1) % 3)
    # RBG 16 (never scheduled by the program) and an RBG at an RU UE 0 is not attached to
    _, reward, _, _, info = env.step(_only(env, {(int(home[0]), 16): 0, (elsewhere, 3): 0}))
    assert info["ue"]["throughput_mbps"][0] == 0
    assert info["reward_rate_mbps"] == 0


def test_a_served_ue_carries_no_more_than_its_offered_load():
    env = OranSlicingTwinEnv({"maxSteps": 20})
    obs, _ = env.reset(seed=5)
    ru = int(np.argmax(gains_from_observation(obs, env.cfg)[10]))  # UE 10: URLLC, 2.5 Mbit/s
    action = _only(env, {(ru, g): 10 for g in range(16)}, level=7)
    for _ in range(5):
        obs, _, _, _, info = env.step(action)
    assert info["ue"]["throughput_mbps"][10] == pytest.approx(2.5)
    assert info["ue"]["backlog_bytes"][10] == pytest.approx(0)
    assert info["ue"]["qos_ok"][10] == 1  # 2.5 >= 2 Mbit/s, no queue: the pipeline's 3.5 ms


def test_equal_seeds_give_equal_episodes_and_the_last_step_truncates():
    runs = []
    for _ in range(2):
        env = OranSlicingTwinEnv({"maxSteps": 3})
        env.action_space.seed(0)
        obs, _ = env.reset(seed=11)
        rows = [obs]
        for _ in range(3):
            obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            rows.append(np.append(obs, reward))
        runs.append((rows, truncated))
    assert all(np.array_equal(a, b) for a, b in zip(runs[0][0], runs[1][0], strict=True))
    assert runs[0][1] is True


def test_the_twin_refuses_what_only_ns3_models():
    with pytest.raises(ValueError, match="scheduler=pf, handover=false run in ns-3 only"):
        OranSlicingTwinEnv({"scheduler": "pf"})

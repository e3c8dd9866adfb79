"""Every space kind through the real C++ library, both ways, and byte-level
compatibility of its messages with those of ns3-gym's own programs."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest

from bridge.envs import ScenarioEnv
from bridge.protocol import codec, messages
from bridge.protocol import schema as pb
from tests.conftest import WIRE_VECTORS
from tests.test_codec import EVERY_KIND, assert_same


def test_every_space_kind_is_announced_and_echoed(echo_program):
    env = ScenarioEnv("space-echo", {"maxSteps": 6})
    try:
        assert env.observation_space == EVERY_KIND
        assert env.action_space == EVERY_KIND
        first, info = env.reset(seed=5)
        assert info == {"ns3_info": "echo|0"}
        assert EVERY_KIND.contains(first)
        assert_same(first, env.reset(seed=5)[0])  # the first observation follows the seed
        assert messages.mismatch(env.reset(seed=6)[0], EVERY_KIND) is None
        EVERY_KIND.seed(3)
        for step in range(1, 7):
            action = EVERY_KIND.sample()
            obs, reward, terminated, truncated, info = env.step(action)
            assert_same(action, obs)  # exact, floats included
            assert reward == step and info == {"ns3_info": f"echo|{step}"}
            assert (terminated, truncated) == (False, step == 6)
    finally:
        env.close()


def test_game_over_is_terminated(echo_program):
    env = ScenarioEnv("space-echo", {"maxSteps": 10, "gameOverAt": 2})
    try:
        env.reset(seed=1)
        assert env.step(env.action_space.sample())[2:4] == (False, False)
        assert env.step(env.action_space.sample())[2:4] == (True, False)
    finally:
        env.close()


def _records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_cpp_messages_equal_ns3gym_bytes(echo_program, tmp_path):
    """The opengym layout reproduces ns3-gym's example: same bytes once the process ids
    and the random observation values are those of the recording."""
    log = tmp_path / "wire.jsonl"
    env = ScenarioEnv("space-echo", {"layout": "opengym", "maxSteps": 3}, wire_log=log)
    try:
        env.reset(seed=1)
        env.step(2)
    finally:
        env.close()
    ours = [r for r in _records(log) if r["dir"] == "sim->py"]
    recorded = _records(WIRE_VECTORS / "opengym.jsonl")

    init = pb.SimInitMsg.FromString(bytes.fromhex(ours[1]["hex"]))  # [0] is the probe
    reference = pb.SimInitMsg.FromString(bytes.fromhex(recorded[0]["hex"]))
    init.simProcessId, init.wafShellProcessId = reference.simProcessId, reference.wafShellProcessId
    assert init.SerializeToString().hex() == recorded[0]["hex"]

    state = pb.EnvStateMsg.FromString(bytes.fromhex(ours[2]["hex"]))
    expected = pb.EnvStateMsg.FromString(bytes.fromhex(recorded[2]["hex"]))
    space = gym.spaces.Box(0, 10, (5,), np.uint32)
    values = codec.data_from_proto(state.obsData)
    expected.obsData.CopyFrom(codec.data_to_proto(values, space))
    assert ours[2]["hex"] == expected.SerializeToString().hex()
    assert [r["hex"] for r in _records(log) if r["type"] == "SimInitAck"][1] == "0801"


def test_generic_env_drives_an_ns3gym_style_program(echo_program):
    """RanGym/Ns3Gym-v0 passes only --openGymPort and --simSeed, as ns3-gym does."""
    env = gym.make("RanGym/Ns3Gym-v0", binary=str(echo_program),
                   args=["--layout=opengym", "--maxSteps=3"])
    try:
        obs, info = env.reset(seed=4)
        assert obs.dtype == np.uint32 and obs.shape == (5,) and info == {"ns3_info": "testInfo|123"}
        outcomes = [env.step(1)[1:4] for _ in range(3)]
        assert [r for r, _, _ in outcomes] == [2.0, 3.0, 4.0]
        assert outcomes[-1][1:] == (True, False)  # the example ends by game over
        assert "--openGymPort=" in env.unwrapped.commands[-1]
        assert "--gymEndpoint" not in env.unwrapped.commands[-1]
    finally:
        env.close()


@pytest.mark.parametrize("bad", [np.float32(1.5), "2", 5, -1, np.array([1, 2])])
def test_bad_discrete_action_is_refused_and_the_episode_goes_on(echo_program, bad):
    env = ScenarioEnv("space-echo", {"layout": "opengym", "maxSteps": 3})
    try:
        env.reset(seed=1)
        with pytest.raises(ValueError, match="action"):
            env.step(bad)
        assert env.step(3)[1] == 2.0
    finally:
        env.close()

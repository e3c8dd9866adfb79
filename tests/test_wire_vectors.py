"""Wire compatibility with ns3-gym, against messages recorded between its own example
programs and its own Python client (tests/data/wire-vectors, copied from the shared
design folder)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from google.protobuf import text_format
from gymnasium import spaces

from bridge.protocol import codec, messages
from bridge.protocol import schema as pb
from tests.conftest import WIRE_VECTORS

FILES = sorted(WIRE_VECTORS.glob("*.jsonl"))
SHARED = Path(__file__).resolve().parents[2] / "shared" / "wire-vectors"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def sessions(path: Path):
    """Yield (message, action space, observation space) in order, per recorded session."""
    obs_space = act_space = None
    for record in load(path):
        if record["type"] == "SimInitMsg":
            init = messages.decode_sim_init(bytes.fromhex(record["hex"]))
            obs_space, act_space = init.observation_space, init.action_space
        yield record, obs_space, act_space


def test_copies_match_the_shared_vectors():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not present beside this checkout")
    for path in FILES:
        assert path.read_bytes() == (SHARED / path.name).read_bytes(), path.name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_message_parses_as_its_text(path):
    """Schema check: the bytes and the recorded text format give the same message."""
    assert FILES, "no wire vectors found"
    for record in load(path):
        cls = pb.message_class(record["type"])
        from_bytes = cls.FromString(bytes.fromhex(record["hex"]))
        from_text = text_format.Parse(record["text"], cls(), descriptor_pool=pb.POOL)
        assert from_bytes == from_text, record["text"]
        assert len(bytes.fromhex(record["hex"])) == record["len"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_states_decode_and_reencode_to_identical_bytes(path):
    for record, obs_space, _ in sessions(path):
        if record["type"] != "EnvStateMsg":
            continue
        payload = bytes.fromhex(record["hex"])
        state = messages.decode_env_state(payload, obs_space)
        if state.observation_missing:
            assert not np.any(state.observation)  # decoded as zeros of the right shape
            continue
        again = pb.EnvStateMsg(obsData=codec.data_to_proto(state.observation, obs_space),
                               reward=state.reward, isGameOver=state.game_over,
                               reason=1 if state.game_over_reason == "GameOver" else 0,
                               info=state.info)
        assert again.SerializeToString() == payload, record["text"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_answers_encode_to_identical_bytes(path):
    count = 0
    for record, _, act_space in sessions(path):
        if record["dir"] != "py->sim":
            continue
        payload = bytes.fromhex(record["hex"])
        if record["type"] == "SimInitAck":
            assert payload == messages.INIT_ACK
        elif "stopSimReq" in record["text"]:
            assert payload == messages.STOP
        else:
            sent = pb.EnvActMsg.FromString(payload)
            action = codec.data_from_proto(sent.actData)
            assert messages.encode_action(action, act_space) == payload, record["text"]
        count += 1
    assert count >= 4


def test_decoded_values_are_the_recorded_ones():
    records = load(WIRE_VECTORS / "opengym.jsonl")
    init = messages.decode_sim_init(bytes.fromhex(records[0]["hex"]))
    assert (init.pid, init.parent_pid) == (17419, 17414)
    assert init.observation_space == spaces.Box(0, 10, (5,), np.uint32)
    assert init.action_space == spaces.Discrete(5)
    state = messages.decode_env_state(bytes.fromhex(records[2]["hex"]), init.observation_space)
    assert state.observation.dtype == np.uint32
    assert state.observation.tolist() == [8, 6, 5, 4, 4]
    assert (state.reward, state.game_over, state.info) == (1.0, False, "testInfo|123")
    last = messages.decode_env_state(bytes.fromhex(records[8]["hex"]), init.observation_space)
    assert last.game_over and last.game_over_reason == "SimulationEnd"
    assert last.observation.tolist() == [10, 3, 1, 0, 9]
    # A Discrete action of 0 travels as an empty container.
    zero = pb.EnvActMsg.FromString(bytes.fromhex(records[5]["hex"]))
    assert codec.data_from_proto(zero.actData) == 0


def test_dict_spaces_decode_with_their_keys():
    records = load(WIRE_VECTORS / "opengym-2.jsonl")
    init = messages.decode_sim_init(bytes.fromhex(records[0]["hex"]))
    assert init.observation_space == spaces.Dict(
        {"myValue": spaces.Discrete(5), "myVector": spaces.Box(0, 10, (5,), np.uint32)})
    state = messages.decode_env_state(bytes.fromhex(records[2]["hex"]), init.observation_space)
    assert set(state.observation) == {"myValue", "myVector"}
    assert state.observation["myValue"] == 8
    assert state.observation["myVector"].shape == (5,)


def test_game_over_reason_and_empty_final_observation():
    records = load(WIRE_VECTORS / "interference-pattern.jsonl")
    init = messages.decode_sim_init(bytes.fromhex(records[0]["hex"]))
    over = messages.decode_env_state(bytes.fromhex(records[10]["hex"]), init.observation_space)
    assert over.game_over and over.game_over_reason == "GameOver"
    end = messages.decode_env_state(bytes.fromhex(records[14]["hex"]), init.observation_space)
    assert end.game_over and end.game_over_reason == "SimulationEnd"
    assert end.observation_missing and end.observation.shape == (4,)

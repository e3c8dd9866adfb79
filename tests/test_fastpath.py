"""The precompiled float-Box codecs agree with the generic codec, and step aside when
the layout is not the one they were compiled for."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces

from bridge.protocol import codec, fastpath, messages
from bridge.protocol import schema as pb


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (5,), (3, 4)])
def test_action_encoder_matches_the_generic_one(dtype, shape):
    space = spaces.Box(-10, 10, shape, dtype)
    encode = fastpath.compile_action_encoder(space)
    rng = np.random.default_rng(1)
    for _ in range(20):
        action = rng.uniform(-10, 10, shape).astype(dtype)
        assert encode(action) == messages.encode_action(action, space)


def test_other_spaces_use_the_generic_encoder():
    for space in (spaces.Discrete(4), spaces.Box(0, 5, (3,), np.int32)):
        encode = fastpath.compile_action_encoder(space)
        value = space.sample()
        assert encode(value) == messages.encode_action(value, space)


def test_observation_decoder_matches_and_falls_back():
    space = spaces.Box(0, 1e6, (5,), np.float32)
    fast = fastpath.compile_observation_decoder(space)
    value = np.array([1.5, 0, 3, 4e5, 7], np.float32)
    decoded = fast(codec.data_to_proto(value, space))
    assert decoded.dtype == np.float32 and decoded.flags.writeable
    np.testing.assert_array_equal(decoded, value)
    # Another shape, another dtype, another kind: not for the fast path.
    assert fast(codec.data_to_proto(np.zeros(4, np.float32), spaces.Box(0, 1, (4,)))) is None
    assert fast(codec.data_to_proto(np.zeros(5), spaces.Box(0, 1, (5,), np.float64))) is None
    assert fast(codec.data_to_proto(3, spaces.Discrete(5))) is None
    # ...and through decode_env_state the generic path then reports the mismatch.
    wrong = pb.EnvStateMsg(obsData=codec.data_to_proto(np.zeros(4, np.float32),
                                                       spaces.Box(0, 1, (4,), np.float32)))
    with pytest.raises(Exception, match=r"shape \(5,\)"):
        messages.decode_env_state(wrong.SerializeToString(), space, fast)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (3, 4)])
def test_float_boxes_are_encoded_without_the_generic_codec(dtype, shape, monkeypatch):
    # The point of the fast path: a float Box's action is the compiled prefix and the
    # raw values, so the generic codec is never called once the encoder is compiled.
    space = spaces.Box(-10, 10, shape, dtype)
    encode = fastpath.compile_action_encoder(space)
    action = np.random.default_rng(2).uniform(-10, 10, shape).astype(dtype)
    expected = messages.encode_action(action, space)

    def generic(*args):
        raise AssertionError("the generic codec was called")

    monkeypatch.setattr(codec, "data_to_proto", generic)
    assert encode(action) == expected


@pytest.mark.parametrize("shape", [(0,), (2, 0)])
def test_zero_length_boxes_take_the_generic_path(shape):
    # No values: the raw tail is empty, and a prefix cut at -0 bytes would be empty too.
    space = spaces.Box(0, 1, shape, np.float32)
    empty = np.zeros(shape, np.float32)
    assert fastpath.compile_action_encoder(space)(empty) == messages.encode_action(empty, space)
    assert fastpath.compile_observation_decoder(space)(codec.data_to_proto(empty, space)) is None


def state_bytes(value, space, **fields):
    return pb.EnvStateMsg(obsData=codec.data_to_proto(value, space), **fields).SerializeToString()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (3, 4)])
def test_state_decoder_matches_the_generic_decode(dtype, shape):
    space = spaces.Box(-10, 10, shape, dtype)
    fast = fastpath.compile_state_decoder(space)
    rng = np.random.default_rng(2)
    cases = [{}, {"reward": -2.5, "info": '{"a": 1}'},
             {"isGameOver": True, "reason": pb.REASON_GAME_OVER, "info": "é"},
             {"isGameOver": True, "reward": 1e30}]
    for fields in cases:
        payload = state_bytes(rng.uniform(-10, 10, shape).astype(dtype), space, **fields)
        assert fast(payload) is not None
        mine = messages.decode_env_state(payload, space, fast_state=fast)
        generic = messages.decode_env_state(payload, space)
        assert mine.observation.dtype == dtype and mine.observation.flags.writeable
        np.testing.assert_array_equal(mine.observation, generic.observation)
        assert mine._replace(observation=None) == generic._replace(observation=None)


def test_state_decoder_steps_aside_for_any_other_layout():
    space = spaces.Box(0, 1, (5,), np.float32)
    fast = fastpath.compile_state_decoder(space)
    other = spaces.Box(0, 1, (4,), np.float32)
    assert fast(state_bytes(np.zeros(4, np.float32), other)) is None  # another shape
    assert fast(state_bytes(np.zeros(5), spaces.Box(0, 1, (5,), np.float64))) is None
    assert fast(pb.EnvStateMsg(reward=1).SerializeToString()) is None  # no observation
    named = pb.EnvStateMsg(obsData=codec.data_to_proto(np.ones(5, np.float32), space))
    named.obsData.name = "x"  # a field after the values: the prefix's lengths differ
    assert fast(named.SerializeToString()) is None
    # A second observation after the first: protobuf merges the two (the second's
    # values win), so the generic path decodes it, as a peer's parser would.
    doubled = state_bytes(np.ones(5, np.float32), space) + state_bytes(
        np.full(5, 2, np.float32), space)
    assert fast(doubled) is None
    merged = messages.decode_env_state(doubled, space, fast_state=fast).observation
    np.testing.assert_array_equal(merged, np.full(5, 2, np.float32))
    # Garbage after a valid prefix is a protocol error, as in the generic path.
    with pytest.raises(Exception, match="cannot decode EnvStateMsg"):
        fast(state_bytes(np.ones(5, np.float32), space) + b"\xff\xff")
    assert fastpath.compile_state_decoder(spaces.Discrete(3))(b"") is None

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

"""A rollout step's bytes (ran_gym.rollouts.wire): what an env step carries comes back
equal, arrays with their dtype and shape; anything else is refused by name, and reading
runs no code."""

from __future__ import annotations

import msgpack
import numpy as np
import pytest

from ran_gym.rollouts import wire


def test_a_step_comes_back_equal_with_its_dtypes_and_shapes():
    obs = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    action = {"association": np.array([0, 2, 1], np.int32),
              "prb_owner": np.full((3, 17), -1, np.int32),
              "mask": np.array([True, False])}
    info = {"step": 3, "scheduler": "gym", "ue": {"0": {"mbps": 1.5}}, "lost": [1, 2],
            "episode_seed": -1, "nan": float("nan")}
    back = wire.unpack(wire.pack([obs, 0.25, False, True, info, 2]))
    assert back[1:4] == [0.25, False, True] and back[5] == 2
    assert back[0].dtype == np.float32 and np.array_equal(back[0], obs)
    assert back[4]["ue"] == {"0": {"mbps": 1.5}} and back[4]["lost"] == [1, 2]
    assert np.isnan(back[4]["nan"])
    sent = wire.unpack(wire.pack(action))
    for key, value in action.items():
        assert sent[key].dtype == value.dtype and sent[key].shape == value.shape
        assert np.array_equal(sent[key], value)
    assert wire.unpack(wire.pack(None)) is None


def test_arrays_come_back_writable_and_non_contiguous_ones_whole():
    column = np.arange(20, dtype=np.int64).reshape(4, 5)[:, 1]
    back = wire.unpack(wire.pack(column))
    assert back.tolist() == [1, 6, 11, 16]
    back[0] = 99  # a read-only view of the message would raise here


def test_numpy_scalars_travel_as_numbers():
    back = wire.unpack(wire.pack({"a": np.int64(7), "b": np.float32(0.5), "c": np.bool_(True)}))
    assert back == {"a": 7, "b": 0.5, "c": True}
    assert type(back["a"]) is int and type(back["c"]) is bool


@pytest.mark.parametrize("value, name", [
    (np.array([object()]), "dtype object"),
    ({1, 2}, "set"),
    (Exception("x"), "Exception"),
])
def test_what_is_not_data_is_refused_by_name(value, name):
    with pytest.raises(TypeError, match=name):
        wire.pack({"info": value})


def test_reading_accepts_numeric_arrays_only():
    other = msgpack.packb(msgpack.ExtType(7, b"\x00"))
    with pytest.raises(ValueError, match="unknown msgpack extension 7"):
        wire.unpack(other)
    objects = msgpack.packb(msgpack.ExtType(1, msgpack.packb(("|O", (1,), b"\x00" * 8))))
    with pytest.raises(ValueError, match="dtype object"):
        wire.unpack(objects)

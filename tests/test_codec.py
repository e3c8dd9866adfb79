"""Spaces and values through the codec, both ways, and what hostile bytes get."""

from __future__ import annotations

import numpy as np
import pytest
from google.protobuf.message import DecodeError
from gymnasium import spaces
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.actions import InvalidAction, validate_action
from bridge.errors import ProtocolError
from bridge.protocol import codec, messages
from bridge.protocol import schema as pb

EVERY_KIND = spaces.Dict({
    "discrete": spaces.Discrete(7),
    "box_int": spaces.Box(-100, 100, (2, 3), np.int32),
    "box_uint": spaces.Box(0, 1000, (4,), np.uint32),
    "box_float": spaces.Box(-1, 1, (3,), np.float32),
    "box_double": spaces.Box(-1, 1, (2,), np.float64),
    "tuple": spaces.Tuple([spaces.Discrete(3), spaces.Box(0, 1, (2,), np.float32)]),
})


def assert_same(a, b):
    if isinstance(a, dict):
        assert set(a) == set(b)
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


def test_every_space_kind_round_trips():
    wire = codec.space_to_proto(EVERY_KIND).SerializeToString()
    decoded = codec.space_from_proto(pb.SpaceDescription.FromString(wire))
    assert decoded == EVERY_KIND


@pytest.mark.parametrize("shape", [(0,), (2, 0)])
def test_an_empty_box_round_trips(shape):
    """A Box with no elements (a zero in its shape) encodes, and decodes to itself; its
    bounds carry nothing, so the wire's are 0."""
    box = spaces.Box(-3, 7, shape, np.int32)
    desc = codec.space_to_proto(spaces.Tuple([box]))
    decoded = codec.space_from_proto(pb.SpaceDescription.FromString(desc.SerializeToString()))
    assert decoded == spaces.Tuple([box]) and decoded[0].shape == shape


@pytest.mark.parametrize("seed", range(5))
def test_every_value_kind_round_trips(seed):
    EVERY_KIND.seed(seed)
    value = EVERY_KIND.sample()
    wire = codec.data_to_proto(value, EVERY_KIND).SerializeToString()
    decoded = codec.data_from_proto(pb.DataContainer.FromString(wire))
    assert_same(value, decoded)
    assert messages.mismatch(decoded, EVERY_KIND) is None


def test_box_bounds_are_scalars_on_the_wire():
    box = spaces.Box(np.array([0, -2], np.float32), np.array([1, 3], np.float32), dtype=np.float32)
    decoded = codec.space_from_proto(codec.space_to_proto(box))
    assert decoded.low.tolist() == [-2.0, -2.0] and decoded.high.tolist() == [3.0, 3.0]


def _box_container(shape, values):
    container = pb.DataContainer(type=pb.SPACE_TYPE["Box"])
    box = pb.BoxDataContainer(dtype=pb.DTYPE["FLOAT"], shape=shape, floatData=values)
    codec.pack_into(container.data, box)
    return container


def test_shape_and_data_length_must_agree():
    with pytest.raises(ProtocolError, match=r"needs 6 values, got 5"):
        codec.data_from_proto(_box_container([2, 3], [0.0] * 5))


def test_huge_shape_is_refused_without_allocating():
    with pytest.raises(ProtocolError, match="exceeds"):
        codec.data_from_proto(_box_container([1 << 20, 1 << 20], [1.0]))


def test_wrong_type_url_is_named():
    container = pb.DataContainer(type=pb.SPACE_TYPE["Box"])
    codec.pack_into(container.data, pb.DiscreteDataContainer(data=3))
    with pytest.raises(ProtocolError, match="BoxDataContainer"):
        codec.data_from_proto(container)


def test_truncated_message_is_a_protocol_error():
    wire = pb.SimInitMsg(obsSpace=codec.space_to_proto(EVERY_KIND),
                         actSpace=codec.space_to_proto(EVERY_KIND)).SerializeToString()
    with pytest.raises(ProtocolError):
        messages.decode_sim_init(wire[: len(wire) // 2])


def test_a_sim_init_needs_both_spaces():
    box = codec.space_to_proto(spaces.Box(0, 1, (2,), np.float32))
    for fields in ({"obsSpace": box}, {"actSpace": box}):
        wire = pb.SimInitMsg(simProcessId=7, **fields).SerializeToString()
        with pytest.raises(ProtocolError, match="missing observation or action space"):
            messages.decode_sim_init(wire)
    wire = pb.SimInitMsg(simProcessId=7, wafShellProcessId=3, obsSpace=box,
                         actSpace=box).SerializeToString()
    init = messages.decode_sim_init(wire)
    assert (init.pid, init.parent_pid) == (7, 3)
    assert init.observation_space == init.action_space == spaces.Box(0, 1, (2,), np.float32)


def _final_state(shape, values, space, game_over=True):
    wire = pb.EnvStateMsg(obsData=_box_container(shape, values), isGameOver=game_over)
    return messages.decode_env_state(wire.SerializeToString(), space)


def test_a_final_box_misses_its_observation_when_its_shape_holds_values_it_lacks():
    vector = spaces.Box(0, 1, (3,), np.float32)
    state = _final_state([3], [], vector)
    assert state.observation_missing
    np.testing.assert_array_equal(state.observation, np.zeros(3, np.float32))
    assert not _final_state([3], [], vector, game_over=False).observation_missing
    assert not _final_state([3], [0.5, 0.25, 1.0], vector).observation_missing
    # A scalar's shape is empty and holds one value: sent without it, it is missing.
    scalar = spaces.Box(0, 1, (), np.float32)
    state = _final_state([], [], scalar)
    assert state.observation_missing and state.observation.shape == ()
    state = _final_state([], [0.5], scalar)
    assert not state.observation_missing and state.observation == 0.5
    # A zero-length Box holds nothing, so nothing is missing from it.
    assert not _final_state([0], [], spaces.Box(0, 1, (0,), np.float32)).observation_missing


def test_observation_of_the_wrong_shape_is_refused():
    space = spaces.Box(0, 1, (3,), np.float32)
    wire = pb.EnvStateMsg(obsData=_box_container([2], [0.0, 1.0])).SerializeToString()
    with pytest.raises(ProtocolError, match=r"shape \(3,\)"):
        messages.decode_env_state(wire, space)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_are_refused_unless_they_parse(payload):
    """Bytes protobuf cannot parse are a ProtocolError naming the message; bytes it can
    parse decode to what they hold, or are refused for what they lack."""
    for decode, message_class in ((messages.decode_sim_init, pb.SimInitMsg),
                                  (messages.decode_env_state, pb.EnvStateMsg)):
        try:
            parsed = message_class.FromString(payload)
        except DecodeError:
            with pytest.raises(ProtocolError, match=f"cannot decode {message_class.__name__}"):
                decode(payload)
            continue
        try:
            decoded = decode(payload)
        except ProtocolError as err:
            assert "cannot decode" not in str(err)
            continue
        if message_class is pb.SimInitMsg:
            assert parsed.HasField("obsSpace") and parsed.HasField("actSpace")
            assert decoded.pid == parsed.simProcessId
        else:
            assert decoded.reward == parsed.reward and decoded.info == parsed.info


def test_empty_bytes_are_an_empty_env_state_but_no_sim_init():
    # Protobuf reads b"" as a message with every field unset.
    with pytest.raises(ProtocolError, match="missing observation or action space"):
        messages.decode_sim_init(b"")
    state = messages.decode_env_state(b"")
    assert state.observation is None and state.reward == 0.0 and not state.game_over


def test_actions_are_checked_before_sending():
    box = spaces.Box(1, 20, (1,), np.float32)
    assert validate_action(np.array([5.0]), box).dtype == np.float32
    with pytest.raises(InvalidAction, match=r"shape \(1,\), got shape \(2,\)"):
        validate_action(np.array([5.0, 6.0]), box)
    with pytest.raises(InvalidAction, match="not finite"):
        validate_action(np.array([np.nan]), box)
    with pytest.raises(InvalidAction, match="outside"):
        validate_action(np.array([25.0]), box)
    with pytest.raises(InvalidAction, match="numbers"):
        validate_action(np.array(["a"]), box)
    with pytest.raises(InvalidAction, match="one integer"):
        validate_action(1.5, spaces.Discrete(3))
    with pytest.raises(InvalidAction, match="outside"):
        validate_action(3, spaces.Discrete(3))
    with pytest.raises(InvalidAction, match="non-integer"):
        validate_action(np.array([1.5]), spaces.Box(0, 5, (1,), np.int32))
    with pytest.raises(InvalidAction, match="keys"):
        validate_action({"discrete": 1}, EVERY_KIND)


def test_compiled_validator_agrees_with_the_plain_one():
    from bridge.actions import compile_validator

    box = spaces.Box(1, 20, (3,), np.float32)
    check = compile_validator(box)
    assert check(np.array([1, 5.5, 20])).tolist() == [1.0, 5.5, 20.0]
    assert check(np.array([1, 5.5, 20])).dtype == np.float32
    for bad, match in [(np.array([1.0, np.nan, 2.0]), "not finite"),
                       (np.array([1.0, 25.0, 2.0]), "outside"), (np.ones(2), "shape"),
                       (np.array(["a", "b", "c"]), "numbers")]:
        with pytest.raises(InvalidAction, match=match):
            check(bad)

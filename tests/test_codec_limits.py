"""The codec's limits, each tried at the limit and one past it: Box elements (one budget
for all the Boxes of a message), dimensions, nesting of spaces and of data, Discrete n,
Box bounds; and undecodable bytes."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces

from bridge.errors import ProtocolError
from bridge.protocol import codec
from bridge.protocol import schema as pb

LIMIT = codec.MAX_ELEMENTS
HALF = LIMIT // 2
FLOAT = pb.DTYPE["FLOAT"]


def test_the_limits_are_the_documented_ones() -> None:
    # The figures the module docstring and docs/architecture.md promise a peer.
    assert (LIMIT, codec.MAX_DEPTH, codec.MAX_DIMS) == (1_048_576, 32, 32)


def box_space(shape: list[int], dtype: int = FLOAT, low: float = 0.0,
              high: float = 1.0) -> pb.SpaceDescription:
    desc = pb.SpaceDescription(type=pb.SPACE_TYPE["Box"])
    codec.pack_into(desc.space, pb.BoxSpace(low=low, high=high, dtype=dtype, shape=shape))
    return desc


def box_data(shape: list[int]) -> pb.DataContainer:
    container = pb.DataContainer(type=pb.SPACE_TYPE["Box"])
    codec.pack_into(container.data, pb.BoxDataContainer(dtype=FLOAT, shape=shape))
    return container


def tuple_space(elements: list[pb.SpaceDescription]) -> pb.SpaceDescription:
    desc = pb.SpaceDescription(type=pb.SPACE_TYPE["Tuple"])
    codec.pack_into(desc.space, pb.TupleSpace(element=elements))
    return desc


def tuple_data(elements: list[pb.DataContainer]) -> pb.DataContainer:
    container = pb.DataContainer(type=pb.SPACE_TYPE["Tuple"])
    codec.pack_into(container.data, pb.TupleDataContainer(element=elements))
    return container


def discrete_space(n: int) -> pb.SpaceDescription:
    desc = pb.SpaceDescription(type=pb.SPACE_TYPE["Discrete"])
    codec.pack_into(desc.space, pb.DiscreteSpace(n=n))
    return desc


# --- Box elements: one budget per message -------------------------------------------

def test_one_box_of_exactly_the_limit_is_accepted_one_more_element_is_not() -> None:
    assert codec.space_from_proto(box_space([LIMIT])).shape == (LIMIT,)
    assert codec.data_from_proto(box_data([LIMIT])).shape == (LIMIT,)
    for shape in ([LIMIT + 1], [2, HALF + 1]):
        with pytest.raises(ProtocolError, match="exceeds the 1048576 Box elements"):
            codec.space_from_proto(box_space(shape))
        with pytest.raises(ProtocolError, match="exceeds"):
            codec.data_from_proto(box_data(shape))


def test_boxes_each_under_the_limit_but_over_it_together_are_refused() -> None:
    # Two halves fill the budget exactly; a third Box of one element is one too many.
    at_limit = codec.space_from_proto(tuple_space([box_space([HALF])] * 2))
    assert [s.shape for s in at_limit] == [(HALF,), (HALF,)]
    with pytest.raises(ProtocolError, match=r"space\[2\]: shape \(1,\) exceeds"):
        codec.space_from_proto(tuple_space([box_space([HALF])] * 2 + [box_space([1])]))
    assert [v.shape for v in codec.data_from_proto(tuple_data([box_data([HALF])] * 2))] == [
        (HALF,), (HALF,)]
    with pytest.raises(ProtocolError, match=r"data\[2\]: shape \(1,\) exceeds"):
        codec.data_from_proto(tuple_data([box_data([HALF])] * 2 + [box_data([1])]))


def test_the_budget_is_per_message_not_per_process() -> None:
    # Each decode starts with the whole budget again: three messages that each fill it
    # decode alike, spaces and values.
    for _ in range(3):
        full = codec.space_from_proto(tuple_space([box_space([HALF])] * 2))
        assert [s.shape for s in full] == [(HALF,), (HALF,)]
        values = codec.data_from_proto(tuple_data([box_data([HALF])] * 2))
        assert [v.shape for v in values] == [(HALF,), (HALF,)]


def test_dimensions_of_one_count_and_zero_length_ones_count_as_one() -> None:
    assert codec.space_from_proto(box_space([1, LIMIT, 1])).shape == (1, LIMIT, 1)
    empty = codec.data_from_proto(box_data([0, 5]))
    assert empty.shape == (0, 5) and empty.dtype == np.float32
    # [0, 2^31, 2^31] holds no element, but NumPy refuses it: so does the codec.
    with pytest.raises(ProtocolError, match="exceeds"):
        codec.space_from_proto(box_space([0, 1 << 31, 1 << 31]))
    # A zero-length Box takes nothing from the budget: the full limit still fits after it.
    both = codec.space_from_proto(tuple_space([box_space([0, 7]), box_space([LIMIT])]))
    assert [s.shape for s in both] == [(0, 7), (LIMIT,)]


# --- dimensions, nesting, Discrete -------------------------------------------------

def test_32_dimensions_are_accepted_33_are_not() -> None:
    assert codec.space_from_proto(box_space([1] * 32)).shape == (1,) * 32
    assert codec.data_from_proto(box_data([1] * 32)).shape == (1,) * 32
    with pytest.raises(ProtocolError, match="a Box shape of 33 dimensions"):
        codec.space_from_proto(box_space([1] * 33))
    with pytest.raises(ProtocolError, match="a Box shape of 33 dimensions"):
        codec.data_from_proto(box_data([1] * 33))


def nested_space(levels: int) -> pb.SpaceDescription:
    desc = discrete_space(2)
    for _ in range(levels):
        desc = tuple_space([desc])
    return desc


def nested_data(levels: int) -> pb.DataContainer:
    container = pb.DataContainer(type=pb.SPACE_TYPE["Discrete"])
    codec.pack_into(container.data, pb.DiscreteDataContainer(data=1))
    for _ in range(levels):
        container = tuple_data([container])
    return container


def test_space_nesting_of_32_levels_is_accepted_33_is_not() -> None:
    space = codec.space_from_proto(nested_space(32))
    for _ in range(32):
        assert isinstance(space, spaces.Tuple)
        space = space[0]
    assert space == spaces.Discrete(2)
    with pytest.raises(ProtocolError, match="nesting deeper than 32"):
        codec.space_from_proto(nested_space(33))


def test_data_nesting_of_32_levels_is_accepted_33_is_not() -> None:
    value = codec.data_from_proto(nested_data(32))
    for _ in range(32):
        value = value[0]
    assert value == 1
    with pytest.raises(ProtocolError, match="nesting deeper than 32"):
        codec.data_from_proto(nested_data(33))


def dict_space(levels: int) -> pb.SpaceDescription:
    desc = discrete_space(3)
    for _ in range(levels):
        outer = pb.SpaceDescription(type=pb.SPACE_TYPE["Dict"])
        desc.name = "k"
        codec.pack_into(outer.space, pb.DictSpace(element=[desc]))
        desc = outer
    return desc


def dict_data(levels: int) -> pb.DataContainer:
    container = pb.DataContainer(type=pb.SPACE_TYPE["Discrete"])
    codec.pack_into(container.data, pb.DiscreteDataContainer(data=2))
    for _ in range(levels):
        outer = pb.DataContainer(type=pb.SPACE_TYPE["Dict"])
        container.name = "k"
        codec.pack_into(outer.data, pb.DictDataContainer(element=[container]))
        container = outer
    return container


def test_dict_nesting_of_32_levels_is_accepted_33_is_not() -> None:
    space, value = codec.space_from_proto(dict_space(32)), codec.data_from_proto(dict_data(32))
    for _ in range(32):
        space, value = space["k"], value["k"]
    assert space == spaces.Discrete(3) and value == 2
    with pytest.raises(ProtocolError, match="nesting deeper than 32"):
        codec.space_from_proto(dict_space(33))
    with pytest.raises(ProtocolError, match="nesting deeper than 32"):
        codec.data_from_proto(dict_data(33))


@pytest.mark.parametrize("n", [0, -1])
def test_discrete_needs_at_least_one_value(n: int) -> None:
    with pytest.raises(ProtocolError, match=f"Discrete space needs n >= 1, got {n}"):
        codec.space_from_proto(discrete_space(n))


def test_discrete_of_one_and_two_values() -> None:
    assert codec.space_from_proto(discrete_space(1)) == spaces.Discrete(1)
    assert codec.space_from_proto(discrete_space(2)) == spaces.Discrete(2)


# --- Box bounds ---------------------------------------------------------------------

def test_equal_bounds_are_a_box_crossed_or_nan_bounds_are_not() -> None:
    point = codec.space_from_proto(box_space([2], low=3.0, high=3.0))
    assert point.low.tolist() == [3.0, 3.0] and point.high.tolist() == [3.0, 3.0]
    for low, high in [(1.0, 0.0), (float("nan"), 1.0), (0.0, float("nan"))]:
        with pytest.raises(ProtocolError, match="invalid Box bounds"):
            codec.space_from_proto(box_space([2], low=low, high=high))


def test_integer_box_bounds_are_clipped_to_the_dtype() -> None:
    # float -inf/inf bounds cannot be int32 / uint32 values: they become the dtype's range.
    wide = codec.space_from_proto(box_space([1], pb.DTYPE["INT"], -np.inf, np.inf))
    assert (int(wide.low[0]), int(wide.high[0])) == (-(2**31), 2**31 - 1)
    unsigned = codec.space_from_proto(box_space([1], pb.DTYPE["UINT"], -5.0, 7.0))
    assert (int(unsigned.low[0]), int(unsigned.high[0])) == (0, 7)
    # A float Box keeps infinite bounds as they are.
    free = codec.space_from_proto(box_space([1], FLOAT, -np.inf, np.inf))
    assert np.isneginf(free.low[0]) and np.isposinf(free.high[0])


def test_unknown_dtype_and_space_type_are_named() -> None:
    with pytest.raises(ProtocolError, match="unknown Box dtype 9"):
        codec.space_from_proto(box_space([1], dtype=9))
    with pytest.raises(ProtocolError, match="unknown space type 9"):
        codec.space_from_proto(pb.SpaceDescription(type=9))
    with pytest.raises(ProtocolError, match="unknown data container type 9"):
        codec.data_from_proto(pb.DataContainer(type=9))


# --- bytes that are no message ------------------------------------------------------

@pytest.mark.parametrize("payload", [b"\xff", b"\x0a\x05ab", b"\x12\xff\xff\xff\xff\x7f"])
def test_undecodable_bytes_are_a_protocol_error_naming_the_message(payload: bytes) -> None:
    # 0xff: a field with wire type 7 (none); 0x0a 0x05 "ab": 5 bytes promised, 2 sent;
    # a length that runs past the end.
    with pytest.raises(ProtocolError, match=f"cannot decode SimInitMsg \\({len(payload)} bytes"):
        codec.parse(pb.SimInitMsg, payload, "SimInitMsg")


def test_a_valid_message_parses_to_its_fields() -> None:
    wire = pb.SimInitMsg(simProcessId=42, obsSpace=discrete_space(3)).SerializeToString()
    msg = codec.parse(pb.SimInitMsg, wire, "SimInitMsg")
    assert msg.simProcessId == 42 and msg.HasField("obsSpace") and not msg.HasField("actSpace")


# --- what the encoder refuses -------------------------------------------------------

def test_the_encoder_refuses_what_the_wire_cannot_carry() -> None:
    with pytest.raises(TypeError, match="no encoding for MultiBinary"):
        codec.space_to_proto(spaces.MultiBinary(3))
    with pytest.raises(TypeError, match="no encoding for MultiBinary"):
        codec.data_to_proto(np.zeros(3, np.int8), spaces.MultiBinary(3))
    with pytest.raises(TypeError, match="Box dtype int64 has no wire encoding"):
        codec.space_to_proto(spaces.Box(0, 1, (2,), np.int64))
    with pytest.raises(TypeError, match="a Dict space needs a mapping, got list"):
        codec.data_to_proto([1], spaces.Dict({"a": spaces.Discrete(2)}))


def test_a_tuple_value_must_have_one_element_per_space() -> None:
    pair = spaces.Tuple([spaces.Discrete(2), spaces.Discrete(3)])
    assert codec.data_from_proto(codec.data_to_proto((1, 2), pair)) == (1, 2)
    for wrong in [(1,), (1, 2, 0)]:
        with pytest.raises(ValueError, match="zip"):
            codec.data_to_proto(wrong, pair)

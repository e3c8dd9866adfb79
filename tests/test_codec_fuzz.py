"""Property-based tests of the Python decoders against a hostile simulator: structured
messages cut short, bytes flipped, wrong Any type URLs, huge shapes, shape/data length
mismatches. Each must decode or raise ProtocolError; nothing else, and no decode may
allocate much more than the message carries. (Arbitrary bytes: tests/test_codec.py.)"""

from __future__ import annotations

import contextlib
import tracemalloc

import numpy as np
from gymnasium import spaces
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.errors import ProtocolError
from bridge.protocol import codec, fastpath, messages
from bridge.protocol import schema as pb

FAST = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ALLOCATION_LIMIT = 64 << 20  # bytes a decode may allocate, whatever the message declares

DTYPES = [np.int32, np.uint32, np.float32, np.float64]
small_shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)
boxes = st.builds(lambda shape, dtype: spaces.Box(0, 10, shape, dtype), small_shapes,
                  st.sampled_from(DTYPES))
leaves = st.one_of(st.integers(1, 50).map(spaces.Discrete), boxes)
space_trees = st.recursive(leaves, lambda kids: st.one_of(
    st.lists(kids, min_size=1, max_size=3).map(spaces.Tuple),
    st.dictionaries(st.text("abcxyz", min_size=1, max_size=3), kids, min_size=1,
                    max_size=3).map(spaces.Dict),
), max_leaves=6)


def sim_init_bytes(obs: spaces.Space, act: spaces.Space) -> bytes:
    return pb.SimInitMsg(simProcessId=1, obsSpace=codec.space_to_proto(obs),
                         actSpace=codec.space_to_proto(act)).SerializeToString()


def env_state_bytes(space: spaces.Space, seed: int) -> bytes:
    space.seed(seed)
    data = codec.data_to_proto(space.sample(), space)
    return pb.EnvStateMsg(obsData=data, reward=1.5, info="{}").SerializeToString()


def decode_all(payload: bytes, space: spaces.Space) -> None:
    """Every decoder on ``payload``: only ProtocolError may come out."""
    fast = fastpath.compile_observation_decoder(space)
    for decode in (messages.decode_sim_init, lambda p: messages.decode_env_state(p, space),
                   lambda p: messages.decode_env_state(p, space, fast)):
        with contextlib.suppress(ProtocolError):
            decode(payload)


def test_a_decoded_space_round_trips():
    # The strategies make what the codec accepts: the baseline for the cases below.
    space = spaces.Dict({"a": spaces.Tuple([spaces.Discrete(3), spaces.Box(0, 10, (2, 2))])})
    init = messages.decode_sim_init(sim_init_bytes(space, space))
    assert init.observation_space == space


@FAST
@given(space_trees, st.integers(0, 2**16), st.data())
def test_truncated_messages_decode_or_raise_protocol_error(space, seed, data):
    for wire in (sim_init_bytes(space, space), env_state_bytes(space, seed)):
        cut = data.draw(st.integers(0, len(wire) - 1))
        decode_all(wire[:cut], space)


@FAST
@given(space_trees, st.integers(0, 2**16), st.data())
def test_flipped_bytes_decode_or_raise_protocol_error(space, seed, data):
    for wire in (sim_init_bytes(space, space), env_state_bytes(space, seed)):
        flips = data.draw(st.lists(st.tuples(st.integers(0, len(wire) - 1),
                                             st.integers(1, 255)), min_size=1, max_size=4))
        mutated = bytearray(wire)
        for at, mask in flips:
            mutated[at] ^= mask
        decode_all(bytes(mutated), space)


type_urls = st.one_of(
    st.text(max_size=40),
    st.sampled_from([pb.TYPE_URL_PREFIX + name for name in (
        "ns3opengym.BoxSpace", "ns3opengym.DiscreteSpace", "ns3opengym.TupleSpace",
        "ns3opengym.DictSpace", "ns3opengym.BoxDataContainer",
        "ns3opengym.DiscreteDataContainer", "ns3opengym.SimInitMsg", "evil.Payload")]))


@FAST
@given(space_trees, type_urls, st.booleans())
def test_wrong_type_urls_are_named(space, url, as_data):
    if as_data:
        message, decode = codec.data_to_proto(space.sample(), space), codec.data_from_proto
        holder = message.data
    else:
        message, decode = codec.space_to_proto(space), codec.space_from_proto
        holder = message.space
    expected, holder.type_url = holder.type_url, url
    try:
        decode(message)
    except ProtocolError as err:
        assert url != expected and repr(url) in str(err)
    else:
        assert url == expected  # only the right URL decodes


huge_dims = st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=6) | st.lists(
    st.integers(0, 3), min_size=30, max_size=80)


@settings(max_examples=60, deadline=None)
@given(huge_dims, st.sampled_from(sorted(codec.WIRE_DTYPES)), st.integers(1, 8),
       st.integers(0, 16))
def test_huge_shapes_never_allocate_what_they_declare(dims, dtype, copies, values):
    """Spaces and data with any declared shape, nested ``copies`` times over in one
    message: refused, or decoded within ALLOCATION_LIMIT."""
    box_space = pb.SpaceDescription(type=pb.SPACE_TYPE["Box"])
    codec.pack_into(box_space.space, pb.BoxSpace(low=0, high=1, dtype=dtype, shape=dims))
    space = pb.SpaceDescription(type=pb.SPACE_TYPE["Tuple"])
    codec.pack_into(space.space, pb.TupleSpace(element=[box_space] * copies))
    field = codec.WIRE_DTYPES[dtype][1]
    box_data = pb.BoxDataContainer(dtype=dtype, shape=dims, **{field: [1] * values})
    data = pb.DataContainer(type=pb.SPACE_TYPE["Box"])
    codec.pack_into(data.data, box_data)
    tuple_data = pb.DataContainer(type=pb.SPACE_TYPE["Tuple"])
    codec.pack_into(tuple_data.data, pb.TupleDataContainer(element=[data] * copies))
    tracemalloc.start()
    try:
        for decode, message in ((codec.space_from_proto, space),
                                (codec.data_from_proto, tuple_data)):
            with contextlib.suppress(ProtocolError):
                decode(message)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < ALLOCATION_LIMIT, f"{peak / 2**20:.0f} MiB for shape {dims} x {copies}"


@FAST
@given(small_shapes, st.sampled_from(sorted(codec.WIRE_DTYPES)), st.integers(1, 30),
       st.sampled_from(sorted(codec.WIRE_DTYPES)))
def test_shape_and_data_length_mismatch_is_named(shape, dtype, count, data_dtype):
    size = int(np.prod(shape))
    field = codec.WIRE_DTYPES[data_dtype][1]
    box = pb.BoxDataContainer(dtype=dtype, shape=shape, **{field: [1] * count})
    container = pb.DataContainer(type=pb.SPACE_TYPE["Box"])
    codec.pack_into(container.data, box)
    fits = count == size and data_dtype == dtype
    try:
        value = codec.data_from_proto(container)
    except ProtocolError as err:
        assert not fits
        assert f"needs {size} values, got" in str(err) or "no values" in str(err)
    else:  # the values sit in another dtype's field: the Box reads as empty (zeros)
        assert fits or data_dtype != dtype
        assert value.shape == shape

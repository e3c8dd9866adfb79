"""Property-based tests of the Python decoders against a hostile simulator: structured
messages cut short, bytes flipped, wrong Any type URLs, huge shapes, shape/data length
mismatches. Each must decode or raise ProtocolError; nothing else, and no decode may
allocate much more than the message carries. (Arbitrary bytes: tests/test_codec.py.)"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from google.protobuf.message import DecodeError
from gymnasium import spaces
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bridge.errors import ProtocolError
from bridge.protocol import codec, fastpath, messages
from bridge.protocol import schema as pb
from tests.test_codec import assert_same

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


def decoders(space: spaces.Space):
    """Every decoder of an EnvStateMsg for ``space``: the generic codec and the fast path."""
    fast = fastpath.compile_observation_decoder(space)
    return (lambda p: messages.decode_env_state(p, space),
            lambda p: messages.decode_env_state(p, space, fast))


def field_ends(message) -> list[int]:
    """Where each field that is set ends in ``message``'s serialization: the cuts after
    which the rest still parses (fields go out in field-number order)."""
    ends, prefix = [], type(message)()
    for field, value in message.ListFields():
        if field.message_type is not None:
            getattr(prefix, field.name).CopyFrom(value)
        else:
            setattr(prefix, field.name, value)
        ends.append(len(prefix.SerializeToString()))
    return ends


def protobuf_refuses(message_class, payload: bytes) -> bool:
    try:
        message_class.FromString(payload)
    except DecodeError:
        return True
    return False


def test_a_decoded_space_round_trips():
    # The strategies make what the codec accepts: the baseline for the cases below.
    space = spaces.Dict({"a": spaces.Tuple([spaces.Discrete(3), spaces.Box(0, 10, (2, 2))])})
    init = messages.decode_sim_init(sim_init_bytes(space, space))
    assert init.observation_space == space


@FAST
@given(space_trees, st.integers(0, 2**16), st.data())
def test_truncated_messages_are_refused_unless_cut_between_fields(space, seed, data):
    # SimInitMsg: the action space goes last, so every cut loses it (or breaks a field):
    # always refused.
    init = sim_init_bytes(space, space)
    cut = data.draw(st.integers(0, len(init) - 1))
    with pytest.raises(ProtocolError, match="SimInitMsg"):
        messages.decode_sim_init(init[:cut])
    # EnvStateMsg (obsData, reward, info): a cut inside a field cannot be parsed; a cut
    # between fields leaves a shorter message, which decodes to what it still holds; no
    # observation at all does not fit the space.
    state = pb.EnvStateMsg.FromString(env_state_bytes(space, seed))
    wire = state.SerializeToString()
    cut = data.draw(st.integers(0, len(wire) - 1))
    obs_end, reward_end = field_ends(state)[:2]
    expected = codec.data_from_proto(state.obsData)
    for decode in decoders(space):
        if cut in (obs_end, reward_end):
            decoded = decode(wire[:cut])
            assert_same(decoded.observation, expected)
            assert decoded.reward == (1.5 if cut == reward_end else 0.0)
            assert decoded.info == ""
        else:
            match = "does not fit" if cut == 0 else "cannot decode EnvStateMsg"
            with pytest.raises(ProtocolError, match=match):
                decode(wire[:cut])


@FAST
@given(space_trees, st.integers(0, 2**16), st.data())
def test_flipped_bytes_are_refused_or_decode_to_what_the_bytes_say(space, seed, data):
    def flip(wire: bytes) -> bytes:
        flips = data.draw(st.lists(st.tuples(st.integers(0, len(wire) - 1),
                                             st.integers(1, 255)), min_size=1, max_size=4))
        mutated = bytearray(wire)
        for at, mask in flips:
            mutated[at] ^= mask
        return bytes(mutated)

    init = flip(sim_init_bytes(space, space))
    if protobuf_refuses(pb.SimInitMsg, init):
        with pytest.raises(ProtocolError, match="cannot decode SimInitMsg"):
            messages.decode_sim_init(init)
    else:
        try:
            decoded = messages.decode_sim_init(init)
        except ProtocolError:
            pass
        else:  # what was accepted is what protobuf reads, and its spaces encode again
            assert decoded.pid == pb.SimInitMsg.FromString(init).simProcessId
            for got in (decoded.observation_space, decoded.action_space):
                assert codec.space_from_proto(codec.space_to_proto(got)) == got
    state = flip(env_state_bytes(space, seed))
    refused = protobuf_refuses(pb.EnvStateMsg, state)
    outcomes = []
    for decode in decoders(space):
        try:
            decoded = decode(state)
        except ProtocolError as err:
            assert not refused or "cannot decode EnvStateMsg" in str(err)
            outcomes.append(None)
        else:
            assert not refused
            assert messages.mismatch(decoded.observation, space) is None
            msg = pb.EnvStateMsg.FromString(state)
            assert decoded.info == msg.info and decoded.reward == msg.reward
            outcomes.append(decoded.observation)
    # The fast path and the generic codec agree, on refusals as on values.
    assert (outcomes[0] is None) == (outcomes[1] is None)
    if outcomes[0] is not None:
        assert_same(outcomes[0], outcomes[1])


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
@example([81, 1619], 1, 8, 1)  # each Box within the budget, 8 over it, the first half-filled
def test_huge_shapes_never_allocate_what_they_declare(dims, dtype, copies, values):
    """Spaces and data with any declared shape, ``copies`` times over in one message:
    refused when the declaration breaks a limit (or the data's values do not fill the
    shape), else decoded; either way within ALLOCATION_LIMIT."""
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
    refusal = declared_refusal(dims, copies)
    # data: the first Box is read before the budget the copies share runs out, so one
    # whose values do not fill its shape is refused for that, unless it breaks a limit alone
    alone = declared_refusal(dims, 1)
    partly_filled = values and values != math.prod(dims)
    data_refusal = alone or ("values" if partly_filled else refusal)
    tracemalloc.start()
    try:
        for decode, message, why in ((codec.space_from_proto, space, refusal),
                                     (codec.data_from_proto, tuple_data, data_refusal)):
            if why is None:
                decoded = decode(message)
                assert len(decoded) == copies
                assert all(tuple(d.shape) == tuple(dims) for d in decoded)
            else:
                with pytest.raises(ProtocolError, match=why):
                    decode(message)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < ALLOCATION_LIMIT, f"{peak / 2**20:.0f} MiB for shape {dims} x {copies}"


def declared_refusal(dims: list[int], copies: int) -> str | None:
    """Why ``copies`` Boxes of shape ``dims`` in one message are refused (a pattern of the
    error), or None: at most 32 dimensions, and at most MAX_ELEMENTS elements in all,
    with a zero-length dimension counted as 1 for the Box that has it."""
    if len(dims) > codec.MAX_DIMS:
        return "dimensions"
    one = math.prod(dims)
    if math.prod(max(d, 1) for d in dims) > codec.MAX_ELEMENTS:
        return "exceeds"
    return "exceeds" if one * copies > codec.MAX_ELEMENTS else None


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

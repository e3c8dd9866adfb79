"""Precompiled encoders and decoders for the common case of a float Box.

For a Box of float32 or float64 of fixed shape, every EnvActMsg differs from every
other only in its last 4·n (or 8·n) bytes: the packed little-endian values. All
lengths before them depend on n alone. So the message is a constant prefix followed
by the raw array, and an observation's values are the raw tail of its Box container.
The same holds for an EnvStateMsg up to the end of its observation (field 1, written
first): a constant prefix, the raw values, then the other fields (reward, game over,
reason, info), which parse on their own as an EnvStateMsg.

Both are derived from the generic codec at construction and checked against it on a
sample, so they cannot disagree with it; anything that does not match the expected
layout at run time goes through the generic path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from gymnasium import spaces

from bridge.protocol import codec
from bridge.protocol import schema as pb

_RAW: dict[np.dtype, np.dtype] = {
    np.dtype(np.float32): np.dtype("<f4"),
    np.dtype(np.float64): np.dtype("<f8"),
}


def _raw_dtype(space: spaces.Space) -> np.dtype | None:
    if not isinstance(space, spaces.Box) or not space.shape or np.prod(space.shape) == 0:
        return None
    return _RAW.get(np.dtype(space.dtype))


def compile_action_encoder(space: spaces.Space) -> Callable[[Any], bytes]:
    """``action -> EnvActMsg bytes``, equal to the generic encoding for every action."""

    def generic(action: Any) -> bytes:
        return pb.EnvActMsg(actData=codec.data_to_proto(action, space)).SerializeToString()

    raw = _raw_dtype(space)
    if raw is None:
        return generic
    sample = np.random.default_rng(0).uniform(-1, 1, space.shape).astype(space.dtype)
    full = generic(sample)
    tail = sample.astype(raw).tobytes()
    if not full.endswith(tail):  # pragma: no cover - a layout protobuf does not use
        return generic
    prefix = full[: -len(tail)]

    def fast(action: Any) -> bytes:
        return prefix + np.asarray(action).astype(raw, copy=False).tobytes()

    return fast


def compile_observation_decoder(space: spaces.Space) -> Callable[[Any], np.ndarray | None]:
    """``DataContainer -> array`` for the exact expected layout, else None (use generic)."""
    raw = _raw_dtype(space)
    if raw is None:
        return lambda container: None
    assert isinstance(space, spaces.Box)
    sample = np.zeros(space.shape, space.dtype)
    box = codec.data_to_proto(sample, space)
    prefix = box.data.value[: -sample.nbytes]
    type_url, size, shape = box.data.type_url, len(box.data.value), space.shape

    def fast(container: Any) -> np.ndarray | None:
        data = container.data
        value = data.value
        if (len(value) != size or data.type_url != type_url or not value.startswith(prefix)
                or container.type != pb.SPACE_TYPE["Box"]):
            return None
        array = np.frombuffer(value, raw, offset=len(prefix)).reshape(shape)
        return array.astype(space.dtype)  # a writable copy in native byte order

    return fast


def compile_state_decoder(space: spaces.Space
                          ) -> Callable[[bytes], tuple[np.ndarray, Any] | None]:
    """``EnvStateMsg bytes -> (observation, message of the other fields)`` for a message
    that starts with the exact expected observation layout, else None (use generic).

    The prefix fixes every byte before the values, the container's length included, so
    the container ends with them; a message whose other fields carry a second
    observation (protobuf would merge the two) goes to the generic path too."""
    raw = _raw_dtype(space)
    if raw is None:
        return lambda payload: None
    assert isinstance(space, spaces.Box)
    sample = np.zeros(space.shape, space.dtype)
    values = sample.astype(raw).tobytes()
    whole = pb.EnvStateMsg(obsData=codec.data_to_proto(sample, space)).SerializeToString()
    if not whole.endswith(values):  # pragma: no cover - a layout protobuf does not use
        return lambda payload: None
    prefix, end, count, shape = whole[: -len(values)], len(whole), sample.size, space.shape

    def fast(payload: bytes) -> tuple[np.ndarray, Any] | None:
        if not payload.startswith(prefix):
            return None
        rest = codec.parse(pb.EnvStateMsg, payload[end:], "EnvStateMsg")
        if rest.HasField("obsData"):
            return None
        array = np.frombuffer(payload, raw, count, len(prefix)).reshape(shape)
        return array.astype(space.dtype), rest  # a writable copy in native byte order

    return fast

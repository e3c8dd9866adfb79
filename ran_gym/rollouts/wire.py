"""The bytes an env step crosses Ray as, between the learner and a rollout actor.

msgpack, with NumPy arrays as (dtype, shape, raw bytes) and NumPy scalars as Python
numbers: data only, so reading it runs no code (unlike pickle), and cheaper than Ray's
own serialiser for what a step carries, a dict of small arrays (the action) and the
step's results with their nested info (docs/benchmarks.md, "Ray actors beside the local
vector env"). What else an env might put in an action or an info (an object array, a
set, an instance of its own) is refused with a ``TypeError`` that names its type.
"""

from __future__ import annotations

from typing import Any

import msgpack
import numpy as np

_ARRAY = 1
"""msgpack extension code of a NumPy array."""
_NUMERIC = "biuf"
"""Array kinds that travel: bool, signed and unsigned integers, floats."""


def _encode(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _NUMERIC:
            raise TypeError(f"a rollout step carries numeric arrays only, not dtype {value.dtype}")
        body = msgpack.packb((value.dtype.str, value.shape, np.ascontiguousarray(value).data))
        return msgpack.ExtType(_ARRAY, body)
    if isinstance(value, np.generic) and value.dtype.kind in _NUMERIC:
        return value.item()
    raise TypeError(f"a rollout step cannot carry a {type(value).__name__}")


def _decode(code: int, body: bytes) -> np.ndarray:
    if code != _ARRAY:
        raise ValueError(f"rollout step: unknown msgpack extension {code}")
    dtype, shape, raw = msgpack.unpackb(body)
    kind = np.dtype(dtype)
    if kind.kind not in _NUMERIC:
        raise ValueError(f"rollout step: an array of dtype {kind} (numeric only)")
    return np.frombuffer(raw, kind).reshape(shape).copy()  # writable, as the env gave it


def pack(value: Any) -> bytes:
    """``value`` (numbers, strings, bools, None, lists, tuples, dicts, numeric NumPy
    arrays and scalars, nested) as bytes; tuples come back as lists."""
    return msgpack.packb(value, default=_encode, use_bin_type=True)


def unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, ext_hook=_decode, raw=False, strict_map_key=False)

"""Conversion between ns3opengym messages and Gymnasium spaces / NumPy values.

Decoding checks everything a hostile or broken peer could get wrong (type URLs,
space types, shape/data agreement, sizes) and raises :class:`ProtocolError` naming
the problem. What a message may declare is bounded as a whole: all the Boxes of one
space or one value together hold at most ``MAX_ELEMENTS`` elements, so nesting cannot
multiply the bound (a few bytes declaring huge shapes allocate nothing).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from google.protobuf.message import DecodeError, Message
from gymnasium import spaces

from bridge.errors import ProtocolError
from bridge.protocol import schema as pb

# Wire dtype <-> NumPy dtype, and the BoxDataContainer field that carries each.
WIRE_DTYPES: dict[int, tuple[np.dtype, str]] = {
    pb.DTYPE["INT"]: (np.dtype(np.int32), "intData"),
    pb.DTYPE["UINT"]: (np.dtype(np.uint32), "uintData"),
    pb.DTYPE["FLOAT"]: (np.dtype(np.float32), "floatData"),
    pb.DTYPE["DOUBLE"]: (np.dtype(np.float64), "doubleData"),
}
_NUMPY_TO_WIRE = {np_dtype: wire for wire, (np_dtype, _) in WIRE_DTYPES.items()}
MAX_ELEMENTS = 1 << 20  # Box elements one space or one value may declare, all Boxes together
MAX_DEPTH = 32  # nesting of Tuple/Dict
MAX_DIMS = 32  # dimensions of a Box (NumPy allows 64)


def parse(message_class: Any, payload: bytes, what: str) -> Any:
    message = message_class()
    try:
        message.ParseFromString(payload)
    except (DecodeError, RuntimeError, ValueError) as err:
        raise ProtocolError(f"cannot decode {what} ({len(payload)} bytes): {err}") from None
    return message


def pack_into(holder: Any, message: Message) -> None:
    """Store ``message`` in the Any ``holder``, with the type URL ns3-gym uses."""
    holder.type_url = pb.TYPE_URL_PREFIX + message.DESCRIPTOR.full_name
    holder.value = message.SerializeToString()


def unpack(holder: Any, message_class: Any, what: str) -> Any:
    expected = pb.TYPE_URL_PREFIX + message_class.DESCRIPTOR.full_name
    if holder.type_url != expected:
        raise ProtocolError(f"{what}: expected an Any of {expected!r}, got {holder.type_url!r}")
    return parse(message_class, holder.value, what)


class _Budget:
    """The Box elements a message may still declare."""

    def __init__(self) -> None:
        self.left = MAX_ELEMENTS

    def take(self, shape: Any, what: str) -> tuple[int, ...]:
        dims = tuple(int(d) for d in shape)
        if len(dims) > MAX_DIMS:
            raise ProtocolError(f"{what}: a Box shape of {len(dims)} dimensions (at most "
                                f"{MAX_DIMS})")
        # Zero-length dimensions count as 1 here: NumPy refuses [0, 2**31, 2**31] too.
        if math.prod(max(d, 1) for d in dims) > self.left:
            raise ProtocolError(f"{what}: shape {dims} exceeds the {MAX_ELEMENTS} Box "
                                "elements a message may declare")
        self.left -= math.prod(dims)
        return dims


def _wire_dtype(code: int, what: str) -> tuple[np.dtype, str]:
    try:
        return WIRE_DTYPES[code]
    except KeyError:
        raise ProtocolError(f"{what}: unknown Box dtype {code}") from None


# --- spaces -----------------------------------------------------------------------

def space_from_proto(desc: Any, what: str = "space", depth: int = 0,
                     budget: _Budget | None = None) -> spaces.Space:
    """Decode a SpaceDescription into a Gymnasium space."""
    budget = budget or _Budget()
    if depth > MAX_DEPTH:
        raise ProtocolError(f"{what}: nesting deeper than {MAX_DEPTH}")
    kind = desc.type
    if kind == pb.SPACE_TYPE["Discrete"]:
        n = unpack(desc.space, pb.DiscreteSpace, what).n
        if n < 1:
            raise ProtocolError(f"{what}: Discrete space needs n >= 1, got {n}")
        return spaces.Discrete(n)
    if kind == pb.SPACE_TYPE["Box"]:
        return _box_from_proto(unpack(desc.space, pb.BoxSpace, what), what, budget)
    if kind == pb.SPACE_TYPE["Tuple"]:
        elements = unpack(desc.space, pb.TupleSpace, what).element
        return spaces.Tuple(
            [space_from_proto(e, f"{what}[{i}]", depth + 1, budget)
             for i, e in enumerate(elements)]
        )
    if kind == pb.SPACE_TYPE["Dict"]:
        elements = unpack(desc.space, pb.DictSpace, what).element
        return spaces.Dict(
            {e.name: space_from_proto(e, f"{what}[{e.name!r}]", depth + 1, budget)
             for e in elements}
        )
    raise ProtocolError(f"{what}: unknown space type {kind}")


def _box_from_proto(box: Any, what: str, budget: _Budget) -> spaces.Box:
    dtype, _ = _wire_dtype(box.dtype, what)
    shape = budget.take(box.shape, what)
    low, high = float(box.low), float(box.high)
    if np.issubdtype(dtype, np.integer):  # integer Boxes need finite, representable bounds
        info = np.iinfo(dtype)
        low, high = (float(np.clip(b, info.min, info.max)) for b in (low, high))
    if math.isnan(low) or math.isnan(high) or low > high:
        raise ProtocolError(f"{what}: invalid Box bounds [{low}, {high}]")
    return spaces.Box(low=low, high=high, shape=shape, dtype=dtype)


def space_to_proto(space: spaces.Space, name: str = "") -> Any:
    """Encode a Gymnasium space as a SpaceDescription (as ns-3 would send it)."""
    desc = pb.SpaceDescription(name=name)
    if isinstance(space, spaces.Discrete):
        desc.type = pb.SPACE_TYPE["Discrete"]
        pack_into(desc.space, pb.DiscreteSpace(n=int(space.n)))
    elif isinstance(space, spaces.Box):
        desc.type = pb.SPACE_TYPE["Box"]
        # An empty Box has no bounds to send; any pair decodes to an equal space.
        low, high = ((float(np.min(space.low)), float(np.max(space.high))) if space.low.size
                     else (0.0, 0.0))
        pack_into(desc.space, pb.BoxSpace(low=low, high=high, dtype=_box_wire_dtype(space),
                                          shape=list(space.shape)))
    elif isinstance(space, spaces.Tuple):
        desc.type = pb.SPACE_TYPE["Tuple"]
        pack_into(desc.space, pb.TupleSpace(element=[space_to_proto(s) for s in space]))
    elif isinstance(space, spaces.Dict):
        desc.type = pb.SPACE_TYPE["Dict"]
        elements = [space_to_proto(s, key) for key, s in space.spaces.items()]
        pack_into(desc.space, pb.DictSpace(element=elements))
    else:
        raise TypeError(f"the ns3-gym protocol has no encoding for {type(space).__name__}")
    return desc


def _box_wire_dtype(space: spaces.Box) -> int:
    try:
        return _NUMPY_TO_WIRE[np.dtype(space.dtype)]
    except KeyError:
        raise TypeError(
            f"Box dtype {space.dtype} has no wire encoding (int32, uint32, float32, float64)"
        ) from None


# --- data -------------------------------------------------------------------------

def data_from_proto(container: Any, what: str = "data", depth: int = 0,
                    budget: _Budget | None = None) -> Any:
    """Decode a DataContainer into NumPy arrays / ints / tuples / dicts."""
    budget = budget or _Budget()
    if depth > MAX_DEPTH:
        raise ProtocolError(f"{what}: nesting deeper than {MAX_DEPTH}")
    kind = container.type
    if kind == pb.SPACE_TYPE["Discrete"]:
        return int(unpack(container.data, pb.DiscreteDataContainer, what).data)
    if kind == pb.SPACE_TYPE["Box"]:
        box = unpack(container.data, pb.BoxDataContainer, what)
        return _box_data_from_proto(box, what, budget)
    if kind == pb.SPACE_TYPE["Tuple"]:
        elements = unpack(container.data, pb.TupleDataContainer, what).element
        return tuple(
            data_from_proto(e, f"{what}[{i}]", depth + 1, budget)
            for i, e in enumerate(elements)
        )
    if kind == pb.SPACE_TYPE["Dict"]:
        elements = unpack(container.data, pb.DictDataContainer, what).element
        return {e.name: data_from_proto(e, f"{what}[{e.name!r}]", depth + 1, budget)
                for e in elements}
    raise ProtocolError(f"{what}: unknown data container type {kind}")


def _box_data_from_proto(box: Any, what: str, budget: _Budget) -> np.ndarray:
    dtype, field = _wire_dtype(box.dtype, what)
    shape = budget.take(box.shape, what)
    values = getattr(box, field)
    if not values:  # ns3-gym programs end some episodes with a shape but no values
        return np.zeros(shape, dtype=dtype)
    if len(values) != math.prod(shape):
        raise ProtocolError(
            f"{what}: Box of shape {shape} needs {math.prod(shape)} values, got {len(values)}"
        )
    return np.asarray(values, dtype=dtype).reshape(shape)


def data_to_proto(value: Any, space: spaces.Space, name: str = "") -> Any:
    """Encode ``value`` (already validated against ``space``) as a DataContainer."""
    container = pb.DataContainer(name=name)
    if isinstance(space, spaces.Discrete):
        container.type = pb.SPACE_TYPE["Discrete"]
        pack_into(container.data, pb.DiscreteDataContainer(data=int(value)))
    elif isinstance(space, spaces.Box):
        container.type = pb.SPACE_TYPE["Box"]
        wire = _box_wire_dtype(space)
        array = np.asarray(value, dtype=space.dtype)
        box = pb.BoxDataContainer(dtype=wire, shape=list(array.shape))
        getattr(box, WIRE_DTYPES[wire][1]).extend(array.ravel().tolist())
        pack_into(container.data, box)
    elif isinstance(space, spaces.Tuple):
        container.type = pb.SPACE_TYPE["Tuple"]
        elements = [data_to_proto(v, s) for v, s in zip(value, space.spaces, strict=True)]
        pack_into(container.data, pb.TupleDataContainer(element=elements))
    elif isinstance(space, spaces.Dict):
        container.type = pb.SPACE_TYPE["Dict"]
        if not isinstance(value, Mapping):
            raise TypeError(f"a Dict space needs a mapping, got {type(value).__name__}")
        elements = [data_to_proto(value[k], s, k) for k, s in space.spaces.items()]
        pack_into(container.data, pb.DictDataContainer(element=elements))
    else:
        raise TypeError(f"the ns3-gym protocol has no encoding for {type(space).__name__}")
    return container

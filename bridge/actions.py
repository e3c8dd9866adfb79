"""Checks an agent's action against the action space before it goes on the wire.

A bad action is refused here with a message naming what is wrong (shape, dtype,
NaN/inf, bounds, keys), so the simulator never sees it and the episode goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from gymnasium import spaces

from bridge.errors import BridgeError


class InvalidAction(BridgeError, ValueError):
    """The action does not belong to the action space."""


def validate_action(action: Any, space: spaces.Space, where: str = "action") -> Any:
    """Return ``action`` in the space's own types, or raise :class:`InvalidAction`."""
    if isinstance(space, spaces.Discrete):
        return _discrete(action, space, where)
    if isinstance(space, spaces.Box):
        return _box(action, space, where)
    if isinstance(space, spaces.Tuple):
        if not isinstance(action, (tuple, list)) or len(action) != len(space.spaces):
            raise InvalidAction(f"{where}: expected a tuple of {len(space.spaces)} elements")
        pairs = enumerate(zip(action, space.spaces, strict=True))
        return tuple(validate_action(a, s, f"{where}[{i}]") for i, (a, s) in pairs)
    if isinstance(space, spaces.Dict):
        if not isinstance(action, Mapping) or set(action) != set(space.spaces):
            got = sorted(action) if isinstance(action, Mapping) else type(action).__name__
            raise InvalidAction(f"{where}: expected keys {sorted(space.spaces)}, got {got}")
        return {k: validate_action(action[k], s, f"{where}[{k!r}]") for k, s in space.items()}
    raise InvalidAction(f"{where}: unsupported action space {type(space).__name__}")


def _discrete(action: Any, space: spaces.Discrete, where: str) -> int:
    value = np.asarray(action)
    if value.shape != () or value.dtype.kind not in "iu":
        raise InvalidAction(
            f"{where}: Discrete({space.n}) needs one integer, got {action!r} "
            f"(dtype {value.dtype}, shape {value.shape})"
        )
    start, n = int(space.start), int(space.n)
    if not start <= int(value) < start + n:
        raise InvalidAction(f"{where}: {int(value)} is outside [{start}, {start + n - 1}]")
    return int(value)


def _box(action: Any, space: spaces.Box, where: str) -> np.ndarray:
    value = np.asarray(action)
    if value.shape == space.shape and value.dtype.kind in "iuf":
        # Fast path: in bounds (NaN fails both comparisons) and integral where it must be.
        inside = bool(np.all((value >= space.low) & (value <= space.high)))
        integral = (value.dtype.kind != "f" or not np.issubdtype(space.dtype, np.integer)
                    or (inside and bool(np.all(np.mod(value, 1) == 0))))
        if inside and integral:
            return value.astype(space.dtype, copy=False)
    raise InvalidAction(_box_problem(value, space, where))


def _box_problem(value: np.ndarray, space: spaces.Box, where: str) -> str:
    """What is wrong with a Box action that failed the fast check."""
    if value.dtype.kind not in "iuf":
        return f"{where}: expected numbers, got dtype {value.dtype}"
    if value.shape != space.shape:
        return f"{where}: expected shape {space.shape}, got shape {value.shape}"
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        bad = tuple(np.argwhere(~np.isfinite(value))[0])
        return f"{where}: element {bad} is {value[bad]} (not finite)"
    outside = (value < space.low) | (value > space.high)
    if np.any(outside):
        i = tuple(np.argwhere(outside)[0])
        return f"{where}: element {i} = {value[i]} is outside [{space.low[i]}, {space.high[i]}]"
    return f"{where}: the space has dtype {space.dtype}; got non-integer values"


def compile_validator(space: spaces.Space) -> Callable[[Any], Any]:
    """``validate_action`` for one space, with a quicker path for small Boxes whose
    bounds are scalars (every Box that comes over the wire): plain Python comparisons
    on a handful of values beat NumPy's per-call overhead."""
    if not isinstance(space, spaces.Box) or space.low.size == 0:
        return lambda action: validate_action(action, space)
    low, high = float(space.low.min()), float(space.high.max())
    uniform = bool(np.all(space.low == low) and np.all(space.high == high))
    small = uniform and space.low.size <= 64 and not np.issubdtype(space.dtype, np.integer)
    if not small:
        return lambda action: validate_action(action, space)
    shape, dtype = space.shape, space.dtype

    def check(action: Any) -> Any:
        value = np.asarray(action)
        if value.shape == shape and value.dtype.kind in "iuf" and all(
                low <= v <= high for v in value.ravel().tolist()):  # NaN fails both
            return value.astype(dtype, copy=False)
        return validate_action(action, space)  # raises with the reason

    return check

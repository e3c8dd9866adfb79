"""Range checks for config dataclasses: a bad value is an error naming the field and
the range it must lie in (NaN and infinities are never in range)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bounds:
    """An interval of allowed values; ``low_open`` excludes ``low`` itself."""

    low: float = -math.inf
    """Smallest value (or its infimum when ``low_open``)."""
    high: float = math.inf
    """Largest value."""
    low_open: bool = False
    """True: the value must be strictly greater than ``low``."""
    integer: bool = False
    """True: the value must be a whole number."""

    def holds(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        number = float(value)
        if not math.isfinite(number) or (self.integer and not number.is_integer()):
            return False
        above = number > self.low if self.low_open else number >= self.low
        return above and number <= self.high

    def __str__(self) -> str:
        left = "(" if self.low_open or self.low == -math.inf else "["
        right = ")" if self.high == math.inf else "]"
        kind = "an integer in " if self.integer else ""
        return f"{kind}{left}{self.low:g}, {self.high:g}{right}"


POSITIVE = Bounds(0, low_open=True)
NON_NEGATIVE = Bounds(0)
FINITE = Bounds()
COUNT = Bounds(1, integer=True)  # a whole number >= 1


def check_fields(config: Any, bounds: Mapping[str, Bounds]) -> None:
    """Raise ValueError for the first field of ``config`` outside its bounds."""
    for name, allowed in bounds.items():
        value = getattr(config, name)
        if not allowed.holds(value):
            raise ValueError(f"{type(config).__name__}.{name} = {value!r} must be {allowed}")


def check_choice(config: Any, name: str, choices: tuple[str, ...]) -> None:
    value = getattr(config, name)
    if value not in choices:
        raise ValueError(f"{type(config).__name__}.{name} = {value!r} must be one of "
                         f"{', '.join(choices)}")

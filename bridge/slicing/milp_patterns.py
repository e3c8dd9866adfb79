"""Activity-pattern options for the MILP's bounds model (R <= MAX_PATTERN_RUS).

Each RBG carries an activity pattern A, the set of RUs sending on it. An option is one
(A, r in A, UE, level) slot; every RU of A fills each RBG of pattern A once (equal counts
per RU), and the patterns share the RBGs of a size class. The interference on a slot
of pattern A comes from exactly the other RUs of A, each at some level between the
lowest and the highest: with every interferer at the highest level the slot's rate is a
lower bound of the true one, at the lowest level an upper bound. Placing each pattern on
its own block of RBGs realises those interference sets exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

import numpy as np

from bridge.slicing.config import SlicingConfig
from bridge.slicing.twin import spectral_efficiency

AddRow = Callable[[np.ndarray, np.ndarray, float, float], None]
"""``add_row(cols, values, low, high)``: one row low <= values @ x[cols] <= high."""

MAX_PATTERN_RUS = 4
"""Options grow as R 2^(R-1) U L; above this many RUs the model uses per-RU slots."""


def pattern_options(cfg: SlicingConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """owners, levels [C, R] (one busy RU per option) and pattern bitmask [C]."""
    rows = []
    for mask in range(1, 2**cfg.n_rus):
        rus = [r for r in range(cfg.n_rus) if mask >> r & 1]
        for r, u, level in product(rus, range(cfg.n_ues), range(cfg.n_levels)):
            rows.append((mask, r, u, level))
    table = np.array(rows, dtype=np.int64)
    owners = np.full((len(rows), cfg.n_rus), -1, dtype=np.int64)
    levels = np.full((len(rows), cfg.n_rus), -1, dtype=np.int64)
    owners[np.arange(len(rows)), table[:, 1]] = table[:, 2]
    levels[np.arange(len(rows)), table[:, 1]] = table[:, 3]
    return owners, levels, table[:, 0]


def pattern_rates(cfg: SlicingConfig, gain: np.ndarray, owners: np.ndarray,
                  levels: np.ndarray, pattern: np.ndarray, interferer_level: int) -> np.ndarray:
    """Per-PRB rate [C, R] with the other RUs of the pattern at ``interferer_level``."""
    busy = owners >= 0
    ue = np.maximum(owners, 0)
    factor = np.where(busy, cfg.level_factors[np.maximum(levels, 0)], 0.0)
    rus = np.arange(cfg.n_rus)
    members = (pattern[:, None] >> rus[None, :]) & 1                  # [C, R(j)]
    to_ue = gain[ue]                                                   # [C, R(at), R(j)]
    others = members[:, None, :] * (rus[None, :, None] != rus[None, None, :])
    interference = (cfg.prb_power_w * cfg.level_factors[interferer_level]
                    * (to_ue * others).sum(axis=2))
    signal = cfg.prb_power_w * factor * to_ue[:, rus, rus]
    sinr = signal / (cfg.prb_noise_w + interference)
    return np.where(busy, cfg.prb_bandwidth_hz * spectral_efficiency(cfg, sinr) / 1e6, 0.0)


def place_patterns(cfg: SlicingConfig, classes: list[np.ndarray], owners: np.ndarray,
                   pattern: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """RBG map: each pattern on its own block of each class, its RUs filling it."""
    prb_owner = np.full((cfg.n_rus, cfg.n_rbgs), -1, dtype=np.int64)
    for members, class_counts in zip(classes, counts, strict=True):
        start = 0
        for mask in range(1, 2**cfg.n_rus):
            width = 0
            for ru in range(cfg.n_rus):
                if not mask >> ru & 1:
                    continue
                mine = np.flatnonzero((pattern == mask) & (owners[:, ru] >= 0))
                chosen = np.repeat(mine, class_counts[mine])
                slots = members[start:start + chosen.size]
                prb_owner[ru, slots] = owners[chosen[:slots.size], ru]
                width = max(width, chosen.size)
            start += width
    return prb_owner


def add_pattern_rows(add_row: AddRow, pattern: np.ndarray, owners: np.ndarray,
                     col: np.ndarray, size: float, n_rus: int) -> None:
    """Equal counts for the RUs of each pattern; the patterns' RBGs within the class."""
    firsts = []
    for mask in np.unique(pattern):
        rus = [r for r in range(n_rus) if mask >> r & 1]
        first = np.flatnonzero((pattern == mask) & (owners[:, rus[0]] >= 0))
        firsts.append(first)
        for ru in rus[1:]:
            other = np.flatnonzero((pattern == mask) & (owners[:, ru] >= 0))
            add_row(np.concatenate([col[other], col[first]]),
                    np.concatenate([np.ones(other.size), -np.ones(first.size)]), 0.0, 0.0)
    every = np.concatenate(firsts)
    add_row(col[every], np.ones(every.size), 0.0, size)

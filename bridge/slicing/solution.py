"""What a solver returns, and the canonical form of an optimal allocation.

A UE that owns no RBG gets nothing whatever its RU and level, so optima are not unique
in those entries; solvers report them canonically: the strongest RU (lowest index on a
tie) and the level closest to 0 dB. Labels from ESA and MILP then agree wherever the
allocations do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bridge.slicing.allocation import Allocation
from bridge.slicing.config import SlicingConfig


@dataclass(frozen=True)
class Solution:
    """An allocation with its twin reward and what is known about the optimum."""

    allocation: Allocation
    reward: float
    """Twin reward of ``allocation``."""
    bound: float
    """Upper bound on the optimal reward (equal to ``reward`` when proven optimal)."""
    solver: str
    exact: bool
    """Whether ``allocation`` is proven optimal for the twin."""
    solve_time_s: float
    evaluated: int = 0
    """Candidates evaluated (ESA) or branch-and-bound nodes (MILP)."""

    @property
    def gap(self) -> float:
        """(bound - reward) / |bound|: 0 when optimal."""
        return float((self.bound - self.reward) / max(abs(self.bound), 1e-12))


def strongest_ru(gain_db: np.ndarray) -> np.ndarray:
    return np.argmax(np.asarray(gain_db, dtype=np.float64), axis=1)


def strongest_margin_db(gain_db: np.ndarray) -> np.ndarray:
    """[U]: how many dB each UE's strongest RU is above its second-strongest (large: a
    cell-centre UE); 0 where the two tie, inf with a single RU."""
    gains = np.asarray(gain_db, dtype=np.float64)
    if gains.shape[1] < 2:
        return np.full(gains.shape[0], np.inf)
    top_two = np.sort(gains, axis=1)[:, -2:]
    return top_two[:, 1] - top_two[:, 0]


def canonical(cfg: SlicingConfig, gain_db: np.ndarray, alloc: Allocation) -> Allocation:
    """``alloc`` with every UE that owns no RBG on its strongest RU at the canonical level."""
    served = np.zeros(cfg.n_ues, dtype=bool)
    served[alloc.prb_owner[alloc.prb_owner >= 0]] = True
    association = np.where(served, alloc.association, strongest_ru(gain_db))
    levels = np.where(served, alloc.power_level, cfg.canonical_level)
    return Allocation(association.astype(np.int64), alloc.prb_owner.copy(),
                      levels.astype(np.int64))

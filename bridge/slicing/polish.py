"""Local search on the twin: improves a feasible allocation one move at a time.

Moves, tried in a fixed order and kept when the twin reward rises by more than 1e-12:
give RBG g at RU r to another UE of r, to a UE that owns nothing yet (it joins r), or
to nobody; change one UE's power level. Moves that break the power budget are skipped.
The result is never worse than the start, so a MILP incumbent stays a valid lower
bound; the search stops at a local optimum or after ``max_passes`` sweeps.
"""

from __future__ import annotations

import time
from itertools import product

import numpy as np

from bridge.slicing.allocation import Allocation
from bridge.slicing.config import SlicingConfig
from bridge.slicing.twin import evaluate


def polish(cfg: SlicingConfig, gain_db: np.ndarray, alloc: Allocation,
           max_passes: int = 5, time_limit_s: float = 30.0) -> tuple[Allocation, float]:
    """A local optimum reached from ``alloc`` (feasible), and its twin reward."""
    search = _Search(cfg, gain_db, alloc, time.perf_counter() + time_limit_s)
    for _ in range(max_passes):
        before = search.reward
        for ru, rbg in product(range(cfg.n_rus), range(cfg.n_rbgs)):
            search.try_owners(ru, rbg)
        for ue in range(cfg.n_ues):
            search.try_levels(ue)
        if search.reward <= before + 1e-12 or search.out_of_time():
            break
    return search.alloc, search.reward


class _Search:
    """The allocation so far and the moves from it."""

    def __init__(self, cfg: SlicingConfig, gain_db: np.ndarray, alloc: Allocation,
                 deadline: float):
        start = evaluate(cfg, gain_db, alloc)
        if not start.feasible:
            raise ValueError(f"polish needs a feasible start: {'; '.join(start.violations)}")
        self.cfg, self.gain_db, self.deadline = cfg, gain_db, deadline
        self.alloc, self.reward = alloc, start.reward

    def out_of_time(self) -> bool:
        return time.perf_counter() > self.deadline

    def consider(self, candidate: Allocation) -> None:
        if self.out_of_time():
            return
        result = evaluate(self.cfg, self.gain_db, candidate)
        if result.feasible and result.reward > self.reward + 1e-12:
            self.alloc, self.reward = candidate, result.reward

    def try_owners(self, ru: int, rbg: int) -> None:
        """RBG (ru, rbg) to nobody, to another UE of the RU, or to a UE owning nothing."""
        current = self.alloc
        served = np.zeros(self.cfg.n_ues, dtype=bool)
        served[current.prb_owner[current.prb_owner >= 0]] = True
        movable = ~served & (not self.cfg.fixed_association)
        choices = [-1, *np.flatnonzero((current.association == ru) | movable).tolist()]
        for ue in choices:
            current = self.alloc
            if ue == current.prb_owner[ru, rbg]:
                continue
            owner = current.prb_owner.copy()
            owner[ru, rbg] = ue
            association = current.association.copy()
            if ue >= 0 and not np.any(owner[association[ue]] == ue):
                association[ue] = ru
            self.consider(Allocation(association, owner, current.power_level))

    def try_levels(self, ue: int) -> None:
        for level in range(self.cfg.n_levels):
            current = self.alloc
            if level != current.power_level[ue]:
                levels = current.power_level.copy()
                levels[ue] = level
                self.consider(Allocation(current.association, current.prb_owner, levels))

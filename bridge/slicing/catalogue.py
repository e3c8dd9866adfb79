"""A Discrete catalogue of slice-level decisions, for agents with a Discrete head (DQN).

Action ``i`` = (split ``i // L``, power level ``i % L``):

- Splits: every (eMBB, URLLC, mMTC) share triple on a grid of ``split_step`` summing to
  1 (66 triples at step 0.1), turned into RBG counts by largest remainder over G (ties to
  the earlier slice), duplicates dropped. The RBGs are laid out in blocks, the same at
  every RU: eMBB first, then URLLC, then mMTC.
- A fixed scheduler inside each slice: each UE is associated to its strongest RU; at
  each RU the slice's RBGs go round robin to that RU's UEs of the slice (in UE order),
  and stay unused when it has none.
- Every UE gets the chosen power level; the power budget is repaired as for the unified
  action, so every catalogue action is feasible.
"""

from __future__ import annotations

from itertools import product

import gymnasium as gym
import numpy as np

from bridge.slicing.allocation import Allocation, repair_power
from bridge.slicing.config import SlicingConfig


def rbg_counts(shares: tuple[float, float, float], n_rbgs: int) -> tuple[int, int, int]:
    """Largest-remainder rounding of ``shares`` (summing to 1) to counts summing to G."""
    exact = np.asarray(shares, dtype=np.float64) * n_rbgs
    counts = np.floor(exact + 1e-9).astype(np.int64)
    order = sorted(range(3), key=lambda s: (-(exact[s] - counts[s]), s))
    for s in order[: n_rbgs - int(counts.sum())]:
        counts[s] += 1
    return int(counts[0]), int(counts[1]), int(counts[2])


class Catalogue:
    """Splits x power levels, and the allocation each index stands for."""

    def __init__(self, cfg: SlicingConfig, split_step: float = 0.1):
        steps = round(1.0 / split_step)
        if not 1 <= steps <= 100 or abs(steps * split_step - 1.0) > 1e-9:
            raise ValueError(f"split_step: {split_step} must be 1/n for n in [1, 100]")
        self.cfg = cfg
        splits: list[tuple[int, int, int]] = []
        for e, u in product(range(steps + 1), repeat=2):
            if e + u <= steps:
                counts = rbg_counts((e / steps, u / steps, (steps - e - u) / steps),
                                    cfg.n_rbgs)
                if counts not in splits:
                    splits.append(counts)
        self.splits = splits
        """RBG counts (eMBB, URLLC, mMTC) of each split."""

    @property
    def n(self) -> int:
        return len(self.splits) * self.cfg.n_levels

    def space(self) -> gym.spaces.Discrete:
        return gym.spaces.Discrete(self.n)

    def nearest(self, allocation: Allocation) -> int:
        """The catalogue action closest to ``allocation`` (any per-UE allocation, e.g. a
        demonstrator's): the split nearest (L1) to its RBGs per slice, averaged over the
        O-RUs that serve a UE of that slice, and the power level most of its served UEs
        have (of every UE where none is served)."""
        cfg, owner = self.cfg, np.asarray(allocation.prb_owner)
        counts = np.zeros(3)
        for s in range(3):
            rus = [ru for ru in range(cfg.n_rus)
                   if np.any((allocation.association == ru) & (cfg.ue_slice == s))]
            if rus:
                per_ru = [np.sum((owner[ru] >= 0) & (cfg.ue_slice[np.maximum(owner[ru], 0)] == s))
                          for ru in rus]
                counts[s] = float(np.mean(per_ru))
        split = int(np.argmin([np.abs(np.asarray(c) - counts).sum() for c in self.splits]))
        served = np.unique(owner[owner >= 0])
        levels = np.asarray(allocation.power_level)[served] if served.size else \
            np.asarray(allocation.power_level)
        return split * cfg.n_levels + int(np.bincount(levels, minlength=cfg.n_levels).argmax())

    def allocation(self, index: int, gain_db: np.ndarray) -> Allocation:
        """The allocation of action ``index`` under gains [U, R] (dB)."""
        if not 0 <= int(index) < self.n:
            raise ValueError(f"catalogue action: {index} is outside [0, {self.n - 1}]")
        cfg = self.cfg
        split, level = divmod(int(index), cfg.n_levels)
        association = np.argmax(np.asarray(gain_db, dtype=np.float64), axis=1)
        owner = np.full((cfg.n_rus, cfg.n_rbgs), -1, dtype=np.int64)
        start = 0
        for s, count in enumerate(self.splits[split]):
            block = np.arange(start, start + count)
            start += count
            for ru in range(cfg.n_rus):
                ues = np.flatnonzero((association == ru) & (cfg.ue_slice == s))
                if ues.size and block.size:
                    owner[ru, block] = ues[np.arange(block.size) % ues.size]
        levels = np.full(cfg.n_ues, level, dtype=np.int64)
        levels = repair_power(cfg, association, owner, levels)
        return Allocation(association.astype(np.int64), owner, levels)

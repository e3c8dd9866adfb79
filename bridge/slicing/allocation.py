"""A structured allocation (association, RBG owners, power levels) and its feasibility.

Feasible means paper constraints (1), (2), (6), (8)-(10): every UE on exactly one RU
(an index, so (8) holds by construction), each RBG of an RU owned by at most one UE
(an owner index, so (2)/(9)), owners associated to that RU (1), and each RU's power
sum over its owned PRBs of P_r^max / K * factor(level of owner) within P_r^max (6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bridge.slicing.config import SlicingConfig

_BUDGET_TOL = 1e-9


@dataclass(frozen=True)
class Allocation:
    """One decision: ``association`` [U], ``prb_owner`` [R, G] (-1 unused), ``power_level`` [U]."""

    association: np.ndarray
    """RU of each UE, [U] int."""
    prb_owner: np.ndarray
    """UE owning RBG g at RU r, [R, G] int, -1 = unused."""
    power_level: np.ndarray
    """Power level index of each UE, [U] int."""

    def to_native(self) -> dict[str, np.ndarray]:
        """The Dict action of the ns-3 program (int32 arrays)."""
        return {"association": self.association.astype(np.int32),
                "prb_owner": self.prb_owner.astype(np.int32),
                "power_level": self.power_level.astype(np.int32)}

    @classmethod
    def from_native(cls, action: dict[str, Any]) -> Allocation:
        return cls(np.asarray(action["association"], dtype=np.int64),
                   np.asarray(action["prb_owner"], dtype=np.int64),
                   np.asarray(action["power_level"], dtype=np.int64))

    def association_onehot(self, n_rus: int) -> np.ndarray:
        """alpha [U, R] in {0, 1}."""
        return np.eye(n_rus, dtype=np.int64)[self.association]

    def ownership(self, n_ues: int) -> np.ndarray:
        """beta [U, G] in {0, 1}: UE u owns RBG g (at its RU)."""
        owned = np.zeros((n_ues, self.prb_owner.shape[1]), dtype=np.int64)
        rus, rbgs = np.nonzero(self.prb_owner >= 0)
        owned[self.prb_owner[rus, rbgs], rbgs] = 1
        return owned


def ru_power_use(cfg: SlicingConfig, alloc: Allocation) -> np.ndarray:
    """Power each RU sends, as a multiple of P_r^max, [R] (<= 1 when feasible)."""
    factors = cfg.level_factors[alloc.power_level]
    used = alloc.prb_owner >= 0
    per_rbg = np.where(used, factors[np.maximum(alloc.prb_owner, 0)], 0.0)
    return (per_rbg * cfg.rbg_prbs[None, :]).sum(axis=1) / cfg.n_prbs


def violations(cfg: SlicingConfig, alloc: Allocation) -> list[str]:
    """What makes ``alloc`` infeasible (empty when it is feasible)."""
    u, r, g = cfg.n_ues, cfg.n_rus, cfg.n_rbgs
    if alloc.association.shape != (u,) or alloc.power_level.shape != (u,) \
            or alloc.prb_owner.shape != (r, g):
        return [f"shapes: association {alloc.association.shape} (want ({u},)), prb_owner "
                f"{alloc.prb_owner.shape} (want ({r}, {g})), power_level "
                f"{alloc.power_level.shape} (want ({u},))"]
    found = []
    if alloc.association.min() < 0 or alloc.association.max() >= r:
        found.append(f"association outside [0, {r - 1}]")
    if alloc.power_level.min() < 0 or alloc.power_level.max() >= cfg.n_levels:
        found.append(f"power_level outside [0, {cfg.n_levels - 1}]")
    if alloc.prb_owner.min() < -1 or alloc.prb_owner.max() >= u:
        found.append(f"prb_owner outside [-1, {u - 1}]")
    if found:
        return found
    rus, rbgs = np.nonzero(alloc.prb_owner >= 0)
    owners = alloc.prb_owner[rus, rbgs]
    wrong = owners[alloc.association[owners] != rus]
    if wrong.size:
        ues = sorted(set(wrong.tolist()))  # plain ints, printed as such
        found.append(f"RBGs owned at an RU the UE is not associated to (UEs {ues})")
    use = ru_power_use(cfg, alloc)
    if np.any(use > 1.0 + _BUDGET_TOL):
        found.append(f"RU power over budget: {np.round(use, 4).tolist()} x P_max")
    return found


def is_feasible(cfg: SlicingConfig, alloc: Allocation) -> bool:
    return not violations(cfg, alloc)


def repair_power(cfg: SlicingConfig, association: np.ndarray, prb_owner: np.ndarray,
                 power_level: np.ndarray) -> np.ndarray:
    """Power levels lowered until every RU is within budget (deterministic).

    At an RU over budget, the served UE with the highest level (the lowest index on a
    tie) steps down one level, until the RU fits. Since the lowest level is <= 0 dB, a
    full RBG map at the lowest level always fits. UEs that own nothing keep their level.
    """
    levels = power_level.copy()
    factors = cfg.level_factors
    prbs = cfg.rbg_prbs
    budget = cfg.n_prbs * (1.0 + _BUDGET_TOL)
    for ru in range(cfg.n_rus):
        owners = prb_owner[ru]
        used = owners >= 0
        prbs_of = np.bincount(owners[used], weights=prbs[used], minlength=cfg.n_ues)
        served = np.flatnonzero(prbs_of > 0)
        while served.size and (prbs_of[served] * factors[levels[served]]).sum() > budget:
            top = served[np.argmax(levels[served])]
            levels[top] -= 1
    return levels

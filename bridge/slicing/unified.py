"""The unified action: one vector in [-1, 1]^d for association, RBGs and power together.

Layout (d = U R + U G + U; 525 at the defaults), flat, in this order:

- ``assoc`` [U, R] (u-major): association scores. UE u goes to the RU with the highest
  score (the lowest RU index on a tie): exactly one RU per UE, constraint (8). With
  ``fixed_association`` they are ignored and every UE stays on its strongest RU.
- ``rbg`` [U, G] (u-major): RBG scores beta. At RU r, RBG g goes to the UE associated
  to r with the highest positive score (lowest UE index on a tie); when no UE associated
  to r scores above 0 the RBG stays unused. One owner per RBG per RU (2, 9), owners
  associated to that RU (1).
- ``power`` [U]: level index floor((x + 1) / 2 * L), clipped to 0 .. L-1.

Power budget (6): at an RU over P_r^max, the served UE with the highest level steps down
a level until the RU fits (:func:`~bridge.slicing.allocation.repair_power`). Values
outside [-1, 1] are clipped first; NaN counts as -1. So every vector decodes to a
feasible allocation.

Encoding a feasible allocation: +1 for the chosen RU and owned RBGs, -1 elsewhere, and
the centre of the level's bin, -1 + (2 l + 1) / L. Decoding gives the allocation back.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from bridge.slicing.allocation import Allocation, repair_power, violations
from bridge.slicing.config import SlicingConfig


def unified_size(cfg: SlicingConfig) -> int:
    u = cfg.n_ues
    return u * cfg.n_rus + u * cfg.n_rbgs + u


def unified_slices(cfg: SlicingConfig) -> dict[str, slice]:
    u, r, g = cfg.n_ues, cfg.n_rus, cfg.n_rbgs
    return {"assoc": slice(0, u * r), "rbg": slice(u * r, u * r + u * g),
            "power": slice(u * r + u * g, u * r + u * g + u)}


def unified_space(cfg: SlicingConfig) -> gym.spaces.Box:
    return gym.spaces.Box(-1.0, 1.0, (unified_size(cfg),), np.float32)


def decode(cfg: SlicingConfig, action: np.ndarray,
           gain_db: np.ndarray | None = None) -> Allocation:
    """A feasible :class:`Allocation` from any vector of length d.

    With ``cfg.fixed_association`` the association part is ignored: every UE stays on
    its strongest RU under ``gain_db`` [U, R], which is then required.
    """
    flat = np.asarray(action, dtype=np.float64).reshape(-1)
    if flat.size != unified_size(cfg):
        raise ValueError(f"unified action: {flat.size} values, expected {unified_size(cfg)}")
    flat = np.clip(np.nan_to_num(flat, nan=-1.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    where = unified_slices(cfg)
    u, r, g = cfg.n_ues, cfg.n_rus, cfg.n_rbgs
    if cfg.fixed_association:
        if gain_db is None:
            raise ValueError("gain_db: needed to decode with fixed_association")
        association = np.argmax(np.asarray(gain_db, dtype=np.float64), axis=1)
    else:
        association = np.argmax(flat[where["assoc"]].reshape(u, r), axis=1)
    scores = flat[where["rbg"]].reshape(u, g)
    owner = np.full((r, g), -1, dtype=np.int64)
    for ru in range(r):
        members = np.flatnonzero(association == ru)
        if members.size == 0:
            continue
        mine = scores[members]
        best = np.argmax(mine, axis=0)
        positive = mine[best, np.arange(g)] > 0.0
        owner[ru] = np.where(positive, members[best], -1)
    levels = np.floor((flat[where["power"]] + 1.0) / 2.0 * cfg.n_levels).astype(np.int64)
    levels = np.clip(levels, 0, cfg.n_levels - 1)
    levels = repair_power(cfg, association, owner, levels)
    return Allocation(association.astype(np.int64), owner, levels)


def encode(cfg: SlicingConfig, alloc: Allocation) -> np.ndarray:
    """The vector (float32) that decodes to ``alloc``; ``alloc`` must be feasible."""
    broken = violations(cfg, alloc)
    if broken:
        raise ValueError(f"cannot encode an infeasible allocation: {'; '.join(broken)}")
    assoc = 2.0 * alloc.association_onehot(cfg.n_rus) - 1.0
    rbg = 2.0 * alloc.ownership(cfg.n_ues) - 1.0
    power = -1.0 + (2.0 * alloc.power_level + 1.0) / cfg.n_levels
    return np.concatenate([assoc.reshape(-1), rbg.reshape(-1), power]).astype(np.float32)


def binary_entries(cfg: SlicingConfig, alloc: Allocation) -> np.ndarray:
    """The binary association and RBG-ownership entries (alpha, beta), flat, for BAEP."""
    return np.concatenate([alloc.association_onehot(cfg.n_rus).reshape(-1),
                           alloc.ownership(cfg.n_ues).reshape(-1)])

"""The share action: association scores, RBG shares and power, one value per UE each.

Layout (d = U R + 2 U; 125 at the defaults), flat, in [-1, 1], in this order:

- ``assoc`` [U, R] (u-major): association scores, as in :mod:`bridge.slicing.unified`
  (ignored with ``fixed_association``: every UE on its strongest RU).
- ``share`` [U]: w_u = ((x + 1) / 2)², the UE's claim on its RU's RBGs (squared, so
  that small shares, a URLLC or mMTC UE's 1-3 RBGs, are far apart in x: one RBG of 16
  is x = -0.5, none x = -1, where a linear map would put them 0.125 apart). At RU r the
  ``usable`` RBGs (16 of the 17 at 10 MHz: the program never schedules the last, 2-PRB
  one) are split in proportion to the claims of r's UEs by largest remainder (ties to
  the lower UE index); a claim below half an RBG's worth (w < 1 / (2 · usable)) is no
  claim. The RBGs are laid out in blocks in UE order from RBG 0; an RU whose UEs claim
  nothing sends nothing.
- ``power`` [U]: level index floor((x + 1) / 2 · L), as in the unified action, with the
  budget (6) repaired the same way.

Why a second action form: the twin's and the program's gains are flat over the carrier,
so an allocation's rates depend on how many RBGs each UE owns and where the RUs overlap,
not on which RBG goes to whom. The unified vector spends U · G values (425 of its 525)
on RBG identities; this one spends U on what matters. Every vector decodes to a feasible
allocation; an allocation whose RUs use RBGs 0 .. n − 1 in blocks in UE order (e.g.
:func:`bridge.slicing.greedy.allocate`) encodes exactly when its RUs use all ``usable``
RBGs, and to the same counts scaled up to ``usable`` otherwise.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from bridge.slicing.allocation import Allocation, repair_power
from bridge.slicing.config import SlicingConfig
from bridge.slicing.greedy import USABLE_RBGS


def share_size(cfg: SlicingConfig) -> int:
    return cfg.n_ues * cfg.n_rus + 2 * cfg.n_ues


def share_space(cfg: SlicingConfig) -> gym.spaces.Box:
    return gym.spaces.Box(-1.0, 1.0, (share_size(cfg),), np.float32)


def usable_rbgs(cfg: SlicingConfig) -> int:
    return min(USABLE_RBGS, cfg.n_rbgs)


def claims(share: np.ndarray) -> np.ndarray:
    """Each UE's claim w = ((x + 1) / 2)² from its ``share`` entry x."""
    return ((np.asarray(share) + 1.0) / 2.0) ** 2


def share_of_rbgs(rbgs: np.ndarray | float, usable: int) -> np.ndarray:
    """The share entry x = 2 √(rbgs / usable) − 1 whose claim is ``rbgs`` of ``usable``
    RBGs (none below 0; above ``usable`` x passes 1, which :func:`decode` clips)."""
    return 2.0 * np.sqrt(np.maximum(rbgs, 0.0) / usable) - 1.0


def level_centres(n_levels: int) -> np.ndarray:
    """The power entry at the centre of each level's bin, level 0 first."""
    return -1.0 + (2.0 * np.arange(n_levels) + 1.0) / n_levels


def power_levels(entries: np.ndarray, n_levels: int) -> np.ndarray:
    """The P_A level index of each power entry in [-1, 1]: its bin of ``n_levels`` equal
    bins (the inverse of :func:`level_centres`)."""
    levels = np.floor((np.asarray(entries, dtype=np.float64) + 1.0) / 2.0 * n_levels)
    return np.clip(levels, 0, n_levels - 1).astype(np.int64)


def decode(cfg: SlicingConfig, action: np.ndarray, gain_db: np.ndarray | None = None
           ) -> Allocation:
    """A feasible :class:`Allocation` from any vector of length d (``gain_db`` [U, R]
    is needed with ``cfg.fixed_association``)."""
    flat = np.asarray(action, dtype=np.float64).reshape(-1)
    if flat.size != share_size(cfg):
        raise ValueError(f"share action: {flat.size} values, expected {share_size(cfg)}")
    flat = np.clip(np.nan_to_num(flat, nan=-1.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    u, r = cfg.n_ues, cfg.n_rus
    if cfg.fixed_association:
        if gain_db is None:
            raise ValueError("gain_db: needed to decode with fixed_association")
        association = np.argmax(np.asarray(gain_db, dtype=np.float64), axis=1)
    else:
        association = np.argmax(flat[:u * r].reshape(u, r), axis=1)
    counts = rbg_counts(association, claims(flat[u * r:u * r + u]), r, usable_rbgs(cfg))
    owner = np.full((r, cfg.n_rbgs), -1, dtype=np.int64)
    for ru in range(r):
        ues = np.flatnonzero((association == ru) & (counts > 0))
        owner[ru, :counts[ues].sum()] = np.repeat(ues, counts[ues])
    levels = repair_power(cfg, association, owner, power_levels(flat[u * r + u:], cfg.n_levels))
    return Allocation(association.astype(np.int64), owner, levels)


def rbg_counts(association: np.ndarray, claims: np.ndarray, n_rus: int, usable: int
               ) -> np.ndarray:
    """RBGs per UE [U]: each RU's ``usable`` RBGs split by its UEs' claims (largest
    remainder, ties to the lower index); claims under half an RBG's worth count as 0."""
    claims = np.where(claims >= 0.5 / usable, claims, 0.0)
    counts = np.zeros(len(claims), dtype=np.int64)
    for ru in range(n_rus):
        ues = np.flatnonzero(association == ru)
        total = claims[ues].sum()
        if total <= 0:
            continue
        exact = claims[ues] / total * usable
        whole = np.floor(exact).astype(np.int64)
        order = np.argsort(-(exact - whole), kind="stable")
        whole[order[:usable - int(whole.sum())]] += 1
        counts[ues] = whole
    return counts


def encode(cfg: SlicingConfig, alloc: Allocation) -> np.ndarray:
    """The vector (float32) of ``alloc``: +1 for the chosen RU and -1 elsewhere, each
    UE's RBGs / usable as its claim (x = 2 √claim − 1), the centre of its level's bin."""
    assoc = 2.0 * alloc.association_onehot(cfg.n_rus) - 1.0
    owned = alloc.prb_owner[alloc.prb_owner >= 0]
    counts = np.bincount(owned, minlength=cfg.n_ues)[:cfg.n_ues]
    share = share_of_rbgs(np.minimum(counts, usable_rbgs(cfg)), usable_rbgs(cfg))
    power = level_centres(cfg.n_levels)[alloc.power_level]
    return np.concatenate([assoc.reshape(-1), share, power]).astype(np.float32)

"""Exhaustive search (ESA) over association x RBG assignment x power levels, exact.

The gains are flat over the carrier, so RBGs of the same size are interchangeable: the
reward depends on how many RBGs of each size carry each per-RBG option (an owner, or
none, at every RU), not on which. ESA therefore enumerates, for each association, the
multisets of per-RBG options per RBG size instead of every RBG map (3003 instead of
531 441 for 9 options over 6 RBGs), and power levels only for UEs that own an RBG
(others are canonical, :mod:`bridge.slicing.solution`). Every distinct allocation is
still visited once, so the optimum is exact. Ties go to the first found.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from itertools import combinations_with_replacement, product

import numpy as np

from bridge.slicing.allocation import Allocation
from bridge.slicing.config import SlicingConfig
from bridge.slicing.solution import Solution, canonical, strongest_ru
from bridge.slicing.twin import evaluate, option_rates, qos_of, reward_of

MAX_CANDIDATES = 50_000_000
"""ESA refuses instances with more candidate evaluations than this."""


def rbg_classes(cfg: SlicingConfig) -> list[np.ndarray]:
    """Indices of the RBGs of each distinct size."""
    sizes = cfg.rbg_prbs
    return [np.flatnonzero(sizes == s) for s in sorted(set(sizes.tolist()), reverse=True)]


def _multisets(n_options: int, classes: list[np.ndarray]) -> np.ndarray:
    """Counts [N, K, O]: every way to put options on each class's RBGs."""
    per_class = []
    for members in classes:
        rows = [np.bincount(c, minlength=n_options)
                for c in combinations_with_replacement(range(n_options), members.size)]
        per_class.append(np.array(rows, dtype=np.int64))
    grids = [np.stack(combo) for combo in product(*per_class)]
    return np.array(grids, dtype=np.int64)


def candidate_count(cfg: SlicingConfig) -> int:
    """Candidates ESA evaluates: sum over associations of multisets, times L^U."""
    sizes = [c.size for c in rbg_classes(cfg)]
    total = 0
    for split in _compositions(cfg.n_ues, cfg.n_rus):  # UEs per RU, with multiplicity
        ways = math.factorial(cfg.n_ues) // math.prod(math.factorial(k) for k in split)
        n_options = math.prod(k + 1 for k in split)
        total += ways * math.prod(math.comb(n_options + g - 1, g) for g in sizes)
    return total * cfg.n_levels ** cfg.n_ues


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    if parts == 1:
        return [(total,)]
    return [(k, *rest) for k in range(total + 1) for rest in _compositions(total - k, parts - 1)]


def _fixed_count(cfg: SlicingConfig, strongest: np.ndarray) -> int:
    """Candidates with every UE on its strongest RU."""
    n_options = math.prod(int(np.sum(strongest == r)) + 1 for r in range(cfg.n_rus))
    multisets = math.prod(math.comb(n_options + c.size - 1, c.size) for c in rbg_classes(cfg))
    return multisets * cfg.n_levels ** cfg.n_ues


def solve(cfg: SlicingConfig, gain_db: np.ndarray) -> Solution:
    """The optimal allocation under ``gain_db`` [U, R], by exhaustive search."""
    gain_db = np.asarray(gain_db, dtype=np.float64)
    strongest = strongest_ru(gain_db)
    if cfg.fixed_association:
        count = _fixed_count(cfg, strongest)
        associations: Iterable[tuple[int, ...]] = [tuple(int(r) for r in strongest)]
    else:
        lower = (cfg.n_rus * cfg.n_levels) ** cfg.n_ues  # at least one map per association
        count = lower if lower > MAX_CANDIDATES else candidate_count(cfg)
        associations = product(range(cfg.n_rus), repeat=cfg.n_ues)
    if count > MAX_CANDIDATES:
        raise ValueError(f"ESA: {count:.3g} candidates exceed {MAX_CANDIDATES:.0e}; "
                         "use the MILP solver for this size")
    start = time.perf_counter()
    gain = np.power(10.0, gain_db / 10.0)
    classes = rbg_classes(cfg)
    class_prbs = np.array([cfg.rbg_prbs[c[0]] for c in classes], dtype=np.float64)
    best: tuple[float, tuple[int, ...], np.ndarray, np.ndarray, tuple[int, ...]] | None = None
    for assoc in associations:
        members = [[-1, *(u for u in range(cfg.n_ues) if assoc[u] == r)]
                   for r in range(cfg.n_rus)]
        owners = np.array(list(product(*members)), dtype=np.int64)  # [O, R]
        counts = _multisets(len(owners), classes)                    # [N, K, O]
        weighted = np.einsum("nko,k->no", counts, class_prbs)        # PRBs per option
        holds = np.zeros((len(owners), cfg.n_ues))
        rows, cols = np.nonzero(owners >= 0)
        holds[rows, owners[rows, cols]] = 1.0
        served = weighted @ holds > 0                                 # [N, U]
        keep = ~np.any(~served & (np.asarray(assoc) != strongest), axis=1)
        for levels in product(range(cfg.n_levels), repeat=cfg.n_ues):
            level_arr = np.asarray(levels)
            ok = keep & ~np.any(~served & (level_arr != cfg.canonical_level), axis=1)
            if not ok.any():
                continue
            rewards = _rewards(cfg, gain, owners, level_arr, weighted, ok)
            pick = int(np.argmax(rewards))
            if rewards[pick] > -np.inf and (best is None or rewards[pick] > best[0]):
                best = (float(rewards[pick]), assoc, owners, counts[pick], levels)
    if best is None:
        raise ValueError("ESA: no feasible allocation (is ru_capacity_mbps too small?)")
    alloc = _allocation(cfg, classes, best[1], best[2], best[3], best[4])
    alloc = canonical(cfg, gain_db, alloc)
    reward = evaluate(cfg, gain_db, alloc).reward
    return Solution(alloc, reward, reward, "esa", True, time.perf_counter() - start, count)


def _rewards(cfg: SlicingConfig, gain: np.ndarray, owners: np.ndarray, levels: np.ndarray,
             weighted: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Reward of every multiset row (-inf where filtered out or infeasible)."""
    used = owners >= 0
    factor = np.where(used, cfg.level_factors[levels[np.maximum(owners, 0)]], 0.0)
    rate = option_rates(cfg, gain, owners, factor)
    ue_rate = np.zeros((len(owners), cfg.n_ues))
    rows, cols = np.nonzero(owners >= 0)
    ue_rate[rows, owners[rows, cols]] = rate[rows, cols]
    rates = weighted @ ue_rate                                        # [N, U] Mbps
    ok = ok & np.all(weighted @ factor <= cfg.n_prbs * (1 + 1e-9), axis=1)
    if math.isfinite(cfg.ru_capacity_mbps):
        ok = ok & np.all(weighted @ rate <= cfg.ru_capacity_mbps, axis=1)
    reward = reward_of(cfg, rates, qos_of(cfg, rates))
    return np.where(ok, reward, -np.inf)


def _allocation(cfg: SlicingConfig, classes: list[np.ndarray], assoc: tuple[int, ...],
                owners: np.ndarray, counts: np.ndarray, levels: tuple[int, ...]) -> Allocation:
    """The RBG map of one multiset: options in index order over each class's RBGs."""
    prb_owner = np.full((cfg.n_rus, cfg.n_rbgs), -1, dtype=np.int64)
    for members, class_counts in zip(classes, counts, strict=True):
        options = np.repeat(np.arange(len(owners)), class_counts)
        prb_owner[:, members] = owners[options].T
    return Allocation(np.asarray(assoc, dtype=np.int64), prb_owner,
                      np.asarray(levels, dtype=np.int64))

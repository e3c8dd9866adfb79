"""Optimal allocations by MILP (``scipy.optimize.milp``, HiGHS) on the twin.

Both models count RBGs instead of placing them (RBGs of one size are interchangeable,
the gains being flat over the carrier): integer n[k, c] = how many RBGs of size class k
carry per-RBG option c. Binaries a[u, r] (association), y[u, l] (power level) and
z[u] (QoS met) complete them; the reward is linear in the counts once every option's
per-PRB rates are fixed:

    max  Theta_r * sum_{k,c} PRB_k * rate(c) n[k,c] + Theta_const / U * sum_u z[u]
    s.t. sum_r a[u,r] = 1, sum_l y[u,l] = 1                       (8), one level
         sum_{c: u at r in c} n[k,c] <= G_k a[u,r]                 (1)
         sum_{c: u at level l in c} n[k,c] <= G_k y[u,l]           one level per UE
         RBG slots: (2), (9), (10)
         sum_{k,c} PRB_k factor_r(c) n[k,c] <= K   per RU          (6)
         rate_u >= need_u z[u]                                      (5), QoS
         sum of the RU's rates <= C_r^max                           (7), exact model only

- ``exact``: an option is a whole RBG across all RUs, (owner, level) or silent at each
  RU, so the rates include the true inter-cell interference of eq. (3) and the MILP
  optimum is the twin's optimum. Options grow as (U L + 1)^R: small instances only.
- ``bounds`` (any size): an option is one (UE, RU, level) slot whose rate is computed
  under an assumed interference, which makes the problem linear but not exact. Up to
  4 RUs each RBG also carries an activity pattern (:mod:`bridge.slicing.milp_patterns`):
  the interferers are the pattern's other RUs, at the top level (rates bound the true
  ones from below) or at the lowest (from above). Beyond 4 RUs: every other RU on every
  RBG at the top level ("worst") or no interference ("none"). Both solutions are placed
  on RBGs, improved by local search on the twin (:mod:`bridge.slicing.polish`), and the
  better is returned. The upper model's dual bound is a true upper bound on the optimum
  (rates, and so QoS, only fall as interference rises; the weights are >= 0), so
  ``Solution.gap`` is a certified optimality gap; figures in docs/slicing-solvers.md.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from itertools import product

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp
from scipy.sparse import coo_matrix

from bridge.slicing.allocation import Allocation, repair_power
from bridge.slicing.config import SlicingConfig
from bridge.slicing.esa import rbg_classes
from bridge.slicing.milp_model import build_model
from bridge.slicing.milp_patterns import (
    MAX_PATTERN_RUS,
    pattern_options,
    pattern_rates,
    place_patterns,
)
from bridge.slicing.polish import polish
from bridge.slicing.solution import Solution, canonical
from bridge.slicing.twin import evaluate, option_rates, spectral_efficiency

MAX_JOINT_OPTIONS = 20_000
"""``auto`` uses the exact model up to this many joint per-RBG options."""


def joint_option_count(cfg: SlicingConfig) -> int:
    """Per-RBG options of the exact model (owner and level, or silent, at each RU)."""
    total = 0
    for busy in range(min(cfg.n_rus, cfg.n_ues) + 1):
        ues = math.perm(cfg.n_ues, busy)  # distinct UEs on the busy RUs
        total += math.comb(cfg.n_rus, busy) * ues * cfg.n_levels ** busy
    return total


def solve(cfg: SlicingConfig, gain_db: np.ndarray, mode: str = "auto",
          time_limit_s: float = 30.0, mip_rel_gap: float = 1e-7) -> Solution:
    """The best allocation the MILP finds, with its certified upper bound."""
    if mode == "auto":
        mode = "exact" if joint_option_count(cfg) <= MAX_JOINT_OPTIONS else "bounds"
    if mode not in ("exact", "bounds"):
        raise ValueError(f"mode: {mode!r} is not one of auto, exact, bounds")
    gain_db = np.asarray(gain_db, dtype=np.float64)
    start = time.perf_counter()
    if mode == "exact":
        count = joint_option_count(cfg)
        if count > 10 * MAX_JOINT_OPTIONS:
            raise ValueError(f"exact MILP: {count} joint options are too many; use bounds")
        owners, levels = _joint_options(cfg)
        rate = _rates(cfg, np.power(10.0, gain_db / 10.0), owners, levels, "exact")
        alloc, upper, res = _solve_model(cfg, gain_db, owners, rate, levels, "joint", None,
                                         time_limit_s, mip_rel_gap)
        reward = evaluate(cfg, gain_db, alloc).reward
        if res.status != 0:  # stopped by the time limit: the incumbent may still climb
            alloc, reward = polish(cfg, gain_db, alloc, time_limit_s=time_limit_s)
            alloc = canonical(cfg, gain_db, alloc)
        tolerance = max(1e-9, 2 * mip_rel_gap) * max(1.0, abs(upper))
        exact = res.status == 0 and reward >= upper - tolerance
        return Solution(alloc, reward, max(upper, reward), "milp-exact", exact,
                        time.perf_counter() - start, int(res.mip_node_count or 0))
    if math.isfinite(cfg.ru_capacity_mbps):
        raise ValueError("ru_capacity_mbps: the bounds model needs it infinite (range [inf, "
                         "inf]); use the exact model")
    best: tuple[float, Allocation] | None = None
    upper, nodes = math.inf, 0
    for which, owners, levels, rate, pattern in _bound_models(cfg, gain_db):
        alloc, bound, res = _solve_model(cfg, gain_db, owners, rate, levels,
                                         "slots" if pattern is None else "patterns", pattern,
                                         time_limit_s, mip_rel_gap)
        nodes += int(res.mip_node_count or 0)
        alloc, reward = polish(cfg, gain_db, alloc, time_limit_s=time_limit_s)
        if best is None or reward > best[0]:
            best = (reward, alloc)
        if which == "upper":
            upper = bound
    assert best is not None
    reward, alloc = best[0], canonical(cfg, gain_db, best[1])
    exact = reward >= upper - max(1e-9, 2 * mip_rel_gap) * max(1.0, abs(upper))
    return Solution(alloc, reward, max(upper, reward), "milp-bounds", exact,
                    time.perf_counter() - start, nodes)


_BoundModel = tuple[str, np.ndarray, np.ndarray, np.ndarray, "np.ndarray | None"]


def _bound_models(cfg: SlicingConfig, gain_db: np.ndarray) -> Iterator[_BoundModel]:
    """(lower|upper, owners, levels, rates, pattern or None) of the two bounds models."""
    gain = np.power(10.0, gain_db / 10.0)
    if cfg.n_rus <= MAX_PATTERN_RUS:
        owners, levels, pattern = pattern_options(cfg)
        for which, level in (("lower", cfg.n_levels - 1), ("upper", 0)):
            yield which, owners, levels, pattern_rates(cfg, gain, owners, levels, pattern,
                                                       level), pattern
        return
    owners, levels = _slot_options(cfg)
    for which, assumption in (("lower", "worst"), ("upper", "none")):
        yield which, owners, levels, _rates(cfg, gain, owners, levels, assumption), None


def _joint_options(cfg: SlicingConfig) -> tuple[np.ndarray, np.ndarray]:
    """owners, levels [C, R] of every per-RBG option with distinct UEs (-1: silent)."""
    slot_choices = [(-1, -1), *product(range(cfg.n_ues), range(cfg.n_levels))]
    rows = [combo for combo in product(slot_choices, repeat=cfg.n_rus)
            if len({u for u, _ in combo if u >= 0}) == sum(u >= 0 for u, _ in combo)]
    table = np.array(rows, dtype=np.int64)  # [C, R, 2]
    return table[:, :, 0], table[:, :, 1]


def _slot_options(cfg: SlicingConfig) -> tuple[np.ndarray, np.ndarray]:
    """owners, levels [C, R] with one busy RU each: (u, r, l) for all u, r, l."""
    count = cfg.n_ues * cfg.n_rus * cfg.n_levels
    owners = np.full((count, cfg.n_rus), -1, dtype=np.int64)
    levels = np.full((count, cfg.n_rus), -1, dtype=np.int64)
    for i, (u, r, level) in enumerate(product(range(cfg.n_ues), range(cfg.n_rus),
                                              range(cfg.n_levels))):
        owners[i, r], levels[i, r] = u, level
    return owners, levels


def _rates(cfg: SlicingConfig, gain: np.ndarray, owners: np.ndarray, levels: np.ndarray,
           assumption: str) -> np.ndarray:
    """Per-PRB rate of each option's owners, [C, R], under the interference assumption."""
    factor = np.where(owners >= 0, cfg.level_factors[np.maximum(levels, 0)], 0.0)
    if assumption == "exact":
        return option_rates(cfg, gain, owners, factor)
    ue = np.maximum(owners, 0)
    signal = cfg.prb_power_w * factor * gain[ue, np.arange(cfg.n_rus)[None, :]]
    noise = np.full(owners.shape, cfg.prb_noise_w)
    if assumption == "worst":
        top = cfg.prb_power_w * cfg.level_factors[-1]
        noise = noise + top * (gain[ue].sum(axis=2) - gain[ue, np.arange(cfg.n_rus)[None, :]])
    efficiency = spectral_efficiency(cfg, signal / noise)
    return np.where(owners >= 0, cfg.prb_bandwidth_hz * efficiency / 1e6, 0.0)


def _solve_model(cfg: SlicingConfig, gain_db: np.ndarray, owners: np.ndarray,
                 rate: np.ndarray, levels: np.ndarray, layout: str,
                 pattern: np.ndarray | None, time_limit_s: float,
                 mip_rel_gap: float) -> tuple[Allocation, float, OptimizeResult]:
    """Build, solve and read back one model: (allocation, upper bound, result)."""
    classes = rbg_classes(cfg)
    model = build_model(cfg, owners, levels, rate, classes, joint=layout == "joint",
                        pattern=pattern)
    if cfg.fixed_association:
        strongest = np.argmax(gain_db, axis=1)
        model.lower[model.assoc.start + np.arange(cfg.n_ues) * cfg.n_rus + strongest] = 1.0
    res = milp(model.cost, integrality=model.integrality,
               bounds=Bounds(model.lower, model.upper),
               constraints=LinearConstraint(
                   coo_matrix((model.values, (model.rows, model.cols)),
                              shape=(len(model.row_lower), len(model.cost))).tocsr(),
                   model.row_lower, model.row_upper),
               options={"time_limit": time_limit_s, "mip_rel_gap": mip_rel_gap})
    if res.x is None:
        raise RuntimeError(f"MILP ({layout}): no solution: {res.message}")
    x = np.round(res.x).astype(np.int64)
    association = np.argmax(x[model.assoc].reshape(cfg.n_ues, cfg.n_rus), axis=1)
    level = np.argmax(x[model.level].reshape(cfg.n_ues, cfg.n_levels), axis=1)
    counts = x[model.counts].reshape(len(classes), len(owners))
    if pattern is not None:
        prb_owner = place_patterns(cfg, classes, owners, pattern, counts)
    else:
        prb_owner = _place(cfg, classes, owners, counts, joint=layout == "joint")
    level = repair_power(cfg, association, prb_owner, level)
    alloc = canonical(cfg, gain_db, Allocation(association, prb_owner, level))
    dual = res.mip_dual_bound if res.mip_dual_bound is not None else res.fun
    return alloc, float(-dual + cfg.theta_bias), res


def _place(cfg: SlicingConfig, classes: list[np.ndarray], owners: np.ndarray,
           counts: np.ndarray, joint: bool) -> np.ndarray:
    """RBG map from option counts; single-RU options start at offset r G_k / R."""
    prb_owner = np.full((cfg.n_rus, cfg.n_rbgs), -1, dtype=np.int64)
    for members, class_counts in zip(classes, counts, strict=True):
        chosen = np.repeat(np.arange(len(owners)), class_counts)
        if joint:
            prb_owner[:, members] = owners[chosen].T
            continue
        for ru in range(cfg.n_rus):
            mine = chosen[owners[chosen, ru] >= 0]
            offset = ru * members.size // cfg.n_rus
            slots = members[(offset + np.arange(mine.size)) % members.size]
            prb_owner[ru, slots] = owners[mine, ru]
    return prb_owner

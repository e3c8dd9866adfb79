"""A demand-aware greedy allocation on the twin's link model: QoS first, then throughput.

For gains [U, R] (dB), with every UE on its strongest O-RU:

1. Each UE's rate per RBG is estimated as if every O-RU sent at nominal power on every
   RBG (the worst case of eq. (3)'s interference), under the LTE link fit (``tr36942``).
2. At each O-RU, a UE's planned rate (``plan_mbps`` per slice: what its QoS needs,
   in twin units) costs ceil(plan / rate per RBG) RBGs. UEs are served cheapest first,
   whole or not at all, while RBGs remain: a UE whose plan does not fit gets nothing.
3. The RBGs left over go to the UEs whose offered load is not yet carried, best rate
   first, up to that load (an RBG given to a UE without data stays empty in ns-3).
4. The RBGs are laid out in blocks in UE order from RBG 0, the same at every O-RU;
   every served UE asks for the top power level and :func:`repair_power` lowers the
   levels until each O-RU fits its budget (constraint 6).

It is fast (about a millisecond for the default 3 O-RUs and 25 UEs) and feasible by
construction, which makes it the demonstrator for "Diffusion-QL + demonstrations" and a
baseline of its own (``qos-greedy``). It maximises no model exactly: the MILP
(:mod:`bridge.slicing.milp`) does, at seconds to minutes per drop.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from bridge.slicing.allocation import Allocation, repair_power
from bridge.slicing.config import SlicingConfig
from bridge.slicing.twin import spectral_efficiency

OFFERED_MBPS = (12.0, 2.5, 0.2)
"""Load each slice's UE offers (Mbit/s; mMTC with headroom for its bursts): the program's
defaults, beyond which RBGs carry nothing."""
PLAN_MBPS = (10.5, 4.0, 0.2)
"""The twin rate (LTE link fit, worst-case interference) planned per slice to meet QoS in
ns-3: eMBB's 10 Mbit/s, URLLC's 2 Mbit/s with its delay bound (the fit overstates what
ns-3 delivers to a UE of small packets about twofold), mMTC its offered load. Chosen on
ns-3 drops of seeds 1-4 (docs/slicing-agents.md), never on evaluation seeds."""
USABLE_RBGS = 16
"""RBGs the ns-3 program schedules at 10 MHz (RBG 16 of 2 PRBs is never used)."""


def rate_per_rbg(cfg: SlicingConfig, gain_db: np.ndarray, ru: np.ndarray | None = None
                 ) -> np.ndarray:
    """Each UE's rate on one full RBG at O-RU ``ru[u]`` (its strongest where ``ru`` is
    None), every O-RU at nominal power on the same RBG (Mbit/s, [U])."""
    cfg = dataclasses.replace(cfg, link_model="tr36942")
    gain = np.power(10.0, np.asarray(gain_db, dtype=np.float64) / 10.0)
    own = gain.max(axis=1) if ru is None else gain[np.arange(len(gain)), np.asarray(ru)]
    signal = own * cfg.prb_power_w
    interference = gain.sum(axis=1) * cfg.prb_power_w - signal
    sinr = signal / (cfg.prb_noise_w + interference)
    return cfg.rbg_size * cfg.prb_bandwidth_hz * spectral_efficiency(cfg, sinr) / 1e6


def allocate(cfg: SlicingConfig, gain_db: np.ndarray,
             plan_mbps: tuple[float, float, float] = PLAN_MBPS,
             offered_mbps: tuple[float, float, float] = OFFERED_MBPS,
             usable_rbgs: int = USABLE_RBGS) -> Allocation:
    """The greedy allocation for ``gain_db`` [U, R] (see the module text)."""
    if min(plan_mbps) <= 0 or min(offered_mbps) <= 0:
        raise ValueError(f"plan_mbps {plan_mbps} and offered_mbps {offered_mbps} must be > 0")
    gain_db = np.asarray(gain_db, dtype=np.float64)
    association = np.argmax(gain_db, axis=1).astype(np.int64)
    counts = rbg_counts(cfg, association, rate_per_rbg(cfg, gain_db),
                        np.asarray(plan_mbps, dtype=np.float64)[cfg.ue_slice],
                        np.asarray(offered_mbps, dtype=np.float64)[cfg.ue_slice],
                        min(usable_rbgs, cfg.n_rbgs))
    return block_allocation(cfg, association, counts)


def block_allocation(cfg: SlicingConfig, association: np.ndarray, counts: np.ndarray
                     ) -> Allocation:
    """The allocation that gives UE u ``counts[u]`` RBGs at its O-RU: the RBGs in blocks
    in UE order from RBG 0 (the same counts give the same map at every O-RU), every
    served UE at the top power level, lowered where the O-RU's budget needs it."""
    owner = np.full((cfg.n_rus, cfg.n_rbgs), -1, dtype=np.int64)
    for ru in range(cfg.n_rus):
        ues = np.flatnonzero(counts * (association == ru))
        owner[ru, :counts[ues].sum()] = np.repeat(ues, counts[ues])
    levels = np.full(cfg.n_ues, cfg.n_levels - 1, dtype=np.int64)
    return Allocation(association, owner, repair_power(cfg, association, owner, levels))


def rbg_counts(cfg: SlicingConfig, association: np.ndarray, per_rbg: np.ndarray,
               plan: np.ndarray, offered: np.ndarray, usable: int) -> np.ndarray:
    """RBGs of each UE [U]: per O-RU, the planned needs cheapest first (whole or not at
    all), then the rest to unmet offered loads, best rate first."""
    counts = np.zeros(cfg.n_ues, dtype=np.int64)
    for ru in range(cfg.n_rus):
        ues = np.flatnonzero((association == ru) & (per_rbg > 0))
        free: int = usable
        cost = {int(u): math.ceil(plan[u] / per_rbg[u]) for u in ues}
        for u in sorted(cost, key=lambda v: (cost[v], v)):
            if cost[u] <= free:
                counts[u], free = cost[u], free - cost[u]
        for u in sorted(ues.tolist(), key=lambda v: (-per_rbg[v], v)):
            extra = int(min(free, max(math.ceil(offered[u] / per_rbg[u]) - counts[u], 0)))
            counts[u] += extra
            free -= extra
    return counts

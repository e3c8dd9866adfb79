"""``ue-value``: a per-UE value table fitted on ns-3's own outcomes, maximised exactly.

The slicing reward is a sum over the UEs: θ_r · (the UE's throughput) + θ_c · (its QoS
flag) / U, and every next observation carries each UE's throughput and QoS flag over
the step. So one transition of a collection (``ran-gym collect``) holds U outcomes, each
of one UE's own allocation. :func:`fit` averages them in a table, by

- the UE's slice,
- its rate on one RBG under the twin's LTE link fit, at its strongest O-RU with every
  O-RU at nominal power (:func:`bridge.slicing.greedy.rate_per_rbg`), in bins
  (:data:`RATE_EDGES`),
- the RBGs it held at its O-RU (0 .. the usable 16),

over the rows where the UE was on its strongest O-RU. A cell with fewer than
``min_rows`` rows takes the value of one RBG fewer (more RBGs are never guessed to be
worth more than was seen); a UE without RBGs is worth 0 where no row says otherwise; a
rate bin that no row reached takes the nearest bin's values.

:class:`UeValueAgent` acts on the table: every UE on its strongest O-RU, and per O-RU
the RBG counts that maximise the sum of its UEs' values within its usable RBGs, exactly
(:func:`best_counts`, dynamic programming over the UEs); RBG blocks and power levels as
qos-greedy's (:func:`bridge.slicing.greedy.block_allocation`). qos-greedy costs a UE's
QoS from the link fit and planned rates chosen by hand; this agent costs it from what
ns-3 delivered to UEs like it (docs/slicing-agents.md, "ue-value").
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from agents.baselines.slicing import slicing_config
from bridge.slicing import greedy, shares
from bridge.slicing.allocation import Allocation
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import gains_from_observation, observation_slices

SLICES = 3
RATE_EDGES: tuple[float, ...] = (0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 1.75, 2.0, 2.3)
"""Inner edges of the rate bins (Mbit/s on one RBG, link fit): ten bins, the last from
2.3 up (the fit's ceiling at the default bandwidth is 2.38)."""
MIN_ROWS = 30
"""Rows a cell needs for its mean to count."""
FORMAT = "ran-gym ue-value 1"


@dataclass(frozen=True)
class UeValueTable:
    """Per (slice, rate bin, RBGs): the rows seen, their mean throughput and QoS share."""

    rate_edges: tuple[float, ...]
    rows: np.ndarray
    """[3, bins, K] int: rows per cell, K = usable RBGs + 1."""
    throughput_mbps: np.ndarray
    """[3, bins, K] mean throughput of the cell's rows (nan: no row)."""
    qos: np.ndarray
    """[3, bins, K] share of the cell's rows that met their QoS (nan: no row)."""
    n_rbgs: int
    """RBGs of the network it was fitted on (of which K − 1 are scheduled)."""
    min_rows: int = MIN_ROWS

    def values(self, cfg: SlicingConfig) -> np.ndarray:
        """[3, bins, K]: a UE's share of ``cfg``'s reward by its slice, rate bin and RBGs,
        the rules of the module text applied."""
        self.check(cfg)
        raw = cfg.theta_rate * self.throughput_mbps + cfg.theta_const * self.qos / cfg.n_ues
        value = np.where(self.rows >= self.min_rows, raw, np.nan)
        value[:, :, 0] = np.where(np.isnan(value[:, :, 0]), 0.0, value[:, :, 0])
        for k in range(1, value.shape[2]):
            value[:, :, k] = np.where(np.isnan(value[:, :, k]), value[:, :, k - 1],
                                      value[:, :, k])
        seen = np.asarray((self.rows[:, :, 1:] >= self.min_rows).any(axis=2))
        bins = np.arange(value.shape[1])
        for s in range(SLICES):
            known = bins[seen[s]]
            for b in bins[~seen[s]]:
                value[s, b] = value[s, known[np.argmin(np.abs(known - b))]]
        return value

    def check(self, cfg: SlicingConfig) -> None:
        """A clear error where ``cfg``'s network is not one the table can act in."""
        if cfg.n_rbgs != self.n_rbgs:
            raise ValueError(f"ue-value: the table was fitted on a network of {self.n_rbgs} "
                             f"RBGs, this one has {cfg.n_rbgs}; fit it on a collection of "
                             "this network")

    def rate_bin(self, rate_mbps: np.ndarray) -> np.ndarray:
        return rate_bin(self.rate_edges, rate_mbps)

    def save(self, path: str | Path) -> Path:
        """As JSON (nan as null), written whole or not at all."""
        path = Path(path)

        def listed(a: np.ndarray) -> Any:
            return [[[None if math.isnan(v) else round(float(v), 6) for v in row]
                     for row in plane] for plane in a]

        text = json.dumps({
            "format": FORMAT, "rate_edges": list(self.rate_edges), "n_rbgs": self.n_rbgs,
            "min_rows": self.min_rows, "rows": self.rows.tolist(),
            "throughput_mbps": listed(self.throughput_mbps), "qos": listed(self.qos)})
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> UeValueTable:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"ue-value: cannot read the table {path}: {error}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"ue-value: {path} is not a ue-value table ({FORMAT!r}; made by "
                             "ran-gym train --agent ue-value)")

        def array(name: str) -> np.ndarray:
            return np.array([[[np.nan if v is None else v for v in row] for row in plane]
                             for plane in data[name]], dtype=np.float64)

        try:
            table = cls(tuple(float(e) for e in data["rate_edges"]),
                        np.asarray(data["rows"], dtype=np.int64), array("throughput_mbps"),
                        array("qos"), int(data["n_rbgs"]), int(data["min_rows"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"ue-value: {path}: a malformed table ({error!r})") from None
        shape = (SLICES, len(table.rate_edges) + 1, min(greedy.USABLE_RBGS, table.n_rbgs) + 1)
        if any(a.shape != shape for a in (table.rows, table.throughput_mbps, table.qos)):
            raise ValueError(f"ue-value: {path}: the tables are not of shape {shape}")
        return table


def rate_bin(edges: tuple[float, ...], rate_mbps: np.ndarray) -> np.ndarray:
    """The bin of each rate: 0 below the first edge, i from edge i − 1 (inclusive) up."""
    return np.searchsorted(np.asarray(edges), rate_mbps, side="right")


def rbgs_held(cfg: SlicingConfig, association: np.ndarray, prb_owner: np.ndarray
              ) -> np.ndarray:
    """[N, U]: the usable RBGs each UE held at its O-RU in each of N transitions
    (``association`` [N, U], ``prb_owner`` [N, R·G], RU-major, as collections store it)."""
    association = np.asarray(association, dtype=np.int64)
    n, u = association.shape
    owner = np.asarray(prb_owner, dtype=np.int64).reshape(
        n, cfg.n_rus, cfg.n_rbgs)[:, :, :shares.usable_rbgs(cfg)]
    at_own = owner[np.arange(n)[:, None], association]  # [N, U, usable]: the UE's O-RU's map
    return (at_own == np.arange(u)[None, :, None]).sum(axis=2)


def allocation_rbgs(cfg: SlicingConfig, allocations: list[Allocation]) -> np.ndarray:
    """[N, U]: :func:`rbgs_held` of N allocations."""
    return rbgs_held(cfg, np.stack([a.association for a in allocations]),
                     np.stack([a.prb_owner.reshape(-1) for a in allocations]))


def ue_outcomes(cfg: SlicingConfig, obs: np.ndarray, next_obs: np.ndarray,
                association: np.ndarray, prb_owner: np.ndarray) -> dict[str, np.ndarray]:
    """Per UE of each transition (flattened, rows where the UE sat on its strongest
    O-RU): its slice, rate on one RBG (link fit), RBGs held among the usable ones, and
    its throughput and QoS flag over the step. Arrays of N transitions:
    ``association`` [N, U], ``prb_owner`` [N, R·G] (RU-major, as collections store it)."""
    n, u = len(obs), cfg.n_ues
    fields = observation_slices(cfg)
    association = np.asarray(association, dtype=np.int64).reshape(n, u)
    rate = np.empty((n, u))
    strongest = np.empty((n, u), dtype=np.int64)
    for i in range(n):
        gains = gains_from_observation(obs[i], cfg)
        rate[i], strongest[i] = greedy.rate_per_rbg(cfg, gains), gains.argmax(axis=1)
    counts = rbgs_held(cfg, association, prb_owner)
    keep = association == strongest
    nxt = np.asarray(next_obs, dtype=np.float64)
    return {"slice": np.broadcast_to(np.asarray(cfg.ue_slice), (n, u))[keep],
            "rate_mbps": rate[keep], "rbgs": counts[keep],
            "throughput_mbps": nxt[:, fields["throughput_mbps"]][keep],
            "qos": (nxt[:, fields["qos_ok"]] > 0.5)[keep]}


def fit(cfg: SlicingConfig, obs: np.ndarray, next_obs: np.ndarray, association: np.ndarray,
        prb_owner: np.ndarray, min_rows: int = MIN_ROWS,
        rate_edges: tuple[float, ...] = RATE_EDGES) -> UeValueTable:
    """The table of N transitions' per-UE outcomes (:func:`ue_outcomes`)."""
    if min_rows < 1:
        raise ValueError(f"ue-value: min_rows must be >= 1, got {min_rows}")
    if len(obs) == 0:
        raise ValueError("ue-value: no transitions to fit")
    rows = ue_outcomes(cfg, obs, next_obs, association, prb_owner)
    k = shares.usable_rbgs(cfg) + 1
    shape = (SLICES, len(rate_edges) + 1, k)
    cell = (rows["slice"], rate_bin(rate_edges, rows["rate_mbps"]), rows["rbgs"])
    count = np.zeros(shape, dtype=np.int64)
    thr, qos = np.zeros(shape), np.zeros(shape)
    np.add.at(count, cell, 1)
    np.add.at(thr, cell, rows["throughput_mbps"])
    np.add.at(qos, cell, rows["qos"].astype(np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        thr, qos = thr / count, qos / count
    served = np.asarray((count[:, :, 1:] >= min_rows).any(axis=(1, 2))).tolist()
    if not all(served):
        names = ", ".join(n for n, ok in zip(("eMBB", "URLLC", "mMTC"), served, strict=True)
                          if not ok)
        raise ValueError(f"ue-value: no cell of {names} UEs holding RBGs has {min_rows} rows; "
                         "collect more transitions, with a policy that serves every slice")
    return UeValueTable(tuple(rate_edges), count, thr, qos, cfg.n_rbgs, min_rows)


def best_counts(values: np.ndarray, budget: int) -> np.ndarray:
    """RBG counts [n] maximising Σ_u values[u, counts[u]] with Σ counts ≤ budget, exactly
    (dynamic programming over the UEs; among equal sums, fewer RBGs to the later UEs and
    fewest in all). ``values`` [n, K]: a UE's value with 0 .. K − 1 RBGs."""
    n, k = values.shape
    best = np.zeros(budget + 1)  # best[j]: the most the UEs so far make of j RBGs
    choices = np.zeros((n, budget + 1), dtype=np.int64)
    for i in range(n):
        new = np.full(budget + 1, -np.inf)
        for j in range(budget + 1):
            upto = min(j, k - 1)
            totals = best[j - np.arange(upto + 1)] + values[i, :upto + 1]
            choices[i, j] = int(np.argmax(totals))
            new[j] = totals[choices[i, j]]
        best = new
    counts = np.zeros(n, dtype=np.int64)
    j = int(np.argmax(best))
    for i in range(n - 1, -1, -1):
        counts[i] = choices[i, j]
        j -= counts[i]
    return counts


class UeValueAgent:
    """Acts on a fitted :class:`UeValueTable` in the native Dict action (module text)."""

    def __init__(self, env: gym.Env, seed: int | None = None, checkpoint: str | None = None):
        if checkpoint is None:
            raise ValueError("ue-value acts from a fitted table: give its checkpoint "
                             "(ran-gym train --agent ue-value --dataset DIR --out OUT; "
                             "ran-gym evaluate --checkpoint ue-value=OUT/ue-value.json)")
        self.cfg = slicing_config(env)
        self.table = UeValueTable.load(checkpoint)
        self.values = self.table.values(self.cfg)

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[dict[str, np.ndarray], None]:
        return self.allocate(gains_from_observation(observation, self.cfg)).to_native(), None

    def allocate(self, gain_db: np.ndarray) -> Allocation:
        cfg = self.cfg
        association = np.argmax(gain_db, axis=1).astype(np.int64)
        bins = self.table.rate_bin(greedy.rate_per_rbg(cfg, gain_db))
        usable = shares.usable_rbgs(cfg)
        counts = np.zeros(cfg.n_ues, dtype=np.int64)
        for ru in range(cfg.n_rus):
            ues = np.flatnonzero(association == ru)
            if ues.size:
                values = self.values[np.asarray(cfg.ue_slice)[ues], bins[ues]]
                counts[ues] = best_counts(values, usable)
        return greedy.block_allocation(cfg, association, counts)


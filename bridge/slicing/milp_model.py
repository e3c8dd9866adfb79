"""The MILP of :mod:`bridge.slicing.milp` as sparse rows (variables: a, y, z, n)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bridge.slicing.config import SlicingConfig
from bridge.slicing.milp_patterns import add_pattern_rows

_QOS_MARGIN = 1e-7
"""QoS rows ask for need * (1 + margin) so that HiGHS's tolerance cannot claim a miss."""


@dataclass
class Model:
    """min cost @ x  s.t. row_lower <= A x <= row_upper, lower <= x <= upper."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integrality: np.ndarray
    assoc: slice
    level: slice
    qos: slice
    counts: slice
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)

    def add_row(self, cols: np.ndarray, values: np.ndarray, low: float, high: float) -> None:
        row = len(self.row_lower)
        self.rows.extend([row] * len(cols))
        self.cols.extend(int(c) for c in cols)
        self.values.extend(float(v) for v in values)
        self.row_lower.append(low)
        self.row_upper.append(high)


def _empty(cfg: SlicingConfig, n_options: int, classes: list[np.ndarray]) -> Model:
    u, r, levels = cfg.n_ues, cfg.n_rus, cfg.n_levels
    n_binary = u * r + u * levels + u
    n_counts = len(classes) * n_options
    size = n_binary + n_counts
    upper = np.ones(size)
    upper[n_binary:] = np.repeat([c.size for c in classes], n_options)
    return Model(
        cost=np.zeros(size), lower=np.zeros(size), upper=upper,
        integrality=np.ones(size), assoc=slice(0, u * r),
        level=slice(u * r, u * r + u * levels), qos=slice(u * r + u * levels, n_binary),
        counts=slice(n_binary, size),
    )


def build_model(cfg: SlicingConfig, owners: np.ndarray, levels: np.ndarray,
                rate: np.ndarray, classes: list[np.ndarray], joint: bool,
                pattern: np.ndarray | None = None) -> Model:
    """The model for options ``owners``/``levels`` [C, R] with per-PRB ``rate`` [C, R].

    ``joint``: options span every RU (one per RBG, equality); otherwise each option is
    one RU's slot and each RU has G_k slots per class, or, with ``pattern`` (bitmask of
    the sending RUs per option), the rows of :mod:`bridge.slicing.milp_patterns`.
    """
    n_options = len(owners)
    m = _empty(cfg, n_options, classes)
    u_count, r_count, l_count = cfg.n_ues, cfg.n_rus, cfg.n_levels
    a0, y0, z0, n0 = m.assoc.start, m.level.start, m.qos.start, m.counts.start
    prbs = np.array([cfg.rbg_prbs[c[0]] for c in classes], dtype=np.float64)
    col = n0 + np.arange(len(classes))[:, None] * n_options + np.arange(n_options)[None, :]
    sizes = np.array([c.size for c in classes], dtype=np.float64)
    ue_rate = np.zeros((n_options, u_count))  # per-PRB rate of each UE in each option
    busy_c, busy_r = np.nonzero(owners >= 0)
    np.add.at(ue_rate, (busy_c, owners[busy_c, busy_r]), rate[busy_c, busy_r])
    # objective: -(Theta_r * rate + Theta_const / U * z)
    m.cost[col] = -cfg.theta_rate * prbs[:, None] * ue_rate.sum(axis=1)[None, :]
    m.cost[z0:z0 + u_count] = -cfg.theta_const / u_count
    for u in range(u_count):
        m.add_row(a0 + u * r_count + np.arange(r_count), np.ones(r_count), 1.0, 1.0)
        m.add_row(y0 + u * l_count + np.arange(l_count), np.ones(l_count), 1.0, 1.0)
    for k, size in enumerate(sizes):
        _link_rows(m, cfg, owners, levels, col[k], size)
        if joint:
            m.add_row(col[k], np.ones(n_options), size, size)
        elif pattern is not None:
            add_pattern_rows(m.add_row, pattern, owners, col[k], size, r_count)
        else:
            for r in range(r_count):
                mine = np.flatnonzero(owners[:, r] >= 0)
                m.add_row(col[k][mine], np.ones(mine.size), 0.0, size)
    factor = np.where(owners >= 0, cfg.level_factors[np.maximum(levels, 0)], 0.0)
    for r in range(r_count):
        m.add_row(col.reshape(-1), (prbs[:, None] * factor[None, :, r]).reshape(-1),
                  -np.inf, float(cfg.n_prbs))
        if joint and math.isfinite(cfg.ru_capacity_mbps):
            m.add_row(col.reshape(-1), (prbs[:, None] * rate[None, :, r]).reshape(-1),
                      -np.inf, cfg.ru_capacity_mbps)
    need = cfg.min_rate_mbps * (1 + _QOS_MARGIN)
    for u in range(u_count):
        uses = np.flatnonzero(ue_rate[:, u] > 0)
        cols = np.concatenate([col[:, uses].reshape(-1), [z0 + u]])
        values = np.concatenate([(prbs[:, None] * ue_rate[None, uses, u]).reshape(-1),
                                 [-need[u]]])
        m.add_row(cols, values, 0.0, np.inf)
    return m


def _link_rows(m: Model, cfg: SlicingConfig, owners: np.ndarray, levels: np.ndarray,
               col: np.ndarray, size: float) -> None:
    """Counts of a UE's options at an RU / at a level bounded by size * a / size * y."""
    for u in range(cfg.n_ues):
        at = owners == u  # [C, R]
        for r in range(cfg.n_rus):
            uses = np.flatnonzero(at[:, r])
            if uses.size:
                m.add_row(np.append(col[uses], m.assoc.start + u * cfg.n_rus + r),
                          np.append(np.ones(uses.size), -size), -np.inf, 0.0)
        for level in range(cfg.n_levels):
            uses = np.flatnonzero(np.any(at & (levels == level), axis=1))
            if uses.size:
                m.add_row(np.append(col[uses], m.level.start + u * cfg.n_levels + level),
                          np.append(np.ones(uses.size), -size), -np.inf, 0.0)

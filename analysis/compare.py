"""Comparisons across runs and agents, aligned on identical seeds, with confidence
intervals over seeds (Student's t)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95


def aligned(table: pd.DataFrame, by: str = "agent", seed: str = "seed") -> pd.DataFrame:
    """Rows of the seeds that every ``by`` group has, so that groups are compared on
    the same simulator seeds only."""
    groups = table[by].nunique()
    counts = table.groupby(seed)[by].nunique()
    common = counts.index[counts == groups]
    return table[table[seed].isin(common)].reset_index(drop=True)


def mean_ci(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Mean and the half-width of its t confidence interval (0 for one value)."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return float(x.mean()) if len(x) else float("nan"), 0.0
    half = stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(half)


def summarise(table: pd.DataFrame, metrics: list[str], by: str = "agent",
              seed: str = "seed", confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per ``by`` group and metric over the aligned seeds: n, mean, CI half-width."""
    common = aligned(table, by, seed)
    rows = []
    for key, group in common.groupby(by):
        for metric in metrics:
            mean, half = mean_ci(group[metric].to_numpy(), confidence)
            rows.append({by: key, "metric": metric, "seeds": int(group[seed].nunique()),
                         "mean": mean, "ci_half_width": half})
    return pd.DataFrame(rows)


def paired_difference(table: pd.DataFrame, metric: str, baseline: str, by: str = "agent",
                      seed: str = "seed", confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per group: mean over common seeds of (group - baseline) of ``metric`` and its CI;
    pairing on seeds removes the drop-to-drop variance both share."""
    common = aligned(table, by, seed)
    wide = common.pivot_table(index=seed, columns=by, values=metric, aggfunc="mean")
    if baseline not in wide.columns:
        raise ValueError(f"baseline {baseline!r} is not one of {sorted(wide.columns)}")
    rows = []
    for key in wide.columns:
        mean, half = mean_ci((wide[key] - wide[baseline]).to_numpy(), confidence)
        rows.append({by: key, "metric": metric, "baseline": baseline, "difference": mean,
                     "ci_half_width": half})
    return pd.DataFrame(rows)

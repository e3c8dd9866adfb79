"""Labelled slicing data sets read back, and allocations as normalised vectors.

A data set is what ``ran-gym dataset --scenario oran-slicing`` writes: one row per drop
with the observation at reset and the solver's allocation. For accuracy figures
(:mod:`analysis.accuracy`) an allocation becomes the **normalised action vector**
[alpha (U R, one-hot association), beta (U G, RBG ownership, 1 where the UE owns the
RBG at its RU), level / (L - 1) (U, 0 when L = 1)], every entry in [0, 1], and its
**binary entries** [alpha, beta] (:func:`bridge.slicing.unified.binary_entries`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bridge.slicing.allocation import Allocation
from bridge.slicing.config import SlicingConfig
from bridge.slicing.unified import binary_entries


def read_dataset(path: str | Path) -> tuple[pd.DataFrame, SlicingConfig]:
    """The rows of a slicing data set and the SlicingConfig it was made for."""
    frame = pd.read_parquet(path)
    missing = {"observation", "unified_action", "config", "association"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: not a slicing data set (no {', '.join(sorted(missing))})")
    fields = json.loads(frame["config"].iloc[0])["config"]
    return frame, SlicingConfig(**{k: _tuple(v) for k, v in fields.items()})


def _tuple(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuple(v) for v in value)
    return value


def row_allocation(cfg: SlicingConfig, row: Any) -> Allocation:
    """The labelled allocation of one data set row."""
    return Allocation(np.asarray(row["association"], dtype=np.int64),
                      np.asarray(row["prb_owner"], dtype=np.int64).reshape(cfg.n_rus, cfg.n_rbgs),
                      np.asarray(row["power_level"], dtype=np.int64))


def normalised_vector(cfg: SlicingConfig, alloc: Allocation) -> np.ndarray:
    """[alpha, beta, level / (L - 1)], float64, entries in [0, 1]."""
    scale = max(cfg.n_levels - 1, 1)
    return np.concatenate([binary_entries(cfg, alloc).astype(np.float64),
                           alloc.power_level.astype(np.float64) / scale])

"""Training run directories (``ran-gym train --out DIR``): their ``progress.csv``.

Schema of ``progress.csv`` as read here: ``step`` (int64, environment steps taken so
far), ``reward`` (float64, the reward of that step; with ``--num-envs`` N the N envs'
steps are interleaved), then per-agent losses (float64, empty before the first update)
and ``simulator_restarts`` (int64). Only ``step`` and ``reward`` are required.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PROGRESS = "progress.csv"
DEFAULT_WINDOW = 100
"""Steps per point of the reward curve when the run does not say its episode length."""


def is_training_dir(path: str | Path) -> bool:
    return (Path(path) / PROGRESS).is_file()


def load_progress(path: str | Path) -> pd.DataFrame:
    """``progress.csv`` of a training directory, typed; a clear error naming the file
    when it is missing, empty or lacks ``step``/``reward``."""
    file = Path(path) / PROGRESS
    try:
        table = pd.read_csv(file)
    except (OSError, ValueError) as error:
        raise ValueError(f"{file}: unreadable ({error})") from None
    missing = [c for c in ("step", "reward") if c not in table.columns]
    if missing:
        raise ValueError(f"{file}: missing columns {missing}")
    if table.empty:
        raise ValueError(f"{file}: no steps")
    try:
        table["step"] = pd.to_numeric(table["step"], errors="raise").astype("int64")
    except (ValueError, TypeError) as error:
        raise ValueError(f"{file}: column step is not whole numbers ({error})") from None
    for column in table.columns.drop("step"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    return table


def training_label(path: str | Path) -> str:
    try:
        config: dict[str, Any] = json.loads((Path(path) / "config.json").read_text())
    except (OSError, ValueError):
        config = {}
    return f"{config.get('agent', Path(path).name)} ({config.get('scenario', '?')})"


def reward_curve(progress: pd.DataFrame, window: int = DEFAULT_WINDOW) -> pd.DataFrame:
    """Mean reward over consecutive blocks of ``window`` steps: columns ``step`` (last
    step of the block), ``mean_reward``, ``std_reward``; a last partial block counts
    when it has at least half a window. E.g. rewards 1, 2, 3, 4, 5 with window 2 ->
    (2, 1.5), (4, 3.5), (5, 5.0); with window 4 -> (4, 2.5) only."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    rewards = progress["reward"].to_numpy(float)
    blocks = np.arange(len(rewards)) // window
    frame = pd.DataFrame({"block": blocks, "reward": rewards,
                          "step": progress["step"].to_numpy()})
    grouped = frame.groupby("block")
    out = pd.DataFrame({"step": grouped["step"].max(), "mean_reward": grouped["reward"].mean(),
                        "std_reward": grouped["reward"].std(ddof=0),
                        "n": grouped["reward"].size()})
    out = out[out["n"] * 2 >= window]
    return out.drop(columns="n").reset_index(drop=True)

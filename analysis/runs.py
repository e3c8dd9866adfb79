"""Reading a run directory back: its config, seeds and step table, with explicit dtypes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

# Columns every step table has, and their dtypes; obs_*, action_* and info_* follow.
STEP_COLUMNS = {"episode": "int64", "step": "int64", "reward": "float64",
                "terminated": "bool", "truncated": "bool"}


@dataclass(frozen=True)
class Run:
    path: Path
    config: dict[str, Any]
    seeds: dict[str, Any]
    steps: pd.DataFrame
    commands: list[str]


def load_run(path: str | Path) -> Run:
    """Load a run directory written by ``ran-gym run``."""
    root = Path(path)
    missing = [n for n in ("config.json", "seeds.json", "steps.parquet", "commands.txt")
               if not (root / n).is_file()]
    if missing:
        raise FileNotFoundError(f"{root} is not a complete run directory: missing {missing}")
    steps = pd.read_parquet(root / "steps.parquet")
    absent = sorted(set(STEP_COLUMNS) - set(steps.columns))
    if absent:
        raise ValueError(f"{root / 'steps.parquet'}: missing columns {absent}")
    steps = steps.astype(STEP_COLUMNS)
    return Run(
        path=root,
        config=json.loads((root / "config.json").read_text()),
        seeds=json.loads((root / "seeds.json").read_text()),
        steps=steps,
        commands=(root / "commands.txt").read_text().splitlines(),
    )

"""The finished cells of a sweep, gathered into one table (``results.parquet``, one
row per cell) and one report (``report/``, through the analysis package).

A row holds the cell (id, scenario, agent, checkpoint, seed and every scenario
parameter it set), the metrics of the ``table.csv`` ``ran-gym evaluate`` wrote, and the
mean over all steps of every numeric ``info`` entry (``mean_<name>``; for the O-RAN
slicing scenario ``mean_reward_rate_mbps`` is the aggregate throughput). An info
entry that is a table by name (a ``names`` list beside lists of numbers, as the slicing
scenario's ``slice``) gives ``mean_<entry>_<name>_<field>``, e.g.
``mean_slice_embb_throughput_mbps``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ran_gym.sweep.cell import DONE
from ran_gym.sweep.grid import Cell, Grid


def cell_row(cell: Cell, directory: Path) -> dict[str, Any]:
    done = json.loads((directory / DONE).read_text())
    row: dict[str, Any] = {**cell.describe(), "wall_s": done.get("wall_s")}
    table = directory / "table.csv"  # summary.csv: a cell finished before evaluate's table
    summary = pd.read_csv(table if table.is_file() else directory / "summary.csv")
    for key, value in summary.iloc[0].items():
        if key not in ("agent", "seeds") and not str(key).endswith("_ci95"):
            row[str(key)] = value
    row.update(info_means(pd.read_parquet(directory / "steps.parquet")))
    return row


def info_means(steps: pd.DataFrame) -> dict[str, float]:
    out: dict[str, float] = {}
    for column in steps.columns:
        if not column.startswith("info_"):
            continue
        name, values = column[len("info_"):], steps[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            out[f"mean_{name}"] = float(values.mean())
        elif len(values) and isinstance(values.iloc[0], dict) and "names" in values.iloc[0]:
            out.update(_named_means(name, values))
    return out


def _named_means(name: str, values: pd.Series) -> dict[str, float]:
    first = values.iloc[0]
    labels = [str(n) for n in first["names"]]
    out = {}
    for field, sample in first.items():
        array = np.asarray(sample)
        if field == "names" or array.shape != (len(labels),) or array.dtype.kind not in "fiu":
            continue
        stacked = np.stack([np.asarray(v[field], dtype=float) for v in values])
        for i, label in enumerate(labels):
            out[f"mean_{name}_{label}_{field}"] = float(stacked[:, i].mean())
    return out


def gather(grid: Grid, out: Path) -> pd.DataFrame:
    """``results.parquet``: one row per finished cell of ``grid``, each exactly once."""
    rows = [cell_row(c, out / "cells" / c.cell_id) for c in grid.cells()
            if (out / "cells" / c.cell_id / DONE).is_file()]
    table = pd.DataFrame(rows)
    tmp = out / ".results.parquet.tmp"
    table.to_parquet(tmp, index=False)
    os.replace(tmp, out / "results.parquet")
    return table


def report(grid: Grid, table: pd.DataFrame, out: Path) -> Path:
    """The sweep's report (analysis.sweep): curves of the grid's metrics over its x."""
    from analysis.sweep import sweep_report  # noqa: PLC0415 - matplotlib when asked for

    x = grid.report.get("x") or (sorted(grid.sweep)[0] if grid.sweep else None)
    metrics = list(grid.report.get("metrics") or ["mean_reward"])
    series = [n for n in sorted(grid.sweep) if n != x]
    return sweep_report(table, out / "report", x=x, metrics=metrics, series=series)

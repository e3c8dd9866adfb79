"""``ran-gym bench sweep``: what a sweep adds per cell (Ray scheduling, the worker's
round trip, the cell's bookkeeping files) over evaluating the same cells directly.

``cells`` tiny cells (the reference scenario, a few steps, a random agent) are run
twice: directly in this process, one after the other (``direct_s_per_cell``: the
evaluation itself, its simulator and run directory included), then as a sweep on a
local Ray instance with one CPU, so that cells also run one after the other
(``sweep_s_per_cell``, from the first submission to the last result, Ray's start-up
apart). ``overhead_s_per_cell`` is the difference; it includes the one-time start of a
Ray worker (imports), spread over the cells. ``bookkeeping_ms`` is what the sweep
writes per cell besides the evaluation (``cell.json``, ``status.csv``).
"""

from __future__ import annotations

import datetime
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from ran_gym.bench.bridge import time_calls
from ran_gym.bench.scaling import machine
from ran_gym.sweep.cell import run_cell, write_atomic
from ran_gym.sweep.grid import parse_grid
from ran_gym.sweep.runner import ray_session, run_sweep, write_status


def bench_sweep(cells: int = 16, steps: int = 3, directory: Path | None = None
                ) -> dict[str, Any]:
    if cells < 1 or steps < 1:
        raise ValueError("cells and steps must be >= 1")
    grid = parse_grid({"scenario": "reference", "params": {"maxSteps": steps},
                       "agents": ["random"], "seeds": {"first": 0, "count": cells}})
    with tempfile.TemporaryDirectory(prefix="bench-sweep-", dir=directory) as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        for cell in grid.cells():
            result = run_cell(cell, root / "direct" / cell.cell_id)
            if result["state"] != "done":
                raise RuntimeError(f"cell {cell.cell_id} failed: {result['error']}")
        direct = time.perf_counter() - start
        start = time.perf_counter()
        with ray_session(None, 1):
            ray_start = time.perf_counter() - start
            outcome = run_sweep(grid, root / "sweep", progress=None)
        if outcome.count("done") != cells:
            raise RuntimeError(f"sweep cells failed: {outcome.status.to_dict('records')}")
        bookkeeping = _bookkeeping_ms(root, cells)
    return {
        "benchmark": "sweep", "cells": cells, "steps": steps, "ray_cpus": 1,
        "ray_start_s": round(ray_start, 3),
        "direct_s_per_cell": round(direct / cells, 4),
        "sweep_s_per_cell": round(outcome.wall_s / cells, 4),
        "overhead_s_per_cell": round((outcome.wall_s - direct) / cells, 4),
        "bookkeeping_ms": bookkeeping,
        "machine": machine(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _bookkeeping_ms(root: Path, cells: int) -> float:
    table = pd.DataFrame([{"cell": f"c{i}", "state": "done", "wall_s": 1.0, "error": ""}
                          for i in range(cells)])
    target = root / "bookkeeping"
    target.mkdir()

    def once() -> None:
        write_atomic(target / "cell.json", {"cell": "c0", "wall_s": 1.0})
        write_status(target, table)

    return round(time_calls(once, 50, 5)["median"] / 1e3, 3)

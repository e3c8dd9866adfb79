"""Runs a grid's cells as Ray tasks: a local Ray instance by default, an existing
cluster by address. Resumable: finished cells (``cell.json`` in their directory) are
skipped, unfinished or failed ones re-done; each cell's outcome is recorded as soon as
it is known (``status.csv``), and a failed cell never stops the others.

Layout of the sweep directory: ``grid.json`` (the resolved grid), ``cells/<id>/`` (one
``ran-gym evaluate`` run directory per cell), ``status.csv`` (cell, state, wall_s,
error), then what :func:`ran_gym.sweep.gather.gather` writes. On a cluster every Ray
node needs the project installed (the ``ran-gym-agent`` image has it) and the sweep
directory on a file system it sees at the same path; with ``runtime: docker`` the
simulators of a cell run in the scenario image on the node that runs the cell.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from ran_gym.cluster import ray_session
from ran_gym.sweep.cell import clear_attempt, is_done, run_cell, write_atomic
from ran_gym.sweep.grid import Cell, Grid

__all__ = ["SweepOutcome", "ray_session", "run_sweep", "write_status"]


@dataclasses.dataclass(frozen=True)
class SweepOutcome:
    """What a sweep run did."""

    status: pd.DataFrame
    """One row per cell: cell, state (done, failed, skipped), wall_s, error."""
    wall_s: float
    """Wall seconds from the first submitted cell to the last result."""

    def count(self, state: str) -> int:
        return int((self.status["state"] == state).sum())


def run_sweep(grid: Grid, out: Path, address: str | None = None,
              num_cpus: int | None = None, progress: Any = sys.stderr) -> SweepOutcome:
    out = out.resolve()
    (out / "cells").mkdir(parents=True, exist_ok=True)
    write_atomic(out / "grid.json", dataclasses.asdict(grid))
    cells = grid.cells()
    status = {c.cell_id: {"cell": c.cell_id, "state": "skipped", "wall_s": 0.0, "error": ""}
              for c in cells}
    pending = [c for c in cells if not is_done(out / "cells" / c.cell_id)]
    for cell in pending:
        clear_attempt(out / "cells" / cell.cell_id)
        status[cell.cell_id]["state"] = "pending"
    _report(progress, status, f"{len(cells) - len(pending)} finished earlier")
    start = time.perf_counter()
    if pending:
        with ray_session(address, num_cpus) as ray:
            _run(ray, grid, pending, out, status, progress)
    table = pd.DataFrame(list(status.values()))
    write_status(out, table)
    return SweepOutcome(table, time.perf_counter() - start)


def _run(ray: Any, grid: Grid, pending: list[Cell], out: Path,
         status: dict[str, dict[str, Any]], progress: Any) -> None:
    task = ray.remote(num_cpus=grid.cpus_per_cell, max_retries=0)(run_cell)
    refs = {task.remote(cell, out / "cells" / cell.cell_id): cell for cell in pending}
    while refs:
        ready, _ = ray.wait(list(refs), num_returns=1)
        cell = refs.pop(ready[0])
        try:
            result = ray.get(ready[0])
        except Exception as error:  # noqa: BLE001 - a crashed worker fails its cell only
            result = {"state": "failed", "wall_s": float("nan"), "error": str(error)[-2000:]}
        status[cell.cell_id].update(result)
        write_status(out, pd.DataFrame(list(status.values())))
        note = f"{cell.cell_id} {result['state']}"
        if result["state"] == "failed":
            note += f": {result['error'].splitlines()[0] if result['error'] else '?'}"
        _report(progress, status, note)


def write_status(out: Path, table: pd.DataFrame) -> None:
    tmp = out / ".status.csv.tmp"
    table.to_csv(tmp, index=False)
    os.replace(tmp, out / "status.csv")


def _report(progress: Any, status: dict[str, dict[str, Any]], note: str) -> None:
    if progress is None:
        return
    states = [s["state"] for s in status.values()]
    done = states.count("done") + states.count("skipped")
    print(f"sweep: {done}/{len(states)} done, {states.count('failed')} failed, "
          f"{states.count('pending')} remaining ({note})", file=progress, flush=True)

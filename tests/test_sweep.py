"""``ran-gym sweep``: a 2 × 2 × 2 grid of tiny slicing cells on a local Ray instance,
one cell made to fail, then resumed; the gathered table holds every cell once."""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from ran_gym.cli import main
from ran_gym.sweep import gather, load_grid, parse_grid, run_sweep
from ran_gym.sweep.cell import evaluate_argv
from tests.conftest import program

TINY = {"scenario": "oran-slicing", "params": {"nRus": 1, "warmupMs": 20, "maxSteps": 2},
        "sweep": {"nUes": [2, 3]}, "agents": ["random", "random-power"], "seeds": [0, 1],
        "report": {"x": "nUes", "metrics": ["mean_reward_rate_mbps"]}}
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "sweeps"


def _ray_processes(temp_dir: str) -> set[int]:
    """Ray's processes of the instance in ``temp_dir`` (they name it on their command
    line) and their descendants (workers rename themselves ``ray::...``)."""
    roots = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if temp_dir.encode() in f.read():
                    roots.append(int(entry))
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return set(roots).union(*(_descendants(pid) for pid in roots))


def _descendants(pid: int) -> set[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
    except FileNotFoundError:
        return set()
    return set(children).union(*(_descendants(c) for c in children))


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    temp_dir = tempfile.mkdtemp(prefix="rg-ray-", dir="/tmp")  # short: sockets live here
    ray.init(num_cpus=2, object_store_memory=80 * 2**20, include_dashboard=False,
             log_to_driver=False, _temp_dir=temp_dir)
    try:
        yield ray
    finally:
        started = _ray_processes(temp_dir)
        ray.shutdown()
        deadline = time.monotonic() + 15
        while any(map(_alive, started)) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = sorted(filter(_alive, started))
        assert len(started) >= 3 and not left, f"Ray processes left after shutdown: {left}"


def test_grid_cells_ids_and_checks():
    grid = parse_grid(TINY)
    cells = grid.cells()
    assert len(cells) == 8 and len({c.cell_id for c in cells}) == 8
    assert {(dict(c.params)["nUes"], c.agent, c.seed) for c in cells} == {
        (u, a, s) for u in (2, 3) for a in ("random", "random-power") for s in (0, 1)}
    # A cell keeps its id when the grid grows: ids depend on the cell, not its position.
    grown = parse_grid({**TINY, "sweep": {"nUes": [2, 3, 4]}, "seeds": {"first": 0, "count": 3}})
    assert {c.cell_id for c in cells} < {c.cell_id for c in grown.cells()}
    argv = evaluate_argv(cells[0], Path("/x"))
    assert "--param=nUes=2" in argv and argv[argv.index("--agents") + 1] == "random"
    with pytest.raises(ValueError, match="nUes"):
        parse_grid({**TINY, "sweep": {"nUes": [2, 500]}})
    with pytest.raises(ValueError, match="unknown agent 'nope'"):
        parse_grid({**TINY, "agents": ["nope"]})
    with pytest.raises(ValueError, match="report.x must be a swept parameter"):
        parse_grid({**TINY, "report": {"x": "nRus"}})
    with pytest.raises(ValueError, match="unknown keys"):
        parse_grid({**TINY, "sweeep": {}})


def test_tied_parameters_follow_their_swept_one():
    grid = parse_grid({**TINY, "sweep": {"embbMaxPaDb": [-6.0, 0.0]},
                       "tied": {"urllcMaxPaDb": "embbMaxPaDb", "mmtcMaxPaDb": "embbMaxPaDb"},
                       "report": {}})
    caps = {tuple(dict(c.params)[f"{s}MaxPaDb"] for s in ("embb", "urllc", "mmtc"))
            for c in grid.cells()}
    assert caps == {(-6.0, -6.0, -6.0), (0.0, 0.0, 0.0)} and len(grid.cells()) == 8
    with pytest.raises(ValueError, match="tied.urllcMaxPaDb"):
        parse_grid({**TINY, "tied": {"urllcMaxPaDb": "nope"}})
    with pytest.raises(ValueError, match="tied.nRus"):  # fixed in params: not both
        parse_grid({**TINY, "tied": {"nRus": "nUes"}})
    with pytest.raises(ValueError, match="tied must be a mapping"):
        parse_grid({**TINY, "tied": ["urllcMaxPaDb"]})
    with pytest.raises(ValueError, match="parameter 'urllcMaxPaDb': 5"):  # range-checked
        parse_grid({**TINY, "sweep": {"nUes": [5]}, "tied": {"urllcMaxPaDb": "nUes"}})


def test_example_grids_parse():
    grids = sorted(EXAMPLES.glob("*.yaml"))
    assert len(grids) >= 3
    for path in grids:
        assert load_grid(path).cells()


def test_sweep_fails_one_cell_then_resumes(local_ray, tmp_path):
    program("ran-gym-oran-slicing")
    grid = parse_grid(TINY)
    cells = grid.cells()
    out = tmp_path / "sweep"
    broken = cells[5]
    (out / "cells").mkdir(parents=True)
    (out / "cells" / broken.cell_id).write_text("not a run directory")  # injected failure
    progress = io.StringIO()
    first = run_sweep(grid, out, progress=progress)
    assert (first.count("done"), first.count("failed")) == (7, 1), first.status.to_dict("records")
    status = pd.read_csv(out / "status.csv").set_index("cell")
    assert status.loc[broken.cell_id, "state"] == "failed"
    assert "not a directory" in status.loc[broken.cell_id, "error"]
    assert "sweep: 7/8 done, 1 failed, 0 remaining" in progress.getvalue()
    assert len(gather(grid, out)) == 7  # the failure lost no other cell's result
    finished = {c.cell_id: (out / "cells" / c.cell_id / "cell.json").stat().st_mtime_ns
                for c in cells if c is not broken}

    (out / "cells" / broken.cell_id).unlink()
    grid_file = tmp_path / "grid.json"
    grid_file.write_text(json.dumps(TINY))  # JSON is YAML
    assert main(["sweep", "--grid", str(grid_file), "--out", str(out)]) == 0
    status = pd.read_csv(out / "status.csv").set_index("cell")
    assert status["state"].value_counts().to_dict() == {"skipped": 7, "done": 1}
    for cell_id, mtime in finished.items():  # skipped, not re-run
        assert (out / "cells" / cell_id / "cell.json").stat().st_mtime_ns == mtime

    table = pd.read_parquet(out / "results.parquet")
    assert sorted(table["cell"]) == sorted(c.cell_id for c in cells)  # each exactly once
    for row in table.itertuples():
        run = out / "cells" / row.cell
        config = json.loads((run / "config.json").read_text())
        assert config["params"]["nUes"] == str(row.nUes) and config["seeds"] == [row.seed]
        steps = pd.read_parquet(run / "steps.parquet")
        assert row.mean_reward == pytest.approx(steps["reward"].mean())
        assert row.mean_reward_rate_mbps == pytest.approx(steps["info_reward_rate_mbps"].mean())
    assert (out / "report" / "mean_reward_rate_mbps-vs-nUes.png").stat().st_size > 1000
    curves = pd.read_csv(out / "report" / "curves.csv")
    assert len(curves) == 4 and (curves["seeds"] == 2).all()  # 2 agents x 2 nUes, 2 seeds

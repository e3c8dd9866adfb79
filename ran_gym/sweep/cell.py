"""One cell of a sweep: ``ran-gym evaluate`` with one agent, into the cell's own run
directory. ``cell.json``, written last, marks the cell finished."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from ran_gym.sweep.grid import Cell

DONE = "cell.json"


def is_done(directory: Path) -> bool:
    return (directory / DONE).is_file()


def clear_attempt(directory: Path) -> None:
    """Remove what an unfinished earlier attempt left in the cell's directory (a
    directory only: anything else there is left for the run to report)."""
    if directory.is_dir() and not directory.is_symlink() and not is_done(directory):
        shutil.rmtree(directory)


def evaluate_argv(cell: Cell, directory: Path) -> list[str]:
    """The ``ran-gym evaluate`` command line of ``cell``."""
    argv = ["evaluate", "--scenario", cell.scenario, "--agents", cell.agent,
            "--episodes", str(cell.episodes), "--seeds", str(cell.seed),
            "--out", str(directory), "--timeout", str(cell.timeout_s),
            "--runtime", cell.runtime]
    argv += [f"--param={name}={_text(value)}" for name, value in cell.params]
    if cell.steps is not None:
        argv += ["--steps", str(cell.steps)]
    if cell.checkpoint is not None:
        argv += ["--checkpoint", f"{cell.agent}={cell.checkpoint}"]
    return argv


def run_cell(cell: Cell, directory: Path) -> dict[str, Any]:
    """Evaluate ``cell`` into ``directory``; returns {"state": "done" | "failed", ...}
    and never raises, so that one cell's failure stays that cell's."""
    from ran_gym.cli import build_parser  # noqa: PLC0415 - imported in the worker

    start, log = time.perf_counter(), io.StringIO()
    try:
        args = build_parser().parse_args(evaluate_argv(cell, directory))
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            status = args.func(args)
        if status != 0:
            raise RuntimeError(f"ran-gym evaluate exited with status {status}")
        wall = time.perf_counter() - start
        write_atomic(directory / DONE, {**cell.describe(), "wall_s": wall,
                                        "command": ["ran-gym", *evaluate_argv(cell, directory)]})
        return {"state": "done", "wall_s": wall, "error": ""}
    except Exception as error:  # noqa: BLE001 - reported as the cell's failure
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        if log.getvalue().strip():
            detail += "\n--- output of the cell ---\n" + log.getvalue()[-2000:]
        return {"state": "failed", "wall_s": time.perf_counter() - start, "error": detail}


def write_atomic(path: Path, value: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(value, indent=2, default=str) + "\n")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)

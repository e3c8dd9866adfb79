"""What every ``ran-gym train`` loop shares: stopping on SIGINT/SIGTERM at a step
boundary, and the progress record (terminal lines, ``progress.csv``, TensorBoard).

Signals: the first SIGINT or SIGTERM only sets a flag; the loop sees it between two
environment steps, writes its checkpoint and returns, and the command exits with
128 + the signal number (130 for SIGINT, 143 for SIGTERM). A second signal while the
checkpoint is being written raises KeyboardInterrupt at once; the file on disk is then
the previous complete checkpoint (writes are atomic, agents.common.checkpoint).
"""

from __future__ import annotations

import csv
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

TENSORBOARD_DIR = "tensorboard"
"""Sub-directory of the run directory that holds the TensorBoard event files."""
SUMMARY = "summary.json"
"""File of the run directory with the step counter and the simulator restarts."""
RESTARTS = "simulator_restarts"
"""Column (progress.csv), scalar (TensorBoard ``train/simulator_restarts``) and summary
key: simulator failures that ``--auto-restart`` absorbed, over this run and those it
resumes."""


class StopOnSignal:
    """Context manager: SIGINT / SIGTERM request a stop instead of killing the loop."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopOnSignal:
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def __call__(self) -> bool:
        """True once a stop has been requested."""
        return self.signum is not None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt
        self.signum = signum
        print(f"\n{signal.Signals(signum).name}: stopping after this step "
              "(again to abandon the checkpoint)", file=sys.stderr)

    @property
    def exit_code(self) -> int:
        """0 when no signal came, else 128 + its number."""
        return 0 if self.signum is None else 128 + self.signum


class SimulatorRestarts:
    """Callable: the restarts so far of ``env``'s simulators (``Ns3Env.restarts``, summed
    over the sub-envs of a vector env) plus those recorded in the summary of the run it
    resumes."""

    def __init__(self, env: Any, out: Path, resume: bool):
        self._env, self.earlier = env, 0
        summary = out / SUMMARY
        if resume and summary.is_file():
            self.earlier = int(json.loads(summary.read_text()).get(RESTARTS, 0))

    def __call__(self) -> int:
        env = self._env
        counts = (env.get_attr("restarts") if hasattr(env, "get_attr")
                  else [env.get_wrapper_attr("restarts")])
        return self.earlier + int(sum(counts))


def write_summary(directory: Any, steps: int, restarts: int) -> None:
    """``summary.json`` through ``directory.write_json`` (a run directory, written atomically)."""
    directory.write_json(SUMMARY, {"steps": steps, RESTARTS: restarts})


class TrainingLog:
    """Per-step scalars to ``progress.csv`` and TensorBoard; a line to stderr every
    ``every`` steps with the step, mean reward and losses since the last line, speed and
    ETA. The CSV header is written once per file, so a resumed run appends to it."""

    def __init__(self, out: Path, columns: list[str], total: int, every: int = 100,
                 stream: TextIO | None = None):
        from torch.utils.tensorboard import SummaryWriter

        self.columns, self.total, self.every = columns, total, max(every, 1)
        self.stream = stream or sys.stderr
        path = out / "progress.csv"
        fresh = not path.is_file() or path.stat().st_size == 0
        self._file = open(path, "a", newline="")  # noqa: SIM115 - closed in close()
        self._csv = csv.writer(self._file)
        if fresh:
            self._csv.writerow(["step", *columns])
        self.tensorboard = SummaryWriter(str(out / TENSORBOARD_DIR))
        self._window: dict[str, list[float]] = {}
        self._started = time.monotonic()
        self._first_step: int | None = None
        self._printed = 0

    def record(self, step: int, values: dict[str, float]) -> None:
        if self._first_step is None:
            self._first_step = self._printed = step - 1
        self._csv.writerow([step, *(values.get(c, "") for c in self.columns)])
        for name, value in values.items():
            self.tensorboard.add_scalar(f"train/{name}", value, step)
            self._window.setdefault(name, []).append(value)
        if step // self.every > self._printed // self.every or step >= self.total:
            self._print(step)  # N sub-envs move the counter by N: print on crossing

    def _print(self, step: int) -> None:
        self._printed = step
        done = step - (self._first_step or 0)
        rate = done / max(time.monotonic() - self._started, 1e-9)
        means = {k: sum(v) / len(v) for k, v in self._window.items() if v}
        parts = [f"{k} {means[k]:.4g}" for k in ("reward", *self.columns) if k in means]
        eta = max(self.total - step, 0) / max(rate, 1e-9)
        print(f"step {step}/{self.total} ({100 * step / self.total:.0f}%)  "
              f"{'  '.join(dict.fromkeys(parts))}  {rate:.1f} steps/s  ETA {_duration(eta)}",
              file=self.stream, flush=True)
        self.tensorboard.add_scalar("train/steps_per_s", rate, step)
        self._window.clear()
        self._file.flush()  # progress.csv is complete up to the line just printed

    def close(self) -> None:
        self._file.close()
        self.tensorboard.close()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"

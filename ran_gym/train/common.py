"""What every trainer of ``ran-gym train`` shares: the step budget and output directory,
its lock, the env options, vector-env workers, and the stop on a signal."""

from __future__ import annotations

import argparse
import contextlib
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bridge.scenarios import parse_params
from ran_gym.rundir import LOCK_NAME, RunDirectory


class Interrupted(Exception):
    """A trainer stopped on SIGINT/SIGTERM after writing its checkpoint."""

    def __init__(self, checkpoint: Path, exit_code: int):
        super().__init__(f"interrupted; checkpoint: {checkpoint}")
        self.checkpoint, self.exit_code = checkpoint, exit_code


def worker_env(make: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``make(*args, **kwargs)`` in a vector env's worker process, which leaves SIGINT
    to the trainer: Ctrl-C reaches the whole process group, and the trainer stops at a
    step boundary and closes the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return make(*args, **kwargs)


def bridge_options(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """The env options a trainer's arguments ask for: where the simulator runs, and
    (``--traces``) ns-3's per-episode traces in the output directory."""
    from ran_gym.run import TRACE_FLAG

    options: dict[str, Any] = {"runtime": args.runtime,
                               "auto_restart": getattr(args, "auto_restart", False)}
    if args.traces and args.scenario in TRACE_FLAG:
        options.update(run_dir=out, extra_args=[TRACE_FLAG[args.scenario]])
    return options


def prepare_training(args: argparse.Namespace) -> tuple[int, Path, dict[str, str]]:
    """What every trainer does first: the step budget (default 1000, checked), the
    output directory (created) and the scenario parameters; one intra-op thread for
    torch, whose small networks run beside the ns-3 process."""
    import torch

    steps = args.iterations or 1000
    if steps < 1:
        raise ValueError(f"--iterations must be >= 1, got {steps}")
    for flag, low in (("num_envs", 1), ("checkpoint_every", 0), ("log_every", 1)):
        if getattr(args, flag, low) < low:
            raise ValueError(f"--{flag.replace('_', '-')} must be >= {low}, "
                             f"got {getattr(args, flag)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    return steps, out, parse_params(args.param)


@contextlib.contextmanager
def training_directory(args: argparse.Namespace, out: Path) -> Iterator[RunDirectory]:
    """``--out`` locked for this training (ran_gym.rundir): a training still running there
    is refused, naming its process, with or without ``--resume``; the lock of a killed
    one is taken over. An earlier training there is continued with ``--resume``,
    replaced with ``--overwrite``, and refused otherwise. The lock goes at the end."""
    overwrite = getattr(args, "overwrite", False)
    directory = RunDirectory(out, overwrite=overwrite, resume=not overwrite)
    try:
        earlier = sorted(e.name for e in out.iterdir() if e.name != LOCK_NAME)
        if earlier and not (overwrite or getattr(args, "resume", False)):
            raise ValueError(f"--out {out} holds an earlier training ({', '.join(earlier[:3])}"
                             f"{', ...' if len(earlier) > 3 else ''}); pass --resume to "
                             "continue it or --overwrite to replace it")
        yield directory
    finally:
        directory.release()

"""``ran-gym train``: train an agent for a scenario; writes a checkpoint into --out.

Each (scenario, agent) pair names its training function as ``"module:function"``; the
function takes the parsed arguments and returns the checkpoint path.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bridge.commands import dispatch
from bridge.rundir import LOCK_NAME, RunDirectory

TRAINERS: dict[tuple[str, str], str] = {
    ("interference", "sapd"): "agents.sapd.commands:train_command",
    ("interference", "gdm"): "agents.gdm.commands:train_command",
    ("reference", "diffusion-ql"): "agents.diffusion_ql.commands:train_command",
    ("oran-slicing", "diffusion-ql"): "agents.diffusion_ql.commands:train_command",
    ("reference", "dqn"): "agents.dqn.commands:train_command",
    ("oran-slicing", "dqn"): "agents.dqn.commands:train_command",
    ("oran-slicing", "ss-vae"): "agents.ssvae.commands:train_command",
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("train", help="train an agent (checkpoint into --out)")
    parser.add_argument("--scenario", required=True, help="scenario name")
    parser.add_argument("--agent", required=True, help="agent to train")
    parser.add_argument("--iterations", type=int, default=None, help="training iterations")
    parser.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    parser.add_argument("--dataset", default=None,
                        help="expert data set (Parquet) for imitation learners (gdm)")
    parser.add_argument("--out", required=True, help="directory for the checkpoint")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="scenario parameter; repeatable")
    parser.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in --out")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an earlier training in --out")
    parser.add_argument("--auto-restart", action="store_true",
                        help="a simulator that dies or hangs ends its episode (truncated) "
                             "and training goes on; the restarts are counted")
    parser.add_argument("--runtime", default="native",
                        help="native, docker or launcher:ENDPOINT[@SOCKET_DIR]")
    parser.add_argument("--traces", action="store_true",
                        help="let ns-3 write every episode's traces into --out")
    parser.add_argument("--num-envs", type=int, default=1,
                        help="simulator processes collecting at once (default: 1)")
    parser.add_argument("--checkpoint-every", type=int, default=1000, metavar="STEPS",
                        help="write the checkpoint every STEPS steps; 0: only at the end "
                             "(default: 1000)")
    parser.add_argument("--log-every", type=int, default=100, metavar="STEPS",
                        help="a progress line every STEPS steps (default: 100)")
    parser.add_argument("--cuda-graphs", action="store_true",
                        help="diffusion-ql on CUDA: replay each update as one CUDA graph")
    parser.set_defaults(func=run)


class Interrupted(Exception):
    """A trainer stopped on SIGINT/SIGTERM after writing its checkpoint."""

    def __init__(self, checkpoint: Path, exit_code: int):
        super().__init__(f"interrupted; checkpoint: {checkpoint}")
        self.checkpoint, self.exit_code = checkpoint, exit_code


def run(args: argparse.Namespace) -> int:
    train = dispatch(TRAINERS, (args.scenario, args.agent), "trainer")
    try:
        path: Path = train(args)
    except Interrupted as stop:
        print(f"interrupted; checkpoint: {stop.checkpoint} (--resume continues)")
        return stop.exit_code
    print(f"checkpoint: {path}")
    return 0


def worker_env(make: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``make(*args, **kwargs)`` in a vector env's worker process, which leaves SIGINT
    to the trainer: Ctrl-C reaches the whole process group, and the trainer stops at a
    step boundary and closes the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return make(*args, **kwargs)


def bridge_options(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """The env options a trainer's arguments ask for: where the simulator runs, and
    (``--traces``) ns-3's per-episode traces in the output directory."""
    from bridge.run import TRACE_FLAG

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

    from bridge.commands.run import parse_params

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
    """``--out`` locked for this training (bridge.rundir): a training still running there
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

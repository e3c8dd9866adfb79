"""``ran-gym train``: train an agent for a scenario; writes a checkpoint into --out.

Each (scenario, agent) pair names its training function as ``"module:function"``; the
function takes the parsed arguments and returns the checkpoint path.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

TRAINERS: dict[tuple[str, str], str] = {
    ("interference", "sapd"): "agents.sapd.commands:train_command",
    ("reference", "diffusion-ql"): "agents.diffusion_ql.commands:train_command",
    ("oran-slicing", "diffusion-ql"): "agents.diffusion_ql.commands:train_command",
    ("reference", "dqn"): "agents.dqn.commands:train_command",
    ("oran-slicing", "dqn"): "agents.dqn.commands:train_command",
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("train", help="train an agent (checkpoint into --out)")
    parser.add_argument("--scenario", required=True, help="scenario name")
    parser.add_argument("--agent", required=True, help="agent to train")
    parser.add_argument("--iterations", type=int, default=None, help="training iterations")
    parser.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    parser.add_argument("--out", required=True, help="directory for the checkpoint")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="scenario parameter; repeatable")
    parser.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in --out")
    parser.add_argument("--runtime", default="native",
                        help="native, docker or launcher:ENDPOINT[@SOCKET_DIR]")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    key = (args.scenario, args.agent)
    if key not in TRAINERS:
        known = ", ".join(f"{s}/{a}" for s, a in sorted(TRAINERS))
        raise ValueError(f"no trainer for scenario {args.scenario!r} with agent "
                         f"{args.agent!r}; known: {known}")
    module, _, function = TRAINERS[key].partition(":")
    train: Any = getattr(importlib.import_module(module), function)
    path: Path = train(args)
    print(f"checkpoint: {path}")
    return 0

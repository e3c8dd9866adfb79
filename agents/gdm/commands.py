"""The GDM entry of ``ran-gym train``: imitation of an expert data set.

``ran-gym train --scenario interference --agent gdm --dataset FILE --out DIR
[--iterations N] [--seed S] [--device D]`` writes DIR/policy.pt and DIR/config.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import pandas as pd

from agents.gdm.train import GdmTrainConfig, expert_data, save_trained, train_gdm


def train_command(args: argparse.Namespace) -> Path:
    dataset = getattr(args, "dataset", None)
    if not dataset:
        raise ValueError("gdm imitates an expert: pass --dataset FILE (ran-gym dataset "
                         "--scenario interference --solver sapd --out FILE)")
    config = GdmTrainConfig(seed=args.seed, device=args.device,
                            **({"iterations": args.iterations} if args.iterations else {}))
    data = expert_data(pd.read_parquet(dataset), config.pmax_w, config.policy.duals)
    policy, state = train_gdm(config, data, progress=sys.stderr)
    out = Path(args.out)
    save_trained(policy, config, state, out / "policy.pt")
    resolved = {**dataclasses.asdict(config), "dataset": str(dataset), "samples": len(data.cond)}
    (out / "config.json").write_text(json.dumps(resolved, indent=2) + "\n")
    return out / "policy.pt"

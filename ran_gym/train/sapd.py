"""The SA-PD entry of ``ran-gym train``: the expert trained on the twin."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from agents.sapd.train import SapdTrainConfig, save_checkpoint, train_sapd


def train_command(args: argparse.Namespace) -> Path:
    """Trains on the twin; writes DIR/policy.pt and DIR/config.json."""
    config = SapdTrainConfig(seed=args.seed, **({"iterations": args.iterations}
                                                 if args.iterations else {}))
    policy = train_sapd(config, progress=sys.stderr)
    out = Path(args.out)
    save_checkpoint(policy, config, out / "policy.pt")
    (out / "config.json").write_text(json.dumps(dataclasses.asdict(config), indent=2) + "\n")
    return out / "policy.pt"

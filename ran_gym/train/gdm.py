"""The GDM entry of ``ran-gym train``: imitation of an expert data set.

``ran-gym train --scenario interference --agent gdm --dataset FILE --out DIR
[--iterations N] [--seed S] [--device D]`` writes DIR/policy.pt and DIR/config.json.
The variant conditioned on the expert's duals as well (executed with the expert's dual
dynamics): ``python -m ran_gym.train.gdm --duals --dataset FILE --out DIR``;
``--power-map sqrt`` diffuses sqrt(p / Pmax) instead of p / Pmax (finer near p = 0).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import pandas as pd

from agents.gdm.policy import POWER_MAPS, GdmConfig
from agents.gdm.train import GdmTrainConfig, expert_data, save_trained, train_gdm


def train_command(args: argparse.Namespace) -> Path:
    dataset = getattr(args, "dataset", None)
    if not dataset:
        raise ValueError("gdm imitates an expert: pass --dataset FILE (ran-gym dataset "
                         "--scenario interference --solver sapd --out FILE)")
    dither = float(getattr(args, "dual_dither", None) or 1.0)
    shape = {name: getattr(args, name) for name in ("hidden", "layers", "taps")
             if getattr(args, name, None) is not None}
    network = GdmConfig(duals=bool(getattr(args, "duals", False)), dual_dither=dither,
                        power_map=getattr(args, "power_map", None) or "affine", **shape)
    config = GdmTrainConfig(policy=network, seed=args.seed, device=args.device,
                            **({"iterations": args.iterations} if args.iterations else {}))
    frames = [pd.read_parquet(path) for path in str(dataset).split(",")]
    data = expert_data(pd.concat(frames, ignore_index=True), config.pmax_w,
                       config.policy.duals, "mu_seen" if dither < 1 else "mu")
    policy, state = train_gdm(config, data, progress=sys.stderr)
    out = Path(args.out)
    save_trained(policy, config, state, out / "policy.pt")
    resolved = {**dataclasses.asdict(config), "dataset": str(dataset), "samples": len(data.cond)}
    (out / "config.json").write_text(json.dumps(resolved, indent=2) + "\n")
    return out / "policy.pt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", required=True,
                        help="data set file, or several joined by commas (e.g. the expert's "
                             "and ran_gym.dataset.dagger's)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--duals", action="store_true", help="condition on the duals mu too")
    parser.add_argument("--dual-dither", type=float, default=None,
                        help="with --duals: condition on the expert's dithered duals "
                             "(mu_seen), drawn at run time with u ~ U[this, 1]")
    parser.add_argument("--power-map", choices=POWER_MAPS, default="affine",
                        help="map of powers onto the diffusion space: affine 2p/Pmax - 1 "
                             "(default) or sqrt 2 sqrt(p/Pmax) - 1 (finer near p = 0)")
    parser.add_argument("--hidden", type=int, default=None, help="features per node (64)")
    parser.add_argument("--layers", type=int, default=None, help="graph-convolution layers (3)")
    parser.add_argument("--taps", type=int, default=None, help="filter taps K per layer (2)")
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    print(f"checkpoint: {train_command(parser.parse_args())}")


if __name__ == "__main__":
    main()

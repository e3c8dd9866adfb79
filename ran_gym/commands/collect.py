"""``ran-gym collect``: behaviour policies' transitions in the slicing scenario, to Parquet
(ran_gym.dataset.collect)."""

from __future__ import annotations

import argparse

from ran_gym.commands import paths
from ran_gym.commands.run import add_scenario_arguments
from ran_gym.commands.train import add_rollout_arguments


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("collect", help="roll out behaviour policies, transitions to "
                                            "Parquet (oran-slicing, oran-slicing-twin)")
    add_scenario_arguments(parser)
    parser.add_argument("--policy", required=True,
                        help="agents, comma-separated, each optionally NAME:noise=S (e.g. "
                             "qos-greedy,qos-greedy:noise=0.3,random), or "
                             "NAME:power-noise=S (the noise on the power entries "
                             "alone); episodes alternate "
                             "between them; A+B alternates A and B step by step within an "
                             "episode (e.g. diffusion-ql+ue-value)")
    parser.add_argument("--checkpoint", action="append", default=[], metavar="AGENT=PATH",
                        type=paths.agent_path,
                        help="the fit or checkpoint a policy acts from (e.g. "
                             "ue-value=runs/fit/ue-value.json); "
                             "repeatable")
    parser.add_argument("--steps", type=int, required=True,
                        help="transitions to collect (whole episodes: up to one batch more)")
    parser.add_argument("--num-envs", type=int, default=1,
                        help="simulators collecting at once (default: 1)")
    add_rollout_arguments(parser)
    parser.add_argument("--seed", type=int, default=0,
                        help="episode i has reset seed SEED + i (default: 0)")
    parser.add_argument("--out", required=True, type=paths.path,
                        help="directory of the collection")
    parser.add_argument("--resume", action="store_true",
                        help="continue the collection in --out")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ran_gym.dataset.collect import collect_command

    print(f"collection: {collect_command(args)}")
    return 0

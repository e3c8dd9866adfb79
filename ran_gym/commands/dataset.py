"""``ran-gym dataset``: labelled data sets (optimal or expert actions) in Parquet.

Each (scenario, solver) pair names the function that builds its data set, as
``"module:function"``; the function takes the parsed arguments and returns the path
it wrote.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ran_gym.commands import dispatch, paths

BUILDERS: dict[tuple[str, str], str] = {
    ("interference", "sapd"): "ran_gym.dataset.sapd:dataset_command",
    ("oran-slicing", "esa"): "ran_gym.dataset.slicing:build_esa",
    ("oran-slicing", "milp"): "ran_gym.dataset.slicing:build_milp",
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("dataset", help="build a labelled data set (Parquet)")
    parser.add_argument("--scenario", required=True, help="scenario name")
    parser.add_argument("--solver", required=True, help="what labels the samples")
    parser.add_argument("--n", type=int, default=None, help="number of samples / drops")
    parser.add_argument("--networks", type=int, default=None, help="number of networks")
    parser.add_argument("--steps", type=int, default=None, help="steps per network")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="scenario parameter; repeatable")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default: 0)")
    parser.add_argument("--out", required=True, type=paths.path, help="Parquet file to write")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    build = dispatch(BUILDERS, (args.scenario, args.solver), "data set")
    path: Path = build(args)
    print(f"data set: {path}")
    return 0

"""``ran-gym run``: an agent against a scenario, into a run directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bridge.scenarios import parse_params
from ran_gym.commands import paths


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that starts simulators."""
    parser.add_argument("--scenario", required=True, help="scenario name (`ran-gym scenarios`)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        type=paths.param, help="scenario parameter; repeatable")
    parser.add_argument("--endpoint", default="ipc",
                        help="ipc, tcp, ipc://PATH or tcp://HOST:PORT (default: ipc)")
    parser.add_argument("--timeout", type=float, default=60.0, help="simulator timeout (s)")
    parser.add_argument("--runtime", default="native",
                        help="native, docker (the scenario image) or "
                             "launcher:ENDPOINT[@SOCKET_DIR] (a ran-gym-launcher)")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("run", help="run an agent against a scenario into a run directory")
    add_scenario_arguments(parser)
    parser.add_argument("--agent", default="random", help="agent name (default: random)")
    parser.add_argument("--steps", type=int, default=100, help="environment steps (default: 100)")
    parser.add_argument("--out", required=True, type=paths.path,
                        help="run directory to create")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default: 0)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an earlier run in --out")
    parser.add_argument("--auto-restart", action="store_true",
                        help="a simulator that crashes or hangs ends its episode (truncated) "
                             "and the run goes on with a fresh one")
    parser.add_argument("--allow-all-interfaces", action="store_true",
                        help="permit a tcp --endpoint beyond loopback (default: refused)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ran_gym.run import RunConfig, run

    config = RunConfig(
        scenario=args.scenario, agent=args.agent, steps=args.steps, out=Path(args.out),
        seed=args.seed, params=parse_params(args.param), endpoint=args.endpoint,
        timeout_s=args.timeout, overwrite=args.overwrite, runtime=args.runtime,
        auto_restart=args.auto_restart, allow_all_interfaces=args.allow_all_interfaces,
    )
    print(f"run directory: {run(config, progress=sys.stderr)}")
    return 0

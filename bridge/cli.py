"""The ``ran-gym`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bridge.errors import BridgeError


def _parse_params(pairs: Sequence[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param expects NAME=VALUE, got {pair!r}")
        params[key] = value
    return params


def cmd_scenarios(args: argparse.Namespace) -> int:
    from bridge.scenarios import SCENARIOS  # noqa: PLC0415

    for scenario in SCENARIOS.values():
        program = scenario.binary()
        state = "built" if program.is_file() else "not built (run `make build`)"
        print(f"{scenario.name}  [{program.name}: {state}]\n  {scenario.summary}")
        for p in scenario.params:
            print(f"    {p.name:<16} default {p.default!s:<8} {p.range_text:<18} {p.help}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bridge.run import RunConfig, run  # noqa: PLC0415

    config = RunConfig(
        scenario=args.scenario, agent=args.agent, steps=args.steps, out=Path(args.out),
        seed=args.seed, params=_parse_params(args.param), endpoint=args.endpoint,
        timeout_s=args.timeout, overwrite=args.overwrite,
    )
    path = run(config)
    print(f"run directory: {path}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from bridge.bench import bench_bridge  # noqa: PLC0415

    result = bench_bridge(iterations=args.iterations, warmup=args.warmup)
    print(json.dumps(result, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ran-gym",
        description="ns-3 co-simulation gym for radio resource allocation.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    scenarios = sub.add_parser("scenarios", help="list the scenarios and their parameters")
    scenarios.set_defaults(func=cmd_scenarios)

    run = sub.add_parser("run", help="run an agent against a scenario into a run directory")
    run.add_argument("--scenario", required=True, help="scenario name (see `ran-gym scenarios`)")
    run.add_argument("--agent", default="random", help="agent name (default: random)")
    run.add_argument("--steps", type=int, default=100, help="environment steps (default: 100)")
    run.add_argument("--out", required=True, help="run directory to create")
    run.add_argument("--seed", type=int, default=0, help="base seed (default: 0)")
    run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="scenario parameter; repeatable")
    run.add_argument("--endpoint", default="ipc", help="ipc, tcp, ipc://PATH or tcp://HOST:PORT")
    run.add_argument("--timeout", type=float, default=60.0, help="simulator timeout (s)")
    run.add_argument("--overwrite", action="store_true", help="reuse a non-empty run directory")
    run.set_defaults(func=cmd_run)

    bench = sub.add_parser("bench", help="benchmarks (JSON on stdout)")
    bench.add_argument("suite", choices=["bridge"], help="which benchmark")
    bench.add_argument("--iterations", type=int, default=2000, help="timed iterations")
    bench.add_argument("--warmup", type=int, default=200, help="untimed iterations first")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args: Any = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (BridgeError, ValueError, PermissionError, FileNotFoundError) as err:
        print(f"ran-gym: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ran-gym: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""``ran-gym bench SUITE``: benchmarks, JSON on stdout."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bench", help="benchmarks (JSON on stdout)")
    parser.add_argument("suite", choices=["bridge"], help="which benchmark")
    parser.add_argument("--iterations", type=int, default=2000, help="timed iterations")
    parser.add_argument("--warmup", type=int, default=200, help="untimed iterations first")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bridge.bench import bench_bridge

    if args.iterations < 1 or args.warmup < 0:
        raise ValueError("--iterations must be >= 1 and --warmup >= 0")
    print(json.dumps(bench_bridge(iterations=args.iterations, warmup=args.warmup), indent=2))
    return 0

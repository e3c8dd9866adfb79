"""``ran-gym bench SUITE``: benchmarks, JSON on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ran_gym.bench.suites import SUITES


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bench", help="benchmarks (JSON on stdout)")
    parser.add_argument("suite", choices=[*SUITES, "all"], help="which benchmark")
    parser.add_argument("--iterations", type=int, default=2000, help="timed iterations")
    parser.add_argument("--warmup", type=int, default=200, help="untimed iterations first")
    parser.add_argument("--scenario", choices=["oran-slicing"], default="oran-slicing",
                        help="scenario suite: which scenario")
    parser.add_argument("--sim-seconds", type=float, default=1.0,
                        help="scenario suite: simulated seconds timed per run")
    parser.add_argument("--repeats", type=int, default=1,
                        help="scenario suite: runs per variant (the fastest counts)")
    parser.add_argument("--seed", type=int, default=1, help="scenario suite: the drop's seed")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="scenario and analysis (--simulate) suites: scenario parameter; "
                             "repeatable")
    parser.add_argument("--size-mb", type=float, default=1024.0,
                        help="analysis suite: size of the generated packet trace [MB]")
    parser.add_argument("--dir", type=Path, default=Path("runs/bench-analysis"),
                        help="analysis suite: where the generated trace is written")
    parser.add_argument("--simulate", action="store_true",
                        help="analysis suite: simulate the trace in ns-3 (oran-slicing, "
                             "PF scheduler) instead of generating it")
    parser.add_argument("--trace", type=Path, default=None,
                        help="analysis suite: time the passes on this packets.csv instead "
                             "of making one")
    parser.add_argument("--writer", action="store_true",
                        help="analysis suite: instead, the packet trace's cost inside ns-3 "
                             "(simulator CPU per step with and without traces; --steps, "
                             "--repeats, --param)")
    parser.add_argument("--num-envs", default="1,2,4",
                        help="scaling and learner suites: simulators in one run, N,N,... "
                             "(default 1,2,4)")
    parser.add_argument("--steps", type=int, default=50,
                        help="scaling and learner suites: timed vector steps per N")
    parser.add_argument("--rollouts", choices=("local", "ray"), default="local",
                        help="scaling suite: ray also times N Ray actors beside the local "
                             "vector env (decisions in the learner, and in the actors)")
    parser.add_argument("--ray-address", default=None, metavar="HOST:PORT",
                        help="scaling suite with --rollouts ray: the Ray cluster (default: "
                             "a local Ray on loopback)")
    parser.add_argument("--warmup-steps", type=int, default=3,
                        help="learner suite: untimed vector steps per (device, N) first")
    parser.add_argument("--devices", default=None,
                        help="learner suite: the learner's devices, cpu,cuda (default: cpu, "
                             "and cuda where torch sees a GPU)")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="learner suite: torch intra-op threads (ran-gym train uses 1)")
    parser.add_argument("--cuda-graphs", action="store_true",
                        help="learner suite: the CUDA learner replays each update as a CUDA "
                             "graph (ran-gym train --cuda-graphs)")
    parser.add_argument("--cells", type=int, default=16, help="sweep suite: tiny cells run")
    parser.add_argument("--suites", default=",".join(SUITES),
                        help="all: which suites, in order")
    parser.add_argument("--json", type=Path, default=Path("docs/results/bench-all.json"),
                        help="all: where the results go")
    parser.add_argument("--markdown", type=Path, default=Path("docs/benchmarks.md"),
                        help="all: the file whose generated block is rewritten")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ran_gym.bench.bridge import bench_bridge

    if args.suite in ("scaling", "learner", "sweep", "all"):
        from ran_gym.bench.suites import run as run_more

        return run_more(args)
    if args.suite == "scenario":
        return run_scenario(args)
    if args.suite == "analysis" and args.writer:
        from bridge.scenarios import parse_params
        from ran_gym.bench.analysis import bench_writer

        print(json.dumps(bench_writer(args.dir, args.steps, args.repeats, args.seed,
                                      parse_params(args.param)), indent=2))
        return 0
    if args.suite == "analysis":
        from ran_gym.bench.analysis import bench_analysis

        def progress(steps: int, size: int) -> None:
            print(f"simulated {steps} steps, packets.csv {size / 1e6:.0f} MB", file=sys.stderr)

        from bridge.scenarios import parse_params

        result = bench_analysis(args.dir, args.size_mb, args.seed, simulate=args.simulate,
                                params=parse_params(args.param), progress=progress,
                                trace=args.trace)
        print(json.dumps(result, indent=2))
        return 0
    if args.suite == "agents":
        from ran_gym.bench.agents import bench_agents

        print(json.dumps(bench_agents(iterations=args.iterations, warmup=args.warmup), indent=2))
        return 0

    if args.iterations < 1 or args.warmup < 0:
        raise ValueError("--iterations must be >= 1 and --warmup >= 0")
    print(json.dumps(bench_bridge(iterations=args.iterations, warmup=args.warmup), indent=2))
    return 0


def run_scenario(args: argparse.Namespace) -> int:
    from bridge.scenarios import get_scenario, parse_params
    from ran_gym.bench.scenario import bench_oran_slicing

    if not args.sim_seconds > 0 or args.repeats < 1:
        raise ValueError("--sim-seconds must be > 0 and --repeats >= 1")
    params = get_scenario(args.scenario).resolve(parse_params(args.param))
    overrides = {k: v for k, v in params.items() if k in parse_params(args.param)}
    result = bench_oran_slicing(args.sim_seconds, args.repeats, args.seed, overrides)
    print(json.dumps(result, indent=2))
    return 0

"""``ran-gym bench scaling | learner | sweep | all``.

``all`` runs every suite (bridge, scenario, agents, analysis, scaling, learner, sweep) one after
the other, writes their results into one JSON file and regenerates the block between
:data:`BEGIN` and :data:`END` in docs/benchmarks.md (appended when the file has none;
the rest of the file is left as it is). A suite that fails is recorded with its error
and the others still run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BEGIN = "<!-- ran-gym bench all: begin (generated; edits here are overwritten) -->"
END = "<!-- ran-gym bench all: end -->"
SUITES = ("bridge", "scenario", "agents", "analysis", "scaling", "learner", "sweep")


def num_envs(text: str) -> list[int]:
    """``"1,2,4"`` -> ``[1, 2, 4]``."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--num-envs expects N,N,... (integers >= 1), got {text!r}") from None
    if not values or min(values) < 1:
        raise ValueError(f"--num-envs expects N,N,... (integers >= 1), got {text!r}")
    return values


def run(args: argparse.Namespace) -> int:
    if args.suite == "all":
        return run_all(args)
    print(json.dumps(SUITE_RUNNERS[args.suite](args), indent=2))
    return 0


def _scaling(args: argparse.Namespace) -> dict[str, Any]:
    from bridge.scenarios import parse_params
    from ran_gym.bench.scaling import bench_scaling

    return bench_scaling(num_envs(args.num_envs), args.steps, args.seed,
                         parse_params(args.param), args.repeats,
                         getattr(args, "rollouts", "local"), getattr(args, "ray_address", None))


def _learner(args: argparse.Namespace) -> dict[str, Any]:
    from bridge.scenarios import parse_params
    from ran_gym.bench.learner import bench_learner, resolve_devices

    return bench_learner(num_envs(args.num_envs), resolve_devices(args.devices), args.steps,
                         args.warmup_steps, args.seed, parse_params(args.param),
                         args.torch_threads, args.cuda_graphs)


def _sweep(args: argparse.Namespace) -> dict[str, Any]:
    from ran_gym.bench.sweep import bench_sweep

    return bench_sweep(cells=args.cells)


def _bridge(args: argparse.Namespace) -> dict[str, Any]:
    from ran_gym.bench.bridge import bench_bridge

    return bench_bridge(iterations=args.iterations, warmup=args.warmup)


def _scenario(args: argparse.Namespace) -> dict[str, Any]:
    from ran_gym.bench.scenario import bench_oran_slicing

    return bench_oran_slicing(args.sim_seconds, args.repeats, args.seed)


def _agents(args: argparse.Namespace) -> dict[str, Any]:
    from ran_gym.bench.agents import bench_agents

    return bench_agents()


def _analysis(args: argparse.Namespace) -> dict[str, Any]:
    from ran_gym.bench.analysis import bench_analysis

    return bench_analysis(args.dir, args.size_mb, args.seed)


SUITE_RUNNERS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "bridge": _bridge, "scenario": _scenario, "agents": _agents, "analysis": _analysis,
    "scaling": _scaling, "learner": _learner, "sweep": _sweep,
}


def run_all(args: argparse.Namespace) -> int:
    from ran_gym.bench.markdown import render

    command = "ran-gym " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "ran-gym bench all"
    results: dict[str, Any] = {
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "suites": {}}
    for suite in args.suites.split(","):
        if suite not in SUITE_RUNNERS:
            raise ValueError(f"--suites: unknown suite {suite!r}; known: {', '.join(SUITES)}")
    for suite in args.suites.split(","):
        print(f"bench all: {suite} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            results["suites"][suite] = SUITE_RUNNERS[suite](args)
        except Exception as error:  # noqa: BLE001 - one suite's failure is recorded
            results["suites"][suite] = {"error": f"{type(error).__name__}: {error}"}
        results["suites"][suite]["suite_wall_s"] = round(time.perf_counter() - start, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    write_block(args.markdown, render(results, args.json))
    print(f"bench all: {args.json}; figures in {args.markdown}", file=sys.stderr)
    return 1 if any("error" in r for r in results["suites"].values()) else 0


def write_block(path: Path, block: str) -> None:
    """Replace the generated block of ``path`` (or append one); nothing else changes."""
    text = path.read_text() if path.exists() else ""
    generated = f"{BEGIN}\n{block.rstrip()}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + generated + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + generated + "\n"
    path.write_text(text)

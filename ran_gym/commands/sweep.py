"""``ran-gym sweep --grid FILE.yaml``: every cell of a grid (scenario parameters ×
agents × seeds) as a Ray task, each into its own run directory, then one table
(``results.parquet``) and one report (``report/report.html``). Re-running the same
command skips finished cells and re-does failed ones (ran_gym/sweep/runner.py)."""

from __future__ import annotations

import argparse
import sys

from ran_gym.commands import paths


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sweep", help="a grid of evaluations as Ray tasks, resumable")
    parser.add_argument("--grid", required=True, type=paths.as_path, help="grid file (YAML)")
    parser.add_argument("--out", required=True, type=paths.as_path,
                        help="sweep directory (created, or resumed when it exists)")
    parser.add_argument("--ray-address", default=None,
                        help="an existing Ray cluster (default: a local Ray instance)")
    parser.add_argument("--num-cpus", type=int, default=None,
                        help="CPUs of the local Ray instance (default: all)")
    parser.add_argument("--runtime", default=None,
                        help="override the grid's runtime: native, docker, "
                             "launcher:ENDPOINT[@SOCKET_DIR]")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from ran_gym.sweep import gather, load_grid, report, run_sweep

    grid = load_grid(args.grid)
    if args.runtime:
        grid = dataclasses.replace(grid, runtime=args.runtime)
    outcome = run_sweep(grid, args.out, address=args.ray_address, num_cpus=args.num_cpus)
    table = gather(grid, args.out.resolve())
    page = report(grid, table, args.out.resolve())
    failed = outcome.count("failed")
    print(f"{len(table)} of {len(outcome.status)} cells finished, {failed} failed; "
          f"table: {args.out / 'results.parquet'}; report: {page}")
    if failed:
        print(f"ran-gym sweep: {failed} cells failed (status.csv); run the same command "
              "again to re-do them", file=sys.stderr)
    return 1 if failed else 0

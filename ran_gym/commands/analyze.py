"""``ran-gym analyze RUN_DIR [RUN_DIR ...]``: tables, figures and an HTML report of runs."""

from __future__ import annotations

import argparse
import sys

from ran_gym.commands import paths


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("analyze", help="report (HTML, figures, tables) of run directories")
    parser.add_argument("runs", nargs="+", type=paths.as_path, metavar="RUN_DIR",
                        help="run directories written by ran-gym run or evaluate")
    parser.add_argument("--out", type=paths.as_path, default=None,
                        help="report directory (default: RUN_DIR/analysis of the first run)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """0 with the report written; 1 when some input was not a run directory (named,
    the report written without it); 2 (a ValueError) when none was."""
    from analysis.report import build_report
    from analysis.rundir import not_a_run_directory

    out = args.out if args.out is not None else args.runs[0] / "analysis"
    page = build_report(args.runs, out)
    problems = (out / "problems.txt").read_text().splitlines()
    for line in problems:
        print(f"warning: {line}")
    print(f"report: {page}")
    print(f"tables: {out / 'tables'}")
    rejected = [(p, why) for p in args.runs if (why := not_a_run_directory(p))]
    for path, why in rejected:
        print(f"ran-gym: error: {path}: {why}", file=sys.stderr)
    return 1 if rejected else 0

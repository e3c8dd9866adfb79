"""``ran-gym analyze RUN_DIR [RUN_DIR ...]``: tables, figures and an HTML report of runs."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("analyze", help="report (HTML, figures, tables) of run directories")
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR",
                        help="run directories written by ran-gym run or evaluate")
    parser.add_argument("--out", type=Path, default=None,
                        help="report directory (default: RUN_DIR/analysis of the first run)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analysis.report import build_report

    out = args.out if args.out is not None else args.runs[0] / "analysis"
    page = build_report(args.runs, out)
    problems = (out / "problems.txt").read_text().splitlines()
    for line in problems:
        print(f"warning: {line}")
    print(f"report: {page}")
    print(f"tables: {out / 'tables'}")
    return 0

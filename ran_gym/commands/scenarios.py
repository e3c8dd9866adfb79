"""``ran-gym scenarios``: the scenarios, whether they are built, and their parameters."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("scenarios", help="list the scenarios and their parameters")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bridge.scenarios import SCENARIOS

    for scenario in SCENARIOS.values():
        program = scenario.binary()
        state = "built" if program.is_file() else "not built (run `make build`)"
        print(f"{scenario.name}  [{program.name}: {state}]\n  {scenario.summary}")
        for p in scenario.params:
            print(f"    {p.name:<16} default {p.default!s:<8} {p.range_text:<18} {p.help}")
    return 0

"""The ``ran-gym`` command; each subcommand lives in ``bridge/commands/``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from bridge.commands import COMMANDS
from bridge.errors import BridgeError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ran-gym", description="ns-3 co-simulation gym for radio resource allocation.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args: Any = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (BridgeError, ValueError, OSError) as err:  # OSError: disk full, not writable...
        print(f"ran-gym: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ran-gym: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

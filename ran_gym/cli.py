"""The ``ran-gym`` command; each subcommand lives in ``ran_gym/commands/``.

The subcommands are named here as modules and imported when the parser is built, so
that what runs a command line (a sweep's cell runs ``ran-gym evaluate`` in its worker)
needs only this module.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from bridge.errors import BridgeError

COMMANDS = [
    "ran_gym.commands.scenarios",
    "ran_gym.commands.run",
    "ran_gym.commands.bench",
    "ran_gym.commands.dataset",
    "ran_gym.commands.collect",
    "ran_gym.commands.train",
    "ran_gym.commands.evaluate",
    "ran_gym.commands.table2",
    "ran_gym.commands.analyze",
    "ran_gym.commands.sweep",
]
"""The modules of the subcommands, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ran-gym", description="ns-3 co-simulation gym for radio resource allocation.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # The agents' networks are small and run beside ns-3 processes: one intra-op thread
    # (set before torch is first imported) beats several fighting the simulators for
    # cores; on 2 busy cores several made Diffusion-QL's decisions 40 times slower.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    # NumPy's BLAS was loaded with ``import bridge``, before the variables above: limit its
    # pool at run time too. Its threads spin while ns-3 holds the cores; on 2 busy cores
    # they made the NumPy decision path 8 times slower (518 ms against 63 ms).
    if os.environ["OPENBLAS_NUM_THREADS"] == "1":
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
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

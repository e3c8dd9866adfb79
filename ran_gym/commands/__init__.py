"""The subcommands of ``ran-gym``: one module each, exposing ``register(subparsers)``
(``ran_gym.cli.COMMANDS`` lists them).

A module's ``register`` adds its parser and sets ``func`` to a function taking the
parsed arguments and returning the exit status. Modules are imported when the parser
is built; heavy imports belong inside the command functions.
"""

import importlib
from typing import Any


def dispatch(table: dict[tuple[str, str], str], key: tuple[str, str], what: str) -> Any:
    """The function named ``"module:function"`` in ``table`` for ``key``
    ((scenario, agent or solver)), or a ValueError listing what is known."""
    if key not in table:
        known = ", ".join(f"{a}/{b}" for a, b in sorted(table)) or "none yet"
        raise ValueError(f"no {what} for scenario {key[0]!r} with {key[1]!r}; known: {known}")
    module, _, function = table[key].partition(":")
    return getattr(importlib.import_module(module), function)

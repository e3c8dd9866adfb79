"""The subcommands of ``ran-gym``: one module each, exposing ``register(subparsers)``.

A module's ``register`` adds its parser and sets ``func`` to a function taking the
parsed arguments and returning the exit status. Modules are imported when the parser
is built; heavy imports belong inside the command functions.
"""

COMMANDS = [
    "bridge.commands.scenarios",
    "bridge.commands.run",
    "bridge.commands.bench",
    "bridge.commands.dataset",
    "bridge.commands.train",
    "bridge.commands.evaluate",
    "bridge.commands.analyze",
]

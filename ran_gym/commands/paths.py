"""Paths as the user types them, made absolute once, when the command line is parsed
(``type=`` of the arguments that take one).

A relative path means the directory the command was started in. Made absolute here, it
means the same wherever it goes next: a Docker bind mount (which refuses relative
paths), a simulator started in another directory, a Ray worker, ``config.json``.
"""

from __future__ import annotations

from pathlib import Path

from bridge.scenarios import PATH_PARAMS


def path(text: str) -> str:
    """``text`` as an absolute path (``~`` expanded); an empty one is refused."""
    if not text.strip():
        raise ValueError("an empty path")
    return str(Path(text).expanduser().absolute())


def path_list(text: str) -> str:
    """A comma-separated list of paths, each made absolute."""
    return ",".join(path(item) for item in text.split(",") if item.strip())


def agent_path(text: str) -> str:
    """``AGENT=PATH`` with PATH made absolute (anything else is left for the command's
    own check of the pair)."""
    agent, sep, value = text.partition("=")
    return f"{agent}={path(value)}" if sep and value.strip() else text


def param(text: str) -> str:
    """``NAME=VALUE``; the value made absolute when NAME is a path parameter of a
    scenario (``bridge.scenarios.PATH_PARAMS``) and not ``none``."""
    name, sep, value = text.partition("=")
    if sep and name.strip() in PATH_PARAMS and value.strip() not in ("", "none"):
        return f"{name}={path(value.strip())}"
    return text


def as_path(text: str) -> Path:
    """:func:`path`, as a Path."""
    return Path(path(text))

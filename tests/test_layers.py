"""Imports point only down (docs/architecture.md): what ``lint-imports`` cannot see.

The contracts in pyproject.toml check every import statement. A ``"module:function"``
string (a CLI table, an env's entry point) is imported by name at run time instead, so
it is checked here: it must name a function that exists, in its own layer or a lower one.
And a scenario model must stay cheap to import: no ZeroMQ, no protobuf.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("bridge", "agents", "analysis", "ran_gym")
CONTRACTS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"]
NAMED = re.compile(rf"^({'|'.join(PACKAGES)})(\.\w+)+(:\w+)?$")
"""A string that names one of our modules (``a.b``) or a function in one (``a.b:f``)."""


def _layers(contract: dict) -> list[set[str]]:
    """A layers contract's layers, lowest first, each the set of its modules."""
    return [set(re.split(r"\s*[|:]\s*", layer)) for layer in reversed(contract["layers"])]


TOP = next(_layers(c) for c in CONTRACTS if c["type"] == "layers" and "containers" not in c)
INNER = {c["containers"][0]: _layers(c) for c in CONTRACTS
         if c["type"] == "layers" and "containers" in c}


def layer(module: str) -> tuple[int, int]:
    """(the layer of the module's package, its layer inside that package; 0 where the
    package has no inner layers); a module may use what compares lower or equal. A
    package's root (its ``__init__``) is its front door, above all its inner layers:
    ``bridge`` registers the env ids of every sub-package by string, as Gymnasium's
    ``envs/__init__.py`` does."""
    parts = module.split(".")
    top = next(i for i, names in enumerate(TOP) if parts[0] in names)
    inner = INNER.get(parts[0], [])
    if not inner:
        return top, 0
    if len(parts) == 1:
        return top, len(inner) - 1
    return top, next(i for i, names in enumerate(inner) if parts[1] in names)


def named_strings() -> list[tuple[str, str]]:
    """(the module holding it, the string) for every string constant in our packages that
    names one of our modules or a function in one."""
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            owner = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found += [(owner, node.value) for node in ast.walk(ast.parse(path.read_text()))
                      if isinstance(node, ast.Constant) and isinstance(node.value, str)
                      and NAMED.match(node.value)]
    return found


STRINGS = named_strings()


def test_the_dispatch_tables_are_all_found():
    owners = {owner for owner, _ in STRINGS}
    assert {"bridge", "ran_gym.cli", "ran_gym.commands.train", "ran_gym.commands.dataset",
            "ran_gym.commands.evaluate"} <= owners
    assert ("bridge", "bridge.envs:make_oran_slicing") in STRINGS
    assert ("ran_gym.commands.train", "ran_gym.train.gdm:train_command") in STRINGS


@pytest.mark.parametrize(("owner", "target"), STRINGS, ids=[t for _, t in STRINGS])
def test_a_dispatch_string_names_a_function_in_its_own_layer_or_lower(owner, target):
    module, _, function = target.partition(":")
    named = getattr(importlib.import_module(module), function or "register")  # a subcommand
    assert callable(named)
    assert layer(module) <= layer(owner), f"{owner} names {target}, in a layer above its own"


def test_the_layers_come_from_the_contracts():
    """An upward string would be caught: the order is the contracts' order."""
    assert layer("bridge.envs") < layer("bridge.slicing.twin") < layer("bridge.metrics.slicing")
    assert layer("bridge.metrics.slicing") < layer("agents.common.nn") < layer("agents.registry")
    assert layer("agents.sapd.agent") < layer("agents.gdm.agent") == layer("agents.dqn.agent")
    assert layer("analysis.metrics")[0] == layer("agents.registry")[0] < layer("ran_gym.cli")[0]
    assert not layer("ran_gym.train.gdm") <= layer("bridge")


def _loaded_by(statement: str) -> set[str]:
    """The top-level modules ``statement`` loads in a fresh interpreter (-X importtime)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", statement],
                            capture_output=True, text=True, check=True, cwd=REPO)
    return {line.rsplit("|", 1)[1].strip().split(".")[0]
            for line in result.stderr.splitlines() if line.startswith("import time:")}


def test_a_scenario_model_loads_neither_zmq_nor_protobuf():
    heavy = {"zmq", "google"}  # google: protobuf
    assert _loaded_by("import bridge.slicing.twin") & heavy == set()
    assert _loaded_by("import bridge.twins.interference, bridge.metrics.slicing") & heavy == set()
    assert _loaded_by("import bridge.envs") >= heavy  # what the models are spared


def test_an_agent_package_does_not_load_the_registry():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, agents.common.diffusion; "
         "print(' '.join(m for m in sys.modules if m.startswith(('agents.', 'bridge.'))))"],
        capture_output=True, text=True, check=True, cwd=REPO).stdout.split()
    assert "agents.common.diffusion" in loaded
    assert not [m for m in loaded if m.startswith(("agents.registry", "agents.gdm", "bridge.env"))]

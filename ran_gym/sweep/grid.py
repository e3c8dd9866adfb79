"""A sweep's grid: scenario parameters × agents × seeds, read from a YAML file.

```yaml
scenario: oran-slicing
params: {maxSteps: 20}          # every cell
sweep:                          # every combination of these values
  nUes: [5, 10, 15, 20, 25, 30, 35]
tied: {}                        # parameters that take a swept one's value, e.g.
                                # {urllcMaxPaDb: embbMaxPaDb} (one axis, several knobs)
agents:                         # AGENTS names; a checkpoint where the agent loads one
  - random
  - {name: diffusion-ql, checkpoint: runs/dql/checkpoint.pt}
seeds: [0, 1, 2]                # or {first: 0, count: 3}
episodes: 1                     # per cell, episode k seeded with seed + k
steps: null                     # per episode (null: until it ends)
runtime: native                 # native, docker, launcher:ENDPOINT[@SOCKET_DIR]
report: {x: nUes, metrics: [mean_reward_rate_mbps]}
```

A cell is one agent evaluated on one parameter set with one seed (``ran-gym evaluate``
with one agent). Its id is derived from what it runs, so the same cell keeps its run
directory when the grid grows and a re-run finds it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.registry import AGENTS
from bridge.scenarios import get_scenario

KEYS = {"scenario", "params", "sweep", "tied", "agents", "seeds", "episodes", "steps", "runtime",
        "timeout", "cpus_per_cell", "report"}


@dataclass(frozen=True)
class Cell:
    """One evaluation: an agent on a parameter set with a seed."""

    scenario: str
    """Scenario name."""
    params: tuple[tuple[str, Any], ...]
    """Scenario parameters as given (fixed and swept), sorted by name."""
    agent: str
    """Agent name from the AGENTS registry."""
    checkpoint: str | None
    """Checkpoint the agent loads, or None."""
    seed: int
    """Base seed: episode k is reset with seed + k."""
    episodes: int
    """Episodes evaluated."""
    steps: int | None
    """Steps per episode (None: until the episode ends)."""
    runtime: str
    """Where the simulators run (``ran-gym evaluate --runtime``)."""
    timeout_s: float
    """Simulator timeout in seconds."""

    @property
    def cell_id(self) -> str:
        """Readable and unique: agent, parameters, seed and a digest of the whole cell."""
        digest = hashlib.sha1(json.dumps(
            [self.scenario, self.params, self.agent, self.checkpoint, self.seed,
             self.episodes, self.steps], default=str).encode()).hexdigest()[:8]
        return re.sub(r"[^A-Za-z0-9._=-]", "_", f"{self.agent}-s{self.seed}-{digest}")

    def describe(self) -> dict[str, Any]:
        return {"cell": self.cell_id, "scenario": self.scenario, "agent": self.agent,
                "checkpoint": self.checkpoint, "seed": self.seed, **dict(self.params)}


@dataclass(frozen=True)
class Grid:
    """A parsed grid file (module docstring)."""

    scenario: str
    """Scenario of every cell."""
    params: dict[str, Any] = field(default_factory=dict)
    """Parameters of every cell."""
    sweep: dict[str, list[Any]] = field(default_factory=dict)
    """Swept parameters and their values (every combination)."""
    tied: dict[str, str] = field(default_factory=dict)
    """Parameter -> the swept parameter whose value it takes in every cell."""
    agents: tuple[tuple[str, str | None], ...] = (("random", None),)
    """(agent name, checkpoint or None) pairs."""
    seeds: tuple[int, ...] = (0,)
    """Base seeds."""
    episodes: int = 1
    """Episodes per cell."""
    steps: int | None = None
    """Steps per episode (None: until it ends)."""
    runtime: str = "native"
    """native, docker or launcher:ENDPOINT[@SOCKET_DIR]."""
    timeout_s: float = 60.0
    """Simulator timeout in seconds."""
    cpus_per_cell: float = 1.0
    """CPUs Ray reserves per cell (a simulator and an agent)."""
    report: dict[str, Any] = field(default_factory=dict)
    """``x`` (the swept parameter on the x axis) and ``metrics`` to draw."""

    def cells(self) -> list[Cell]:
        names = sorted(self.sweep)
        out = []
        for values in itertools.product(*(self.sweep[n] for n in names)):
            swept = dict(zip(names, values, strict=True))
            swept.update({name: swept[source] for name, source in self.tied.items()})
            params = tuple(sorted({**self.params, **swept}.items()))
            for (agent, checkpoint), seed in itertools.product(self.agents, self.seeds):
                out.append(Cell(self.scenario, params, agent, checkpoint, seed,
                                self.episodes, self.steps, self.runtime, self.timeout_s))
        return out


def load_grid(path: str | Path) -> Grid:
    import yaml  # noqa: PLC0415 - only sweeps read YAML

    text = Path(path).read_text()
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a grid file is a YAML mapping, got {type(data).__name__}")
    return parse_grid(data, str(path))


def parse_grid(data: dict[str, Any], where: str = "grid") -> Grid:
    """The grid in ``data``; every cell's parameters are checked here, before any run."""
    unknown = set(data) - KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; known: {sorted(KEYS)}")
    if "scenario" not in data:
        raise ValueError(f"{where}: 'scenario' is required")
    sweep = data.get("sweep") or {}
    for name, values in sweep.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"{where}: sweep.{name} must be a non-empty list")
    raw_tied = data.get("tied") or {}
    if not isinstance(raw_tied, dict):
        raise ValueError(f"{where}: tied must be a mapping {{parameter: swept parameter}}")
    tied = {str(k): str(v) for k, v in raw_tied.items()}
    fixed = data.get("params") or {}
    for name, source in tied.items():
        if source not in sweep or name in sweep or name in fixed or name in tied.values():
            raise ValueError(f"{where}: tied.{name}: {source!r} must be a swept parameter "
                             f"({', '.join(sorted(sweep)) or 'none'}) and {name!r} neither "
                             "swept, fixed in params, nor tied to")
    grid = Grid(
        scenario=str(data["scenario"]), params=dict(data.get("params") or {}), sweep=sweep,
        tied=tied,
        agents=_agents(data.get("agents", ["random"]), where),
        seeds=_seeds(data.get("seeds", [0]), where),
        episodes=_positive(data, "episodes", 1, where),
        steps=None if data.get("steps") is None else _positive(data, "steps", 1, where),
        runtime=str(data.get("runtime", "native")),
        timeout_s=float(data.get("timeout", 60.0)),
        cpus_per_cell=float(data.get("cpus_per_cell", 1.0)), report=data.get("report") or {})
    x = grid.report.get("x")
    if x is not None and x not in sweep:
        raise ValueError(f"{where}: report.x must be a swept parameter "
                         f"({', '.join(sorted(sweep)) or 'none'}), got {x!r}")
    spec = get_scenario(grid.scenario)
    for cell in grid.cells():
        try:
            spec.resolve(dict(cell.params))
        except ValueError as error:
            raise ValueError(f"{where}: cell {cell.describe()}: {error}") from None
    return grid


def _agents(value: Any, where: str) -> tuple[tuple[str, str | None], ...]:
    out = []
    for item in value if isinstance(value, list) else [value]:
        name, checkpoint = (item, None) if isinstance(item, str) else (
            item.get("name"), item.get("checkpoint"))
        if name not in AGENTS:
            raise ValueError(f"{where}: agents: unknown agent {name!r}; "
                             f"known: {', '.join(sorted(AGENTS))}")
        out.append((str(name), None if checkpoint is None else str(checkpoint)))
    if not out:
        raise ValueError(f"{where}: agents must list at least one agent")
    return tuple(out)


def _seeds(value: Any, where: str) -> tuple[int, ...]:
    if isinstance(value, dict):
        if set(value) != {"first", "count"} or int(value["count"]) < 1:
            raise ValueError(f"{where}: seeds must be a list or {{first: S, count: N >= 1}}")
        return tuple(range(int(value["first"]), int(value["first"]) + int(value["count"])))
    seeds = tuple(int(s) for s in (value if isinstance(value, list) else [value]))
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"{where}: seeds must be a non-empty list without repeats")
    return seeds


def _positive(data: dict[str, Any], key: str, default: int, where: str) -> int:
    value = int(data.get(key, default))
    if value < 1:
        raise ValueError(f"{where}: {key} must be >= 1, got {value}")
    return value

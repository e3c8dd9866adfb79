"""One run directory into tables: every trace it holds, episode by episode.

A file that cannot be read becomes a line in ``problems`` naming it; the tables of
everything else are still built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import captures, crosscheck, metrics, stream, traces
from analysis.runs import Run, load_run

RUN_KEYS = ("scenario", "agent", "seed", "params")  # config.json keys this version needs
LARGE_TRACE_BYTES = 256 << 20  # packet traces above this are streamed, not loaded


@dataclass
class RunTables:
    """What one run directory gave."""

    path: Path
    """The run directory."""
    config: dict[str, Any] = field(default_factory=dict)
    """Its resolved config (``config.json``); empty when unreadable."""
    run: Run | None = None
    """The step table and seeds, None when they could not be read."""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Name -> table, every table with ``episode`` as a column."""
    problems: list[str] = field(default_factory=list)
    """One line per file that could not be read, naming it."""
    steps: pd.DataFrame | None = None
    """The rows of ``steps.parquet`` that belong to this agent and seed."""
    traces: list[int] | None = None
    """Trace episode numbers that belong to it; None: every one in the directory."""

    @property
    def label(self) -> str:
        return f"{self.config.get('agent', '?')}/seed{self.config.get('seed', '?')}"


RUN_FILES = ("config.json", "steps.parquet", "progress.csv")
"""A directory holding one of these is a run directory (run, evaluate, train)."""


def not_a_run_directory(path: str | Path) -> str | None:
    """Why ``path`` is not a run directory of ran-gym, or None when it is one."""
    path = Path(path)
    if not path.exists():
        return "no such directory"
    if not path.is_dir():
        return "not a directory"
    if not any((path / name).is_file() for name in RUN_FILES):
        return f"not a run directory (none of {', '.join(RUN_FILES)} in it)"
    return None


def read_paths(path: str | Path) -> list[RunTables]:
    """The agent x seed units of a directory: one for ``ran-gym run``, one per agent
    and episode for ``ran-gym evaluate`` (K episodes per seed s, seeds s, s + 1, ...;
    before ``--seeds``, episode k had seed + k) and for a directory of the former
    ``ran-gym compare`` (K episodes per seed, each labelled s)."""
    config_path = Path(path) / "config.json"
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError):
        config = {}
    if isinstance(config, dict) and "agents" in config:
        return _evaluation(Path(path), config)
    return [read_run(path)]


def read_run(path: str | Path) -> RunTables:
    """Every table the run directory ``path`` gives."""
    out = RunTables(Path(path))
    if not out.path.is_dir():
        out.problems.append(f"{out.path}: not a directory")
        return out
    out.config = _config(out)
    try:
        out.run = load_run(out.path)
        out.steps = out.run.steps
        if out.run.steps.empty:
            out.problems.append(f"{out.path / 'steps.parquet'}: empty run (no steps)")
    except (OSError, ValueError) as error:
        out.problems.append(str(error))
    _read_traces(out)
    return out


def _read_traces(out: RunTables) -> None:
    readers = {"oran-slicing": _slicing, "interference": _interference,
               "reference": _reference}
    scenario = out.config.get("scenario")
    if scenario in readers:
        readers[scenario](out)


def _evaluation(path: Path, config: dict[str, Any]) -> list[RunTables]:
    agents = [a for a in str(config["agents"]).split(",") if a]
    episodes, seed = int(config.get("episodes", 1)), int(config.get("seed", 0))
    seeds = [seed + k for k in range(episodes)]
    if isinstance(config.get("seeds"), list):  # K episodes per seed
        step = 0 if config.get("command") == "compare" else 1
        seeds = [int(s) + step * k for s in config["seeds"] for k in range(episodes)]
        episodes = len(seeds)
    try:
        steps: pd.DataFrame | None = pd.read_parquet(path / "steps.parquet")
    except (OSError, ValueError) as error:
        steps, problem = None, f"{path / 'steps.parquet'}: unreadable ({error})"
    units = []
    for i, agent in enumerate(agents):
        for k in range(episodes):
            unit = RunTables(path, config={**config, "agent": agent, "seed": seeds[k]},
                             traces=[i * episodes + k])  # numbered in run order
            if steps is None:
                unit.problems.append(problem)
            else:
                unit.steps = steps[(steps["agent"] == agent) & (steps["episode"] == k)]
            _read_traces(unit)
            units.append(unit)
    return units


def _config(out: RunTables) -> dict[str, Any]:
    path = out.path / "config.json"
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        out.problems.append(f"{path}: unreadable ({error})")
        return {}
    if not isinstance(config, dict):
        out.problems.append(f"{path}: not a JSON object")
        return {}
    missing = [k for k in RUN_KEYS if k not in config]
    if missing:
        out.problems.append(f"{path}: a run directory of another ran-gym version "
                            f"(missing keys {missing})")
    return config


def _add(out: RunTables, name: str, episode: int, frame: pd.DataFrame) -> None:
    frame = frame.assign(episode=episode)
    old = out.tables.get(name)
    out.tables[name] = frame if old is None else pd.concat([old, frame], ignore_index=True)


def _episodes(out: RunTables, pattern: str) -> list[tuple[int, Path]]:
    found = [(int(p.name.split("-")[-1].split(".")[0]), p)
             for p in sorted(out.path.glob(pattern))]
    if out.traces is not None:
        found = [(e, p) for e, p in found if e in out.traces]
    if not found:
        out.problems.append(f"{out.path}: no trace files ({pattern})")
    return found


def _slicing(out: RunTables) -> None:
    step_s = float(out.config.get("params", {}).get("stepMs", 10)) / 1e3
    for episode, d in _episodes(out, "traces-episode-*"):
        steps = _try(out, traces.load_slicing_steps, d / "steps.csv")
        if steps is not None:
            _add(out, "ue_steps", episode, steps)
        path = d / "packets.csv"
        if path.is_file() and path.stat().st_size > LARGE_TRACE_BYTES and steps is not None:
            _large_packet_tables(out, episode, path, steps, step_s)
        else:
            _packet_tables(out, episode, path, steps, step_s)
        _lte_tables(out, episode, d)
        allocation = _try(out, traces.load_allocation, d / "allocation.csv")
        if allocation is not None:
            _add(out, "allocation", episode, allocation)
            _add(out, "prb_utilisation", episode,
                 metrics.prb_utilisation(allocation, step_ttis=round(step_s * 1e3)))


def _packet_tables(out: RunTables, episode: int, path: Path, steps: pd.DataFrame | None,
                   step_s: float) -> None:
    packets = _try(out, traces.load_packets, path)
    if packets is None:
        return
    edges = (np.unique(steps["time_s"].to_numpy()) if steps is not None and len(steps)
             else _edges_from(packets, step_s))
    _add(out, "slice_throughput", episode, metrics.throughput_series(packets, edges, by="slice"))
    _add(out, "ue_throughput", episode, metrics.throughput_series(packets, edges))
    _add(out, "delay_percentiles", episode, metrics.delay_percentiles(packets))
    _add(out, "loss", episode, metrics.loss(packets))
    _add(out, "jitter", episode, metrics.jitter(packets))
    rx = packets[packets["event"] == "rx"]
    _add(out, "delays", episode, rx[["slice", "ue", "delay_ms"]].reset_index(drop=True))


def _large_packet_tables(out: RunTables, episode: int, path: Path, steps: pd.DataFrame,
                         step_s: float) -> None:
    """One streaming pass: slice throughput and delay percentiles (to the histogram's
    DELAY_BIN_MS); per-packet tables (CDF, loss, jitter) are left out."""
    edges = np.unique(steps["time_s"].to_numpy())
    try:
        summary = stream.summarise_packets(path, step_s, start_s=float(edges[0]))
    except traces.TraceError as error:
        out.problems.append(str(error))
        return
    per = summary.per_step[(summary.per_step["step"] >= 1)
                           & (summary.per_step["step"] < len(edges))]
    _add(out, "slice_throughput", episode,
         per.assign(throughput_mbps=per["rx_bytes"] * 8.0 / step_s / 1e6))
    rows = [{"slice": name, "packets": int(hist.sum()),
             **{f"p{q:g}_ms": summary.delay_percentile(name, q) for q in metrics.PERCENTILES}}
            for name, hist in summary.delay_hist.items()]
    _add(out, "delay_percentiles", episode, pd.DataFrame(rows))
    out.problems.append(f"{path}: {path.stat().st_size / 1e6:.0f} MB, summarised in one "
                        "streaming pass (per-packet CDF, loss and jitter tables left out)")


def _lte_tables(out: RunTables, episode: int, d: Path) -> None:
    flows = _try(out, captures.load_flowmon, d / "flowmon.xml")
    if flows is not None:
        _add(out, "flows", episode, flows)
    pdcp = _try(out, traces.load_lte_stats, d / "DlPdcpStats.txt")
    if pdcp is not None:
        _add(out, "pdcp", episode, crosscheck.pdcp_bytes(pdcp))
    phy = _try(out, traces.load_lte_stats, d / "DlRxPhyStats.txt")
    if phy is not None:
        _add(out, "phy", episode, crosscheck.phy_summary(phy))


def _edges_from(packets: pd.DataFrame, step_s: float) -> np.ndarray:
    times = packets["time_s"].to_numpy()
    if len(times) == 0:
        return np.zeros(1)
    start = np.floor(times.min() / step_s) * step_s
    return start + step_s * np.arange(int(np.ceil((times.max() - start) / step_s)) + 1)


def _interference(out: RunTables) -> None:
    for episode, path in _episodes(out, "trace-episode-*.csv"):
        trace = _try(out, traces.load_interference_steps, path)
        if trace is not None:
            _add(out, "pair_steps", episode, trace)
            _add(out, "ergodic_rates", episode, metrics.ergodic_rates(trace))


def _reference(out: RunTables) -> None:
    for episode, path in _episodes(out, "trace-episode-*.csv"):
        trace = _try(out, traces.load_reference_steps, path)
        if trace is not None:
            _add(out, "link_steps", episode, trace)


def _try(out: RunTables, loader: Any, path: Path) -> Any:
    try:
        return loader(path)
    except traces.TraceError as error:
        out.problems.append(str(error))
        return None


def seed_row(run: RunTables) -> dict[str, Any]:
    """One row of the agent x seed table: the run's headline numbers."""
    row: dict[str, Any] = {"run": str(run.path), "scenario": run.config.get("scenario"),
                           "agent": run.config.get("agent"), "seed": run.config.get("seed")}
    if run.steps is not None and not run.steps.empty:
        row["mean_reward"] = float(run.steps["reward"].mean())
        row["steps"] = len(run.steps)
    t = run.tables
    if "ue_steps" in t:
        acted = t["ue_steps"][t["ue_steps"]["step"] >= 1]
        per_ue = acted.groupby(["episode", "ue"])["throughput_mbps"].mean()
        row["mean_cell_throughput_mbps"] = float(
            acted.groupby(["episode", "step"])["throughput_mbps"].sum().mean())
        row["jain_fairness"] = float(np.mean([metrics.jain(g.to_numpy())
                                              for _, g in per_ue.groupby("episode")]))
        for _, r in metrics.qos_satisfaction(acted).iterrows():
            row[f"qos_{r['slice']}"] = float(r["qos_satisfaction"])
    if "ergodic_rates" in t:
        rates = t["ergodic_rates"]["ergodic_rate_bps_hz"].to_numpy()
        row["mean_ergodic_rate_bps_hz"] = float(rates.mean())
        row["p5_ergodic_rate_bps_hz"] = float(np.percentile(rates, 5))
        row["jain_fairness"] = metrics.jain(rates)
    if "prb_utilisation" in t:
        row["prb_utilisation"] = float(t["prb_utilisation"]["utilisation"].mean())
    return row

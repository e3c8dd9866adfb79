"""``ran-gym bench analysis``: how fast per-packet traces are parsed, with peak memory.

The packet trace comes from one of three sources:

- ``simulate_packets`` (``--simulate``): the oran-slicing scenario itself, one long
  episode with ns-3's PF scheduler deciding, run until its ``packets.csv`` reaches the
  requested size — the trace a long co-simulation really leaves (the LTE stats files
  and FlowMonitor are off for this run, ``lteStats=false``: they are not timed);
- ``generate_packets`` (default, much faster): a synthetic trace of the same schema
  (explicit RNG, 25 UEs, the slices' packet sizes, monotone times, one tx and one rx
  row per packet);
- ``trace`` (``--trace PATH``): a ``packets.csv`` already there, e.g. one simulated
  earlier.

Each timed pass then runs in a fresh Python process so that its peak resident memory
(``VmHWM`` of that child) and CPU time (user + system) are the pass's alone:

- ``csv_summary``: one DuckDB scan of the CSV on every core (``stream.summarise_packets``);
- ``csv_to_parquet``: CSV → Parquet;
- ``parquet_summary``: the same summary from the Parquet file.

``mb_per_s`` counts the CSV's bytes for every pass (CSV-equivalent: the Parquet pass
summarises the same trace); ``mb_per_cpu_s`` divides them by the pass's CPU seconds,
the figure that a busy machine changes least.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

CHUNK_PACKETS = 1_000_000  # packets generated per written chunk (2 rows each)
UES = 25
SLICE_OF_UE = np.array(["embb"] * 10 + ["urllc"] * 10 + ["mmtc"] * 5)
PAYLOAD_OF_SLICE = {"embb": 1200, "urllc": 200, "mmtc": 100}


def generate_packets(path: Path, target_bytes: int, rng: np.random.Generator,
                     chunk: int = CHUNK_PACKETS) -> int:
    """Writes a synthetic ``packets.csv`` of about ``target_bytes``; returns rows."""
    options = pacsv.WriteOptions(include_header=True, quoting_style="none")
    rows, t0, seq = 0, 0.1, np.zeros(UES, dtype=np.int64)
    with pacsv.CSVWriter(path, _schema(), write_options=options) as writer:
        while path.stat().st_size < target_bytes:
            ue = rng.integers(0, UES, chunk)
            times = t0 + np.cumsum(rng.exponential(2e-5, chunk))
            order = np.argsort(ue, kind="stable")
            counts = np.bincount(ue, minlength=UES)
            first = np.repeat(seq - np.r_[0, np.cumsum(counts)[:-1]], counts)
            seqs = np.empty(chunk, dtype=np.int64)
            seqs[order] = first + np.arange(chunk)
            seq += counts
            delay = 3.0 + rng.exponential(2.0, chunk)
            slices = SLICE_OF_UE[ue]
            payload = np.vectorize(PAYLOAD_OF_SLICE.get)(slices)
            writer.write_table(_table("tx", times, ue, slices, seqs, payload - 20, 0 * delay))
            writer.write_table(_table("rx", times + delay / 1e3, ue, slices, seqs, payload,
                                      delay))
            rows, t0 = rows + 2 * chunk, float(times[-1])
    return rows


def simulate_packets(directory: Path, target_bytes: int, seed: int,
                     params: dict[str, Any] | None = None, progress: Any = None) -> Path:
    """Runs the oran-slicing drop (PF scheduler, 1 s steps, traces on, ``params`` over
    the defaults) in ``directory`` until its ``packets.csv`` holds at least
    ``target_bytes``; returns that file."""
    from bridge.envs import ScenarioEnv  # noqa: PLC0415 - ns-3 only when asked for

    trace_dir = directory / "simulated"
    packets = trace_dir / "packets.csv"
    params = {"scheduler": "pf", "stepMs": 1000.0, "maxSteps": 10_000_000,
              "lteStats": "false", **(params or {})}
    env = ScenarioEnv("oran-slicing", params, run_dir=directory, timeout_s=600.0,
                      extra_args=[f"--traceDir={trace_dir}"])
    try:
        env.reset(seed=seed)
        steps = 0
        while not packets.is_file() or packets.stat().st_size < target_bytes:
            # PF decides; the action is valid but unused.
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            steps += 1
            if progress is not None and steps % 10 == 0:
                progress(steps, packets.stat().st_size if packets.is_file() else 0)
            if terminated or truncated:
                raise RuntimeError(f"episode ended after {steps} steps before "
                                   f"{packets} reached {target_bytes} bytes")
    finally:
        env.close()
    return packets


def _schema() -> pa.Schema:
    return pa.schema([("event", pa.string()), ("time_s", pa.float64()), ("ue", pa.int32()),
                      ("slice", pa.string()), ("seq", pa.int64()),
                      ("size_bytes", pa.int64()), ("delay_ms", pa.float64())])


def _table(event: str, times: np.ndarray, ue: np.ndarray, slices: np.ndarray,
           seqs: np.ndarray, size: np.ndarray, delay: np.ndarray) -> pa.Table:
    columns = [np.full(len(times), event), np.round(times, 6), ue.astype(np.int32), slices,
               seqs, size.astype(np.int64), np.round(delay, 3)]
    return pa.Table.from_arrays([pa.array(c) for c in columns], schema=_schema())


_CHILD = """
import json, os, sys, time
from analysis import stream
kind, src, dst = sys.argv[1:4]
start, cpu = time.perf_counter(), os.times()
if kind == "csv_to_parquet":
    rows = stream.packets_to_parquet(src, dst)
else:
    rows = stream.summarise_packets(src, step_s=0.01, start_s=0.1).rows
wall = time.perf_counter() - start
end = os.times()
cpu_s = end.user + end.system - cpu.user - cpu.system
# VmHWM: this process image's peak; ru_maxrss would carry the parent's over fork/exec.
status = open("/proc/self/status").read().split("VmHWM:")[1]
peak = int(status.split()[0]) * 1024
print(json.dumps({"rows": rows, "wall_s": wall, "cpu_s": cpu_s, "peak_rss_bytes": peak}))
"""


def _timed(kind: str, src: Path, dst: Path, csv_bytes: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _CHILD, kind, str(src), str(dst)],
                          capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    result.update(input_bytes=src.stat().st_size, mb_per_s=csv_bytes / 1e6 / result["wall_s"],
                  mb_per_cpu_s=csv_bytes / 1e6 / max(result["cpu_s"], 1e-9),
                  load_average_1min=os.getloadavg()[0],
                  rows_per_s=result["rows"] / result["wall_s"],
                  peak_rss_mib=result["peak_rss_bytes"] / 2**20)
    return result


def bench_analysis(directory: Path, target_mb: float, seed: int = 0,
                   chunk: int = CHUNK_PACKETS, simulate: bool = False,
                   params: dict[str, Any] | None = None, progress: Any = None,
                   trace: Path | None = None) -> dict[str, Any]:
    """Make a trace of ``target_mb`` MB in ``directory`` (simulated in ns-3 or
    generated), or take ``trace``, and time the passes."""
    directory.mkdir(parents=True, exist_ok=True)
    csv, parquet = directory / "packets.csv", directory / "packets.parquet"
    start = time.perf_counter()
    if trace is not None:
        csv, rows = trace, None
    elif simulate:
        csv = simulate_packets(directory, int(target_mb * 1e6), seed, params, progress)
        rows = None  # counted by the passes
    else:
        rows = generate_packets(csv, int(target_mb * 1e6), np.random.default_rng(seed), chunk)
    made = time.perf_counter() - start
    source = str(trace) if trace else "ns-3 oran-slicing" if simulate else "generated"
    result: dict[str, Any] = {"source": source,
                              "params": params if simulate else None,
                              "rows": rows, "csv_bytes": csv.stat().st_size,
                              "made_s": made,
                              "platform": platform.platform(),
                              "python": sys.version.split()[0]}
    size = result["csv_bytes"]
    result["csv_summary"] = _timed("csv_summary", csv, parquet, size)
    if result["rows"] is None:
        result["rows"] = result["csv_summary"]["rows"]
    result["csv_to_parquet"] = _timed("csv_to_parquet", csv, parquet, size)
    result["parquet_bytes"] = parquet.stat().st_size
    result["parquet_summary"] = _timed("parquet_summary", parquet, csv, size)
    return result


def bench_writer(directory: Path, steps: int = 20, repeats: int = 3, seed: int = 1,
                 params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The packet trace's cost inside ns-3: simulator CPU per step of the oran-slicing
    drop (PF scheduler, ``params`` over the defaults, LTE stats off) with the traces on
    and with them off, the two taking turns ``repeats`` times; the best of each."""
    from bridge.envs import ScenarioEnv  # noqa: PLC0415 - ns-3 only when asked for
    from ran_gym.bench.scenario import process_cpu_s  # noqa: PLC0415

    base = {"scheduler": "pf", "lteStats": "false", "maxSteps": steps + 1, **(params or {})}
    runs: dict[str, list[float]] = {"traced": [], "untraced": []}
    rows = 0
    for repeat in range(repeats):
        for traced in (True, False):
            trace_dir = directory / f"writer-{repeat}"
            env = ScenarioEnv("oran-slicing", {**base, "traceDir": str(trace_dir) if traced
                                               else "none"}, run_dir=directory, timeout_s=600)
            try:
                env.reset(seed=seed)
                assert env._session is not None and env._session.process.pid is not None
                pid = env._session.process.pid
                cpu = process_cpu_s(pid)
                for _ in range(steps):  # PF decides; the action is valid but unused
                    env.step(env.action_space.sample())
                used = process_cpu_s(pid) - cpu
            finally:
                env.close()
            runs["traced" if traced else "untraced"].append(used)
            if traced:
                with (trace_dir / "packets.csv").open("rb") as f:
                    rows = sum(1 for _ in f) - 1
    best = {k: min(v) for k, v in runs.items()}
    extra = best["traced"] - best["untraced"]
    return {"steps": steps, "repeats": repeats, "params": base, "packet_rows": rows,
            "sim_cpu_ms_per_step": {k: 1e3 * v / steps for k, v in best.items()},
            "sim_cpu_ms_per_step_every_run": {k: [round(1e3 * x / steps, 2) for x in v]
                                              for k, v in runs.items()},
            "writer_cpu_share": extra / best["traced"],
            "writer_cpu_us_per_row": 1e6 * extra / max(rows, 1),
            "load_average_1min": os.getloadavg()[0]}

"""Per-packet traces larger than memory: a one-pass summary (per UE counters, per step
and slice bytes, delay histograms) and CSV → Parquet, both DuckDB scans
(``analysis.packet_scan``) whose memory is DuckDB's buffers plus the summary, whatever
the file size."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import packet_scan, schemas, traces

DELAY_BIN_MS = 0.05  # delay histogram resolution [ms]
DELAY_MAX_MS = 2000.0  # delays above fall into the last bin
DELAY_BINS = int(DELAY_MAX_MS / DELAY_BIN_MS) + 1
ROW_GROUP_ROWS = 500_000  # Parquet row group: about 25 MB of packet records


@dataclass
class PacketSummary:
    """What one pass over a packet trace keeps."""

    rows: int = 0
    """Records read."""
    per_ue: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per (event, ue): packets and UDP payload bytes (columns event, ue, count, sum)."""
    per_step: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per (step, slice): payload bytes received; step k = (k-1, k] step lengths."""
    delay_hist: dict[str, np.ndarray] = field(default_factory=dict)
    """Per slice: counts of received packets in DELAY_BIN_MS bins from 0."""

    def delay_percentile(self, slice_name: str, q: float) -> float:
        """Upper edge of the bin holding the q-th percentile (inverted CDF) [ms]."""
        counts = self.delay_hist[slice_name]
        rank = np.searchsorted(np.cumsum(counts), q / 100 * counts.sum(), side="left")
        return float((rank + 1) * DELAY_BIN_MS)


# One scan, three groupings, on event and slice as codes (their index in
# schemas.PACKET_EVENTS / SLICES; -1 for anything else). The step of an rx row is
# ceil((t - start) / step - 1e-6) and its delay bin trunc(delay / DELAY_BIN_MS), capped
# at the last bin: the same double arithmetic as NumPy's, row by row. The trace's size
# is the UDP payload (traces.with_payload), so payload bytes are size_bytes. seq is not
# summarised but read all the same (max_seq), so that every field of the trace is checked.
_SUMMARY = """
SELECT event, ue, slice, step, bin, count(*) AS n, sum(size_bytes) AS bytes,
       max(seq) AS max_seq, GROUPING(ue) AS by_step_or_bin, GROUPING(step) AS by_bin
FROM (SELECT {event} AS event, ue, {slice} AS slice, seq, size_bytes,
             CASE WHEN event = 'rx'
                  THEN CAST(ceil((time_s - ?) / ? - 1e-6) AS BIGINT) END AS step,
             CASE WHEN event = 'rx'
                  THEN least(CAST(trunc(delay_ms / ?) AS BIGINT), ?) END AS bin
      FROM {source})
GROUP BY GROUPING SETS ((event, ue), (event, step, slice), (event, slice, bin))
"""


def _code(column: str, values: tuple[str, ...]) -> str:
    cases = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f"CASE {column} {cases} ELSE -1 END"


def summarise_packets(path: str | Path, step_s: float, start_s: float = 0.0,
                      threads: int | None = None) -> PacketSummary:
    """One scan of a packet trace (CSV or Parquet) on ``threads`` cores (all by default)."""
    if not step_s > 0:
        raise ValueError(f"step_s must be > 0, got {step_s}")
    table, params = packet_scan.source(path, enums=False)
    sql = _SUMMARY.format(source=table, event=_code("event", schemas.PACKET_EVENTS),
                          slice=_code("slice", schemas.SLICES))
    con = packet_scan.connect(threads)
    try:
        groups = packet_scan.query(
            con, sql, [float(start_s), float(step_s), DELAY_BIN_MS, DELAY_BINS - 1, *params],
            path).df()
        if (groups["event"] < 0).any() or (groups["slice"].fillna(0) < 0).any():
            _raise_for_values(con, path)
    finally:
        con.close()
    return _summary(groups, path)


def _raise_for_values(con: Any, path: str | Path) -> None:
    """An event or slice outside the schema's values: the scan again with both typed as
    enums, for DuckDB's error naming the line."""
    table, params = packet_scan.source(path, enums=True)
    # Every column read: with fewer, DuckDB's message names the wrong column.
    every = ", ".join(f'min("{name}")' for name in schemas.PACKETS)
    packet_scan.query(con, f"SELECT {every} FROM {table}", params, path).fetchall()
    raise traces.TraceError(f"{path}: an event or slice outside "  # pragma: no cover
                            f"{schemas.PACKET_EVENTS} / {schemas.SLICES}")


def _summary(groups: pd.DataFrame, path: str | Path) -> PacketSummary:
    groups["event"] = np.asarray(schemas.PACKET_EVENTS)[groups["event"].to_numpy()]
    per_ue = groups[groups["by_step_or_bin"] == 0]
    rx = groups[(groups["by_step_or_bin"] == 1) & (groups["event"] == "rx")]
    rx = rx.assign(slice=np.asarray(schemas.SLICES)[rx["slice"].to_numpy(np.int64)])
    steps, bins = rx[rx["by_bin"] == 0], rx[rx["by_bin"] == 1]
    if len(bins) and bins["bin"].min() < 0:
        raise traces.TraceError(f"{path}: negative delay_ms on an rx row")
    out = PacketSummary(rows=int(per_ue["n"].sum()))
    out.per_ue = (per_ue.rename(columns={"n": "count", "bytes": "sum"})
                  [["event", "ue", "count", "sum"]].astype({"ue": "int32", "count": "int64",
                                                            "sum": "int64"})
                  .sort_values(["event", "ue"]).reset_index(drop=True))
    out.per_step = (steps.rename(columns={"bytes": "rx_bytes"})[["step", "slice", "rx_bytes"]]
                    .astype({"step": "int64", "rx_bytes": "int64"})
                    .sort_values(["step", "slice"]).reset_index(drop=True))
    for name, group in bins.groupby("slice"):
        out.delay_hist[str(name)] = np.bincount(group["bin"].to_numpy(np.int64),
                                                weights=group["n"].to_numpy(np.int64),
                                                minlength=DELAY_BINS).astype(np.int64)
    return out


def packets_to_parquet(csv_path: str | Path, parquet_path: str | Path,
                       row_group_rows: int = ROW_GROUP_ROWS, threads: int | None = None
                       ) -> int:
    """Writes ``packets.csv`` as Parquet, row groups of ``row_group_rows``, through a
    temporary file renamed at the end (a failed conversion leaves no Parquet file);
    returns the rows written."""
    parquet_path = Path(parquet_path)
    table, params = packet_scan.source(csv_path)
    partial = parquet_path.with_name(f".{parquet_path.name}.partial")
    con = packet_scan.connect(threads)
    try:
        packet_scan.query(
            con, f"COPY (SELECT * FROM {table}) TO {packet_scan.quote(str(partial))} "
                 f"(FORMAT parquet, ROW_GROUP_SIZE {int(row_group_rows)})", params, csv_path)
        rows = packet_scan.query(con, "SELECT count(*) FROM read_parquet(?)",
                                 [str(partial)], partial).fetchone()
        os.replace(partial, parquet_path)
    finally:
        con.close()
        partial.unlink(missing_ok=True)
    return int(rows[0]) if rows else 0

"""Per-packet traces larger than memory: CSV → Parquet batch by batch, and a
one-pass summary (per UE counters, per step and slice bytes, delay histograms) whose
memory is one batch plus the summary, whatever the file size."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis import schemas, traces

DELAY_BIN_MS = 0.05  # delay histogram resolution [ms]
DELAY_MAX_MS = 2000.0  # delays above fall into the last bin
ROW_GROUP_ROWS = 500_000  # Parquet row group: about 25 MB of packet records


def packets_to_parquet(csv_path: str | Path, parquet_path: str | Path,
                       block_bytes: int = traces.BLOCK_BYTES,
                       row_group_rows: int = ROW_GROUP_ROWS) -> int:
    """Writes ``packets.csv`` as Parquet, row groups of at least ``row_group_rows``;
    returns the rows written."""
    rows, writer, pending = 0, None, []
    try:
        for batch in traces.iter_csv(csv_path, schemas.PACKETS, block_bytes):
            pending.append(pa.Table.from_pandas(batch, preserve_index=False))
            rows += len(batch)
            if sum(len(t) for t in pending) >= row_group_rows:
                writer = _write(writer, parquet_path, pending)
                pending = []
        if pending or writer is None:
            writer = _write(writer, parquet_path, pending)
    finally:
        if writer is not None:
            writer.close()
    return rows


def _write(writer: pq.ParquetWriter | None, path: str | Path, tables: list[pa.Table]
           ) -> pq.ParquetWriter:
    if not tables:  # an empty trace: a Parquet file with the schema and no rows
        frame = pd.DataFrame({c: [] for c in schemas.PACKETS}).astype(schemas.PACKETS)
        tables = [pa.Table.from_pandas(frame, preserve_index=False)]
    table = pa.concat_tables(tables, promote_options="permissive").combine_chunks()
    if writer is None:
        writer = pq.ParquetWriter(path, table.schema)
    writer.write_table(table.cast(writer.schema))
    return writer


def iter_packets(path: str | Path, block_bytes: int = traces.BLOCK_BYTES
                 ) -> Iterator[pd.DataFrame]:
    """Typed batches of a packet trace, CSV or Parquet (by row groups)."""
    path = Path(path)
    if path.suffix != ".parquet":
        yield from traces.iter_csv(path, schemas.PACKETS, block_bytes)
        return
    try:
        reader = pq.ParquetFile(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise traces.TraceError(f"{path}: not a readable Parquet file: {error}") from error
    for group in range(reader.num_row_groups):
        frame = reader.read_row_group(group).to_pandas()
        yield frame[list(schemas.PACKETS)].astype(schemas.PACKETS)


@dataclass
class PacketSummary:
    """What one pass over a packet trace keeps."""

    rows: int = 0
    """Records read."""
    per_ue: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per (event, ue): packets and UDP payload bytes."""
    per_step: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per (step, slice): payload bytes received; step k = (k-1, k] step lengths."""
    delay_hist: dict[str, np.ndarray] = field(default_factory=dict)
    """Per slice: counts of received packets in DELAY_BIN_MS bins from 0."""

    def delay_percentile(self, slice_name: str, q: float) -> float:
        """Upper edge of the bin holding the q-th percentile (inverted CDF) [ms]."""
        counts = self.delay_hist[slice_name]
        rank = np.searchsorted(np.cumsum(counts), q / 100 * counts.sum(), side="left")
        return float((rank + 1) * DELAY_BIN_MS)


def summarise_packets(path: str | Path, step_s: float, start_s: float = 0.0,
                      block_bytes: int = traces.BLOCK_BYTES) -> PacketSummary:
    """One streaming pass over a packet trace (CSV or Parquet)."""
    out = PacketSummary()
    per_ue: list[pd.Series] = []
    per_step: list[pd.Series] = []
    bins = int(DELAY_MAX_MS / DELAY_BIN_MS) + 1
    for batch in iter_packets(path, block_bytes):
        batch = traces.with_payload(batch)
        out.rows += len(batch)
        per_ue.append(batch.groupby(["event", "ue"], observed=True)["payload_bytes"]
                      .agg(["count", "sum"]).stack())
        rx = batch[batch["event"] == "rx"]
        step = np.ceil((rx["time_s"].to_numpy() - start_s) / step_s - 1e-6).astype(np.int64)
        per_step.append(rx.assign(step=step).groupby(["step", "slice"], observed=True)
                        ["payload_bytes"].sum())
        index = np.minimum((rx["delay_ms"].to_numpy() / DELAY_BIN_MS).astype(np.int64),
                           bins - 1)
        for name, where in rx.groupby("slice", observed=True).indices.items():
            counts = np.bincount(index[where], minlength=bins)
            out.delay_hist[str(name)] = out.delay_hist.get(str(name), 0) + counts
    if per_ue:
        out.per_ue = pd.concat(per_ue).groupby(level=[0, 1, 2]).sum().unstack().reset_index()
        out.per_step = (pd.concat(per_step).groupby(level=[0, 1]).sum()
                        .rename("rx_bytes").reset_index())
    return out

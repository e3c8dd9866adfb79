"""Loaders of the CSV traces the scenario programs write, streamed through Arrow.

Every loader returns a DataFrame with the dtypes of its schema in
``analysis.schemas`` and raises ``TraceError`` naming the file when the file is
missing, empty, truncated or of another format. ``iter_csv`` streams a file in
record batches so that a trace larger than memory can be reduced batch by batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from analysis import schemas

BLOCK_BYTES = 1 << 20  # Arrow CSV block; the reader reads ahead several, so keep it small


class TraceError(ValueError):
    """A trace file that cannot be read; the message names the file."""


def iter_csv(path: str | Path, schema: dict[str, str], block_bytes: int = BLOCK_BYTES,
             delimiter: str = ",") -> Iterator[pd.DataFrame]:
    """Batches of a CSV trace as DataFrames with the schema's dtypes."""
    path = Path(path)
    _check_file(path)
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=block_bytes, use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(column_types=schemas.arrow_types(schema),
                                                 include_columns=list(schema)),
        )
        for batch in reader:
            yield _typed(batch.to_pandas(), schema)
    except (pa.ArrowInvalid, KeyError) as error:
        raise TraceError(f"{path}: not a trace of the expected format "
                         f"(columns {list(schema)}): {error}") from error


def read_csv(path: str | Path, schema: dict[str, str], delimiter: str = ",",
             block_bytes: int = BLOCK_BYTES) -> pd.DataFrame:
    """A whole CSV trace; an empty trace gives an empty, typed frame."""
    parts = list(iter_csv(path, schema, block_bytes, delimiter))
    if not parts:
        return _typed(pd.DataFrame({c: [] for c in schema}), schema)
    return _typed(pd.concat(parts, ignore_index=True), schema)


def reduce_csv(path: str | Path, schema: dict[str, str],
               reduce: Callable[[pd.DataFrame], pd.DataFrame],
               block_bytes: int = BLOCK_BYTES) -> pd.DataFrame:
    """``reduce`` applied to each batch, results concatenated: memory of one batch."""
    parts = [reduce(batch) for batch in iter_csv(path, schema, block_bytes)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def with_payload(packets: pd.DataFrame) -> pd.DataFrame:
    """Adds ``payload_bytes``: the UDP payload of each packet (the trace's size, which
    counts the application's 20-byte SeqTsSize header on tx and rx rows alike)."""
    return packets.assign(payload_bytes=packets["size_bytes"].to_numpy().copy())


def load_packets(path: str | Path, block_bytes: int = BLOCK_BYTES) -> pd.DataFrame:
    """oran-slicing ``packets.csv`` (schema ``PACKETS`` + ``payload_bytes``)."""
    return with_payload(read_csv(path, schemas.PACKETS, block_bytes=block_bytes))


def load_slicing_steps(path: str | Path) -> pd.DataFrame:
    """oran-slicing ``steps.csv`` (schema ``SLICING_STEPS``)."""
    return read_csv(path, schemas.SLICING_STEPS)


def load_allocation(path: str | Path) -> pd.DataFrame:
    """oran-slicing ``allocation.csv`` (schema ``ALLOCATION``)."""
    return read_csv(path, schemas.ALLOCATION)


def load_interference_steps(path: str | Path) -> pd.DataFrame:
    """interference ``trace-episode-NNNN.csv`` (schema ``INTERFERENCE_STEPS``)."""
    return read_csv(path, schemas.INTERFERENCE_STEPS)


def load_reference_steps(path: str | Path) -> pd.DataFrame:
    """reference ``trace-episode-NNNN.csv`` (schema ``REFERENCE_STEPS``)."""
    return read_csv(path, schemas.REFERENCE_STEPS)


def load_lte_stats(path: str | Path) -> pd.DataFrame:
    """An ns-3 LTE stats file (``DlMacStats.txt``, ``DlRlcStats.txt``, ...): the schema
    of ``schemas.LTE_STATS`` for its name; PHY Tx/Rx times converted from ms to s."""
    path = Path(path)
    if path.name not in schemas.LTE_STATS:
        raise TraceError(f"{path}: unknown LTE stats file; known: {sorted(schemas.LTE_STATS)}")
    schema = schemas.LTE_STATS[path.name]
    _check_file(path)
    with path.open() as f:
        header = f.readline()
    if not header.startswith("%"):
        raise TraceError(f"{path}: no '%' header line; not an ns-3 LTE stats file")
    names = list(schema)
    if len(header.lstrip("% ").rstrip("\n\t").split("\t")) != len(names):
        raise TraceError(f"{path}: header has {header.count(chr(9)) + 1} columns, "
                         f"expected {len(names)} ({names})")
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=[*names, "_trailing"]
                                           if "Rlc" in path.name or "Pdcp" in path.name
                                           else names),
            parse_options=pacsv.ParseOptions(delimiter="\t"),
            convert_options=pacsv.ConvertOptions(column_types=schemas.arrow_types(schema),
                                                 include_columns=names))
    except pa.ArrowInvalid as error:
        raise TraceError(f"{path}: truncated or corrupted ns-3 LTE stats file: {error}") from error
    frame = _typed(table.to_pandas(), schema)
    if path.name in schemas.LTE_STATS_TIME_IN_MS:
        frame["time"] = frame["time"] / 1e3
    return frame


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise TraceError(f"{path}: missing trace file")
    if path.stat().st_size == 0:
        raise TraceError(f"{path}: empty trace file (no header)")


def _typed(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise TraceError(f"missing columns {missing}")
    return frame[list(schema)].astype(schema)

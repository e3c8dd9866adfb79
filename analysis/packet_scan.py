"""DuckDB scans of a packet trace (``packets.csv`` or its Parquet copy).

DuckDB parses the CSV on every core, with the column types of ``schemas.PACKETS`` given
explicitly (no type sniffing), and aggregates while it reads: the memory is its parse
buffers plus the aggregates, whatever the file size. Every value is checked: a field
that does not convert, an empty field, a row with too few or too many fields, an
``event`` other than tx/rx or a ``slice`` outside the schema's raises ``TraceError``
naming the file, the line and the column.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from analysis import schemas
from analysis.traces import TraceError

MEMORY_LIMIT = "512MB"  # DuckDB's own buffers; aggregates beyond spill to its temp dir
_SQL_TYPES = {"float64": "DOUBLE", "int64": "BIGINT", "int32": "INTEGER",
              "category": "VARCHAR"}
_ENUMS = {"event": ("packet_event", schemas.PACKET_EVENTS),
          "slice": ("packet_slice", schemas.SLICES)}


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the trace's enum types; ``threads`` defaults to the
    CPUs this process may run on."""
    threads = threads or len(os.sched_getaffinity(0))
    con = duckdb.connect(config={"threads": threads, "memory_limit": MEMORY_LIMIT})
    con.execute("SET enable_progress_bar = false")
    for name, values in _ENUMS.values():
        con.execute(f"CREATE TYPE {name} AS ENUM ({', '.join(quote(v) for v in values)})")
    return con


def source(path: str | Path, enums: bool = True) -> tuple[str, list[Any]]:
    """The SQL table expression of a packet trace and its parameters; checks the file
    and, for a CSV, its header line. ``enums``: ``event`` and ``slice`` typed as enums
    of their values (a value outside raises, naming the line); else as text, which
    DuckDB reads in about 15 % less CPU, the caller checking the values itself."""
    path = Path(path)
    if not path.is_file():
        raise TraceError(f"{path}: missing trace file")
    if path.stat().st_size == 0:
        raise TraceError(f"{path}: empty trace file (no header)")
    if path.suffix == ".parquet":
        return _parquet_source(enums), [str(path)]
    _check_header(path)
    columns = ", ".join(f"{quote(name)}: {quote(_sql_type(name, dtype, enums))}"
                        for name, dtype in schemas.PACKETS.items())
    return (f"read_csv(?, header = true, auto_detect = false, delim = ',', quote = '\"', "
            f"force_not_null = ?, columns = {{{columns}}})",
            [str(path), list(schemas.PACKETS)])


def query(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any],
          path: str | Path) -> duckdb.DuckDBPyConnection:
    """Runs ``sql``; DuckDB's errors become ``TraceError`` naming the file and the
    offending line and column."""
    try:
        return con.execute(sql, list(params))
    except duckdb.Error as error:
        raise TraceError(f"{path}: not a packet trace of the expected format "
                         f"(columns {list(schemas.PACKETS)}): {_short(error)}") from error


def _sql_type(name: str, dtype: str, enums: bool = True) -> str:
    return _ENUMS[name][0] if enums and name in _ENUMS else _SQL_TYPES[dtype]


def _parquet_source(enums: bool) -> str:
    columns = ", ".join(f"CAST({_ident(name)} AS {_sql_type(name, dtype, enums)}) "
                        f"AS {_ident(name)}" for name, dtype in schemas.PACKETS.items())
    return f"(SELECT {columns} FROM read_parquet(?))"


def _check_header(path: Path) -> None:
    with path.open("rb") as f:
        line = f.readline(4096)
    names = [field.strip().strip('"') for field in
             line.decode("utf-8", errors="replace").rstrip("\r\n").split(",")]
    if names != list(schemas.PACKETS):
        raise TraceError(f"{path}: header {names} is not the packet trace's "
                         f"{list(schemas.PACKETS)}")


def _short(error: Exception) -> str:
    """DuckDB's message up to its advice: what failed, the line number and the line."""
    text = str(error)
    keep = re.split(r"\n\s*(?:Column \S+ is being converted|Possible (?:fixes|solutions)"
                    r"|\n)", text, maxsplit=1)[0]
    return " ".join(keep.split())


def quote(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

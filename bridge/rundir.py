"""A run directory: one folder holding everything about one run.

Files are written atomically (temporary file, then rename), so a crash never leaves a
half-written file; a lock file keeps two runs out of the same directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

LOCK_NAME = ".lock"


class RunDirectory:
    def __init__(self, path: str | Path, *, overwrite: bool = False):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"run directory {self.path} exists and is not a directory")
        if self.path.is_dir() and any(self.path.iterdir()):
            if not overwrite:
                raise ValueError(f"run directory {self.path} is not empty; "
                                 "choose another --out or pass --overwrite")
            self._clear_previous_run()
        self.path.mkdir(parents=True, exist_ok=True)
        if not os.access(self.path, os.W_OK):
            raise PermissionError(f"run directory {self.path} is not writable")
        self._lock = self.path / LOCK_NAME
        try:
            fd = os.open(self._lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            raise ValueError(f"run directory {self.path} is in use by another run "
                             f"(remove {self._lock} if that run is gone)") from None
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)

    def _clear_previous_run(self) -> None:
        """Empty a directory that holds an earlier run; refuse any other directory."""
        if not (self.path / "config.json").is_file():
            raise ValueError(f"{self.path} does not hold a run (no config.json); "
                             "refusing to overwrite it")
        if (self.path / LOCK_NAME).exists():
            raise ValueError(f"run directory {self.path} is in use by another run")
        for entry in self.path.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def write_json(self, name: str, value: Any) -> Path:
        return self._atomic(name, (json.dumps(value, indent=2, default=str) + "\n").encode())

    def write_text(self, name: str, text: str) -> Path:
        return self._atomic(name, text.encode())

    def write_parquet(self, name: str, frame: pd.DataFrame) -> Path:
        target = self.path / name
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{name}.")
        os.close(fd)
        try:
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return target

    def _atomic(self, name: str, data: bytes) -> Path:
        target = self.path / name
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return target

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._lock.unlink()

"""A run directory: one folder holding everything about one run.

Files are written atomically (temporary file, then rename), so a crash or a full disk
never leaves a half-written file and the previous version stays; a lock file keeps two
runs out of the same directory. The lock names its process; a lock whose process on
this host is gone (a run that was killed) is taken over.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

LOCK_NAME = ".lock"


class RunDirectory:
    def __init__(self, path: str | Path, *, overwrite: bool = False, resume: bool = False):
        """``overwrite``: replace an earlier run there; ``resume``: continue it (its files
        stay). Either way a run still going on there is refused."""
        self.path = Path(path)
        self._lock = self.path / LOCK_NAME
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"run directory {self.path} exists and is not a directory")
        if self.path.is_dir() and not os.access(self.path, os.W_OK):
            raise PermissionError(f"run directory {self.path} is not writable")
        _break_stale_lock(self._lock)
        if self._lock.exists():
            raise ValueError(_in_use(self._lock))
        if self.path.is_dir() and any(self.path.iterdir()) and not resume:
            if not overwrite:
                raise ValueError(f"run directory {self.path} is not empty; "
                                 "choose another --out or pass --overwrite")
            self._clear_previous_run()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise PermissionError(f"cannot create run directory {self.path}: "
                                  f"{err.strerror}") from None
        if not os.access(self.path, os.W_OK):
            raise PermissionError(f"run directory {self.path} is not writable")
        try:
            fd = os.open(self._lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            raise ValueError(_in_use(self._lock)) from None
        try:
            with _named_failure(self._lock):
                os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        except OSError:
            self._lock.unlink()
            raise
        finally:
            os.close(fd)

    def _clear_previous_run(self) -> None:
        """Empty a directory that holds an earlier run; refuse any other directory."""
        if not (self.path / "config.json").is_file():
            raise ValueError(f"{self.path} does not hold a run (no config.json); "
                             "refusing to overwrite it")
        if self._lock.exists():
            raise ValueError(_in_use(self._lock))
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
        with _named_failure(target):
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
        with _named_failure(target):
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


@contextlib.contextmanager
def _named_failure(target: Path) -> Iterator[None]:
    """A failed write (disk full, file too large, read-only) as an OSError naming the
    file; the previous version of the file, if any, is left as it was."""
    try:
        yield
    except OSError as err:
        if err.errno is None:
            raise
        raise OSError(err.errno, f"cannot write {target}: {err.strerror}; "
                                 "its previous version, if any, is unchanged") from err


def _lock_owner(lock: Path) -> tuple[int, str] | None:
    try:
        pid, host = lock.read_text().split()
        return int(pid), host
    except (OSError, ValueError):
        return None


def _in_use(lock: Path) -> str:
    owner = _lock_owner(lock)
    who = f" (process {owner[0]} on {owner[1]})" if owner else ""
    return (f"run directory {lock.parent} is in use by another run{who}; "
            f"remove {lock} if that run is gone")


def _break_stale_lock(lock: Path) -> None:
    """Remove ``lock`` when the process that took it on this host no longer exists."""
    owner = _lock_owner(lock)
    if owner is None or owner[1] != socket.gethostname():
        return
    try:
        os.kill(owner[0], 0)
    except ProcessLookupError:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
    except PermissionError:  # alive, another user's
        pass

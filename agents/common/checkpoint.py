"""Checkpoint files that are never half written, and that load without unpickling code.

Every write goes to a temporary file in the destination's directory, is flushed to
disk, and is then renamed over the destination (``os.replace``, atomic on POSIX): a
process killed at any moment (SIGKILL included) leaves either the previous complete
file or the new complete one, never a torn one. A temporary file orphaned by such a
kill is named ``.<name>.<random>`` and is removed by the next successful write.

PyTorch checkpoints hold only tensors and plain Python values (dicts, lists, str,
int, float, bool, None), so that they load with ``torch.load(weights_only=True)``:
NumPy arrays are stored as tensors, NumPy's bit-generator state is already plain.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch


def atomic_write(path: str | Path, write: Callable[[Path], object], suffix: str = "") -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``.

    ``suffix`` ends the temporary name, for writers that insist on an extension
    (Stable-Baselines3 appends ``.zip`` / ``.pkl`` to paths without one)."""
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)
    for orphan in path.parent.glob(f".{path.name}.*"):
        orphan.unlink(missing_ok=True)  # left by a process killed mid-write
    return path


def save_torch(state: dict[str, Any], path: str | Path) -> Path:
    """``torch.save`` through :func:`atomic_write`."""
    return atomic_write(path, lambda tmp: torch.save(state, tmp))


def load_torch(path: str | Path) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True`` (tensors and plain values only)."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"{path}: not a ran-gym checkpoint (top level is {type(state).__name__})")
    return state


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

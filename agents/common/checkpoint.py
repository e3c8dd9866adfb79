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

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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


def load_torch(path: str | Path, kind: str = "ran-gym", keys: Sequence[str] = (),
               device: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a ``kind`` checkpoint with ``weights_only=True`` (tensors and plain values
    only). Anything else (a missing, empty, truncated or foreign file, or the checkpoint
    of another agent, which lacks some of ``keys``) is a ValueError of one line that
    names the file and what was expected."""
    path, kind = Path(path), _with_article(kind)
    if not path.is_file():
        what = "not a file" if path.exists() else "no such file"
        raise ValueError(f"{path}: {what} (expected {kind} checkpoint)")
    try:
        with warnings.catch_warnings():  # protocol 4 pickles (older torch.save) load fine
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            state = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # noqa: BLE001 - a foreign file fails in any of torch's or pickle's ways
        raise ValueError(f"{path}: not {kind} checkpoint ({_unreadable(path, err)})") from None
    if not isinstance(state, dict):
        raise ValueError(f"{path}: not {kind} checkpoint (it holds a {type(state).__name__})")
    missing = [key for key in keys if key not in state]
    if missing:
        has = [str(key) for key in state][:6] + (["…"] if len(state) > 6 else [])
        raise ValueError(f"{path}: not {kind} checkpoint (it lacks {', '.join(missing)}; "
                         f"it has {', '.join(has) or 'nothing'})")
    return state


@contextmanager
def restoring(path: str | Path, kind: str) -> Iterator[None]:
    """Inside: build an agent from a loaded checkpoint; a state that does not fit it (a
    key, a type or a tensor shape of another configuration) leaves as one line naming
    ``path``, not as a traceback."""
    try:
        yield
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError, AttributeError) as err:
        raise ValueError(f"{path}: does not load as {_with_article(kind)} checkpoint "
                         f"({_one_line(err)})") from None


def _unreadable(path: Path, err: Exception) -> str:
    text = _one_line(err)
    if path.stat().st_size == 0:
        return "the file is empty"
    if text.startswith("Weights only load failed"):
        return "it holds objects other than tensors and plain values"
    with open(path, "rb") as handle:
        if handle.read(2) == b"PK":  # torch.save writes a zip archive
            return "a truncated or damaged torch archive"
    return f"not a file torch.load reads; {type(err).__name__}: {text}"


def _with_article(kind: str) -> str:
    """"a DQN", "an SS-VAE": the article of the name as said aloud, letter by letter."""
    return ("an " if kind[:1] in "AEFHILMNORSX" else "a ") + kind


def _one_line(err: BaseException, limit: int = 160) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


MANIFEST_SUFFIX = ".sha256.json"


def write_trusted(manifest: str | Path, files: dict[str, Callable[[Path], object]],
                  suffixes: dict[str, str] | None = None) -> None:
    """Write several files of one checkpoint beside ``manifest`` (a JSON file of their
    SHA-256 digests), so that a later load can refuse files this run did not write.

    Each file is written to a temporary name first; the manifest is then rewritten to
    trust both the old and the new digests, the files are renamed into place, and the
    manifest is rewritten with the new digests only. A kill at any point leaves every
    file either complete-old or complete-new, and trusted."""
    manifest = Path(manifest)
    previous = read_manifest(manifest)
    for name in files:
        for orphan in manifest.parent.glob(f".{name}.*"):
            orphan.unlink(missing_ok=True)  # staged by a process killed mid-write
    staged: dict[str, tuple[Path, str]] = {}
    try:
        for name, write in files.items():
            suffix = (suffixes or {}).get(name, "")
            fd, staged_name = tempfile.mkstemp(dir=manifest.parent, prefix=f".{name}.",
                                               suffix=suffix)
            os.close(fd)
            staged[name] = (Path(staged_name), "")
            write(Path(staged_name))
            staged[name] = (Path(staged_name), sha256(Path(staged_name)))
        both = {n: sorted({*previous.get(n, []), digest}) for n, (_, digest) in staged.items()}
        _write_json(manifest, {**previous, **both})
        for name, (staged_path, _) in staged.items():
            os.replace(staged_path, manifest.parent / name)
        _write_json(manifest, {**previous, **{n: [d] for n, (_, d) in staged.items()}})
    finally:
        for staged_path, _ in staged.values():
            staged_path.unlink(missing_ok=True)


def check_trusted(manifest: str | Path, path: str | Path) -> None:
    """Raise ValueError unless ``path``'s digest is one that ``manifest`` trusts."""
    manifest, path = Path(manifest), Path(path)
    trusted = read_manifest(manifest).get(path.name)
    if not trusted:
        raise ValueError(f"{path}: not listed in {manifest}; refusing to unpickle a file "
                         "this run did not write")
    if sha256(path) not in trusted:
        raise ValueError(f"{path}: its SHA-256 is not the one {manifest} records; refusing "
                         "to unpickle a file this run did not write")


def read_manifest(manifest: Path) -> dict[str, list[str]]:
    if not manifest.is_file():
        return {}
    values = json.loads(manifest.read_text())
    return {str(k): [str(d) for d in v] for k, v in values.items()}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, values: dict[str, Any]) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(values, indent=1, sort_keys=True)))

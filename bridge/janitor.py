"""Clean-up that outlives the agent process, even one killed with SIGKILL.

A small watcher process (one per agent process, started on first use) holds the read
end of a pipe. The agent registers what it creates (temporary directories, ipc socket
files, simulator process groups, commands such as ``docker rm -f NAME``) and removes
each entry once it has cleaned it up itself. When the pipe reaches end-of-file (the
agent exited or was killed) the watcher removes what is still registered, gives the
simulators their own timeout to leave, ends those that did not, runs the commands, and
exits.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
from typing import Any

# Longest wait for a registered simulator to leave by itself (its own receive timeout,
# 60 s by default, plus a margin) before the watcher ends its process group.
GROUP_GRACE_S = 75.0

_WATCHER = r"""
import json, os, shutil, signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
entries = {}
for line in sys.stdin:
    op, key, kind, value = json.loads(line)
    if op == "+":
        entries[key] = (kind, value)
    else:
        entries.pop(key, None)
for kind, value in entries.values():
    if kind == "path":
        if os.path.isdir(value) and not os.path.islink(value):
            shutil.rmtree(value, ignore_errors=True)
        elif os.path.lexists(value):
            os.unlink(value)
groups = [v for k, v in entries.values() if k == "group"]
deadline = time.monotonic() + float(sys.argv[1])
def alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except OSError:
        return False
while any(alive(g) for g in groups) and time.monotonic() < deadline:
    time.sleep(0.1)
for pgid in groups:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
for kind, value in entries.values():
    if kind == "command":
        try:
            subprocess.run(value, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30, check=False)
        except Exception:
            pass
"""

_lock = threading.Lock()
_state: dict[str, Any] = {"process": None, "pid": None}
_keys = itertools.count(1)


def _watcher() -> subprocess.Popen[bytes]:
    if _state["process"] is None or _state["pid"] != os.getpid():
        _state["process"] = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-I", "-S", "-c", _WATCHER, str(GROUP_GRACE_S)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, bufsize=0)
        _state["pid"] = os.getpid()
    process: subprocess.Popen[bytes] = _state["process"]
    return process


def _send(op: str, key: int, kind: str = "", value: Any = None) -> None:
    line = (json.dumps([op, key, kind, value]) + "\n").encode()
    with _lock, contextlib.suppress(OSError, ValueError):
        stdin = _watcher().stdin
        assert stdin is not None
        stdin.write(line)


def register(kind: str, value: Any) -> int:
    """Have the watcher clean up ``value`` if this process dies first. ``kind``:
    ``"path"`` (a file or a directory tree), ``"group"`` (a process group id) or
    ``"command"`` (an argv list run at the end). Returns the key for :func:`release`."""
    if kind not in ("path", "group", "command"):
        raise ValueError(f"unknown clean-up kind {kind!r}")
    key = next(_keys)
    _send("+", key, kind, str(value) if kind == "path" else value)
    return key


def release(key: int) -> None:
    """This process cleaned it up itself: forget entry ``key``."""
    if _state["pid"] == os.getpid():
        _send("-", key)


def watcher_pid() -> int | None:
    process = _state["process"]
    return None if process is None or _state["pid"] != os.getpid() else int(process.pid)


def _forget_after_fork() -> None:
    """A forked child (a vector env's worker) starts its own watcher when it needs one;
    the parent's pipe end it inherited is closed, so the parent's watcher still sees
    end-of-file when the parent goes."""
    process = _state["process"]
    if process is not None and process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    _state["process"], _state["pid"] = None, None


os.register_at_fork(after_in_child=_forget_after_fork)

"""Starts a scenario program in its own process group and makes sure it ends.

The program's stdout and stderr go to a log file. ``close()`` is idempotent: it ends
the whole group (SIGTERM, then SIGKILL after a grace period; a stopped process is
continued so that it can act on SIGTERM) and reaps it. A finaliser does the same if
the object is dropped or the interpreter exits, so no simulator outlives its agent
process; if the agent is killed outright, the simulator's own receive timeout ends it,
and :mod:`bridge.janitor` ends one that does not and runs the clean-up commands.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import time
import weakref
from collections.abc import Sequence
from pathlib import Path

from bridge import janitor
from bridge.errors import SimulatorCrashed, SimulatorNotFound

_GRACE_S = 2.0


class SimulatorProcess:
    """One running scenario program."""

    def __init__(
        self, command: Sequence[str], log_path: Path, *, cwd: Path | None = None,
        cleanup: Sequence[Sequence[str]] = (),
    ):
        """``cleanup``: commands run (best effort) once the process group has ended,
        e.g. removing the container a ``docker run`` client started."""
        self.command = [str(part) for part in command]
        self.log_path = Path(log_path)
        program = Path(self.command[0])
        if "/" not in self.command[0] and shutil.which(self.command[0]):
            program = Path(str(shutil.which(self.command[0])))
        if not (program.is_file() and os.access(program, os.X_OK)):
            raise SimulatorNotFound(
                f"scenario program {program} not found or not executable; "
                "build the ns-3 programs with `make build`"
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._popen = subprocess.Popen(  # noqa: S603 - the command is the user's scenario
                self.command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=cwd, start_new_session=True,
            )
        self.pid = self._popen.pid
        self.container: str | None = None  # the container's name, under Docker
        keys = [janitor.register("group", self.pid),
                *(janitor.register("command", list(c)) for c in cleanup)]
        self._finalizer = weakref.finalize(
            self, _end_group, self._popen, _GRACE_S, [list(c) for c in cleanup], keys)

    @property
    def command_line(self) -> str:
        return shlex.join(self.command)

    @property
    def returncode(self) -> int | None:
        return self._popen.poll()

    def alive(self) -> bool:
        return self._popen.poll() is None

    def check_alive(self, what: str) -> None:
        """Raise :class:`SimulatorCrashed` if the program has exited."""
        if self._popen.poll() is not None:
            raise SimulatorCrashed(what, self._popen.returncode, self.log_tail(), self.command_line)

    def wait(self, timeout_s: float) -> int | None:
        """Wait up to ``timeout_s`` for the program to exit by itself."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self._popen.wait(timeout_s)
        return None

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - 16384))
                text = log.read().decode("utf-8", errors="replace")
        except OSError as err:
            return f"(log {self.log_path} unreadable: {err})"
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> int | None:
        """End the process group if still running; idempotent. Returns the exit status."""
        self._finalizer()
        return self._popen.returncode


def _end_group(
    popen: subprocess.Popen[bytes], grace_s: float, cleanup: list[list[str]], keys: list[int]
) -> None:
    if popen.poll() is None:
        _signal_group(popen.pid, signal.SIGTERM)
        _signal_group(popen.pid, signal.SIGCONT)
        deadline = time.monotonic() + grace_s
        while popen.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if popen.poll() is None:
            _signal_group(popen.pid, signal.SIGKILL)
    popen.wait()
    # The leader is gone; anything it left in its group goes too.
    _signal_group(popen.pid, signal.SIGKILL)
    for command in cleanup:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30, check=False)
    for key in keys:
        janitor.release(key)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)

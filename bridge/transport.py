"""The agent's end of the bridge: a ZeroMQ REP socket that binds, with timeouts.

The simulator is the REQ side and connects. Endpoints:

- ``"ipc"``: a fresh ``ipc://`` socket file in a private temporary directory (default);
- ``"tcp"``: ``tcp://127.0.0.1`` on a free port chosen by the kernel;
- ``"ipc://PATH"`` or ``"tcp://HOST:PORT"`` (``PORT`` may be ``*``): exactly that.

Binding beyond loopback (``0.0.0.0``, ``*`` or any address other than 127.x / ::1 /
localhost) must be asked for explicitly: whoever reaches the socket talks to the agent.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import zmq

from bridge import janitor
from bridge.errors import EndpointInUse, SimulatorTimeout

_POLL_SLICE_S = 0.05  # how often a wait checks that the simulator is still alive
_IPC_PATH_MAX = 107  # sun_path limit on Linux, minus the terminating NUL
_LOOPBACK = {"localhost", "[::1]", "::1"}


def context() -> zmq.Context:
    """The process's one ZeroMQ context (pyzmq makes a new one after a fork)."""
    return zmq.Context.instance()


class AgentSocket:
    """A bound REP socket for one simulator session."""

    def __init__(self, endpoint: str = "ipc", *, allow_all_interfaces: bool = False,
                 directory: Path | None = None):
        """``directory``: where an ``"ipc"`` endpoint makes its socket (default: /tmp)."""
        self._directory = directory
        self._tmpdir: str | None = None
        self._ipc_path: Path | None = None
        self._cleanup: int | None = None  # the janitor's entry for what we create
        address = self._resolve(endpoint, allow_all_interfaces)
        self._socket = context().socket(zmq.REP)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.setsockopt(zmq.RCVTIMEO, int(_POLL_SLICE_S * 1000))
        try:
            self._socket.bind(address)
        except zmq.ZMQError as err:
            self.close()
            if err.errno == errno.EADDRINUSE:
                raise EndpointInUse(f"endpoint {address} is in use by another socket") from None
            raise ValueError(f"cannot bind endpoint {address!r}: {err}") from None
        self.bound = self._socket.getsockopt_string(zmq.LAST_ENDPOINT)
        if self._tmpdir is not None or self._ipc_path is not None:
            self._cleanup = janitor.register("path", self._tmpdir or self._ipc_path)

    def _resolve(self, endpoint: str, allow_all_interfaces: bool) -> str:
        if endpoint == "ipc":
            self._tmpdir = tempfile.mkdtemp(prefix="ran-gym-", dir=self._directory)
            endpoint = f"ipc://{self._tmpdir}/gym.sock"
        elif endpoint == "tcp":
            endpoint = "tcp://127.0.0.1:*"
        if endpoint.startswith("ipc://"):
            # absolute: the simulator may start in another directory, or in a container
            self._ipc_path = Path(endpoint[len("ipc://"):]).absolute()
            _check_ipc_path(self._ipc_path)
            return f"ipc://{self._ipc_path}"
        if endpoint.startswith("tcp://"):
            host = endpoint[len("tcp://"):].rpartition(":")[0]
            if not host:
                raise ValueError(f"tcp endpoint {endpoint!r} needs HOST:PORT")
            if not (host in _LOOPBACK or host.startswith("127.")) and not allow_all_interfaces:
                raise ValueError(
                    f"endpoint {endpoint!r} binds beyond loopback (all interfaces or a "
                    "network address); pass allow_all_interfaces=True (ran-gym run: "
                    "--allow-all-interfaces) if that is what you want"
                )
            return endpoint
        raise ValueError(
            f"unknown endpoint {endpoint!r}: use 'ipc', 'tcp', 'ipc://PATH' or 'tcp://HOST:PORT'"
        )

    @property
    def connect_address(self) -> str:
        """The address the simulator connects to (loopback for an all-interfaces bind)."""
        if self.bound.startswith("tcp://0.0.0.0:"):
            return "tcp://127.0.0.1:" + self.bound.rpartition(":")[2]
        return self.bound

    @property
    def port(self) -> int | None:
        if not self.bound.startswith("tcp://"):
            return None
        return int(self.bound.rpartition(":")[2])

    def share_with_other_users(self) -> Path | None:
        """Let another user (a container's) connect to an ipc endpoint: the socket file
        becomes world-writable and its directory traversable. Returns that directory."""
        if self._ipc_path is None:
            return None
        self._ipc_path.chmod(0o666)
        if self._tmpdir is not None:
            os.chmod(self._tmpdir, 0o711)
        return self._ipc_path.parent

    def send(self, payload: bytes) -> None:
        self._socket.send(payload)  # copying is cheaper than zero-copy for small frames

    def recv(
        self, timeout_s: float | None, what: str, check_alive: Callable[[], None] | None = None
    ) -> bytes:
        """Wait for one message; ``check_alive`` raises if the peer is gone.

        A blocking receive with a short socket timeout (no Poller per call: this is
        the hot path of every step), checking the peer and the deadline in between.
        """
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            try:
                return self._socket.recv()
            except zmq.Again:
                pass
            if check_alive is not None:
                check_alive()
            if deadline is not None and time.monotonic() >= deadline:
                raise SimulatorTimeout(f"no answer within {timeout_s:g} s while {what}")

    def close(self) -> None:
        """Idempotent: closes the socket and removes the ipc socket file it made."""
        sock = getattr(self, "_socket", None)
        if sock is not None and not sock.closed:
            sock.close(linger=0)
        if self._ipc_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self._ipc_path.unlink()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        if self._cleanup is not None:
            janitor.release(self._cleanup)
            self._cleanup = None


def _check_ipc_path(path: Path) -> None:
    if len(str(path)) > _IPC_PATH_MAX:
        raise ValueError(f"ipc path {path} is longer than {_IPC_PATH_MAX} characters")
    if not path.parent.is_dir():
        raise ValueError(f"ipc path {path}: directory {path.parent} does not exist")
    if not path.exists():
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:  # a stale socket file left by a process that died
        os.unlink(path)
        return
    finally:
        probe.close()
    raise EndpointInUse(f"endpoint ipc://{path} is in use by another socket")

"""The agent's socket (bridge/transport.py) in one process: endpoints, the wait for a
message, what it creates on disk and what it leaves behind."""

from __future__ import annotations

import gc
import re
import socket
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import zmq

from bridge import transport
from bridge.errors import EndpointInUse, SimulatorTimeout
from bridge.transport import AgentSocket


@pytest.fixture
def janitor_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple]]:
    """What the socket registers with the janitor, and what it releases."""
    calls: list[tuple] = []

    def register(kind: str, value: object) -> int:
        calls.append(("register", kind, str(value)))
        return 100 + len(calls)

    monkeypatch.setattr(transport.janitor, "register", register)
    monkeypatch.setattr(transport.janitor, "release", lambda key: calls.append(("release", key)))
    yield calls


def peer(sock: AgentSocket) -> zmq.Socket:
    """The simulator's end: a REQ socket connected to ``sock``."""
    req = zmq.Context.instance().socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.connect(sock.connect_address)
    return req


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- endpoints -----------------------------------------------------------------------

def test_ipc_default_is_a_private_directory_removed_on_close(tmp_path, janitor_calls):
    sock = AgentSocket("ipc", directory=tmp_path)
    path = Path(sock.bound[len("ipc://"):])
    assert path.name == "gym.sock" and path.parent.parent == tmp_path and path.exists()
    assert sock.connect_address == sock.bound and sock.port is None
    assert janitor_calls == [("register", "path", str(path.parent))]  # the directory
    sock.close()
    assert not path.parent.exists()
    assert janitor_calls[1:] == [("release", 101)]
    sock.close()  # idempotent: nothing more to do, nothing released twice
    assert len(janitor_calls) == 2


def test_an_explicit_ipc_path_is_made_absolute_and_only_its_file_removed(
        tmp_path, monkeypatch, janitor_calls):
    monkeypatch.chdir(tmp_path)
    sock = AgentSocket("ipc://here.sock")
    assert sock.bound == f"ipc://{tmp_path / 'here.sock'}"
    assert janitor_calls == [("register", "path", str(tmp_path / "here.sock"))]
    sock.close()
    assert not (tmp_path / "here.sock").exists() and tmp_path.is_dir()
    assert janitor_calls[1:] == [("release", 101)]


def test_tcp_binds_loopback_on_a_free_port_and_registers_nothing(janitor_calls):
    sock = AgentSocket("tcp")
    try:
        host, port = sock.bound.rpartition(":")[0], sock.port
        assert host == "tcp://127.0.0.1" and isinstance(port, int) and port > 0
        assert sock.bound == f"tcp://127.0.0.1:{port}" == sock.connect_address
    finally:
        sock.close()
    assert janitor_calls == []


@pytest.mark.parametrize("endpoint", ["tcp://localhost:*", "tcp://127.0.0.2:*"])
def test_other_loopback_names_bind_without_the_flag(endpoint):
    AgentSocket(endpoint).close()


def test_all_interfaces_need_the_flag_and_the_simulator_connects_by_loopback():
    with pytest.raises(ValueError, match="beyond loopback"):
        AgentSocket("tcp://0.0.0.0:*")
    sock = AgentSocket("tcp://0.0.0.0:*", allow_all_interfaces=True)
    try:
        assert sock.bound == f"tcp://0.0.0.0:{sock.port}"
        assert sock.connect_address == f"tcp://127.0.0.1:{sock.port}"
    finally:
        sock.close()


@pytest.mark.parametrize("endpoint,match", [
    ("udp://x", "unknown endpoint 'udp://x'"),
    ("tcp://:5555", "needs HOST:PORT"),
    ("tcp://127.0.0.1:notaport", "cannot bind endpoint"),
])
def test_bad_endpoints_are_named(endpoint, match):
    with pytest.raises(ValueError, match=match):
        AgentSocket(endpoint)


def test_a_busy_tcp_port_is_in_use_and_the_socket_is_closed(monkeypatch):
    made: list[zmq.Socket] = []

    class Recording:
        def socket(self, kind: int) -> zmq.Socket:
            made.append(zmq.Context.instance().socket(kind))
            return made[-1]

    monkeypatch.setattr(transport, "context", Recording)
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        port = holder.getsockname()[1]
        with pytest.raises(EndpointInUse, match=f"tcp://127.0.0.1:{port} is in use"):
            AgentSocket(f"tcp://127.0.0.1:{port}")
    finally:
        holder.close()
    assert len(made) == 1 and made[0].closed


def test_socket_options(tmp_path):
    # Nothing lingers at close; a wait wakes every 50 ms to check the simulator.
    sock = AgentSocket("ipc", directory=tmp_path)
    try:
        assert sock._socket.getsockopt(zmq.LINGER) == 0
        assert sock._socket.getsockopt(zmq.RCVTIMEO) == 50
    finally:
        sock.close()


# --- ipc paths -----------------------------------------------------------------------

def _path_of_length(directory: Path, length: int) -> Path:
    name = "s" * (length - len(str(directory)) - 1)
    path = directory / name
    assert len(str(path)) == length
    return path


def test_ipc_paths_up_to_107_characters(tmp_path):
    # sun_path holds 108 bytes with the terminating NUL
    fits = _path_of_length(tmp_path, 107)
    AgentSocket(f"ipc://{fits}").close()
    too_long = _path_of_length(tmp_path, 108)
    # refused by the bridge before a socket is made (libzmq's own refusal names the
    # same limit, after "cannot bind endpoint")
    with pytest.raises(ValueError, match=f"^ipc path {re.escape(str(too_long))} is longer "
                                         "than 107 characters$"):
        AgentSocket(f"ipc://{too_long}")


def test_an_ipc_path_needs_its_directory(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        AgentSocket(f"ipc://{tmp_path / 'missing' / 'gym.sock'}")


def test_a_stale_socket_file_is_replaced_and_a_live_one_is_in_use(tmp_path):
    path = tmp_path / "gym.sock"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))  # a socket file nobody listens on
    stale.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = AgentSocket(f"ipc://{path}")
        gc.collect()
    assert not [w for w in caught if "unclosed <socket" in str(w.message)]  # the probe closed
    try:
        req = peer(first)
        req.send(b"ping")
        assert first.recv(5.0, "a ping") == b"ping"  # it is the live socket now
        req.close()
        with pytest.raises(EndpointInUse, match=f"ipc://{path} is in use"):
            AgentSocket(f"ipc://{path}")
        assert path.exists()  # the refused socket did not take the live one's file
    finally:
        first.close()


def test_close_survives_a_directory_removed_behind_its_back(tmp_path):
    sock = AgentSocket("ipc", directory=tmp_path)
    directory = Path(sock.bound[len("ipc://"):]).parent
    for entry in directory.iterdir():
        entry.unlink()
    directory.rmdir()
    sock.close()
    assert sock._socket.closed


# --- sharing with a container's user ----------------------------------------------------

def test_sharing_opens_the_socket_and_its_private_directory(tmp_path):
    sock = AgentSocket("ipc", directory=tmp_path)
    try:
        path = Path(sock.bound[len("ipc://"):])
        assert mode(path.parent) == 0o700
        assert sock.share_with_other_users() == path.parent
        assert mode(path) == 0o666 and mode(path.parent) == 0o711
    finally:
        sock.close()


def test_sharing_an_explicit_path_leaves_its_directory_alone(tmp_path):
    tmp_path.chmod(0o755)
    sock = AgentSocket(f"ipc://{tmp_path / 'gym.sock'}")
    try:
        assert sock.share_with_other_users() == tmp_path
        assert mode(tmp_path / "gym.sock") == 0o666 and mode(tmp_path) == 0o755
    finally:
        sock.close()
    tcp = AgentSocket("tcp")
    try:
        assert tcp.share_with_other_users() is None
    finally:
        tcp.close()


# --- one exchange, and waiting ------------------------------------------------------------

def test_a_message_and_its_answer(tmp_path):
    sock = AgentSocket("ipc", directory=tmp_path)
    req = peer(sock)
    try:
        req.send(b"state")
        assert sock.recv(None, "the state") == b"state"
        sock.send(b"action")
        assert req.poll(5000) and req.recv() == b"action"
    finally:
        req.close()
        sock.close()


def test_a_wait_checks_the_simulator_and_returns_what_arrives_meanwhile(tmp_path):
    # The message is sent from inside the first check: the wait must check, then try
    # again before its deadline (5 s, far away), and return the message.
    sock = AgentSocket("ipc", directory=tmp_path)
    req = peer(sock)
    checks: list[int] = []

    def check_alive() -> None:
        checks.append(1)
        if len(checks) == 1:
            req.send(b"late")
        if len(checks) > 100:
            raise RuntimeError("the message never came through")

    try:
        for timeout in (5.0, None):
            checks.clear()
            assert sock.recv(timeout, "a late state", check_alive) == b"late"
            assert len(checks) >= 1
            sock.send(b"ack")
            assert req.poll(5000) and req.recv() == b"ack"
    finally:
        req.close()
        sock.close()


def test_a_dead_simulator_ends_the_wait(tmp_path):
    sock = AgentSocket("ipc", directory=tmp_path)

    def gone() -> None:
        raise ConnectionError("simulator exited")

    try:
        with pytest.raises(ConnectionError, match="simulator exited"):
            sock.recv(None, "the state", gone)
    finally:
        sock.close()


def test_a_silent_simulator_times_out(tmp_path):
    sock = AgentSocket("ipc", directory=tmp_path)
    checks: list[int] = []

    def check_alive() -> None:
        checks.append(1)
        if len(checks) > 200:  # 10 s of 50 ms waits: the deadline of 0.2 s was ignored
            raise RuntimeError("no timeout")

    try:
        with pytest.raises(SimulatorTimeout, match="no answer within 0.2 s while the state"):
            sock.recv(0.2, "the state", check_alive)
        assert 1 <= len(checks) <= 200
    finally:
        sock.close()

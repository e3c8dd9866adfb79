"""Client of ``ran-gym-launcher`` (ns3_scenarios/launcher): scenario programs started
by a launcher in another container on this machine (it listens on ipc:// or loopback
only), behind the same process handle as a local one."""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import zmq

from bridge.errors import BridgeError, SimulatorCrashed, SimulatorNotFound
from bridge.transport import context


class LauncherClient:
    def __init__(self, endpoint: str, timeout_s: float):
        self.endpoint, self.timeout_s = endpoint, timeout_s

    def request(self, *frames: str) -> list[str]:
        """One request/reply; a fresh socket each time, so a lost reply costs nothing."""
        sock = context().socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        ms = int(self.timeout_s * 1000)
        sock.setsockopt(zmq.RCVTIMEO, ms)
        sock.setsockopt(zmq.SNDTIMEO, ms)
        try:
            sock.connect(self.endpoint)
            sock.send_multipart([f.encode() for f in frames])
            reply = [f.decode(errors="replace") for f in sock.recv_multipart()]
        except zmq.Again:
            raise BridgeError(f"launcher at {self.endpoint} did not answer within "
                              f"{self.timeout_s:g} s ({frames[0]})") from None
        except zmq.ZMQError as err:
            raise BridgeError(f"launcher at {self.endpoint}: {err}") from None
        finally:
            sock.close(linger=0)
        if reply and reply[0] == "error":
            message = reply[1] if len(reply) > 1 else "unknown error"
            if message.startswith("no program"):
                raise SimulatorNotFound(f"launcher at {self.endpoint}: {message}")
            raise BridgeError(f"launcher at {self.endpoint}: {message}")
        return reply

    def ping(self) -> None:
        if self.request("ping") != ["pong"]:
            raise BridgeError(f"{self.endpoint} is not a ran-gym launcher")


class RemoteProcess:
    """A program the launcher runs; its log comes back on close."""

    def __init__(self, client: LauncherClient, program: str, args: list[str], log_path: Path):
        self.client, self.log_path = client, Path(log_path)
        self.command = [program, *args]
        self.command_line = f"(launcher {client.endpoint}) {shlex.join(self.command)}"
        self.id = client.request("start", *self.command)[1]
        self.pid: int | None = None
        self.container: str | None = None
        self._status: int | None = None
        self._closed = False

    @property
    def returncode(self) -> int | None:
        return self._status

    def alive(self) -> bool:
        if self._status is None:
            reply = self.client.request("poll", self.id)
            if reply[0] == "exited":
                self._status = int(reply[1])
        return self._status is None

    def check_alive(self, what: str) -> None:
        if not self.alive():
            raise SimulatorCrashed(what, self._status, self.log_tail(), self.command_line)

    def wait(self, timeout_s: float) -> int | None:
        deadline = time.monotonic() + timeout_s
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        return self._status

    def log_tail(self, lines: int = 20) -> str:
        try:
            return self.client.request("log", self.id, str(lines))[1].rstrip("\n")
        except BridgeError as err:
            return f"(log unavailable: {err})"

    def close(self) -> int | None:
        """Stop the program (idempotent) and keep the end of its log locally."""
        if self._closed:
            return self._status
        self._closed = True
        try:
            reply = self.client.request("stop", self.id)
            self._status = int(reply[1])
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self.log_path.write_text(self.log_tail(200) + "\n")
        except BridgeError:
            pass  # the launcher is gone; so are its programs
        return self._status

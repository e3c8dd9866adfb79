"""Where a scenario program runs: natively, in the scenario image under Docker, or
through a ``ran-gym-launcher`` (another container on this machine).

Every runtime's ``start`` returns a process handle with the same methods (``alive``,
``check_alive``, ``wait``, ``close``, ``log_tail``, ``command_line``), so the env does
not ask which one it holds.

Under Docker the program runs as a non-root user (the image's, or the caller's) with
every capability dropped and no privilege gain, in a container with a unique name,
removed when it exits (``--rm``) and, whatever happens to the agent, by the launcher's
clean-up (``docker rm -f``). An ``ipc://`` endpoint's directory is
mounted at the same path and the container has no network at all; a ``tcp://``
endpoint on loopback uses the host's network namespace, so traffic stays on loopback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.errors import SimulatorNotFound
from bridge.launcher import SimulatorProcess
from bridge.remote import LauncherClient, RemoteProcess

DEFAULT_IMAGE = "ran-gym-scenarios"
IMAGE_UID = 10001  # the scenario image's user (docker/scenario.Dockerfile)
CONTAINER_LABEL = "org.ran-gym.scenario"


@dataclass(frozen=True)
class NativeRuntime:
    """The program on this machine."""

    socket_dir: Path | None = None

    def check(self) -> None:
        """Nothing to check: a missing program is reported when it is started."""

    def start(self, program: Path, args: list[str], ipc_dir: Path | None, run_dir: Path,
              log_path: Path) -> SimulatorProcess:
        return SimulatorProcess([str(program), *args], log_path)


@dataclass(frozen=True)
class DockerRuntime:
    """Runs scenario programs in ``image`` (built by ``make docker``)."""

    image: str = DEFAULT_IMAGE
    """The scenario image; its programs are on PATH inside it."""
    docker: str = "docker"
    """The Docker client to call."""
    socket_dir: Path | None = None
    """Where ipc sockets are made (default: a private temporary directory)."""

    def check(self) -> None:
        """Raise :class:`SimulatorNotFound` when the client or the image is missing."""
        if shutil.which(self.docker) is None:
            raise SimulatorNotFound(f"runtime 'docker': no {self.docker!r} client on PATH")
        found = subprocess.run([self.docker, "image", "inspect", self.image],
                               capture_output=True, timeout=60, check=False)
        if found.returncode != 0:
            raise SimulatorNotFound(
                f"runtime 'docker': image {self.image!r} not found; build it with `make docker`"
            )

    def start(self, program: Path, args: list[str], ipc_dir: Path | None, run_dir: Path,
              log_path: Path) -> SimulatorProcess:
        """``docker run`` of ``program``; ``run_dir`` is mounted at its own path so that
        trace files the program writes there land on the host."""
        name = f"ran-gym-{uuid.uuid4().hex[:12]}"
        command = [self.docker, "run", "--rm", "--init", "--name", name,
                   "--label", CONTAINER_LABEL, "--network", "none" if ipc_dir else "host",
                   "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                   "--volume", f"{run_dir}:{run_dir}", *_user_options(run_dir)]
        if ipc_dir is not None:
            command += ["--volume", f"{ipc_dir}:{ipc_dir}"]
        command += [self.image, program.name, *args]
        process = SimulatorProcess(command, log_path,
                                   cleanup=[[self.docker, "rm", "--force", name]])
        process.container = name
        return process


@dataclass(frozen=True)
class LauncherRuntime:
    """Asks a ``ran-gym-launcher`` at ``endpoint`` to start the programs. With ipc,
    ``socket_dir`` must be a directory the launcher's side sees at the same path (a
    shared volume)."""

    endpoint: str
    """The launcher's ZeroMQ endpoint."""
    socket_dir: Path | None = None
    """Shared directory for the agents' ipc sockets (None: use tcp endpoints)."""
    timeout_s: float = 10.0
    """Longest wait for the launcher's answers."""

    def check(self) -> None:
        LauncherClient(self.endpoint, self.timeout_s).ping()

    def start(self, program: Path, args: list[str], ipc_dir: Path | None, run_dir: Path,
              log_path: Path) -> RemoteProcess:
        client = LauncherClient(self.endpoint, self.timeout_s)
        return RemoteProcess(client, program.name, args, log_path)


def _user_options(run_dir: Path) -> list[str]:
    """Run as the caller, so files it writes belong to the caller; a root caller keeps
    the image's own non-root user, which is given the run directory instead."""
    if os.geteuid() != 0:
        return ["--user", f"{os.geteuid()}:{os.getegid()}"]
    os.chown(run_dir, IMAGE_UID, -1)
    return []


Runtime = NativeRuntime | DockerRuntime | LauncherRuntime


def make_runtime(runtime: Any) -> Runtime:
    """``"native"`` / None, ``"docker"``, ``"launcher:ENDPOINT[@SOCKET_DIR]"``, or a
    runtime object."""
    if runtime is None or runtime == "native":
        return NativeRuntime()
    if runtime == "docker":
        return DockerRuntime()
    if isinstance(runtime, str) and runtime.startswith("launcher:"):
        endpoint, _, socket_dir = runtime[len("launcher:"):].partition("@")
        return LauncherRuntime(endpoint, Path(socket_dir) if socket_dir else None)
    if isinstance(runtime, (NativeRuntime, DockerRuntime, LauncherRuntime)):
        return runtime
    raise ValueError(
        f"runtime must be 'native', 'docker' or 'launcher:ENDPOINT[@SOCKET_DIR]', got {runtime!r}"
    )

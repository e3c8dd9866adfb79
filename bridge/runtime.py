"""Where a scenario program runs: natively, or in the scenario image under Docker.

Under Docker the program runs as the image's non-root user in a container with a
unique name, removed when it exits (``--rm``) and, whatever happens to the agent,
by the launcher's clean-up (``docker rm -f``). An ``ipc://`` endpoint's directory is
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

from bridge.errors import SimulatorNotFound

DEFAULT_IMAGE = "ran-gym-scenarios"
IMAGE_UID = 10001  # the scenario image's user (docker/scenario.Dockerfile)
CONTAINER_LABEL = "org.ran-gym.scenario"


@dataclass(frozen=True)
class Launch:
    """A command that starts a scenario, and the commands that clean up after it."""

    command: list[str]
    cleanup: list[list[str]]
    container: str | None = None


@dataclass(frozen=True)
class DockerRuntime:
    """Runs scenario programs in ``image`` (built by ``make docker``)."""

    image: str = DEFAULT_IMAGE
    """The scenario image; its programs are on PATH inside it."""
    docker: str = "docker"
    """The Docker client to call."""

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

    def launch(self, program: Path, args: list[str], ipc_dir: Path | None,
               run_dir: Path) -> Launch:
        """The ``docker run`` command for ``program``; ``run_dir`` is mounted at its own
        path so that trace files the program writes there land on the host."""
        name = f"ran-gym-{uuid.uuid4().hex[:12]}"
        command = [self.docker, "run", "--rm", "--init", "--name", name,
                   "--label", CONTAINER_LABEL, "--network", "none" if ipc_dir else "host",
                   "--volume", f"{run_dir}:{run_dir}", *_user_options(run_dir)]
        if ipc_dir is not None:
            command += ["--volume", f"{ipc_dir}:{ipc_dir}"]
        command += [self.image, program.name, *args]
        return Launch(command, [[self.docker, "rm", "--force", name]], name)


def _user_options(run_dir: Path) -> list[str]:
    """Run as the caller, so files it writes belong to the caller; a root caller keeps
    the image's own non-root user, which is given the run directory instead."""
    if os.geteuid() != 0:
        return ["--user", f"{os.geteuid()}:{os.getegid()}"]
    os.chown(run_dir, IMAGE_UID, -1)
    return []


def native_launch(program: Path, args: list[str]) -> Launch:
    return Launch([str(program), *args], [])


def make_runtime(runtime: str | DockerRuntime | None) -> DockerRuntime | None:
    """``"native"`` / None -> None; ``"docker"`` -> the default image; or as given."""
    if runtime is None or runtime == "native":
        return None
    if runtime == "docker":
        return DockerRuntime()
    if isinstance(runtime, DockerRuntime):
        return runtime
    raise ValueError(f"runtime must be 'native' or 'docker', got {runtime!r}")

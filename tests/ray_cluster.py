"""A two-node Ray test cluster on this machine (``ray.cluster_utils.Cluster``) with token
authentication, and the process-tree helpers the Ray rollout tests use to find each
node's actors and simulators."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.2"
"""The nodes' address: on loopback, but not 127.0.0.1, which Ray replaces by this host's
network address in an address a driver joins."""
NODE = {"num_cpus": 2, "object_store_memory": 80 * 2**20, "node_ip_address": LOOPBACK}
"""Each node: 2 logical CPUs (two rollout actors of one CPU), the smallest object store."""


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for child in children(pid):
        found |= {child, *descendants(child)}
    return found


def argv(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return [""]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def raylet(node: Any) -> int:
    """The raylet's process id of a ``ray._private.node.Node``: every worker of the node,
    and so every simulator its actors start, descends from it."""
    from ray._private import ray_constants

    return int(node.all_processes[ray_constants.PROCESS_TYPE_RAYLET][0].process.pid)


def simulators(node: Any, program: str = "ran-gym-oran-slicing") -> set[int]:
    return {p for p in descendants(raylet(node))
            if Path(argv(p)[0]).name == program and alive(p)}


def actors(node: Any) -> set[int]:
    """The node's rollout actor processes (Ray names them ``ray::EnvActor...``)."""
    return {p for p in descendants(raylet(node)) if argv(p)[0].startswith("ray::EnvActor")}


def _ray_processes(temp_dir: str) -> set[int]:
    roots = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            if temp_dir.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                roots.append(int(entry))
    return set(roots).union(*(descendants(pid) for pid in roots))


def _reset_token_cache() -> None:
    from ray._private.authentication_test_utils import reset_auth_token_state

    reset_auth_token_state()


@dataclasses.dataclass
class TestCluster:
    cluster: Any
    """The ``ray.cluster_utils.Cluster``."""
    token: str
    """Its authentication token."""
    temp_dir: str
    """Its nodes' session directory."""

    @property
    def address(self) -> str:
        return str(self.cluster.address)

    @property
    def head(self) -> Any:
        return self.cluster.head_node

    @property
    def worker(self) -> Any:
        return next(iter(self.cluster.worker_nodes))

    def replace_worker(self) -> None:
        """The worker node lost (every process of it SIGKILLed), a fresh one added."""
        self.cluster.remove_node(self.worker, allow_graceful=False)
        self.cluster.add_node(**NODE, temp_dir=self.temp_dir)


HEALTH_CHECKS = {"health_check_period_ms": 300, "health_check_failure_threshold": 3,
                 "health_check_timeout_ms": 300}
"""A lost node is declared dead within about a second (Ray's default: about 15 s)."""


@contextlib.contextmanager
def two_node_cluster() -> Iterator[TestCluster]:
    """A head and one worker node on loopback, token authentication on (a fresh token in
    this process's environment, which the nodes inherit); every Ray process of it gone on
    leaving."""
    from ray.cluster_utils import Cluster

    token = secrets.token_hex(32)
    temp_dir = tempfile.mkdtemp(prefix="rg-ray-", dir="/tmp")  # short: sockets live here
    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_TMPDIR")}
    # Ray's Cluster also writes the head's address to <RAY_TMPDIR>/ray/ray_current_cluster
    # (/tmp/ray by default), which it does not create: on a machine where no Ray ran
    # before, that failed. Here it lands in the cluster's own folder, gone on leaving.
    os.mkdir(os.path.join(temp_dir, "ray"))
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=token, RAY_TMPDIR=temp_dir)
    _reset_token_cache()
    cluster = None
    try:
        cluster = Cluster(initialize_head=True, shutdown_at_exit=False,
                          head_node_args={**NODE, "temp_dir": temp_dir,
                                          "include_dashboard": False,
                                          "_system_config": HEALTH_CHECKS})
        cluster.add_node(**NODE, temp_dir=temp_dir)
        cluster.wait_for_nodes()
        yield TestCluster(cluster, token, temp_dir)
    finally:
        started = _ray_processes(temp_dir)
        if cluster is not None:
            cluster.shutdown()
        deadline = time.monotonic() + 20
        while any(map(alive, started)) and time.monotonic() < deadline:
            time.sleep(0.2)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _reset_token_cache()
        shutil.rmtree(temp_dir, ignore_errors=True)
        left = sorted(filter(alive, started))
        assert not left, f"Ray processes left after the cluster's shutdown: {left}"

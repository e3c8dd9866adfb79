"""Ray, connected: the caller's session if one is open, a local instance, or an existing
cluster by address (sweeps and rollout workers share this).

A local instance is started with its node address on loopback (``127.0.0.1``); Ray 2.60
still binds its own gRPC servers (GCS, raylet, workers) on every interface, which its
token authentication guards (docs/scale-out.md, "Who serves what"). Joining a cluster
uses Ray's own client settings: a cluster started with token authentication
(``RAY_AUTH_MODE=token``) refuses a driver without its token (``RAY_AUTH_TOKEN`` or
``RAY_AUTH_TOKEN_PATH`` in the driver's environment).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

OBJECT_STORE_BYTES = 100 * 2**20  # tasks and actors exchange small arrays; Ray's floor is 75 MiB
LOOPBACK = "127.0.0.1"
LOCAL_CONFIG = {"enable_worker_prestart": False, "prestart_worker_first_driver": False}
"""A local Ray starts workers when tasks and actors need them: prestarted idle workers
cost CPU all along (about 0.2 ms per 10 ms env step on a 2-core machine)."""


_local_sessions = 0
"""Local instances started by :func:`ray_session` and still open (0 or 1)."""


@contextlib.contextmanager
def ray_session(address: str | None, num_cpus: int | None) -> Iterator[Any]:
    """Ray, connected: the caller's session if one is open, else a local instance with
    ``num_cpus`` logical CPUs (default: this machine's) or the cluster at ``address``;
    one started here is shut down on leaving."""
    import ray  # noqa: PLC0415 - only sweeps and Ray rollouts need Ray

    if ray.is_initialized():
        yield ray
        return
    if address:
        ray.init(address=address, log_to_driver=False, _node_ip_address=_driver_ip(address))
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count(), include_dashboard=False,
                 object_store_memory=OBJECT_STORE_BYTES, log_to_driver=False,
                 _node_ip_address=LOOPBACK, _system_config=LOCAL_CONFIG)
    global _local_sessions
    local = not address
    _local_sessions += local
    try:
        yield ray
    finally:
        _local_sessions -= local
        ray.shutdown()


def channel_host() -> str:
    """The address the learner's rollout step channel binds (:mod:`ran_gym.rollouts.channel`):
    loopback for a local Ray started here and for a cluster on loopback addresses (a
    test cluster), else this host's address on the route to the cluster's GCS."""
    import ray  # noqa: PLC0415

    if _local_sessions:
        return LOOPBACK
    host = ray.get_runtime_context().gcs_address.rsplit(":", 1)[0].strip("[]")
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_loopback:
            return LOOPBACK
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((host, 9))  # UDP: no packet is sent; the kernel picks the route
        return str(probe.getsockname()[0])


def _driver_ip(address: str) -> str | None:
    """A cluster whose head is on a loopback address has its nodes there too (a test
    cluster, or one started with ``--node-ip-address=127.0.0.2``): the driver joins on that
    address, not on this host's network address, which those nodes do not listen on.
    (Ray turns 127.0.0.1 and ``localhost`` in an address into the network address, so
    a loopback cluster that drivers join by address uses another 127.x.y.z.)"""
    host = address.removeprefix("ray://").rsplit(":", 1)[0].strip("[]")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        return None  # a host name: Ray's own choice
    return host if loopback else None

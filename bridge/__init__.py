"""ran-gym's bridge: the ns3-gym wire protocol, the simulator launcher, Gymnasium envs,
and the scenarios' Python models (``bridge.slicing``, ``bridge.twins``, ``bridge.metrics``).

``import bridge`` registers the env ids below with Gymnasium by entry-point strings; the
env modules (and with them ZeroMQ and protobuf) load when an env is made, so code that
needs only a scenario model does not pay for them.
"""

import gymnasium as gym

from bridge.errors import (
    BridgeError,
    EndpointInUse,
    ProtocolError,
    SimulatorCrashed,
    SimulatorNotFound,
    SimulatorTimeout,
)

ENV_IDS: dict[str, str] = {
    "RanGym/Reference-v0": "bridge.envs:make_reference",
    "RanGym/Ns3Gym-v0": "bridge.envs:make_ns3gym",
    "RanGym/Interference-v0": "bridge.envs:make_interference",
    "RanGym/OranSlicing-v0": "bridge.envs:make_oran_slicing",
    "RanGym/OranSlicingTwin-v0": "bridge.slicing.twin_env:make_oran_slicing_twin",
}
"""Env id -> ``"module:function"`` that makes it."""


def register_envs() -> None:
    """Register :data:`ENV_IDS` with Gymnasium (done on ``import bridge``)."""
    for env_id, entry_point in ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry_point, disable_env_checker=True)


register_envs()

__all__ = [
    "ENV_IDS",
    "BridgeError",
    "EndpointInUse",
    "ProtocolError",
    "SimulatorCrashed",
    "SimulatorNotFound",
    "SimulatorTimeout",
    "register_envs",
]

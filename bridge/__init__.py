"""ran-gym's bridge: the ns3-gym wire protocol, the simulator launcher and Gymnasium envs.

``import bridge`` registers ``RanGym/Reference-v0`` and ``RanGym/Ns3Gym-v0``.
"""

from bridge.env import Ns3Env, decode_info
from bridge.envs import ScenarioEnv, make_ns3gym, make_reference, register_envs
from bridge.errors import (
    BridgeError,
    EndpointInUse,
    ProtocolError,
    SimulatorCrashed,
    SimulatorNotFound,
    SimulatorTimeout,
)

register_envs()

__all__ = [
    "BridgeError",
    "EndpointInUse",
    "Ns3Env",
    "ProtocolError",
    "ScenarioEnv",
    "SimulatorCrashed",
    "SimulatorNotFound",
    "SimulatorTimeout",
    "decode_info",
    "make_ns3gym",
    "make_reference",
    "register_envs",
]

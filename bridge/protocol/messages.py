"""The four messages of a session, as values: what ns-3 sends and what the agent answers.

Order on the wire (no type tag): SimInitMsg -> SimInitAck, then EnvStateMsg -> EnvActMsg
for every step; after a game over, or to end early, the answer carries stopSimReq.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from gymnasium import spaces

from bridge.errors import ProtocolError
from bridge.protocol import codec
from bridge.protocol import schema as pb

# The only bytes ns3-gym's client ever sends for these two answers.
INIT_ACK = pb.SimInitAck(done=True).SerializeToString()
STOP = pb.EnvActMsg(stopSimReq=True).SerializeToString()


@dataclass(frozen=True)
class SimInit:
    """First message of a session: the simulator's process ids and its spaces."""

    pid: int
    parent_pid: int
    observation_space: spaces.Space
    action_space: spaces.Space


class EnvState(NamedTuple):
    """One observation of the simulator (a NamedTuple: made once per step, and a tuple
    is made in a third of a frozen dataclass's time)."""

    observation: Any
    reward: float
    game_over: bool
    game_over_reason: str  # "GameOver" (a terminal state) or "SimulationEnd" (time ran out)
    info: str
    observation_missing: bool  # a final Box sent with its shape but without its values


def decode_sim_init(payload: bytes) -> SimInit:
    msg = codec.parse(pb.SimInitMsg, payload, "SimInitMsg")
    if not msg.HasField("obsSpace") or not msg.HasField("actSpace"):
        raise ProtocolError("SimInitMsg: missing observation or action space")
    return SimInit(
        pid=int(msg.simProcessId),
        parent_pid=int(msg.wafShellProcessId),
        observation_space=codec.space_from_proto(msg.obsSpace, "observation space"),
        action_space=codec.space_from_proto(msg.actSpace, "action space"),
    )


def decode_env_state(
    payload: bytes,
    observation_space: spaces.Space | None = None,
    fast_observation: Callable[[Any], Any] | None = None,
    fast_state: Callable[[bytes], Any] | None = None,
) -> EnvState:
    """Decode an EnvStateMsg; ``fast_state`` and ``fast_observation`` (see
    :mod:`fastpath`) may decode the message or its observation when they have exactly
    the expected layout, else the generic codec does."""
    fast = fast_state(payload) if fast_state is not None else None
    if fast is not None:
        observation, rest = fast
        reason = "GameOver" if rest.reason == pb.REASON_GAME_OVER else "SimulationEnd"
        # the prefix holds the values' lengths: every value the shape holds was sent
        return EnvState(observation, float(rest.reward), bool(rest.isGameOver), reason,
                        rest.info, False)
    msg = codec.parse(pb.EnvStateMsg, payload, "EnvStateMsg")
    observation = fast_observation(msg.obsData) if fast_observation is not None else None
    if observation is None:
        observation = _generic_observation(msg, observation_space)
    reason = "GameOver" if msg.reason == pb.REASON_GAME_OVER else "SimulationEnd"
    missing = msg.isGameOver and _empty_box(msg.obsData)  # only seen in final states
    return EnvState(observation, float(msg.reward), bool(msg.isGameOver), reason, msg.info,
                    missing)


def _generic_observation(msg: Any, observation_space: spaces.Space | None) -> Any:
    observation = codec.data_from_proto(msg.obsData, "observation") if msg.HasField(
        "obsData") else None
    if observation_space is not None:
        problem = mismatch(observation, observation_space)
        if problem:
            raise ProtocolError(f"EnvStateMsg: observation does not fit its space: {problem}")
    return observation


def _empty_box(container: Any) -> bool:
    """A top-level Box observation sent with its shape but without the values that shape
    holds (a scalar's shape is empty and holds one; a zero-length Box holds none)."""
    if container.type != pb.SPACE_TYPE["Box"]:
        return False
    box = codec.unpack(container.data, pb.BoxDataContainer, "observation")
    field = codec.WIRE_DTYPES.get(box.dtype, (None, "floatData"))[1]
    return len(getattr(box, field)) == 0 and math.prod(box.shape) > 0


def encode_action(action: Any, action_space: spaces.Space) -> bytes:
    """EnvActMsg carrying ``action`` (checked beforehand with :func:`mismatch`)."""
    return pb.EnvActMsg(actData=codec.data_to_proto(action, action_space)).SerializeToString()


def mismatch(value: Any, space: spaces.Space, where: str = "value") -> str | None:
    """Why ``value`` does not have the structure of ``space`` (kind, shape, keys), or None.

    Bounds are not checked: ns3-gym programs often report values past their scalar bounds.
    """
    if isinstance(space, spaces.Discrete):
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        return None if ok else f"{where}: expected an integer, got {value!r}"
    if isinstance(space, spaces.Box):
        shape = np.shape(value)
        if not isinstance(value, np.ndarray) or shape != space.shape:
            return f"{where}: expected an array of shape {space.shape}, got shape {shape}"
        return None
    if isinstance(space, spaces.Tuple):
        if not isinstance(value, tuple) or len(value) != len(space.spaces):
            return f"{where}: expected a tuple of {len(space.spaces)} elements"
        pairs = enumerate(zip(value, space.spaces, strict=True))
        problems = (mismatch(v, s, f"{where}[{i}]") for i, (v, s) in pairs)
        return next((p for p in problems if p), None)
    if isinstance(space, spaces.Dict):
        if not isinstance(value, dict) or set(value) != set(space.spaces):
            got = sorted(value) if isinstance(value, dict) else type(value).__name__
            return f"{where}: expected keys {sorted(space.spaces)}, got {got}"
        problems = (mismatch(value[k], s, f"{where}[{k!r}]") for k, s in space.spaces.items())
        return next((p for p in problems if p), None)
    return f"{where}: unsupported space {type(space).__name__}"

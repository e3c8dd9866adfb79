"""N simulators of one scenario as one Gymnasium vector env.

One simulator process per sub-env, each driven from its own worker process by
Gymnasium's ``AsyncVectorEnv`` (no vector env of our own). ``reset(seed=s)`` seeds
sub-env i with ``s + i``, so sub-env i of a vector env meets exactly the episodes a
single env reset with ``s + i`` meets. Autoreset mode: ``NEXT_STEP`` (Gymnasium's
default): the step after a sub-env's episode ends resets it and returns its first
observation with reward 0; that step's action is ignored.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, VectorEnv
from gymnasium.vector.utils import concatenate, create_empty_array

from bridge.envs import ScenarioEnv
from bridge.scenarios import get_scenario


def make_vector_env(scenario: str, params: Mapping[str, Any] | None = None,
                    num_envs: int = 2, **bridge: Any) -> AsyncVectorEnv:
    """``num_envs`` copies of ``scenario`` with ``params``; ``bridge`` goes to each
    :class:`ScenarioEnv` (endpoint, timeout_s, runtime, ...)."""
    if num_envs < 1:
        raise ValueError(f"num_envs must be >= 1, got {num_envs}")
    get_scenario(scenario).resolve(params)  # bad values fail here, not in N workers
    make = functools.partial(ScenarioEnv, scenario, dict(params or {}), **bridge)
    return AsyncVectorEnv([make] * num_envs, autoreset_mode=AutoresetMode.NEXT_STEP)


def batch_actions(envs: VectorEnv, actions: Sequence[Any]) -> Any:
    """One action per sub-env (each in the single action space) as the batched action
    the vector env takes (a Dict space gives a dict of stacked arrays)."""
    space = envs.single_action_space
    out = create_empty_array(space, n=len(actions), fn=np.zeros)
    assert out is not None
    return concatenate(space, list(actions), out)


def worker_pids(envs: AsyncVectorEnv) -> list[int]:
    """The worker processes' ids, in sub-env order."""
    return [int(p.pid) for p in envs.processes if p.pid is not None]

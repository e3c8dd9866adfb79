"""Gymnasium ActionWrappers from agent action spaces to the native Dict action.

Both decoders need the channel gains, which they read from the latest observation the
wrapper has passed on (so ``reset`` must come before the first ``step``).
"""

from __future__ import annotations

import abc
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np

from bridge.slicing.allocation import Allocation
from bridge.slicing.catalogue import Catalogue
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import gains_from_observation, observation_size
from bridge.slicing.params import config_for, split_params
from bridge.slicing.shares import decode as decode_shares
from bridge.slicing.shares import share_space
from bridge.slicing.unified import decode, unified_space


class _GainsActionWrapper(gym.ActionWrapper, abc.ABC):
    """Keeps the last observation; subclasses turn an action into an Allocation."""

    def __init__(self, env: gym.Env, cfg: SlicingConfig):
        super().__init__(env)
        shape = env.observation_space.shape
        if shape is not None and shape != (observation_size(cfg),):
            raise ValueError(f"observation space {shape} does not match the config "
                             f"(U={cfg.n_ues}, R={cfg.n_rus}: {observation_size(cfg)} values)")
        self.cfg = cfg
        self.last_obs: np.ndarray | None = None
        self.last_allocation: Allocation | None = None

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self.last_obs = np.asarray(obs)
        return obs, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(self.action(action))
        self.last_obs = np.asarray(obs)
        return obs, reward, terminated, truncated, info

    def gains(self) -> np.ndarray:
        if self.last_obs is None:
            raise RuntimeError("no observation yet: call reset() before step()")
        return gains_from_observation(self.last_obs, self.cfg)

    @abc.abstractmethod
    def allocate(self, action: Any) -> Allocation:
        """The allocation an action of this wrapper's space stands for."""

    def action(self, action: Any) -> dict[str, np.ndarray]:
        self.last_allocation = self.allocate(action)
        return self.last_allocation.to_native()


class UnifiedActionWrapper(_GainsActionWrapper):
    """Box [-1, 1]^d (see :mod:`bridge.slicing.unified`) to the native action."""

    def __init__(self, env: gym.Env, cfg: SlicingConfig):
        super().__init__(env, cfg)
        self.action_space = unified_space(cfg)

    def allocate(self, action: Any) -> Allocation:
        gains = self.gains() if self.cfg.fixed_association else None
        return decode(self.cfg, np.asarray(action), gains)


class ShareActionWrapper(_GainsActionWrapper):
    """Box [-1, 1]^d of per-UE association, RBG share and power (see
    :mod:`bridge.slicing.shares`) to the native action."""

    def __init__(self, env: gym.Env, cfg: SlicingConfig):
        super().__init__(env, cfg)
        self.action_space = share_space(cfg)

    def allocate(self, action: Any) -> Allocation:
        gains = self.gains() if self.cfg.fixed_association else None
        return decode_shares(self.cfg, np.asarray(action), gains)


class CatalogueActionWrapper(_GainsActionWrapper):
    """Discrete catalogue (see :mod:`bridge.slicing.catalogue`) to the native action."""

    def __init__(self, env: gym.Env, cfg: SlicingConfig, split_step: float = 0.1):
        super().__init__(env, cfg)
        self.catalogue = Catalogue(cfg, split_step)
        self.action_space = self.catalogue.space()

    def allocate(self, action: Any) -> Allocation:
        return self.catalogue.allocation(int(np.asarray(action).reshape(-1)[0]), self.gains())


SCENARIOS = ("oran-slicing", "oran-slicing-twin")
"""The slicing scenario in ns-3 and in the closed-form twin (RanGym/OranSlicingTwin-v0):
the scenario names these envs are made for."""


def make_wrapped_env(params: dict[str, str], wrapper: type[_GainsActionWrapper],
                     scenario: str = "oran-slicing", **bridge: Any) -> gym.Env:
    """The slicing env for ``--param`` values, wrapped in ``wrapper``: the program's
    parameters (``nUes``, ``scheduler``, ``extInterferers``, ...) and SlicingConfig fields
    (``n_ues``, ``power_levels_db``, ...) alike (bridge.slicing.params); the decoder's
    SlicingConfig is the one the program was started with. ``bridge`` goes to the env
    (runtime, run_dir, extra_args, ...). ``scenario`` is one of :data:`SCENARIOS`."""
    program, own = split_params(params)
    env = make_base_env(scenario, program, **bridge)
    return wrapper(env, config_for(env.unwrapped.params, own))  # type: ignore[attr-defined]


def make_base_env(scenario: str, program: dict[str, Any], **bridge: Any) -> gym.Env:
    """The native slicing env of ``scenario``: ns-3's, or the twin's (which needs no
    bridge options and ignores them)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario {scenario!r} is not the slicing scenario; known: "
                         f"{', '.join(SCENARIOS)}")
    if scenario == "oran-slicing-twin":
        from bridge.slicing.twin_env import OranSlicingTwinEnv

        return OranSlicingTwinEnv(program)
    from bridge.envs import ScenarioEnv

    return ScenarioEnv("oran-slicing", program, **bridge)

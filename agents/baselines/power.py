"""Power-control baselines for the interference scenario: full power and WMMSE.

Actions are in mW (the scenario's action space); WMMSE works in W on the long-term
gains recovered from the observation, so it is deterministic per network.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from agents.baselines.wmmse import wmmse
from bridge.twins.interference import config_from_params, gains_from_observation


class FullPower:
    """Every transmitter at Pmax, always."""

    def __init__(self, action_space: gym.spaces.Box):
        self.action = np.asarray(action_space.high, dtype=np.float32).copy()

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[Any, Any]:
        return self.action.copy(), None


class WmmsePower:
    """WMMSE on the long-term gains of the observation (computed once per network)."""

    def __init__(self, action_space: gym.spaces.Box, params: dict, max_iter: int = 100):
        config = config_from_params(params)
        self.pmax_w, self.noise_w, self.max_iter = config.pmax_w, config.noise_w, max_iter
        self.high = np.asarray(action_space.high, dtype=np.float32)
        self._key: bytes | None = None
        self._action = self.high

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[Any, Any]:
        x = np.asarray(observation["gains"], np.float32)
        if x.tobytes() != self._key:
            gains = gains_from_observation(x, self.pmax_w, self.noise_w)
            powers_mw = 1e3 * wmmse(gains, self.pmax_w, self.noise_w, self.max_iter)
            self._action = np.minimum(powers_mw.astype(np.float32), self.high)
            self._key = x.tobytes()
        return self._action.copy(), None

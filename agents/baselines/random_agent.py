"""Uniformly random actions: the floor every learned agent must beat."""

from __future__ import annotations

from typing import Any

import gymnasium as gym


class RandomAgent:
    """Samples the action space with its own seeded generator."""

    def __init__(self, action_space: gym.Space, seed: int | None = None):
        self.action_space = action_space
        self.action_space.seed(seed)

    def predict(
        self, observation: Any, state: Any = None, episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[Any, Any]:
        return self.action_space.sample(), None

"""The envs the trainers act in, in a module light enough for a rollout worker to import
(no torch): a Ray actor builds its env by calling :func:`make_env`."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from bridge.envs import ScenarioEnv


def make_env(scenario: str, params: dict[str, str], **bridge: Any) -> gym.Env:
    """The scenario's env in a Box action space Diffusion-QL can act in (the slicing
    scenarios in the share action space, bridge.slicing.shares)."""
    from bridge.slicing.wrappers import SCENARIOS, ShareActionWrapper, make_wrapped_env

    if scenario not in SCENARIOS:
        return ScenarioEnv(scenario, params, **bridge)
    return make_wrapped_env(params, ShareActionWrapper, scenario, **bridge)

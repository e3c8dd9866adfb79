"""ran-gym's agents, by name; every one answers ``predict(obs, deterministic=True)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym

from agents.baselines import RandomAgent
from agents.common import Policy

AGENTS: dict[str, Callable[..., Policy]] = {
    "random": lambda env, seed: RandomAgent(env.action_space, seed),
}


def make_agent(name: str, env: gym.Env, seed: int | None = None, **kwargs: Any) -> Policy:
    try:
        factory = AGENTS[name]
    except KeyError:
        raise ValueError(f"unknown agent {name!r}; known: {', '.join(sorted(AGENTS))}") from None
    return factory(env, seed, **kwargs)


__all__ = ["AGENTS", "Policy", "RandomAgent", "make_agent"]

"""Diffusion-QL's collection loop over one env or a Gymnasium vector env.

Every environment sits behind a vector env whose autoreset is DISABLED: the loop resets
the sub-envs whose episode ended itself, with seeds drawn from the agent's NumPy
Generator. The seeds of every episode therefore follow from the agent's seed and the
number of episodes begun, and a run resumed from a checkpoint taken at an episode
boundary continues exactly as the uninterrupted run would have (the simulator's state
inside an episode is not in the checkpoint: a run resumed mid-episode starts a new one).
A plain env is wrapped in a one-env ``SyncVectorEnv``; for N ns-3 processes pass an
``AsyncVectorEnv`` built with ``autoreset_mode=AutoresetMode.DISABLED``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv, VectorEnv

from bridge.env import FAILURE_KEY


class Learner(Protocol):
    """What the loop drives: an agent that acts on a batch of observations, stores and
    learns from one transition at a time, and owns the Generator the seeds come from."""

    @property
    def rng(self) -> np.random.Generator: ...
    @property
    def num_timesteps(self) -> int: ...

    def act(self, observations: Any, deterministic: bool = False) -> np.ndarray: ...
    def observe(self, obs: Any, action: Any, reward: float, next_obs: Any, terminated: bool
                ) -> dict[str, float]: ...


L = TypeVar("L", bound=Learner)


def as_vector_env(env: gym.Env | VectorEnv) -> VectorEnv:
    """``env`` itself if it is a vector env without autoreset, else a one-env wrapper."""
    if isinstance(env, VectorEnv):
        mode = env.metadata.get("autoreset_mode")
        if mode != AutoresetMode.DISABLED:
            raise ValueError(f"the vector env must have autoreset_mode=DISABLED, got {mode}")
        return env
    return SyncVectorEnv([lambda: env], autoreset_mode=AutoresetMode.DISABLED)


def collect(agent: L, env: gym.Env | VectorEnv, total_timesteps: int,
            callback: Callable[[L, dict[str, float]], None] | None = None,
            should_stop: Callable[[], bool] | None = None) -> None:
    """Act (stochastic choice), store and learn until ``total_timesteps`` more transitions
    are stored (N per vector step, so up to N − 1 more) or ``should_stop()`` turns true
    between two steps. ``callback(agent, {"reward": mean, **losses})`` after each step
    that stored a transition. A step whose simulator failed (``auto_restart``: truncated,
    ``info["simulator_failure"]``) stores nothing; its sub-env starts a new episode."""
    vec = as_vector_env(env)
    n = vec.num_envs
    obs, _ = vec.reset(seed=_seeds(agent.rng, n))
    end = agent.num_timesteps + total_timesteps
    while agent.num_timesteps < end and not (should_stop is not None and should_stop()):
        actions = agent.act(obs)
        next_obs, rewards, terminated, truncated, infos = vec.step(actions)
        kept = ~np.asarray(infos.get(f"_{FAILURE_KEY}", np.zeros(n, bool)), bool)
        losses: dict[str, float] = {}
        for i in np.flatnonzero(kept):
            losses = agent.observe(obs[i], actions[i], float(rewards[i]), next_obs[i],
                                   bool(terminated[i])) or losses
        if callback is not None and kept.any():
            callback(agent, {"reward": float(np.mean(rewards[kept])), **losses})
        done = np.logical_or(terminated, truncated)
        obs = next_obs
        if done.any() and agent.num_timesteps < end:
            fresh, _ = vec.reset(seed=_seeds(agent.rng, n), options={"reset_mask": done})
            obs = np.where(done.reshape(-1, *[1] * (obs.ndim - 1)), fresh, next_obs)


def _seeds(rng: np.random.Generator, n: int) -> Any:
    """One seed per sub-env (Sync/AsyncVectorEnv take a list; VectorEnv's annotation says int)."""
    return [int(s) for s in rng.integers(2**31 - 1, size=n)]


"""Diffusion-QL's two buffers (its own replay and the demonstrations): rows as the
networks see them, and, with ``critic_horizon`` > 1, each UE's critic target stored with
its transition.

A per-UE critic's target is the UE's part of the step's reward (``PerUeCritic.ue_rewards``).
With ``critic_horizon = H`` > 1 a collection's transition instead keeps, per UE, the mean
of that part over its own step and the next H − 1 steps of its episode, as the
collection played them (fewer where the episode ends first): the value of the action
followed by the collection's own play, with nothing bootstrapped. A transition without
its episode (the agent's own steps, whose episodes go on) keeps its own step's part
(docs/slicing-agents.md, "Critics of more than one step, and the URLLC UEs left behind").
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from agents.common.replay import ReplayBuffer
from agents.diffusion_ql.config import DiffusionQLConfig
from agents.diffusion_ql.per_ue import UeLayout


class Owner(Protocol):
    """What the buffers read of their agent (agents.diffusion_ql.agent.DiffusionQL)."""

    config: DiffusionQLConfig
    layout: UeLayout | None
    obs_dim: int
    action_dim: int

    @property
    def critic_target(self) -> nn.Module: ...

    def _inputs(self, obs: np.ndarray) -> np.ndarray: ...
    def _from_env(self, action: Any) -> np.ndarray: ...


def new_buffer(agent: Owner, capacity: int) -> ReplayBuffer:
    """An empty buffer for ``agent``: with one stored target per UE where its
    ``critic_horizon`` asks for them."""
    return ReplayBuffer(capacity, agent.obs_dim, agent.action_dim, targets_dim(agent))


def targets_dim(agent: Owner) -> int:
    layout = agent.layout
    return layout.n_ues if agent.config.critic_horizon > 1 and layout is not None else 0


def ue_parts(agent: Owner, next_observations: torch.Tensor, rewards: torch.Tensor
             ) -> torch.Tensor:
    """[B, U]: each UE's part of each reward, from next observations as the buffers hold
    them (``PerUeCritic.ue_rewards`` on the raw values)."""
    raw = next_observations
    if agent.config.symlog_observations:  # stored as sign(x) log(1 + |x|)
        raw = torch.sign(raw) * torch.expm1(raw.abs())
    return agent.critic_target.ue_rewards(raw, rewards)  # type: ignore[operator]


def horizon_means(parts: np.ndarray, episodes: np.ndarray, horizon: int) -> np.ndarray:
    """[N, U]: row i's mean of ``parts`` over rows i … i + horizon − 1 of its episode.
    Rows are transitions in step order, an episode's rows together (``episodes``: their
    keys)."""
    n = len(parts)
    if len(episodes) != n:
        raise ValueError(f"{len(episodes)} episode keys for {n} transitions")
    starts = np.flatnonzero(np.r_[True, episodes[1:] != episodes[:-1]])
    if len(np.unique(episodes[starts])) != len(starts):
        raise ValueError("an episode's transitions must lie together, in step order")
    total, count = parts.astype(np.float64), np.ones(n)
    same = np.ones(n, bool)
    for k in range(1, horizon):
        same[:n - k] &= episodes[k:] == episodes[:n - k]
        same[n - k:] = False
        total[:n - k] += np.where(same[:n - k, None], parts[k:], 0.0)
        count += same
    return (total / count[:, None]).astype(np.float32)


def store(agent: Owner, buffer: ReplayBuffer, columns: tuple[Any, ...],
          episodes: Any = None) -> int:
    """Rows of (obs, action, reward, next obs, terminated) into ``buffer``, as the
    networks see them (``_inputs``, actions scaled to [-1, 1]); with stored targets, each
    UE's over ``critic_horizon`` steps of ``episodes`` (its own step's without them).
    Returns the count."""
    observations, actions, rewards, next_observations, terminated = columns
    obs = agent._inputs(np.asarray(observations, np.float32).reshape(len(rewards), -1))
    nxt = agent._inputs(np.asarray(next_observations, np.float32).reshape(len(rewards), -1))
    targets: list[Any] = [None] * len(obs)
    if buffer.targets_dim:
        with torch.no_grad():
            parts = ue_parts(agent, torch.as_tensor(nxt),
                             torch.as_tensor(np.asarray(rewards, np.float32))).numpy()
        targets = list(parts if episodes is None else horizon_means(
            parts, np.asarray(episodes), agent.config.critic_horizon))
    for o, a, r, n, d, t in zip(obs, actions, rewards, nxt, terminated, targets, strict=True):
        buffer.add(o, agent._from_env(a), float(r), n, bool(d), t)
    return len(obs)


def refill(agent: Owner, buffer: ReplayBuffer) -> ReplayBuffer:
    """``buffer``'s rows in a new buffer for the agent's present ``critic_horizon``; where
    it keeps targets, each row gets its own step's (its episode is not known)."""
    fresh = new_buffer(agent, buffer.capacity)
    n = buffer.size
    for name in ("observations", "actions", "rewards", "next_observations", "dones"):
        getattr(fresh, name)[:n] = getattr(buffer, name)[:n]
    if fresh.targets_dim and n:
        with torch.no_grad():
            fresh.targets[:n] = ue_parts(agent, torch.as_tensor(buffer.next_observations[:n]),
                                         torch.as_tensor(buffer.rewards[:n])).numpy()
    fresh.position, fresh.size = buffer.position, n
    return fresh

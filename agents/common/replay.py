"""A fixed-size replay buffer of transitions, in NumPy, sampled with a given Generator."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch


class Batch(NamedTuple):
    observations: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor
    next_observations: torch.Tensor
    dones: torch.Tensor  # 1.0 where the episode terminated (not truncated) at this step


class ReplayBuffer:
    def __init__(self, capacity: int, obs_dim: int, action_dim: int):
        if capacity < 1:
            raise ValueError(f"replay capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.observations = np.zeros((capacity, obs_dim), np.float32)
        self.actions = np.zeros((capacity, action_dim), np.float32)
        self.rewards = np.zeros(capacity, np.float32)
        self.next_observations = np.zeros((capacity, obs_dim), np.float32)
        self.dones = np.zeros(capacity, np.float32)
        self.position = 0
        self.size = 0

    def add(self, obs: Any, action: Any, reward: float, next_obs: Any, done: bool) -> None:
        i = self.position
        self.observations[i], self.actions[i] = np.ravel(obs), np.ravel(action)
        self.rewards[i], self.next_observations[i], self.dones[i] = reward, np.ravel(next_obs), done
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator, device: torch.device) -> Batch:
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        idx = rng.integers(0, self.size, batch_size)

        def tensor(array: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(array[idx], device=device)

        return Batch(tensor(self.observations), tensor(self.actions), tensor(self.rewards),
                     tensor(self.next_observations), tensor(self.dones))

    def state_dict(self) -> dict[str, Any]:
        """The stored transitions as tensors (a ``weights_only`` checkpoint holds no arrays)."""
        n = self.size
        state: dict[str, Any] = {name: torch.from_numpy(getattr(self, name)[:n].copy())
                                 for name in _FIELDS}
        return {**state, "position": self.position, "size": n, "capacity": self.capacity}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        n = int(state["size"])
        if n > self.capacity:
            raise ValueError(f"replay state holds {n} transitions, capacity is {self.capacity}")
        for name in _FIELDS:
            getattr(self, name)[:n] = np.asarray(state[name])
        self.position, self.size = int(state["position"]), n


_FIELDS = ("observations", "actions", "rewards", "next_observations", "dones")

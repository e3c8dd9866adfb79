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
    targets: torch.Tensor  # [B, targets_dim]: values stored with each transition ([B, 0]: none)


class ReplayBuffer:
    """``targets_dim`` values more per transition (e.g. per-UE critic targets computed
    when the transition was stored); 0 keeps none."""

    def __init__(self, capacity: int, obs_dim: int, action_dim: int, targets_dim: int = 0):
        if capacity < 1:
            raise ValueError(f"replay capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.targets_dim = targets_dim
        self.observations = np.zeros((capacity, obs_dim), np.float32)
        self.actions = np.zeros((capacity, action_dim), np.float32)
        self.rewards = np.zeros(capacity, np.float32)
        self.next_observations = np.zeros((capacity, obs_dim), np.float32)
        self.dones = np.zeros(capacity, np.float32)
        self.targets = np.zeros((capacity, targets_dim), np.float32)
        self.position = 0
        self.size = 0

    def add(self, obs: Any, action: Any, reward: float, next_obs: Any, done: bool,
            targets: Any = None) -> None:
        i = self.position
        self.observations[i], self.actions[i] = np.ravel(obs), np.ravel(action)
        self.rewards[i], self.next_observations[i], self.dones[i] = reward, np.ravel(next_obs), done
        if self.targets_dim:
            if targets is None:
                raise ValueError(f"this buffer keeps {self.targets_dim} targets per transition")
            self.targets[i] = np.ravel(targets)
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator, device: torch.device) -> Batch:
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        idx = rng.integers(0, self.size, batch_size)

        def tensor(array: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(array[idx], device=device)

        return Batch(tensor(self.observations), tensor(self.actions), tensor(self.rewards),
                     tensor(self.next_observations), tensor(self.dones), tensor(self.targets))

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
            if name == "targets" and name not in state:  # a buffer saved before targets
                if self.targets_dim:
                    raise ValueError(f"replay state holds no targets, {self.targets_dim} "
                                     "expected per transition")
                continue
            getattr(self, name)[:n] = np.asarray(state[name])
        self.position, self.size = int(state["position"]), n


_FIELDS = ("observations", "actions", "rewards", "next_observations", "dones", "targets")

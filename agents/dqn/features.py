"""The observation as DQN's Q-network sees it: sign(x) log(1 + |x|) of every entry.

The slicing observation mixes QoS shares in [0, 1] with queue bytes near 1e5; fed raw,
SB3's MLP trained with TD losses in the thousands. Done inside the policy (an SB3
features extractor), so the env stays as it is and a saved model applies it itself.
"""

from __future__ import annotations

import gymnasium as gym
import torch
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor


class SymlogFlatten(BaseFeaturesExtractor):
    """Flattens a Box observation and compresses it with symlog."""

    def __init__(self, observation_space: gym.spaces.Box):
        super().__init__(observation_space, int(gym.spaces.flatdim(observation_space)))
        self.flatten = torch.nn.Flatten()

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        x = self.flatten(observations)
        return torch.sign(x) * torch.log1p(torch.abs(x))

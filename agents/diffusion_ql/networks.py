"""Diffusion-QL's networks: the noise-prediction MLP and the twin critics."""

from __future__ import annotations

import abc

import torch
from torch import nn

from agents.common import nn as common_nn
from agents.common.nn import SinusoidalEmbedding, mlp
from agents.diffusion_ql import kernel


class Mish(common_nn.Mish):
    """Mish of the networks: on float32 CPU tensors, where ``make kernels`` built the
    library, the compiled pass (:class:`kernel.TorchMish`: value and slope in one pass
    over the data, where the one-exponential form takes about eight each way); else
    ``agents.common.nn.Mish``. The same function to float rounding (2e-6)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.float32 and x.device.type == "cpu" and kernel.load() is not None:
            return kernel.TorchMish.apply(x)
        return super().forward(x)


class NoisePredictor(nn.Module):
    """ε_θ(x_t, t, s): an MLP on [x_t, embedding(t), s] with Mish activations."""

    def __init__(self, obs_dim: int, action_dim: int, hidden: int = 128, layers: int = 3,
                 time_dim: int = 16):
        super().__init__()
        self.time = nn.Sequential(SinusoidalEmbedding(time_dim), nn.Linear(time_dim, 2 * time_dim),
                                  Mish(), nn.Linear(2 * time_dim, time_dim))
        self.net = mlp([action_dim + time_dim + obs_dim, *[hidden] * layers, action_dim], Mish)

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([x, self.time(t), cond], dim=-1))


class NoiseFromClean(nn.Module, abc.ABC):
    """A denoiser that predicts the clean action x̂₀ (:meth:`clean`, in [-1, 1]) and
    returns the noise x̂₀ implies, ε = (x_t − √ᾱ_t x̂₀) / √(1 − ᾱ_t), so that any
    noise-prediction sampler takes it."""

    sqrt_alphas_bar: torch.Tensor
    sqrt_one_minus: torch.Tensor

    def __init__(self, alphas_bar: torch.Tensor):
        super().__init__()
        self.register_buffer("sqrt_alphas_bar", alphas_bar.float().sqrt(), persistent=False)
        self.register_buffer("sqrt_one_minus", (1 - alphas_bar.float()).sqrt(), persistent=False)

    @abc.abstractmethod
    def clean(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """x̂₀(x_t, t, s)."""

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x0 = self.clean(x, t, cond)
        return (x - self.sqrt_alphas_bar[t, None] * x0) / self.sqrt_one_minus[t, None]


class X0Denoiser(NoiseFromClean):
    """The same MLP predicting the clean action x̂₀ = tanh(net(x_t, t, s)) instead of the
    noise (:class:`NoiseFromClean`). x_t reaches the output through the noise identity:
    the network need not carry a wide action through its hidden layers (a 3 × 128 noise
    predictor cannot carry a 525-value action; this one does, at the same width), and
    x̂₀ stays in the action range by construction."""

    def __init__(self, obs_dim: int, action_dim: int, alphas_bar: torch.Tensor,
                 hidden: int = 128, layers: int = 3, time_dim: int = 16):
        super().__init__(alphas_bar)
        self.time = nn.Sequential(SinusoidalEmbedding(time_dim), nn.Linear(time_dim, 2 * time_dim),
                                  Mish(), nn.Linear(2 * time_dim, time_dim))
        self.net = mlp([action_dim + time_dim + obs_dim, *[hidden] * layers, action_dim], Mish)

    def clean(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.net(torch.cat([x, self.time(t), cond], dim=-1)))


class TwinCritic(nn.Module):
    """Two independent Q(s, a) networks (clipped double Q-learning)."""

    def __init__(self, obs_dim: int, action_dim: int, hidden: int = 128, layers: int = 3):
        super().__init__()
        self.q1 = mlp([obs_dim + action_dim, *[hidden] * layers, 1], Mish)
        self.q2 = mlp([obs_dim + action_dim, *[hidden] * layers, 1], Mish)

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.cat([obs, action], dim=-1)
        return self.q1(x).squeeze(-1), self.q2(x).squeeze(-1)

    def q_min(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return torch.minimum(*self(obs, action))

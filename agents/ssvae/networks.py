"""Encoder q(z | s), decoder p(s | z) and the regressor z -> action of the SS-VAE."""

from __future__ import annotations

import torch
from torch import nn

from agents.common.nn import mlp


class SsVae(nn.Module):
    """State -> (mu, log var) of z; z -> reconstructed state; z -> action in [-1, 1]."""

    def __init__(self, obs_dim: int, action_dim: int, latent: int, hidden: int, layers: int):
        super().__init__()
        self.encoder = mlp([obs_dim, *[hidden] * layers, 2 * latent])
        self.decoder = mlp([latent, *[hidden] * layers, obs_dim])
        self.regressor = mlp([latent, *[hidden] * layers, action_dim])

    def encode(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, log_var = self.encoder(obs).chunk(2, dim=-1)
        return mu, log_var.clamp(-10.0, 10.0)

    def regress(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.regressor(z))

    def elbo_terms(self, obs: torch.Tensor, generator: torch.Generator
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(reconstruction MSE per state, KL per state, sampled z)."""
        mu, log_var = self.encode(obs)
        noise = torch.randn(mu.shape, generator=generator, device=mu.device)
        z = mu + (0.5 * log_var).exp() * noise
        recon = ((self.decoder(z) - obs) ** 2).mean(dim=-1)
        kl = 0.5 * (mu ** 2 + log_var.exp() - 1.0 - log_var).sum(dim=-1)
        return recon, kl, z

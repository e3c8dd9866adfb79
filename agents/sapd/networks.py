"""The SA-PD policy: TAGConv-style graph filters over the normalised gain matrix, in
plain torch with dense adjacency.

A layer maps node features h [B, N, F] to relu(LayerNorm(sum_k S^k h W_k)), k = 0..K,
with S the graph shift operator of the network: the observation's normalised gains
clipped at 0 (links below the noise at full power carry nothing), divided by the
largest row sum so that powers of S stay bounded. Node inputs are the dual variable
mu_i and the pair's own normalised gain; the output is the power as a fraction of Pmax.
"""

from __future__ import annotations

import torch
from torch import nn


def graph_shift(x: torch.Tensor) -> torch.Tensor:
    """Graph shift operator [B, N, N] from normalised gains [B, N, N]."""
    a = x.clamp(min=0)
    scale = a.sum(-1).amax(-1).clamp(min=1e-6)
    return a / scale[:, None, None]


class TagLayer(nn.Module):
    """sum_{k=0..K} S^k h W_k, then LayerNorm and relu."""

    def __init__(self, features_in: int, features_out: int, taps: int):
        super().__init__()
        self.taps = nn.ModuleList(nn.Linear(features_in, features_out, bias=k == 0)
                                  for k in range(taps + 1))
        self.norm = nn.LayerNorm(features_out)

    def forward(self, h: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        out, z = self.taps[0](h), h
        for tap in self.taps[1:]:
            z = s @ z
            out = out + tap(z)
        return torch.relu(self.norm(out))


class SapdPolicy(nn.Module):
    """p / Pmax = sigmoid(readout(GNN(S, [mu, x_ii])))."""

    def __init__(self, hidden: int = 64, layers: int = 3, taps: int = 2):
        super().__init__()
        self.config = {"hidden": hidden, "layers": layers, "taps": taps}
        sizes = [2] + [hidden] * layers
        pairs = zip(sizes[:-1], sizes[1:], strict=True)
        self.layers = nn.ModuleList(TagLayer(a, b, taps) for a, b in pairs)
        self.readout = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor, mu: torch.Tensor) -> torch.Tensor:
        """Power fractions [B, N] for normalised gains x [B, N, N] and duals mu [B, N]."""
        s = graph_shift(x)
        h = torch.stack([mu, torch.diagonal(x, dim1=-2, dim2=-1)], dim=-1)
        for layer in self.layers:
            h = layer(h, s)
        return torch.sigmoid(self.readout(h).squeeze(-1))

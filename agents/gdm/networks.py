"""The GDM denoiser: a graph neural network over the interference graph (Section IV).

ε_θ(x_t, t, c) for one network per batch row: node i carries its noisy power x_t[i] (in
the centred diffusion space), its own normalised gain x_ii and, optionally, its dual
variable μ_i. The graph shift operator S is the one of the SA-PD expert
(:func:`agents.sapd.networks.graph_shift`: normalised log gains, clipped at 0, divided by
the largest row sum). Layers:

- read-in: h⁰ = MLP(node features) + MLP(sinusoidal(t)), the time embedding added to
  every node (eq. 10);
- graph convolution: h ← h + relu(LayerNorm(Σ_{k=0..K} S^k h W_k)) — the k = 0 tap is
  the learnable residual of eq. 9, the explicit one keeps deep stacks trainable;
- readout: an MLP per node to the predicted noise.

Every operation is per node or a product with S, so permuting the pairs permutes the
output the same way.

The condition tensor ``cond`` is [B, N, N] (normalised gains, rx-major) or [B, N, N + 1]
(the gains with the duals μ as a last column).
"""

from __future__ import annotations

import torch
from torch import nn

from agents.common.nn import SinusoidalEmbedding, mlp
from agents.sapd.networks import graph_shift


class GraphFilter(nn.Module):
    """Σ_{k=0..K} S^k h W_k, then LayerNorm and relu, added to h."""

    def __init__(self, features: int, taps: int):
        super().__init__()
        self.taps = nn.ModuleList(nn.Linear(features, features, bias=k == 0)
                                  for k in range(taps + 1))
        self.norm = nn.LayerNorm(features)

    def forward(self, h: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        out, z = self.taps[0](h), h
        for tap in self.taps[1:]:
            z = s @ z
            out = out + tap(z)
        return h + torch.relu(self.norm(out))


class GraphDenoiser(nn.Module):
    """ε_θ(x_t [B, N], t [B], cond [B, N, N(+1)]) -> predicted noise [B, N]."""

    def __init__(self, hidden: int = 64, layers: int = 3, taps: int = 2, time_dim: int = 32,
                 duals: bool = False):
        super().__init__()
        if hidden < 1 or layers < 1 or taps < 1:
            raise ValueError(f"hidden, layers and taps must be >= 1, got {hidden}, {layers}, "
                             f"{taps}")
        self.config = {"hidden": hidden, "layers": layers, "taps": taps,
                       "time_dim": time_dim, "duals": duals}
        self.duals = duals
        self.read_in = mlp([3 if duals else 2, hidden, hidden], nn.SiLU)
        self.time = nn.Sequential(SinusoidalEmbedding(time_dim), nn.Linear(time_dim, hidden),
                                  nn.SiLU(), nn.Linear(hidden, hidden))
        self.layers = nn.ModuleList(GraphFilter(hidden, taps) for _ in range(layers))
        self.readout = mlp([hidden, hidden, 1], nn.SiLU)

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        n = x.shape[-1]
        if cond.shape[-2:] != (n, n + int(self.duals)):
            raise ValueError(f"cond must be [B, {n}, {n + int(self.duals)}] for {n} pairs "
                             f"(duals={self.duals}), got {list(cond.shape)}")
        gains = cond[..., :n]
        features = [x, torch.diagonal(gains, dim1=-2, dim2=-1)]
        if self.duals:
            features.append(cond[..., n])
        h = self.read_in(torch.stack(features, dim=-1)) + self.time(t)[:, None, :]
        s = graph_shift(gains)
        for layer in self.layers:
            h = layer(h, s)
        return self.readout(h).squeeze(-1)

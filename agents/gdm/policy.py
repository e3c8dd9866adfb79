"""The GDM policy: the graph denoiser inside the shared diffusion sampler, with the map
between powers and the centred diffusion space.

Powers p ∈ [0, Pmax] are diffused as y = 2 p / Pmax − 1 ∈ [−1, 1] (``power_map``
"affine", the default) or y = 2 sqrt(p / Pmax) − 1 ("sqrt": more resolution near p = 0,
where a switched-off transmitter's small leaked power still interferes; an error δ in y
near −1 is a power of δ² / 4 Pmax instead of δ / 2 Pmax). The sampler clamps x̂₀ to
[−1, 1] at every step and the final sample too, so the inverse map lands in [0, Pmax] by
construction. Training minimises the DDPM noise-prediction loss weighted by
w(t) = sigmoid(b − λ_t), λ_t the log-SNR of step t, normalised to mean 1 over the steps
(a sigmoid weighting of the log-SNR: the nearly noise-free steps, whose ε is hard to see
and matters little to the sample, count less; b = 4 leaves them 0.1 of the weight — on a
bimodal toy expert b = 2 left 6 % of the samples between the modes, no weighting 2 %).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from agents.common.checkpoint import load_torch, restoring
from agents.common.diffusion import Diffusion, DiffusionConfig, Guidance
from agents.gdm.networks import GraphDenoiser

POWER_MAPS = ("affine", "sqrt")
"""Maps of power fractions p / Pmax ∈ [0, 1] onto the diffusion space [−1, 1]: affine
y = 2 p / Pmax − 1, sqrt y = 2 sqrt(p / Pmax) − 1."""


def check_power_map(power_map: str) -> None:
    if power_map not in POWER_MAPS:
        raise ValueError(f"unknown power_map {power_map!r}: expected one of {POWER_MAPS}")


def to_diffusion(fraction: torch.Tensor, power_map: str = "affine") -> torch.Tensor:
    """p / Pmax ∈ [0, 1] -> y ∈ [−1, 1]: 0 -> −1 and 1 -> 1 under both maps; the middle
    y = 0 is p = 0.5 Pmax (affine) or 0.25 Pmax (sqrt)."""
    check_power_map(power_map)
    return 2 * (fraction if power_map == "affine" else fraction.clamp(0, 1).sqrt()) - 1


def fraction_of(unit: torch.Tensor, power_map: str = "affine") -> torch.Tensor:
    """(y + 1) / 2 ∈ [0, 1] -> p / Pmax: itself (affine) or its square (sqrt)."""
    check_power_map(power_map)
    return unit if power_map == "affine" else unit.square()


def from_diffusion(y: torch.Tensor, power_map: str = "affine") -> torch.Tensor:
    """y -> p / Pmax, constrained to [0, 1]; the inverse of :func:`to_diffusion`."""
    return fraction_of(((y + 1) / 2).clamp(0, 1), power_map)


@dataclass(frozen=True)
class GdmConfig:
    """The GDM policy's network, diffusion and sampler."""

    hidden: int = 64
    """Features per graph-convolution layer."""
    layers: int = 3
    """Graph-convolution layers."""
    taps: int = 2
    """Filter taps K per layer."""
    time_dim: int = 32
    """Size of the sinusoidal time embedding."""
    duals: bool = False
    """Condition on the expert's dual variables μ besides the gains."""
    dual_dither: float = 1.0
    """With ``duals``: below 1, the condition is the dithered duals μ ⊙ u, u ~ U[this, 1],
    that the expert's policy answered (the data set's ``mu_seen``), and the agent dithers
    its duals the same way; 1 conditions on the dual state μ itself."""
    steps: int = 50
    """T, the number of diffusion steps (cosine schedule)."""
    weight_bias: float | None = 4.0
    """b of the log-SNR loss weighting sigmoid(b − λ_t); None for the plain DDPM loss."""
    sampler: str = "ddim"
    """ddim (``ddim_steps`` steps, fast) or ddpm (all T steps, the paper's reverse chain).
    On held-out twin networks DDIM-10 with η = 1 matched the expert's powers about as well
    as DDPM-50 (mean 1-Wasserstein distance per node 0.044 against 0.041) at a fifth of
    the cost; η = 0 gave 0.053."""
    ddim_steps: int = 10
    """Steps of the DDIM sampler."""
    ddim_eta: float = 1.0
    """DDIM's η: 1 is stochastic like DDPM, 0 deterministic given the initial noise."""
    power_map: str = "affine"
    """How powers are diffused (``POWER_MAPS``): affine y = 2 p / Pmax − 1, or sqrt
    y = 2 sqrt(p / Pmax) − 1 (finer near p = 0). Checkpoints from before the field are
    affine."""

    def __post_init__(self) -> None:
        for name in ("hidden", "layers", "taps", "time_dim", "steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"GdmConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.power_map not in POWER_MAPS:
            raise ValueError(f"GdmConfig.power_map must be one of {POWER_MAPS}, got "
                             f"{self.power_map!r}")
        if self.sampler not in ("ddim", "ddpm"):
            raise ValueError(f"GdmConfig.sampler must be 'ddim' or 'ddpm', got {self.sampler!r}")
        if not 1 <= self.ddim_steps <= self.steps:
            raise ValueError(f"GdmConfig.ddim_steps must be in [1, steps={self.steps}], "
                             f"got {self.ddim_steps}")
        if not 0.0 <= self.dual_dither <= 1.0:
            raise ValueError(f"GdmConfig.dual_dither must be in [0, 1], got {self.dual_dither}")


class GdmPolicy(torch.nn.Module):
    """Samples power fractions p / Pmax ∈ [0, 1], one per node, given ``cond``."""

    loss_weights: torch.Tensor

    def __init__(self, config: GdmConfig = GdmConfig()):
        super().__init__()
        self.config = config
        self.diffusion = Diffusion(DiffusionConfig(steps=config.steps, schedule="cosine",
                                                   clip=1.0))
        self.denoiser = GraphDenoiser(config.hidden, config.layers, config.taps,
                                      config.time_dim, config.duals)
        weights = torch.ones(config.steps)
        if config.weight_bias is not None:
            lam = self.diffusion.log_snr(torch.arange(config.steps))
            weights = torch.sigmoid(config.weight_bias - lam)
            weights = weights / weights.mean()
        self.register_buffer("loss_weights", weights, persistent=False)

    def to_diffusion(self, fraction: torch.Tensor) -> torch.Tensor:
        """p / Pmax ∈ [0, 1] -> y ∈ [−1, 1] under the config's ``power_map``."""
        return to_diffusion(fraction, self.config.power_map)

    def from_diffusion(self, y: torch.Tensor) -> torch.Tensor:
        """y -> p / Pmax, constrained to [0, 1], under the config's ``power_map``."""
        return from_diffusion(y, self.config.power_map)

    def loss(self, fraction: torch.Tensor, cond: torch.Tensor,
             generator: torch.Generator | None = None) -> torch.Tensor:
        """Weighted DDPM loss of expert power fractions [B, N] under ``cond``."""
        return self.diffusion.loss(self.denoiser, self.to_diffusion(fraction), cond, generator,
                                   weight=lambda t: self.loss_weights[t])

    @torch.no_grad()
    def sample(self, cond: torch.Tensor, generator: torch.Generator | None = None,
               guidance: Guidance | None = None, guidance_scale: float = 0.0) -> torch.Tensor:
        """One fresh power-fraction sample [B, N] per row of ``cond``, optionally guided
        (``guidance(y, cond)``, the gradient of a score of the diffusion-space sample)."""
        shape = (cond.shape[0], cond.shape[1])
        c = self.config
        if c.sampler == "ddpm":
            y = self.diffusion.sample_ddpm(self.denoiser, cond, shape, generator,
                                           guidance=guidance, guidance_scale=guidance_scale)
        else:
            y = self.diffusion.sample_ddim(self.denoiser, cond, shape, c.ddim_steps, generator,
                                           eta=c.ddim_eta, guidance=guidance,
                                           guidance_scale=guidance_scale)
        return self.from_diffusion(y)


def save_policy(policy: GdmPolicy, path: Path, extra: dict[str, Any] | None = None) -> None:
    """Weights, the policy config and anything in ``extra`` (training config, optimiser)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": policy.state_dict(), "config": dataclasses.asdict(policy.config),
                **(extra or {})}, path)


def load_policy(path: str | Path, device: str | torch.device = "cpu", **overrides: Any
                ) -> GdmPolicy:
    """The policy of a checkpoint; ``overrides`` replace sampler fields (e.g. sampler="ddpm").
    A checkpoint saved before a config field existed gets the field's default (e.g.
    ``power_map`` "affine", the only map there was)."""
    checkpoint = load_torch(path, "GDM", ("state_dict", "config"), device)
    with restoring(path, "GDM"):
        policy = GdmPolicy(GdmConfig(**{**checkpoint["config"], **overrides}))
        policy.load_state_dict(checkpoint["state_dict"])
    return policy.to(device).eval()

"""Denoising diffusion over actions: noise schedules, the forward process, and the
reverse samplers (DDPM and DDIM), for any denoiser ``model(x_t, t, cond) -> noise``.

The sampler knows nothing about RL: Diffusion-QL plugs in an MLP denoiser and a
Q-gradient guidance term, GDM a graph denoiser. Time steps are integers 0..T-1
(t = 0 is the least noisy); ``alphas_bar[t]`` is ᾱ after t+1 noising steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from bridge.validate import COUNT, POSITIVE, Bounds, check_choice, check_fields

Denoiser = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
Guidance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
SCHEDULES = ("linear", "vp", "cosine")


def betas_for(schedule: str, steps: int, beta_min: float = 1e-4, beta_max: float = 2e-2
              ) -> torch.Tensor:
    """β_1..β_T of a schedule (float64).

    - ``linear``: β from ``beta_min`` to ``beta_max`` (DDPM's; at small T, ᾱ_T stays far
      from 0: 0.951 at T = 5 with the defaults);
    - ``vp``: the discretised variance-preserving SDE with β(s) from 0.1 to 10
      (Diffusion-QL's choice for small T);
    - ``cosine``: Nichol & Dhariwal's ᾱ(s) = cos²((s/T + 0.008)/1.008 · π/2).
    """
    if steps < 1:
        raise ValueError(f"diffusion steps must be >= 1, got {steps}")
    if schedule == "linear":
        return torch.linspace(beta_min, beta_max, steps, dtype=torch.float64)
    if schedule == "vp":
        t = torch.arange(1, steps + 1, dtype=torch.float64)
        b_min, b_max = 0.1, 10.0
        alpha = torch.exp(-b_min / steps - 0.5 * (b_max - b_min) * (2 * t - 1) / steps**2)
        return 1 - alpha
    if schedule == "cosine":
        s = torch.arange(steps + 1, dtype=torch.float64) / steps
        f = torch.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
        return (1 - f[1:] / f[:-1]).clamp(max=0.999)
    raise ValueError(f"unknown schedule {schedule!r}; known: {', '.join(SCHEDULES)}")


@dataclass(frozen=True)
class DiffusionConfig:
    steps: int = 20
    """T, the number of diffusion steps."""
    schedule: str = "linear"
    """Noise schedule: linear, vp or cosine."""
    beta_min: float = 1e-4
    """First β of the linear schedule."""
    beta_max: float = 2e-2
    """Last β of the linear schedule."""
    clip: float | None = 1.0
    """x̂₀ is clamped to [-clip, clip] at every reverse step (None: no clamp)."""

    def __post_init__(self) -> None:
        beta = Bounds(0, 1, low_open=True)
        check_fields(self, {"steps": COUNT, "beta_min": beta, "beta_max": beta})
        check_choice(self, "schedule", SCHEDULES)
        if self.beta_min > self.beta_max:
            raise ValueError(f"DiffusionConfig.beta_min = {self.beta_min!r} must be <= "
                             f"beta_max = {self.beta_max!r}")
        if self.clip is not None:
            check_fields(self, {"clip": POSITIVE})


class Diffusion(torch.nn.Module):
    """Schedules as buffers (they follow ``.to(device)``) and the samplers."""

    betas: torch.Tensor
    alphas_bar: torch.Tensor
    alphas_bar_prev: torch.Tensor
    posterior_variance: torch.Tensor
    posterior_coef_x0: torch.Tensor
    posterior_coef_xt: torch.Tensor

    def __init__(self, config: DiffusionConfig = DiffusionConfig()):
        super().__init__()
        self.config = config
        betas = betas_for(config.schedule, config.steps, config.beta_min, config.beta_max)
        alphas_bar = torch.cumprod(1 - betas, 0)
        previous = torch.cat([torch.ones(1, dtype=torch.float64), alphas_bar[:-1]])
        for name, value in {
            "betas": betas, "alphas_bar": alphas_bar, "alphas_bar_prev": previous,
            # q(x_{t-1} | x_t, x_0): variance and the two coefficients of its mean
            "posterior_variance": betas * (1 - previous) / (1 - alphas_bar),
            "posterior_coef_x0": betas * previous.sqrt() / (1 - alphas_bar),
            "posterior_coef_xt": (1 - previous) * (1 - betas).sqrt() / (1 - alphas_bar),
        }.items():
            self.register_buffer(name, value.float(), persistent=False)
        # The same schedule as Python floats (float64) for the samplers' shared steps.
        self._scalars = {name: getattr(self, name).double().tolist() for name in (
            "alphas_bar", "posterior_variance", "posterior_coef_x0", "posterior_coef_xt")}

    @property
    def steps(self) -> int:
        return self.config.steps

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε."""
        a = _at(self.alphas_bar, t, x0)
        return a.sqrt() * x0 + (1 - a).sqrt() * noise

    def loss(self, model: Denoiser, x0: torch.Tensor, cond: torch.Tensor,
             generator: torch.Generator | None = None,
             weight: Callable[[torch.Tensor], torch.Tensor] | None = None,
             t: torch.Tensor | None = None, noise: torch.Tensor | None = None) -> torch.Tensor:
        """Noise-prediction loss E‖ε − ε_θ(x_t, t, c)‖², optionally weighted per t. The
        time steps ``t`` and the noise ``noise`` are drawn from ``generator`` unless given."""
        if t is None:
            t = torch.randint(0, self.steps, (x0.shape[0],), device=x0.device,
                              generator=generator)
        if noise is None:
            noise = torch.randn(x0.shape, device=x0.device, generator=generator)
        error = (model(self.q_sample(x0, t, noise), t, cond) - noise) ** 2
        per_sample = error.reshape(x0.shape[0], -1).mean(1)
        if weight is not None:
            per_sample = per_sample * weight(t)
        return per_sample.mean()

    def log_snr(self, t: torch.Tensor) -> torch.Tensor:
        """λ_t = log(ᾱ_t / (1 − ᾱ_t)), the log signal-to-noise ratio of x_t, for loss
        weightings (e.g. ᾱ = 0.5 gives λ = 0)."""
        a = self.alphas_bar[t]
        return torch.log(a) - torch.log1p(-a)

    def predict_x0(self, x: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        a = _at(self.alphas_bar, t, x)
        x0 = (x - (1 - a).sqrt() * eps) / a.sqrt()
        clip = self.config.clip
        return x0 if clip is None else x0.clamp(-clip, clip)

    def sample_ddpm(
        self, model: Denoiser, cond: torch.Tensor, shape: tuple[int, ...],
        generator: torch.Generator | None = None, noise_scale: float = 1.0,
        guidance: Guidance | None = None, guidance_scale: float = 0.0,
        noise: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Ancestral sampling over all T steps. ``guidance(x, cond)`` (e.g. ∇ₐQ) shifts
        each step's mean by ``guidance_scale · Σ_t · guidance`` (classifier guidance).
        All samples share the step, so the schedule enters as plain numbers.
        ``noise`` (shape ``(T, *shape)``: x_T, then the noise of steps T−1 … 1) replaces
        the draws from ``generator``, which are otherwise made one step at a time."""
        if noise is not None and tuple(noise.shape) != (self.steps, *shape):
            raise ValueError(f"noise must have shape {(self.steps, *shape)}, "
                             f"got {tuple(noise.shape)}")
        x = torch.randn(shape, device=cond.device, generator=generator) if noise is None \
            else noise[0]
        c = self._scalars
        for k, step in enumerate(reversed(range(self.steps)), start=1):
            t = torch.full((shape[0],), step, device=cond.device, dtype=torch.long)
            x0 = self._x0(x, model(x, t, cond), step)
            mean = c["posterior_coef_x0"][step] * x0 + c["posterior_coef_xt"][step] * x
            variance = c["posterior_variance"][step]
            if guidance is not None and guidance_scale:
                mean = mean + guidance_scale * variance * guidance(x, cond)
            if step > 0:
                z = torch.randn(shape, device=cond.device, generator=generator) \
                    if noise is None else noise[k]
                mean = mean + noise_scale * math.sqrt(variance) * z
            x = mean
        return _clip(x, self.config.clip)

    def sample_ddim(
        self, model: Denoiser, cond: torch.Tensor, shape: tuple[int, ...], steps: int,
        generator: torch.Generator | None = None, eta: float = 0.0,
        noise: torch.Tensor | None = None,
        guidance: Guidance | None = None, guidance_scale: float = 0.0,
    ) -> torch.Tensor:
        """DDIM over ``steps`` evenly spaced time steps; ``eta = 0`` is deterministic given
        the initial noise (``noise``, else drawn from ``generator``), ``eta = 1`` with
        ``steps = T`` is DDPM. ``guidance`` enters as in classifier-guided DDIM:
        ε̂ ← ε̂ − guidance_scale · √(1−ᾱ_t) · guidance(x, cond)."""
        if not 1 <= steps <= self.steps:
            raise ValueError(f"DDIM steps must be in [1, {self.steps}], got {steps}")
        times = torch.linspace(self.steps - 1, 0, steps).round().long().tolist()
        alphas_bar = self._scalars["alphas_bar"]
        x = torch.randn(shape, device=cond.device, generator=generator) if noise is None \
            else noise
        for i, step in enumerate(times):
            t = torch.full((shape[0],), step, device=cond.device, dtype=torch.long)
            a = alphas_bar[step]
            eps = model(x, t, cond)
            if guidance is not None and guidance_scale:
                eps = eps - guidance_scale * math.sqrt(1 - a) * guidance(x, cond)
            x0 = self._x0(x, eps, step)
            a_prev = alphas_bar[times[i + 1]] if i + 1 < len(times) else 1.0
            sigma = eta * math.sqrt((1 - a_prev) / (1 - a) * (1 - a / a_prev))
            eps = (x - math.sqrt(a) * x0) / math.sqrt(1 - a)  # consistent with the clamped x̂₀
            x = math.sqrt(a_prev) * x0 + math.sqrt(max(1 - a_prev - sigma**2, 0.0)) * eps
            if i + 1 < len(times) and eta > 0:
                x = x + sigma * torch.randn(shape, device=cond.device, generator=generator)
        return _clip(x, self.config.clip)

    def _x0(self, x: torch.Tensor, eps: torch.Tensor, step: int) -> torch.Tensor:
        """x̂₀ from x_t and predicted noise at one step shared by the batch, clamped."""
        a = self._scalars["alphas_bar"][step]
        x0 = (x - math.sqrt(1 - a) * eps) / math.sqrt(a)
        clip = self.config.clip
        return x0 if clip is None else x0.clamp(-clip, clip)


def _at(values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """values[t] shaped to broadcast against ``like`` (batch first)."""
    return values[t].reshape(-1, *([1] * (like.dim() - 1))).to(like.dtype)


def _clip(x: torch.Tensor, clip: float | None) -> torch.Tensor:
    return x if clip is None else x.clamp(-clip, clip)

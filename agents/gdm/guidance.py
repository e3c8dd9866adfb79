"""Constraint-aware guidance of the GDM sampler (the paper's suggested remedy).

Like Diffusion-QL's ∇ₐQ, the reverse step's mean is shifted by the gradient of a score
of the current sample: here the constraint slack Σ_i w_i min(r_i(p) − f_min, 0), r_i the
LTE rate model of the twin (``bridge.twins.interference.lte_rates``) on the long-term
gains, w_i ≥ 0 a weight per pair. Only pairs below f_min contribute: the gradient raises
their own power and lowers that of their interferers. The powers of a diffusion sample y
are p = softplus(k (y + 1) / 2) / k with k = 20 — (y + 1) / 2 made smooth at 0, so a
silenced pair still receives a gradient — squared for a policy diffused under the "sqrt"
power map (``agents.gdm.policy.POWER_MAPS``).
"""

from __future__ import annotations

import torch

from agents.common.diffusion import Guidance
from agents.gdm.policy import check_power_map, fraction_of
from bridge.twins.interference import F_MIN, LTE_EFFICIENCY, LTE_GAP, LTE_MAX_RATE

SMOOTHING = 20.0
"""k of the smooth map from diffusion space to power fractions."""


def lte_rate_model(snr: torch.Tensor, fraction: torch.Tensor) -> torch.Tensor:
    """Rates [B, N] of power fractions [B, N] under full-power SNRs snr [B, N, N]
    (G Pmax / noise, rx-major): min(3.5, 0.55 log2(1 + SINR / 4)).

    E.g. one pair alone at SNR 12 and full power: 0.55 log2(4) = 1.1 bit/s/Hz.
    """
    received = snr * fraction[:, None, :]
    signal = torch.diagonal(received, dim1=-2, dim2=-1)
    sinr = signal / (1 + received.sum(-1) - signal)
    return (LTE_EFFICIENCY * torch.log2(1 + sinr / LTE_GAP)).clamp(max=LTE_MAX_RATE)


def constraint_slack(snr: torch.Tensor, fraction: torch.Tensor, weights: torch.Tensor,
                     f_min: float = F_MIN) -> torch.Tensor:
    """Σ_i w_i min(r_i − f_min, 0) per row: 0 when every weighted pair meets f_min."""
    return (weights * (lte_rate_model(snr, fraction) - f_min).clamp(max=0)).sum(-1)


def slack_guidance(weights: torch.Tensor | None = None, f_min: float = F_MIN,
                   power_map: str = "affine") -> Guidance:
    """``guidance(y, cond)`` for the sampler: ∇_y of the constraint slack of the sample.
    cond holds normalised gains x (first N columns): SNR at full power = 10^(4x).
    ``power_map`` is the policy's (``GdmConfig.power_map``)."""
    check_power_map(power_map)

    def gradient(y: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        n = y.shape[-1]
        snr = 10 ** (4 * cond[..., :n].double())
        w = torch.ones_like(y, dtype=torch.float64) if weights is None else weights.double()
        with torch.enable_grad():
            v = y.detach().double().requires_grad_(True)
            unit = torch.nn.functional.softplus(SMOOTHING * (v + 1) / 2) / SMOOTHING
            fraction = fraction_of(unit, power_map)
            slack = constraint_slack(snr, fraction, w, f_min).sum()
            return torch.autograd.grad(slack, v)[0].to(y.dtype)

    return gradient

"""The shared diffusion sampler: schedules, forward process, DDPM/DDIM, guidance."""

from __future__ import annotations

import math

import pytest
import torch

from agents.common.diffusion import Diffusion, DiffusionConfig, betas_for


def test_schedules_end_where_they_should():
    # linear, T = 5: ᾱ_5 = Π(1 − β), β = 1e-4, 0.005075, 0.01005, 0.015025, 0.02
    #   = 0.9999 · 0.994925 · 0.98995 · 0.984975 · 0.98
    #   = 0.994826 · 0.98995 = 0.984828; · 0.984975 = 0.970031; · 0.98 = 0.950630
    #   (far from 0 at small T)
    linear = torch.cumprod(1 - betas_for("linear", 5), 0)
    assert linear[-1].item() == pytest.approx(0.950630, abs=1e-5)
    # vp: Σ log(1−β) = −(0.1 + (10 − 0.1)/2) for any T, so ᾱ_T = e^−5.05 ≈ 0.00641
    for steps in (5, 20):
        vp = torch.cumprod(1 - betas_for("vp", steps), 0)
        assert vp[-1].item() == pytest.approx(math.exp(-5.05), rel=1e-6)
    cosine = torch.cumprod(1 - betas_for("cosine", 20), 0)
    assert cosine[-1].item() < 1e-3 and cosine[0].item() > 0.99
    with pytest.raises(ValueError, match="unknown schedule"):
        betas_for("quadratic", 5)


def test_q_sample_scales_signal_and_noise():
    diffusion = Diffusion(DiffusionConfig(steps=5, schedule="linear"))
    x0, noise = torch.ones(2, 3), torch.zeros(2, 3)
    t = torch.tensor([0, 4])
    x = diffusion.q_sample(x0, t, noise)
    assert x[0, 0].item() == pytest.approx(math.sqrt(1 - 1e-4), rel=1e-6)
    assert x[1, 0].item() == pytest.approx(math.sqrt(0.950630), abs=1e-5)


def _toy_model(x, t, cond):
    """A fixed, smooth denoiser: enough to compare two samplers step for step."""
    return 0.3 * torch.tanh(x + cond) + 0.01 * t[:, None].float()


def test_ddim_with_all_steps_and_eta_one_is_ddpm():
    diffusion = Diffusion(DiffusionConfig(steps=20, schedule="vp"))
    cond = torch.linspace(-1, 1, 8)[:, None].repeat(1, 2)
    ddpm = diffusion.sample_ddpm(_toy_model, cond, (8, 2), torch.Generator().manual_seed(3))
    ddim = diffusion.sample_ddim(_toy_model, cond, (8, 2), steps=20, eta=1.0,
                                 generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(ddim, ddpm, atol=1e-5, rtol=1e-5)


def test_ddim_eta_zero_is_deterministic_given_the_noise():
    diffusion = Diffusion(DiffusionConfig(steps=20, schedule="cosine"))
    cond = torch.zeros(4, 2)
    a = diffusion.sample_ddim(_toy_model, cond, (4, 2), 5, torch.Generator().manual_seed(1))
    b = diffusion.sample_ddim(_toy_model, cond, (4, 2), 5, torch.Generator().manual_seed(1))
    c = diffusion.sample_ddim(_toy_model, cond, (4, 2), 5, torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)
    with pytest.raises(ValueError, match="DDIM steps"):
        diffusion.sample_ddim(_toy_model, cond, (4, 2), 21)


def test_q_guidance_moves_samples_toward_higher_q():
    target = torch.tensor([0.5, -0.5])

    def q_gradient(x, cond):  # Q(a) = −‖a − a*‖², ∇ₐQ = −2(a − a*)
        return -2 * (x - target)

    diffusion = Diffusion(DiffusionConfig(steps=20, schedule="vp"))
    cond = torch.zeros(512, 2)

    def distance(scale):
        x = diffusion.sample_ddpm(lambda x, t, c: torch.zeros_like(x), cond, (512, 2),
                                  torch.Generator().manual_seed(0), guidance=q_gradient,
                                  guidance_scale=scale)
        return (x - target).norm(dim=1).mean().item()

    free, guided = distance(0.0), distance(1.2)
    assert guided < 0.8 * free


def test_log_snr_of_the_schedule():
    # linear, T = 5: ᾱ_1 = 1 − 1e-4 -> λ = log(0.9999 / 1e-4) = log 9999 = 9.2102;
    # ᾱ_5 = 0.950630 -> λ = log(0.950630 / 0.049370) = log 19.2552 = 2.9578
    diffusion = Diffusion(DiffusionConfig(steps=5, schedule="linear"))
    lam = diffusion.log_snr(torch.tensor([0, 4]))
    assert lam[0].item() == pytest.approx(math.log(9999), abs=2e-3)
    assert lam[1].item() == pytest.approx(2.9578, abs=2e-3)
    cosine = Diffusion(DiffusionConfig(steps=20, schedule="cosine"))
    assert bool((cosine.log_snr(torch.arange(20)).diff() < 0).all())  # falls with t


def test_ddim_guidance_moves_samples_up_the_gradient():
    # guidance +1 everywhere: ε̂ falls by s √(1−ᾱ), so x̂₀ rises by s (1−ᾱ)/√ᾱ per step
    diffusion = Diffusion(DiffusionConfig(steps=20, schedule="cosine", clip=None))
    cond = torch.zeros(256, 1)

    def up(x, c):
        return torch.ones_like(x)

    plain = diffusion.sample_ddim(_toy_model, cond, (256, 1), 5,
                                  torch.Generator().manual_seed(0))
    guided = diffusion.sample_ddim(_toy_model, cond, (256, 1), 5,
                                   torch.Generator().manual_seed(0), guidance=up,
                                   guidance_scale=0.1)
    assert bool((guided > plain).all())

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


# --- against an independent transcription of Ho et al. (2020) and Song et al. (2021) ---

def _schedule(betas: list[float]) -> dict[str, list[float]]:
    """ᾱ, ᾱ_prev and the posterior q(x_{t-1} | x_t, x_0) of Ho et al., eqs. (6)-(7), in
    Python floats."""
    bar, prev, product = [], [], 1.0
    for beta in betas:
        prev.append(product)
        product *= 1 - beta
        bar.append(product)
    rows = list(zip(betas, prev, bar, strict=True))
    return {
        "alphas_bar": bar, "alphas_bar_prev": prev,
        "posterior_variance": [b * (1 - p) / (1 - a) for b, p, a in rows],
        "posterior_coef_x0": [b * math.sqrt(p) / (1 - a) for b, p, a in rows],
        "posterior_coef_xt": [(1 - p) * math.sqrt(1 - b) / (1 - a) for b, p, a in rows],
    }


def test_betas_by_hand():
    # linear, T = 3: 1e-4, (1e-4 + 2e-2) / 2 = 0.01005, 2e-2; other bounds pass through.
    assert betas_for("linear", 3).tolist() == pytest.approx([1e-4, 0.01005, 0.02], rel=1e-12)
    assert betas_for("linear", 2, 0.1, 0.3).tolist() == pytest.approx([0.1, 0.3], rel=1e-12)
    assert betas_for("linear", 1).tolist() == pytest.approx([1e-4])
    # vp, T = 2: α_t = exp(−0.1/2 − 0.5 · 9.9 · (2t − 1) / 4): exp(−1.2875), exp(−3.7625)
    assert betas_for("vp", 2).tolist() == pytest.approx(
        [1 - math.exp(-1.2875), 1 - math.exp(-3.7625)], rel=1e-12)
    # cosine, T = 3: f(s) = cos²((s + 0.008) / 1.008 · π/2); β_t = 1 − f(t/3) / f((t−1)/3),
    # the last clamped to 0.999 (f(1) = 0).
    f = [math.cos((s / 3 + 0.008) / 1.008 * math.pi / 2) ** 2 for s in range(4)]
    assert betas_for("cosine", 3).tolist() == pytest.approx(
        [1 - f[1] / f[0], 1 - f[2] / f[1], 0.999], rel=1e-12)
    assert betas_for("cosine", 3).dtype == torch.float64
    for steps in (0, -1):
        with pytest.raises(ValueError, match="diffusion steps must be >= 1"):
            betas_for("linear", steps)


def test_the_schedule_buffers_are_the_posterior_of_ho_et_al():
    diffusion = Diffusion(DiffusionConfig(steps=3, schedule="linear", beta_min=0.1,
                                          beta_max=0.5))
    expected = _schedule([0.1, 0.3, 0.5])
    # Hand check of one entry: ᾱ = 0.9, 0.63, 0.315; at t = 1 the posterior variance is
    # 0.3 · (1 − 0.9) / (1 − 0.63) = 0.081081.
    assert expected["posterior_variance"][1] == pytest.approx(0.081081, abs=1e-6)
    assert diffusion.betas.tolist() == pytest.approx([0.1, 0.3, 0.5], rel=1e-6)
    for name, values in expected.items():
        assert getattr(diffusion, name).tolist() == pytest.approx(values, rel=1e-6), name
    assert diffusion.posterior_variance[0].item() == 0.0  # t = 0 adds no noise


def _reference_ddpm(diffusion, model, cond, noise, noise_scale, guidance, scale, clip):
    c = _schedule(diffusion.betas.double().tolist())
    x = noise[0].double()
    steps = diffusion.steps
    for k, step in enumerate(range(steps - 1, -1, -1), start=1):
        t = torch.full((x.shape[0],), step, dtype=torch.long)
        a = c["alphas_bar"][step]
        x0 = (x - math.sqrt(1 - a) * model(x, t, cond)) / math.sqrt(a)
        x0 = x0 if clip is None else x0.clamp(-clip, clip)
        mean = c["posterior_coef_x0"][step] * x0 + c["posterior_coef_xt"][step] * x
        mean = mean + scale * c["posterior_variance"][step] * guidance(x, cond)
        if step > 0:
            mean = mean + noise_scale * math.sqrt(c["posterior_variance"][step]) * noise[k]
        x = mean
    return x if clip is None else x.clamp(-clip, clip)


@pytest.mark.parametrize("clip", [None, 1.0])
def test_ddpm_matches_the_reference_loop(clip):
    diffusion = Diffusion(DiffusionConfig(steps=4, schedule="linear", beta_min=0.05,
                                          beta_max=0.4, clip=clip))
    cond = torch.linspace(-1, 1, 6)[:, None].repeat(1, 2)
    noise = 1.5 * torch.randn((4, 6, 2), generator=torch.Generator().manual_seed(5))

    def pull(x, c):
        return 0.5 - x

    got = diffusion.sample_ddpm(_toy_model, cond, (6, 2), noise=noise, noise_scale=0.7,
                                guidance=pull, guidance_scale=0.3)
    want = _reference_ddpm(diffusion, _toy_model, cond.double(), noise.double(), 0.7, pull,
                           0.3, clip)
    torch.testing.assert_close(got.double(), want, atol=1e-5, rtol=1e-5)
    if clip is None:
        assert got.abs().max().item() > 1.0  # so that the clamp above was exercised
    else:
        assert got.abs().max().item() <= 1.0
    with pytest.raises(ValueError, match=r"noise must have shape \(4, 6, 2\)"):
        diffusion.sample_ddpm(_toy_model, cond, (6, 2), noise=noise[1:])


def test_ddpm_draws_its_noise_from_the_generator_one_step_at_a_time():
    diffusion = Diffusion(DiffusionConfig(steps=3, schedule="vp"))
    cond = torch.zeros(5, 2)
    drawn = torch.Generator().manual_seed(9)
    noise = torch.stack([torch.randn((5, 2), generator=drawn) for _ in range(3)])
    from_generator = diffusion.sample_ddpm(_toy_model, cond, (5, 2),
                                           torch.Generator().manual_seed(9))
    given = diffusion.sample_ddpm(_toy_model, cond, (5, 2), noise=noise)
    assert torch.equal(from_generator, given)


def _reference_ddim(diffusion, model, cond, times, x, eta, generator, guidance, scale):
    bar = _schedule(diffusion.betas.double().tolist())["alphas_bar"]
    clip = diffusion.config.clip
    for i, step in enumerate(times):
        t = torch.full((x.shape[0],), step, dtype=torch.long)
        a = bar[step]
        eps = model(x, t, cond) - scale * math.sqrt(1 - a) * guidance(x, cond)
        x0 = ((x - math.sqrt(1 - a) * eps) / math.sqrt(a)).clamp(-clip, clip)
        last = i == len(times) - 1
        a_prev = 1.0 if last else bar[times[i + 1]]
        # Song et al., eq. (16): σ² = η² (1 − ᾱ_prev) / (1 − ᾱ) · (1 − ᾱ / ᾱ_prev)
        sigma = eta * math.sqrt((1 - a_prev) / (1 - a) * (1 - a / a_prev))
        eps = (x - math.sqrt(a) * x0) / math.sqrt(1 - a)
        x = math.sqrt(a_prev) * x0 + math.sqrt(max(1 - a_prev - sigma ** 2, 0.0)) * eps
        if not last and eta > 0:
            x = x + sigma * torch.randn(x.shape, generator=generator, dtype=torch.float32)
    return x.clamp(-clip, clip)


@pytest.mark.parametrize("eta", [0.0, 0.5])
def test_ddim_matches_the_reference_loop_on_its_subsequence(eta):
    # T = 5 in 3 DDIM steps: t = 4, 2, 0.
    diffusion = Diffusion(DiffusionConfig(steps=5, schedule="linear", beta_min=0.05,
                                          beta_max=0.4, clip=0.9))
    cond = torch.linspace(-1, 1, 6)[:, None].repeat(1, 2)
    start = torch.randn((6, 2), generator=torch.Generator().manual_seed(2))

    def pull(x, c):
        return 0.5 - x

    got = diffusion.sample_ddim(_toy_model, cond, (6, 2), 3, torch.Generator().manual_seed(4),
                                eta=eta, noise=start, guidance=pull, guidance_scale=0.4)
    want = _reference_ddim(diffusion, _toy_model, cond, [4, 2, 0], start, eta,
                           torch.Generator().manual_seed(4), pull, 0.4)
    torch.testing.assert_close(got, want.float(), atol=1e-5, rtol=1e-5)
    assert got.abs().max().item() == pytest.approx(0.9)  # the clamp is reached


def test_ddim_draws_its_start_from_the_generator_and_takes_one_step():
    diffusion = Diffusion(DiffusionConfig(steps=5, schedule="linear", beta_min=0.05,
                                          beta_max=0.4))
    cond = torch.zeros(3, 2)
    start = torch.randn((3, 2), generator=torch.Generator().manual_seed(6))
    one = diffusion.sample_ddim(_toy_model, cond, (3, 2), 1, torch.Generator().manual_seed(6))
    # One step from t = 4 straight to x̂₀ (ᾱ_prev = 1).
    want = _reference_ddim(diffusion, _toy_model, cond, [4], start, 0.0, None,
                           lambda x, c: torch.zeros_like(x), 0.0)
    torch.testing.assert_close(one, want.float(), atol=1e-6, rtol=1e-6)
    for steps in (0, 6):
        with pytest.raises(ValueError, match=r"DDIM steps must be in \[1, 5\]"):
            diffusion.sample_ddim(_toy_model, cond, (3, 2), steps)


def test_predict_x0_inverts_q_sample_and_clamps():
    diffusion = Diffusion(DiffusionConfig(steps=3, schedule="linear", beta_min=0.1,
                                          beta_max=0.5, clip=1.0))
    # ᾱ = 0.9, 0.63, 0.315; x_t = √ᾱ x₀ + √(1−ᾱ) ε with x₀ = 0.8, ε = −1, per sample t.
    t = torch.tensor([0, 2])
    x0, eps = torch.full((2, 1, 2), 0.8), torch.full((2, 1, 2), -1.0)
    x = diffusion.q_sample(x0, t, eps)
    assert x[:, 0, 0].tolist() == pytest.approx(
        [math.sqrt(0.9) * 0.8 - math.sqrt(0.1), math.sqrt(0.315) * 0.8 - math.sqrt(0.685)],
        rel=1e-6)
    assert diffusion.predict_x0(x, t, eps).flatten().tolist() == pytest.approx([0.8] * 4,
                                                                             rel=1e-5)
    # Predicting ε = +1 instead: x̂₀ = 0.8 − 2 √(1−ᾱ) / √ᾱ: 0.8 − 2/3 = 0.1333 at t = 0,
    # 0.8 − 2 √(0.685 / 0.315) = −2.149 at t = 2, clamped to −1.
    assert diffusion.predict_x0(x, t, -eps).flatten().tolist() == pytest.approx(
        [0.8 - 2 / 3, 0.8 - 2 / 3, -1.0, -1.0], rel=1e-5)
    # Predicting ε = −0.5: x̂₀ = 0.8 − 0.5 √(1−ᾱ) / √ᾱ = 0.8 − 1/6 at t = 0.
    assert diffusion.predict_x0(x, t, eps / 2)[0, 0, 0].item() == pytest.approx(
        0.8 - 1 / 6, rel=1e-5)
    free = Diffusion(DiffusionConfig(steps=3, schedule="linear", beta_min=0.1, beta_max=0.5,
                                     clip=None))
    assert free.predict_x0(x, t, -eps)[0, 0, 0].item() == pytest.approx(
        (math.sqrt(0.9) * 0.8 - 2 * math.sqrt(0.1)) / math.sqrt(0.9), rel=1e-5)


def test_loss_by_hand_with_a_weight_per_time_step():
    diffusion = Diffusion(DiffusionConfig(steps=3, schedule="linear", beta_min=0.1,
                                          beta_max=0.5))
    x0 = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    noise = torch.tensor([[1.0, -1.0], [2.0, 0.0]])
    t = torch.tensor([0, 2])

    def zero(x, t_, c):
        return torch.zeros_like(x)

    # ε_θ = 0: per sample mean of ε² = 1, 2; weights 3 (t = 0) and 0.5 (t = 2):
    # (3 · 1 + 0.5 · 2) / 2 = 2.
    weight = {0: 3.0, 2: 0.5}
    loss = diffusion.loss(zero, x0, torch.zeros(2, 1), t=t, noise=noise,
                          weight=lambda tt: torch.tensor([weight[int(v)] for v in tt]))
    assert loss.item() == pytest.approx(2.0)
    # ε_θ(x_t) = x_t: error x_t − ε = √ᾱ x₀ + (√(1−ᾱ) − 1) ε.
    a = [0.9, 0.63, 0.315]
    by_hand = []
    for i in range(2):
        at = a[int(t[i])]
        err = [math.sqrt(at) * float(x0[i, j]) + (math.sqrt(1 - at) - 1) * float(noise[i, j])
               for j in range(2)]
        by_hand.append(sum(e * e for e in err) / 2)
    loss = diffusion.loss(lambda x, t_, c: x, x0, torch.zeros(2, 1), t=t, noise=noise)
    assert loss.item() == pytest.approx(sum(by_hand) / 2, rel=1e-5)


def test_loss_draws_time_steps_then_noise_from_the_generator():
    diffusion = Diffusion(DiffusionConfig(steps=1))  # only t = 0 can be drawn
    x0 = torch.zeros(4, 3)
    drawn = torch.Generator().manual_seed(8)
    t = torch.randint(0, 1, (4,), generator=drawn)
    noise = torch.randn((4, 3), generator=drawn)
    loss = diffusion.loss(lambda x, t_, c: torch.zeros_like(x), x0, torch.zeros(4, 1),
                          generator=torch.Generator().manual_seed(8))
    assert t.tolist() == [0, 0, 0, 0]
    assert loss.item() == pytest.approx(float((noise ** 2).mean()), rel=1e-6)


def test_the_default_is_ddpm_linear_schedule_over_20_steps():
    # Ho et al.'s β from 1e-4 to 0.02, here over T = 20, with x̂₀ clamped to [-1, 1].
    diffusion = Diffusion()
    assert diffusion.steps == 20 and diffusion.config.clip == 1.0
    assert diffusion.betas[0].item() == pytest.approx(1e-4)
    assert diffusion.betas[-1].item() == pytest.approx(0.02)


@pytest.mark.parametrize(("fields", "words"), [
    ({"steps": 0}, "steps"), ({"schedule": "quadratic"}, "schedule"),
    ({"beta_min": 0.0}, "beta_min"), ({"beta_max": 1.5}, "beta_max"),
    ({"beta_min": 0.03, "beta_max": 0.02}, "must be <= beta_max"),
    ({"clip": 0.0}, "clip"), ({"clip": -1.0}, "clip"),
])
def test_the_config_refuses_what_cannot_be_a_schedule(fields, words):
    with pytest.raises(ValueError, match=words):
        DiffusionConfig(**fields)


def test_the_config_accepts_its_bounds():
    # β in (0, 1], beta_min = beta_max (a constant schedule), no clamp.
    config = DiffusionConfig(steps=1, beta_min=0.5, beta_max=0.5, clip=None)
    assert Diffusion(config).betas.tolist() == [0.5]
    assert DiffusionConfig(beta_max=1.0).beta_max == 1.0


def test_the_schedule_is_not_part_of_the_state():
    # Rebuilt from the config, so checkpoints hold no schedule tensors.
    assert Diffusion(DiffusionConfig(steps=3)).state_dict() == {}


def test_guidance_needs_a_scale_and_a_scale_needs_guidance():
    diffusion = Diffusion(DiffusionConfig(steps=3, schedule="vp"))
    cond = torch.zeros(4, 2)

    def push(x, c):
        return torch.ones_like(x)

    plain = diffusion.sample_ddpm(_toy_model, cond, (4, 2), torch.Generator().manual_seed(1))
    unscaled = diffusion.sample_ddpm(_toy_model, cond, (4, 2), torch.Generator().manual_seed(1),
                                     guidance=push)
    assert torch.equal(plain, unscaled)
    alone = diffusion.sample_ddpm(_toy_model, cond, (4, 2), torch.Generator().manual_seed(1),
                                  guidance_scale=0.5)  # a scale without guidance: nothing
    assert torch.equal(plain, alone)
    plain = diffusion.sample_ddim(_toy_model, cond, (4, 2), 2, torch.Generator().manual_seed(1))
    unscaled = diffusion.sample_ddim(_toy_model, cond, (4, 2), 2,
                                     torch.Generator().manual_seed(1), guidance=push)
    assert torch.equal(plain, unscaled)
    alone = diffusion.sample_ddim(_toy_model, cond, (4, 2), 2, torch.Generator().manual_seed(1),
                                  guidance_scale=0.5)
    assert torch.equal(plain, alone)


def test_loss_averages_each_sample_before_weighting():
    # Two samples of 3 values, ε_θ = 0: per sample mean ε² = (1 + 1 + 4) / 3 = 2 and
    # (0 + 9 + 0) / 3 = 3; weights 1 (t = 0) and 2 (t = 1): (2 + 6) / 2 = 4.
    diffusion = Diffusion(DiffusionConfig(steps=2))
    noise = torch.tensor([[1.0, -1.0, 2.0], [0.0, 3.0, 0.0]])
    loss = diffusion.loss(lambda x, t_, c: torch.zeros_like(x), torch.zeros(2, 3),
                          torch.zeros(2, 1), t=torch.tensor([0, 1]), noise=noise,
                          weight=lambda t_: 1.0 + t_.float())
    assert loss.item() == pytest.approx(4.0)


def test_ddim_by_default_draws_nothing_after_its_start():
    # η = 0 unless asked: from a given start, the generator does not matter.
    diffusion = Diffusion(DiffusionConfig(steps=10, schedule="cosine"))
    cond = torch.zeros(4, 2)
    start = torch.randn((4, 2), generator=torch.Generator().manual_seed(0))
    a = diffusion.sample_ddim(_toy_model, cond, (4, 2), 5, torch.Generator().manual_seed(1),
                              noise=start)
    b = diffusion.sample_ddim(_toy_model, cond, (4, 2), 5, torch.Generator().manual_seed(2),
                              noise=start)
    assert torch.equal(a, b)


@pytest.mark.parametrize(("eta", "draws"), [(0.0, 1), (0.5, 1 + 3)])
def test_ddim_takes_only_the_draws_it_needs_from_a_shared_generator(eta, draws):
    # 4 DDIM steps: the start, then (for η > 0) noise after each step but the last. A
    # second call on the same generator then starts from the next draw.
    diffusion = Diffusion(DiffusionConfig(steps=8, schedule="cosine"))
    cond = torch.zeros(3, 2)
    shared = torch.Generator().manual_seed(4)
    diffusion.sample_ddim(_toy_model, cond, (3, 2), 4, shared, eta=eta)
    second = diffusion.sample_ddim(_toy_model, cond, (3, 2), 4, shared, eta=eta)
    replay = torch.Generator().manual_seed(4)
    for _ in range(draws):
        torch.randn((3, 2), generator=replay)
    expected = diffusion.sample_ddim(_toy_model, cond, (3, 2), 4, replay, eta=eta)
    assert torch.equal(second, expected)


def test_ddpm_takes_t_draws_from_a_shared_generator():
    # x_T, then noise at steps T−1 … 1: T = 3 draws, none at the last step.
    diffusion = Diffusion(DiffusionConfig(steps=3, schedule="vp"))
    cond = torch.zeros(3, 2)
    shared = torch.Generator().manual_seed(4)
    diffusion.sample_ddpm(_toy_model, cond, (3, 2), shared)
    second = diffusion.sample_ddpm(_toy_model, cond, (3, 2), shared)
    replay = torch.Generator().manual_seed(4)
    for _ in range(3):
        torch.randn((3, 2), generator=replay)
    assert torch.equal(second, diffusion.sample_ddpm(_toy_model, cond, (3, 2), replay))

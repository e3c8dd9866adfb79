"""The NumPy decision path (agents.diffusion_ql.fast) gives the PyTorch sampler's
samples for the same noise: DDPM with and without Q guidance, DDIM, best-of-n by Q, for
the noise predictor and the x̂₀ denoiser alike."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from gymnasium import spaces

from agents.common.diffusion import DiffusionConfig
from agents.diffusion_ql import DiffusionQL, DiffusionQLConfig
from agents.diffusion_ql.fast import mish, mish_grad

OBS = spaces.Box(-1, 1, (7,), np.float32)
ACT = spaces.Box(0, 4, (5,), np.float32)
BASE = DiffusionQLConfig(diffusion=DiffusionConfig(steps=8, schedule="cosine"), hidden=32,
                         candidates=1, guidance=0.0, denoiser="eps")
X0 = replace(BASE, denoiser="x0", diffusion=DiffusionConfig(steps=5, schedule="vp"))


def trained_pair(config: DiffusionQLConfig) -> tuple[DiffusionQL, DiffusionQL]:
    """Two agents with identical, non-initial weights: one decides in PyTorch, one in NumPy."""
    reference = DiffusionQL(OBS, ACT, replace(config, fast_decisions=False), seed=4, device="cpu")
    rng = np.random.default_rng(0)
    for _ in range(64):
        reference.replay.add(OBS.sample(), ACT.sample(), float(rng.normal()), OBS.sample(), False)
    for _ in range(3):
        reference.train_step(reference.replay.sample(32, reference.rng, reference.device))
    with torch.no_grad():  # make the EMA actor and target critics differ from their sources
        for p in [*reference.ema_actor.parameters(), *reference.critic_target.parameters()]:
            p.add_(0.05 * torch.randn(p.shape, generator=torch.Generator().manual_seed(1)))
    fast = DiffusionQL(OBS, ACT, replace(config, fast_decisions=True), seed=4, device="cpu")
    fast.load_state_dict(reference.state_dict())
    return reference, fast


@pytest.mark.parametrize("config", [
    BASE,
    replace(BASE, guidance=1.2),
    replace(BASE, decision_sampler="ddim", ddim_steps=3),
    replace(BASE, guidance=1.2, candidates=4),
    X0,
    replace(X0, guidance=1.2, candidates=10),  # the defaults' decision
    replace(X0, decision_sampler="ddim", ddim_steps=3),
], ids=["ddpm", "ddpm-guided", "ddim", "guided-best-of-4", "x0-ddpm", "x0-guided-best-of-10",
        "x0-ddim"])
def test_fast_path_equals_the_reference_sampler(config):
    reference, fast = trained_pair(config)
    obs = np.stack([OBS.sample() for _ in range(3)])
    for deterministic in (True, False):
        expected = reference.act(obs, deterministic)
        got = fast.act(obs, deterministic)
        np.testing.assert_allclose(got, expected, atol=2e-5)
        # one observation: the NumPy path broadcasts its share over the candidates
        np.testing.assert_allclose(fast.predict(obs[1], deterministic=deterministic)[0],
                                   reference.predict(obs[1], deterministic=deterministic)[0],
                                   atol=2e-5)
    # both consumed the same draws: the generators are still in step
    assert torch.equal(reference.generator.get_state(), fast.generator.get_state())
    # and the decisions depend on the noise (a constant sampler would pass the above)
    assert np.abs(fast.act(obs) - got).max() > 1e-3


def test_guidance_moves_the_sample_along_the_q_gradient():
    """The hand-written ∇ₐ min Q is autograd's."""
    reference, fast = trained_pair(replace(BASE, guidance=1.2))
    decider = fast._fast_decider()
    obs, act = np.stack([OBS.sample() for _ in range(4)]), np.random.default_rng(2).uniform(
        -1, 1, (4, 5)).astype(np.float32)
    q, grad = decider.q_min(obs, act, with_grad=True)
    expected = reference._q_gradient(torch.from_numpy(act), torch.from_numpy(obs)).numpy()
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)
    with torch.no_grad():
        q_ref = reference.critic_target.q_min(torch.from_numpy(obs), torch.from_numpy(act))
    np.testing.assert_allclose(q, q_ref.numpy(), rtol=1e-5, atol=1e-6)


def test_mish_and_its_derivative():
    z = torch.linspace(-30, 30, 241, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.mish(z).sum().backward()
    values = z.detach().numpy()
    np.testing.assert_allclose(mish(values.copy()), torch.nn.functional.mish(z).detach(),
                               atol=1e-12)
    np.testing.assert_allclose(mish_grad(values), z.grad.numpy(), atol=1e-9)
    # by hand: mish(0) = 0; mish'(0) = tanh(ln 2) = 0.6
    assert mish(np.zeros(1))[0] == 0 and abs(mish_grad(np.zeros(1))[0] - 0.6) < 1e-12


def test_an_x0_denoiser_decides_in_numpy_without_the_compiled_loop():
    agent = DiffusionQL(OBS, ACT, X0, seed=0, device="cpu")
    assert agent._fast_enabled() and agent._fast_decider().predicts_x0
    assert agent._fast_decider().kernel is None  # the compiled loop computes ε, not x̂₀
    assert not DiffusionQL(OBS, ACT, replace(X0, fast_decisions=False), seed=0,
                           device="cpu")._fast_enabled()

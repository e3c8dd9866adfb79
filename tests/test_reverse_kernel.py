"""The compiled reverse loop (agents/diffusion_ql/csrc/reverse.c): the same decisions as
the NumPy path for the same noise, and its own arithmetic against a loop written out
here. `make test` builds it (`make kernels`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from agents.diffusion_ql import fast, kernel
from agents.diffusion_ql.fast import mish
from tests.test_decision_fast_path import BASE, OBS, X0, trained_pair


@pytest.fixture(scope="module")
def lib():
    found = kernel.load()
    assert found is not None, f"{kernel.library_path()} is not built: run `make kernels`"
    return found


def decisions(agent, obs: np.ndarray, use_kernel: bool) -> np.ndarray:
    with kernel.switched(use_kernel):
        agent._fast = None  # rebuilt at the next decision, with or without the kernel
        out = agent.act(obs, True)
        assert (agent._fast.kernel is not None) == use_kernel
        return out


@pytest.mark.parametrize("config", [
    BASE, replace(BASE, decision_sampler="ddim", ddim_steps=3)], ids=["ddpm", "ddim"])
def test_kernel_decides_as_the_numpy_path(lib, config):
    _, agent = trained_pair(config)
    obs = np.stack([OBS.sample() for _ in range(3)])
    state = agent.generator.get_state()
    with_kernel = decisions(agent, obs, True)
    agent.generator.set_state(state)
    without = decisions(agent, obs, False)
    np.testing.assert_allclose(with_kernel, without, atol=2e-5)
    assert np.abs(with_kernel - decisions(agent, obs, True)).max() > 1e-3


def test_kernel_arithmetic_by_hand(lib):
    rng = np.random.default_rng(3)
    a_dim, hidden, n, steps = 6, 5, 2, 4
    first = rng.normal(size=(a_dim, hidden)).astype(np.float32)
    inner = [rng.normal(size=(hidden, hidden)).astype(np.float32) for _ in range(2)]
    inner_b = [rng.normal(size=hidden).astype(np.float32) for _ in range(2)]
    out_w = rng.normal(size=(hidden, a_dim)).astype(np.float32)
    out_b = rng.normal(size=a_dim).astype(np.float32)
    fixed = rng.normal(size=(steps, n, hidden)).astype(np.float32)
    s_ab, s_1m = rng.uniform(0.3, 1, steps), rng.uniform(0.1, 0.9, steps)
    c0, c1 = rng.uniform(0, 1, steps), rng.uniform(0, 1, steps)
    noise = rng.normal(size=(steps - 1, n, a_dim)).astype(np.float32)
    x = rng.normal(size=(n, a_dim)).astype(np.float32)

    expected = x.astype(np.float64)
    for k in range(steps):
        h = mish(expected @ first + fixed[k])
        for w, b in zip(inner, inner_b, strict=True):
            h = mish(h @ w + b)
        eps = h @ out_w + out_b
        x0 = np.clip((expected - s_1m[k] * eps) / s_ab[k], -1.5, 1.5)
        expected = c0[k] * x0 + c1[k] * expected + (noise[k] if k < steps - 1 else 0)

    got = kernel.ReverseKernel(lib, first, inner, inner_b, out_w, out_b).run(
        x.copy(), fixed, s_ab, s_1m, c0, c1, noise, clip=1.5)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    assert np.abs(expected - x).max() > 0.1  # the loop moved x


def test_kernel_refuses_mismatched_arguments(lib):
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 3)).astype(np.float32)
    k = kernel.ReverseKernel(lib, w, [], [], w.T.copy(), np.zeros(4, np.float32))
    x, coef = np.zeros((1, 4), np.float32), [1.0, 1.0]
    with pytest.raises(ValueError, match="fixed"):
        k.run(x, np.zeros((2, 1, 5), np.float32), coef, coef, coef, coef, None, None)
    with pytest.raises(ValueError, match="noise"):
        k.run(x, np.zeros((2, 1, 3), np.float32), coef, coef, coef, coef,
              np.zeros((3, 1, 4), np.float32), None)
    with pytest.raises(ValueError, match="equal hidden"):
        kernel.ReverseKernel(lib, w, [np.zeros((2, 2), np.float32)], [np.zeros(2, np.float32)],
                             w.T.copy(), np.zeros(4, np.float32))


def test_compiled_mish_and_its_slope(lib):
    """The one-pass Mish the NumPy path's layers use: values and slopes as PyTorch's
    (float64) over every range it meets (below −87 and above 20 included), and the
    MXCSR of the caller as it was (denormals kept outside the pass)."""
    values = np.concatenate([np.linspace(-120, 40, 40_001),
                             np.random.default_rng(1).normal(0, 3, 10_000),
                             [0.0, -0.0, 1e-30, -1e-30, 20.0, -87.0]]).astype(np.float32)
    z = torch.tensor(values.astype(np.float64), requires_grad=True)
    torch.nn.functional.mish(z).sum().backward()
    slopes: list[np.ndarray] = []
    got = kernel.mish_keeping(lib, values.copy(), slopes)
    np.testing.assert_allclose(got, torch.nn.functional.mish(z).detach(), rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(slopes[0], z.grad.numpy(), rtol=2e-6, atol=2e-6)
    alone = values.copy()
    assert kernel.mish_keeping(lib, alone, None) is alone  # in place, no slope asked
    np.testing.assert_array_equal(alone, got)
    assert abs(got[np.flatnonzero(values == 0.0)[0]]) == 0
    assert abs(slopes[0][np.flatnonzero(values == 0.0)[0]] - 0.6) < 1e-6  # tanh(ln 2)
    tiny = np.array([1e-40], np.float32)  # a denormal survives NumPy after the pass
    assert (tiny * np.float32(1.0))[0] != 0
    assert lib.rg_mish(-1, values.ctypes.data, None) == -1


def test_guided_decisions_take_the_compiled_mish(lib):
    """The defaults' decision (x̂₀ denoiser, guided best of 10) runs its layers' Mish
    in the library where it is built, and decides as without it."""
    config = replace(X0, guidance=1.2, candidates=10)
    _, agent = trained_pair(config)
    obs = np.stack([OBS.sample() for _ in range(3)])
    state = agent.generator.get_state()
    with kernel.switched(True):
        agent._fast = None
        on = agent.act(obs, True)
        assert agent._fast.actor.mish is not fast._mish_keeping
        assert agent._fast.critics.mish is agent._fast.actor.mish
    agent.generator.set_state(state)
    with kernel.switched(False):
        agent._fast = None
        off = agent.act(obs, True)
        assert agent._fast.actor.mish is fast._mish_keeping
    np.testing.assert_allclose(on, off, atol=2e-5)
    assert np.abs(on).max() > 0.05  # a real action, not an all-zero one

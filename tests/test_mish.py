"""The one-exponential Mish equals PyTorch's, forward and backward, and the update built
on it equals the update built on PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gymnasium import spaces
from torch import nn

from agents.common import nn as common_nn
from agents.common.nn import MISH_LINEAR_ABOVE, Mish
from agents.diffusion_ql import DiffusionQL, DiffusionQLConfig, kernel, networks


def test_equals_torch_mish_forward_and_backward_over_its_whole_range():
    x = torch.cat([torch.linspace(-60, 60, 20001), torch.tensor([MISH_LINEAR_ABOVE,
                   MISH_LINEAR_ABOVE + 1e-3, -1e-30, 0.0, 88.0, 100.0, -100.0])])
    for dtype, tol in ((torch.float32, 2e-6), (torch.float64, 1e-12)):
        a = x.to(dtype).requires_grad_()
        b = x.to(dtype).requires_grad_()
        ya, yb = Mish()(a), nn.functional.mish(b)
        torch.testing.assert_close(ya, yb, rtol=tol, atol=tol)
        (ga,), (gb,) = torch.autograd.grad(ya.sum(), a), torch.autograd.grad(yb.sum(), b)
        torch.testing.assert_close(ga, gb, rtol=tol, atol=tol)
        assert torch.isfinite(ya).all() and torch.isfinite(ga).all()


def test_its_gradient_is_the_derivative_of_its_value():
    x = (torch.randn(64, dtype=torch.float64) * 8).requires_grad_()
    assert torch.autograd.gradcheck(Mish(), (x,))


def _trained(seed: int, updates: int, activation: type[nn.Module]) -> DiffusionQL:
    """An agent whose networks use ``activation`` for Mish, after ``updates`` updates."""
    obs, act = spaces.Box(-1, 1, (9,), np.float32), spaces.Box(-1, 1, (6,), np.float32)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(networks, "Mish", activation)
        patch.setattr(common_nn.mlp, "__defaults__", (activation,))
        agent = DiffusionQL(obs, act, DiffusionQLConfig(hidden=32, batch_size=32), seed=seed,
                            device="cpu")
    assert {type(m) for m in agent.actor.modules()} >= {activation}
    rng = np.random.default_rng(seed)
    for _ in range(64):
        agent.replay.add(rng.normal(size=9), rng.uniform(-1, 1, 6), float(rng.normal()),
                         rng.normal(size=9), False)
    for _ in range(updates):
        agent.train_step(agent.replay.sample(32, agent.rng, agent.device))
    return agent


def test_an_update_equals_the_update_on_torch_mish():
    reference, cheaper = _trained(3, 20, nn.Mish), _trained(3, 20, Mish)
    assert not any(isinstance(m, nn.Mish) for m in cheaper.actor.modules())
    for name in ("actor", "ema_actor", "critic", "critic_target"):
        for p, q in zip(getattr(reference, name).parameters(), getattr(cheaper, name).parameters(),
                        strict=True):
            torch.testing.assert_close(p, q, rtol=1e-3, atol=1e-4)  # Adam: 20 steps of 1e-3
    untrained = _trained(3, 0, Mish)  # the updates moved the networks: the check can fail
    assert not torch.allclose(next(reference.actor.parameters()),
                              next(untrained.actor.parameters()), atol=1e-2)


def test_the_compiled_mish_equals_this_mish_forward_and_backward():
    """Diffusion-QL's networks take Mish from the compiled pass on float32 CPU tensors
    (`make test` builds it); float64 and a library switched off take this one."""
    assert kernel.load() is not None, f"{kernel.library_path()} is not built: run `make kernels`"
    x = torch.cat([torch.linspace(-120, 40, 30000), torch.tensor([0.0, -1e-30, 1e-30])])
    x = x.reshape(3, -1)
    a, b = x.clone().requires_grad_(), x.clone().requires_grad_()
    ya, yb = networks.Mish()(a), Mish()(b)
    assert ya.grad_fn.name() == "TorchMishBackward"
    torch.testing.assert_close(ya, yb, rtol=2e-6, atol=2e-6)
    (ga,), (gb,) = torch.autograd.grad(ya.sum(), a), torch.autograd.grad(yb.sum(), b)
    torch.testing.assert_close(ga, gb, rtol=2e-6, atol=2e-6)
    with torch.no_grad():  # no slope wanted: the value alone
        torch.testing.assert_close(networks.Mish()(x), yb.detach(), rtol=2e-6, atol=2e-6)
    strided = x.t()  # not contiguous: the pass takes a contiguous copy
    torch.testing.assert_close(networks.Mish()(strided), Mish()(strided), rtol=2e-6, atol=2e-6)
    assert networks.Mish()(x.double().requires_grad_()).grad_fn.name() != "TorchMishBackward"
    with kernel.switched(False):
        assert networks.Mish()(a).grad_fn.name() != "TorchMishBackward"


def test_an_update_on_the_compiled_mish_equals_the_update_on_torch_mish():
    reference, compiled = _trained(3, 20, nn.Mish), _trained(3, 20, networks.Mish)
    for name in ("actor", "ema_actor", "critic", "critic_target"):
        for p, q in zip(getattr(reference, name).parameters(),
                        getattr(compiled, name).parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-3, atol=1e-4)  # Adam: 20 steps of 1e-3

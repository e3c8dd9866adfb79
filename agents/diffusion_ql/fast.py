"""Diffusion-QL decisions in NumPy: the same samplers as ``agents.common.diffusion`` for
both MLP denoisers (noise predictor and x̂₀ denoiser), with everything that does not
change within a decision computed once.

What is hoisted out of the reverse loop: the time embedding and its share of the
denoiser's first layer (one row per step, computed once per weight version), the
state's share of that layer and of the critics' first layers (once per decision and
observation, broadcast over its candidates), and the schedule's coefficients (Python
floats). What remains per step is one product with the action block of the first layer
and the hidden layers, on float32 arrays without autograd or dispatcher overhead. The
two critics run as one stack (each layer one batched product and one Mish for both);
the Q-guidance term ∇ₐ min(Q1, Q2) is back-propagated by hand, each critic through the
rows where it is the smaller. An x̂₀ denoiser's output gives x̂₀ =
tanh(net) directly (the PyTorch path goes through the noise it implies and back, the
same value to float rounding); the compiled loop serves the noise predictor only, but
where the library is built every layer's Mish (and its slope) is its one compiled pass.

Both paths take their noise as one block (``Diffusion.sample_ddpm(noise=...)``: x_T,
then the noise of steps T−1 … 1), drawn by the agent from its ``torch.Generator``; for
the same noise they return the same actions to float tolerance
(tests/test_decision_fast_path.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from agents.common.diffusion import Diffusion
from agents.diffusion_ql import kernel
from agents.diffusion_ql.kernel import ReverseKernel
from agents.diffusion_ql.networks import NoisePredictor, TwinCritic, X0Denoiser


def _tanh_softplus(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """tanh(softplus(z)) and eᶻ, with one exponential: for n = eᶻ, tanh(log(1 + n)) =
    n(n + 2) / (n(n + 2) + 2). Above z = 20 both are 1 to float64 precision, so z is
    capped there and eᶻ cannot overflow."""
    e = np.minimum(z, 20.0)
    np.exp(e, out=e)
    w = e + 2
    w *= e
    t = w + 2
    return np.divide(w, t, out=t), e


def mish(z: np.ndarray) -> np.ndarray:
    """z · tanh(softplus(z)); ``z`` is overwritten with the result (it is a temporary of
    the caller's)."""
    return _mish_keeping(z, None)


def mish_grad(z: np.ndarray) -> np.ndarray:
    """d mish / dz = tanh(sp) + z · (1 − tanh²(sp)) · σ(z), sp = softplus(z),
    σ(z) = eᶻ / (1 + eᶻ)."""
    slopes: list[np.ndarray] = []
    _mish_keeping(z.copy(), slopes)
    return slopes[0]


def _mish_keeping(z: np.ndarray, slopes: list[np.ndarray] | None) -> np.ndarray:
    """:func:`mish` of ``z`` (overwritten), appending d mish / dz to ``slopes`` if given."""
    t, e = _tanh_softplus(z)
    if slopes is not None:  # t + z (1 - t²) σ(z), σ(z) = e / (1 + e), in place
        sigma = e + 1
        np.divide(e, sigma, out=sigma)
        slope = t * t
        np.subtract(1, slope, out=slope)
        slope *= z
        slope *= sigma
        slope += t
        slopes.append(slope)
    return np.multiply(z, t, out=z)


Activation = Callable[[np.ndarray, "list[np.ndarray] | None"], np.ndarray]
"""``_mish_keeping``'s signature: Mish of a temporary, in place, and its slope if asked."""


def activation() -> Activation:
    """Mish for the layers of a decision: the compiled pass (agents/diffusion_ql/kernel.py,
    one pass over the values where NumPy makes about 14) where the library is built,
    :func:`_mish_keeping` otherwise and for arrays it does not take."""
    lib = kernel.load()
    if lib is None:
        return _mish_keeping

    def compiled(z: np.ndarray, slopes: list[np.ndarray] | None) -> np.ndarray:
        if z.dtype != np.float32 or not (z.flags.c_contiguous and z.flags.writeable):
            return _mish_keeping(z, slopes)
        return kernel.mish_keeping(lib, z, slopes)
    return compiled


def _per_row(part: np.ndarray, rows: int, broadcast: bool = True) -> np.ndarray:
    """An observation's share of a layer (axis −2: one row per observation) for ``rows``
    candidate rows, each observation's candidates consecutive: repeated, or as it is
    where NumPy broadcasts it (one observation, ``broadcast``)."""
    k = part.shape[-2]
    if k == rows or (broadcast and k == 1):
        return part
    if rows % k:
        raise ValueError(f"{rows} candidate rows do not split over {k} observations")
    return np.repeat(part, rows // k, axis=-2)


class _Mlp:
    """An ``agents.common.nn.mlp`` as transposed float32 weights; the first layer is
    split at ``split`` input columns so that its two input blocks enter separately."""

    def __init__(self, net: nn.Sequential, split: int, mish: Activation = _mish_keeping):
        self.mish = mish
        linears = [m for m in net if isinstance(m, nn.Linear)]
        w = [m.weight.detach().cpu().numpy().astype(np.float32) for m in linears]
        self.bias = [m.bias.detach().cpu().numpy().astype(np.float32) for m in linears]
        self.first_a = np.ascontiguousarray(w[0][:, :split].T)   # (split, hidden)
        self.first_b = np.ascontiguousarray(w[0][:, split:].T)   # (rest, hidden)
        self.hidden = [np.ascontiguousarray(m.T) for m in w[1:]]  # layer 2..L as (in, out)
        self._inner = list(zip(self.hidden[:-1], self.bias[1:-1], strict=True))
        self._out_w, self._out_b = self.hidden[-1], self.bias[-1]

    def run(self, pre: np.ndarray) -> np.ndarray:
        """Hidden layers and output from the first layer's pre-activation (a temporary,
        overwritten)."""
        h = self.mish(pre, None)
        for w, b in self._inner:
            z = h @ w
            z += b
            h = self.mish(z, None)
        out = h @ self._out_w
        out += self._out_b
        return out


class _CriticPair:
    """Both critics of a ``TwinCritic`` as one stack of transposed float32 weights
    (leading axis 2), so that each layer of the two runs as one batched product and one
    Mish; the first layer is split at the state, as in :class:`_Mlp`."""

    def __init__(self, critics: list[_Mlp], mish: Activation = _mish_keeping):
        self.mish = mish
        one, two = critics
        self.first_a = np.stack([one.first_a, two.first_a])                 # (2, obs, hidden)
        self.first_b = np.stack([one.first_b, two.first_b])                 # (2, action, hidden)
        self.first_bias = np.stack([one.bias[0], two.bias[0]])[:, None]     # (2, 1, hidden)
        self.inner = [(np.stack([w1, w2]), np.stack([b1, b2])[:, None])
                      for (w1, b1), (w2, b2) in zip(one._inner, two._inner, strict=True)]
        self.out_w = np.stack([one._out_w, two._out_w])                     # (2, hidden, 1)
        self.out_b = np.stack([one._out_b, two._out_b])[:, None]            # (2, 1, 1)
        # for gradients, each layer as (out, in)
        self.back_out = np.ascontiguousarray(self.out_w.transpose(0, 2, 1))  # (2, 1, hidden)
        self.back = [np.ascontiguousarray(w.transpose(0, 2, 1)) for w, _ in self.inner]
        self.first_b_t = np.ascontiguousarray(self.first_b.transpose(0, 2, 1))

    def state_part(self, obs: np.ndarray) -> np.ndarray:
        """The state's share (with the bias) of both first layers, (2, rows, hidden)."""
        return obs @ self.first_a + self.first_bias

    def run(self, x: np.ndarray, state_part: np.ndarray, keep: bool
            ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Q1 and Q2 of every row, (2, rows), and each layer's Mish slope if ``keep``."""
        slopes: list[np.ndarray] = []
        pre = x @ self.first_b
        pre += state_part
        h = self.mish(pre, slopes if keep else None)
        for w, b in self.inner:
            z = h @ w
            z += b
            h = self.mish(z, slopes if keep else None)
        out = h @ self.out_w
        out += self.out_b
        return out[..., 0], slopes

    def min_grad(self, q: np.ndarray, slopes: list[np.ndarray]) -> np.ndarray:
        """∇ₐ min(Q1, Q2) per row from :meth:`run`'s slopes. As torch.minimum does, the
        gradient of each row comes from the smaller critic (the second on a tie), so each
        critic back-propagates only its own rows."""
        first = q[0] < q[1]
        n, k = q.shape[1], int(np.count_nonzero(first))
        grad = np.empty((n, self.first_b.shape[1]), dtype=q.dtype)
        for c, rows, count in ((0, first, k), (1, ~first, n - k)):
            if not count:
                continue
            if count == n:  # every row: views, not copies
                rows = slice(None)
            g = self.back_out[c]  # (1, hidden): broadcast over the rows by the first product
            for slope, w in zip(reversed(slopes[1:]), reversed(self.back), strict=True):
                g = (slope[c][rows] * g) @ w[c]
            grad[rows] = (slopes[0][c][rows] * g) @ self.first_b_t[c]
        return grad


class FastDecider:
    """Batch-``n`` decisions from copies of the EMA actor and the target critics."""

    def __init__(self, diffusion: Diffusion, actor: NoisePredictor | X0Denoiser,
                 critic: TwinCritic, obs_dim: int, action_dim: int):
        self.diffusion, self.steps = diffusion, diffusion.steps
        self.predicts_x0 = isinstance(actor, X0Denoiser)
        self.clip = diffusion.config.clip
        self.scalars = {k: list(v) for k, v in diffusion._scalars.items()}
        variance = self.scalars["posterior_variance"]
        self._noise_scale = np.array([math.sqrt(variance[step])
                                      for step in reversed(range(1, self.steps))], np.float32)
        self._ddim: dict[int, list[tuple[int, float, float]]] = {}
        mish = activation()
        self.actor = _Mlp(actor.net, action_dim, mish)  # input [x_t | temb, state]
        with torch.no_grad():
            t = torch.arange(self.steps, device=next(actor.parameters()).device)
            emb = actor.time(t).cpu().numpy().astype(np.float32)
        time_dim = emb.shape[1]
        w_time, w_state = self.actor.first_b[:time_dim], self.actor.first_b[time_dim:]
        self.step_bias = emb @ w_time + self.actor.bias[0]      # (T, hidden)
        self.w_state = w_state
        # critics take [state | action]: split at the state so the action block is second
        self.critics = _CriticPair([_Mlp(q, obs_dim) for q in (critic.q1, critic.q2)], mish)
        self.kernel = self._kernel()
        self._plans: dict[str | int, tuple[np.ndarray, ...]] = {}

    def _kernel(self) -> ReverseKernel | None:
        """The compiled reverse loop (agents/diffusion_ql/kernel.py), where it is built."""
        lib = kernel.load()
        if lib is None or self.predicts_x0:
            return None
        a = self.actor
        return ReverseKernel(lib, a.first_a, [w for w, _ in a._inner], [b for _, b in a._inner],
                             a._out_w, a._out_b)

    def _eps(self, x: np.ndarray, fixed: np.ndarray) -> np.ndarray:
        """ε_θ(x, t, s), ``fixed`` = the (t, s) share of the first layer's pre-activation."""
        pre = x @ self.actor.first_a
        pre += fixed
        return self.actor.run(pre)

    def _compiled(self, key: str | int, obs: np.ndarray, x: np.ndarray,
                  noise: np.ndarray | None) -> np.ndarray:
        """The reverse loop of sampler ``key`` ("ddpm", or DDIM's step count) in the
        compiled kernel, from x_T = ``x`` (overwritten)."""
        if key not in self._plans:  # the loop's per-step arrays, once per sampler
            if key == "ddpm":
                c = self.scalars
                order = list(reversed(range(self.steps)))
                coef_x0 = [c["posterior_coef_x0"][s] for s in order]
                coef_x = [c["posterior_coef_xt"][s] for s in order]
            else:
                order, coef_x0, coef_x = (list(v) for v in zip(*self._ddim_plan(int(key)),
                                                               strict=True))
            a = self.scalars["alphas_bar"]
            self._plans[key] = (self.step_bias[order][:, None],
                                np.array([math.sqrt(a[s]) for s in order]),
                                np.array([math.sqrt(1 - a[s]) for s in order]),
                                np.array(coef_x0), np.array(coef_x))
        step_bias, sqrt_abar, sqrt_one_minus_abar, x0_coefs, x_coefs = self._plans[key]
        fixed = _per_row(obs @ self.w_state, len(x), broadcast=False)[None] + step_bias
        assert self.kernel is not None  # the caller checked
        x = self.kernel.run(x, fixed, sqrt_abar, sqrt_one_minus_abar, x0_coefs, x_coefs, noise,
                            self.clip)
        return self._clamp(x)

    def _clean(self, x: np.ndarray, fixed: np.ndarray, step: int) -> np.ndarray:
        """x̂₀ at ``step`` (clamped), ``fixed`` as in :meth:`_eps`."""
        if not self.predicts_x0:
            return self._x0(x, self._eps(x, fixed), step)
        pre = x @ self.actor.first_a
        pre += fixed
        x0 = np.tanh(self.actor.run(pre))
        return x0 if self.clip is None or self.clip >= 1 else self._clamp(x0)  # tanh: in [-1, 1]

    def _x0(self, x: np.ndarray, eps: np.ndarray, step: int) -> np.ndarray:
        a = self.scalars["alphas_bar"][step]
        x0 = x - math.sqrt(1 - a) * eps
        x0 /= math.sqrt(a)
        return self._clamp(x0)

    def _clamp(self, x0: np.ndarray) -> np.ndarray:
        """x̂₀ clamped to [-clip, clip] in place."""
        if self.clip is not None:  # np.clip's Python wrapper costs more than the two ufuncs
            np.minimum(x0, self.clip, out=x0)
            np.maximum(x0, -self.clip, out=x0)
        return x0

    def critic_state_part(self, obs: np.ndarray) -> np.ndarray:
        """The state's share (with the bias) of both critics' first layers."""
        return self.critics.state_part(obs)

    def q_min(self, obs: np.ndarray, x: np.ndarray, with_grad: bool = False,
              state_part: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray | None]:
        """min(Q1, Q2)(s, a) per row and, if asked, its gradient in a."""
        part = _per_row(self.critic_state_part(obs), len(x)) if state_part is None else state_part
        q, slopes = self.critics.run(x, part, keep=with_grad)
        return np.minimum(q[0], q[1]), self.critics.min_grad(q, slopes) if with_grad else None

    def sample_ddpm(self, obs: np.ndarray, noise: np.ndarray, guidance_scale: float = 0.0
                    ) -> np.ndarray:
        """``Diffusion.sample_ddpm`` with ``guidance = ∇ₐ min Q`` when the scale is not 0;
        ``noise`` has shape (T, rows, action_dim), ``obs`` one row per candidate row or
        per observation (its candidates consecutive rows)."""
        # σ_t · z for steps T−1 … 1, scaled in one operation
        scaled = noise[1:] * self._noise_scale.reshape(-1, *[1] * (noise.ndim - 1))
        if self.kernel is not None and not guidance_scale:
            return self._compiled("ddpm", obs, noise[0].copy(), scaled)
        x = noise[0]
        fixed = _per_row(obs @ self.w_state, len(x))[None] + self.step_bias[:, None]
        c = self.scalars
        part = _per_row(self.critic_state_part(obs), len(x)) if guidance_scale else None
        for k, step in enumerate(reversed(range(self.steps)), start=1):
            mean = self._clean(x, fixed[step], step)
            mean *= c["posterior_coef_x0"][step]
            mean += c["posterior_coef_xt"][step] * x
            if guidance_scale and c["posterior_variance"][step]:  # 0 at the last step
                mean += guidance_scale * c["posterior_variance"][step] * self.q_min(
                    obs, x, True, part)[1]
            if step > 0:
                mean += scaled[k - 1]
            x = mean
        return self._clamp(x)

    def _ddim_plan(self, steps: int) -> list[tuple[int, float, float]]:
        """(step, A, B) of each DDIM step, once per step count."""
        if steps not in self._ddim:
            times = torch.linspace(self.steps - 1, 0, steps).round().long().tolist()
            alphas_bar = self.scalars["alphas_bar"]
            plan = []
            for i, step in enumerate(times):
                a = alphas_bar[step]
                a_prev = alphas_bar[times[i + 1]] if i + 1 < len(times) else 1.0
                ratio = math.sqrt(max(1 - a_prev, 0.0)) / math.sqrt(1 - a)
                plan.append((step, math.sqrt(a_prev) - ratio * math.sqrt(a), ratio))
            self._ddim[steps] = plan
        return self._ddim[steps]

    def sample_ddim(self, obs: np.ndarray, noise: np.ndarray, steps: int) -> np.ndarray:
        """``Diffusion.sample_ddim`` with η = 0 from the initial noise x_T = ``noise``:
        x ← √ᾱ′ x̂₀ + √(1−ᾱ′) (x − √ᾱ x̂₀)/√(1−ᾱ) = A x̂₀ + B x."""
        if self.kernel is not None:
            return self._compiled(steps, obs, np.array(noise, np.float32), None)
        x = noise
        state_part = _per_row(obs @ self.w_state, len(x))
        for step, coef_x0, coef_x in self._ddim_plan(steps):
            x0 = self._clean(x, state_part + self.step_bias[step], step)
            x0 *= coef_x0
            x0 += coef_x * x
            x = x0
        return self._clamp(x)

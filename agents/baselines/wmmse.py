"""WMMSE power control (Shi et al., 2011) for the single-antenna interference channel.

With amplitudes v_i = sqrt(p_i) and gains H[i, j] (Tx j -> Rx i), each iteration sets
  u_i = sqrt(H_ii) v_i / (noise + sum_j H_ij v_j^2)          (MMSE receiver)
  w_i = 1 / (1 - u_i sqrt(H_ii) v_i)                          (MSE weight)
  v_i = clip(w_i u_i sqrt(H_ii) / sum_j H_ji u_j^2 w_j, 0, sqrt(p_max))
which increases the sum rate sum_i log2(1 + SINR_i) monotonically; it stops after
``max_iter`` iterations or when sum_i log w_i changes by less than ``tol``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class WmmseResult(NamedTuple):
    powers: np.ndarray
    """Transmit powers [..., N] (W)."""
    sum_rates: np.ndarray
    """Sum rate [bit/s/Hz] after each iteration, [iterations, ...]."""


def wmmse_trace(gains: np.ndarray, p_max: float | np.ndarray, noise_power: float,
                max_iter: int = 100, tol: float = 1e-6) -> WmmseResult:
    """WMMSE over a batch of gain matrices [..., N, N]; starts at full power."""
    h = np.asarray(gains, float)
    if h.ndim < 2 or h.shape[-1] != h.shape[-2]:
        raise ValueError(f"gains must be [..., N, N], got shape {h.shape}")
    if np.any(np.asarray(p_max) <= 0) or noise_power <= 0:
        raise ValueError("p_max and noise_power must be > 0")
    direct = np.sqrt(np.diagonal(h, axis1=-2, axis2=-1))
    p_cap = np.broadcast_to(np.asarray(p_max, float), direct.shape)
    v_max = np.sqrt(p_cap)
    v = v_max.copy()
    history = []
    previous = None
    for _ in range(max_iter):
        received = noise_power + np.einsum("...ij,...j->...i", h, v**2)
        u = direct * v / received
        w = 1 / np.maximum(1 - u * direct * v, 1e-300)
        denominator = np.einsum("...ji,...j->...i", h, u**2 * w)
        v = np.clip(w * u * direct / np.maximum(denominator, 1e-300), 0, v_max)
        history.append(_sum_rate(h, v**2, noise_power))
        objective = np.log(w).sum(axis=-1)
        if previous is not None and np.all(np.abs(objective - previous) < tol):
            break
        previous = objective
    return WmmseResult(np.minimum(v**2, p_cap), np.array(history))


def wmmse(gains: np.ndarray, p_max: float | np.ndarray, noise_power: float,
          max_iter: int = 100, tol: float = 1e-6) -> np.ndarray:
    """WMMSE powers [..., N] (W) for gains [..., N, N]; see :func:`wmmse_trace`."""
    return wmmse_trace(gains, p_max, noise_power, max_iter, tol).powers


def _sum_rate(h: np.ndarray, p: np.ndarray, noise: float) -> np.ndarray:
    received = h * p[..., None, :]
    signal = np.diagonal(received, axis1=-2, axis2=-1)
    return np.log2(1 + signal / (noise + received.sum(-1) - signal)).sum(-1)

"""WMMSE against a plain-loop transcription of Shi et al.'s iteration, its stopping rule
and its argument checks. (The interference-channel cases: tests/test_interference_twin.py.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.baselines.wmmse import wmmse, wmmse_trace

# Unit-scale gains: the MMSE receiver's denominators and 1 - u sqrt(H_ii) v stay well
# below 1, so a floor of 1 in place of 1e-300 would change every number.
# Strong cross gains: full power is far from the optimum, and the iteration needs 9 steps
# to settle at tol 1e-6.
H = np.array([[1.0, 0.9, 0.7],
              [0.8, 2.0, 1.2],
              [0.9, 0.6, 1.5]])
P_MAX = np.array([1.0, 0.5, 2.0])
NOISE = 0.1


def reference_iterations(h: np.ndarray, p_max: np.ndarray, noise: float, n: int):
    """Powers and sum rates after each of ``n`` WMMSE iterations, one link at a time."""
    links = range(len(h))
    v = [math.sqrt(p) for p in p_max]
    powers, rates = [], []
    for _ in range(n):
        u = [math.sqrt(h[i, i]) * v[i] / (noise + sum(h[i, j] * v[j] ** 2 for j in links))
             for i in links]
        w = [1.0 / (1.0 - u[i] * math.sqrt(h[i, i]) * v[i]) for i in links]
        v = [min(max(w[i] * u[i] * math.sqrt(h[i, i])
                     / sum(h[j, i] * u[j] ** 2 * w[j] for j in links), 0.0),
                 math.sqrt(p_max[i])) for i in links]
        p = [x * x for x in v]
        powers.append(p)
        rates.append(sum(math.log2(1 + h[i, i] * p[i]
                                   / (noise + sum(h[i, j] * p[j] for j in links if j != i)))
                         for i in links))
    return np.array(powers), np.array(rates)


def test_each_iteration_matches_the_plain_transcription() -> None:
    powers, rates = reference_iterations(H, P_MAX, NOISE, 4)
    for n in range(1, 5):
        result = wmmse_trace(H, P_MAX, NOISE, max_iter=n, tol=0)
        np.testing.assert_allclose(result.powers, powers[n - 1], rtol=1e-12)
        np.testing.assert_allclose(result.sum_rates, rates[:n], rtol=1e-12)
    # Link 2 is capped at its p_max after the first iteration; the others are not.
    assert powers[0][2] == pytest.approx(2.0) and np.all(powers[0][:2] < P_MAX[:2])


def test_sum_rates_are_the_sum_rates_of_the_returned_powers() -> None:
    result = wmmse_trace(H, P_MAX, NOISE, tol=0)
    p = result.powers
    sinr = [H[i, i] * p[i] / (NOISE + sum(H[i, j] * p[j] for j in range(3) if j != i))
            for i in range(3)]
    assert result.sum_rates[-1] == pytest.approx(sum(math.log2(1 + s) for s in sinr),
                                                 rel=1e-12)


def test_batches_are_the_single_problems_side_by_side() -> None:
    batch = np.stack([H, H.T, 2 * H])
    result = wmmse_trace(batch, P_MAX, NOISE, max_iter=3, tol=0)
    assert result.powers.shape == (3, 3) and result.sum_rates.shape == (3, 3)
    for b, gains in enumerate(batch):
        powers, rates = reference_iterations(gains, P_MAX, NOISE, 3)
        np.testing.assert_allclose(result.powers[b], powers[-1], rtol=1e-12)
        np.testing.assert_allclose(result.sum_rates[:, b], rates, rtol=1e-12)


def test_stops_once_the_objective_settles() -> None:
    # One link: u, w and v are the same from the first iteration on, so sum log w does
    # not change between iterations 1 and 2: a tolerance stops there, tol=0 never does.
    single = np.array([[1e-8]])
    assert wmmse_trace(single, 0.01, 1e-13).sum_rates.shape == (2,)
    assert wmmse_trace(single, 0.01, 1e-13, max_iter=7, tol=0).sum_rates.shape == (7,)
    # Three coupled links need more than two iterations, and fewer than 100, at 1e-6.
    iterations = len(wmmse_trace(H, P_MAX, NOISE).sum_rates)
    assert 2 < iterations < 100
    # A tolerance wider than any change stops after the second iteration too.
    assert len(wmmse_trace(H, P_MAX, NOISE, tol=1e9).sum_rates) == 2


def test_stopping_needs_every_problem_of_a_batch_settled() -> None:
    # The single link settles at once; the coupled one keeps the batch going.
    batch = np.stack([np.diag([1.0, 1.0, 1.0]), H])
    joint = len(wmmse_trace(batch, P_MAX, NOISE).sum_rates)
    assert joint == len(wmmse_trace(H, P_MAX, NOISE).sum_rates) > 2


def test_defaults_are_100_iterations_at_1e_6() -> None:
    loose = wmmse(H, P_MAX, NOISE)
    assert wmmse_trace(H, P_MAX, NOISE, tol=0).sum_rates.shape == (100,)
    np.testing.assert_array_equal(loose, wmmse_trace(H, P_MAX, NOISE, 100, 1e-6).powers)
    np.testing.assert_array_equal(wmmse(H, P_MAX, NOISE, tol=0),
                                  wmmse_trace(H, P_MAX, NOISE, tol=0).powers)


@pytest.mark.parametrize("p_max,noise", [(0.0, 1.0), (-1.0, 1.0), (np.array([1.0, 0.0, 1.0]),
                                                                    1.0),
                                         (1.0, 0.0), (1.0, -1e-3)])
def test_non_positive_power_or_noise_is_refused(p_max, noise) -> None:
    with pytest.raises(ValueError, match="p_max and noise_power must be > 0"):
        wmmse_trace(H, p_max, noise)


def test_small_positive_power_and_noise_are_accepted() -> None:
    p = wmmse(H, 1e-9, 1e-12, max_iter=2)
    assert np.all((p > 0) & (p <= 1e-9))


@pytest.mark.parametrize("shape", [(3,), (2, 3), (4, 2, 3)])
def test_gains_must_be_square(shape) -> None:
    with pytest.raises(ValueError, match=r"\[\.\.\., N, N\]"):
        wmmse(np.ones(shape), 1.0, 1.0)

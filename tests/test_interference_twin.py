"""The interference twin and WMMSE, on hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.baselines.wmmse import wmmse, wmmse_trace
from bridge.twins.interference import (
    InterferenceConfig,
    drop_network,
    ergodic_metrics,
    fading,
    gains_from_observation,
    lagrangian,
    lte_rates,
    normalise_gains,
    path_loss_db,
    shannon_rates,
)


def test_path_loss_slopes():
    # 10 m: 39 + 20 = 59; 100 m: 79 on both slopes; 1000 m: 39 + 120 - 40 = 119; 0.5 m -> 1 m: 39
    assert path_loss_db(np.array([10, 100, 1000, 0.5])) == pytest.approx([59, 79, 119, 39])


def test_shannon_rates_two_pairs():
    # H = [[1, .5], [.25, 2]], p = [1, 2], noise 1:
    # SINR_0 = 1 / (1 + .5 * 2) = 0.5 -> log2 1.5; SINR_1 = 4 / (1 + .25) = 3.2 -> log2 4.2
    h = np.array([[1.0, 0.5], [0.25, 2.0]])
    assert shannon_rates(h, np.array([1.0, 2.0]), 1.0) == pytest.approx(
        [math.log2(1.5), math.log2(4.2)])


def test_lte_rates_by_hand():
    # SINR 3.2 (Shannon log2 4.2 = 2.07): 0.55 log2(1 + 0.8) = 0.466; SINR 1e4: capped at 3.5
    h = np.array([[3.2, 0.0], [0.0, 1e4]])
    assert lte_rates(h, np.ones(2), 1.0) == pytest.approx([0.55 * math.log2(1.8), 3.5])


def test_ergodic_metrics_and_lagrangian():
    rates = np.array([[0.5, 2.0, 1.0, 0.0], [1.5, 2.0, 0.0, 0.0]])  # ergodic: 1, 2, .5, 0
    m = ergodic_metrics(rates, f_min=0.75)
    assert m["mean_rate"] == pytest.approx(0.875)
    assert m["feasible_share"] == pytest.approx(0.5)
    assert m["p5_rate"] == pytest.approx(0.075)  # 5 % of the way from 0 to 0.5 (x3 spans)
    # mean rate 1 + mean(mu * (r - .75)) = 1 + (2 * .25 + 0) / 2 = 1.25
    assert lagrangian(np.array([1.0, 1.0]), np.array([2.0, 0.0]), 0.75) == pytest.approx(1.25)


def test_normalisation_round_trip():
    g = np.array([[1e-7, 1e-12], [1e-14, 1e-6]])
    x = normalise_gains(g, 0.01, 4e-14)
    assert x[0, 0] == pytest.approx(math.log10(1e-7 * 0.01 / 4e-14) / 4)  # 10*log10(25e3)/40
    assert gains_from_observation(x, 0.01, 4e-14) == pytest.approx(g, rel=1e-12)


def test_drop_respects_the_distance_rules():
    config = InterferenceConfig(pairs=20)
    net = drop_network(config, np.random.default_rng(3))
    d_pair = np.linalg.norm(net.rx_xy - net.tx_xy, axis=1)
    assert np.all((d_pair >= 10) & (d_pair <= 50))
    d_tx = np.linalg.norm(net.tx_xy[:, None] - net.tx_xy[None], axis=2) + 1e9 * np.eye(20)
    assert d_tx.min() >= 35
    assert net.gains.shape == (20, 20) and np.all(net.gains > 0)


def test_impossible_drop_and_bad_config_are_errors():
    with pytest.raises(ValueError, match="impossible drop"):
        drop_network(InterferenceConfig(pairs=50, density=1e5, drop_tries=20),
                      np.random.default_rng(0))
    with pytest.raises(ValueError, match="pairs"):
        InterferenceConfig(pairs=0)
    with pytest.raises(ValueError, match="pmax_w"):
        InterferenceConfig(pmax_w=0)


def test_fading_is_unit_mean_and_correlated():
    rho = InterferenceConfig().fading_correlation  # J0(2 pi 8.0 Hz 10 ms) = J0(0.503) ~ 0.937
    assert rho == pytest.approx(0.937, abs=0.002)
    f = fading((400,), 200, rho, np.random.default_rng(0))
    assert f.mean() == pytest.approx(1.0, abs=0.05)
    # |h|^2 correlation of consecutive steps is rho^2 ~ 0.88 for Rayleigh fading
    assert np.corrcoef(f[:-1].ravel(), f[1:].ravel())[0, 1] == pytest.approx(rho**2, abs=0.05)


def test_wmmse_single_pair_is_full_power():
    assert wmmse(np.array([[1e-8]]), 0.01, 1e-13) == pytest.approx([0.01])


def test_wmmse_beats_full_power_under_strong_cross_gain():
    # H = [[2, 1], [1, 1]] x 1e-10, p_max 0.01, noise 1e-14 (SNR 2000 and 1000):
    # FP: SINR_0 = 2e-12 / (1e-12 + 1e-14) = 1.98, SINR_1 = 0.99 -> 1.575 + 0.993 = 2.57.
    # Pair 0 alone: log2(1 + 2000) = 10.97 - but WMMSE, a local method from full power,
    # lands on "pair 0 alone" here at least partly; it must beat FP by far.
    h = np.array([[2.0, 1.0], [1.0, 1.0]]) * 1e-10
    fp = shannon_rates(h, np.full(2, 0.01), 1e-14).sum()
    assert fp == pytest.approx(math.log2(1 + 2 / 1.01) + math.log2(1 + 1 / 1.01))
    p = wmmse(h, 0.01, 1e-14)
    assert shannon_rates(h, p, 1e-14).sum() > fp + 3
    assert np.all((p >= 0) & (p <= 0.01))
    assert p[0] == pytest.approx(0.01)  # the stronger link keeps full power


def test_wmmse_objective_is_monotone_and_batched():
    rng = np.random.default_rng(1)
    gains = np.stack([drop_network(InterferenceConfig(), rng).gains for _ in range(6)])
    result = wmmse_trace(gains, 0.01, InterferenceConfig().noise_w, tol=0)
    assert result.sum_rates.shape == (100, 6)
    assert np.all(np.diff(result.sum_rates, axis=0) >= -1e-9)
    one = wmmse(gains[2], 0.01, InterferenceConfig().noise_w, tol=0)
    assert one == pytest.approx(result.powers[2])


def test_wmmse_rejects_bad_shapes():
    with pytest.raises(ValueError, match="N, N"):
        wmmse(np.ones((2, 3)), 1.0, 1.0)

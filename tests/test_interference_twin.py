"""The interference twin and WMMSE, on hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.baselines.wmmse import wmmse, wmmse_trace
from bridge.scenarios import get_scenario
from bridge.twins.interference import (
    InterferenceConfig,
    config_from_params,
    drop_network,
    ergodic_metrics,
    fading,
    gains_from_observation,
    lagrangian,
    lte_rates,
    normalise_gains,
    path_loss_db,
    rate_function,
    shannon_rates,
    snr_from_observation,
)


def test_path_loss_slopes():
    # 10 m: 39 + 20 = 59; 100 m: 79 on both slopes; 1000 m: 39 + 120 - 40 = 119; 0.5 m -> 1 m: 39
    assert path_loss_db(np.array([10, 100, 1000, 0.5])) == pytest.approx([59, 79, 119, 39])
    # Just inside the floor and just past the break, where the other rule would differ:
    # 1.5 m: 39 + 20 log10 1.5 = 42.52 (not the floor's 39 or 2 m's 45.02);
    # 100.5 m: 39 + 40 log10 100.5 - 40 = 79.087 (the first slope gives 79.043)
    assert path_loss_db(np.array([1.5, 100.5])) == pytest.approx(
        [39 + 20 * math.log10(1.5), 39 + 40 * math.log10(100.5) - 40], rel=1e-12)


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
    assert gains_from_observation(x, 0.01, 4e-14) == pytest.approx(g, rel=1e-12, abs=0)


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


def test_the_defaults_are_the_scenarios():
    # The twin's family is the ns-3 program's: its defaults, in the program's units
    # (ms, mW, MHz), give the config's defaults (s, W, Hz).
    params = get_scenario("interference").resolve()
    assert config_from_params(params) == InterferenceConfig()
    bigger = config_from_params({**params, "stepMs": 5.0, "pmaxMw": 20.0, "bandwidthMHz": 20.0})
    assert (bigger.step_s, bigger.pmax_w, bigger.bandwidth_hz) == (0.005, 0.02, 20e6)


def test_noise_and_fading_correlation_by_hand():
    # -174 dBm/Hz over 10 MHz: -104 dBm = 10^-13.4 W
    # (abs=0: pytest.approx would otherwise accept anything within 1e-12 of these)
    assert InterferenceConfig().noise_w == pytest.approx(10**-13.4, rel=1e-12, abs=0)
    assert InterferenceConfig(noise_dbm_hz=-170.0, bandwidth_hz=1e6).noise_w == pytest.approx(
        1e-14, rel=1e-12, abs=0)
    # Doppler 1 m/s x 2.4 GHz / c = 8.0055 Hz; J0(2 pi f_D 10 ms) = J0(0.50300) by its
    # series sum_k (-1)^k (x/2)^2k / k!^2
    x = 2 * math.pi * (1.0 * 2.4e9 / 299792458.0) * 0.01
    series = sum((-1) ** k * (x / 2) ** (2 * k) / math.factorial(k) ** 2 for k in range(20))
    assert InterferenceConfig().fading_correlation == pytest.approx(series, rel=1e-12)
    assert InterferenceConfig(speed_mps=0.0).fading_correlation == 1.0


def test_the_closest_pair_distance_must_be_positive():
    for bad in (0.0, -1.0, 50.5):
        with pytest.raises(ValueError, match="min_rx_dist_m"):
            InterferenceConfig(min_rx_dist_m=bad)
    assert InterferenceConfig(min_rx_dist_m=0.5).min_rx_dist_m == 0.5
    assert InterferenceConfig(min_rx_dist_m=50.0).min_rx_dist_m == 50.0


def _drop_by_hand(config, rng):
    """The drop as its docstring describes it, written out: transmitters uniform in the
    square of side sqrt(pairs / density) km, each redrawn until it is min_tx_dist_m from
    all earlier ones; receivers at a uniform distance and angle; shadowed path loss."""
    side = 1000.0 * math.sqrt(config.pairs / config.density)
    tx = []
    for _ in range(config.pairs):
        while True:
            point = rng.uniform(0, side, 2)
            if all(math.dist(point, q) >= config.min_tx_dist_m for q in tx):
                tx.append(point)
                break
    distance = rng.uniform(config.min_rx_dist_m, config.max_rx_dist_m, config.pairs)
    angle = rng.uniform(0, 2 * math.pi, config.pairs)
    rx = [(t[0] + d * math.cos(a), t[1] + d * math.sin(a))
          for t, d, a in zip(tx, distance, angle, strict=True)]
    shadow = rng.standard_normal((config.pairs, config.pairs))
    gains = np.empty((config.pairs, config.pairs))
    for i in range(config.pairs):
        for j in range(config.pairs):
            loss = path_loss_db(math.dist(rx[i], tx[j])) + config.shadowing_db * shadow[i, j]
            gains[i, j] = 10 ** (-loss / 10)
    return np.array(tx), np.array(rx), gains


@pytest.mark.parametrize("config", [InterferenceConfig(pairs=6, density=20.0),
                                    InterferenceConfig(pairs=12, density=2.0, min_tx_dist_m=200)])
def test_drop_is_the_documented_process(config):
    net = drop_network(config, np.random.default_rng(5))
    tx, rx, gains = _drop_by_hand(config, np.random.default_rng(5))
    np.testing.assert_allclose(net.tx_xy, tx, rtol=1e-12)
    np.testing.assert_allclose(net.rx_xy, rx, rtol=1e-12)
    np.testing.assert_allclose(net.gains, gains, rtol=1e-9)


def test_fading_is_the_documented_recursion():
    # h_0 ~ CN(0, 1); h_{t+1} = rho h_t + sqrt(1 - rho^2) w_t, w_t ~ CN(0, 1); out |h_t|^2
    rho, rng = 0.8, np.random.default_rng(4)
    h = (rng.standard_normal(3) + 1j * rng.standard_normal(3)) / math.sqrt(2)
    expected = []
    for _ in range(4):
        expected.append(np.abs(h) ** 2)
        w = (rng.standard_normal(3) + 1j * rng.standard_normal(3)) / math.sqrt(2)
        h = rho * h + math.sqrt(1 - rho**2) * w
    np.testing.assert_allclose(fading((3,), 4, rho, np.random.default_rng(4)), expected,
                               rtol=1e-12)
    # rho = 1: the same draw every step; rho > 1 is clamped to no innovation, not NaN
    steady = fading((2,), 3, 1.0, np.random.default_rng(0))
    assert np.all(steady == steady[0])
    assert np.all(np.isfinite(fading((2,), 3, 1.5, np.random.default_rng(0))))


def test_rates_of_a_batch_are_the_rates_of_each_network():
    rng = np.random.default_rng(2)
    gains = rng.uniform(0.1, 2.0, (3, 4, 4))
    powers = rng.uniform(0.5, 1.0, (3, 4))
    batch = shannon_rates(gains, powers, 0.3)
    for model in (shannon_rates, lte_rates):
        batch = model(gains, powers, 0.3)
        assert batch.shape == (3, 4)
        for k in range(3):
            np.testing.assert_allclose(batch[k], model(gains[k], powers[k], 0.3), rtol=1e-12)
    # network 0, pair 1 by hand: S = p_1 G_11, I = sum_{j != 1} p_j G_1j
    g, p = gains[0], powers[0]
    sinr = p[1] * g[1, 1] / (0.3 + p[0] * g[1, 0] + p[2] * g[1, 2] + p[3] * g[1, 3])
    assert shannon_rates(gains, powers, 0.3)[0, 1] == pytest.approx(math.log2(1 + sinr))


def test_rate_function_by_name():
    assert rate_function("shannon") is shannon_rates
    assert rate_function("lte") is lte_rates
    with pytest.raises(ValueError, match="rate model must be one of"):
        rate_function("mcs")


def test_ergodic_metrics_at_f_min_and_per_pair():
    # T = 2 steps, N = 3 pairs; ergodic (per-pair means): 0.75, 0.7, 3
    rates = np.array([[0.5, 0.4, 2.0], [1.0, 1.0, 4.0]])
    m = ergodic_metrics(rates)  # the paper's f_min = 0.75 bit/s/Hz
    assert m["feasible_share"] == pytest.approx(2 / 3)  # exactly f_min counts
    assert m["mean_rate"] == pytest.approx(4.45 / 3)
    # percentiles over the 3 pairs (0.7, 0.75, 3): 10 % of the way over 2 spans -> 0.2
    # of the first: 0.7 + 0.2 x 0.05 = 0.71; 5 %: 0.7 + 0.1 x 0.05 = 0.705
    assert m["p10_rate"] == pytest.approx(0.71)
    assert m["p5_rate"] == pytest.approx(0.705)


def test_lagrangian_of_a_batch_averages_over_pairs():
    # rows are networks, columns pairs; f_min 0.75: 0.75 + (1 x 0.25 + 3 x -0.25) / 2 = 0.5
    # and 2 + (1 x 1.25 + 3 x 1.25) / 2 = 4.5
    rates = np.array([[1.0, 0.5, 0.0], [2.0, 2.0, 2.0]])
    mu = np.array([1.0, 3.0, 0.0])
    assert lagrangian(rates[:, :2], mu[:2]) == pytest.approx([0.5, 4.5])
    assert lagrangian(rates, mu, f_min=1.0).tolist() == pytest.approx(
        [0.5 + (0.0 - 1.5 + 0.0) / 3, 2.0 + (1.0 + 3.0) / 3])


def test_snr_of_the_observation():
    # x = log10(SNR) / 4: x = 1 is 40 dB, x = 0.5 20 dB
    assert snr_from_observation(np.array([1.0, 0.5, 0.0])) == pytest.approx([1e4, 1e2, 1.0])
    assert gains_from_observation(np.array([0.5]), 0.01, 1e-13) == pytest.approx(
        [1e-9], rel=1e-12, abs=0)

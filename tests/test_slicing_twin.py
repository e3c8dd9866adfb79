"""The closed-form twin on hand-worked two-RU cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge.slicing.allocation import Allocation
from bridge.slicing.config import SlicingConfig
from bridge.slicing.twin import evaluate, option_rates, qos_of, reward_of, spectral_efficiency

# Numbers chosen so that everything is 1: 2 PRBs of 1 MHz, 2 W per RU -> 1 W per PRB,
# noise -30 dBm/Hz * 1 MHz, NF 0 -> 1 W per PRB. Levels x0.5, x1, x2.
TINY = SlicingConfig(
    n_rus=2, n_ues=2, n_prbs=2, rbg_size=1, prb_bandwidth_hz=1e6, bandwidth_hz=2e6,
    ru_power_dbm=10 * math.log10(2000.0), noise_dbm_hz=-30.0, noise_figure_db=0.0,
    power_levels_db=(10 * math.log10(0.5), 0.0, 10 * math.log10(2.0)),
    embb_min_rate_mbps=3.0, urllc_min_rate_mbps=1.9, packet_bytes=(1500, 100, 100),
    theta_rate=0.01,
)
# |h|^2: UE0 3 to RU0, 1 to RU1; UE1 1 to RU0, 3 to RU1.
GAIN_DB = 10 * np.log10(np.array([[3.0, 1.0], [1.0, 3.0]]))


def alloc(owner: list[list[int]], levels: list[int], assoc: tuple[int, int] = (0, 1)) -> Allocation:
    return Allocation(np.array(assoc), np.array(owner), np.array(levels))


def test_units_are_one() -> None:
    assert TINY.slice_counts == (1, 1, 0)  # round-half-up(0.8) = 1 eMBB, 1 URLLC
    assert TINY.prb_power_w == pytest.approx(1.0, rel=1e-12)
    assert TINY.prb_noise_w == pytest.approx(1.0, rel=1e-12)


def test_interference_from_the_other_ru_on_the_shared_rbg() -> None:
    # RU0 gives RBG0 and RBG1 to UE0; RU1 gives RBG1 to UE1; all at 0 dB (1 W per PRB).
    # RBG0: UE0 alone: SINR = 1*3 / 1 = 3 -> log2(4) = 2 Mbps.
    # RBG1: UE0: 3 / (1 + 1*1) = 1.5 -> log2(2.5) = 1.321928; UE1 the same by symmetry.
    result = evaluate(TINY, GAIN_DB, alloc([[0, 0], [-1, 1]], [1, 1]))
    assert result.feasible
    np.testing.assert_allclose(result.sinr, [[3.0, 1.5], [0.0, 1.5]], rtol=1e-9)
    np.testing.assert_allclose(result.rate_mbps, [2 + 1.321928, 1.321928], atol=1e-6)
    # delays: 12000 bit / 3.321928 Mbps = 3.612360 ms; 800 bit / 1.321928 Mbps = 0.605177 ms
    np.testing.assert_allclose(result.delay_ms, [3.612360, 0.605177], atol=1e-6)
    np.testing.assert_allclose(result.ru_power_w, [2.0, 1.0], rtol=1e-9)
    np.testing.assert_allclose(result.ru_rate_mbps, [3.321928, 1.321928], atol=1e-6)
    # eMBB 3.32 >= 3 met; URLLC 1.32 < 1.9 not met -> reward 0.01 * 4.643856 + 0.5
    assert result.qos_ok.tolist() == [True, False]
    assert result.reward == pytest.approx(0.01 * 4.643856 + 0.5, abs=1e-8)


def test_power_boost_trades_interference() -> None:
    # UE1 at x2 on RBG1: UE1 SINR = 2*3 / (1 + 1*1) = 3 -> 2 Mbps;
    # UE0 on RBG1: 3 / (1 + 2*1) = 1 -> 1 Mbps, plus 2 on RBG0 -> 3 Mbps.
    # RU1 sends 1 PRB at 2 W = its whole budget: still feasible. Both QoS met -> 0.05 + 1.
    result = evaluate(TINY, GAIN_DB, alloc([[0, 0], [-1, 1]], [1, 2]))
    assert result.feasible
    np.testing.assert_allclose(result.rate_mbps, [3.0, 2.0], rtol=1e-9)
    assert result.qos_by_slice[:2].tolist() == [1.0, 1.0]
    assert math.isnan(result.qos_by_slice[2])  # no mMTC UE
    assert result.reward == pytest.approx(1.05, abs=1e-9)


def test_unserved_ue_has_infinite_delay_and_no_qos() -> None:
    result = evaluate(TINY, GAIN_DB, alloc([[0, -1], [-1, -1]], [1, 1]))
    # UE0 alone on RBG0: 2 Mbps < 3; UE1 nothing.
    np.testing.assert_allclose(result.rate_mbps, [2.0, 0.0])
    assert math.isinf(result.delay_ms[1])
    assert result.reward == pytest.approx(0.02, abs=1e-12)


def test_violations_are_reported() -> None:
    # UE0 at x2 on both PRBs: 4 W > 2 W at RU0.
    over = evaluate(TINY, GAIN_DB, alloc([[0, 0], [-1, -1]], [2, 1]))
    assert not over.feasible and "over budget" in over.violations[0]
    # UE1 is associated to RU1 but owns an RBG at RU0.
    wrong = evaluate(TINY, GAIN_DB, alloc([[1, -1], [-1, -1]], [1, 1]))
    assert not wrong.feasible and "not associated" in wrong.violations[0]
    capped = SlicingConfig(**{**TINY.__dict__, "ru_capacity_mbps": 3.0})
    assert not evaluate(capped, GAIN_DB, alloc([[0, 0], [-1, 1]], [1, 1])).feasible


def test_default_config_figures() -> None:
    cfg = SlicingConfig()
    assert cfg.n_rbgs == 17 and cfg.rbg_prbs[-1] == 2 and cfg.rbg_prbs.sum() == 50
    assert cfg.slice_counts == (10, 10, 5)
    # 46 dBm = 39.81 W over 50 PRBs = 0.7962 W; noise -174 + 9 + 52.553 = -112.447 dBm
    assert cfg.prb_power_w == pytest.approx(39.8107 / 50, rel=1e-5)
    assert 10 * math.log10(cfg.prb_noise_w * 1e3) == pytest.approx(-112.4473, abs=1e-4)
    # URLLC: max(2 Mbps, 1600 bit / 1 ms = 1.6 Mbps) = 2; mMTC 800 bit / 20 ms = 0.04
    assert cfg.min_rate_mbps[10] == 2.0 and cfg.min_rate_mbps[24] == 0.04


@pytest.mark.parametrize("field,value,words", [
    ("n_ues", 0, "n_ues"), ("n_rus", 0, "n_rus"), ("n_prbs", 0, "n_prbs"),
    ("ru_power_dbm", float("nan"), "ru_power_dbm"), ("slice_shares", (("embb", 0.5),), "sum"),
    ("slice_shares", (("video", 1.0),), "unknown slice 'video'"),
    ("power_levels_db", (1.0, 2.0), "lowest"), ("theta_rate", -1.0, "theta_rate"),
])
def test_bad_config_names_the_field(field: str, value: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        SlicingConfig(**{field: value})  # type: ignore[arg-type]


def test_tr36942_link_model() -> None:
    # 0.6 log2(1 + SINR) from -10 dB up, capped at 4.4 bit/s/Hz:
    # SINR 3 -> 0.6 * 2 = 1.2; 1.5 -> 0.6 * 1.321928 = 0.793157; 1000 -> min(5.98, 4.4);
    # 0.05 (-13 dB) -> 0
    lte = SlicingConfig(**{**TINY.__dict__, "link_model": "tr36942"})
    np.testing.assert_allclose(spectral_efficiency(lte, np.array([3.0, 1.5, 1000.0, 0.05])),
                               [1.2, 0.793157, 4.4, 0.0], atol=1e-6)
    result = evaluate(lte, GAIN_DB, alloc([[0, 0], [-1, 1]], [1, 1]))
    np.testing.assert_allclose(result.rate_mbps, [1.2 + 0.793157, 0.793157], atol=1e-6)
    with pytest.raises(ValueError, match="link_model"):
        SlicingConfig(link_model="mcs")


def test_qos_share_per_slice_divides_by_the_slice_size() -> None:
    # Four UEs, two eMBB (0, 1) and two URLLC (2, 3); UE0 and UE2 near RU0, UE1 and UE3
    # near RU1. RU0 gives RBG0 to UE0 and RBG1 to UE2, RU1 sends nothing: both alone,
    # SINR 3 -> 2 Mbps each. eMBB needs 3: none of 2 met; URLLC needs 1.9: 1 of 2.
    four = SlicingConfig(**{**TINY.__dict__, "n_ues": 4,
                            "slice_shares": (("embb", 0.5), ("urllc", 0.5))})
    gain_db = 10 * np.log10(np.array([[3.0, 1.0], [1.0, 3.0], [3.0, 1.0], [1.0, 3.0]]))
    result = evaluate(four, gain_db, alloc([[0, 2], [-1, -1]], [1, 1, 1, 1], (0, 1, 0, 1)))
    np.testing.assert_allclose(result.rate_mbps, [2.0, 0.0, 2.0, 0.0], rtol=1e-9)
    assert result.qos_ok.tolist() == [False, False, True, False]
    assert result.qos_by_slice[:2].tolist() == [0.0, 0.5]
    assert math.isnan(result.qos_by_slice[2])
    # reward: 0.01 * 4 Mbps + 1 * (1 of 4 UEs met)
    assert result.reward == pytest.approx(0.04 + 0.25, abs=1e-9)


@pytest.mark.parametrize("shape", [(2,), (1, 2), (2, 3), (2, 2, 1)])
def test_gains_of_another_shape_are_refused(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"gain_db: shape .*, expected \(2, 2\)"):
        evaluate(TINY, np.zeros(shape), alloc([[0, 0], [-1, 1]], [1, 1]))


def test_ru_capacity_is_met_at_equality() -> None:
    # UE0 alone on RBG0: 2 Mbps at RU0, nothing at RU1. A capacity of exactly that rate
    # is met; the next float below it is not.
    served = alloc([[0, -1], [-1, -1]], [1, 1])
    rate = evaluate(TINY, GAIN_DB, served).ru_rate_mbps
    assert rate[0] == pytest.approx(2.0, rel=1e-9) and rate[1] == 0.0
    at = SlicingConfig(**{**TINY.__dict__, "ru_capacity_mbps": float(rate[0])})
    assert evaluate(at, GAIN_DB, served).feasible
    below = SlicingConfig(**{**TINY.__dict__,
                             "ru_capacity_mbps": float(np.nextafter(rate[0], 0.0))})
    over = evaluate(below, GAIN_DB, served)
    assert not over.feasible and over.violations[0].startswith("RU capacity over")


def test_option_rates_are_eq_3_per_prb() -> None:
    # The cases above, one RBG each, as per-RBG options [O, R] (per PRB, 1 MHz):
    # both RUs at x1 -> SINR 1.5 each; RU1 silent -> UE0 alone, SINR 3;
    # RU1 at x2 -> UE0 3 / (1 + 2) = 1, UE1 2 * 3 / (1 + 1) = 3.
    gain = np.array([[3.0, 1.0], [1.0, 3.0]])
    owners = np.array([[0, 1], [0, -1], [0, 1]])
    factor = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 2.0]])
    rates = option_rates(TINY, gain, owners, factor)
    np.testing.assert_allclose(rates, [[1.321928, 1.321928], [2.0, 0.0], [1.0, 2.0]],
                               atol=1e-6)
    # the same per-PRB rates as the full model, for the first option on RBG1
    full = evaluate(TINY, GAIN_DB, alloc([[-1, 0], [-1, 1]], [1, 1]))
    np.testing.assert_allclose(full.rate_mbps, rates[0], rtol=1e-9)


def test_reward_and_qos_work_on_batches() -> None:
    # TINY needs 3 Mbps (eMBB UE0) and 1.9 Mbps (URLLC UE1).
    rate = np.array([[3.0, 1.9], [2.9, 5.0], [0.0, 0.0]])
    qos = qos_of(TINY, rate)
    assert qos.tolist() == [[True, True], [False, True], [False, False]]
    # 0.01 * sum rate + 1 * share met + 0
    np.testing.assert_allclose(reward_of(TINY, rate, qos), [0.049 + 1.0, 0.079 + 0.5, 0.0],
                               atol=1e-12)
    biased = SlicingConfig(**{**TINY.__dict__, "theta_bias": -0.5, "theta_const": 2.0})
    np.testing.assert_allclose(reward_of(biased, rate, qos), [0.049 + 1.5, 0.079 + 0.5, -0.5],
                               atol=1e-12)


def test_tr36942_threshold_is_minus_10_db_inclusive() -> None:
    # At -10 dB exactly (SINR 0.1): 0.6 log2(1.1) = 0.082502; at 0.099 (-10.04 dB) and
    # 0.0795 (-11 dB) nothing.
    lte = SlicingConfig(**{**TINY.__dict__, "link_model": "tr36942"})
    at = 10.0 ** (-10.0 / 10.0)
    np.testing.assert_allclose(spectral_efficiency(lte, np.array([at, 0.099, 0.0795])),
                               [0.6 * math.log2(1.1), 0.0, 0.0], atol=1e-9)


def test_a_rate_under_1_mbps_has_its_own_delay() -> None:
    # UE0 with |h|^2 = 0.5, alone on RBG0: SINR 0.5 -> log2(1.5) = 0.584963 Mbps;
    # 1500 B = 12000 bit / 0.584963 Mbps = 20.514 ms.
    weak = 10 * np.log10(np.array([[0.5, 1.0], [1.0, 3.0]]))
    result = evaluate(TINY, weak, alloc([[0, -1], [-1, -1]], [1, 1]))
    assert result.rate_mbps[0] == pytest.approx(math.log2(1.5), rel=1e-9)
    assert result.delay_ms[0] == pytest.approx(12000 / math.log2(1.5) / 1e3, rel=1e-9)
    assert math.isinf(result.delay_ms[1])


def test_ru_power_is_in_watts_at_the_default_scale() -> None:
    # Default: 46 dBm = 39.81 W over 50 PRBs. RU0 gives every RBG to UE0 at 0 dB (level
    # 4): it sends its whole 39.81 W; RU1 and RU2 send nothing.
    cfg = SlicingConfig()
    owner = np.full((cfg.n_rus, cfg.n_rbgs), -1)
    owner[0] = 0
    levels = np.full(cfg.n_ues, 4)
    assert cfg.power_levels_db[4] == 0.0
    result = evaluate(cfg, np.full((cfg.n_ues, cfg.n_rus), -90.0),
                      Allocation(np.zeros(cfg.n_ues, dtype=np.int64), owner, levels))
    np.testing.assert_allclose(result.ru_power_w, [10 ** 4.6 / 1e3, 0.0, 0.0], rtol=1e-9)

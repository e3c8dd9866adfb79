"""Python drops: hexagonal sites, UEs around their site, TR 38.901 UMa path loss."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge.slicing.config import SlicingConfig
from bridge.slicing.drop import (
    DropConfig,
    draw,
    hex_sites,
    uma_los_probability,
    uma_pathloss_db,
)


def test_hex_sites() -> None:
    # origin, then the first ring from angle 0 counter-clockwise
    sites = hex_sites(3, 100.0)
    np.testing.assert_allclose(sites, [[0, 0], [100, 0], [50, 50 * math.sqrt(3)]], atol=1e-9)
    seven = hex_sites(7, 100.0)
    np.testing.assert_allclose(np.linalg.norm(seven[1:], axis=1), 100.0)
    assert hex_sites(8, 100.0).shape == (8, 2)  # spills into the second ring


def test_uma_los_probability() -> None:
    # <= 18 m: 1; 100 m: 18/100 + exp(-100/63) * (1 - 18/100) = 0.18 + 0.2045 * 0.82
    np.testing.assert_allclose(uma_los_probability(np.array([10.0, 18.0, 100.0])),
                               [1.0, 1.0, 0.347671], atol=1e-6)


def test_uma_pathloss_hand_worked() -> None:
    dc = DropConfig(carrier_ghz=2.0)
    # breakpoint d'BP = 4 * 24 * 0.5 * 2e9 / c = 320.2 m.
    # 100 m: d3D = sqrt(100^2 + 23.5^2) = 102.724, log10 = 2.011673;
    #   LOS  28 + 22 * 2.011673 + 20 log10(2) = 28 + 44.2568 + 6.0206 = 78.2774
    #   NLOS max(LOS, 13.54 + 39.08 * 2.011673 + 6.0206 = 98.1768) = 98.1768
    # 500 m (beyond d'BP): LOS 28 + 40 log10(500.552) + 6.0206 - 9 log10(320.22^2 + 23.5^2)
    #   = 28 + 107.9905 + 6.0206 - 45.1316 = 96.8795
    d = np.array([100.0, 100.0, 500.0])
    los = np.array([True, False, True])
    np.testing.assert_allclose(uma_pathloss_db(d, los, dc), [78.2774, 98.1768, 96.8795],
                               atol=1e-3)


def test_draw_geometry_and_reproducibility() -> None:
    cfg = SlicingConfig()
    first = draw(cfg, np.random.default_rng(11))
    again = draw(cfg, np.random.default_rng(11))
    np.testing.assert_array_equal(first.gain_db, again.gain_db)
    assert first.gain_db.shape == (25, 3)
    assert first.home.tolist() == [u % 3 for u in range(25)]
    distance = np.linalg.norm(first.ue_xy - first.site_xy[first.home], axis=1)
    assert np.all((distance >= 35.0 - 1e-9) & (distance <= 400.0 + 1e-9))
    # inter-site distance sqrt(3) * 400 = 692.8 m
    assert np.linalg.norm(first.site_xy[1] - first.site_xy[0]) == pytest.approx(692.82, abs=0.01)
    # at 35-400 m the UMa loss is 60-140 dB before shadowing
    own = first.gain_db[np.arange(25), first.home]
    assert np.all((own < -50) & (own > -170))


def test_macro_376_without_shadowing() -> None:
    cfg = SlicingConfig(n_rus=1, n_ues=200)
    drop = draw(cfg, np.random.default_rng(0), DropConfig(pathloss="macro-3.76",
                                                          shadowing=False))
    d_km = np.linalg.norm(drop.ue_xy, axis=1) / 1e3
    # 128.1 + 37.6 log10(d / km): the 3.76 exponent of the paper
    np.testing.assert_allclose(-drop.gain_db[:, 0], 128.1 + 37.6 * np.log10(d_km))


@pytest.mark.parametrize("kw,words", [({"min_distance_m": 500.0}, "min_distance_m"),
                                      ({"pathloss": "free"}, "pathloss"),
                                      ({"ue_height_m": 20.0}, "ue_height_m")])
def test_bad_drop_config(kw: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        DropConfig(**kw)


def _uma_by_hand(d2d: float, los: bool, h_bs: float, h_ut: float, fc: float) -> float:
    """TR 38.901 Table 7.4.1-1 (UMa), written out for one link."""
    d3d = math.sqrt(d2d ** 2 + (h_bs - h_ut) ** 2)
    d_bp = 4 * (h_bs - 1) * (h_ut - 1) * fc * 1e9 / 299_792_458.0
    if d2d <= d_bp:
        pl_los = 28 + 22 * math.log10(d3d) + 20 * math.log10(fc)
    else:
        pl_los = (28 + 40 * math.log10(d3d) + 20 * math.log10(fc)
                  - 9 * math.log10(d_bp ** 2 + (h_bs - h_ut) ** 2))
    if los:
        return pl_los
    pl_nlos = 13.54 + 39.08 * math.log10(d3d) + 20 * math.log10(fc) - 0.6 * (h_ut - 1.5)
    return max(pl_los, pl_nlos)


def test_drop_config_defaults_are_the_documented_ones() -> None:
    dc = DropConfig()
    assert (dc.cell_radius_m, dc.min_distance_m, dc.bs_height_m, dc.ue_height_m) == \
        (400.0, 35.0, 25.0, 1.5)
    assert (dc.carrier_ghz, dc.pathloss, dc.shadowing) == (2.12, "uma", True)


@pytest.mark.parametrize("kw", [
    {"min_distance_m": 0.5}, {"min_distance_m": 399.0}, {"bs_height_m": 1.5},
    {"bs_height_m": 150.0}, {"ue_height_m": 1.01}, {"ue_height_m": 13.0},
    {"carrier_ghz": 0.5}, {"carrier_ghz": 100.0}, {"pathloss": "macro-3.76"},
])
def test_drop_config_bounds_are_accepted(kw: dict) -> None:
    assert getattr(DropConfig(**kw), next(iter(kw))) == next(iter(kw.values()))


@pytest.mark.parametrize("kw,words", [
    ({"min_distance_m": 0.0}, "min_distance_m"), ({"min_distance_m": 400.0}, "min_distance_m"),
    ({"bs_height_m": 1.0}, "bs_height_m"), ({"bs_height_m": 150.5}, "bs_height_m"),
    ({"ue_height_m": 1.0}, "ue_height_m"), ({"ue_height_m": 13.5}, "ue_height_m"),
    ({"carrier_ghz": 0.49}, "carrier_ghz"), ({"carrier_ghz": 100.5}, "carrier_ghz"),
])
def test_drop_config_just_outside_the_bounds_is_refused(kw: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        DropConfig(**kw)


def test_hex_sites_two_full_rings_in_order() -> None:
    sites = hex_sites(19, 10.0)
    r = np.linalg.norm(sites, axis=1)
    # 1 + 6 + 12 points: the first ring at 10, the second at 10 sqrt(3) (between the
    # corners) and 20 (the corners).
    np.testing.assert_allclose(r, [0.0] + [10.0] * 6 + [10 * math.sqrt(3)] * 6 + [20.0] * 6)
    angle = np.degrees(np.arctan2(sites[:, 1], sites[:, 0])) % 360
    np.testing.assert_allclose(angle[1:7], [0, 60, 120, 180, 240, 300], atol=1e-9)
    np.testing.assert_allclose(angle[7:13], [30, 90, 150, 210, 270, 330], atol=1e-9)
    np.testing.assert_allclose(angle[13:], [0, 60, 120, 180, 240, 300], atol=1e-9)
    np.testing.assert_allclose(hex_sites(1, 10.0), [[0.0, 0.0]])


def test_uma_los_probability_just_past_18_m() -> None:
    # 18.5 m: 18/18.5 + exp(-18.5/63) (1 - 18/18.5) = 0.972973 + 0.745531 * 0.027027
    #   = 0.993122
    np.testing.assert_allclose(uma_los_probability(np.array([18.5, 0.0])), [0.993122, 1.0],
                               atol=1e-6)


@pytest.mark.parametrize("h_ut", [1.5, 3.0])
def test_uma_pathloss_to_full_precision(h_ut: float) -> None:
    dc = DropConfig(ue_height_m=h_ut, bs_height_m=30.0, carrier_ghz=3.5)
    d = np.array([40.0, 250.0, 1500.0, 40.0, 250.0, 1500.0])
    los = np.array([True, True, True, False, False, False])
    want = [_uma_by_hand(x, bool(s), 30.0, h_ut, 3.5) for x, s in zip(d, los, strict=True)]
    np.testing.assert_allclose(uma_pathloss_db(d, los, dc), want, rtol=1e-13)
    # h_ut = 3: the breakpoint 4 * 29 * 2 * 3.5e9 / c = 2708.5 m is past every distance;
    # h_ut = 1.5: 4 * 29 * 0.5 * 3.5e9 / c = 677.1 m, so 1500 m is beyond it.


def test_ues_are_uniform_over_the_annulus() -> None:
    cfg = SlicingConfig(n_rus=1, n_ues=6000)
    drop = draw(cfg, np.random.default_rng(3), DropConfig(shadowing=False))
    offset = drop.ue_xy - drop.site_xy[drop.home]
    r = np.linalg.norm(offset, axis=1)
    assert r.min() >= 35.0 - 1e-9 and r.max() <= 400.0 + 1e-9
    # P(r < 200) = (200² - 35²) / (400² - 35²) = 38775 / 158775 = 0.2442
    assert np.mean(r < 200.0) == pytest.approx(0.2442, abs=0.02)
    assert np.mean(r < 60.0) == pytest.approx((60**2 - 35**2) / 158775, abs=0.01)
    quadrant = (np.arctan2(offset[:, 1], offset[:, 0]) // (math.pi / 2)) % 4
    assert np.bincount(quadrant.astype(int), minlength=4) / len(r) == pytest.approx(
        [0.25] * 4, abs=0.025)
    # an angle in [0, 1) rad: 1 / (2 pi) = 0.159 of the UEs
    angle = np.arctan2(offset[:, 1], offset[:, 0])
    assert np.mean((angle >= 0) & (angle < 1.0)) == pytest.approx(1 / (2 * math.pi), abs=0.02)


@pytest.mark.parametrize("pathloss", ["uma", "macro-3.76"])
def test_gains_without_shadowing_follow_the_positions(pathloss: str) -> None:
    cfg = SlicingConfig(n_rus=3, n_ues=12)
    dc = DropConfig(pathloss=pathloss, shadowing=False)
    drop = draw(cfg, np.random.default_rng(5), dc)
    d2d = np.linalg.norm(drop.ue_xy[:, None, :] - drop.site_xy[None, :, :], axis=2)
    assert d2d.max() > 500.0  # links to the other sites are long
    d2d = np.maximum(d2d, 35.0)
    if pathloss == "uma":
        want = [[-_uma_by_hand(d2d[u, r], bool(drop.los[u, r]), 25.0, 1.5, 2.12)
                 for r in range(3)] for u in range(12)]
    else:
        assert not drop.los.any()
        want = -(128.1 + 37.6 * np.log10(d2d / 1000.0))
    np.testing.assert_allclose(drop.gain_db, want, rtol=1e-12)


def test_los_share_and_shadowing_spread() -> None:
    cfg = SlicingConfig(n_rus=1, n_ues=6000)
    drop = draw(cfg, np.random.default_rng(7))
    d2d = np.maximum(np.linalg.norm(drop.ue_xy, axis=1), 35.0)[:, None]
    # LOS as often as TR 38.901 says, on average over the links
    assert drop.los.mean() == pytest.approx(uma_los_probability(d2d).mean(), abs=0.02)
    shadow = -drop.gain_db - uma_pathloss_db(d2d, drop.los, DropConfig())
    los, nlos = shadow[drop.los], shadow[~drop.los]
    # zero mean (a shifted draw would be off by a whole sigma), sigma 4 dB LOS, 6 dB NLOS
    assert los.mean() == pytest.approx(0.0, abs=1.0)
    assert nlos.mean() == pytest.approx(0.0, abs=1.0)
    assert los.std() == pytest.approx(4.0, abs=0.4)
    assert nlos.std() == pytest.approx(6.0, abs=0.4)
    macro = draw(cfg, np.random.default_rng(7), DropConfig(pathloss="macro-3.76"))
    d_km = np.maximum(np.linalg.norm(macro.ue_xy, axis=1), 35.0) / 1e3
    residual = -macro.gain_db[:, 0] - (128.1 + 37.6 * np.log10(d_km))
    assert residual.mean() == pytest.approx(0.0, abs=1.0)
    assert residual.std() == pytest.approx(8.0, abs=0.4)

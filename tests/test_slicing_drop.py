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

"""Activity-pattern options of the MILP bounds model, on the twin test's unit numbers."""

from __future__ import annotations

import numpy as np

from bridge.slicing import milp
from bridge.slicing.config import SlicingConfig
from bridge.slicing.esa import rbg_classes
from bridge.slicing.milp_patterns import pattern_options, pattern_rates, place_patterns
from tests.test_slicing_twin import GAIN_DB, TINY

# TINY: 2 RUs, 2 UEs, 2 RBGs of 1 PRB of 1 MHz, 1 W per PRB, noise 1 W, levels x0.5/x1/x2;
# |h|^2 UE0: 3 to RU0, 1 to RU1.


def test_options_per_pattern() -> None:
    owners, levels, pattern = pattern_options(TINY)
    # patterns {RU0}, {RU1}: 2 UEs x 3 levels each; {RU0, RU1}: 2 RUs x 2 x 3 -> 24
    assert len(owners) == 6 + 6 + 12
    assert np.all((owners >= 0).sum(axis=1) == 1)
    assert np.bincount(pattern).tolist() == [0, 6, 6, 12]


def test_rates_bracket_the_interference() -> None:
    owners, levels, pattern = pattern_options(TINY)
    gain = 10 ** (GAIN_DB / 10)
    # UE0 at RU0 at x1: alone 3 / 1 -> log2(4) = 2; with RU1 sending at x0.5:
    # 3 / (1 + 0.5 * 1) = 2 -> log2(3) = 1.585; at x2: 3 / (1 + 2 * 1) = 1 -> 1
    alone = np.flatnonzero((pattern == 1) & (owners[:, 0] == 0) & (levels[:, 0] == 1))[0]
    shared = np.flatnonzero((pattern == 3) & (owners[:, 0] == 0) & (levels[:, 0] == 1))[0]
    low = pattern_rates(TINY, gain, owners, levels, pattern, 0)
    high = pattern_rates(TINY, gain, owners, levels, pattern, 2)
    np.testing.assert_allclose([low[alone, 0], high[alone, 0], low[shared, 0], high[shared, 0]],
                               [2.0, 2.0, np.log2(3), 1.0], rtol=1e-9)


def test_each_pattern_gets_its_own_block() -> None:
    owners, levels, pattern = pattern_options(TINY)
    counts = np.zeros((1, len(owners)), dtype=np.int64)
    # one RBG with both RUs (UE0 at RU0, UE1 at RU1), one RBG with RU1 alone (UE1)
    both0 = np.flatnonzero((pattern == 3) & (owners[:, 0] == 0) & (levels[:, 0] == 1))[0]
    both1 = np.flatnonzero((pattern == 3) & (owners[:, 1] == 1) & (levels[:, 1] == 1))[0]
    only1 = np.flatnonzero((pattern == 2) & (owners[:, 1] == 1) & (levels[:, 1] == 1))[0]
    counts[0, [both0, both1, only1]] = 1
    owner = place_patterns(TINY, rbg_classes(TINY), owners, pattern, counts)
    # pattern 2 ({RU1}) comes first: RBG0; pattern 3 then takes RBG1 at both RUs
    assert owner.tolist() == [[-1, 0], [1, 1]]


def test_slot_rates_by_hand() -> None:
    # The per-RU slot options of the bounds model beyond MAX_PATTERN_RUS, on TINY: one
    # option per (UE, RU, level), in that order (index u R L + r L + l), one busy RU each.
    owners, levels = milp._slot_options(TINY)
    assert owners.shape == levels.shape == (12, 2)
    assert np.all((owners >= 0).sum(axis=1) == 1)
    assert owners[8].tolist() == [1, -1] and levels[8].tolist() == [2, -1]
    gain = 10 ** (GAIN_DB / 10)
    none = milp._rates(TINY, gain, owners, levels, "none")
    worst = milp._rates(TINY, gain, owners, levels, "worst")
    # UE0 at RU0 at x1 (option 1): alone 3 / 1 -> log2(4) = 2; with RU1 at the top level
    # x2: 3 / (1 + 2 x 1) = 1 -> 1. UE1 at RU0 at x2 (option 8): 2 x 1 / 1 -> log2(3);
    # with RU1 at x2 on UE1's gain 3: 2 / (1 + 6) -> log2(9 / 7). Idle RUs carry 0.
    np.testing.assert_allclose([none[1, 0], worst[1, 0], none[8, 0], worst[8, 0]],
                               [2.0, 1.0, np.log2(3), np.log2(9 / 7)], rtol=1e-12)
    assert np.all(none[owners < 0] == 0) and np.all(worst[owners < 0] == 0)


def test_every_activity_pattern_up_to_four_rus() -> None:
    # Each nonempty set A of the R RUs, |A| x U x L options: R 2^(R-1) U L in all
    for n_rus in (1, 3, 4):
        cfg = SlicingConfig(n_rus=n_rus, n_ues=2, n_prbs=4, rbg_size=2,
                            power_levels_db=(-3.0, 0.0))
        owners, levels, pattern = pattern_options(cfg)
        assert len(owners) == n_rus * 2 ** (n_rus - 1) * 2 * 2
        sizes = [bin(mask).count("1") for mask in range(2**n_rus)]
        assert np.bincount(pattern, minlength=2**n_rus).tolist() == [4 * k for k in sizes]
        busy = np.argmax(owners >= 0, axis=1)  # the one RU each option uses
        assert np.all((pattern >> busy) & 1)  # the busy RU belongs to its pattern
        assert set(levels[owners >= 0].tolist()) == {0, 1}


def test_three_rus_place_their_patterns_in_mask_order() -> None:
    # 3 RUs, 2 UEs, one level, one class of 3 RBGs. One RBG of pattern {RU1, RU2}
    # (mask 6: UE0 at RU1, UE1 at RU2) and one of {RU0, RU1, RU2} (mask 7: UE0, UE1,
    # UE1): mask 6 takes RBG0, mask 7 RBG1, RBG2 stays empty.
    cfg = SlicingConfig(n_rus=3, n_ues=2, n_prbs=3, rbg_size=1, power_levels_db=(0.0,))
    owners, levels, pattern = pattern_options(cfg)

    def option(mask: int, ru: int, ue: int) -> int:
        return int(np.flatnonzero((pattern == mask) & (owners[:, ru] == ue))[0])

    counts = np.zeros((1, len(owners)), dtype=np.int64)
    for mask, ru, ue in ((6, 1, 0), (6, 2, 1), (7, 0, 0), (7, 1, 1), (7, 2, 1)):
        counts[0, option(mask, ru, ue)] = 1
    placed = place_patterns(cfg, rbg_classes(cfg), owners, pattern, counts)
    assert placed.tolist() == [[-1, 0, -1], [0, 1, -1], [1, 1, -1]]

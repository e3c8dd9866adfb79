"""The unified action: every vector decodes to a feasible allocation; encode inverts decode."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.slicing.allocation import Allocation, ru_power_use, violations
from bridge.slicing.config import SlicingConfig
from bridge.slicing.unified import (
    binary_entries,
    decode,
    encode,
    unified_size,
    unified_slices,
    unified_space,
)

DEFAULT = SlicingConfig()
SMALL = SlicingConfig(n_rus=2, n_ues=3, n_prbs=5, rbg_size=2,
                      power_levels_db=(-3.0, 0.0, 3.0))


def test_sizes() -> None:
    # 25*3 association + 25*17 RBG scores + 25 power = 525
    assert unified_size(DEFAULT) == 525
    assert unified_slices(DEFAULT)["power"] == slice(500, 525)


def _check_invariants(cfg: SlicingConfig, alloc: Allocation) -> None:
    assert alloc.association.shape == (cfg.n_ues,)
    onehot = alloc.association_onehot(cfg.n_rus)
    assert np.all(onehot.sum(axis=1) == 1)                       # (8)
    owned = alloc.prb_owner >= 0
    rus, _ = np.nonzero(owned)
    assert np.all(alloc.association[alloc.prb_owner[owned]] == rus)  # (1)
    # (2)/(9): one owner per RBG per RU holds by the index form; each RBG of a UE at one RU
    assert alloc.ownership(cfg.n_ues).sum() == owned.sum()
    assert np.all(ru_power_use(cfg, alloc) <= 1.0 + 1e-9)            # (6)
    assert np.all((alloc.power_level >= 0) & (alloc.power_level < cfg.n_levels))
    assert not violations(cfg, alloc)


@pytest.mark.parametrize("cfg", [DEFAULT, SMALL], ids=["default", "small"])
def test_ten_thousand_random_vectors_decode_feasibly(cfg: SlicingConfig) -> None:
    rng = np.random.default_rng(7)
    for i in range(10_000 if cfg is DEFAULT else 2_000):
        # mix of uniform, out-of-range and all-positive (forces the power repair) vectors
        x = rng.uniform(-1, 1, unified_size(cfg))
        if i % 3 == 1:
            x = rng.normal(0, 3, unified_size(cfg))
        elif i % 3 == 2:
            x = rng.uniform(0.01, 1, unified_size(cfg))
        _check_invariants(cfg, decode(cfg, x))


def test_repair_lowers_the_strongest_level_first() -> None:
    # All UEs get every RBG score positive and +3 dB: RU power would be 2x the budget.
    x = np.ones(unified_size(DEFAULT))
    alloc = decode(DEFAULT, x)
    # all UEs on RU0 (tie -> lowest index), UE0 owns every RBG there (tie -> lowest UE);
    # UE0 at +3 dB on 50 PRBs is 1.995 x budget: it steps down to 0 dB (index 4), 1 x.
    assert np.all(alloc.association == 0)
    assert np.all(alloc.prb_owner[0] == 0) and np.all(alloc.prb_owner[1:] == -1)
    assert alloc.power_level[0] == 4
    assert np.all(alloc.power_level[1:] == 7)  # unserved UEs keep their level


def test_encode_then_decode_round_trips() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        alloc = decode(SMALL, rng.uniform(-1, 1, unified_size(SMALL)))
        again = decode(SMALL, encode(SMALL, alloc))
        assert np.array_equal(again.association, alloc.association)
        assert np.array_equal(again.prb_owner, alloc.prb_owner)
        assert np.array_equal(again.power_level, alloc.power_level)


def test_decode_reads_each_part() -> None:
    # SMALL: U=3, R=2, G=3, L=3. UE0 -> RU1, UE1 -> RU0, UE2 -> RU1.
    x = -np.ones(unified_size(SMALL))
    x[[1, 2, 5]] = 1.0
    rbg = x[6:15].reshape(3, 3)
    rbg[0, 0] = 0.5    # UE0 wants RBG0 at RU1 ...
    rbg[2, 0] = 0.7    # ... but UE2 wants it more
    rbg[0, 2] = 0.1    # UE0 alone on RBG2
    rbg[1, 1] = 0.2    # UE1 on RBG1 at RU0
    x[6:15] = rbg.reshape(-1)
    x[15:] = [-1.0, 0.0, 0.99]  # levels 0, floor(1.5)=1, floor(2.985)=2
    alloc = decode(SMALL, x)
    assert alloc.association.tolist() == [1, 0, 1]
    assert alloc.prb_owner.tolist() == [[-1, 1, -1], [2, -1, 0]]
    assert alloc.power_level.tolist() == [0, 1, 2]


def test_encode_rejects_infeasible() -> None:
    bad = Allocation(np.array([0, 0, 0]), np.array([[-1, -1, -1], [0, -1, -1]]),
                     np.array([0, 0, 0]))
    with pytest.raises(ValueError, match="not associated"):
        encode(SMALL, bad)
    with pytest.raises(ValueError, match="expected 18"):
        decode(SMALL, np.zeros(4))


def test_binary_entries_for_baep() -> None:
    # SMALL: alpha [3, 2] then beta [3, 3]. UE0 on RU1 owning RBG2, UE1 on RU0 owning
    # RBG1, UE2 on RU1 owning RBG0 -> alpha 0,1 / 1,0 / 0,1; beta 0,0,1 / 0,1,0 / 1,0,0
    alloc = Allocation(np.array([1, 0, 1]), np.array([[-1, 1, -1], [2, -1, 0]]),
                       np.array([0, 1, 2]))
    entries = binary_entries(SMALL, alloc)
    assert entries.tolist() == [0, 1, 1, 0, 0, 1] + [0, 0, 1, 0, 1, 0, 1, 0, 0]
    moved = Allocation(np.array([0, 0, 1]), np.array([[0, 1, -1], [2, -1, -1]]),
                       np.array([0, 1, 2]))
    # UE0 moved to RU0 and RBG0 there: alpha differs in 2 entries, beta in 2 -> 4 of 15
    assert np.sum(binary_entries(SMALL, moved) != entries) == 4


def test_fixed_association_decodes_to_the_strongest_ru() -> None:
    fixed = SlicingConfig(**{**SMALL.__dict__, "fixed_association": True})
    gain_db = np.array([[-90.0, -80.0], [-70.0, -95.0], [-100.0, -99.0]])  # RU 1, 0, 1
    rng = np.random.default_rng(5)
    for _ in range(300):
        alloc = decode(fixed, rng.uniform(-1, 1, unified_size(fixed)), gain_db)
        assert alloc.association.tolist() == [1, 0, 1]
        assert not violations(fixed, alloc)
    with pytest.raises(ValueError, match="gain_db"):
        decode(fixed, np.zeros(unified_size(fixed)))


def test_the_space_is_the_unit_box_of_size_d() -> None:
    space = unified_space(SMALL)
    # SMALL: 3*2 + 3*3 + 3 = 18
    assert space.shape == (18,) and space.dtype == np.float32
    assert np.all(space.low == -1.0) and np.all(space.high == 1.0)


def test_nan_counts_as_minus_one_and_infinities_as_the_bounds() -> None:
    # SMALL: assoc x[0:6] (UE-major, 2 RUs), rbg x[6:15] (3 RBGs), power x[15:18] (L=3).
    x = -np.ones(unified_size(SMALL))
    x[0:6] = [np.nan, -0.5,      # UE0: NaN (-1) < -0.5 -> RU1
              np.nan, np.nan,    # UE1: a tie at -1 -> RU0
              -np.inf, -0.9]     # UE2: -inf (-1) < -0.9 -> RU1
    x[6:9] = [np.nan, np.inf, 0.3]     # UE0 at RU1: NaN is not > 0; +inf is 1; 0.3
    x[12:15] = [0.2, 0.4, 0.5]         # UE2 at RU1: would win RBG0, loses RBG1 to +inf (1)
    x[9:12] = [np.nan, 0.1, np.nan]    # UE1 alone at RU0: RBG1 only
    x[15:18] = [np.nan, np.inf, -np.inf]  # levels: NaN -> -1 -> 0; +inf -> 1 -> 2; 0
    alloc = decode(SMALL, x)
    assert alloc.association.tolist() == [1, 0, 1]
    assert alloc.prb_owner.tolist() == [[-1, 1, -1], [2, 0, 2]]
    assert alloc.power_level.tolist() == [0, 2, 0]


def test_values_outside_the_box_are_clipped_before_they_compete() -> None:
    # Unclipped, 5 > 1 and 3 > 1 would win; clipped, both are 1: ties go to the lowest
    # index (RU0, UE0).
    x = -np.ones(unified_size(SMALL))
    x[0:6] = [1.0, 5.0, 1.0, -1.0, 1.0, -1.0]   # every UE on RU0
    x[6:15] = [1.0, -1.0, -1.0,                  # UE0: RBG0 at 1
               3.0, -1.0, -1.0,                  # UE1: RBG0 at 3 -> 1: a tie, UE0 keeps it
               -1.0, -1.0, -1.0]                 # UE2: none (so no power repair)
    x[15:18] = [7.0, -4.0, 0.0]                  # levels 2, 0, floor(1.5) = 1
    alloc = decode(SMALL, x)
    assert alloc.association.tolist() == [0, 0, 0]
    assert alloc.prb_owner.tolist() == [[0, -1, -1], [-1, -1, -1]]
    assert alloc.power_level.tolist() == [2, 0, 1]
    # Below the box too: UE0's -3 and -1.5 are both -1, a tie; unclipped, RU1 would win.
    x[0:2] = [-3.0, -1.5]
    assert decode(SMALL, x).association.tolist() == [0, 0, 0]


def test_power_bins_split_the_interval_evenly() -> None:
    # L = 3: [-1, -1/3) -> 0, [-1/3, 1/3) -> 1, [1/3, 1] -> 2 (1 itself is clipped to 2).
    x = -np.ones(unified_size(SMALL))
    for value, level in [(-1.0, 0), (-0.34, 0), (-1 / 3 + 1e-9, 1), (0.33, 1),
                         (1 / 3 + 1e-9, 2), (1.0, 2)]:
        x[15:18] = value
        assert decode(SMALL, x).power_level.tolist() == [level] * 3, value


def test_encode_writes_plus_minus_one_and_the_bin_centres() -> None:
    alloc = Allocation(np.array([1, 0, 1]), np.array([[-1, 1, -1], [2, -1, 0]]),
                       np.array([0, 1, 2]))
    x = encode(SMALL, alloc)
    assert x.dtype == np.float32 and x.shape == (18,)
    assert x[0:6].tolist() == [-1, 1, 1, -1, -1, 1]
    assert x[6:15].tolist() == [-1, -1, 1, -1, 1, -1, 1, -1, -1]
    # centres of the level bins with L = 3: -1 + (2 l + 1) / 3 = -2/3, 0, 2/3
    np.testing.assert_allclose(x[15:18], [-2 / 3, 0.0, 2 / 3], atol=1e-7)


@pytest.mark.parametrize("cfg", [DEFAULT, SMALL], ids=["default", "small"])
def test_encode_stays_inside_the_box(cfg: SlicingConfig) -> None:
    rng = np.random.default_rng(11)
    space = unified_space(cfg)
    for _ in range(200):
        x = encode(cfg, decode(cfg, rng.uniform(-1, 1, unified_size(cfg))))
        assert space.contains(x)
        assert x.min() >= -1.0 and x.max() <= 1.0


def test_a_score_of_exactly_zero_leaves_the_rbg_unused() -> None:
    # SMALL: all UEs on RU0; UE0 scores RBG0 at 0 (not positive), RBG1 at the smallest
    # positive float, RBG2 at -0.0.
    x = -np.ones(unified_size(SMALL))
    x[[0, 2, 4]] = 1.0
    x[6:9] = [0.0, np.nextafter(0.0, 1.0), -0.0]
    assert decode(SMALL, x).prb_owner.tolist() == [[-1, 0, -1], [-1, -1, -1]]

"""Allocations (bridge/slicing/allocation.py) on a hand-worked case: the indicator
matrices, each RU's power use, every violation at its boundary, and power repair."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge.slicing.allocation import (
    Allocation,
    is_feasible,
    repair_power,
    ru_power_use,
    violations,
)
from bridge.slicing.config import SlicingConfig

# 2 RUs, 3 UEs, 3 PRBs in RBGs of 2: RBG 0 = 2 PRBs, RBG 1 = 1 PRB. Levels x0.5, x1, x2.
# An RU's budget is 3 PRB-units (P_max / K per PRB times K PRBs).
CFG = SlicingConfig(
    n_rus=2, n_ues=3, n_prbs=3, rbg_size=2, prb_bandwidth_hz=1e6, bandwidth_hz=3e6,
    power_levels_db=(10 * math.log10(0.5), 0.0, 10 * math.log10(2.0)),
)


def alloc(assoc: list[int], owner: list[list[int]], levels: list[int]) -> Allocation:
    return Allocation(np.array(assoc), np.array(owner), np.array(levels))


def test_the_case_is_as_described():
    assert (CFG.n_rbgs, CFG.n_levels) == (2, 3)
    assert CFG.rbg_prbs.tolist() == [2, 1]
    assert CFG.level_factors == pytest.approx([0.5, 1.0, 2.0])


def test_indicator_matrices():
    # UE 0 at RU 0 owns RBG 0 there; UEs 1, 2 at RU 1 own RBG 1 and RBG 0 there.
    a = alloc([0, 1, 1], [[0, -1], [2, 1]], [2, 0, 1])
    assert a.association_onehot(2).tolist() == [[1, 0], [0, 1], [0, 1]]
    assert a.ownership(3).tolist() == [[1, 0], [0, 1], [1, 0]]
    assert alloc([0, 0, 0], [[-1, -1], [-1, -1]], [0, 0, 0]).ownership(3).tolist() == \
        [[0, 0], [0, 0], [0, 0]]


def test_native_round_trip_keeps_the_values():
    a = alloc([0, 1, 1], [[0, -1], [2, 1]], [2, 0, 1])
    native = a.to_native()
    assert all(v.dtype == np.int32 for v in native.values())
    back = Allocation.from_native(native)
    assert back.prb_owner.tolist() == [[0, -1], [2, 1]]
    assert back.association.tolist() == [0, 1, 1] and back.power_level.tolist() == [2, 0, 1]


def test_ru_power_use_by_hand():
    # RU 0: RBG 0 (2 PRBs) to UE 0 at x2 = 4 of 3. RU 1: RBG 0 to UE 2 at x1 = 2,
    # RBG 1 (1 PRB) to UE 1 at x0.5 = 0.5: 2.5 of 3.
    a = alloc([0, 1, 1], [[0, -1], [2, 1]], [2, 0, 1])
    assert ru_power_use(CFG, a) == pytest.approx([4 / 3, 2.5 / 3], rel=1e-12)
    assert violations(CFG, a) == ["RU power over budget: [1.3333, 0.8333] x P_max"]
    assert not is_feasible(CFG, a)
    idle = alloc([0, 1, 1], [[-1, -1], [-1, -1]], [2, 2, 2])
    assert ru_power_use(CFG, idle).tolist() == [0.0, 0.0]


def test_a_budget_used_exactly_is_feasible():
    # RU 0: all 3 PRBs to UE 0 at x1; RU 1: RBG 0 to UE 1 at x0.5 (1), RBG 1 to UE 2 at x2.
    a = alloc([0, 1, 1], [[0, 0], [1, 2]], [1, 0, 2])
    assert ru_power_use(CFG, a) == pytest.approx([1.0, 1.0], rel=1e-12)
    assert violations(CFG, a) == []
    assert is_feasible(CFG, a)


@pytest.mark.parametrize(("assoc", "owner", "levels"), [
    ([0, 1], [[0, -1], [-1, 1]], [1, 1, 1]),
    ([0, 1, 1], [[0, -1], [-1, 1]], [1, 1]),
    ([0, 1, 1], [[0, -1, -1], [-1, 1, -1]], [1, 1, 1]),
    ([0, 1, 1], [[0, -1]], [1, 1, 1]),
])
def test_each_wrong_shape_is_reported(assoc, owner, levels):
    found = violations(CFG, alloc(assoc, owner, levels))
    assert len(found) == 1 and found[0].startswith("shapes: ")
    assert not is_feasible(CFG, alloc(assoc, owner, levels))


@pytest.mark.parametrize(("assoc", "owner", "levels", "expected"), [
    ([-1, 1, 1], [[-1, -1], [-1, -1]], [0, 0, 0], ["association outside [0, 1]"]),
    ([0, 2, 0], [[-1, -1], [-1, -1]], [0, 0, 0], ["association outside [0, 1]"]),
    ([0, 1, 1], [[-1, -1], [-1, -1]], [-1, 2, 2], ["power_level outside [0, 2]"]),
    ([0, 1, 1], [[-1, -1], [-1, -1]], [0, 3, 0], ["power_level outside [0, 2]"]),
    ([0, 1, 1], [[-2, -1], [-1, 1]], [0, 0, 0], ["prb_owner outside [-1, 2]"]),
    ([0, 1, 1], [[0, -1], [3, 1]], [0, 0, 0], ["prb_owner outside [-1, 2]"]),
    ([2, 1, 1], [[0, -1], [3, 1]], [0, 0, 5],
     ["association outside [0, 1]", "power_level outside [0, 2]", "prb_owner outside [-1, 2]"]),
])
def test_indices_out_of_range_are_reported_at_their_bounds(assoc, owner, levels, expected):
    assert violations(CFG, alloc(assoc, owner, levels)) == expected


def test_indices_at_their_bounds_are_valid():
    # The largest RU (1), level (2) and UE (2), and the smallest (0, 0, -1).
    assert violations(CFG, alloc([1, 0, 0], [[1, 2], [0, -1]], [0, 0, 0])) == []
    assert violations(CFG, alloc([0, 1, 1], [[-1, 0], [1, 2]], [2, 0, 0])) == []


def test_an_rbg_owned_at_the_wrong_ru_names_the_ue():
    # UE 0 is associated to RU 1 but owns RBG 1 at RU 0.
    assert violations(CFG, alloc([1, 1, 0], [[-1, 0], [1, -1]], [1, 1, 1])) == [
        "RBGs owned at an RU the UE is not associated to (UEs [0])"]
    # UEs 1 and 2 (at RU 1) each own an RBG at RU 0; UE 1's RBG at RU 1 is right.
    assert violations(CFG, alloc([0, 1, 1], [[2, 1], [1, -1]], [0, 0, 0])) == [
        "RBGs owned at an RU the UE is not associated to (UEs [1, 2])"]


def test_repair_lowers_the_overloaded_ue_until_the_ru_fits():
    # RU 0: UE 0 owns all 3 PRBs at x2 (6 of 3) -> one step to x1 (3 of 3, exactly the
    # budget). RU 1 owns nothing; UEs 1 and 2 keep their levels.
    owner = np.array([[0, 0], [-1, -1]])
    assert repair_power(CFG, np.array([0, 1, 1]), owner, np.array([2, 2, 1])).tolist() == \
        [1, 2, 1]


def test_repair_lowers_the_highest_level_first_and_ignores_idle_ues():
    # RU 1: UE 1 owns RBG 1 (1 PRB) at x2 = 2, UE 2 owns RBG 0 (2 PRBs) at x1 = 2: 4 of
    # 3. The highest level, UE 1's, steps down: 1 + 2 = 3 fits. UE 0 owns nothing at
    # either RU; its level 2 stays, though it is the highest and has the lowest index.
    owner = np.array([[-1, -1], [2, 1]])
    levels = np.array([2, 2, 1])
    assert repair_power(CFG, np.array([0, 1, 1]), owner, levels).tolist() == [2, 1, 1]
    assert levels.tolist() == [2, 2, 1]  # the caller's array is left alone


def test_repair_keeps_a_feasible_allocation():
    owner = np.array([[0, 0], [1, 2]])
    assert repair_power(CFG, np.array([0, 1, 1]), owner, np.array([1, 0, 2])).tolist() == \
        [1, 0, 2]


@pytest.mark.parametrize(("excess", "fits"), [(1e-9, True), (2e-9, False)])
def test_the_budget_tolerance_is_inclusive(excess, fits):
    # The top level is 1 + excess times P_max / K per PRB: 10 log10(1 + 1e-9) dB gives
    # the factor 1.000000001 to the last bit, so the RU uses exactly 1 + 1e-9 of P_max.
    cfg = SlicingConfig(n_rus=2, n_ues=3, n_prbs=3, rbg_size=2, prb_bandwidth_hz=1e6,
                        bandwidth_hz=3e6,
                        power_levels_db=(10 * math.log10(0.5), 0.0, 10 * math.log10(1 + excess)))
    assert cfg.level_factors[2] == 1 + excess
    a = alloc([0, 1, 1], [[0, 0], [-1, -1]], [2, 0, 0])
    assert ru_power_use(cfg, a)[0] == 1 + excess
    assert is_feasible(cfg, a) == fits
    repaired = repair_power(cfg, a.association, a.prb_owner, a.power_level)
    assert repaired.tolist() == ([2, 0, 0] if fits else [1, 0, 0])

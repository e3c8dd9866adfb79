"""The QoS-first greedy allocation and the share action form."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from bridge.slicing import greedy, shares
from bridge.slicing.allocation import violations
from bridge.slicing.config import SlicingConfig
from bridge.slicing.drop import draw
from bridge.slicing.solution import strongest_margin_db


def test_share_counts_split_the_usable_rbgs_by_largest_remainder():
    # one RU, claims 1, 1, 0.5 of 16 RBGs: exact 6.4, 6.4, 3.2 -> floors 6, 6, 3 (15);
    # the one RBG left goes to the largest remainder, 0.4, the lower index on the tie
    counts = shares.rbg_counts(np.zeros(3, int), np.array([1.0, 1.0, 0.5]), 1, 16)
    assert counts.tolist() == [7, 6, 3]
    # a claim below half an RBG's worth (1/32) is no claim; an RU without claims sends nothing
    counts = shares.rbg_counts(np.array([0, 0, 1]), np.array([0.03, 0.2, 0.0]), 2, 16)
    assert counts.tolist() == [0, 16, 0]


def test_every_share_vector_decodes_to_a_feasible_allocation():
    cfg = SlicingConfig(fixed_association=True)
    rng = np.random.default_rng(0)
    for _ in range(20):
        gain_db = draw(cfg, rng).gain_db
        x = rng.uniform(-1.5, 1.5, shares.share_size(cfg))
        x[rng.integers(0, x.size, 3)] = np.nan
        alloc = shares.decode(cfg, x, gain_db)
        assert violations(cfg, alloc) == []
        assert np.all(alloc.prb_owner[:, 16] == -1)  # the RBG the program never schedules
        assert np.array_equal(alloc.association, np.argmax(gain_db, 1))
    with pytest.raises(ValueError, match="124 values, expected 125"):
        shares.decode(cfg, np.zeros(124), gain_db)


def test_the_greedy_allocation_round_trips_through_the_share_form():
    cfg = SlicingConfig(fixed_association=True)
    rng = np.random.default_rng(1)
    for _ in range(10):
        gain_db = draw(cfg, rng).gain_db
        alloc = greedy.allocate(cfg, gain_db)
        assert violations(cfg, alloc) == []
        again = shares.decode(cfg, shares.encode(cfg, alloc), gain_db)
        full = [np.sum(alloc.prb_owner[r] >= 0) == 16 for r in range(cfg.n_rus)]
        for r in np.flatnonzero(full):  # an RU using all 16 RBGs comes back exactly
            assert np.array_equal(again.prb_owner[r], alloc.prb_owner[r])
        assert np.array_equal(again.power_level, alloc.power_level)


def test_the_greedy_serves_the_cheapest_qos_first_then_the_best_rate():
    # one RU, three UEs (eMBB, URLLC, mMTC), no interference: the rates per RBG are
    # what rate_per_rbg gives; the planned needs are 10.5, 4.0 and 0.2 Mbit/s
    cfg = SlicingConfig(n_rus=1, n_ues=3, fixed_association=True)
    gain_db = np.array([[-120.0], [-125.0], [-130.0]])
    rate = greedy.rate_per_rbg(cfg, gain_db)
    assert rate[0] > rate[1] > rate[2] > 0
    plan = [math.ceil(10.5 / rate[0]), math.ceil(4.0 / rate[1]), math.ceil(0.2 / rate[2])]
    assert sum(plan) <= 16  # every plan fits: each UE gets at least its plan
    owner = greedy.allocate(cfg, gain_db).prb_owner[0, :16]
    counts = np.bincount(owner[owner >= 0], minlength=3)
    # the RBGs left go to the best rate first, up to its offered load (12, 2.5, 0.2
    # Mbit/s); what no UE's load needs stays unused (ns-3 would leave it empty anyway)
    left, expected = 16 - sum(plan), list(plan)
    for u, offered in enumerate((12.0, 2.5, 0.2)):
        extra = min(left, max(math.ceil(offered / rate[u]) - plan[u], 0))
        expected[u] += extra
        left -= extra
    assert counts.tolist() == expected
    assert expected[0] > plan[0] and np.sum(owner < 0) == left > 0


def test_the_rate_at_another_o_ru_counts_the_strongest_as_interference():
    cfg = SlicingConfig(n_rus=2, n_ues=2)
    gain_db = np.array([[-100.0, -110.0], [-120.0, -105.0]])
    strongest = greedy.rate_per_rbg(cfg, gain_db)
    assert np.array_equal(greedy.rate_per_rbg(cfg, gain_db, np.array([0, 1])), strongest)
    # swapped: each UE at its weaker O-RU, its strongest now interfering (SINR < 0 dB)
    swapped = greedy.rate_per_rbg(cfg, gain_db, np.array([1, 0]))
    assert np.all(swapped < strongest)
    alone = dataclasses.replace(cfg, n_rus=1)
    assert swapped[0] < greedy.rate_per_rbg(alone, gain_db[:, 1:])[0]


def test_a_plan_that_does_not_fit_gets_nothing_and_bad_plans_are_refused():
    cfg = SlicingConfig(n_rus=1, n_ues=3, fixed_association=True)
    gain_db = np.array([[-140.0], [-95.0], [-125.0]])  # the eMBB UE at the cell edge
    rate = greedy.rate_per_rbg(cfg, gain_db)
    assert math.ceil(10.5 / rate[0]) > 16  # its plan cannot fit
    owner = greedy.allocate(cfg, gain_db).prb_owner[0, :16]
    urllc_plan = math.ceil(4.0 / rate[1])
    mmtc_plan = math.ceil(0.2 / rate[2])
    # URLLC and mMTC get their plans; the eMBB UE (no plan) then takes the rest, up to
    # its offered load, as the only UE with unmet load
    assert np.sum(owner == 1) >= urllc_plan and np.sum(owner == 2) == mmtc_plan
    with pytest.raises(ValueError, match="must be > 0"):
        greedy.allocate(cfg, gain_db, plan_mbps=(10.0, 0.0, 0.2))


def test_power_levels_invert_the_level_centres_and_bound_the_ends():
    centres = shares.level_centres(8)
    assert shares.power_levels(centres, 8).tolist() == list(range(8))
    assert shares.power_levels(np.array([-1.0, 1.0, -0.76, -0.74]), 8).tolist() == [0, 7, 0, 1]
    cfg = SlicingConfig(n_ues=4, n_rus=2)
    x = np.zeros(shares.share_size(cfg))
    x[-4:] = centres[[0, 3, 1, 2]]  # all at or below 0 dB: no budget repair
    assert shares.decode(cfg, x).power_level.tolist() == [0, 3, 1, 2]


def test_the_strongest_margin_is_the_gap_to_the_second_strongest_o_ru():
    gains = np.array([[-80.0, -110.0, -95.0], [-90.0, -90.0, -120.0], [-130.0, -70.0, -71.5]])
    assert strongest_margin_db(gains).tolist() == pytest.approx([15.0, 0.0, 1.5])
    assert np.isinf(strongest_margin_db(gains[:, :1])).all()

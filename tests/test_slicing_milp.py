"""MILP against ESA where both run; the bounds model's certificates at the default size."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bridge.slicing import esa, milp
from bridge.slicing.allocation import Allocation
from bridge.slicing.config import SlicingConfig
from bridge.slicing.drop import draw
from bridge.slicing.polish import polish
from bridge.slicing.twin import evaluate, ue_rates

# 2 RUs, 3 UEs (one per slice), 3 RBGs of 2, 2, 1 PRBs, 3 levels; QoS scaled to bind.
TINY = SlicingConfig(
    n_rus=2, n_ues=3, n_prbs=5, rbg_size=2,
    slice_shares=(("embb", 1 / 3), ("urllc", 1 / 3), ("mmtc", 1 / 3)),
    power_levels_db=(-3.0, 0.0, 3.0), embb_min_rate_mbps=4.0, urllc_min_rate_mbps=1.5,
    theta_rate=0.05,
)
# 2 RUs, 4 UEs (2 eMBB, 2 URLLC), 4 RBGs of 2 PRBs, 2 levels: 65 joint options
MEDIUM = SlicingConfig(
    n_rus=2, n_ues=4, n_prbs=8, rbg_size=2, power_levels_db=(-3.0, 3.0),
    embb_min_rate_mbps=5.0, urllc_min_rate_mbps=2.0, theta_rate=0.05,
)

# 5 RUs (over MAX_PATTERN_RUS = 4: the bounds model's per-RU slots), 2 UEs, 2 RBGs of 2
# PRBs, 2 levels: small enough for ESA.
WIDE = SlicingConfig(
    n_rus=5, n_ues=2, n_prbs=4, rbg_size=2, power_levels_db=(-3.0, 3.0),
    slice_shares=(("embb", 0.5), ("urllc", 0.5)), embb_min_rate_mbps=4.0,
    urllc_min_rate_mbps=1.5, theta_rate=0.05,
)


# 1 RU, 3 UEs, 3 RBGs, 3 levels: no interference, so both bounds models are exact
ONE_RU = SlicingConfig(n_rus=1, n_ues=3, n_prbs=5, rbg_size=2, power_levels_db=(-3.0, 0.0, 3.0),
                       embb_min_rate_mbps=4.0, urllc_min_rate_mbps=1.5, theta_rate=0.05)
HIGHS = milp.milp  # scipy's, as the module calls it


def gains(cfg: SlicingConfig, seed: int) -> np.ndarray:
    return draw(cfg, np.random.default_rng(seed)).gain_db


def test_joint_option_count() -> None:
    # R = 2, U = 3, L = 3: silent 1 + one RU busy 2 * 3 * 3 = 18 + both busy 3 * 2 * 9 = 54
    assert milp.joint_option_count(TINY) == 73
    assert len(milp._joint_options(TINY)[0]) == 73
    assert milp.joint_option_count(MEDIUM) == 1 + 2 * 4 * 2 + 4 * 3 * 4


def test_auto_takes_the_exact_model_up_to_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/slicing-solvers.md: "picks exact up to 20 000 joint options, else bounds"
    assert milp.MAX_JOINT_OPTIONS == 20_000
    g = gains(TINY, 0)
    assert milp.solve(TINY, g).solver == "milp-exact"  # 73 joint options
    monkeypatch.setattr(milp, "MAX_JOINT_OPTIONS", 73)  # exactly at the limit: exact
    assert milp.solve(TINY, g).solver == "milp-exact"
    monkeypatch.setattr(milp, "MAX_JOINT_OPTIONS", 72)  # one over it: bounds
    assert milp.solve(TINY, g).solver == "milp-bounds"
    with pytest.raises(ValueError, match="'fast' is not one of auto, exact, bounds"):
        milp.solve(TINY, g, mode="fast")


def test_the_exact_model_refuses_over_ten_times_the_auto_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # one RU: 1 + U L joint options; 3 UEs x 3 levels = 10, 5 UEs x 2 levels = 11
    ten = SlicingConfig(n_rus=1, n_ues=3, n_prbs=4, rbg_size=2,
                        power_levels_db=(-3.0, 0.0, 3.0))
    eleven = SlicingConfig(n_rus=1, n_ues=5, n_prbs=4, rbg_size=2, power_levels_db=(-3.0, 3.0))
    assert (milp.joint_option_count(ten), milp.joint_option_count(eleven)) == (10, 11)
    monkeypatch.setattr(milp, "MAX_JOINT_OPTIONS", 1)
    assert milp.solve(ten, gains(ten, 0), mode="exact").solver == "milp-exact"
    with pytest.raises(ValueError, match="exact MILP: 11 joint options are too many"):
        milp.solve(eleven, gains(eleven, 0), mode="exact")


def _solver_reporting(status: int, shift: float, nodes: int | None = 1):  # noqa: ANN202
    """HiGHS as it is, but reporting ``status``, a dual bound ``shift`` looser (the
    model minimises -reward, so the reward's upper bound rises by ``shift``) and
    ``nodes`` branch-and-bound nodes."""

    def reporting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        res = HIGHS(*args, **kwargs)
        res.status, res.mip_dual_bound = status, res.mip_dual_bound - shift
        res.mip_node_count = nodes
        return res

    return reporting


def test_exact_means_solved_and_at_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    polished: list[int] = []

    def recording(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        polished.append(1)
        return polish(*args, **kwargs)

    monkeypatch.setattr(milp, "polish", recording)
    g = gains(TINY, 0)
    milp.solve(TINY, g, mode="exact")
    assert polished == []  # HiGHS solved it: nothing for local search to climb
    optimum = esa.solve(TINY, g).reward  # 1.774: the tolerance is 2 x 1e-7 x 1.774
    # Stopped by the time limit (status 1), the bound 0.5 above: the incumbent is
    # polished (here to the optimum), not exact, and the bound is the solver's
    monkeypatch.setattr(milp, "milp", _solver_reporting(1, 0.5))
    stopped = milp.solve(TINY, g, mode="exact")
    assert polished == [1]  # the time limit's incumbent may still climb
    assert stopped.reward == pytest.approx(optimum, abs=1e-9) and not stopped.exact
    assert stopped.bound == pytest.approx(optimum + 0.5, abs=1e-9)
    # ...and at the bound, but stopped: the solver proved nothing
    monkeypatch.setattr(milp, "milp", _solver_reporting(1, 0.0))
    assert not milp.solve(TINY, g, mode="exact").exact
    # Solved: exact within the tolerance (3.548e-7 here), not beyond it
    monkeypatch.setattr(milp, "milp", _solver_reporting(0, 3.3e-7))
    assert milp.solve(TINY, g, mode="exact").exact
    monkeypatch.setattr(milp, "milp", _solver_reporting(0, 3.8e-7))
    assert not milp.solve(TINY, g, mode="exact").exact
    # The reward's constant theta_bias is outside the model: added back to its bound
    biased = SlicingConfig(**{**TINY.__dict__, "theta_bias": 0.3})
    monkeypatch.setattr(milp, "milp", _solver_reporting(1, 0.5))
    stopped = milp.solve(biased, g, mode="exact")
    assert stopped.reward == pytest.approx(optimum + 0.3, abs=1e-9)
    assert stopped.bound == pytest.approx(optimum + 0.3 + 0.5, abs=1e-9)


def test_bounds_exact_means_the_upper_bound_is_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    # One RU: both bounds models are exact, so the bound meets the reward (1.70 here:
    # the tolerance is 2 x 1e-7 x 1.70 = 3.41e-7) unless HiGHS reports a looser one.
    g = gains(ONE_RU, 0)
    optimum = esa.solve(ONE_RU, g).reward
    assert 1.0 < optimum < 2.0
    for shift, exact in ((0.0, True), (3.3e-7, True), (3.9e-7, False), (0.5, False)):
        monkeypatch.setattr(milp, "milp", _solver_reporting(0, shift))
        solution = milp.solve(ONE_RU, g, mode="bounds")
        assert solution.exact is exact, shift
        assert solution.bound == pytest.approx(optimum + shift, rel=1e-9, abs=0)


@pytest.mark.parametrize("mode", ["exact", "bounds"])
def test_the_solve_time_is_the_calls_own(mode: str) -> None:
    started = time.perf_counter()
    solution = milp.solve(TINY, gains(TINY, 0), mode=mode)
    assert 0.0 < solution.solve_time_s <= time.perf_counter() - started


def test_no_solution_is_an_error_naming_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def nothing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        res = HIGHS(*args, **kwargs)
        res.x, res.message = None, "time limit reached"
        return res

    monkeypatch.setattr(milp, "milp", nothing)
    with pytest.raises(RuntimeError, match=r"MILP \(joint\): no solution: time limit reached"):
        milp.solve(TINY, gains(TINY, 0), mode="exact")


def test_slot_options_are_placed_from_each_rus_offset() -> None:
    # 2 RUs, 3 RBGs of 1 PRB, 8 levels: slot option u R L + r L + l. One RBG each for
    # (UE0, RU0), (UE1, RU0) and (UE1, RU1): RU r starts at r x 3 // 2, in option order.
    cfg = SlicingConfig(n_rus=2, n_ues=2, n_prbs=3, rbg_size=1)
    owners, _ = milp._slot_options(cfg)
    counts = np.zeros((1, len(owners)), dtype=np.int64)
    counts[0, [0, 16, 24]] = 1
    placed = milp._place(cfg, esa.rbg_classes(cfg), owners, counts, joint=False)
    assert placed.tolist() == [[0, 1, -1], [-1, 1, -1]]
    counts[0, [0, 16, 24]] = [2, 2, 3]  # more than the class holds: the RU wraps around
    placed = milp._place(cfg, esa.rbg_classes(cfg), owners, counts, joint=False)
    assert placed.tolist() == [[1, 0, 1], [1, 1, 1]]


@pytest.mark.parametrize("cfg", [TINY, WIDE], ids=["patterns", "slots"])
def test_the_nodes_of_both_bounds_models_are_counted(cfg: SlicingConfig,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    g = gains(cfg, 0)
    monkeypatch.setattr(milp, "milp", _solver_reporting(0, 0.0, nodes=7))
    assert milp.solve(cfg, g, mode="bounds").evaluated == 14  # the lower and the upper model
    assert milp.solve(cfg, g, mode="exact").evaluated == 7
    monkeypatch.setattr(milp, "milp", _solver_reporting(0, 0.0, nodes=None))  # not reported
    assert milp.solve(cfg, g, mode="bounds").evaluated == 0
    assert milp.solve(cfg, g, mode="exact").evaluated == 0


def test_one_ru_has_no_interference_so_its_bounds_meet() -> None:
    # With one RU both bounds models' rates are the true ones: the certified bound is
    # the optimum itself.
    g = gains(ONE_RU, 0)
    optimum = esa.solve(ONE_RU, g).reward
    solution = milp.solve(ONE_RU, g, mode="bounds")
    assert solution.reward == pytest.approx(optimum, abs=1e-9)
    assert solution.bound == pytest.approx(optimum, rel=1e-6)


@pytest.mark.parametrize("n_rus", [5, 2], ids=["slots", "patterns"])
@pytest.mark.parametrize("rus", [(0, 0), (1, 1), (0, 1)],
                         ids=["first-ru", "second-ru", "two-rus"])
def test_bounds_meet_where_the_other_rus_are_out_of_reach(rus: tuple[int, int],
                                                         n_rus: int) -> None:
    # Each UE heard only by its own RU (-300 dB elsewhere): no interference under any
    # assumption, so both bounds models are exact and the bound is the optimum. Slots
    # (5 RUs): each RU offers G_k slots per class, no more and no fewer; patterns (2
    # RUs): the RUs of a pattern fill its RBGs together, so none gets extra RBGs (RU1,
    # second in the pattern {RU0, RU1}, is held only by the equal-count row).
    cfg = SlicingConfig(**{**WIDE.__dict__, "n_rus": n_rus})
    g = np.full((2, n_rus), -300.0)
    g[[0, 1], list(rus)] = [-80.0, -85.0]
    optimum = esa.solve(cfg, g).reward
    solution = milp.solve(cfg, g, mode="bounds")
    assert solution.reward == pytest.approx(optimum, abs=1e-9)
    assert solution.bound == pytest.approx(optimum, rel=1e-6, abs=0) and solution.exact


@pytest.mark.parametrize("above", [True, False])
def test_a_need_a_hair_above_the_best_rate_is_not_claimed_met(above: bool) -> None:
    # One UE alone, its best rate R*; a QoS need of R* (1 +- 1e-8). HiGHS's feasibility
    # tolerance (1e-6 by default) could call R* enough for R* (1 + 1e-8): the model asks
    # for the need plus a margin, so the MILP agrees with the twin on both sides.
    base = SlicingConfig(n_rus=1, n_ues=1, n_prbs=4, rbg_size=2, power_levels_db=(-3.0, 0.0),
                         slice_shares=(("embb", 1.0),), embb_min_rate_mbps=1e6,
                         theta_rate=0.05)
    g = np.array([[-90.0]])
    best = esa.solve(base, g).allocation
    rate = ue_rates(base, np.power(10.0, g / 10.0), best)[1][0]
    cfg = SlicingConfig(**{**base.__dict__,
                           "embb_min_rate_mbps": rate * (1 + 1e-8 if above else 1 - 1e-8)})
    optimum = esa.solve(cfg, g).reward
    assert optimum == pytest.approx(0.05 * rate + (0.0 if above else 1.0), abs=1e-12)
    solution = milp.solve(cfg, g, mode="exact")
    assert solution.exact and solution.reward == pytest.approx(optimum, abs=1e-12)
    assert solution.bound == pytest.approx(optimum, abs=1e-9)


@pytest.mark.parametrize("n_rus,model", [(2, "patterns"), (4, "patterns"), (5, "slots")])
def test_patterns_up_to_four_rus_then_slots(n_rus: int, model: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # The docstring's rule: activity patterns up to MAX_PATTERN_RUS = 4 RUs, with the
    # other RUs of a pattern at the top level for the lower model and at the lowest for
    # the upper one; beyond, per-RU slots under "worst" and "none".
    used: list[tuple[str, object]] = []
    pattern_rates, rates = milp.pattern_rates, milp._rates

    def patterns(*args):  # noqa: ANN002, ANN202
        used.append(("patterns", args[-1]))
        return pattern_rates(*args)

    def slots(*args):  # noqa: ANN002, ANN202
        used.append(("slots", args[-1]))
        return rates(*args)

    monkeypatch.setattr(milp, "pattern_rates", patterns)
    monkeypatch.setattr(milp, "_rates", slots)
    cfg = SlicingConfig(n_rus=n_rus, n_ues=2, n_prbs=4, rbg_size=2,
                        power_levels_db=(-3.0, 0.0, 3.0),
                        slice_shares=(("embb", 0.5), ("urllc", 0.5)),
                        embb_min_rate_mbps=4.0, urllc_min_rate_mbps=1.5, theta_rate=0.05)
    milp.solve(cfg, gains(cfg, 0), mode="bounds")
    expected = [("patterns", 2), ("patterns", 0)] if model == "patterns" else [
        ("slots", "worst"), ("slots", "none")]
    assert used == expected


@pytest.mark.parametrize("cfg,seed", [(TINY, 0), (TINY, 1), (WIDE, 0), (WIDE, 1)])
def test_the_bounds_model_returns_the_better_of_its_two_allocations(
        cfg: SlicingConfig, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    polished: list[float] = []

    def recording(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        alloc, reward = polish(*args, **kwargs)
        polished.append(reward)
        return alloc, reward

    monkeypatch.setattr(milp, "polish", recording)
    g = gains(cfg, seed)
    solution = milp.solve(cfg, g, mode="bounds")
    assert len(polished) == 2 and solution.reward == max(polished)
    assert evaluate(cfg, g, solution.allocation).reward == pytest.approx(max(polished), abs=1e-12)


@pytest.mark.parametrize("cfg,seed", [(TINY, 0), (TINY, 1), (TINY, 2), (MEDIUM, 3),
                                      (MEDIUM, 4)])
def test_exact_milp_equals_esa(cfg: SlicingConfig, seed: int) -> None:
    g = gains(cfg, seed)
    optimum = esa.solve(cfg, g)
    solution = milp.solve(cfg, g, mode="exact")
    assert solution.exact and solution.gap < 1e-6
    assert solution.reward == pytest.approx(optimum.reward, rel=1e-9, abs=1e-9)
    assert evaluate(cfg, g, solution.allocation).feasible


def test_exact_milp_equals_esa_with_the_lte_link_model() -> None:
    lte = SlicingConfig(**{**MEDIUM.__dict__, "link_model": "tr36942"})
    g = gains(lte, 8)
    assert milp.solve(lte, g, mode="exact").reward == pytest.approx(
        esa.solve(lte, g).reward, abs=1e-9)
    bounds = milp.solve(lte, g, mode="bounds")
    assert bounds.reward <= esa.solve(lte, g).reward + 1e-9 <= bounds.bound + 2e-9


@pytest.mark.parametrize("mode", ["exact", "bounds"])
def test_fixed_association(mode: str) -> None:
    fixed = SlicingConfig(**{**MEDIUM.__dict__, "fixed_association": True})
    g = gains(fixed, 9)
    optimum = esa.solve(fixed, g).reward
    solution = milp.solve(fixed, g, mode=mode)
    assert solution.allocation.association.tolist() == np.argmax(g, axis=1).tolist()
    if mode == "exact":
        assert solution.reward == pytest.approx(optimum, abs=1e-9)
    else:
        assert solution.reward <= optimum + 1e-9 <= solution.bound + 2e-9


def test_exact_milp_with_capacity_equals_esa() -> None:
    capped = SlicingConfig(**{**TINY.__dict__, "ru_capacity_mbps": 3.0})
    g = gains(capped, 7)
    assert milp.solve(capped, g, mode="exact").reward == pytest.approx(
        esa.solve(capped, g).reward, abs=1e-9)
    with pytest.raises(ValueError, match="ru_capacity_mbps"):
        milp.solve(capped, g, mode="bounds")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bounds_bracket_the_optimum(seed: int) -> None:
    g = gains(TINY, seed)
    optimum = esa.solve(TINY, g).reward
    solution = milp.solve(TINY, g, mode="bounds")
    assert evaluate(TINY, g, solution.allocation).feasible
    assert solution.reward <= optimum + 1e-9 <= solution.bound + 2e-9


@pytest.mark.parametrize("n_rus,solver_layout", [(2, "patterns"), (5, "slots")])
def test_bounds_model_beyond_esa(n_rus: int, solver_layout: str) -> None:
    # 2 RUs: activity-pattern model; 5 RUs (> MAX_PATTERN_RUS = 4): per-RU slots.
    # The default 3 x 25 size takes 10-20 s: figures in docs/slicing-solvers.md.
    cfg = SlicingConfig(n_rus=n_rus, n_ues=10)
    g = gains(cfg, 0)
    solution = milp.solve(cfg, g, mode="bounds", time_limit_s=20.0)
    assert solution.solver == "milp-bounds"
    result = evaluate(cfg, g, solution.allocation)
    assert result.feasible and result.reward == pytest.approx(solution.reward)
    assert solution.reward <= solution.bound
    assert 0.0 <= solution.gap < (0.2 if solver_layout == "patterns" else 0.5)


@pytest.mark.parametrize("seed", [0, 1])
def test_slot_model_brackets_the_optimum(seed: int) -> None:
    g = gains(WIDE, seed)
    optimum = esa.solve(WIDE, g).reward
    solution = milp.solve(WIDE, g, mode="bounds")
    result = evaluate(WIDE, g, solution.allocation)
    assert solution.solver == "milp-bounds" and result.feasible
    assert result.reward == pytest.approx(solution.reward, abs=1e-12)
    assert solution.reward <= optimum + 1e-9 <= solution.bound + 2e-9


def test_polish_climbs_to_the_budget() -> None:
    # One UE, one RU, 2 PRBs, levels x0.5 / x1 / x2. From nothing at x0.5: taking both
    # RBGs raises the rate, x1 raises it again (2 PRBs x 1 = budget), x2 would need 2x
    # the budget and is skipped.
    cfg = SlicingConfig(n_rus=1, n_ues=1, n_prbs=2, rbg_size=1,
                        power_levels_db=(-3.0103, 0.0, 3.0103), slice_shares=(("mmtc", 1.0),))
    gain_db = np.array([[-100.0]])
    empty = Allocation(np.array([0]), np.array([[-1, -1]]), np.array([0]))
    alloc, reward = polish(cfg, gain_db, empty)
    assert alloc.prb_owner.tolist() == [[0, 0]] and alloc.power_level.tolist() == [1]
    assert reward == pytest.approx(evaluate(cfg, gain_db, alloc).reward)
    assert reward > evaluate(cfg, gain_db, empty).reward


@pytest.mark.parametrize("seed", [0, 1])
def test_polish_never_loses_and_stays_below_the_optimum(seed: int) -> None:
    g = gains(TINY, seed)
    start = Allocation(np.array([0, 1, 0]), np.array([[0, 0, 2], [1, -1, 1]]),
                       np.array([0, 0, 0]))
    alloc, reward = polish(TINY, g, start)
    assert evaluate(TINY, g, alloc).feasible
    assert evaluate(TINY, g, start).reward <= reward <= esa.solve(TINY, g).reward + 1e-12

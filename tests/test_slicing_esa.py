"""ESA against plain brute force (every RBG map through the twin) on tiny instances."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from bridge.slicing import esa
from bridge.slicing.allocation import Allocation
from bridge.slicing.config import SlicingConfig
from bridge.slicing.twin import evaluate

# 3 UEs (1 eMBB, 1 URLLC, 1 mMTC), 2 RUs, 5 PRBs in RBGs of 2, 2, 1 (two RBG sizes),
# QoS scaled to a few PRBs so that it binds.
TINY = SlicingConfig(
    n_rus=2, n_ues=3, n_prbs=5, rbg_size=2, slice_shares=(("embb", 1 / 3), ("urllc", 1 / 3),
                                                           ("mmtc", 1 / 3)),
    power_levels_db=(-3.0, 3.0), embb_min_rate_mbps=4.0, urllc_min_rate_mbps=1.5,
    theta_rate=0.05,
)


def brute_force(cfg: SlicingConfig, gain_db: np.ndarray) -> float:
    """Best feasible twin reward over every association, RBG map and level vector."""
    best = -np.inf
    rbg_cells = cfg.n_rus * cfg.n_rbgs
    strongest = tuple(np.argmax(gain_db, axis=1).tolist())
    for assoc in product(range(cfg.n_rus), repeat=cfg.n_ues):
        if cfg.fixed_association and assoc != strongest:
            continue
        choices = [[-1, *(u for u in range(cfg.n_ues) if assoc[u] == r)]
                   for r in range(cfg.n_rus) for _ in range(cfg.n_rbgs)]
        assert len(choices) == rbg_cells
        for cells in product(*choices):
            owner = np.array(cells).reshape(cfg.n_rus, cfg.n_rbgs)
            for levels in product(range(cfg.n_levels), repeat=cfg.n_ues):
                result = evaluate(cfg, gain_db, Allocation(np.array(assoc), owner,
                                                           np.array(levels)))
                if result.feasible:
                    best = max(best, result.reward)
    return best


def random_gains(cfg: SlicingConfig, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-125.0, -85.0, (cfg.n_ues, cfg.n_rus))


def test_rbg_classes_and_candidate_count() -> None:
    assert [c.tolist() for c in esa.rbg_classes(TINY)] == [[0, 1], [2]]
    # associations of 3 UEs on 2 RUs: 2 with 3/0 (4 options: C(5,2)*4 = 40 multisets),
    # 6 with 2/1 (3*2 = 6 options: C(7,2)*6 = 126) -> 80 + 756 = 836, times 2^3 levels
    assert esa.candidate_count(TINY) == 836 * 8


@pytest.mark.parametrize("seed", [0, 1])
def test_esa_equals_brute_force(seed: int) -> None:
    gains = random_gains(TINY, seed)
    solution = esa.solve(TINY, gains)
    result = evaluate(TINY, gains, solution.allocation)
    assert result.feasible
    assert result.reward == pytest.approx(solution.reward, abs=1e-12)
    assert solution.exact and solution.gap == 0.0
    assert solution.reward == pytest.approx(brute_force(TINY, gains), abs=1e-9)


def test_esa_with_capacity_equals_brute_force() -> None:
    capped = SlicingConfig(**{**TINY.__dict__, "ru_capacity_mbps": 3.0})
    gains = random_gains(capped, 5)
    assert esa.solve(capped, gains).reward == pytest.approx(brute_force(capped, gains), abs=1e-9)
    assert esa.solve(capped, gains).reward < esa.solve(TINY, gains).reward


def test_esa_refuses_large_instances() -> None:
    with pytest.raises(ValueError, match="MILP"):
        esa.solve(SlicingConfig(), np.zeros((25, 3)))


def test_unserved_ues_are_canonical() -> None:
    # UE2 far from both RUs: a rate-only reward gives it nothing; it then sits on its
    # strongest RU (RU1) at the level closest to 0 dB (-3 and +3 tie: the first, index 0).
    cfg = SlicingConfig(**{**TINY.__dict__, "theta_const": 0.0})
    gains = np.array([[-80.0, -120.0], [-120.0, -80.0], [-200.0, -190.0]])
    solution = esa.solve(cfg, gains)
    assert 2 not in solution.allocation.prb_owner
    assert solution.allocation.association[2] == 1
    assert solution.allocation.power_level[2] == 0


def test_fixed_association_equals_brute_force() -> None:
    fixed = SlicingConfig(**{**TINY.__dict__, "fixed_association": True})
    gains = random_gains(fixed, 3)
    solution = esa.solve(fixed, gains)
    assert solution.allocation.association.tolist() == np.argmax(gains, axis=1).tolist()
    assert solution.reward == pytest.approx(brute_force(fixed, gains), abs=1e-9)
    assert solution.reward <= esa.solve(TINY, gains).reward + 1e-12

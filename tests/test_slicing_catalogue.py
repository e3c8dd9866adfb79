"""The Discrete catalogue and the two ActionWrappers over a stand-in env of the twin."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from bridge.slicing.allocation import Allocation, violations
from bridge.slicing.catalogue import Catalogue, rbg_counts
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import make_observation, native_action_space, observation_space
from bridge.slicing.twin import evaluate
from bridge.slicing.wrappers import CatalogueActionWrapper, UnifiedActionWrapper

# U=5 -> slices 2/2/1 (round-half-up(2.0)); G = 10 PRBs / 2 = 5 RBGs; LTE levels.
CFG = SlicingConfig(n_rus=2, n_ues=5, n_prbs=10, rbg_size=2)
# strongest RU: UE0 RU0, UE1 RU1, UE2 RU0, UE3 RU0, UE4 RU1
GAIN_DB = np.array([[-80, -100], [-100, -85], [-90, -95], [-92, -99], [-110, -90.0]])


def test_rbg_counts_largest_remainder() -> None:
    assert rbg_counts((0.4, 0.4, 0.2), 17) == (7, 7, 3)  # 6.8, 6.8, 3.4 -> 6,6,3 + 1,1
    assert rbg_counts((0.0, 0.5, 0.5), 5) == (0, 3, 2)   # tie 0.5/0.5 -> earlier slice
    assert rbg_counts((1.0, 0.0, 0.0), 17) == (17, 0, 0)


def test_catalogue_splits_and_size() -> None:
    cat = Catalogue(CFG, split_step=0.5)
    # grid (e, u) = (0,0),(0,.5),(0,1),(.5,0),(.5,.5),(1,0) over G = 5
    assert cat.splits == [(0, 0, 5), (0, 3, 2), (0, 5, 0), (3, 0, 2), (3, 2, 0), (5, 0, 0)]
    assert cat.n == 6 * 8
    assert Catalogue(SlicingConfig()).n == 66 * 8  # 66 triples on a 0.1 grid, all distinct
    with pytest.raises(ValueError, match="split_step"):
        Catalogue(CFG, split_step=0.3)


def test_catalogue_allocation_hand_worked() -> None:
    cat = Catalogue(CFG, split_step=0.5)
    # split 3 = (3, 0, 2), level 7 (+3 dB): eMBB RBGs 0-2, mMTC RBGs 3-4.
    alloc = cat.allocation(3 * 8 + 7, GAIN_DB)
    assert alloc.association.tolist() == [0, 1, 0, 0, 1]
    assert alloc.prb_owner.tolist() == [[0, 0, 0, -1, -1], [1, 1, 1, 4, 4]]
    # RU0: UE0 6 PRBs x 1.995 = 11.97 > 10 -> level 6 (x1.585: 9.51). RU1: UE1 (6 PRBs)
    # and UE4 (4 PRBs) step down in turn, 7->6->5->4, until 6 x 1 + 4 x 1 = 10 fits.
    assert alloc.power_level.tolist() == [6, 4, 7, 7, 4]
    assert not violations(CFG, alloc)
    # split 4 = (3, 2, 0): URLLC RBGs 3-4 round robin over RU0's URLLC UEs 2, 3.
    alloc = cat.allocation(4 * 8 + 0, GAIN_DB)
    assert alloc.prb_owner.tolist() == [[0, 0, 0, 2, 3], [1, 1, 1, -1, -1]]
    with pytest.raises(ValueError, match=r"outside \[0, 47\]"):
        cat.allocation(48, GAIN_DB)


def test_nearest_returns_every_catalogue_action_it_is_given() -> None:
    cat = Catalogue(CFG, split_step=0.5)
    for split in range(len(cat.splits)):  # level 0: low enough that no power is repaired
        assert cat.nearest(cat.allocation(split * 8, GAIN_DB)) == split * 8


def test_nearest_of_a_per_ue_allocation_hand_worked() -> None:
    cat = Catalogue(CFG, split_step=0.5)
    # RU0: eMBB UE0 1 RBG, URLLC UE2 2 and UE3 2; RU1: eMBB UE1 4 RBGs, mMTC UE4 1.
    # Per slice over the RUs serving it: eMBB (1 + 4) / 2 = 2.5, URLLC 4, mMTC 1; L1 to
    # the splits: 10.5, 4.5, 4.5, 5.5, 3.5, 7.5 -> split 4 (3, 2, 0); levels 5, 5, 2, 3, 5.
    alloc = Allocation(np.array([0, 1, 0, 0, 1]), np.array([[0, 2, 2, 3, 3], [1, 1, 1, 1, 4]]),
                       np.array([5, 5, 2, 3, 5]))
    assert cat.nearest(alloc) == 4 * 8 + 5


class TwinStandIn(gym.Env):
    """The native action in, twin figures out: enough to drive the wrappers."""

    def __init__(self, cfg: SlicingConfig, gain_db: np.ndarray):
        self.cfg, self.gain_db = cfg, gain_db
        self.observation_space = observation_space(cfg)
        self.action_space = native_action_space(cfg)
        self.received: list[dict[str, np.ndarray]] = []

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        return make_observation(self.cfg, self.gain_db), {}

    def step(self, action: dict[str, np.ndarray]) -> tuple[Any, float, bool, bool, dict]:
        assert self.action_space.contains(action)
        self.received.append(action)
        result = evaluate(self.cfg, self.gain_db, Allocation.from_native(action))
        obs = make_observation(self.cfg, self.gain_db, result.qos_ok, result.rate_mbps)
        return obs, result.reward, False, False, {"feasible": result.feasible}


def test_catalogue_wrapper_reads_gains_from_the_observation() -> None:
    env = CatalogueActionWrapper(TwinStandIn(CFG, GAIN_DB), CFG, split_step=0.5)
    assert env.action_space == gym.spaces.Discrete(48)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    env.reset(seed=1)
    _, reward, _, _, info = env.step(np.int64(3 * 8 + 7))
    assert info["feasible"]
    sent = env.unwrapped.received[-1]  # type: ignore[attr-defined]
    assert sent["prb_owner"].tolist() == [[0, 0, 0, -1, -1], [1, 1, 1, 4, 4]]
    assert sent["power_level"].dtype == np.int32
    assert float(reward) == pytest.approx(
        evaluate(CFG, GAIN_DB, env.catalogue.allocation(31, GAIN_DB)).reward)


def test_unified_wrapper_sends_feasible_native_actions() -> None:
    env = UnifiedActionWrapper(TwinStandIn(CFG, GAIN_DB), CFG)
    env.reset(seed=0)
    env.action_space.seed(0)
    for _ in range(50):
        _, _, _, _, info = env.step(env.action_space.sample())
        assert info["feasible"]
    with pytest.raises(ValueError, match="does not match"):
        UnifiedActionWrapper(TwinStandIn(CFG, GAIN_DB), SlicingConfig())

"""The oran-slicing baselines' own rules (agents/baselines/slicing.py), without ns-3."""

from __future__ import annotations

import dataclasses
from itertools import product
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from agents.baselines.slicing import (
    EsaAgent,
    MaxSinrAgent,
    MilpAgent,
    Ns3PfAgent,
    Ns3RrAgent,
    TwinSearchAgent,
    equal_split,
    esa_worst_case,
    slicing_config,
)
from bridge.scenarios import get_scenario
from bridge.slicing import esa
from bridge.slicing.config import LTE_PA_DB, SlicingConfig
from bridge.slicing.params import config_for

SMALL = SlicingConfig(n_ues=3, n_rus=2, n_prbs=6, rbg_size=2,
                      power_levels_db=(-6.0, -3.0, 0.0))


def env_with(cfg: SlicingConfig) -> Any:
    return SimpleNamespace(cfg=cfg)  # all an agent reads of an env with a config


def test_the_config_comes_from_the_wrapper_or_from_the_programs_parameters() -> None:
    assert slicing_config(env_with(SMALL)) is SMALL
    params = get_scenario("oran-slicing").resolve({"nUes": 3, "nRus": 1})
    native: Any = SimpleNamespace(unwrapped=SimpleNamespace(params=params))
    assert slicing_config(native) == config_for(params)
    for other in ({"pairs": 8}, None):
        env: Any = SimpleNamespace(unwrapped=SimpleNamespace(params=other))
        with pytest.raises(TypeError, match="oran-slicing scenario only"):
            slicing_config(env)


def test_equal_split_deals_each_rus_rbgs_in_turn() -> None:
    cfg = SlicingConfig(n_ues=4, n_rus=3, n_prbs=9, rbg_size=2)  # 5 RBGs
    owner = equal_split(cfg, np.array([1, 0, 1, 1]))
    # RU0: UE1 alone; RU1: UEs 0, 2, 3 in turn; RU2: nobody
    assert owner.tolist() == [[1] * 5, [0, 2, 3, 0, 2], [-1] * 5]


def test_max_sinr_keeps_the_top_level_when_the_budget_allows_it() -> None:
    # Top level 0 dB: 50 PRBs x 1 is exactly P_max, so nobody steps down
    cfg = SlicingConfig(n_ues=2, n_rus=1, power_levels_db=(-3.0, 0.0))
    alloc = MaxSinrAgent(env_with(cfg)).allocate(np.array([[-80.0], [-90.0]]))
    assert alloc.power_level.tolist() == [1, 1]
    assert alloc.association.tolist() == [0, 0]


def test_esa_worst_case_is_the_largest_count_over_every_drop() -> None:
    assert esa_worst_case(SMALL) == esa.candidate_count(SMALL)
    fixed = SlicingConfig(**{**SMALL.__dict__, "fixed_association": True})
    # with every UE on its strongest RU, a drop's count depends only on which RU is
    # strongest for each UE: the worst case is the largest over those R^U choices
    counts = [esa._fixed_count(fixed, np.array(strongest))
              for strongest in product(range(fixed.n_rus), repeat=fixed.n_ues)]
    assert esa_worst_case(fixed) == max(counts)
    assert len(set(counts)) > 1  # the choices differ: min would not do


def test_esa_agent_takes_a_network_at_its_limit_and_refuses_one_over() -> None:
    limit = esa_worst_case(SMALL)
    agent = EsaAgent(env_with(SMALL), max_candidates=limit)
    gains = np.array([[-80.0, -95.0], [-92.0, -84.0], [-88.0, -87.0]])
    assert agent.cfg is SMALL
    optimum = esa.solve(SMALL, gains).allocation
    assert agent.allocate(gains).prb_owner.tolist() == optimum.prb_owner.tolist()
    with pytest.raises(ValueError, match="ESA_MAX_CANDIDATES"):
        EsaAgent(env_with(SMALL), max_candidates=limit - 1)


def test_milp_agent_solves_again_only_past_resolve_db() -> None:
    agent = MilpAgent(env_with(SMALL), link_model="shannon")  # resolve_db = 1 dB
    gains = np.array([[-80.0, -95.0], [-92.0, -84.0], [-88.0, -87.0]])
    agent.allocate(gains)
    moved = gains.copy()
    moved[1, 0] += 1.0  # exactly 1 dB: still the same network
    agent.allocate(moved)
    assert agent.solves == 1
    moved[1, 0] += 0.5  # 1.5 dB from the gains it was solved for
    agent.allocate(moved)
    assert agent.solves == 2
    assert np.array_equal(agent._solved_for, moved)


@pytest.mark.parametrize("bad", [{"time_limit_s": float("nan")}, {"time_limit_s": -1.0},
                                 {"resolve_db": float("inf")}, {"resolve_db": -0.1}])
def test_milp_agent_refuses_bad_settings(bad: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        MilpAgent(env_with(SMALL), **bad)


def test_milp_agent_accepts_resolve_db_zero_and_short_time_limits() -> None:
    agent = MilpAgent(env_with(SMALL), time_limit_s=0.5, resolve_db=0.0)
    assert (agent.time_limit_s, agent.resolve_db, agent.solves) == (0.5, 0.0, 0)
    assert agent.cfg.n_ues == SMALL.n_ues and agent.solution is None


@pytest.mark.parametrize("agent_class,scheduler", [(Ns3PfAgent, "pf"), (Ns3RrAgent, "rr")])
def test_stock_scheduler_agents_send_a_neutral_action(agent_class: Any, scheduler: str) -> None:
    cfg = SlicingConfig(n_ues=3, n_rus=2)
    alloc = agent_class(env_with(cfg)).allocate(
        np.array([[-80.0, -90.0], [-95.0, -85.0], [-70.0, -100.0]]))
    assert agent_class.scenario_params == {"scheduler": scheduler}
    assert alloc.association.tolist() == [0, 1, 0]  # where each UE attaches: its strongest
    assert np.all(alloc.prb_owner == -1)  # no RBG map: the stock scheduler decides
    assert [LTE_PA_DB[level] for level in alloc.power_level] == [0.0, 0.0, 0.0]  # P_A 0 dB


def test_the_documented_limits_and_defaults() -> None:
    # docs/slicing-agents.md: ESA refuses worst cases over ESA_MAX_CANDIDATES = 5·10⁶; the
    # MILP agent solves again past resolve_db = 1 dB, each MILP within time_limit_s = 8 s
    from agents.baselines.slicing import ESA_MAX_CANDIDATES

    assert ESA_MAX_CANDIDATES == 5_000_000
    agent = MilpAgent(env_with(SMALL))
    assert (agent.resolve_db, agent.time_limit_s) == (1.0, 8.0)
    # ...and its examples with the program's 8 P_A levels: 3 UEs on 1 O-RU (2.0·10⁶) fit,
    # 4 UEs on 1 (9.9·10⁷) do not
    EsaAgent(env_with(SlicingConfig(n_ues=3, n_rus=1)))
    with pytest.raises(ValueError, match="ESA_MAX_CANDIDATES"):
        EsaAgent(env_with(SlicingConfig(n_ues=4, n_rus=1)))


def test_the_twin_one_step_reward_is_a_steps_reward_from_empty_queues() -> None:
    """Without mMTC UEs (whose Poisson arrivals the score replaces by their mean) the
    score of an action equals the reward of stepping it from a fresh drop, and reading
    it changes nothing of the env's state."""
    from bridge.slicing import greedy
    from bridge.slicing.layout import gains_from_observation
    from bridge.slicing.twin_env import OranSlicingTwinEnv

    env = OranSlicingTwinEnv({"maxSteps": 3, "embbShare": 0.5, "urllcShare": 0.5,
                              "mmtcShare": 0.0})
    obs, _ = env.reset(seed=4)
    gain_db = gains_from_observation(obs, env.cfg)
    for action in (greedy.allocate(env.cfg, gain_db).to_native(),
                   MaxSinrAgent(env_with(env.cfg)).allocate(gain_db).to_native()):
        score = env.one_step_reward(gain_db, action)
        assert env.one_step_reward(gain_db, action) == score
        fresh = OranSlicingTwinEnv(env.params)
        fresh.reset(seed=4)
        # the observation carries the drop's gains in float32
        assert fresh.step(action)[1] == pytest.approx(score, rel=1e-7)
    assert env._steps == 0 and not env._queue.any()
    with pytest.raises(ValueError, match=r"gain_db: shape \(2, 3\), expected \(25, 3\)"):
        env.one_step_reward(gain_db[:2], action)


def test_twin_search_raises_the_twins_reward_over_its_starting_point() -> None:
    """On every drop twin-search's allocation scores at least qos-greedy's in the twin,
    and on most more; an O-RU of the decoded allocation never exceeds its budget."""
    from bridge.slicing import greedy
    from bridge.slicing.allocation import violations
    from bridge.slicing.layout import gains_from_observation
    from bridge.slicing.twin_env import OranSlicingTwinEnv

    env = OranSlicingTwinEnv({"maxSteps": 1})
    native: Any = SimpleNamespace(unwrapped=env)
    agent = TwinSearchAgent(native, sweeps=1)
    gains = 0
    for seed in range(4):
        obs, _ = env.reset(seed=seed)
        gain_db = gains_from_observation(obs, env.cfg)
        start = env.one_step_reward(gain_db, greedy.allocate(env.cfg, gain_db).to_native())
        alloc = agent.allocate(gain_db)
        searched = env.one_step_reward(gain_db, alloc.to_native())
        assert searched >= start - 1e-12
        gains += searched > start + 0.01
        assert not [v for v in violations(env.cfg, alloc) if "power" in v]
    assert gains >= 3
    with pytest.raises(ValueError, match="sweeps must be >= 1, got 0"):
        TwinSearchAgent(native, sweeps=0)
    with pytest.raises(ValueError, match="SlicingConfig fields given beside them"):
        TwinSearchAgent(SimpleNamespace(cfg=dataclasses.replace(env.cfg, n_prbs=25),
                                        unwrapped=env))
    with pytest.raises(TypeError, match="oran-slicing scenario only"):
        TwinSearchAgent(SimpleNamespace(cfg=env.cfg, unwrapped=SimpleNamespace()))

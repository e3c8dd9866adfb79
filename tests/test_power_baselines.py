"""The interference scenario's power baselines (full power, WMMSE) and the random agent."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces

import agents.baselines.power as power
from agents.baselines import RandomAgent
from agents.baselines.power import FullPower, WmmsePower
from agents.baselines.wmmse import wmmse
from bridge.scenarios import get_scenario
from bridge.twins.interference import (
    InterferenceConfig,
    config_from_params,
    drop_network,
    gains_from_observation,
    normalise_gains,
)

PARAMS = get_scenario("interference").resolve()
CONFIG = config_from_params(PARAMS)  # Pmax 10 mW, noise -174 dBm/Hz over 10 MHz
HIGH_MW = 10.0
ACTIONS = spaces.Box(0.0, HIGH_MW, (CONFIG.pairs,), np.float32)


def observation(gains: np.ndarray) -> dict[str, np.ndarray]:
    """What the scenario observes of a network: its normalised gains, as float32."""
    return {"gains": normalise_gains(gains, CONFIG.pmax_w, CONFIG.noise_w).astype(np.float32)}


def test_full_power_is_the_top_of_the_action_space_every_time() -> None:
    agent = FullPower(spaces.Box(0.0, np.array([10.0, 5.0, 2.5], np.float32), (3,), np.float32))
    action, state = agent.predict(None)
    assert action.tolist() == [10.0, 5.0, 2.5] and action.dtype == np.float32
    assert state is None
    action[:] = 0.0  # the caller's copy: the next action is full power again
    assert agent.predict(None)[0].tolist() == [10.0, 5.0, 2.5]


def test_wmmse_power_is_wmmse_on_the_observed_gains_in_mw() -> None:
    gains = drop_network(CONFIG, np.random.default_rng(0)).gains
    obs = observation(gains)
    agent = WmmsePower(ACTIONS, PARAMS)
    action, state = agent.predict(obs)
    # WMMSE with its own defaults (this network needs more than its 100 iterations, so
    # another cap would give other powers), in W on the gains the observation carries
    expected_w = wmmse(gains_from_observation(obs["gains"], 0.01, CONFIG.noise_w), 0.01,
                       CONFIG.noise_w)
    assert state is None and action.dtype == np.float32
    np.testing.assert_allclose(action, 1e3 * expected_w, rtol=1e-6, atol=1e-30)
    assert np.all(action <= HIGH_MW) and np.any(action < 0.9 * HIGH_MW)  # some pair backs off


def test_wmmse_power_never_exceeds_the_action_space() -> None:
    # An action space whose top is below Pmax (4 mW instead of 10): WMMSE's full-power
    # pairs are cut to it, the others keep their power.
    gains = drop_network(CONFIG, np.random.default_rng(0)).gains
    obs = observation(gains)
    full = WmmsePower(ACTIONS, PARAMS).predict(obs)[0]
    capped = WmmsePower(spaces.Box(0.0, 4.0, (CONFIG.pairs,), np.float32), PARAMS).predict(obs)[0]
    np.testing.assert_array_equal(capped, np.minimum(full, np.float32(4.0)))
    assert np.any(full > 4.0) and np.any(full < 4.0)


def test_wmmse_power_solves_once_per_network(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[np.ndarray] = []

    def counting(gains, *args):  # noqa: ANN001, ANN202
        calls.append(gains)
        return wmmse(gains, *args)

    monkeypatch.setattr(power, "wmmse", counting)
    agent = WmmsePower(ACTIONS, PARAMS)
    rng = np.random.default_rng(1)
    first, second = (observation(drop_network(CONFIG, rng).gains) for _ in range(2))
    a = agent.predict(first)[0]
    a[:] = -1.0  # the caller's copy
    np.testing.assert_array_equal(agent.predict(first)[0], agent.predict(first)[0])
    assert agent.predict(first)[0].min() >= 0 and len(calls) == 1
    b = agent.predict(second)[0]
    assert len(calls) == 2 and not np.array_equal(b, agent.predict(first)[0])
    assert len(calls) == 3  # back to the first network: solved again


def test_wmmse_power_reads_the_scenarios_parameters() -> None:
    agent = WmmsePower(ACTIONS, {**PARAMS, "pmaxMw": 20.0, "noiseDbmHz": -170.0})
    assert agent.pmax_w == pytest.approx(0.02)
    assert agent.noise_w == pytest.approx(InterferenceConfig(noise_dbm_hz=-170.0).noise_w,
                                          rel=1e-12, abs=0)


def test_random_agent_is_reproducible_per_seed_and_stays_in_its_space() -> None:
    def actions(seed: int) -> np.ndarray:
        agent = RandomAgent(spaces.Box(-1.0, 1.0, (4,), np.float32), seed=seed)
        return np.array([agent.predict(None)[0] for _ in range(5)])

    same = actions(3)
    np.testing.assert_array_equal(same, actions(3))
    assert not np.array_equal(same, actions(4))
    assert np.all((same >= -1.0) & (same <= 1.0)) and len(np.unique(same)) == same.size

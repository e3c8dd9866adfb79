"""The real ns-3 interference scenario through the bridge, against its twin."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import bridge  # noqa: F401 - registers the env ids
from bridge.envs import ScenarioEnv
from bridge.errors import SimulatorCrashed
from bridge.twins.interference import gains_from_observation, shannon_rates

SMALL = {"pairs": 3, "maxSteps": 6, "warmupMs": 30}


@pytest.fixture()
def program():
    from tests.conftest import program as find

    return find("ran-gym-interference")


def rollout(env, seed, powers_mw, steps):
    obs, info = env.reset(seed=seed)
    first = (obs, info)
    rates, infos = [], []
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(np.asarray(powers_mw, np.float32))
        rates.append(info["rates"])
        infos.append(info)
    return first, np.array(rates), infos


def test_gym_make_spaces_and_check_env(program):
    env = gym.make("RanGym/Interference-v0", params=SMALL)
    try:
        space = env.observation_space
        assert space["gains"].shape == (3, 3) and space["rates"].shape == (3,)
        assert env.action_space == gym.spaces.Box(0, 10, (3,), np.float32)
        check_env(env.unwrapped, skip_render_check=True)
    finally:
        env.close()


def test_observation_gains_invert_to_the_reported_gains(program):
    with ScenarioEnv("interference", SMALL) as env:
        obs, info = env.reset(seed=5)
        gains = np.array(info["gains"]).reshape(3, 3)
        recovered = gains_from_observation(obs["gains"], info["pmax_w"], info["noise_w"])
        assert recovered == pytest.approx(gains, rel=1e-5)
        assert info["noise_w"] == pytest.approx(10 ** (-17.4) / 1e3 * 10e6)  # -104 dBm
        assert np.all(obs["rates"] == 0)  # state 0 reports no rates


def test_equal_seeds_give_identical_trajectories(program):
    with ScenarioEnv("interference", SMALL) as env:
        a = rollout(env, 7, [10, 5, 1], 5)
        b = rollout(env, 7, [10, 5, 1], 5)
        c = rollout(env, 8, [10, 5, 1], 5)
    assert np.array_equal(a[1], b[1]) and a[2] == b[2]
    assert a[0][1]["gains"] != c[0][1]["gains"]


def test_rate_falls_when_a_neighbour_power_rises(program):
    # Two pairs in a 32 m square without shadowing: each Rx hears the other Tx strongly.
    params = {"pairs": 2, "density": 2000, "minTxDistM": 5, "shadowingDb": 0,
              "maxSteps": 12, "warmupMs": 30}
    with ScenarioEnv("interference", params) as env:
        _, quiet, infos = rollout(env, 3, [10, 0], 12)
        _, loud, _ = rollout(env, 3, [10, 10], 12)
    fading = np.array([i["fading"] for i in infos]).reshape(-1, 2, 2)
    gains = np.array(env_gains(params, 3)).reshape(2, 2) * fading
    twin_quiet = shannon_rates(gains, np.array([0.01, 1e-15]), 10 ** (-17.4) / 1e3 * 10e6)
    twin_loud = shannon_rates(gains, np.array([0.01, 0.01]), 10 ** (-17.4) / 1e3 * 10e6)
    assert twin_quiet[2:, 0].mean() > twin_loud[2:, 0].mean() + 1  # the drop interferes
    assert quiet[2:, 0].mean() > loud[2:, 0].mean() + 0.3         # and ns-3 sees it
    assert quiet[2:, 1].max() == 0  # a silent pair delivers nothing


def env_gains(params, seed):
    with ScenarioEnv("interference", params) as env:
        _, info = env.reset(seed=seed)
        return info["gains"]


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_ns3_rates_track_the_twin(program, seed):
    """Documented band (docs/scenarios/interference.md): per pair, the mean ns-3 rate over
    15 steps at full power lies between 0.15 x and 0.5 x the twin's Shannon rate (LTE
    overheads, MCS table, CQI lag), and under the 64QAM ceiling of 3.6 bit/s/Hz."""
    params = {"pairs": 4, "maxSteps": 16, "warmupMs": 30}
    with ScenarioEnv("interference", params) as env:
        first, rates, infos = rollout(env, seed, [10] * 4, 16)
    info0 = first[1]
    gains = np.array(info0["gains"]).reshape(4, 4)
    fading = np.array([i["fading"] for i in infos]).reshape(-1, 4, 4)
    twin = shannon_rates(gains * fading, np.full(4, 0.01), info0["noise_w"])
    ns3, shannon = rates[1:].mean(0), twin[1:].mean(0)
    assert np.all(ns3 <= np.minimum(0.5 * shannon, 3.6) + 0.05), (ns3, shannon)
    assert np.all(ns3 >= 0.15 * shannon - 0.05), (ns3, shannon)
    # and the order of the pairs is the twin's where they differ clearly
    clear = np.abs(shannon[:, None] - shannon[None, :]) > 1.5
    same_order = (ns3[:, None] > ns3[None, :]) == (shannon[:, None] > shannon[None, :])
    assert np.all(same_order | ~clear)


@pytest.mark.parametrize("params, message", [
    ({"pairs": 0}, "pairs"), ({"pmaxMw": 0}, "pmaxMw"), ({"density": 0}, "density"),
])
def test_bad_parameters_are_refused_before_start(params, message):
    with pytest.raises(ValueError, match=message):
        ScenarioEnv("interference", params)


def test_impossible_drop_is_a_clear_error(program):
    with pytest.raises(SimulatorCrashed, match="impossible drop"):
        ScenarioEnv("interference", {"pairs": 40, "density": 1e5, "dropTries": 20})


def test_bad_actions_are_refused(program):
    with ScenarioEnv("interference", SMALL) as env:
        env.reset(seed=1)
        for bad in ([11, 0, 0], [-1, 0, 0], [np.nan, 0, 0], [1, 1]):
            with pytest.raises(ValueError):
                env.step(np.asarray(bad, np.float32))
        _, _, _, _, info = env.step(np.array([1, 2, 3], np.float32))
        assert info["power_w"] == pytest.approx([0.001, 0.002, 0.003])


def test_fifty_pairs(program):
    params = {"pairs": 50, "maxSteps": 2, "warmupMs": 20}
    with ScenarioEnv("interference", params) as env:
        obs, info = env.reset(seed=2)
        assert obs["gains"].shape == (50, 50) and len(info["tx_xy"]) == 100
        _, _, _, truncated, info = env.step(np.full(50, 10, np.float32))
        _, _, _, truncated, info = env.step(np.full(50, 10, np.float32))
        assert truncated and len(info["rates"]) == 50 and max(info["rates"]) > 0.5

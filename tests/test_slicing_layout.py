"""The contract with the ns-3 program: sizes, offsets, gain scaling, slices; and the real
program driven through the two ActionWrappers."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.scenarios import SCENARIOS
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import (
    gain_db_from_norm,
    gains_from_observation,
    make_observation,
    native_action_space,
    norm_from_gain_db,
    observation_size,
    observation_slices,
    split_observation,
)
from tests.conftest import program

DEFAULT = SlicingConfig()


def test_observation_offsets_at_the_defaults() -> None:
    # qos 25 | gains 75 | throughput 25 | delay 25 | queues 3 = 153
    assert observation_size(DEFAULT) == 153
    where = observation_slices(DEFAULT)
    assert where["gain_db_norm"] == slice(25, 100)
    assert where["throughput_mbps"] == slice(100, 125)
    assert where["slice_queue_bytes"] == slice(150, 153)


def test_gain_scaling_and_split() -> None:
    # (-120 + 120) / 40 = 0; (-80 + 120) / 40 = 1; (-140 + 120) / 40 = -0.5
    np.testing.assert_allclose(norm_from_gain_db([-120.0, -80.0, -140.0]), [0, 1, -0.5])
    np.testing.assert_allclose(gain_db_from_norm([0.0, 1.0, -0.5]), [-120, -80, -140])
    cfg = SlicingConfig(n_rus=2, n_ues=3)
    gains = np.array([[-70.0, -100.0], [-90.0, -95.5], [-130.0, -85.25]])
    obs = make_observation(cfg, gains, throughput_mbps=[1, 2, 3], slice_queue_bytes=[7, 8, 9])
    assert obs.dtype == np.float32 and obs.shape == (3 * 3 + 6 + 3,)
    # u-major: UE0's two gains first
    assert obs[3:5].tolist() == [np.float32(1.25), np.float32(0.5)]
    parts = split_observation(obs, cfg)
    np.testing.assert_allclose(gains_from_observation(obs, cfg), gains, atol=1e-4)
    assert parts["throughput_mbps"].tolist() == [1, 2, 3]
    assert parts["slice_queue_bytes"].tolist() == [7, 8, 9]
    with pytest.raises(ValueError, match="expected 18"):
        split_observation(obs[:-1], cfg)


@pytest.mark.parametrize("n_ues,counts", [(25, (10, 10, 5)), (3, (1, 1, 1)), (7, (3, 3, 1)),
                                          (1, (0, 0, 1)), (5, (2, 2, 1))])
def test_slice_of_each_ue(n_ues: int, counts: tuple[int, int, int]) -> None:
    # round half up: U=7 -> floor(2.8 + 0.5) = 3; U=1 -> floor(0.9) = 0 eMBB, 0 URLLC
    cfg = SlicingConfig(n_ues=n_ues)
    assert cfg.slice_counts == counts
    assert cfg.ue_slice.tolist() == [0] * counts[0] + [1] * counts[1] + [2] * counts[2]


def test_native_action_space() -> None:
    space = native_action_space(DEFAULT)
    assert list(space.spaces) == ["association", "prb_owner", "power_level"]
    assert space["prb_owner"].shape == (3, 17) and space["prb_owner"].low.min() == -1
    assert space["power_level"].high.max() == 7 and space["association"].high.max() == 2


def test_defaults_agree_with_the_ns3_registration() -> None:
    spec = SCENARIOS.get("oran-slicing")
    if spec is None:
        pytest.skip("the oran-slicing scenario is not registered")
    params = {p.name: p.default for p in spec.params}
    assert (params["nRus"], params["nUes"]) == (DEFAULT.n_rus, DEFAULT.n_ues)
    shares = dict(DEFAULT.slice_shares)
    assert (params["embbShare"], params["urllcShare"], params["mmtcShare"]) == \
        (shares["embb"], shares["urllc"], shares["mmtc"])
    assert params["ruPowerDbm"] == DEFAULT.ru_power_dbm
    assert params["noiseFigureDb"] == DEFAULT.noise_figure_db
    assert params["embbMinMbps"] == DEFAULT.embb_min_rate_mbps
    assert params["urllcMinMbps"] == DEFAULT.urllc_min_rate_mbps
    assert params["urllcMaxDelayMs"] == DEFAULT.urllc_max_delay_ms
    assert (params["thetaRate"], params["thetaConst"], params["thetaBias"]) == \
        (DEFAULT.theta_rate, DEFAULT.theta_const, DEFAULT.theta_bias)


def test_real_program_through_both_wrappers() -> None:
    if "oran-slicing" not in SCENARIOS:
        pytest.skip("the oran-slicing scenario is not registered")
    from bridge.envs import ScenarioEnv
    from bridge.slicing.wrappers import CatalogueActionWrapper, UnifiedActionWrapper

    program("ran-gym-oran-slicing")
    cfg = SlicingConfig(n_rus=2, n_ues=4)
    params = {"nRus": 2, "nUes": 4, "maxSteps": 3}
    for wrap in (UnifiedActionWrapper, CatalogueActionWrapper):
        env = wrap(ScenarioEnv("oran-slicing", params), cfg)
        try:
            obs, _ = env.reset(seed=3)
            gains = gains_from_observation(obs, cfg)
            assert np.all((gains < -40) & (gains > -250))  # path loss of a real drop
            env.action_space.seed(0)
            _, reward, *_ = env.step(env.action_space.sample())
            assert np.isfinite(float(reward))
        finally:
            env.close()

"""SS-VAE: it learns a state -> action map, and a saved agent acts as the original."""

import numpy as np
import pytest

from agents.ssvae import SsVaeAgent, SsVaeConfig
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import observation_space
from bridge.slicing.unified import unified_space

CFG = SlicingConfig(n_ues=2, n_rus=1)


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Observations whose first entry decides the sign of every action entry."""
    rng = np.random.default_rng(seed)
    obs = rng.normal(size=(n, observation_space(CFG).shape[0])).astype(np.float32)
    sign = np.where(obs[:, :1] > 0, 1.0, -1.0)
    return obs, np.repeat(0.8 * sign, unified_space(CFG).shape[0], axis=1).astype(np.float32)


def _agent(seed: int = 0) -> SsVaeAgent:
    return SsVaeAgent(observation_space(CFG), unified_space(CFG),
                      SsVaeConfig(hidden=32, latent=4, batch_size=32), seed=seed)


def test_learns_the_labelled_map_with_unlabelled_states() -> None:
    obs, labels = _data(64, 1)
    unlabelled, _ = _data(128, 2)
    test_obs, test_labels = _data(64, 3)
    agent = _agent()
    before = np.mean((agent.predict(test_obs)[0] - test_labels) ** 2)  # ~0.64: outputs ~0
    losses: list[float] = []
    agent.fit(obs, labels, unlabelled, 150, lambda a, row: losses.append(row["label_mse"]))
    assert agent.num_updates == 150
    action, _ = agent.predict(test_obs)
    assert action.shape == test_labels.shape
    # held-out states: the fitted regressor has learnt the sign (measured MSE ~0.2)
    assert np.mean((action - test_labels) ** 2) < 0.5 * before
    assert np.mean(losses[-20:]) < 0.5 * np.mean(losses[:20])


def test_save_load_gives_identical_actions(tmp_path) -> None:
    obs, labels = _data(32, 4)
    agent = _agent(seed=5).fit(obs, labels, obs[:0], 30)
    path = agent.save(tmp_path / "ss-vae.pt")
    loaded = SsVaeAgent.load(path)
    for row in obs[:5]:
        a, _ = agent.predict(row)
        b, _ = loaded.predict(row)
        assert a.shape == (unified_space(CFG).shape[0],)
        np.testing.assert_array_equal(a, b)
    # training goes on identically too: same optimiser, normaliser and generator
    agent.fit(obs, labels, obs[:0], 5)
    loaded.fit(obs, labels, obs[:0], 5)
    np.testing.assert_array_equal(agent.predict(obs)[0], loaded.predict(obs)[0])


def test_bad_settings_are_named() -> None:
    with pytest.raises(ValueError, match="beta"):
        SsVaeConfig(beta=-1.0)
    with pytest.raises(ValueError, match="no labelled"):
        _agent().fit(np.zeros((0, 11), np.float32), np.zeros((0, 20), np.float32),
                     np.zeros((0, 11), np.float32), 1)

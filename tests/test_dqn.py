"""SB3's DQN through ran-gym: trains on the slicing scenario's Discrete catalogue in
ns-3, checkpoints completely, and resumes."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces

from agents.dqn import DqnAgent, DqnConfig
from bridge.envs import ScenarioEnv
from ran_gym.cli import main
from ran_gym.train.dqn import RateLevels, make_env
from tests.conftest import program


def test_train_and_resume_on_oran_slicing(tmp_path):
    program("ran-gym-oran-slicing")
    args = ["train", "--scenario", "oran-slicing", "--agent", "dqn", "--out", str(tmp_path),
            "--param", "n_ues=4", "--param", "n_rus=2", "--param", "maxSteps=10",
            "--device", "cpu"]
    assert main([*args, "--iterations", "40"]) == 0
    env = make_env("oran-slicing", {"n_ues": "4", "n_rus": "2", "maxSteps": "10"})
    try:
        agent = DqnAgent.load(tmp_path / "dqn.zip", env, device="cpu")
        assert agent.model.num_timesteps == 40 and agent.model.replay_buffer.size() == 40
        obs, _ = env.reset(seed=3)
        action, _ = agent.predict(obs)
        assert env.action_space.contains(action)
        again = DqnAgent.load(tmp_path / "dqn.zip", env, device="cpu")
        assert again.predict(obs)[0] == action  # save -> load: the same greedy action
    finally:
        env.close()
    assert main([*args, "--iterations", "10", "--resume"]) == 0
    published = DqnAgent.publish(tmp_path / "dqn.zip", tmp_path / "out" / "dqn-u4.zip")
    assert published.name == "dqn-u4.zip" and not list(published.parent.glob("*.pkl"))
    env = make_env("oran-slicing", {"n_ues": "4", "n_rus": "2", "maxSteps": "10"})
    try:
        assert DqnAgent.load(tmp_path / "dqn.zip", env, device="cpu").model.num_timesteps == 50
        # published under another name, without its replay: it loads and acts alike
        copy = DqnAgent.load(published, env, device="cpu")
        assert copy.model.num_timesteps == 50 and copy.model.replay_buffer.size() == 0
        assert copy.predict(obs)[0] == DqnAgent.load(tmp_path / "dqn.zip", env).predict(obs)[0]
    finally:
        env.close()
    (tmp_path / "dqn.zip").write_bytes(published.read_bytes()[:-1] + b"x")
    with pytest.raises(ValueError, match="SHA-256 is not the one"):  # only what a run wrote
        DqnAgent.publish(tmp_path / "dqn.zip", tmp_path / "out" / "other.zip")
    assert not (tmp_path / "out" / "other.zip").exists()


def test_learns_a_cheaper_link_rate_in_ns3(reference_program):
    """Reward = Mbps received − 0.5 × link rate: after training, the greedy policy earns
    more than always buying the top rate (20 Mbps) does."""
    env = RateLevels(ScenarioEnv("reference", {"maxSteps": 50, "rateCost": 0.5}))
    try:
        config = DqnConfig(learning_starts=100, buffer_size=5000, batch_size=64,
                           target_update_interval=100, exploration_fraction=0.5)
        agent = DqnAgent(env, config, seed=0, device="cpu").learn(1500)
        assert agent.model.logger.dir is None  # no /tmp/SB3-<date> folder left behind
        assert "train/loss" in agent.model.logger.name_to_value  # values still recorded

        def mean_reward(policy):
            rewards = []
            for seed in (101, 102):
                obs, _ = env.reset(seed=seed)
                for _ in range(40):
                    obs, reward, *_ = env.step(policy(obs))
                    rewards.append(reward)
            return float(np.mean(rewards))

        learned = mean_reward(lambda obs: agent.predict(obs)[0])
        top_rate = mean_reward(lambda obs: 19)
        assert learned > top_rate + 1.0, (learned, top_rate)
    finally:
        env.close()


def test_needs_a_discrete_action_space():
    class BoxEnv:
        action_space = spaces.Box(-1, 1, (2,))

    with pytest.raises(TypeError, match="Discrete"):
        DqnAgent(BoxEnv())

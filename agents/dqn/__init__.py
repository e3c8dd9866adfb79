"""DQN: Stable-Baselines3's implementation over a Discrete action catalogue."""

from agents.dqn.agent import DqnAgent, DqnConfig

__all__ = ["DqnAgent", "DqnConfig"]

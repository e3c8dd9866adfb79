"""Classic baselines."""

from agents.baselines.random_agent import RandomAgent

__all__ = ["RandomAgent"]

"""Pieces shared by the agents."""

from agents.common.policy import Policy

__all__ = ["Policy"]

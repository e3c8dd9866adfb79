"""Diffusion-QL: a diffusion policy with Q-learning (update rule apart from networks)."""

from agents.diffusion_ql.agent import DiffusionQL
from agents.diffusion_ql.config import DiffusionQLConfig

__all__ = ["DiffusionQL", "DiffusionQLConfig"]

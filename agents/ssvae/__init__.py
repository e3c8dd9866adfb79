"""SS-VAE: a semi-supervised variational autoencoder that regresses the allocation
(association, RBG assignment, power) from the state, after the prior work of paper A
(arXiv 2401.08861)."""

from agents.ssvae.agent import SsVaeAgent
from agents.ssvae.config import SsVaeConfig

__all__ = ["SsVaeAgent", "SsVaeConfig"]

"""State-augmented primal-dual (SA-PD) power control: a GNN policy over the gain graph,
conditioned on the dual variables, executed with the dual dynamics."""

from agents.sapd.agent import SapdAgent
from agents.sapd.networks import SapdPolicy
from agents.sapd.train import SapdTrainConfig, train_sapd

__all__ = ["SapdAgent", "SapdPolicy", "SapdTrainConfig", "train_sapd"]

"""GDM: a graph-neural-network diffusion policy that imitates the SA-PD expert's power
samples in interference networks (paper B, Sections III-V)."""

from agents.gdm.agent import GdmAgent
from agents.gdm.policy import GdmConfig, GdmPolicy, load_policy
from agents.gdm.train import GdmTrainConfig, expert_data, train_gdm

__all__ = ["GdmAgent", "GdmConfig", "GdmPolicy", "GdmTrainConfig", "expert_data",
           "load_policy", "train_gdm"]

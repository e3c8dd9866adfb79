"""Supervised imitation of the expert: the GDM's DDPM loss on the expert's power samples.

The data set is ``ran-gym dataset --scenario interference --solver sapd``'s Parquet file:
one row per (network, step) with the normalised gains, the duals μ before the step and
the powers the expert sampled. Each Adam step draws a mini-batch of rows (graphs with
their power signals) uniformly; the conditional distribution learnt is the expert's
powers given the gains (and μ when ``GdmConfig.duals``), pooled over the dual trajectory.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TextIO

import numpy as np
import pandas as pd
import torch

from agents.common.nn import resolve_device
from agents.gdm.policy import GdmConfig, GdmPolicy, save_policy


class ExpertData(NamedTuple):
    cond: torch.Tensor
    """Condition per sample: gains [M, N, N], or [M, N, N + 1] with μ as last column."""
    fraction: torch.Tensor
    """Expert powers as fractions of Pmax [M, N]."""


@dataclass(frozen=True)
class GdmTrainConfig:
    """How the GDM policy is trained."""

    policy: GdmConfig = field(default_factory=GdmConfig)
    """Network, diffusion and sampler."""
    iterations: int = 6000
    """Adam steps."""
    batch: int = 128
    """Graphs (data-set rows) per step."""
    lr: float = 1e-3
    """Adam learning rate (cosine-decayed to 10 % over the run)."""
    pmax_w: float = 0.01
    """Pmax of the data set [W]: powers are divided by it."""
    seed: int = 0
    """Seeds the initial weights, the mini-batches and the diffusion noise."""
    device: str = "auto"
    """auto (CUDA when present), cpu or cuda."""

    def __post_init__(self) -> None:
        for name in ("iterations", "batch"):
            if getattr(self, name) < 1:
                raise ValueError(f"GdmTrainConfig.{name} must be >= 1, got {getattr(self, name)}")
        if not self.lr > 0 or not self.pmax_w > 0:
            raise ValueError("GdmTrainConfig.lr and pmax_w must be > 0")


def expert_data(frame: pd.DataFrame, pmax_w: float, duals: bool, dual_column: str = "mu"
                ) -> ExpertData:
    """Tensors of a data-set frame (columns gains, power_w and, with duals, dual_column)."""
    gains = np.stack(list(frame["gains"])).astype(np.float32)
    n = int(round(np.sqrt(gains.shape[1])))
    if n * n != gains.shape[1]:
        raise ValueError(f"gains rows must hold N x N values, got {gains.shape[1]}")
    cond = gains.reshape(-1, n, n)
    if duals:
        if dual_column not in frame:
            raise ValueError(f"the data set has no {dual_column!r} column: make it again with "
                             "ran-gym dataset --scenario interference --solver sapd")
        cond = np.concatenate([cond, np.stack(list(frame[dual_column]))[..., None]], axis=-1)
    fraction = np.stack(list(frame["power_w"])) / pmax_w
    if fraction.min() < -1e-6 or fraction.max() > 1 + 1e-6:
        raise ValueError(f"power_w / pmax_w must lie in [0, 1], got [{fraction.min():.3g}, "
                         f"{fraction.max():.3g}]: is pmax_w = {pmax_w} W the data set's?")
    return ExpertData(torch.tensor(cond, dtype=torch.float32),
                      torch.tensor(fraction.clip(0, 1), dtype=torch.float32))


def train_gdm(config: GdmTrainConfig, data: ExpertData, progress: TextIO | None = None,
              ) -> tuple[GdmPolicy, dict[str, Any]]:
    """Trains a fresh policy; returns it with the optimiser state and the loss curve."""
    device = resolve_device(config.device)
    with torch.random.fork_rng(devices=[]):  # seeded initial weights, global state restored
        torch.manual_seed(config.seed)
        policy = GdmPolicy(config.policy)
    policy.to(device).train()
    cond, fraction = data.cond.to(device), data.fraction.to(device)
    gen = torch.Generator(device=device).manual_seed(config.seed)
    optimiser = torch.optim.Adam(policy.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, config.iterations,
                                                          eta_min=0.1 * config.lr)
    losses = []
    for it in range(config.iterations):
        idx = torch.randint(0, len(cond), (config.batch,), device=device, generator=gen)
        loss = policy.loss(fraction[idx], cond[idx], gen)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
        if progress is not None and (it + 1) % 500 == 0:
            print(f"iteration {it + 1}/{config.iterations}  loss "
                  f"{np.mean(losses[-500:]):.4f}", file=progress)
    policy.eval()
    return policy, {"optimiser": optimiser.state_dict(), "losses": losses}


def save_trained(policy: GdmPolicy, config: GdmTrainConfig, state: dict[str, Any],
                 path: Path) -> None:
    """The checkpoint: weights, policy config, training config and optimiser state."""
    save_policy(policy.cpu(), path, {"train_config": dataclasses.asdict(config),
                                     "optimiser": state["optimiser"]})

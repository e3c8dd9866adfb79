"""Primal-dual (state-augmented) training of the SA-PD policy on the closed-form twin.

Each iteration draws networks of the family, dual variables mu ~ U[0, mu_max]^N and
fading samples, and takes an Adam step on the negative Lagrangian
  -E[ mean_i r_i + mean_i mu_i (r_i - f_min) ],
r_i the Shannon rate averaged over the fading samples. The policy so learns the
best response to any mu; at run time the dual dynamics (agents/sapd/agent.py) move mu.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.common.checkpoint import load_torch, restoring
from agents.sapd.networks import SapdPolicy
from bridge.twins.interference import (
    F_MIN,
    LTE_EFFICIENCY,
    LTE_GAP,
    LTE_MAX_RATE,
    InterferenceConfig,
    drop_network,
    normalise_gains,
)
from bridge.validate import COUNT, NON_NEGATIVE, POSITIVE, Bounds, check_choice, check_fields


@dataclass(frozen=True)
class SapdTrainConfig:
    """How the SA-PD policy is trained."""

    pairs: int = 8
    """Pairs per training network (the GNN runs on any N)."""
    networks: int = 256
    """Training networks drawn once from the family."""
    iterations: int = 4000
    """Adam steps."""
    batch: int = 32
    """Networks per step."""
    fading_samples: int = 16
    """Fading draws per network per step."""
    mu_max: float = 10.0
    """Duals are drawn from U[0, mu_max] during training; execution projects on it."""
    mu_active: float = 0.3
    """Share of the training duals drawn from U[0, mu_max]; the rest are 0. At run time
    most pairs are served and hold mu = 0 while a few weak ones carry large duals, so
    sparse duals are the states the policy must answer well."""
    lr: float = 1e-3
    """Adam learning rate."""
    hidden: int = 64
    """Features per GNN layer."""
    layers: int = 3
    """GNN layers."""
    taps: int = 2
    """Filter taps K per layer."""
    f_min: float = F_MIN
    """Minimum ergodic rate [bit/s/Hz]."""
    rate_model: str = "lte"
    """Rates the Lagrangian sees: "shannon" (the paper's) or "lte" (what the ns-3 program
    delivers, bridge.twins.interference.lte_rates), against which the constraint is
    judged in ns-3."""
    seed: int = 0
    """Seeds the networks, the duals, the fading and the initial weights."""

    def __post_init__(self) -> None:
        check_fields(self, {
            "pairs": COUNT, "networks": COUNT, "iterations": Bounds(0, integer=True),
            "batch": COUNT, "fading_samples": COUNT, "mu_max": NON_NEGATIVE,
            "mu_active": Bounds(0, 1), "lr": POSITIVE, "hidden": COUNT, "layers": COUNT,
            "taps": COUNT, "f_min": NON_NEGATIVE, "seed": Bounds(0, integer=True),
        })
        check_choice(self, "rate_model", ("shannon", "lte"))


def _tensors(config: SapdTrainConfig, family: InterferenceConfig, rng: np.random.Generator
             ) -> tuple[torch.Tensor, torch.Tensor]:
    gains = np.stack([drop_network(family, rng).gains for _ in range(config.networks)])
    x = normalise_gains(gains, family.pmax_w, family.noise_w)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(gains * family.pmax_w /
                                                              family.noise_w, dtype=torch.float32)


def lagrangian_loss(policy: SapdPolicy, x: torch.Tensor, snr: torch.Tensor, mu: torch.Tensor,
                    fading: torch.Tensor, f_min: float, rate_model: str = "shannon"
                    ) -> torch.Tensor:
    """Negative Lagrangian; snr = G Pmax / noise [B, N, N], fading [B, S, N, N]."""
    p = policy(x, mu).double()                           # [B, N] fraction of Pmax
    h = snr.double()[:, None] * fading.double()           # [B, S, N, N]
    direct = torch.diagonal(h, dim1=-2, dim2=-1)
    interference = (h * p[:, None, None, :]).sum(-1) - direct * p[:, None, :]
    sinr = direct * p[:, None, :] / (1 + interference.clamp(min=0))
    if rate_model == "lte":
        per_step = (LTE_EFFICIENCY * torch.log2(1 + sinr / LTE_GAP)).clamp(max=LTE_MAX_RATE)
    else:
        per_step = torch.log2(1 + sinr)
    rates = per_step.mean(1).float()
    return -(rates.mean(-1) + (mu * (rates - f_min)).mean(-1)).mean()


def train_sapd(config: SapdTrainConfig, family: InterferenceConfig | None = None,
               progress: Any = None) -> SapdPolicy:
    if config.rate_model not in ("shannon", "lte"):
        raise ValueError(f"rate_model must be 'shannon' or 'lte', got {config.rate_model!r}")
    family = family or InterferenceConfig(pairs=config.pairs)
    rng = np.random.default_rng(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    x_all, snr_all = _tensors(config, family, rng)
    with torch.random.fork_rng():  # seeded initial weights; the global state is restored
        torch.manual_seed(config.seed)
        policy = SapdPolicy(config.hidden, config.layers, config.taps)
    optimiser = torch.optim.Adam(policy.parameters(), lr=config.lr)
    n = config.pairs
    for it in range(config.iterations):
        idx = torch.randint(0, config.networks, (config.batch,), generator=gen)
        mu = config.mu_max * torch.rand((config.batch, n), generator=gen)
        if config.mu_active < 1.0:
            mu = mu * (torch.rand((config.batch, n), generator=gen) < config.mu_active)
        uniform = torch.rand((config.batch, config.fading_samples, n, n), generator=gen)
        fading = -torch.log1p(-uniform)  # |h|^2 ~ Exp(1), finite since uniform < 1
        loss = lagrangian_loss(policy, x_all[idx], snr_all[idx], mu, fading, config.f_min,
                               config.rate_model)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if progress is not None and (it + 1) % 250 == 0:
            print(f"iteration {it + 1}/{config.iterations}  lagrangian {-loss.item():.3f}",
                  file=progress)
    return policy


SAPD_KEYS = ("state_dict", "network", "train_config")
"""What every SA-PD checkpoint holds (save_checkpoint)."""


def save_checkpoint(policy: SapdPolicy, config: SapdTrainConfig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": policy.state_dict(), "network": policy.config,
                "train_config": dataclasses.asdict(config)}, path)


def checkpoint_rate_model(path: Path) -> str:
    """The rate model a checkpoint was trained with ("shannon" before the field existed)."""
    checkpoint = load_torch(path, "SA-PD", SAPD_KEYS)
    return str(checkpoint["train_config"].get("rate_model", "shannon"))


def load_checkpoint(path: Path) -> SapdPolicy:
    checkpoint = load_torch(path, "SA-PD", SAPD_KEYS)
    with restoring(path, "SA-PD"):
        policy = SapdPolicy(**checkpoint["network"])
        policy.load_state_dict(checkpoint["state_dict"])
    policy.eval()
    return policy

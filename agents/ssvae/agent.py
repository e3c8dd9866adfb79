"""The SS-VAE agent: fit on labelled (state, optimal action) pairs and unlabelled
states; act by regressing the action from the posterior mean of z.

Loss of a step: for the labelled batch, reconstruction + beta KL + label_weight times
the squared error of the regressed action; for the unlabelled batch, its weighted
ELBO terms alone (reconstruction + beta KL), which shape the latent space the regressor
reads from. States are standardised with the training states' mean and deviation,
which the checkpoint keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from agents.common.checkpoint import load_torch, restoring
from agents.ssvae.config import SsVaeConfig
from agents.ssvae.networks import SsVae


class SsVaeAgent:
    """Flat Box observations to a Box action in [-1, 1]^d (the slicing unified action)."""

    def __init__(self, observation_space: gym.Space, action_space: gym.Space,
                 config: SsVaeConfig | None = None, seed: int = 0):
        obs_dim, action_dim = _dim(observation_space), _dim(action_space)
        self._build(obs_dim, action_dim, config or SsVaeConfig(), seed)

    def _build(self, obs_dim: int, action_dim: int, config: SsVaeConfig, seed: int) -> None:
        self.config, self.seed = config, seed
        self.obs_dim, self.action_dim = obs_dim, action_dim
        with torch.random.fork_rng(devices=[]):  # seeded initialisation, global RNG untouched
            torch.manual_seed(seed)
            self.model = SsVae(obs_dim, action_dim, config.latent, config.hidden, config.layers)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.generator = torch.Generator().manual_seed(seed)
        self.mean = torch.zeros(obs_dim)
        self.std = torch.ones(obs_dim)
        self.num_updates = 0

    def _normalise(self, obs: Any) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(obs, dtype=np.float32).reshape(-1, self.obs_dim))
        return (x - self.mean) / self.std

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, Any]:
        """The regressed action of the posterior mean of z (a sampled z when not
        deterministic)."""
        with torch.no_grad():
            mu, log_var = self.model.encode(self._normalise(observation))
            z = mu
            if not deterministic:
                z = mu + (0.5 * log_var).exp() * torch.randn(mu.shape, generator=self.generator)
            action = self.model.regress(z).numpy().astype(np.float32)
        single = np.asarray(observation).size == self.obs_dim
        return (action[0] if single else action), None

    def fit(self, labelled_obs: np.ndarray, labels: np.ndarray, unlabelled_obs: np.ndarray,
            steps: int, callback: Callable[[SsVaeAgent, dict[str, float]], None] | None = None
            ) -> SsVaeAgent:
        """``steps`` gradient steps on mini-batches drawn with replacement."""
        if len(labelled_obs) == 0:
            raise ValueError("SS-VAE: no labelled states to fit")
        every = np.concatenate([labelled_obs, unlabelled_obs]).astype(np.float32)
        if self.num_updates == 0:  # the normaliser of the first fit stays
            self.mean = torch.as_tensor(every.mean(axis=0))
            self.std = torch.as_tensor(every.std(axis=0)).clamp_min(1e-3)
        x_l, y_l = self._normalise(labelled_obs), torch.as_tensor(labels, dtype=torch.float32)
        x_u = self._normalise(unlabelled_obs) if len(unlabelled_obs) else None
        c = self.config
        for _ in range(steps):
            pick = torch.randint(len(x_l), (c.batch_size,), generator=self.generator)
            loss, row = self._loss(x_l[pick], y_l[pick], x_u)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.num_updates += 1
            if callback is not None:
                callback(self, row)
        return self

    def _loss(self, x_l: torch.Tensor, y_l: torch.Tensor, x_u: torch.Tensor | None
              ) -> tuple[torch.Tensor, dict[str, float]]:
        c = self.config
        recon, kl, z = self.model.elbo_terms(x_l, self.generator)
        label = ((self.model.regress(z) - y_l) ** 2).mean()
        loss = recon.mean() + c.beta * kl.mean() + c.label_weight * label
        unlabelled = torch.zeros(())
        if x_u is not None and c.unlabelled_weight > 0:
            pick = torch.randint(len(x_u), (c.batch_size,), generator=self.generator)
            recon_u, kl_u, _ = self.model.elbo_terms(x_u[pick], self.generator)
            unlabelled = recon_u.mean() + c.beta * kl_u.mean()
            loss = loss + c.unlabelled_weight * unlabelled
        return loss, {"loss": loss.item(), "label_mse": label.item(),
                      "recon": recon.mean().item(), "kl": kl.mean().item(),
                      "unlabelled_elbo": unlabelled.item()}

    def state_dict(self) -> dict[str, Any]:
        return {"config": asdict(self.config), "seed": self.seed, "obs_dim": self.obs_dim,
                "action_dim": self.action_dim, "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(), "mean": self.mean, "std": self.std,
                "generator": self.generator.get_state(), "num_updates": self.num_updates}

    def save(self, path: str | Path) -> Path:
        """Everything needed to act and to go on training; written atomically."""
        path = Path(path)
        partial = path.with_name(f".{path.name}.partial")
        torch.save(self.state_dict(), partial)
        partial.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> SsVaeAgent:
        state = load_torch(path, "SS-VAE", ("obs_dim", "action_dim", "config", "model"))
        agent = cls.__new__(cls)
        with restoring(path, "SS-VAE"):
            agent._build(int(state["obs_dim"]), int(state["action_dim"]),
                         SsVaeConfig(**state["config"]), int(state["seed"]))
            agent.model.load_state_dict(state["model"])
            agent.optimizer.load_state_dict(state["optimizer"])
            agent.mean, agent.std = state["mean"], state["std"]
            agent.generator.set_state(state["generator"])
            agent.num_updates = int(state["num_updates"])
        return agent


def _dim(space: gym.Space) -> int:
    if not isinstance(space, gym.spaces.Box):
        raise TypeError(f"SS-VAE needs Box spaces, got {space}")
    return int(np.prod(space.shape))

"""Execution of the SA-PD policy with its dual dynamics.

mu starts at 0 in every network; every T0 steps it moves by the constraint slack of the
rates measured over those steps: mu <- clip(mu - eta (mean rate - f_min), 0, mu_max). The power of
each step is Pmax x policy(gains, mu). As mu rises and falls, the sampled powers switch
between allocations that favour different pairs, which is what makes the expert
stochastic and, in sequence, feasible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.sapd.networks import SapdPolicy
from agents.sapd.train import load_checkpoint
from bridge.twins.interference import F_MIN

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "pretrained" / "default.pt"
ETA = 3.0
"""Dual step size [1 / (bit/s/Hz)]; 3 keeps the 200-step transient short (see the docs)."""
T0 = 5
"""Steps between dual updates."""
MU_MAX = 10.0
"""Largest dual: the top of the training range (SapdTrainConfig.mu_max). Beyond it the
policy extrapolates; on hard ns-3 networks the projection raised the feasible share."""


def dual_update(mu: np.ndarray, mean_rates: np.ndarray, eta: float, f_min: float = F_MIN,
                mu_max: float = MU_MAX) -> np.ndarray:
    """mu - eta (mean rate - f_min), projected on [0, mu_max] (the duals the policy was
    trained on); e.g. mu 1, rate 0.25, eta 2 -> 1 + 2 x 0.5 = 2."""
    return np.clip(mu - eta * (mean_rates - f_min), 0.0, mu_max)


def policy_powers(policy: SapdPolicy, x: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Power fractions [N] for normalised gains x [N, N] and duals mu [N]."""
    with torch.no_grad():
        out = policy(torch.tensor(x[None], dtype=torch.float32),
                     torch.tensor(mu[None], dtype=torch.float32))
    return out[0].numpy().astype(np.float64)


class SapdAgent:
    """``predict`` for the interference scenario: observation {gains, rates} -> power (mW)."""

    def __init__(self, pmax_mw: float, checkpoint: str | Path = DEFAULT_CHECKPOINT,
                 eta: float = ETA, t0: int = T0, f_min: float = F_MIN):
        self.policy = load_checkpoint(Path(checkpoint))
        self.pmax_mw, self.eta, self.t0, self.f_min = pmax_mw, eta, t0, f_min
        self.mu = np.zeros(0)
        self._key: bytes | None = None
        self._window: list[np.ndarray] = []

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[Any, Any]:
        x = np.asarray(observation["gains"], np.float32)
        if x.tobytes() != self._key or bool(np.any(episode_start)):
            self._key, self.mu, self._window = x.tobytes(), np.zeros(x.shape[0]), []
        else:  # rates of the step the previous action produced
            self._window.append(np.asarray(observation["rates"], float))
            if len(self._window) == self.t0:
                self.mu = dual_update(self.mu, np.mean(self._window, axis=0), self.eta,
                                      self.f_min)
                self._window = []
        power = self.pmax_mw * policy_powers(self.policy, x, self.mu)
        return np.minimum(power, self.pmax_mw).astype(np.float32), None

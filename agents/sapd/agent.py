"""Execution of the SA-PD policy with its dual dynamics.

In a new network mu starts where the dual dynamics settle on the twin for the observed
long-term gains (``warm_duals``; 0 with ``warm_steps=0``); then every T0 steps it moves by
the constraint slack of the rates measured over those steps:
mu <- clip(mu - eta (mean rate - f_min), 0, mu_max). The power of each step is
Pmax x policy(gains, mu). As mu rises and falls, the sampled powers switch
between allocations that favour different pairs, which is what makes the expert
stochastic and, in sequence, feasible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.sapd.networks import SapdPolicy
from agents.sapd.train import checkpoint_rate_model, load_checkpoint
from bridge.twins.interference import F_MIN, fading, rate_function

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "pretrained" / "default.pt"
ETA = 5.0
"""Dual step size [1 / (bit/s/Hz)] (see the docs)."""
T0 = 5
"""Steps between dual updates."""
WARM_STEPS = 200
"""Steps of the dual dynamics run on the twin before the first action in a network: the
duals start where the twin's dynamics settle, not at 0 (see the docs)."""
MU_MAX = 10.0
"""Largest dual: the top of the training range (SapdTrainConfig.mu_max). Beyond it the
policy extrapolates; on hard ns-3 networks the projection raised the feasible share."""


def dual_update(mu: np.ndarray, mean_rates: np.ndarray, eta: float, f_min: float = F_MIN,
                mu_max: float = MU_MAX) -> np.ndarray:
    """mu - eta (mean rate - f_min), projected on [0, mu_max] (the duals the policy was
    trained on); e.g. mu 1, rate 0.25, eta 2 -> 1 + 2 x 0.5 = 2."""
    return np.clip(mu - eta * (mean_rates - f_min), 0.0, mu_max)


def warm_duals(policy: SapdPolicy, x: np.ndarray, steps: int, eta: float, t0: int,
               f_min: float, rates_of: Any, rho: float, rng: np.random.Generator
               ) -> np.ndarray:
    """The duals after ``steps`` steps of the dual dynamics run on the twin for the
    long-term gains x (normalised, as observed): rates from ``rates_of`` under fading of
    step correlation ``rho``. With Pmax and the noise as units, full-power SNR G Pmax /
    noise = 10^(4x), so the twin needs nothing but the observation."""
    snr, mu, window = 10.0 ** (4.0 * np.asarray(x, float)), np.zeros(x.shape[0]), []
    h = fading(snr.shape, steps, rho, rng)
    for t in range(steps):
        window.append(rates_of(snr * h[t], policy_powers(policy, x, mu), 1.0))
        if len(window) == t0:
            mu, window = dual_update(mu, np.mean(window, axis=0), eta, f_min), []
    return mu


def policy_powers(policy: SapdPolicy, x: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Power fractions [N] for normalised gains x [N, N] and duals mu [N]."""
    with torch.no_grad():
        out = policy(torch.tensor(x[None], dtype=torch.float32),
                     torch.tensor(mu[None], dtype=torch.float32))
    return out[0].numpy().astype(np.float64)


class SapdAgent:
    """``predict`` for the interference scenario: observation {gains, rates} -> power (mW)."""

    def __init__(self, pmax_mw: float, checkpoint: str | Path = DEFAULT_CHECKPOINT,
                 eta: float = ETA, t0: int = T0, f_min: float = F_MIN,
                 warm_steps: int = WARM_STEPS, fading_rho: float = 0.0,
                 seed: int | None = None):
        self.policy = load_checkpoint(Path(checkpoint))
        self.pmax_mw, self.eta, self.t0, self.f_min = pmax_mw, eta, t0, f_min
        self.warm_steps, self.fading_rho = warm_steps, fading_rho
        self._rates_of = rate_function(checkpoint_rate_model(Path(checkpoint)))
        self._rng = np.random.default_rng(seed)
        self.mu = np.zeros(0)
        self._key: bytes | None = None
        self._window: list[np.ndarray] = []

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[Any, Any]:
        x = np.asarray(observation["gains"], np.float32)
        if x.tobytes() != self._key or bool(np.any(episode_start)):
            self._key, self.mu, self._window = x.tobytes(), np.zeros(x.shape[0]), []
            if self.warm_steps:
                self.mu = warm_duals(self.policy, x, self.warm_steps, self.eta, self.t0,
                                     self.f_min, self._rates_of, self.fading_rho, self._rng)
        else:  # rates of the step the previous action produced
            self._window.append(np.asarray(observation["rates"], float))
            if len(self._window) == self.t0:
                self.mu = dual_update(self.mu, np.mean(self._window, axis=0), self.eta,
                                      self.f_min)
                self._window = []
        power = self.pmax_mw * policy_powers(self.policy, x, self.mu)
        return np.minimum(power, self.pmax_mw).astype(np.float32), None

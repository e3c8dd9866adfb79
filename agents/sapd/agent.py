"""Execution of the SA-PD policy with its dual dynamics.

In a new network mu starts where the dual dynamics settle on the twin for the observed
long-term gains (``warm_duals``; 0 with ``warm_steps=0``); then every t0 steps it moves by
the constraint slack of the rates measured over those steps:
mu <- clip(mu - eta (mean rate - f_min), 0, mu_max). The power of each step is
Pmax x policy(gains, mu * u), u ~ U[dither, 1]^N drawn at every dual update and held
until the next. As mu rises and falls, the sampled powers switch between allocations
that favour different pairs, which is what makes the expert stochastic and, in
sequence, feasible.

The dither breaks ties. Weak pairs that block one another all climb to mu_max and sit
there together; given equal large duals the policy powers all of them and none gets
its rate, so the dynamics stall. Given (10, 5) it serves the first alone. Scaled at
random, the tied duals take turns. u is held for T0 steps, like mu: redrawn every
step it changes the powers every step, and in ns-3 the link adaptation (CQI measured
a step before) then lags the interference more often (docs/scenarios/interference.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.sapd.networks import SapdPolicy
from agents.sapd.train import checkpoint_rate_model, load_checkpoint
from bridge.twins.interference import F_MIN, fading, rate_function, snr_from_observation

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "pretrained" / "default.pt"
ETA = 5.0
"""Dual step size [1 / (bit/s/Hz)] (see the docs)."""
T0 = 5
"""Steps between dual updates on the twin (the data set, the twin evaluation): the
paper's T0."""
EXECUTION_T0 = 20
"""Steps between dual updates when the agent acts (in ns-3). Every update may change the
powers, and LTE's link adaptation (CQI measured a step before) lags each change: at
T0 = 5 a pair at 10-15 dB SINR got 0.96 bit/s/Hz where FP's got 1.09 at the same SINR.
Measured on three sets of 32 ns-3 networks (docs/results/interference/): T0 = 5, 10, 20
met f_min for 93.6, 96.6 and 96.6 % of 768 pairs, mean rate rising with T0; on a fourth
set, drawn after the choice, T0 = 5 and 20 met it for 96.1 and 98.8 %."""
WARM_STEPS = 200
"""Steps of the dual dynamics run on the twin before the first action in a network: the
duals start where the twin's dynamics settle, not at 0 (see the docs)."""
DITHER = 0.5
"""The policy sees mu scaled per pair by u ~ U[DITHER, 1]; 1 turns the dither off."""
MU_MAX = 10.0
"""Largest dual: the top of the training range (SapdTrainConfig.mu_max). Beyond it the
policy extrapolates; on hard ns-3 networks the projection raised the feasible share."""


def dual_update(mu: np.ndarray, mean_rates: np.ndarray, eta: float, f_min: float = F_MIN,
                mu_max: float = MU_MAX) -> np.ndarray:
    """mu - eta (mean rate - f_min), projected on [0, mu_max] (the duals the policy was
    trained on); e.g. mu 1, rate 0.25, eta 2 -> 1 + 2 x 0.5 = 2."""
    return np.clip(mu - eta * (mean_rates - f_min), 0.0, mu_max)


def check_window(t0: object) -> None:
    """Refuses a dual window that is not a whole number of steps >= 1."""
    if isinstance(t0, bool) or not isinstance(t0, int) or t0 < 1:
        raise ValueError(f"t0 (steps between dual updates) must be an integer >= 1, got {t0!r}")


def dithered(mu: np.ndarray, low: float, rng: np.random.Generator) -> np.ndarray:
    """mu scaled per pair by u ~ U[low, 1]; mu itself (no draw) when low is 1."""
    return mu if low >= 1.0 else mu * rng.uniform(low, 1.0, mu.shape)


@dataclass
class Rollout:
    """The dual dynamics run on a channel: per step the duals before it [T, N], the
    duals the policy saw (dithered) [T, N], the power fractions it chose [T, N] and the
    rates they got [T, N]; the duals after the last step [N]."""

    mu: np.ndarray
    seen: np.ndarray
    powers: np.ndarray
    rates: np.ndarray
    final_mu: np.ndarray


def dual_dynamics(decide: Callable[[np.ndarray, int], np.ndarray], channel: np.ndarray,
                  rates_of: Any, rng: np.random.Generator, eta: float = ETA, t0: int = T0,
                  f_min: float = F_MIN, dither: float = DITHER, mu: np.ndarray | None = None
                  ) -> Rollout:
    """The dual dynamics of an execution on the twin: channel [T, N, N] the gains
    G Pmax / noise of each step (fading included), so that rates_of(channel[t], fractions,
    1.0) are the step's rates. At each window of t0 steps the duals are dithered once and
    ``decide(duals seen, steps in the window)`` gives the window's power fractions [k, N]."""
    mu = np.zeros(channel.shape[-1]) if mu is None else np.asarray(mu, float)
    mus, seen, powers, rates = [], [], [], []
    for start in range(0, len(channel), t0):
        window = channel[start:start + t0]
        mu_seen = dithered(mu, dither, rng)
        fractions = decide(mu_seen, len(window))
        got = [rates_of(h_t, f, 1.0) for h_t, f in zip(window, fractions, strict=True)]
        mus += [mu] * len(window)
        seen += [mu_seen] * len(window)
        powers += list(fractions)
        rates += got
        if len(window) == t0:
            mu = dual_update(mu, np.mean(got, axis=0), eta, f_min)
    return Rollout(np.array(mus), np.array(seen), np.array(powers), np.array(rates), mu)


def rollout(policy: SapdPolicy, x: np.ndarray, channel: np.ndarray, rates_of: Any,
            rng: np.random.Generator, eta: float = ETA, t0: int = T0, f_min: float = F_MIN,
            dither: float = DITHER, mu: np.ndarray | None = None) -> Rollout:
    """The expert's execution on the twin (``dual_dynamics``), x [N, N] the normalised
    long-term gains it observes: one policy answer per dual window."""
    def decide(mu_seen: np.ndarray, steps: int) -> np.ndarray:
        return np.repeat(policy_powers(policy, x, mu_seen)[None], steps, axis=0)

    return dual_dynamics(decide, channel, rates_of, rng, eta, t0, f_min, dither, mu)


def twin_channel(x: np.ndarray, steps: int, rho: float, rng: np.random.Generator
                 ) -> np.ndarray:
    """Twin channel [steps, N, N] for normalised long-term gains x, with Pmax and the
    noise as units (full-power SNR G Pmax / noise = 10^(4x)), under fading of step
    correlation rho: the twin needs nothing but the observation."""
    snr = snr_from_observation(x)
    return snr * fading(snr.shape, steps, rho, rng)


def warm_duals(policy: SapdPolicy, x: np.ndarray, steps: int, eta: float, t0: int,
               f_min: float, rates_of: Any, rho: float, rng: np.random.Generator,
               dither: float = DITHER) -> np.ndarray:
    """The duals after ``steps`` steps of the dual dynamics run on the twin for the
    long-term gains x (normalised, as observed): rates from ``rates_of`` under fading of
    step correlation ``rho``."""
    channel = twin_channel(x, steps, rho, rng)
    return rollout(policy, x, channel, rates_of, rng, eta, t0, f_min, dither).final_mu


class OnlineDuals:
    """The dual dynamics as an acting agent runs them: the rates of each step come in one
    at a time, and when a window of t0 steps is full mu moves by ``dual_update``."""

    def __init__(self, eta: float, t0: int, f_min: float):
        check_window(t0)
        self.eta, self.t0, self.f_min = eta, t0, f_min
        self.mu = np.zeros(0)
        self._window: list[np.ndarray] = []

    def restart(self, mu: np.ndarray) -> None:
        """A new network: duals mu, an empty window."""
        self.mu, self._window = mu, []

    @property
    def window_opens(self) -> bool:
        """No rates in the current window yet: the step that begins a window."""
        return not self._window

    def observe(self, rates: np.ndarray) -> None:
        self._window.append(rates)
        if len(self._window) == self.t0:
            self.mu = dual_update(self.mu, np.mean(self._window, axis=0), self.eta, self.f_min)
            self._window = []


def policy_powers(policy: SapdPolicy, x: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Power fractions [N] for normalised gains x [N, N] and duals mu [N]."""
    with torch.no_grad():
        out = policy(torch.tensor(x[None], dtype=torch.float32),
                     torch.tensor(mu[None], dtype=torch.float32))
    return out[0].numpy().astype(np.float64)


class SapdAgent:
    """``predict`` for the interference scenario: observation {gains, rates} -> power (mW)."""

    def __init__(self, pmax_mw: float, checkpoint: str | Path = DEFAULT_CHECKPOINT,
                 eta: float = ETA, t0: int = EXECUTION_T0, f_min: float = F_MIN,
                 warm_steps: int = WARM_STEPS, fading_rho: float = 0.0,
                 dither: float = DITHER, seed: int | None = None):
        if not 0.0 <= dither <= 1.0:
            raise ValueError(f"dither must be in [0, 1], got {dither}")
        self.duals = OnlineDuals(eta, t0, f_min)
        self.policy = load_checkpoint(Path(checkpoint))
        self.pmax_mw, self.warm_steps, self.fading_rho = pmax_mw, warm_steps, fading_rho
        self.dither = dither
        self._rates_of = rate_function(checkpoint_rate_model(Path(checkpoint)))
        self._rng = np.random.default_rng(seed)
        self._powers = np.zeros(0)
        self._key: bytes | None = None

    @property
    def mu(self) -> np.ndarray:
        return self.duals.mu

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[Any, Any]:
        x = np.asarray(observation["gains"], np.float32)
        if x.tobytes() != self._key or bool(np.any(episode_start)):
            self._key, d = x.tobytes(), self.duals
            d.restart(warm_duals(self.policy, x, self.warm_steps, d.eta, d.t0, d.f_min,
                                 self._rates_of, self.fading_rho, self._rng, self.dither)
                      if self.warm_steps else np.zeros(x.shape[0]))
        else:  # rates of the step the previous action produced
            self.duals.observe(np.asarray(observation["rates"], float))
        if self.duals.window_opens:  # a new dual window: a new dither
            mu = dithered(self.mu, self.dither, self._rng)
            self._powers = self.pmax_mw * policy_powers(self.policy, x, mu)
        return np.minimum(self._powers, self.pmax_mw).astype(np.float32), None

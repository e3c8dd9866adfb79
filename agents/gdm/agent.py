"""Execution of the GDM policy in the interference scenario.

At every step a fresh sample is drawn from the policy conditioned on the current network
state (the long-term gains of the observation, and μ when the policy was trained on the
duals), so that over an episode the powers time-share between the modes of the expert's
distribution: the ergodic rates come from that mixture, not from any single sample.
``deterministic`` is therefore ignored: a GDM policy is its distribution.

With ``duals``, μ follows the expert's dual dynamics (``agents.sapd.agent.dual_update``)
on the rates the env reports, from where the same dynamics settle when the GDM itself
plays ``warm_steps`` steps on the twin for the observed gains (as the expert's duals
start; the twin's rates need only the observation). With ``guidance_scale`` > 0 the
DDPM sampler is guided by the constraint slack (``agents.gdm.guidance``);
``guidance_feedback`` weights each pair by how far its measured ergodic rate so far is
below f_min (1 at 0, 0 at or above f_min), so only pairs that are actually failing pull
on the sample.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.gdm.guidance import slack_guidance
from agents.gdm.policy import GdmPolicy, load_policy
from agents.sapd.agent import EXECUTION_T0, OnlineDuals, dithered, dual_dynamics, twin_channel
from bridge.twins.interference import F_MIN, lte_rates

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "pretrained" / "default.pt"
DUAL_STEP = 5.0
"""η of the dual dynamics of a dual-conditioned GDM: the expert's (agents.sapd.agent.ETA)
when it made the data set of ``pretrained/default.pt`` (fixed here, so that a later expert
does not change it)."""
WARM_STEPS = 200
"""Twin steps of the dual dynamics before the first action of a dual-conditioned GDM."""


class GdmAgent:
    """``predict`` for the interference scenario: observation {gains, rates} -> power (mW)."""

    def __init__(self, pmax_mw: float, checkpoint: str | Path = DEFAULT_CHECKPOINT,
                 seed: int = 0, guidance_scale: float = 0.0, guidance_feedback: bool = False,
                 f_min: float = F_MIN, eta: float = DUAL_STEP, warm_steps: int = WARM_STEPS,
                 fading_rho: float = 0.0, t0: int = EXECUTION_T0, **overrides: Any):
        self.duals = OnlineDuals(eta, t0, f_min)
        self.policy = load_policy(checkpoint, **overrides)
        self.pmax_mw = pmax_mw
        self.warm_steps, self.fading_rho = warm_steps, fading_rho
        self.guidance_scale, self.guidance_feedback = guidance_scale, guidance_feedback
        self.generator = torch.Generator().manual_seed(seed)
        self._rng = np.random.default_rng(seed)
        self._seen = np.zeros(0)
        self._key: bytes | None = None
        self._total, self._count = np.zeros(0), 0

    @property
    def mu(self) -> np.ndarray:
        return self.duals.mu

    @property
    def seen(self) -> np.ndarray:
        """The dithered duals the last sample was conditioned on (empty without duals)."""
        return self._seen

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[Any, Any]:
        x = np.asarray(observation["gains"], np.float32)
        if x.tobytes() != self._key or bool(np.any(episode_start)):
            n = x.shape[0]
            self._key, self._total, self._count = x.tobytes(), np.zeros(n), 0
            warm = self.policy.config.duals and self.warm_steps
            self.duals.restart(self.warm_duals(x) if warm else np.zeros(n))
        else:  # rates of the step the previous action produced
            rates = np.asarray(observation["rates"], float)
            self._total, self._count = self._total + rates, self._count + 1
            self.duals.observe(rates)
        fraction = self.sample(x)
        return np.minimum(self.pmax_mw * fraction, self.pmax_mw).astype(np.float32), None

    def sample(self, x: np.ndarray) -> np.ndarray:
        """One power-fraction sample [N] for normalised gains x [N, N] in the agent's state."""
        cond = torch.tensor(x[None], dtype=torch.float32)
        if self.policy.config.duals:
            if self.duals.window_opens:  # a new dither (none at dual_dither 1)
                self._seen = dithered(self.mu, self.policy.config.dual_dither, self._rng)
            mu = torch.tensor(self._seen[None, :, None], dtype=torch.float32)
            cond = torch.cat([cond, mu], dim=-1)
        guidance = None
        if self.guidance_scale:
            f_min, weights = self.duals.f_min, None
            if self.guidance_feedback and self._count:
                deficit = (f_min - self._total / self._count) / f_min
                weights = torch.tensor(deficit.clip(0, 1)[None])
            guidance = slack_guidance(weights, f_min, self.policy.config.power_map)
        out = self.policy.sample(cond, self.generator, guidance, self.guidance_scale)
        return out[0].numpy().astype(np.float64)

    def warm_duals(self, x: np.ndarray) -> np.ndarray:
        """μ after ``warm_steps`` steps of the expert's dual dynamics with this policy on
        the twin (LTE rates); the samples of a dual window are drawn in one batch."""
        rng = np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=self.generator)))
        channel = twin_channel(x, self.warm_steps, self.fading_rho, rng)
        d = self.duals
        return dual_dynamics(window_sampler(self.policy, x, self.generator), channel,
                             lte_rates, rng, d.eta, d.t0, d.f_min,
                             self.policy.config.dual_dither).final_mu


def window_sampler(policy: GdmPolicy, x: np.ndarray, generator: torch.Generator
                   ) -> Callable[[np.ndarray, int], np.ndarray]:
    """``decide`` of ``agents.sapd.agent.dual_dynamics`` for a dual-conditioned GDM: given
    the duals seen, ``k`` fresh power-fraction samples [k, N] for the gains x [N, N],
    drawn in one batch."""
    cond = torch.tensor(x[None], dtype=torch.float32)

    def decide(mu_seen: np.ndarray, k: int) -> np.ndarray:
        mu = torch.tensor(mu_seen[None, :, None], dtype=torch.float32)
        c = torch.cat([cond, mu], dim=-1).repeat(k, 1, 1)
        return policy.sample(c, generator).numpy().astype(np.float64)

    return decide

"""Execution of the GDM policy in the interference scenario.

At every step a fresh sample is drawn from the policy conditioned on the current network
state (the long-term gains of the observation, and μ when the policy was trained on the
duals), so that over an episode the powers time-share between the modes of the expert's
distribution: the ergodic rates come from that mixture, not from any single sample.
``deterministic`` is therefore ignored: a GDM policy is its distribution.

With ``duals``, μ follows the expert's dual dynamics (``agents.sapd.agent.dual_update``)
on the rates the env reports. With ``guidance_scale`` > 0 the DDPM sampler is guided by
the constraint slack (``agents.gdm.guidance``); ``guidance_feedback`` weights each pair
by how far its measured ergodic rate so far is below f_min (1 at 0, 0 at or above f_min),
so only pairs that are actually failing pull on the sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.gdm.guidance import slack_guidance
from agents.gdm.policy import load_policy
from agents.sapd.agent import T0, dual_update
from bridge.twins.interference import F_MIN

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "pretrained" / "default.pt"
DUAL_STEP = 3.0
"""η of the dual dynamics of a dual-conditioned GDM: the expert's when it made the data set
of ``pretrained/duals.pt`` (fixed here, so that a later expert does not change it)."""


class GdmAgent:
    """``predict`` for the interference scenario: observation {gains, rates} -> power (mW)."""

    def __init__(self, pmax_mw: float, checkpoint: str | Path = DEFAULT_CHECKPOINT,
                 seed: int = 0, guidance_scale: float = 0.0, guidance_feedback: bool = False,
                 f_min: float = F_MIN, eta: float = DUAL_STEP, **overrides: Any):
        self.policy = load_policy(checkpoint, **overrides)
        self.pmax_mw, self.f_min, self.eta = pmax_mw, f_min, eta
        self.guidance_scale, self.guidance_feedback = guidance_scale, guidance_feedback
        self.generator = torch.Generator().manual_seed(seed)
        self._key: bytes | None = None
        self._window: list[np.ndarray] = []
        self.mu, self._total, self._count = np.zeros(0), np.zeros(0), 0

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[Any, Any]:
        x = np.asarray(observation["gains"], np.float32)
        if x.tobytes() != self._key or bool(np.any(episode_start)):
            n = x.shape[0]
            self._key, self.mu, self._window = x.tobytes(), np.zeros(n), []
            self._total, self._count = np.zeros(n), 0
        else:  # rates of the step the previous action produced
            self._observe(np.asarray(observation["rates"], float))
        fraction = self.sample(x)
        return np.minimum(self.pmax_mw * fraction, self.pmax_mw).astype(np.float32), None

    def sample(self, x: np.ndarray) -> np.ndarray:
        """One power-fraction sample [N] for normalised gains x [N, N] in the agent's state."""
        cond = torch.tensor(x[None], dtype=torch.float32)
        if self.policy.config.duals:
            mu = torch.tensor(self.mu[None, :, None], dtype=torch.float32)
            cond = torch.cat([cond, mu], dim=-1)
        guidance = None
        if self.guidance_scale:
            weights = None
            if self.guidance_feedback and self._count:
                deficit = (self.f_min - self._total / self._count) / self.f_min
                weights = torch.tensor(deficit.clip(0, 1)[None])
            guidance = slack_guidance(weights, self.f_min)
        out = self.policy.sample(cond, self.generator, guidance, self.guidance_scale)
        return out[0].numpy().astype(np.float64)

    def _observe(self, rates: np.ndarray) -> None:
        self._total, self._count = self._total + rates, self._count + 1
        self._window.append(rates)
        if len(self._window) == T0:
            self.mu = dual_update(self.mu, np.mean(self._window, axis=0), self.eta, self.f_min)
            self._window = []

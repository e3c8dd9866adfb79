"""The SA-PD entry of ``ran-gym dataset``: the expert's trajectories on the twin, the
data set the GDM imitates."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from agents.sapd.agent import DEFAULT_CHECKPOINT, Rollout, rollout
from agents.sapd.train import checkpoint_rate_model, load_checkpoint
from bridge.twins.interference import (
    InterferenceConfig,
    drop_network,
    fading,
    normalise_gains,
    rate_function,
)


def twin_network(family: InterferenceConfig, steps: int, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
    """A network of the family on the twin: its gains as observed (normalised) [N, N] and
    the channel G Pmax / noise of each of ``steps`` steps under the family's fading."""
    gains = drop_network(family, rng).gains
    x = normalise_gains(gains, family.pmax_w, family.noise_w)
    h = gains * fading(gains.shape, steps, family.fading_correlation, rng)
    return x, h * family.pmax_w / family.noise_w


def trajectory_rows(network: int, x: np.ndarray, run: Rollout, power_w: np.ndarray
                    ) -> list[dict]:
    """The data-set rows of one network's rollout, ``power_w`` [T, N] the powers that
    label each step."""
    gains = x.ravel().astype(np.float32)
    return [{"network": network, "step": t, "gains": gains, "mu": run.mu[t],
             "mu_seen": run.seen[t], "power_w": power_w[t], "rates": run.rates[t]}
            for t in range(len(run.mu))]


def dataset_command(args: argparse.Namespace) -> Path:
    """Expert trajectories on the twin: one row per (network, step) with the long-term
    gains (normalised, rx-major), the duals mu before the step (the dynamics' state),
    mu_seen (the dithered duals the policy answered, agents/sapd/agent.py), the powers [W]
    and the rates they got under that step's fading, in the rate model the policy was
    trained with (the dual dynamics run on those rates)."""
    networks, steps = args.networks or 16, args.steps or 200
    family = InterferenceConfig()
    checkpoint = Path(getattr(args, "checkpoint", None) or DEFAULT_CHECKPOINT)
    policy, rates_of = load_checkpoint(checkpoint), rate_function(checkpoint_rate_model(checkpoint))
    rng = np.random.default_rng(args.seed)
    rows = []
    for m in range(networks):
        x, channel = twin_network(family, steps, rng)
        run = rollout(policy, x, channel, rates_of, rng)
        rows += trajectory_rows(m, x, run, family.pmax_w * run.powers)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(out)
    return out

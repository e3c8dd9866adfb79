"""``ran-gym train --scenario oran-slicing --agent ss-vae --dataset FILE``.

FILE is a labelled data set of ``ran-gym dataset --scenario oran-slicing`` (ESA or
MILP): its observations are the states, its ``unified_action`` column the labels.
``--iterations`` counts gradient steps (default 1000). ``--param`` takes:

- ``labelled_fraction`` (0 < f <= 1, default 1): the first f of the rows keep their
  labels, the others join the unlabelled states;
- ``unlabelled_drops`` (default 1000): unlabelled states from that many Python drops
  of the data set's network (:mod:`bridge.slicing.drop`, seeds 10^9 + seed ...);
- SsVaeConfig fields (``latent``, ``hidden``, ``layers``, ``lr``, ``batch_size``,
  ``beta``, ``label_weight``, ``unlabelled_weight``).

Writes ``ss-vae.pt`` (model, optimiser, normaliser, RNG), ``progress.csv`` (every
step's losses) and ``config.json`` into ``--out``. Training needs no simulator.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from agents.ssvae.agent import SsVaeAgent
from agents.ssvae.config import SsVaeConfig
from bridge.slicing.labels import read_dataset
from ran_gym.train.common import prepare_training

CHECKPOINT = "ss-vae.pt"
UNLABELLED_SEED = 1_000_000_000
"""Python drops for unlabelled states start at this seed (apart from data set seeds)."""


def train_command(args: argparse.Namespace) -> Path:
    steps, out, params = prepare_training(args)
    if not getattr(args, "dataset", None):
        raise ValueError("--dataset: ss-vae learns from a labelled data set "
                         "(ran-gym dataset --scenario oran-slicing --solver esa ...)")
    fraction = float(params.pop("labelled_fraction", 1.0))
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"--param labelled_fraction: {fraction} is outside (0, 1]")
    drops = int(params.pop("unlabelled_drops", 1000))
    if drops < 0:
        raise ValueError(f"--param unlabelled_drops: {drops} is outside [0, inf)")
    config = _config(params)
    frame, slicing = read_dataset(args.dataset)
    obs = np.stack(frame["observation"].to_numpy()).astype(np.float32)
    labels = np.stack(frame["unified_action"].to_numpy()).astype(np.float32)
    n_labelled = max(1, int(round(fraction * len(frame))))
    unlabelled = np.concatenate([obs[n_labelled:], python_states(slicing, drops, args.seed)])
    agent = SsVaeAgent(_box(obs.shape[1]), _box(labels.shape[1]), config, seed=args.seed)
    (out / "config.json").write_text(json.dumps(
        {"scenario": args.scenario, "agent": "ss-vae", "steps": steps, "seed": args.seed,
         "dataset": str(args.dataset), "labelled": n_labelled,
         "unlabelled": len(unlabelled), "agent_config": dataclasses.asdict(config)},
        indent=2))
    with open(out / "progress.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "loss", "label_mse", "recon", "kl", "unlabelled_elbo"])

        def progress(a: SsVaeAgent, row: dict[str, float]) -> None:
            writer.writerow([a.num_updates, *(row[k] for k in
                             ("loss", "label_mse", "recon", "kl", "unlabelled_elbo"))])

        agent.fit(obs[:n_labelled], labels[:n_labelled], unlabelled, steps, progress)
    return agent.save(out / CHECKPOINT)


def python_states(cfg: Any, n: int, seed: int) -> np.ndarray:
    """Observations at reset of ``n`` Python drops of ``cfg``'s network."""
    from bridge.slicing.drop import draw
    from bridge.slicing.layout import make_observation, observation_size

    states = [make_observation(cfg, draw(cfg, np.random.default_rng(UNLABELLED_SEED + seed + i))
                               .gain_db) for i in range(n)]
    return np.array(states, dtype=np.float32).reshape(n, observation_size(cfg))


def _config(params: dict[str, str]) -> SsVaeConfig:
    fields = {f.name: f for f in dataclasses.fields(SsVaeConfig)}
    unknown = sorted(set(params) - set(fields))
    if unknown:
        raise ValueError(f"--param {', '.join(unknown)}: unknown for ss-vae; known: "
                         f"labelled_fraction, unlabelled_drops, {', '.join(fields)}")
    defaults = SsVaeConfig()
    values = {k: type(getattr(defaults, k))(v) for k, v in params.items()}
    return SsVaeConfig(**values)


def _box(size: int) -> gym.spaces.Box:
    return gym.spaces.Box(-np.inf, np.inf, (size,), np.float32)

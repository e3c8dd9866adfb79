"""``ran-gym train --agent diffusion-ql``: Diffusion-QL against a scenario in ns-3.

Writes into ``--out``: ``diffusion-ql.pt`` (a complete checkpoint: networks, EMA actor,
targets, optimisers, replay buffer, RNG states, step counters), ``progress.csv`` (one
row per environment step: reward and the losses of its update) and ``config.json``.
The oran-slicing scenario is trained in the unified [-1, 1]^d action space
(bridge.slicing.unified), decoded to a feasible allocation before it reaches ns-3.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gymnasium as gym

from agents.diffusion_ql.agent import DiffusionQL
from agents.diffusion_ql.config import DiffusionQLConfig
from bridge.commands.train import bridge_options, prepare_training
from bridge.envs import ScenarioEnv

CHECKPOINT = "diffusion-ql.pt"


def make_env(scenario: str, params: dict[str, str], **bridge: Any) -> gym.Env:
    """The scenario's env in a Box action space Diffusion-QL can act in."""
    if scenario != "oran-slicing":
        return ScenarioEnv(scenario, params, **bridge)
    from bridge.slicing.wrappers import UnifiedActionWrapper, make_wrapped_env

    return make_wrapped_env(params, UnifiedActionWrapper, **bridge)


def train_command(args: argparse.Namespace) -> Path:
    steps, out, params = prepare_training(args)
    env = make_env(args.scenario, params, **bridge_options(args, out))
    try:
        checkpoint = out / CHECKPOINT
        if getattr(args, "resume", False) and checkpoint.is_file():
            agent = DiffusionQL.load(checkpoint, env.observation_space, env.action_space,
                                     device=getattr(args, "device", "auto"))
        else:
            agent = DiffusionQL(env.observation_space, env.action_space, DiffusionQLConfig(),
                                seed=args.seed, device=getattr(args, "device", "auto"))
        (out / "config.json").write_text(json.dumps(
            {"scenario": args.scenario, "agent": "diffusion-ql", "steps": steps,
             "seed": args.seed, "agent_config": asdict(agent.config)}, indent=2, default=str))
        with open(out / "progress.csv", "a", newline="") as handle:
            _learn(agent, env, steps, csv.writer(handle), checkpoint)
    finally:
        env.close()
    return checkpoint


def _learn(agent: DiffusionQL, env: gym.Env, steps: int, writer: Any, checkpoint: Path) -> None:
    started, total = time.monotonic(), agent.num_timesteps + steps
    if agent.num_timesteps == 0:
        writer.writerow(["step", "reward", "critic_loss", "bc_loss", "q_loss"])

    def progress(a: DiffusionQL, row: dict[str, float]) -> None:
        writer.writerow([a.num_timesteps, row["reward"], row.get("critic_loss", ""),
                         row.get("bc_loss", ""), row.get("q_loss", "")])
        if a.num_timesteps % 100 == 0:
            done = a.num_timesteps - (total - steps)
            rate = done / max(time.monotonic() - started, 1e-9)
            print(f"step {a.num_timesteps}/{total}  reward {row['reward']:.3f}  "
                  f"{rate:.1f} steps/s  ETA {(total - a.num_timesteps) / max(rate, 1e-9):.0f} s",
                  file=sys.stderr)
            a.save(checkpoint)

    try:
        agent.learn(env, steps, callback=progress)
    finally:  # Ctrl-C included: keep what was learnt
        agent.save(checkpoint)

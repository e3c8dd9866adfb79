"""``ran-gym train --agent dqn``: SB3's DQN against a scenario in ns-3.

oran-slicing is wrapped in its Discrete catalogue (slice-level RBG splits × power
levels, bridge.slicing.CatalogueActionWrapper); the reference scenario's link rate is
discretised into 20 levels of 1 Mbps. Writes ``dqn.zip`` (+ its replay buffer) and
``config.json`` into ``--out``; ``--resume`` continues from them.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from agents.dqn.agent import DqnAgent, DqnConfig
from bridge.commands.train import bridge_options, prepare_training
from bridge.envs import ScenarioEnv

CHECKPOINT = "dqn.zip"


class RateLevels(gym.ActionWrapper):
    """The reference scenario's link rate as Discrete(20): action k -> k + 1 Mbps."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.action_space = gym.spaces.Discrete(20)

    def action(self, action: Any) -> np.ndarray:
        return np.array([int(action) + 1.0], np.float32)


def make_env(scenario: str, params: dict[str, str], **bridge: Any) -> gym.Env:
    if scenario == "reference":
        return RateLevels(ScenarioEnv(scenario, params, **bridge))
    if scenario != "oran-slicing":
        raise ValueError(f"no Discrete action form for scenario {scenario!r}")
    from bridge.slicing.wrappers import CatalogueActionWrapper, make_wrapped_env

    return make_wrapped_env(params, CatalogueActionWrapper, **bridge)


def train_command(args: argparse.Namespace) -> Path:
    steps, out, params = prepare_training(args)
    env = make_env(args.scenario, params, **bridge_options(args, out))
    try:
        checkpoint = out / CHECKPOINT
        resume = args.resume and checkpoint.is_file()
        agent = (DqnAgent.load(checkpoint, env, device=args.device) if resume
                 else DqnAgent(env, DqnConfig(), seed=args.seed, device=args.device))
        (out / "config.json").write_text(json.dumps(
            {"scenario": args.scenario, "agent": "dqn", "steps": steps, "seed": args.seed,
             "agent_config": asdict(agent.config)}, indent=2))
        try:
            agent.learn(steps, resume=resume)
        finally:
            agent.save(out / "dqn")
    finally:
        env.close()
    return checkpoint

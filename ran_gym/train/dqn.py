"""``ran-gym train --agent dqn``: SB3's DQN against a scenario in ns-3.

oran-slicing is wrapped in its Discrete catalogue (slice-level RBG splits × power
levels, bridge.slicing.CatalogueActionWrapper); the reference scenario's link rate is
discretised into 20 levels of 1 Mbps. Writes into ``--out``: ``dqn.zip`` (SB3's),
``dqn.replay.pkl`` (its replay buffer), ``dqn.sha256.json`` (their digests: only these
files are loaded back, see DqnAgent.load), written atomically every
``--checkpoint-every`` steps, at the end and on SIGINT/SIGTERM; ``progress.csv`` and
``tensorboard/`` (reward, ε, TD loss, simulator restarts per step); ``config.json``;
``summary.json``. ``--resume`` continues from them; ``--num-envs N`` collects from N
simulators under SB3's SubprocVecEnv. ``--out`` is locked while the training runs;
with ``--auto-restart`` a simulator that dies or hangs ends its episode (truncated) and
SB3 stores that step as a transition of reward 0 that is not terminal.
``--init CHECKPOINT`` fine-tunes another training's model (e.g. pre-trained on
``oran-slicing-twin``) with its replay buffer kept and ε at its final value.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import SubprocVecEnv

from agents.common.training import (
    RESTARTS,
    SimulatorRestarts,
    StopOnSignal,
    TrainingLog,
    write_summary,
)
from agents.dqn.agent import DqnAgent, DqnConfig
from bridge.envs import ScenarioEnv
from ran_gym.rundir import RunDirectory
from ran_gym.train.common import (
    Interrupted,
    bridge_options,
    prepare_training,
    training_directory,
    worker_env,
)

CHECKPOINT = "dqn.zip"
COLUMNS = ["reward", "epsilon", "loss", RESTARTS]


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
    from bridge.slicing.wrappers import SCENARIOS, CatalogueActionWrapper, make_wrapped_env

    if scenario not in SCENARIOS:
        raise ValueError(f"no Discrete action form for scenario {scenario!r}")
    return make_wrapped_env(params, CatalogueActionWrapper, scenario, **bridge)


def train_command(args: argparse.Namespace) -> Path:
    steps, out, params = prepare_training(args)
    with training_directory(args, out) as directory:
        return _train(args, steps, directory, params)


def _train(args: argparse.Namespace, steps: int, directory: RunDirectory,
           params: dict[str, str]) -> Path:
    out = directory.path
    bridge = bridge_options(args, out)
    num_envs = getattr(args, "num_envs", 1)
    env: gym.Env | SubprocVecEnv = make_env(args.scenario, params, **bridge) if num_envs == 1 \
        else SubprocVecEnv([functools.partial(worker_env, make_env, args.scenario, params,
                                              **bridge)] * num_envs, start_method="fork")
    checkpoint = out / CHECKPOINT
    try:
        resume = args.resume and checkpoint.is_file()
        init = getattr(args, "init", None)
        if resume:
            agent = DqnAgent.load(checkpoint, env, device=args.device)
        elif init:
            agent = DqnAgent.load(init, env, device=args.device).fine_tune(args.seed)
        else:
            agent = DqnAgent(env, DqnConfig(), seed=args.seed, device=args.device)
        restarts = SimulatorRestarts(env, out, resume)
        directory.write_json("config.json", {
            "scenario": args.scenario, "agent": "dqn", "steps": steps, "seed": args.seed,
            "num_envs": num_envs, "checkpoint_every": getattr(args, "checkpoint_every", 0),
            "auto_restart": bridge["auto_restart"], "agent_config": asdict(agent.config)})
        log = TrainingLog(out, COLUMNS, agent.model.num_timesteps + steps,
                          getattr(args, "log_every", 100))
        with StopOnSignal() as stop:
            progress = ProgressCallback(log, stop, getattr(args, "checkpoint_every", 0),
                                        lambda: agent.save(out / "dqn"), restarts)
            try:
                agent.learn(steps, resume=resume, callback=progress)
            except KeyboardInterrupt:
                raise  # a second signal: the last complete checkpoint stays
            except BaseException:
                agent.save(out / "dqn")
                raise
            finally:
                log.close()
            agent.save(out / "dqn")
            write_summary(directory, agent.model.num_timesteps, restarts())
    finally:
        env.close()
    if stop():
        raise Interrupted(checkpoint, stop.exit_code)
    return checkpoint


class ProgressCallback(BaseCallback):
    """Per step: reward (mean over sub-envs), ε and the last TD loss to the training log;
    a checkpoint every ``every`` steps; stop (return False) once a signal came."""

    def __init__(self, log: TrainingLog, stop: StopOnSignal, every: int,
                 save: Callable[[], object], restarts: Callable[[], int] = lambda: 0):
        super().__init__()
        self.log, self.stop, self.every, self.save = log, stop, every, save
        self.restarts = restarts
        self.saved = -1

    def _on_training_start(self) -> None:
        self.saved = self.num_timesteps

    def _on_step(self) -> bool:
        row = {"reward": float(np.mean(self.locals["rewards"])),
               "epsilon": float(getattr(self.model, "exploration_rate", 0.0)),
               RESTARTS: self.restarts()}
        loss = self.model.logger.name_to_value.get("train/loss")
        if loss is not None:
            row["loss"] = float(loss)
        self.log.record(self.num_timesteps, row)
        if self.every and self.num_timesteps - self.saved >= self.every:
            self.save()
            self.saved = self.num_timesteps
        return not self.stop()

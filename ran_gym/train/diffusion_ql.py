"""``ran-gym train --agent diffusion-ql``: Diffusion-QL against a scenario in ns-3.

Writes into ``--out``: ``diffusion-ql.pt`` (a complete checkpoint: networks, EMA actor,
targets, optimisers, replay buffer, RNG states, step counters; written atomically every
``--checkpoint-every`` steps, at the end and on SIGINT/SIGTERM; loads with
``torch.load(weights_only=True)``), ``progress.csv`` (one row per environment step: the
step counter after it, mean reward over the sub-envs and the losses of its last update),
``tensorboard/`` (the same scalars), ``config.json`` and ``summary.json`` (steps and
simulator restarts). ``--out`` is locked while the training runs (ran_gym.rundir);
``--auto-restart`` lets training go on past a simulator that dies or hangs (the
failed step is not stored; ``simulator_restarts`` in progress.csv counts them).
``--resume`` continues the step counter, replay buffer, optimisers and RNG states;
``--num-envs N`` collects from N simulators at once (Gymnasium AsyncVectorEnv).
The oran-slicing scenario is trained in the unified [-1, 1]^d action space
(bridge.slicing.unified), decoded to a feasible allocation before it reaches ns-3.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gymnasium as gym
from gymnasium.vector import AsyncVectorEnv, AutoresetMode

from agents.common.training import (
    RESTARTS,
    SimulatorRestarts,
    StopOnSignal,
    TrainingLog,
    write_summary,
)
from agents.diffusion_ql.agent import DiffusionQL
from agents.diffusion_ql.config import DiffusionQLConfig
from bridge.envs import ScenarioEnv
from ran_gym.rundir import RunDirectory
from ran_gym.train.common import (
    Interrupted,
    bridge_options,
    prepare_training,
    training_directory,
    worker_env,
)

CHECKPOINT = "diffusion-ql.pt"
LOSSES = ["reward", "critic_loss", "bc_loss", "q_loss", "q_mean", RESTARTS]


def make_env(scenario: str, params: dict[str, str], **bridge: Any) -> gym.Env:
    """The scenario's env in a Box action space Diffusion-QL can act in."""
    if scenario != "oran-slicing":
        return ScenarioEnv(scenario, params, **bridge)
    from bridge.slicing.wrappers import UnifiedActionWrapper, make_wrapped_env

    return make_wrapped_env(params, UnifiedActionWrapper, **bridge)


def make_vector_env(scenario: str, params: dict[str, str], num_envs: int, **bridge: Any
                    ) -> AsyncVectorEnv:
    """``num_envs`` simulators under Gymnasium's AsyncVectorEnv, autoreset DISABLED (the
    trainer resets finished episodes itself, agents.diffusion_ql.training)."""
    make = functools.partial(worker_env, make_env, scenario, params, **bridge)
    return AsyncVectorEnv([make] * num_envs, autoreset_mode=AutoresetMode.DISABLED)


def train_command(args: argparse.Namespace) -> Path:
    steps, out, params = prepare_training(args)
    with training_directory(args, out) as directory:
        return _train(args, steps, directory, params)


def _train(args: argparse.Namespace, steps: int, directory: RunDirectory,
           params: dict[str, str]) -> Path:
    out = directory.path
    bridge = bridge_options(args, out)
    num_envs = getattr(args, "num_envs", 1)
    env: gym.Env | AsyncVectorEnv = (make_env(args.scenario, params, **bridge) if num_envs == 1
                                     else make_vector_env(args.scenario, params, num_envs,
                                                          **bridge))
    checkpoint = out / CHECKPOINT
    try:
        agent = _agent(args, env, checkpoint)
        restarts = SimulatorRestarts(env, out, getattr(args, "resume", False))
        directory.write_json("config.json", {
            "scenario": args.scenario, "agent": "diffusion-ql", "steps": steps,
            "seed": args.seed, "num_envs": num_envs,
            "checkpoint_every": getattr(args, "checkpoint_every", 0),
            "auto_restart": bridge["auto_restart"], "agent_config": asdict(agent.config)})
        log = TrainingLog(out, LOSSES, agent.num_timesteps + steps,
                          getattr(args, "log_every", 100))
        with StopOnSignal() as stop:
            try:
                _learn(agent, env, steps, log, checkpoint, getattr(args, "checkpoint_every", 0),
                       stop, restarts)
            finally:
                log.close()
            write_summary(directory, agent.num_timesteps, restarts())
    finally:
        env.close()
    if stop():
        raise Interrupted(checkpoint, stop.exit_code)
    return checkpoint


def _agent(args: argparse.Namespace, env: gym.Env | AsyncVectorEnv, checkpoint: Path
           ) -> DiffusionQL:
    spaces = (env.single_observation_space, env.single_action_space) if isinstance(
        env, AsyncVectorEnv) else (env.observation_space, env.action_space)
    device = getattr(args, "device", "auto")
    graphs = getattr(args, "cuda_graphs", False)
    if getattr(args, "resume", False) and checkpoint.is_file():
        return DiffusionQL.load(checkpoint, *spaces, device=device, cuda_graphs=graphs)
    return DiffusionQL(*spaces, DiffusionQLConfig(cuda_graphs=graphs), seed=args.seed,
                       device=device)


def _learn(agent: DiffusionQL, env: gym.Env | AsyncVectorEnv, steps: int, log: TrainingLog,
           checkpoint: Path, every: int, stop: StopOnSignal,
           restarts: Callable[[], int]) -> None:
    """Learn with progress records and periodic checkpoints; the checkpoint is written at
    the end, on a stop request, and on an error between steps (not on a second signal)."""
    saved = agent.num_timesteps

    def on_step(a: DiffusionQL, row: dict[str, float]) -> None:
        nonlocal saved
        log.record(a.num_timesteps, {**row, RESTARTS: restarts()})
        if every and a.num_timesteps - saved >= every:
            a.save(checkpoint)
            saved = a.num_timesteps

    try:
        agent.learn(env, steps, callback=on_step, should_stop=stop)
    except KeyboardInterrupt:
        raise  # a second signal: the last complete checkpoint stays as it is
    except BaseException:
        agent.save(checkpoint)  # e.g. a simulator failure: keep what was learnt
        raise
    agent.save(checkpoint)

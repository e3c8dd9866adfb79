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
``--num-envs N`` collects from N simulators at once (Gymnasium AsyncVectorEnv, or with
``--rollouts ray`` N Ray actors on a local Ray or the cluster at ``--ray-address``,
ran_gym.rollouts; the key of every step they return goes to ``rollouts.csv``).
The oran-slicing scenario (in ns-3, or ``oran-slicing-twin``, the closed-form twin) is
trained in the share action space (bridge.slicing.shares), decoded to a feasible
allocation before it reaches the env.

"Diffusion-QL + demonstrations": ``--dataset DIR[,DIR...]`` (``ran-gym collect``
collections, e.g. one in the twin and one in ns-3) loads their ``--demo-policy`` episodes
as demonstrations, kept apart from the replay (each mini-batch draws ``demo_fraction`` of
its rows from them), and their other episodes into the replay; ``--pretrain-updates N``
then trains offline before the first online step (losses in ``pretrain.csv``).
``--init CHECKPOINT`` starts from another training's networks, optimisers and
demonstrations (e.g. pre-trained on the twin, fine-tuned in ns-3), with an empty replay
and the checkpoint's settings, of which ``--agent-param`` may change those that do not
shape the networks (``DiffusionQL.retune``: e.g. ``q_weight``, the learning rates).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gymnasium as gym
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, VectorEnv

from agents.common.training import (
    RESTARTS,
    SimulatorRestarts,
    StopOnSignal,
    TrainingLog,
    write_summary,
)
from agents.diffusion_ql.agent import DiffusionQL
from agents.diffusion_ql.config import DiffusionQLConfig, preset
from agents.diffusion_ql.per_ue import UeLayout
from ran_gym.cluster import ray_session
from ran_gym.rollouts.vector import LEDGER, RayVectorEnv
from ran_gym.rundir import RunDirectory
from ran_gym.train.common import (
    Interrupted,
    bridge_options,
    prepare_training,
    training_directory,
    worker_env,
)
from ran_gym.train.envs import make_env

CHECKPOINT = "diffusion-ql.pt"
LOSSES = ["reward", "critic_loss", "bc_loss", "q_loss", "q_mean", RESTARTS]


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


@contextlib.contextmanager
def rollout_env(args: argparse.Namespace, params: dict[str, str], bridge: dict[str, Any],
                out: Path) -> Iterator[gym.Env | VectorEnv]:
    """Where the transitions come from: one env, N simulators under AsyncVectorEnv, or
    (``--rollouts ray``) N Ray actors, on a local Ray or the cluster at ``--ray-address``,
    whose every step's key goes to ``rollouts.csv``. Closed on leaving."""
    num_envs = getattr(args, "num_envs", 1)
    with contextlib.ExitStack() as stack:
        env: gym.Env | VectorEnv
        if getattr(args, "rollouts", "local") == "ray":
            stack.enter_context(ray_session(getattr(args, "ray_address", None),
                                            max(num_envs, os.cpu_count() or 1)))
            env = RayVectorEnv(functools.partial(make_env, args.scenario, params, **bridge),
                               num_envs, ledger=out / LEDGER)
        elif num_envs == 1:
            env = make_env(args.scenario, params, **bridge)
        else:
            env = make_vector_env(args.scenario, params, num_envs, **bridge)
        stack.callback(env.close)
        yield env


def _train(args: argparse.Namespace, steps: int, directory: RunDirectory,
           params: dict[str, str]) -> Path:
    out = directory.path
    bridge = bridge_options(args, out)
    with rollout_env(args, params, bridge, out) as env:
        return _train_in(args, steps, directory, env)


def _train_in(args: argparse.Namespace, steps: int, directory: RunDirectory,
              env: gym.Env | VectorEnv) -> Path:
    out = directory.path
    num_envs = getattr(args, "num_envs", 1)
    checkpoint = out / CHECKPOINT
    agent = _agent(args, env, checkpoint)
    restarts = SimulatorRestarts(env, out, getattr(args, "resume", False))
    directory.write_json("config.json", {
        "scenario": args.scenario, "agent": "diffusion-ql", "steps": steps,
        "seed": args.seed, "num_envs": num_envs,
        "rollouts": getattr(args, "rollouts", "local"),
        "checkpoint_every": getattr(args, "checkpoint_every", 0),
        "auto_restart": getattr(args, "auto_restart", False),
        "agent_config": asdict(agent.config)})
    log = TrainingLog(out, LOSSES, agent.num_timesteps + steps,
                      getattr(args, "log_every", 100))
    with StopOnSignal() as stop:
        try:
            _pretrain(agent, getattr(args, "pretrain_updates", 0), out, stop)
            _learn(agent, env, steps, log, checkpoint, getattr(args, "checkpoint_every", 0),
                   stop, restarts)
        finally:
            log.close()
        write_summary(directory, agent.num_timesteps, restarts())
    if stop():
        raise Interrupted(checkpoint, stop.exit_code)
    return checkpoint


def _trainable(agent: DiffusionQL, path: Path | str) -> DiffusionQL:
    if agent.evaluation_only:
        raise ValueError(f"{path}: an evaluation-only checkpoint (DiffusionQL.export: no "
                         "online networks or optimiser states); train from the full one")
    return agent


def _agent(args: argparse.Namespace, env: gym.Env | VectorEnv, checkpoint: Path
           ) -> DiffusionQL:
    spaces = (env.single_observation_space, env.single_action_space) if isinstance(
        env, VectorEnv) else (env.observation_space, env.action_space)
    device = getattr(args, "device", "auto")
    graphs = getattr(args, "cuda_graphs", False)
    named_preset, params = getattr(args, "preset", None), getattr(args, "agent_param", [])
    if getattr(args, "resume", False) and checkpoint.is_file():
        agent = _trainable(DiffusionQL.load(checkpoint, *spaces, device=device,
                                            cuda_graphs=graphs), checkpoint)
        changed = _changed(agent.config, named_preset, agent_params(params))
        if changed:
            raise ValueError(f"--resume continues a training with its own settings; "
                             f"--preset/--agent-param would change {'; '.join(changed)}")
        return agent
    init = getattr(args, "init", None)
    if init:
        if named_preset:
            raise ValueError(f"--preset {named_preset}: with --init the networks and settings "
                             f"come from {init}; --agent-param changes the settings that do "
                             "not shape the networks")
        agent = _trainable(DiffusionQL.load(init, *spaces, device=device, cuda_graphs=graphs),
                           init)
        agent.retune(**agent_params(params))
        agent.start_again(args.seed)
        if getattr(args, "replace_demonstrations", False):
            agent.drop_demonstrations()
    else:
        config = dataclasses.replace(preset(named_preset or "default"), cuda_graphs=graphs,
                                     **agent_params(params))
        agent = DiffusionQL(*spaces, config, seed=args.seed, device=device,
                            layout=_layout(args.scenario, env))
    if getattr(args, "dataset", None):
        from bridge.slicing.wrappers import SCENARIOS

        if args.scenario not in SCENARIOS:
            raise ValueError(f"--dataset: diffusion-ql learns from ran-gym collect's "
                             f"collections of the slicing scenario, not {args.scenario!r}")
        demos, other = load_transitions(args.dataset, env, args.demo_policy)
        agent.add_demonstrations(*demos)
        agent.add_transitions(*other)
        print(f"data set: {len(demos[0])} demonstration and {len(other[0])} other "
              "transitions")
    return agent


def _slicing_config(env: gym.Env | VectorEnv) -> Any:
    """The SlicingConfig the (vector) env decodes share actions with."""
    return env.get_attr("cfg")[0] if isinstance(env, VectorEnv) else env.cfg  # type: ignore[attr-defined]


def _layout(scenario: str, env: gym.Env | VectorEnv) -> UeLayout | None:
    """The UE layout of a slicing scenario's share action (per-UE networks), else None."""
    from bridge.slicing.wrappers import SCENARIOS

    return UeLayout.of(_slicing_config(env)) if scenario in SCENARIOS else None


def _changed(config: DiffusionQLConfig, named_preset: str | None, params: dict[str, Any]
             ) -> list[str]:
    """The settings in which ``--preset`` (if named) with ``params`` differ from
    ``config``: 'name value (the training's: value)' each. The same command line again
    with ``--resume`` differs in none."""
    if named_preset:
        wanted = dataclasses.replace(preset(named_preset), **params)
        names = [f.name for f in dataclasses.fields(config) if f.name != "cuda_graphs"]
    else:
        wanted, names = dataclasses.replace(config, **params), list(params)
    return [f"{name} {getattr(wanted, name)!r} (the training's: {getattr(config, name)!r})"
            for name in names if getattr(wanted, name) != getattr(config, name)]


def agent_params(pairs: list[str]) -> dict[str, Any]:
    """``--agent-param NAME=VALUE`` as typed DiffusionQLConfig fields (numbers and words;
    the diffusion schedule has its preset); an unknown or nested field is an error."""
    kinds = {f.name: f.default for f in dataclasses.fields(DiffusionQLConfig)
             if not isinstance(f.default, dataclasses._MISSING_TYPE)}
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or name not in kinds:
            raise ValueError(f"--agent-param {pair!r}: expected NAME=VALUE with NAME one of "
                             f"{', '.join(sorted(kinds))}")
        kind = type(kinds[name])
        try:
            values[name] = text.lower() in ("1", "true", "yes") if kind is bool else kind(text)
        except ValueError:
            raise ValueError(f"--agent-param {pair!r}: not a {kind.__name__}") from None
    return values


def load_transitions(path: str, env: gym.Env | VectorEnv, demo_policy: str
                     ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A collection's transitions in the agent's action form, as (obs, actions, rewards,
    next obs, terminated, episode) columns: those of ``demo_policy``, and the others. The
    episode column keys each row's episode, unique over the collections of ``path``
    (rows of an episode together, in step order: ``critic_horizon``'s targets)."""
    import numpy as np
    import pyarrow as pa

    from bridge.slicing.allocation import Allocation
    from bridge.slicing.shares import encode
    from ran_gym.dataset.collect import load

    tables = [load(p.strip()) for p in path.split(",")]
    episodes = np.concatenate([np.asarray(t["episode"], np.int64) + (i << 40)
                               for i, t in enumerate(tables)])
    table = pa.concat_tables(tables).to_pydict()
    cfg = _slicing_config(env)
    n_rbgs = cfg.n_rbgs
    actions = [encode(cfg, Allocation(np.asarray(a), np.asarray(o).reshape(-1, n_rbgs),
                                      np.asarray(p)))
               for a, o, p in zip(table["association"], table["prb_owner"],
                                  table["power_level"], strict=True)]
    demo = np.asarray(table["policy"]) == demo_policy
    if not demo.any():
        raise ValueError(f"--dataset {path}: no episode of --demo-policy {demo_policy!r} "
                         f"(policies there: {', '.join(sorted(set(table['policy'])))})")
    columns = (np.asarray(table["obs"], np.float32), np.asarray(actions, np.float32),
               np.asarray(table["reward"], np.float32),
               np.asarray(table["next_obs"], np.float32), np.asarray(table["terminated"]),
               episodes)
    return (tuple(c[demo] for c in columns), tuple(c[~demo] for c in columns))


def _pretrain(agent: DiffusionQL, updates: int, out: Path, stop: StopOnSignal) -> None:
    """Offline updates from the stored transitions; their losses, every 50 updates, to
    ``pretrain.csv`` (update, the losses of that update, wall seconds since the first)."""
    import csv
    import sys
    import time

    if updates < 0:
        raise ValueError(f"--pretrain-updates must be >= 0, got {updates}")
    if not updates:
        return
    started = time.monotonic()
    with open(out / "pretrain.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["update", *LOSSES[1:5], "seconds"])
        for done in range(0, updates, 50):
            rows: list[dict[str, float]] = []
            agent.pretrain(min(50, updates - done), functools.partial(_keep, rows))
            writer.writerow([agent.num_updates, *(rows[-1][k] for k in LOSSES[1:5]),
                             round(time.monotonic() - started, 3)])
            if (done + 50) % 500 == 0 or done + 50 >= updates:
                print(f"pretrain: {min(done + 50, updates)}/{updates} updates, bc_loss "
                      f"{rows[-1]['bc_loss']:.4g}, {time.monotonic() - started:.0f} s",
                      file=sys.stderr)
            if stop():
                return


def _keep(rows: list[dict[str, float]], _: DiffusionQL, row: dict[str, float]) -> None:
    rows.append(row)


def _learn(agent: DiffusionQL, env: gym.Env | VectorEnv, steps: int, log: TrainingLog,
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

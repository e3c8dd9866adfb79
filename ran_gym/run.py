"""``ran-gym run``: one agent against one scenario for a number of steps, into a run
directory holding the resolved config, the seeds, the exact simulator command lines,
the simulator logs, the per-episode step traces written by ns-3 and a table of every
step (``steps.parquet``)."""

from __future__ import annotations

import dataclasses
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd

from agents.registry import make_agent
from bridge.envs import ScenarioEnv
from bridge.scenarios import get_scenario
from ran_gym.rundir import RunDirectory

# The flag that makes each scenario program write its traces into the run directory.
TRACE_FLAG = {
    "reference": "--stepTrace={run_dir}/trace-episode-{episode}.csv",
    "interference": "--stepTrace={run_dir}/trace-episode-{episode}.csv",
    "oran-slicing": "--traceDir={run_dir}/traces-episode-{episode}",
}


@dataclass(frozen=True)
class RunConfig:
    """What ``ran-gym run`` does; saved resolved as ``config.json`` in the run directory."""

    scenario: str
    """Scenario name (``ran-gym scenarios`` lists them)."""
    agent: str
    """Agent name (``random`` for now)."""
    steps: int
    """Environment steps in total; episodes restart as they end."""
    out: Path
    """Run directory to create."""
    seed: int = 0
    """Seeds the env (and through it every simulator seed) and the agent."""
    params: dict[str, Any] = field(default_factory=dict)
    """Scenario parameters; unset ones take the scenario's defaults."""
    endpoint: str = "ipc"
    """Bridge endpoint: ipc, tcp, ipc://PATH or tcp://HOST:PORT."""
    timeout_s: float = 60.0
    """Longest wait for the simulator, in seconds."""
    overwrite: bool = False
    """Replace an earlier run in ``out``."""
    runtime: str = "native"
    """Where the scenario program runs: native, docker (the scenario image) or
    launcher:ENDPOINT[@SOCKET_DIR] (a ran-gym-launcher, e.g. in another container)."""
    allow_all_interfaces: bool = False
    """Permit a tcp endpoint beyond loopback (e.g. tcp://0.0.0.0:* for a simulator in
    another container); the default refuses it."""
    auto_restart: bool = False
    """A simulator that crashes, hangs or sends garbage ends its episode as truncated and
    the run goes on with a fresh one (next seed); ``summary.json`` counts these events."""

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError(f"steps must be >= 1, got {self.steps}")
        if self.timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {self.timeout_s}")
        resolved = get_scenario(self.scenario).resolve(self.params)  # checks every value
        object.__setattr__(self, "params", resolved)


def run(config: RunConfig, progress: Any = sys.stderr) -> Path:
    """Run ``config``; returns the run directory."""
    run_dir = RunDirectory(config.out, overwrite=config.overwrite)
    try:
        run_dir.write_json("config.json", _describe(config))
        extra = [TRACE_FLAG[config.scenario]] if config.scenario in TRACE_FLAG else []
        env = ScenarioEnv(config.scenario, config.params, endpoint=config.endpoint,
                          timeout_s=config.timeout_s, run_dir=run_dir.path, extra_args=extra,
                          runtime=config.runtime, auto_restart=config.auto_restart,
                          allow_all_interfaces=config.allow_all_interfaces)
        try:
            agent = make_agent(config.agent, env, seed=config.seed)
            rows, seeds = _rollout(env, agent, config, progress)
        finally:
            env.close()
            run_dir.write_text("commands.txt", "\n".join(env.commands) + "\n")
        run_dir.write_json("seeds.json", {"seed": config.seed, "episodes": seeds})
        frame = pd.DataFrame(rows)
        run_dir.write_parquet("steps.parquet", frame)
        run_dir.write_json("summary.json",
                           {**_summary(frame), "simulator_restarts": env.restarts})
    finally:
        run_dir.release()
    return run_dir.path


def _rollout(env: ScenarioEnv, agent: Any, config: RunConfig, progress: Any
             ) -> tuple[list[dict[str, Any]], list[dict[str, int]]]:
    rows: list[dict[str, Any]] = []
    obs, _ = env.reset(seed=config.seed)
    seeds = [{"episode": 0, "sim_seed": env.sim_seed or 0}]
    episode, step, started = 0, 0, time.monotonic()
    for t in range(config.steps):
        action, _ = agent.predict(obs, deterministic=True)
        obs, reward, terminated, truncated, info = env.step(action)
        step += 1
        rows.append({"episode": episode, "step": step, "reward": reward,
                     "terminated": terminated, "truncated": truncated,
                     **_flat("action", env.action_space, action),
                     **_flat("obs", env.observation_space, obs),
                     **{f"info_{k}": v for k, v in info.items() if np.isscalar(v)}})
        if terminated or truncated:
            episode, step = episode + 1, 0
            if t + 1 < config.steps:
                obs, _ = env.reset()
                seeds.append({"episode": episode, "sim_seed": env.sim_seed or 0})
        if progress is not None and ((t + 1) % 100 == 0 or t + 1 == config.steps):
            rate = (t + 1) / max(time.monotonic() - started, 1e-9)
            print(f"step {t + 1}/{config.steps}  episode {episode}  reward {reward:.3f}  "
                  f"{rate:.0f} steps/s", file=progress)
    return rows, seeds


def _flat(prefix: str, space: gym.Space, value: Any) -> dict[str, Any]:
    """One column per number, in Gymnasium's flattening order (Dict keys sorted,
    Discrete one-hot)."""
    array = np.asarray(gym.spaces.flatten(space, value), dtype=float)
    return {f"{prefix}_{i}": float(x) for i, x in enumerate(array)}


def _describe(config: RunConfig) -> dict[str, Any]:
    described = dataclasses.asdict(config)
    described["out"] = str(config.out)
    described["program"] = str(get_scenario(config.scenario).binary())
    described["python"] = sys.version.split()[0]
    described["platform"] = platform.platform()
    return described


def _summary(frame: pd.DataFrame) -> dict[str, Any]:
    per_episode = frame.groupby("episode")["reward"].agg(["count", "sum", "mean"])
    return {
        "steps": int(len(frame)),
        "episodes": int(len(per_episode)),
        "mean_reward": float(frame["reward"].mean()),
        "episode_return": [float(x) for x in per_episode["sum"]],
    }

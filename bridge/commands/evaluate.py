"""``ran-gym evaluate``: several agents on the same episodes of one scenario.

Episode k of every agent starts with ``reset(seed=seed + k)``, so every agent meets the
same drops, channels and traffic. The run directory gets ``steps.parquet`` (one row per
agent, episode and step: reward and the simulator's info), ``summary.csv`` and
``summary.md`` (one row per agent), ``config.json``, ``commands.txt`` and, where the
scenario writes one, the simulator's per-step trace of every episode. What the
summary holds is the scenario's metrics hook (METRICS); without one, the mean reward.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from bridge.commands.run import add_scenario_arguments, parse_params

METRICS: dict[str, str] = {
    "interference": "bridge.metrics.interference:summarise",
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("evaluate", help="compare agents on identical episodes")
    add_scenario_arguments(parser)
    parser.add_argument("--agents", required=True, help="comma-separated agent names")
    parser.add_argument("--episodes", type=int, default=4, help="episodes per agent")
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per episode (default: until the episode ends)")
    parser.add_argument("--seed", type=int, default=0, help="episode k uses seed + k")
    parser.add_argument("--out", required=True, help="run directory to create")
    parser.add_argument("--overwrite", action="store_true", help="replace an earlier run")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from agents import make_agent
    from bridge.envs import ScenarioEnv
    from bridge.rundir import RunDirectory

    if args.episodes < 1 or (args.steps is not None and args.steps < 1):
        raise ValueError("--episodes and --steps must be >= 1")
    agents = [a for a in args.agents.split(",") if a]
    params = parse_params(args.param)
    run_dir = RunDirectory(Path(args.out), overwrite=args.overwrite)
    try:
        run_dir.write_json("config.json", {**vars(args), "func": None, "params": params})
        from bridge.run import TRACE_FLAG  # episodes numbered across agents, in run order

        trace = TRACE_FLAG.get(args.scenario)
        env = ScenarioEnv(args.scenario, params, endpoint=args.endpoint, timeout_s=args.timeout,
                          run_dir=run_dir.path, extra_args=[trace] if trace else [])
        rows: list[dict[str, Any]] = []
        try:
            for name in agents:
                agent = make_agent(name, env, seed=args.seed)
                for k in range(args.episodes):
                    rows += _episode(env, agent, name, k, args)
        finally:
            env.close()
            run_dir.write_text("commands.txt", "\n".join(env.commands) + "\n")
        frame = pd.DataFrame(rows)
        run_dir.write_parquet("steps.parquet", frame)
        summary = summarise(args.scenario, frame)
        run_dir.write_text("summary.csv", summary.to_csv(index=False))
        run_dir.write_text("summary.md", _markdown(summary))
    finally:
        run_dir.release()
    print(_markdown(summary))
    print(f"run directory: {run_dir.path}")
    return 0


def _episode(env: Any, agent: Any, name: str, k: int, args: argparse.Namespace
             ) -> list[dict[str, Any]]:
    obs, _ = env.reset(seed=args.seed + k)
    rows, step, start = [], 0, True
    while args.steps is None or step < args.steps:
        action, _ = agent.predict(obs, episode_start=start, deterministic=True)
        obs, reward, terminated, truncated, info = env.step(action)
        step, start = step + 1, False
        rows.append({"agent": name, "episode": k, "step": step, "reward": float(reward),
                     **{f"info_{key}": value for key, value in info.items()}})
        if terminated or truncated:
            break
    print(f"{name}: episode {k + 1}/{args.episodes} done, {step} steps", file=sys.stderr)
    return rows


def summarise(scenario: str, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per agent, from the scenario's hook or the mean reward."""
    hook: Any = None
    if scenario in METRICS:
        module, _, function = METRICS[scenario].partition(":")
        hook = getattr(importlib.import_module(module), function)
    out = []
    for name, part in frame.groupby("agent", sort=False):
        metrics = hook(part) if hook else {"mean_reward": float(part["reward"].mean())}
        out.append({"agent": name, "episodes": int(part["episode"].nunique()), **metrics})
    return pd.DataFrame(out)


def _markdown(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row)
            + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"

"""``ran-gym evaluate``: several agents on the same episodes of one scenario.

Episode k of every agent starts with ``reset(seed=seed + k)``, so every agent meets the
same drops, channels and traffic. The run directory gets ``steps.parquet`` (one row per
agent, episode and step: reward and the simulator's info), ``summary.csv`` and
``summary.md`` (one row per agent), ``config.json``, ``commands.txt`` and, where the
scenario writes one, the simulator's per-step trace of every episode. What the
summary holds is the scenario's metrics hook (METRICS); without one, the mean reward.

Each agent runs in its own env (:mod:`ran_gym.evaluation`): with the scenario parameters
it names (``ns3-pf`` and ``ns3-rr`` run the scenario with ``scheduler=pf`` / ``rr``,
the same seeds) and, for oran-slicing, in its action form (native, unified, catalogue).
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

import pandas as pd

from bridge.scenarios import parse_params
from ran_gym.commands.run import add_scenario_arguments

METRICS: dict[str, str] = {
    "interference": "bridge.metrics.interference:summarise",
    "oran-slicing": "bridge.metrics.slicing:summarise",
    "oran-slicing-twin": "bridge.metrics.slicing:summarise",
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("evaluate", help="compare agents on identical episodes")
    add_scenario_arguments(parser)
    parser.add_argument("--agents", required=True, help="comma-separated agent names")
    parser.add_argument("--checkpoint", action="append", default=[], metavar="AGENT=PATH",
                        help="checkpoint an agent loads; repeatable")
    parser.add_argument("--episodes", type=int, default=4, help="episodes per agent")
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per episode (default: until the episode ends)")
    parser.add_argument("--seed", type=int, default=0, help="episode k uses seed + k")
    parser.add_argument("--out", required=True, help="run directory to create")
    parser.add_argument("--overwrite", action="store_true", help="replace an earlier run")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ran_gym.rundir import RunDirectory

    if args.episodes < 1 or (args.steps is not None and args.steps < 1):
        raise ValueError("--episodes and --steps must be >= 1")
    agents = [a for a in args.agents.split(",") if a]
    params = parse_params(args.param)
    checkpoints = parse_params(args.checkpoint)
    run_dir = RunDirectory(Path(args.out), overwrite=args.overwrite)
    try:
        run_dir.write_json("config.json", {**vars(args), "func": None, "params": params})
        episodes = [(args.seed + k, args.seed + k) for k in range(args.episodes)]
        frame, commands = play_agents(args, agents, params, episodes, checkpoints, run_dir.path,
                                       args.seed)
        run_dir.write_text("commands.txt", "\n".join(commands) + "\n")
        run_dir.write_parquet("steps.parquet", frame)
        summary = summarise(args.scenario, frame)
        run_dir.write_text("summary.csv", summary.to_csv(index=False))
        run_dir.write_text("summary.md", markdown(summary))
    finally:
        run_dir.release()
    print(markdown(summary))
    print(f"run directory: {run_dir.path}")
    return 0


def play_agents(args: argparse.Namespace, agents: list[str], params: dict[str, str],
                episodes: list[tuple[int, int | None]], checkpoints: dict[str, str],
                out: Path, agent_seed: int) -> tuple[pd.DataFrame, list[str]]:
    """Every agent over the same ``episodes`` (ran_gym.evaluation.run_agent), each in
    the env it needs; files numbered across agents, in run order. Returns the step rows
    and every simulator command line."""
    from ran_gym.evaluation import run_agent
    from ran_gym.run import TRACE_FLAG

    trace = TRACE_FLAG.get(args.scenario)
    rows: list[dict[str, Any]] = []
    commands: list[str] = []
    for i, name in enumerate(agents):
        agent_rows, agent_commands = run_agent(
            args.scenario, name, params, episodes, args.steps, agent_seed=agent_seed,
            checkpoint=checkpoints.get(name), first_episode=i * len(episodes),
            endpoint=args.endpoint, timeout_s=args.timeout, run_dir=out,
            extra_args=[trace] if trace else [], runtime=args.runtime)
        rows += agent_rows
        commands += agent_commands
    return pd.DataFrame(rows), commands


def summarise(scenario: str, frame: pd.DataFrame, by: tuple[str, ...] = ("agent",)
              ) -> pd.DataFrame:
    """One row per ``by`` group (agent, or agent and seed), from the scenario's hook or
    the mean reward."""
    hook: Any = None
    if scenario in METRICS:
        module, _, function = METRICS[scenario].partition(":")
        hook = getattr(importlib.import_module(module), function)
    out = []
    for key, part in frame.groupby(list(by), sort=False):
        metrics = hook(part) if hook else {"mean_reward": float(part["reward"].mean())}
        out.append({**dict(zip(by, key, strict=True)),
                    "episodes": int(part["episode"].nunique()), **metrics})
    return pd.DataFrame(out)


def markdown(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row)
            + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"

"""``ran-gym evaluate``: agents on the same episodes of one scenario, one table with
confidence intervals.

For every seed s of ``--seeds`` every agent plays ``--episodes`` K episodes, from
``reset(seed=s)``, ``reset(seed=s + 1)``, ... ``reset(seed=s + K - 1)``, so that every
agent meets the same drops, channels and traffic (:mod:`ran_gym.evaluation`: each agent
in the env it needs; ``ns3-pf``/``ns3-rr`` with ns-3's stock scheduler, learned agents in
their action form). Seeds whose episodes would overlap are refused. An agent's figures
on seed s are the scenario's metrics (METRICS) over its K episodes (without a hook, the
mean reward); the table gives, per agent, their mean over the seeds and the half-width of
the 95 % Student-t interval (:func:`analysis.compare.summarise`, as ``ran-gym analyze``
does; 0 for one seed). One seed with K episodes is the scenario's metrics over those K.

``--out`` gets ``table.csv`` and ``table.md`` (one row per agent: ``seeds``,
``episodes``, then ``M`` and ``M_ci95`` for every metric M), ``seeds.csv`` (one row per
agent and seed), ``comparison.csv`` (the long form from analysis.compare),
``steps.parquet`` (one row per agent, episode and step: reward and the simulator's
info), ``config.json``, ``commands.txt`` and the simulator's files of every episode,
numbered in run order.

Every agent carries its own randomness (a stochastic policy's sampling) through the
episodes in their order, starting from ``--agent-seed``; without it, from the first of
``--seeds``, or for an agent loaded from a checkpoint that saved its generators
(Diffusion-QL), from those. The same command gives the same table, and other
``--agent-seed`` values show how much of an agent's figure is its own sampling rather
than the drops.

``compare`` is the name this command had for the table with confidence intervals; it
still runs it, with a note, for one release.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from bridge.scenarios import parse_params
from ran_gym.commands import paths
from ran_gym.commands.run import add_scenario_arguments

METRICS: dict[str, str] = {
    "interference": "bridge.metrics.interference:summarise",
    "oran-slicing": "bridge.metrics.slicing:summarise",
    "oran-slicing-twin": "bridge.metrics.slicing:summarise",
}
OLD_NAME = "compare"


def register(sub: argparse._SubParsersAction) -> None:
    add_arguments(sub.add_parser(
        "evaluate", help="agents on the same seeded episodes: mean and 95%% CI table"))
    old = sub.add_parser(OLD_NAME)  # no help=: not listed by --help
    add_arguments(old)
    old.set_defaults(func=run_old_name)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_arguments(parser)
    parser.add_argument("--agents", required=True, help="comma-separated agent names")
    parser.add_argument("--seeds", default="0,1,2",
                        help="comma-separated seeds, one table sample each (default 0,1,2)")
    parser.add_argument("--episodes", type=int, default=1,
                        help="episodes per seed: seeds s, s+1, ... (default 1)")
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per episode (default: until the episode ends)")
    parser.add_argument("--checkpoint", action="append", default=[], metavar="AGENT=PATH",
                        type=paths.agent_path, help="checkpoint an agent loads; repeatable")
    parser.add_argument("--agent-seed", type=int, default=None,
                        help="seed of the agents' own randomness (Diffusion-QL's decision "
                             "samples, random's actions; default: the first of --seeds, or "
                             "the generators a checkpoint saved)")
    parser.add_argument("--out", required=True, type=paths.path, help="directory to create")
    parser.add_argument("--overwrite", action="store_true", help="replace an earlier one")
    parser.set_defaults(func=run)


def run_old_name(args: argparse.Namespace) -> int:
    print(f"ran-gym: `{OLD_NAME}` is now `evaluate` (same flags); the old name goes in the "
          "next release", file=sys.stderr)
    return run(args)


def parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ValueError(f"--seeds: {text!r} is not a comma-separated list of integers") from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds: {text!r} must name at least one seed, each once")
    return seeds


def episode_seeds(seeds: list[int], episodes: int) -> list[tuple[int, int]]:
    """(seed, reset seed) of every episode: s, s + 1, ..., s + episodes - 1 per seed s;
    a ValueError when two seeds would share an episode."""
    if episodes < 1:
        raise ValueError(f"--episodes must be >= 1, got {episodes}")
    out = [(s, s + k) for s in seeds for k in range(episodes)]
    played: dict[int, int] = {}
    for seed, reset in out:
        if reset in played:
            raise ValueError(f"--seeds {','.join(map(str, seeds))} with --episodes {episodes}: "
                             f"seeds {played[reset]} and {seed} would both play seed {reset}; "
                             f"keep the seeds at least {episodes} apart, or give one seed")
        played[reset] = seed
    return out


def run(args: argparse.Namespace) -> int:
    from ran_gym.rundir import RunDirectory

    seeds = parse_seeds(args.seeds)
    episodes = episode_seeds(seeds, args.episodes)
    if args.steps is not None and args.steps < 1:
        raise ValueError(f"--steps must be >= 1, got {args.steps}")
    agents = [a for a in args.agents.split(",") if a]
    if not agents or len(set(agents)) != len(agents):
        raise ValueError(f"--agents: {args.agents!r} must name at least one agent, each once")
    params, checkpoints = parse_params(args.param), parse_params(args.checkpoint)
    unknown = sorted(set(checkpoints) - set(agents))
    if unknown:
        raise ValueError(f"--checkpoint {', '.join(unknown)}: not among --agents")
    if args.agent_seed is not None and args.agent_seed < 0:
        raise ValueError(f"--agent-seed must be >= 0, got {args.agent_seed}")
    agent_seed = seeds[0] if args.agent_seed is None else args.agent_seed
    run_dir = RunDirectory(Path(args.out), overwrite=args.overwrite)
    try:
        run_dir.write_json("config.json", {**vars(args), "func": None, "command": "evaluate",
                                           "params": params, "seeds": seeds})
        frame, commands = play_agents(args, agents, params, episodes, checkpoints,
                                      run_dir.path, agent_seed=agent_seed)
        run_dir.write_text("commands.txt", "\n".join(commands) + "\n")
        run_dir.write_parquet("steps.parquet", frame)
        per_seed = summarise(args.scenario, frame, by=("agent", "seed"))
        long, table = compare_table(per_seed, agents)
        run_dir.write_text("seeds.csv", per_seed.to_csv(index=False))
        run_dir.write_text("comparison.csv", long.to_csv(index=False))
        run_dir.write_text("table.csv", table.to_csv(index=False))
        run_dir.write_text("table.md", markdown(table))
    finally:
        run_dir.release()
    print(markdown(table))
    print(f"directory: {run_dir.path}")
    return 0


def play_agents(args: argparse.Namespace, agents: list[str], params: dict[str, str],
                episodes: list[tuple[int, int]], checkpoints: dict[str, str],
                out: Path, agent_seed: int) -> tuple[pd.DataFrame, list[str]]:
    """Every agent over the same ``episodes`` (ran_gym.evaluation.run_agent), each in
    the env it needs; files numbered across agents, in run order. Returns the step rows
    and every simulator command line."""
    from ran_gym.evaluation import check_checkpoint, run_agent
    from ran_gym.run import TRACE_FLAG

    trace = TRACE_FLAG.get(args.scenario)
    bridge = {"endpoint": args.endpoint, "timeout_s": args.timeout, "runtime": args.runtime}
    for name in agents:  # a checkpoint that does not load stops the run before any episode
        if name in checkpoints:
            check_checkpoint(args.scenario, name, params, checkpoints[name], **bridge)
    rows: list[dict[str, Any]] = []
    commands: list[str] = []
    for i, name in enumerate(agents):
        agent_rows, agent_commands = run_agent(
            args.scenario, name, params, list(episodes), args.steps, agent_seed=agent_seed,
            checkpoint=checkpoints.get(name), first_episode=i * len(episodes),
            reseed=args.agent_seed is not None, run_dir=out,
            extra_args=[trace] if trace else [], **bridge)
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


def compare_table(per_seed: pd.DataFrame, agents: list[str]
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(analysis.compare.summarise's long table, one row per agent in ``agents``' order
    with ``seeds`` and ``episodes``, then ``M`` and ``M_ci95`` for every metric M)."""
    from analysis.compare import summarise as over_seeds

    metrics = [c for c in per_seed.columns if c not in ("agent", "seed", "episodes")]
    long = over_seeds(per_seed, metrics, by="agent", seed="seed")
    rows = []
    for agent in agents:
        part = long[long["agent"] == agent].set_index("metric")
        row: dict[str, object] = {
            "agent": agent, "seeds": int(part["seeds"].iloc[0]),
            "episodes": int(per_seed.loc[per_seed["agent"] == agent, "episodes"].sum())}
        for metric in metrics:
            row[metric] = float(part.loc[metric, "mean"])
            row[f"{metric}_ci95"] = float(part.loc[metric, "ci_half_width"])
        rows.append(row)
    return long, pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row)
            + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"

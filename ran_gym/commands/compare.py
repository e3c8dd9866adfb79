"""``ran-gym compare``: agents on the same ns-3 seeds, one table with confidence intervals.

For every seed s of ``--seeds`` every agent plays ``--episodes`` K episodes, the first
from ``reset(seed=s)`` and the others from the env's next seeds, so that each agent
meets the same drops, channels and traffic (ran_gym.evaluation: each agent in the env it
needs; ``ns3-pf``/``ns3-rr`` with ns-3's stock scheduler). An agent's figures on seed s
are the scenario's metrics (``ran-gym evaluate``'s hook) over its K episodes; the table
gives, per agent, their mean over the seeds and the half-width of the 95 % Student-t
interval (:func:`analysis.compare.summarise`, as ``ran-gym analyze`` does).

``--out`` gets ``table.csv`` and ``table.md`` (one row per agent: ``M`` and ``M_ci95``
for every metric M), ``seeds.csv`` (one row per agent and seed), ``comparison.csv``
(the long form from analysis.compare), ``steps.parquet``, ``config.json``,
``commands.txt`` and the simulator's files of every episode, numbered in run order.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from bridge.scenarios import parse_params
from ran_gym.commands.evaluate import markdown, play_agents, summarise
from ran_gym.commands.run import add_scenario_arguments


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("compare", help="agents on the same seeds: mean and 95%% CI table")
    add_scenario_arguments(parser)
    parser.add_argument("--agents", required=True, help="comma-separated agent names")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    parser.add_argument("--episodes", type=int, default=1, help="episodes per seed (default 1)")
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per episode (default: until the episode ends)")
    parser.add_argument("--checkpoint", action="append", default=[], metavar="AGENT=PATH",
                        help="checkpoint an agent loads; repeatable")
    parser.add_argument("--out", required=True, help="directory to create")
    parser.add_argument("--overwrite", action="store_true", help="replace an earlier one")
    parser.set_defaults(func=run)


def parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ValueError(f"--seeds: {text!r} is not a comma-separated list of integers") from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds: {text!r} must name at least one seed, each once")
    return seeds


def run(args: argparse.Namespace) -> int:
    from ran_gym.rundir import RunDirectory

    seeds = parse_seeds(args.seeds)
    if args.episodes < 1 or (args.steps is not None and args.steps < 1):
        raise ValueError("--episodes and --steps must be >= 1")
    agents = [a for a in args.agents.split(",") if a]
    if not agents or len(set(agents)) != len(agents):
        raise ValueError(f"--agents: {args.agents!r} must name at least one agent, each once")
    params, checkpoints = parse_params(args.param), parse_params(args.checkpoint)
    unknown = sorted(set(checkpoints) - set(agents))
    if unknown:
        raise ValueError(f"--checkpoint {', '.join(unknown)}: not among --agents")
    episodes = [(s, s if k == 0 else None) for s in seeds for k in range(args.episodes)]
    run_dir = RunDirectory(Path(args.out), overwrite=args.overwrite)
    try:
        run_dir.write_json("config.json", {**vars(args), "func": None, "params": params,
                                           "seeds": seeds})
        frame, commands = play_agents(args, agents, params, episodes, checkpoints,
                                      run_dir.path, agent_seed=seeds[0])
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


def compare_table(per_seed: pd.DataFrame, agents: list[str]
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(analysis.compare.summarise's long table, one row per agent in ``agents``' order
    with ``seeds``, then ``M`` and ``M_ci95`` for every metric M)."""
    from analysis.compare import summarise as over_seeds

    metrics = [c for c in per_seed.columns if c not in ("agent", "seed", "episodes")]
    long = over_seeds(per_seed, metrics, by="agent", seed="seed")
    rows = []
    for agent in agents:
        part = long[long["agent"] == agent].set_index("metric")
        row: dict[str, object] = {"agent": agent, "seeds": int(part["seeds"].iloc[0])}
        for metric in metrics:
            row[metric] = float(part.loc[metric, "mean"])
            row[f"{metric}_ci95"] = float(part.loc[metric, "ci_half_width"])
        rows.append(row)
    return long, pd.DataFrame(rows)

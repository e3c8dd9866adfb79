"""``ran-gym table2``: Table II of paper A, agents' allocations against ESA's.

The test set is a held-out ESA data set (``ran-gym dataset --solver esa``, exact
labels, at a size where ESA is tractable). Each agent sees every test observation (the
state at reset of the drop), acts deterministically, and its action is decoded the way
the env decodes it in ns-3 (unified or catalogue wrapper; native agents as they are)
into an Allocation. Against ESA's allocation of the same drop it is scored by
:mod:`analysis.accuracy` on the normalised action vectors and their binary entries
(:mod:`bridge.slicing.labels`): MAE, R^2, cosine similarity, BAEP (association and RBG
entries; ``baep_rbg_pct`` over the RBG entries alone), ``prb_share_mae`` (mean over UEs
and drops of |agent's - ESA's PRBs owned / K|: blind to which RBGs carry them, which
the twin treats as interchangeable) and ``reward_ratio``, the twin reward of the agent's
allocations over ESA's, summed over the drops.

Agents with a checkpoint load it (``--checkpoint diffusion-ql=DIR/diffusion-ql.pt``);
others (``max-sinr``, ``random``) are built as they are. Each agent's env is started
once for its spaces (ran_gym.evaluation.make_env with the data set's network).
Writes ``table2.csv``, ``table2.md`` and ``config.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bridge.scenarios import parse_params
from ran_gym.commands import paths


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("table2", help="agents' allocations against ESA's (paper A Table II)")
    parser.add_argument("--test", required=True, type=paths.path,
                        help="held-out ESA data set (Parquet)")
    parser.add_argument("--agents", default="diffusion-ql,dqn,ss-vae",
                        help="comma-separated agent names (default diffusion-ql,dqn,ss-vae)")
    parser.add_argument("--checkpoint", action="append", default=[], metavar="AGENT=PATH",
                        type=paths.agent_path,
                        help="checkpoint an agent loads; repeatable")
    parser.add_argument("--seed", type=int, default=0, help="seed of agents built afresh")
    parser.add_argument("--out", required=True, type=paths.path, help="directory for the table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bridge.slicing.labels import read_dataset

    frame, cfg = read_dataset(args.test)
    if not bool(frame["exact"].all()) or set(frame["solver"]) != {"esa"}:
        raise ValueError(f"--test {args.test}: Table II needs exact ESA labels "
                         "(ran-gym dataset --solver esa)")
    checkpoints = parse_params(args.checkpoint)
    agents = [a for a in args.agents.split(",") if a]
    rows = [{"agent": name, "drops": len(frame),
             **score(name, cfg, frame, checkpoints.get(name), args.seed)} for name in agents]
    table = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from ran_gym.commands.evaluate import markdown

    (out / "table2.csv").write_text(table.to_csv(index=False))
    (out / "table2.md").write_text(markdown(table))
    (out / "config.json").write_text(json.dumps(
        {"test": str(args.test), "agents": agents, "checkpoints": checkpoints,
         "seed": args.seed, "slicing_config": dataclasses.asdict(cfg),
         "command": " ".join(["ran-gym", *sys.argv[1:]])}, indent=2, default=str))
    print(markdown(table))
    return 0


def env_params(cfg: Any) -> dict[str, str]:
    """The scenario parameters of the data set's network (program names, plus the
    SlicingConfig fields the program has no parameter for)."""
    from bridge.slicing.params import ns3_params

    params = {k: str(v) for k, v in ns3_params(cfg).items()}
    params["power_levels_db"] = ",".join(str(v) for v in cfg.power_levels_db)
    params["fixed_association"] = str(cfg.fixed_association).lower()
    params["handover"] = "false" if cfg.fixed_association else "true"
    return params


def score(name: str, cfg: Any, frame: pd.DataFrame, checkpoint: str | None,
          seed: int) -> dict[str, float]:
    """Table II's figures of agent ``name`` on the test rows."""
    from agents.registry import make_agent
    from ran_gym.evaluation import make_env

    env = make_env("oran-slicing", name, env_params(cfg))
    try:
        loaded = {"checkpoint": checkpoint} if checkpoint is not None else {}
        agent = make_agent(name, env, seed=seed, **loaded)
        predicted = [decide(env, agent, cfg, np.asarray(obs, dtype=np.float32))
                     for obs in frame["observation"]]
    finally:
        env.close()
    return figures(cfg, frame, predicted)


def decide(env: Any, agent: Any, cfg: Any, obs: np.ndarray) -> Any:
    """The Allocation the env would apply for the agent's action on ``obs``."""
    from bridge.slicing.allocation import Allocation

    action, _ = agent.predict(obs, deterministic=True)
    if hasattr(env, "allocate"):  # a slicing ActionWrapper: decode as in ns-3
        env.last_obs = obs
        return env.allocate(action)
    return Allocation.from_native(action)


def figures(cfg: Any, frame: pd.DataFrame, predicted: list[Any]) -> dict[str, float]:
    """Table II's figures of ``predicted`` allocations against the rows' labels."""
    from analysis.accuracy import accuracy_row, baep
    from bridge.slicing.labels import normalised_vector, row_allocation
    from bridge.slicing.twin import evaluate
    from bridge.slicing.unified import binary_entries

    truth = [row_allocation(cfg, row) for _, row in frame.iterrows()]
    pred_v = np.stack([normalised_vector(cfg, a) for a in predicted])
    true_v = np.stack([normalised_vector(cfg, a) for a in truth])
    pred_b = np.stack([binary_entries(cfg, a) for a in predicted])
    true_b = np.stack([binary_entries(cfg, a) for a in truth])
    rbg = slice(cfg.n_ues * cfg.n_rus, None)
    gains = [np.asarray(g, dtype=np.float64).reshape(cfg.n_ues, cfg.n_rus)
             for g in frame["gain_db"]]
    reward = sum(evaluate(cfg, g, a).reward for g, a in zip(gains, predicted, strict=True))
    shares = [np.stack([prb_shares(cfg, a) for a in side]) for side in (predicted, truth)]
    return {**accuracy_row(pred_v, true_v, pred_b, true_b),
            "baep_rbg_pct": baep(pred_b[:, rbg], true_b[:, rbg]),
            "prb_share_mae": float(np.abs(shares[0] - shares[1]).mean()),
            "reward_ratio": float(reward / frame["reward"].sum())}


def prb_shares(cfg: Any, alloc: Any) -> np.ndarray:
    """PRBs each UE owns, as a share of one carrier's K, [U]: what the twin's reward
    depends on, whichever RBGs carry them."""
    return np.asarray(alloc.ownership(cfg.n_ues) @ cfg.rbg_prbs, dtype=np.float64) / cfg.n_prbs

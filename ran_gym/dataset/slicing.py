"""``ran-gym dataset --scenario oran-slicing --solver esa|milp``: optimal allocations.

Each sample is one drop: the observation at reset (from which the gains are read, as an
agent would), the optimal allocation in structured and unified form, its twin reward,
the solver's bound and gap, the config and the seed. Drops come from the ns-3 program
when it is built (``source=ns3``; ``auto`` picks it then) and otherwise from the Python
dropper of the same geometry (``source=python``).

``--param`` takes SlicingConfig fields (``n_ues=4``, ``power_levels_db=-3,0,3``,
``slice_shares=embb:0.5,urllc:0.5``) and ``source``, ``time_limit_s`` and ``milp_mode``
(auto | exact | bounds) for the MILP, ``pathloss`` (Python drops: uma | macro-3.76).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bridge.scenarios import parse_params
from bridge.slicing import esa, milp
from bridge.slicing.config import SlicingConfig
from bridge.slicing.drop import DropConfig, draw
from bridge.slicing.layout import gains_from_observation, make_observation
from bridge.slicing.params import config_from_params, ns3_params
from bridge.slicing.solution import Solution
from bridge.slicing.twin import evaluate
from bridge.slicing.unified import encode

SCENARIO = "oran-slicing"
_OWN_PARAMS = ("source", "time_limit_s", "milp_mode", "pathloss")


def build_esa(args: argparse.Namespace) -> Path:
    return build(args, "esa")


def build_milp(args: argparse.Namespace) -> Path:
    return build(args, "milp")


def build(args: argparse.Namespace, solver: str) -> Path:
    """Write ``args.n`` labelled drops (seeds ``args.seed`` ...) to ``args.out``."""
    params = parse_params(args.param)
    own = {k: params.pop(k) for k in _OWN_PARAMS if k in params}
    cfg = config_from_params(params, also_known=_OWN_PARAMS)
    source = resolve_source(str(own.get("source", "auto")))
    drop_cfg = DropConfig(pathloss=str(own.get("pathloss", "uma")))
    time_limit = float(own.get("time_limit_s", 30.0))
    n = 10 if args.n is None else int(args.n)
    if n < 1:
        raise ValueError(f"--n: {n} is outside [1, inf)")
    rows = []
    for i in range(n):
        seed = int(args.seed) + i
        obs = observe(cfg, seed, source, drop_cfg)
        gain_db = gains_from_observation(obs, cfg)
        if solver == "esa":
            solution = esa.solve(cfg, gain_db)
        else:
            solution = milp.solve(cfg, gain_db, mode=str(own.get("milp_mode", "auto")),
                                  time_limit_s=time_limit)
        rows.append(sample(cfg, i, seed, source, obs, gain_db, solution))
    return write(Path(args.out), rows, cfg, {"solver": solver, "source": source, **own})


def resolve_source(source: str) -> str:
    if source not in ("auto", "ns3", "python"):
        raise ValueError(f"--param source: {source!r} is not one of auto, ns3, python")
    if source != "auto":
        return source
    from bridge.scenarios import SCENARIOS

    spec = SCENARIOS.get(SCENARIO)
    return "ns3" if spec is not None and spec.binary().is_file() else "python"


def observe(cfg: SlicingConfig, seed: int, source: str, drop_cfg: DropConfig) -> np.ndarray:
    """The observation at reset of drop ``seed``."""
    if source == "python":
        return make_observation(cfg, draw(cfg, np.random.default_rng(seed), drop_cfg).gain_db)
    from bridge.envs import ScenarioEnv

    env = ScenarioEnv(SCENARIO, ns3_params(cfg))
    try:
        obs, _ = env.reset(seed=seed)
    finally:
        env.close()
    return np.asarray(obs, dtype=np.float32)


def sample(cfg: SlicingConfig, index: int, seed: int, source: str, obs: np.ndarray,
           gain_db: np.ndarray, solution: Solution) -> dict[str, Any]:
    alloc = solution.allocation
    result = evaluate(cfg, gain_db, alloc)
    return {
        "drop": index, "seed": seed, "source": source,
        "observation": np.asarray(obs, dtype=np.float32).tolist(),
        "gain_db": gain_db.reshape(-1).tolist(),
        "association": alloc.association.astype(np.int32).tolist(),
        "prb_owner": alloc.prb_owner.reshape(-1).astype(np.int32).tolist(),
        "power_level": alloc.power_level.astype(np.int32).tolist(),
        "unified_action": encode(cfg, alloc).tolist(),
        "reward": solution.reward, "bound": solution.bound, "gap": solution.gap,
        "exact": solution.exact, "solver": solution.solver,
        "sum_rate_mbps": result.sum_rate_mbps, "qos_share": float(result.qos_ok.mean()),
        "solve_time_s": solution.solve_time_s,
    }


def write(path: Path, rows: list[dict[str, Any]], cfg: SlicingConfig,
          extra: dict[str, Any]) -> Path:
    """Parquet with the config (JSON) in the schema metadata and a column; atomic."""
    config_json = json.dumps({"scenario": SCENARIO, "config": dataclasses.asdict(cfg),
                              **extra}, default=str)
    frame = pd.DataFrame(rows)
    frame["config"] = config_json
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           b"ran_gym.config": config_json.encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.partial")
    pq.write_table(table, partial)
    os.replace(partial, path)
    return path

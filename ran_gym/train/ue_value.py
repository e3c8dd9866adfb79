"""``ran-gym train --scenario oran-slicing --agent ue-value --dataset DIR[,DIR...]
[--iterations N --num-envs K --seed S]``.

Fits the per-UE value table of :mod:`agents.ue_value` on the transitions of one or
more collections (``ran-gym collect`` of the same scenario and network): one pass, no
simulator. The collections' policies need not be good ones; they must give UEs of
every slice a spread of RBG counts (``qos-greedy`` and ``qos-greedy:noise=0.3``, as
``make demo`` collects, do).

``--iterations N`` adds one round of policy iteration against the scenario: the table
fitted on ``--dataset`` (``--out/first/``) plays N steps in it from K simulators (whole
episodes, K at a time, so up to K episodes more), every other episode with share-space
noise OWN_NOISE (``ran-gym collect --policy ue-value,ue-value:noise=0.3 --checkpoint
...``, episode i from reset seed S + i, into ``--out/own/``; ``--param maxSteps=...``
sets the episode length), and the table is fitted again on ``--dataset`` and its own
play. ``progress.csv`` then holds the reward
of each step it played, for ``ran-gym analyze``; ``--resume`` continues a round that
stopped; ``--overwrite`` replaces a finished one.

Writes into ``--out``: ``ue-value.json`` (the table: the agent's checkpoint,
``ran-gym evaluate --checkpoint ue-value=...``), ``table.csv`` (one row per cell:
slice, rate bin, RBGs, rows, mean throughput and QoS share, and the value the agent
uses) and ``config.json`` (the collections, their transitions and per-UE rows, and the
fit's settings). ``--agent-param min_rows=N``: the rows a cell needs for its mean to
count (default 30).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from agents.ue_value import MIN_ROWS, RATE_EDGES, UeValueTable, fit
from ran_gym.train.common import parse_params

CHECKPOINT = "ue-value.json"
SLICE_NAMES = ("embb", "urllc", "mmtc")
OWN_NOISE = 0.3
"""Share-space noise of every other episode of its own play (``--iterations``): the
counts next to the ones it chooses, which its next table needs to tell them apart."""


def train_command(args: argparse.Namespace) -> Path:
    from ran_gym.evaluation import make_env

    own_steps = args.iterations
    if own_steps is not None and own_steps < 1:
        raise ValueError(f"--iterations {own_steps}: the steps of its own play must be >= 1")
    if not getattr(args, "dataset", None):
        raise ValueError("--dataset: ue-value learns from the outcomes in a collection "
                         f"(ran-gym collect --scenario {args.scenario} ...)")
    min_rows = _min_rows(getattr(args, "agent_param", []))
    out = Path(args.out)
    if (out / CHECKPOINT).exists() and not getattr(args, "overwrite", False):
        raise ValueError(f"--out {out} holds an earlier fit ({CHECKPOINT}); pass --overwrite "
                         "to replace it")
    paths = [p.strip() for p in args.dataset.split(",")]
    env = make_env(args.scenario, "ue-value", parse_params(args.param))
    cfg = env.cfg  # type: ignore[attr-defined]
    env.close()
    for path in paths:
        _check_collection(Path(path), args.scenario)
    if own_steps is None:
        return _fit_into(out, cfg, args, paths, min_rows, None)
    return _own_play(out, cfg, args, paths, min_rows, own_steps)


def _own_play(out: Path, cfg: Any, args: argparse.Namespace, paths: list[str], min_rows: int,
              steps: int) -> Path:
    """One round of policy iteration: fit, play ``steps`` in the scenario, fit on both."""
    from ran_gym.dataset.collect import collect_command, load

    own = out / "own"
    if args.overwrite and not args.resume:
        for earlier in (own, out / "first"):
            shutil.rmtree(earlier, ignore_errors=True)
    first = _fit_into(out / "first", cfg, args, paths, min_rows, None)
    collect_command(argparse.Namespace(
        scenario=args.scenario, param=args.param, policy=f"ue-value,ue-value:noise={OWN_NOISE}",
        checkpoint=[f"ue-value={first}"], steps=steps, num_envs=args.num_envs, seed=args.seed,
        out=str(own), resume=args.resume, runtime=args.runtime, rollouts="local",
        ray_address=None))
    played = load(own).to_pydict()
    with open(out / "progress.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "reward"])
        writer.writerows((i, reward) for i, reward in enumerate(played["reward"], 1))
    print(f"ue-value: {len(played['reward'])} steps of its own play, mean reward "
          f"{np.mean(played['reward']):.4f}")
    return _fit_into(out, cfg, args, [*paths, str(own)], min_rows, {
        "steps": steps, "noise": OWN_NOISE, "seed": args.seed, "num_envs": args.num_envs,
        "from": str(first)})


def _fit_into(out: Path, cfg: Any, args: argparse.Namespace, paths: list[str], min_rows: int,
              own_play: dict[str, Any] | None) -> Path:
    """The table of ``paths``' transitions, with its table.csv and config.json (and how
    its own play was collected, if it was), in ``out``."""
    import pyarrow as pa

    from bridge.slicing.layout import observation_size
    from ran_gym.dataset.collect import load

    table = pa.concat_tables([load(p) for p in paths]).to_pydict()
    if table["obs"] and (len(table["obs"][0]) != observation_size(cfg)
                         or len(table["prb_owner"][0]) != cfg.n_rus * cfg.n_rbgs):
        raise ValueError(f"--dataset {args.dataset}: collected on another network than "
                         f"--scenario {args.scenario} with these --param values "
                         f"({cfg.n_ues} UEs, {cfg.n_rus} O-RUs, {cfg.n_rbgs} RBGs)")
    model = fit(cfg, np.asarray(table["obs"], np.float64), np.asarray(table["next_obs"]),
                np.asarray(table["association"]), np.asarray(table["prb_owner"]), min_rows)
    out.mkdir(parents=True, exist_ok=True)
    _write_cells(out / "table.csv", model, model.values(cfg))
    (out / "config.json").write_text(json.dumps(
        {"scenario": args.scenario, "agent": "ue-value", "dataset": paths,
         "transitions": len(table["obs"]), "ue_rows": int(model.rows.sum()),
         "min_rows": min_rows, "rate_edges_mbps": list(RATE_EDGES), "own_play": own_play},
        indent=2))
    print(f"ue-value: {int(model.rows.sum())} per-UE rows of {len(table['obs'])} "
          f"transitions in {int((model.rows >= model.min_rows).sum())} cells of "
          f"{model.min_rows}+ rows")
    return model.save(out / CHECKPOINT)


def _min_rows(pairs: list[str]) -> int:
    """``--agent-param min_rows=N`` (the only one ue-value takes), else MIN_ROWS."""
    min_rows = MIN_ROWS
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name != "min_rows" or not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"--agent-param {pair!r}: ue-value takes min_rows=N, N >= 1 "
                             "(rows a table cell needs)")
        min_rows = int(value)
    return min_rows


def _check_collection(path: Path, scenario: str) -> None:
    """A collection directory of ``scenario``; label sets have no outcome to learn from."""
    if path.is_file():
        raise ValueError(f"--dataset {path}: a label set's next observation repeats its "
                         "first, so it holds no outcome; ue-value needs a collection "
                         "directory (ran-gym collect)")
    manifest = path / "manifest.json"
    if manifest.is_file():
        collected = json.loads(manifest.read_text()).get("scenario")
        if collected != scenario:
            raise ValueError(f"--dataset {path}: collected in {collected}, not in "
                             f"--scenario {scenario}: the table learns that scenario's "
                             "outcomes")


def _write_cells(path: Path, model: UeValueTable, values: np.ndarray) -> None:
    edges = (0.0, *model.rate_edges)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["slice", "rate_from_mbps", "rbgs", "rows", "throughput_mbps", "qos",
                         "value"])
        for (s, b, k), rows in np.ndenumerate(model.rows):
            writer.writerow([SLICE_NAMES[s], edges[b], k, rows,
                             _cell(float(model.throughput_mbps[s, b, k])),
                             _cell(float(model.qos[s, b, k])), round(float(values[s, b, k]), 6)])


def _cell(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.6g}"

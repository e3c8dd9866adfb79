"""DAgger for the demo's Diffusion-QL agent: ue-value's actions as labels on states of
other play, added to its demonstrations (docs/slicing-agents.md, "DAgger: ue-value's
labels on the agent's own states"; run by scripts/dagger_probe.sh).

    scripts/dagger_probe.py update --checkpoint DQL.pt [--label DIR,... --fit UE_VALUE.json] \
        --updates N --out OUT
    scripts/dagger_probe.py shortcut --collection DIR [--fit UE_VALUE.json] [--out FILE]

ue-value decides from each UE's gains and slice alone, so any state of any collection can
be labelled with the action it takes there, without playing it. The states of the
collections in ``--label`` join the checkpoint's demonstrations, each with ue-value's
action (share form, as ``ran-gym train --dataset`` encodes collections). The reward and
next observation stored with such a row are those of the action that was played, not of
the label, so the critics must not learn from them: for the N updates their learning
rate is 1e-12 (Adam's steps are about that size whatever the gradient) and only the
policy learns, its BC term on the demonstrations, old and new. Without ``--label``: the
same updates with the critics held the same way and no new demonstrations (the
control). OUT gets ``diffusion-ql.pt`` (the critics' learning rate restored) and
``updates.csv`` (the losses every 50 updates).

``shortcut`` tells how much a UE's last outcome, which the agent reads, says about the
next action in a collection: per slice, from each episode's third step on, the share of
UEs given no RBG and their mean RBGs, after a step where the UE met its QoS and after one
where it missed it; with ``--fit``, beside them the same for ue-value's action in the
same states.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch

from agents.baselines.slicing import slicing_config
from agents.diffusion_ql.agent import LOSSES, DiffusionQL
from agents.registry import make_agent
from agents.ue_value.agent import UeValueAgent, allocation_rbgs, rbgs_held
from bridge.slicing import shares
from bridge.slicing.allocation import Allocation
from bridge.slicing.layout import gains_from_observation, observation_size, observation_slices
from ran_gym.dataset.collect import load
from ran_gym.evaluation import make_env

FROZEN_LR = 1e-12
"""The critics' learning rate while the policy learns from the labels."""


def expert_allocations(env: Any, fit: Path, obs: np.ndarray) -> list[Allocation]:
    """ue-value's allocation in each observation [N, obs] (it needs only the gains)."""
    cfg = slicing_config(env)
    expert = UeValueAgent(env, checkpoint=str(fit))
    return [expert.allocate(gains_from_observation(row.astype(np.float64), cfg)) for row in obs]


def labelled(env: Any, fit: Path, collections: list[str]) -> tuple[np.ndarray, ...]:
    """The collections' transitions with ue-value's action in place of the one played:
    (obs, actions, rewards, next obs, terminated), as ``add_demonstrations`` takes them."""
    cfg = slicing_config(env)
    table = pa.concat_tables([load(path) for path in collections]).to_pydict()
    obs = np.asarray(table["obs"], np.float32)
    actions = np.stack([shares.encode(cfg, a) for a in expert_allocations(env, fit, obs)])
    return (obs, actions.astype(np.float32), np.asarray(table["reward"], np.float32),
            np.asarray(table["next_obs"], np.float32), np.asarray(table["terminated"]))


def shortcut(env: Any, collection: str, fit: Path | None) -> str:
    """The ``shortcut`` table (module text) of one collection, as Markdown; with ``fit``,
    also what ue-value would have given the same UEs."""
    cfg = slicing_config(env)
    table = load(collection).to_pydict()
    obs = np.asarray(table["obs"], np.float64)
    if obs.shape[1] != observation_size(cfg):
        raise ValueError(f"{collection}: observations of {obs.shape[1]} values; this "
                         f"reads the default network's ({observation_size(cfg)})")
    counts = {"played": rbgs_held(cfg, np.asarray(table["association"]),
                                  np.asarray(table["prb_owner"]))}
    if fit is not None:
        allocations = expert_allocations(env, fit, obs)
        counts["ue-value's"] = allocation_rbgs(cfg, allocations)
    met = obs[:, observation_slices(cfg)["qos_ok"]] > 0.5  # over the step before
    later = np.asarray(table["step"]) >= 2
    head = " | ".join(f"{name}: no RBG | {name}: mean RBGs" for name in counts)
    lines = [f"{collection}: {len(obs)} transitions, steps 3 on", "",
             f"| slice | last step | UEs | {head} |",
             "|---|---|---:|" + "---:|---:|" * len(counts)]
    for index, name in enumerate(("eMBB", "URLLC", "mMTC")):
        for outcome, label in ((True, "met its QoS"), (False, "missed it")):
            rows = later[:, None] & (np.asarray(cfg.ue_slice) == index)[None, :] & (met == outcome)
            cells = " | ".join(f"{(held[rows] == 0).mean():.3f} | {held[rows].mean():.2f}"
                               for held in counts.values())
            lines.append(f"| {name} | {label} | {rows.sum()} | {cells} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    update = commands.add_parser("update", help="labelled demonstrations, then N updates")
    update.add_argument("--checkpoint", type=Path, required=True)
    update.add_argument("--fit", type=Path, help="ue-value's table (for --label)")
    update.add_argument("--label", default="",
                        help="collections (comma-separated) whose states get ue-value's labels")
    update.add_argument("--updates", type=int, required=True)
    update.add_argument("--out", type=Path, required=True)
    short = commands.add_parser("shortcut", help="the action after a UE's miss")
    short.add_argument("--collection", required=True)
    short.add_argument("--fit", type=Path, help="also ue-value's counts for the same UEs")
    short.add_argument("--out", type=Path, help="also write the table here")
    args = parser.parse_args()
    if args.command == "update" and args.updates < 1:
        parser.error(f"--updates {args.updates}: must be >= 1")
    if args.command == "update" and args.label and args.fit is None:
        parser.error("--label needs --fit, ue-value's table, whose actions label the states")
    torch.set_num_threads(1)
    env = make_env("oran-slicing", "diffusion-ql", {"maxSteps": "20"})
    try:
        if args.command == "shortcut":
            text = shortcut(env, args.collection, args.fit)
            print(text, end="")
            if args.out:
                args.out.write_text(text)
            return
        agent = make_agent("diffusion-ql", env, checkpoint=str(args.checkpoint))
        assert isinstance(agent, DiffusionQL)
        before = agent.demos.size
        if args.label:
            agent.add_demonstrations(*labelled(env, args.fit, args.label.split(",")))
        print(f"demonstrations: {before}, {agent.demos.size - before} labelled added",
              flush=True)
        lr_critic = agent.config.lr_critic
        agent.retune(lr_critic=FROZEN_LR)
        args.out.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with open(args.out / "updates.csv", "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["update", *LOSSES, "seconds"])
            rows: list[dict[str, float]] = []
            for done in range(0, args.updates, 50):
                agent.pretrain(min(50, args.updates - done), lambda _, row: rows.append(row))
                writer.writerow([agent.num_updates, *(rows[-1][k] for k in LOSSES),
                                 round(time.monotonic() - started, 3)])
        print(f"{args.updates} updates in {time.monotonic() - started:.0f} s, bc_loss "
              f"{rows[-1]['bc_loss']:.4g}", file=sys.stderr)
        agent.retune(lr_critic=lr_critic)
        agent.save(args.out / "diffusion-ql.pt")
    finally:
        env.close()


if __name__ == "__main__":
    main()

"""How much of ue-value's RBG counts does a rule that sees one UE at a time explain?
(docs/slicing-agents.md, "How local ue-value's counts are").

    scripts/count_locality.py --dataset DIR --fit UE_VALUE.json [--policy ue-value] \
        [--play-seeds 1,2,...,8 --out DIR]

ue-value chooses each O-RU's counts together, by a knapsack over its UEs' values, so a
UE's count depends on the other UEs at its O-RU. A per-UE policy network pools those
UEs, but must learn that combinatorial step from examples. This counts, over the
``--policy`` transitions of a collection (``make demo``'s ``data-ns3-ue-value``: ue-value's
own ns-3 play), how often the most common count of a UE's group is the count it got, for
ever finer groups: its slice; its slice and link-fit rate bin (what ue-value's table
knows of it); those and the number of UEs at its O-RU. The second is what a rule that
sees one UE at a time, as the table does, can reach; the rest is the knapsack's.
Prints one line per grouping, with the share per slice.

``--play-seeds``: what that lookup is worth in ns-3. ``lookup`` plays every UE on its
strongest O-RU with its group's most common count as its claim, each O-RU's usable RBGs
split in proportion to the claims as the share action's decoder splits them
(:func:`bridge.slicing.shares.rbg_counts`), RBGs in blocks and top power as ue-value's
(:func:`bridge.slicing.greedy.block_allocation`): a policy that sees one UE at a time and
matches ue-value's count wherever the group's most common count is right. ue-value
plays the same episodes (50 steps, one per seed). ``--out`` gets the lines printed
(``locality.txt``) and ``seeds.csv`` as ``ran-gym evaluate`` writes it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agents.baselines.slicing import slicing_config
from agents.registry import make_agent
from agents.ue_value.agent import UeValueTable, rbgs_held
from bridge.slicing import greedy, shares
from bridge.slicing.layout import gains_from_observation, observation_size
from ran_gym.commands.evaluate import parse_seeds, summarise
from ran_gym.dataset.collect import load
from ran_gym.evaluation import make_env, play_episode

SLICE_NAMES = ("eMBB", "URLLC", "mMTC")


class LookupPlayer:
    """Each UE's claim the most common count of its slice and rate bin (module text)."""

    def __init__(self, cfg: Any, table: UeValueTable, modal: dict[tuple[int, int], int]):
        self.cfg, self.table, self.modal = cfg, table, modal

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[dict[str, np.ndarray], None]:
        cfg = self.cfg
        gain_db = gains_from_observation(np.asarray(observation, np.float64), cfg)
        association = gain_db.argmax(axis=1).astype(np.int64)
        rate_bin = self.table.rate_bin(greedy.rate_per_rbg(cfg, gain_db))
        claims = np.array([self.modal.get((cfg.ue_slice[u], int(rate_bin[u])), 0)
                           for u in range(cfg.n_ues)], dtype=np.float64)
        usable = shares.usable_rbgs(cfg)
        counts = shares.rbg_counts(association, claims / usable, cfg.n_rus, usable)
        return greedy.block_allocation(cfg, association, counts).to_native(), None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="a collection (ran-gym collect)")
    parser.add_argument("--fit", required=True, help="ue-value's table (its rate bins)")
    parser.add_argument("--policy", default="ue-value", help="the transitions counted")
    parser.add_argument("--play-seeds", help="ns-3 seeds to play the lookup and ue-value on")
    parser.add_argument("--out", type=Path, help="where locality.txt (the lines printed) "
                        "and, with --play-seeds, seeds.csv go")
    args = parser.parse_args()
    if args.play_seeds and args.out is None:
        parser.error("--play-seeds needs --out")
    env = make_env("oran-slicing", "ue-value", {})
    cfg = slicing_config(env)
    env.close()
    table = UeValueTable.load(args.fit)
    data = load(args.dataset).to_pydict()
    picked = [i for i, p in enumerate(data["policy"]) if p == args.policy]
    if not picked:
        raise ValueError(f"--policy {args.policy}: no transition of it in {args.dataset} "
                         f"(its policies: {', '.join(sorted(set(data['policy'])))})")
    if len(data["obs"][0]) != observation_size(cfg):
        raise ValueError(f"--dataset {args.dataset}: collected on another network than the "
                         f"default slicing scenario's ({cfg.n_ues} UEs, {cfg.n_rus} O-RUs)")
    held_all = rbgs_held(cfg, np.asarray(data["association"])[picked],
                         np.asarray(data["prb_owner"])[picked])
    rows = []
    for i, held in zip(picked, held_all, strict=True):
        gain_db = gains_from_observation(np.asarray(data["obs"][i], np.float64), cfg)
        association = np.asarray(data["association"][i], dtype=np.int64)
        rate_bin = table.rate_bin(greedy.rate_per_rbg(cfg, gain_db))
        at_ru = np.bincount(association, minlength=cfg.n_rus)[association]
        rows += [(cfg.ue_slice[u], rate_bin[u], at_ru[u], held[u]) for u in range(cfg.n_ues)]
    frame = pd.DataFrame(rows, columns=["slice", "rate_bin", "ues_at_ru", "count"])
    lines = [f"{len(frame)} UE decisions of {args.policy} ({len(picked)} transitions)"]
    for keys in (["slice"], ["slice", "rate_bin"], ["slice", "rate_bin", "ues_at_ru"]):
        mode = frame.groupby(keys)["count"].transform(lambda c: c.value_counts().idxmax())
        hit = frame["count"] == mode
        per_slice = ", ".join(f"{name} {hit[frame['slice'] == s].mean():.3f}"
                              for s, name in enumerate(SLICE_NAMES))
        lines.append(f"by {' + '.join(keys)}: the group's most common count in "
                     f"{hit.mean():.3f} of decisions ({per_slice})")
    print("\n".join(lines))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "locality.txt").write_text("\n".join(lines) + "\n")
    if args.play_seeds:
        modal = frame.groupby(["slice", "rate_bin"])["count"].agg(
            lambda c: c.value_counts().idxmax())
        play(args, cfg, table, {(int(s), int(b)): int(c) for (s, b), c in modal.items()})


def play(args: argparse.Namespace, cfg: Any, table: UeValueTable,
         modal: dict[tuple[int, int], int]) -> None:
    """The lookup and ue-value on the same ns-3 episodes; seeds.csv and the paired gap."""
    seeds = parse_seeds(args.play_seeds)
    env = make_env("oran-slicing", "ue-value", {"maxSteps": "50"})
    rows: list[dict[str, Any]] = []
    try:
        players = [("lookup", LookupPlayer(cfg, table, modal)),
                   ("ue-value", make_agent("ue-value", env, checkpoint=args.fit))]
        for episode, seed in enumerate(seeds):
            for name, player in players:
                rows += [{"agent": name, "episode": episode, "seed": seed, **row}
                         for row in play_episode(env, player, seed, 50)]
    finally:
        env.close()
    per_seed = summarise("oran-slicing", pd.DataFrame(rows), by=("agent", "seed"))
    args.out.mkdir(parents=True, exist_ok=True)
    per_seed.to_csv(args.out / "seeds.csv", index=False)
    wide = per_seed.pivot(index="seed", columns="agent", values="mean_reward")
    means = per_seed.groupby("agent")[["mean_reward", "embb_qos_share", "urllc_qos_share",
                                       "mmtc_qos_share"]].mean()
    print(means.round(4).to_string())
    diff = wide["lookup"] - wide["ue-value"]
    print(f"lookup − ue-value: {diff.mean():+.4f} (seeds above: {int((diff > 0).sum())} "
          f"of {len(diff)})")


if __name__ == "__main__":
    main()

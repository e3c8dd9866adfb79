"""How much of ue-value's RBG counts does a rule that sees one UE at a time explain?
(docs/slicing-agents.md, "How local ue-value's counts are").

    scripts/count_locality.py --dataset DIR --fit UE_VALUE.json [--policy ue-value]

ue-value chooses each O-RU's counts together, by a knapsack over its UEs' values, so a
UE's count depends on the other UEs at its O-RU. A per-UE policy network pools those
UEs, but must learn that combinatorial step from examples. This counts, over the
``--policy`` transitions of a collection (``make demo``'s ``data-ns3-ue-value``: ue-value's
own ns-3 play), how often the most common count of a UE's group is the count it got, for
ever finer groups: its slice; its slice and link-fit rate bin (what ue-value's table
knows of it); those and the number of UEs at its O-RU. The second is what a rule that
sees one UE at a time, as the table does, can reach; the rest is the knapsack's.
Prints one line per grouping, with the share per slice.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from agents.baselines.slicing import slicing_config
from agents.ue_value.agent import UeValueTable
from bridge.slicing import greedy, shares
from bridge.slicing.layout import gains_from_observation, observation_size
from ran_gym.dataset.collect import load
from ran_gym.evaluation import make_env

SLICE_NAMES = ("eMBB", "URLLC", "mMTC")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="a collection (ran-gym collect)")
    parser.add_argument("--fit", required=True, help="ue-value's table (its rate bins)")
    parser.add_argument("--policy", default="ue-value", help="the transitions counted")
    args = parser.parse_args()
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
    usable = shares.usable_rbgs(cfg)
    rows = []
    for i in picked:
        gain_db = gains_from_observation(np.asarray(data["obs"][i], np.float64), cfg)
        association = np.asarray(data["association"][i], dtype=np.int64)
        owner = np.asarray(data["prb_owner"][i], dtype=np.int64).reshape(
            cfg.n_rus, cfg.n_rbgs)[:, :usable]
        held = (owner[association] == np.arange(cfg.n_ues)[:, None]).sum(axis=1)
        rate_bin = table.rate_bin(greedy.rate_per_rbg(cfg, gain_db))
        at_ru = np.bincount(association, minlength=cfg.n_rus)[association]
        rows += [(cfg.ue_slice[u], rate_bin[u], at_ru[u], held[u]) for u in range(cfg.n_ues)]
    frame = pd.DataFrame(rows, columns=["slice", "rate_bin", "ues_at_ru", "count"])
    print(f"{len(frame)} UE decisions of {args.policy} ({len(picked)} transitions)")
    for keys in (["slice"], ["slice", "rate_bin"], ["slice", "rate_bin", "ues_at_ru"]):
        mode = frame.groupby(keys)["count"].transform(lambda c: c.value_counts().idxmax())
        hit = frame["count"] == mode
        per_slice = ", ".join(f"{name} {hit[frame['slice'] == s].mean():.3f}"
                              for s, name in enumerate(SLICE_NAMES))
        print(f"by {' + '.join(keys)}: the group's most common count in {hit.mean():.3f} "
              f"of decisions ({per_slice})")


if __name__ == "__main__":
    main()

"""What the drift of moving UEs off their strongest O-RU costs an agent that cannot see it
(docs/scenarios/oran-slicing.md, "Association").

    scripts/association_drift.py --seeds 300,301,...,309 --out DIR

With ``handover=false`` a UE stays on the O-RU it attached to, while its shadowing drifts
as it moves, so its strongest O-RU in the observation can come to be another one. The
observation does not say which O-RU serves a UE; ``info["ue"]["ru"]`` does. qos-greedy
plays each seed twice on the same drop: as it is (every UE at its strongest O-RU, its
rate on one RBG there) and with every UE at the O-RU that served it at the last state,
its rate on one RBG at that O-RU, the other O-RUs interfering at nominal power. Both
allocate the RBG counts by qos-greedy's rule (:func:`bridge.slicing.greedy.rbg_counts`)
in blocks at the top power level. DIR gets ``seeds.csv``: the mean reward per seed of
each, and how many UEs per state were off their strongest O-RU.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from agents.baselines.slicing import slicing_config
from bridge.slicing import greedy, shares
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import gains_from_observation
from ran_gym.commands.evaluate import parse_seeds
from ran_gym.evaluation import make_env

STEPS = 50


def allocation(cfg: SlicingConfig, gain_db: np.ndarray, ru: np.ndarray) -> dict:
    """qos-greedy's RBG counts and blocks with every UE at O-RU ``ru[u]``."""
    counts = greedy.rbg_counts(cfg, ru, greedy.rate_per_rbg(cfg, gain_db, ru),
                               np.asarray(greedy.PLAN_MBPS)[cfg.ue_slice],
                               np.asarray(greedy.OFFERED_MBPS)[cfg.ue_slice],
                               shares.usable_rbgs(cfg))
    return greedy.block_allocation(cfg, ru, counts).to_native()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", required=True, help="ns-3 seeds, e.g. 300,301")
    parser.add_argument("--out", type=Path, required=True, help="where seeds.csv goes")
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    env = make_env("oran-slicing", "qos-greedy", {"maxSteps": str(STEPS)})
    rows = []
    try:
        cfg = slicing_config(env)
        for seed in seeds:
            for serve_at in ("strongest", "serving"):
                obs, info = env.reset(seed=seed)
                rewards, off = [], []
                for _ in range(STEPS):
                    gain_db = gains_from_observation(np.asarray(obs, np.float64), cfg)
                    serving = np.asarray(info["ue"]["ru"], dtype=np.int64)
                    strongest = gain_db.argmax(axis=1).astype(np.int64)
                    off.append(int((serving != strongest).sum()))
                    ru = strongest if serve_at == "strongest" else serving
                    obs, reward, terminated, truncated, info = env.step(
                        allocation(cfg, gain_db, ru))
                    rewards.append(float(reward))
                    if terminated or truncated:
                        break
                rows.append({"seed": seed, "serve_at": serve_at,
                             "mean_reward": float(np.mean(rewards)),
                             "ues_off_strongest": float(np.mean(off))})
                print(rows[-1], flush=True)
    finally:
        env.close()
    frame = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out / "seeds.csv", index=False)
    wide = frame.pivot(index="seed", columns="serve_at", values="mean_reward")
    diff = wide["serving"] - wide["strongest"]
    print(f"strongest {wide['strongest'].mean():.4f}, serving {wide['serving'].mean():.4f}; "
          f"serving - strongest {diff.mean():+.4f} (seeds above: {int((diff > 1e-9).sum())} "
          f"of {len(diff)}); UEs off their strongest O-RU per state "
          f"{frame['ues_off_strongest'].mean():.2f}")


if __name__ == "__main__":
    main()

"""Is the qos-greedy demonstrator worth pre-filling DQN's replay with? DQN acts over the
Discrete catalogue (bridge.slicing.catalogue), which cannot express the demonstrator's
per-UE allocations; its nearest catalogue action (Catalogue.nearest) is what DQN could
learn from. This plays both in the twin on the episodes of docs/results/slicing's gap
table (reset seeds 200-204, 20 steps), where DQN itself scored 0.980.

    .venv/bin/python scripts/dqn_catalogue_demonstrator.py [--seeds 200,...] [--steps 20]
"""

from __future__ import annotations

import argparse

import numpy as np

from bridge.slicing import greedy
from bridge.slicing.wrappers import CatalogueActionWrapper, make_wrapped_env


def episode_reward(env: CatalogueActionWrapper, seed: int, steps: int, projected: bool) -> float:
    env.reset(seed=seed)
    rewards = []
    for _ in range(steps):
        allocation = greedy.allocate(env.catalogue.cfg, env.gains())
        if projected:
            _, reward, *_ = env.step(env.catalogue.nearest(allocation))
        else:  # the demonstrator's own allocation, past the catalogue
            _, reward, *_ = env.env.step(allocation.to_native())
        rewards.append(float(reward))
    return float(np.mean(rewards))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="200,201,202,203,204")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    env = make_wrapped_env({"maxSteps": str(args.steps)}, CatalogueActionWrapper,
                           scenario="oran-slicing-twin")
    print(f"twin, seeds {args.seeds}, {args.steps} steps: mean reward per step")
    for name, projected in (("qos-greedy", False), ("qos-greedy, nearest catalogue action", True)):
        per_seed = [episode_reward(env, seed, args.steps, projected) for seed in seeds]
        print(f"  {name}: {np.mean(per_seed):.3f}  (per seed {np.round(per_seed, 3).tolist()})")


if __name__ == "__main__":
    main()

"""How well can the per-UE network name ue-value's RBG counts, and what do exact counts
play for in ns-3? (docs/slicing-agents.md, "The clone's precision on ue-value's counts")

    scripts/count_classifier.py --fit UE_VALUE.json --train COLLECTION[,...] \
        --test COLLECTION [--inputs drop|all] [--updates 3000] [--seeds 1,...,8] \
        [--name classifier] --out DIR

A deterministic classifier, the network Diffusion-QL's per-UE denoiser is made of
(``agents.diffusion_ql.per_ue.PerUeNet``, width 128, 3 layers, each O-RU pooling the UEs
for which it is the strongest), gives each UE a distribution over 0 .. 16 RBGs. It is
fitted by cross-entropy to the counts ue-value's table chooses (``UeValueAgent.allocate``)
in the states of the ``--train`` collections (mini-batches of 256 states, Adam 1e-3),
seeing each UE's gains and slice only (``--inputs drop``: ue-value decides from nothing
else) or every per-UE field. It reports, per slice and every 1000 updates, how often its
most likely count is ue-value's on the ``--train`` states and on the ``--test`` states
(a collection neither was fitted on).

Then it plays ns-3 (50-step episodes, reset seeds ``--seeds``): every UE on its strongest
O-RU, and per O-RU the counts of highest joint log-probability within its usable RBGs
(``agents.ue_value.agent.best_counts`` on the log-probabilities), RBG blocks and power as
ue-value's. DIR gets ``NAME.md`` (the report) and ``dev-NAME/seeds.csv`` (mean reward
per step and throughput per seed, as ``ran-gym evaluate`` writes them).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from agents.diffusion_ql.per_ue import PerUeNet, UeLayout, seen_features
from agents.registry import make_agent
from agents.ue_value.agent import best_counts
from bridge.slicing import greedy, shares
from bridge.slicing.layout import gains_from_observation
from ran_gym.evaluation import make_env, play_episode
from ran_gym.train.diffusion_ql import load_transitions

SLICE_NAMES = ("eMBB", "URLLC", "mMTC")
BATCH = 256


def symlog(obs: np.ndarray) -> torch.Tensor:
    """The observation as Diffusion-QL's networks see it."""
    return torch.as_tensor(np.sign(obs) * np.log1p(np.abs(obs)), dtype=torch.float32)


class CountClassifier(nn.Module):
    """[B, obs] → [B, U, usable RBGs + 1] logits."""

    def __init__(self, layout: UeLayout, usable: int, inputs: str):
        super().__init__()
        self.net = PerUeNet(layout, 0, 128, 3, usable + 1)
        self.register_buffer("seen", seen_features(layout, inputs))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        features, gains = self.net.features(obs)
        strongest = (gains == gains.amax(2, keepdim=True)).to(obs.dtype)
        return self.net.read(features * self.seen, strongest)


def states(paths: str, env: Any, expert: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The ue-value states of ``paths`` as the network sees them, and ue-value's RBG count
    for each UE [N, U]."""
    obs = load_transitions(paths, env, "ue-value")[0][0]
    cfg = env.cfg
    counts = np.stack([expert.allocate(gains_from_observation(o, cfg)).ownership(cfg.n_ues)
                       .sum(1) for o in obs])
    return symlog(obs), torch.as_tensor(counts)


def agreement(net: CountClassifier, x: torch.Tensor, counts: torch.Tensor,
              ue_slice: np.ndarray) -> str:
    with torch.no_grad():
        equal = (net(x).argmax(2) == counts).numpy()
    return ", ".join(f"{name} {equal[:, ue_slice == s].mean():.3f}"
                     for s, name in enumerate(SLICE_NAMES))


class ClassifierPolicy:
    """The classifier's counts as an allocation (module text), in the native action."""

    def __init__(self, net: CountClassifier, cfg: Any):
        self.net, self.cfg, self.usable = net, cfg, shares.usable_rbgs(cfg)

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[dict[str, np.ndarray], None]:
        cfg = self.cfg
        obs = np.asarray(observation, np.float32).reshape(1, -1)
        with torch.no_grad():
            logp = torch.log_softmax(self.net(symlog(obs))[0], 1).numpy()
        gains = gains_from_observation(obs[0], cfg)
        association = np.argmax(gains, axis=1)
        counts = np.zeros(cfg.n_ues, dtype=np.int64)
        for ru in range(cfg.n_rus):
            ues = np.flatnonzero(association == ru)
            if ues.size:
                counts[ues] = best_counts(logp[ues], self.usable)
        return greedy.block_allocation(cfg, association, counts).to_native(), None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fit", required=True, help="ue-value's table (ue-value.json)")
    parser.add_argument("--train", required=True, help="collections of ue-value's play")
    parser.add_argument("--test", required=True, help="a collection of ue-value's play "
                        "on drops the --train ones do not hold")
    parser.add_argument("--inputs", choices=("drop", "all"), default="drop")
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--seeds", default="1,2,3,4,5,6,7,8")
    parser.add_argument("--name", default="classifier", help="what its outputs are named")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.updates < 1:
        parser.error(f"--updates must be >= 1, got {args.updates}")
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        parser.error(f"--seeds {args.seeds!r}: expected integers separated by commas")
    torch.manual_seed(0)
    twin = make_env("oran-slicing-twin", "diffusion-ql", {})
    cfg = twin.cfg
    expert = make_agent("ue-value", twin, seed=0, checkpoint=args.fit)
    x_train, y_train = states(args.train, twin, expert)
    x_test, y_test = states(args.test, twin, expert)
    twin.close()
    ue_slice = np.asarray(cfg.ue_slice)
    net = CountClassifier(UeLayout.of(cfg), shares.usable_rbgs(cfg), args.inputs)
    optimiser = torch.optim.Adam(net.parameters(), 1e-3)
    lines = [f"classifier of ue-value's counts ({args.fit}), inputs {args.inputs}: "
             f"{len(x_train)} training states ({args.train}), {len(x_test)} test states "
             f"({args.test})"]
    for update in range(1, args.updates + 1):
        rows = torch.randint(len(x_train), (BATCH,))
        logits = net(x_train[rows])
        loss = nn.functional.cross_entropy(logits.flatten(0, 1), y_train[rows].flatten())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if update % 1000 == 0 or update == args.updates:
            lines.append(f"update {update}: loss {loss.item():.3f}; ue-value's count, "
                         f"training states: {agreement(net, x_train, y_train, ue_slice)}; "
                         f"test states: {agreement(net, x_test, y_test, ue_slice)}")
            print(lines[-1], flush=True)
    env = make_env("oran-slicing", "ue-value", {"maxSteps": "50"})
    policy = ClassifierPolicy(net.eval(), cfg)
    results: list[dict[str, Any]] = []
    try:
        for seed in seeds:
            steps = play_episode(env, policy, seed, 50)
            results.append({"agent": args.name, "seed": seed, "mean_reward":
                            float(np.mean([s["reward"] for s in steps])),
                            "throughput_mbps": float(np.mean([s["info_reward_rate_mbps"]
                                                              for s in steps]))})
    finally:
        env.close()
    mean = float(np.mean([r["mean_reward"] for r in results]))
    lines.append(f"ns-3, seeds {args.seeds}, 50 steps: mean reward per step {mean:.3f}")
    print(lines[-1])
    played = args.out / f"dev-{args.name}"
    played.mkdir(parents=True, exist_ok=True)
    with open(played / "seeds.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(results[0]))
        writer.writeheader()
        writer.writerows(results)
    (args.out / f"{args.name}.md").write_text("```\n" + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()

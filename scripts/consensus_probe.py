"""Does the most typical of a Diffusion-QL agent's samples play better than its critics'
choice? (docs/slicing-agents.md, "The most typical sample instead of the critics'
choice").

    scripts/consensus_probe.py --checkpoint DQL.pt --seeds 1,2,...,8 --agent-seeds 0,1,2 \
        --samples 10,30 [--ddim] --out DIR

The agent clones ue-value's ns-3 play but misses ue-value's RBG count for about a fifth
of its URLLC and mMTC UEs (docs/slicing-agents.md, "Where the clone loses to ue-value").
Where those misses differ from sample to sample, the sample nearest the others should
miss fewer than any one sample, and its critics, which misprice counts ("What the
critics' values say about RBG counts"), need not be asked. Each decision here draws N
samples (no guidance, as the agent's own decision draws them) and plays the medoid: the
sample whose allocation (``bridge.slicing.shares.decode``) is nearest, in the sum over
UEs of |RBG count − the UE's median count over the samples| plus one per UE on another
O-RU than the UEs' most chosen, to every sample's. The agent as it acts (best of its
``candidates`` samples by its critics) plays the same episodes beside it (50 steps, one
per seed, decision seed each of ``--agent-seeds``). With ``--ddim``, also the agent
deciding by DDIM over all T steps (deterministic given the first noise, no Q-gradient
guidance; ``decision_sampler=ddim``): one sample, and the best of its candidates by its
critics.

DIR gets ``seeds.csv`` (every rule, decision seed and ns-3 seed, as ``ran-gym evaluate``
writes them) and ``summary.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from agents.baselines.slicing import slicing_config
from agents.diffusion_ql.agent import DiffusionQL
from agents.registry import make_agent
from bridge.slicing import shares
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import gains_from_observation
from ran_gym.commands.evaluate import parse_seeds, summarise
from ran_gym.evaluation import make_env, play_episode


def medoid(cfg: SlicingConfig, actions: np.ndarray, gain_db: np.ndarray) -> int:
    """The index of the action [N, d] nearest the others (module text)."""
    allocations = [shares.decode(cfg, a, gain_db) for a in actions]
    counts = np.stack([np.bincount(a.prb_owner[a.prb_owner >= 0], minlength=cfg.n_ues)
                       for a in allocations])
    association = np.stack([a.association for a in allocations])
    median = np.median(counts, axis=0)
    mode = np.array([np.bincount(column, minlength=cfg.n_rus).argmax()
                     for column in association.T])
    distance = np.abs(counts - median).sum(axis=1) + (association != mode).sum(axis=1)
    return int(np.argmin(distance))


class MedoidPlayer:
    """The agent's N samples per decision, the medoid played."""

    def __init__(self, agent: DiffusionQL, cfg: SlicingConfig, samples: int):
        self.agent, self.cfg, self.samples = agent, cfg, samples

    def reseed(self, seed: int) -> None:
        self.agent.reseed(seed)

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, None]:
        obs = np.asarray(observation, dtype=np.float32).reshape(1, -1)
        actions = self.agent.act(np.repeat(obs, self.samples, 0), deterministic=True)
        gain_db = gains_from_observation(obs[0].astype(np.float64), self.cfg)
        return actions[medoid(self.cfg, actions, gain_db)], None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--seeds", required=True, help="ns-3 seeds to play")
    parser.add_argument("--agent-seeds", default="0", help="decision seeds")
    parser.add_argument("--samples", default="10", help="samples per decision, one rule each")
    parser.add_argument("--ddim", action="store_true",
                        help="also DDIM decisions: one sample, and best of the agent's "
                             "candidates by its critics")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    seeds, agent_seeds = parse_seeds(args.seeds), parse_seeds(args.agent_seeds)
    samples = parse_seeds(args.samples)
    if min(samples) < 2:
        parser.error(f"--samples {args.samples}: a medoid needs at least 2 samples each")
    torch.set_num_threads(1)
    env = make_env("oran-slicing", "diffusion-ql", {"maxSteps": str(args.steps)})
    rows: list[dict[str, Any]] = []
    try:
        cfg = slicing_config(env)

        def agent(**changes: Any) -> DiffusionQL:
            """The checkpoint's agent, its decision settings changed."""
            loaded = make_agent("diffusion-ql", env, checkpoint=str(args.checkpoint))
            assert isinstance(loaded, DiffusionQL)
            loaded.retune(**changes)
            return loaded

        for agent_seed in agent_seeds:
            acting = agent()
            n_best = acting.config.candidates
            rules: list[tuple[str, Any]] = [
                (f"as it acts (best of {n_best} by its critics)", acting),
                *[(f"medoid of {n} samples", MedoidPlayer(agent(candidates=1), cfg, n))
                  for n in samples]]
            if args.ddim:
                steps = acting.config.diffusion.steps
                rules += [(name, agent(decision_sampler="ddim", candidates=c, ddim_steps=steps))
                          for name, c in (("DDIM, one sample", 1),
                                          (f"DDIM, best of {n_best} by its critics", n_best))]
            for name, player in rules:
                player.reseed(agent_seed)
                played = []
                for k, seed in enumerate(seeds):
                    played += [{"agent": name, "agent_seed": agent_seed, "episode": k,
                                "seed": seed, **row}
                               for row in play_episode(env, player, seed, args.steps)]
                rows += played
                print(f"decision seed {agent_seed}, {name}: "
                      f"{np.mean([row['reward'] for row in played]):.4f}", flush=True)
    finally:
        env.close()
    per_seed = summarise("oran-slicing", pd.DataFrame(rows), by=("agent", "agent_seed", "seed"))
    args.out.mkdir(parents=True, exist_ok=True)
    per_seed.to_csv(args.out / "seeds.csv", index=False)
    runs = per_seed.groupby(["agent", "agent_seed"], sort=False)[
        ["mean_reward", "throughput_mbps", "embb_qos_share", "urllc_qos_share",
         "mmtc_qos_share"]].mean()
    lines = [f"{args.checkpoint}; ns-3 seeds {args.seeds}, {args.steps} steps; decision "
             f"seeds {args.agent_seeds}", "",
             "| decision | reward: mean (min–max) over decision seeds | throughput | "
             "eMBB / URLLC / mMTC QoS |", "|---|---|---:|---|"]
    for name, part in runs.groupby(level=0, sort=False):
        mean = part.mean()
        lines.append(f"| {name} | {mean['mean_reward']:.4f} ({part['mean_reward'].min():.4f}"
                     f"–{part['mean_reward'].max():.4f}) | {mean['throughput_mbps']:.1f} | "
                     f"{mean['embb_qos_share']:.3f} / {mean['urllc_qos_share']:.3f} / "
                     f"{mean['mmtc_qos_share']:.3f} |")
    (args.out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""Can a Diffusion-QL agent's critics choose RBG counts? (docs/slicing-agents.md,
"What the critics' values say about RBG counts").

    scripts/critic_counts.py --checkpoint DQL.pt --seeds 1,2,...,8 --agent-seed 0 \
        [--search knapsack|moves] --radius 1 --out DIR

ue-value chooses each O-RU's RBG counts exactly, by a knapsack over a table of each
UE's outcome. The agent's per-UE critics (``network=per-ue``, ``critic_share=fraction``)
foretell each UE's outcome better than that table, so the same knapsack over their values
should choose counts at least as well, if they value one UE's count well. This plays the
agent in ns-3 as ``ran-gym evaluate`` does (50-step episodes, one per seed, decision seed
``--agent-seed``), with one change: after it picks its action, its RBG counts are chosen
again by its critics (the rest of the action as the agent chose it):

- ``knapsack``: each O-RU's counts that maximise the sum of its UEs' values (the lower of
  the two critics'), each UE's value read with its own count moved and every other UE's
  kept, within ``--radius`` RBGs of the agent's count. The actions read are off the data
  (an O-RU's parts do not sum to its RBGs); the one played is not.
- ``moves``: ``--radius`` greedy steps, each the move of one RBG between two UEs of an
  O-RU that raises the critics' Q (min of the two, as the agent's choice among its samples
  uses) the most, if one does. Every action read is one the agent could play.

``--radius 0`` plays the agent's own counts. DIR gets ``seeds.csv`` as ``ran-gym
evaluate`` writes it and ``moves.csv``: per slice, the share of UEs given fewer and more
RBGs than the agent chose, and the mean change. With ``--fit UE_VALUE.json`` and the
knapsack, also ``marginals.csv``: per slice, what one RBG less and one more than the
agent's count is worth to a UE (in reward per step) by the critics' values the knapsack
read and by ue-value's table, means over the UEs the agent gave an RBG.
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
from agents.diffusion_ql.per_ue import PerUeCritic
from agents.registry import make_agent
from agents.ue_value.agent import UeValueTable, best_counts
from bridge.slicing.config import SlicingConfig
from bridge.slicing.greedy import rate_per_rbg
from bridge.slicing.layout import gains_from_observation
from bridge.slicing.shares import claims, rbg_counts, share_of_rbgs, usable_rbgs
from ran_gym.commands.evaluate import parse_seeds, summarise
from ran_gym.evaluation import make_env, play_episode


class CriticCounts:
    """The agent's decisions with their RBG counts chosen again by its critics."""

    def __init__(self, agent: DiffusionQL, cfg: SlicingConfig, search: str, radius: int,
                 fit: UeValueTable | None = None):
        critic = agent.critic_target
        if not isinstance(critic, PerUeCritic):
            raise ValueError("critic_counts.py needs an agent with per-UE critics "
                             "(network=per-ue)")
        if agent.config.critic_share != "fraction":
            raise ValueError("critic_counts.py needs critics that see RBG fractions "
                             "(critic_share=fraction)")
        self.agent, self.critic, self.search, self.radius = agent, critic, search, radius
        self.layout = critic.q1.layout
        self.changes: list[np.ndarray] = []
        """Each decision's new counts less the agent's, per UE."""
        self.cfg, self.fit, self.usable = cfg, fit, usable_rbgs(cfg)
        self.table_values = None if fit is None else fit.values(cfg)
        self.marginals: list[dict[str, Any]] = []
        """Per UE and decision (knapsack with a fit): one RBG less and more, critics' and
        table's worth."""

    def predict(self, observation: Any, episode_start: Any = None, deterministic: bool = True
                ) -> tuple[np.ndarray, None]:
        action, _ = self.agent.predict(observation, episode_start=episode_start,
                                       deterministic=deterministic)
        return (self.recount(np.asarray(observation, np.float32), action) if self.radius
                else action), None

    def recount(self, observation: np.ndarray, action: np.ndarray) -> np.ndarray:
        u, r = self.layout.n_ues, self.layout.n_rus
        association = np.argmax(action[:u * r].reshape(u, r), 1)
        chosen = rbg_counts(association, claims(action[u * r:u * r + u]), r, self.usable)
        obs = torch.as_tensor(self.agent._inputs(observation.reshape(1, -1)))
        if self.search == "knapsack":
            counts = self._knapsack(obs, action, association, chosen.copy(), observation)
        else:
            counts = self._moves(obs, action, association, chosen.copy())
        self.changes.append(counts - chosen)
        out = action.copy()
        out[u * r:u * r + u] = share_of_rbgs(counts, self.usable)
        return out

    def _moves(self, obs: torch.Tensor, action: np.ndarray, association: np.ndarray,
               counts: np.ndarray) -> np.ndarray:
        u, r = self.layout.n_ues, self.layout.n_rus
        pairs = [(i, j) for i in range(u) for j in range(u)
                 if i != j and association[i] == association[j]]
        for _ in range(self.radius):
            moved = [(i, j) for i, j in pairs if counts[i] > 0]
            shares = np.repeat(counts[None], len(moved) + 1, 0)
            for row, (i, j) in enumerate(moved, 1):
                shares[row, i] -= 1
                shares[row, j] += 1
            candidates = np.repeat(action[None], len(shares), 0)
            candidates[:, u * r:u * r + u] = share_of_rbgs(shares, self.usable)
            with torch.no_grad():
                q = self.critic.q_min(obs.expand(len(shares), -1),
                                      torch.as_tensor(candidates, dtype=torch.float32))
            best = int(torch.argmax(q))
            if best == 0:  # no move raises Q
                break
            counts = shares[best]
        return counts

    def _knapsack(self, obs: torch.Tensor, action: np.ndarray, association: np.ndarray,
                  counts: np.ndarray, observation: np.ndarray) -> np.ndarray:
        u, r = self.layout.n_ues, self.layout.n_rus
        # Every share entry written as its count's fraction of the O-RU; one UE's moved in
        # each candidate. The critics then see these entries as the fractions themselves.
        base = action.copy()
        base[u * r:u * r + u] = share_of_rbgs(counts, self.usable)
        moves = [(ue, c) for ue in range(u) for c in range(
            max(0, counts[ue] - self.radius), min(self.usable, counts[ue] + self.radius) + 1)]
        candidates = np.repeat(base[None], len(moves), 0)
        for row, (ue, c) in enumerate(moves):
            candidates[row, u * r + ue] = share_of_rbgs(c, self.usable)
        critic = self.critic
        critic.share = "claim"
        try:
            with torch.no_grad():
                v1, v2 = critic.per_ue(obs.expand(len(moves), -1),
                                       torch.as_tensor(candidates, dtype=torch.float32))
        finally:
            critic.share = "fraction"
        value = torch.minimum(v1, v2).numpy()
        table = np.full((u, self.usable + 1), -np.inf)
        for row, (ue, c) in enumerate(moves):
            table[ue, c] = value[row, ue]
        self._record(observation, counts, table / u)  # the critics' values: U × a UE's share
        for ru in range(r):
            ues = np.flatnonzero(association == ru)
            if len(ues):
                counts[ues] = best_counts(table[ues], self.usable)  # as ue-value's
        return counts

    def _record(self, observation: np.ndarray, counts: np.ndarray, critics: np.ndarray
                ) -> None:
        """Each UE's worth of one RBG less and one more, by ``critics`` [U, K] and by the
        fitted table, where both are known."""
        if self.table_values is None or self.fit is None:
            return
        cfg = self.cfg
        bins = self.fit.rate_bin(rate_per_rbg(cfg, gains_from_observation(observation, cfg)))
        for ue, c in enumerate(counts):
            if c < 1 or c + 1 >= critics.shape[1] or not np.isfinite(critics[ue, c + 1]):
                continue
            s = cfg.ue_slice[ue]
            own = self.table_values[s, bins[ue]]
            self.marginals.append({
                "slice": ("eMBB", "URLLC", "mMTC")[s],
                "critics_less": critics[ue, c - 1] - critics[ue, c],
                "table_less": own[c - 1] - own[c],
                "critics_more": critics[ue, c + 1] - critics[ue, c],
                "table_more": own[c + 1] - own[c]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--seeds", required=True)
    parser.add_argument("--agent-seed", type=int, default=0)
    parser.add_argument("--search", choices=("knapsack", "moves"), default="knapsack")
    parser.add_argument("--radius", type=int, default=1,
                        help="knapsack: how many RBGs a UE's count may move from the "
                             "agent's; moves: how many moves")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--fit", type=Path, help="ue-value's table (ue-value.json): "
                        "marginals.csv beside the knapsack's")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.radius < 0:
        parser.error(f"--radius must be >= 0, got {args.radius}")
    seeds = parse_seeds(args.seeds)
    env = make_env("oran-slicing", "diffusion-ql", {"maxSteps": str(args.steps)})
    rows: list[dict[str, Any]] = []
    try:
        agent = make_agent("diffusion-ql", env, seed=args.agent_seed,
                           checkpoint=str(args.checkpoint))
        assert isinstance(agent, DiffusionQL)
        agent.reseed(args.agent_seed)
        fit = UeValueTable.load(args.fit) if args.fit else None
        player = CriticCounts(agent, slicing_config(env), args.search, args.radius, fit)
        for k, seed in enumerate(seeds):
            rows += [{"agent": "diffusion-ql", "episode": k, "seed": seed, **row}
                     for row in play_episode(env, player, seed, args.steps)]
    finally:
        env.close()
    per_seed = summarise("oran-slicing", pd.DataFrame(rows), by=("agent", "seed"))
    args.out.mkdir(parents=True, exist_ok=True)
    per_seed.to_csv(args.out / "seeds.csv", index=False)
    if player.changes:
        changes = np.stack(player.changes)
        ue_slice = np.asarray(player.layout.ue_slice)
        moves = pd.DataFrame([{"slice": name, "fewer": (changes[:, ue_slice == k] < 0).mean(),
                               "more": (changes[:, ue_slice == k] > 0).mean(),
                               "mean_change": changes[:, ue_slice == k].mean()}
                              for k, name in enumerate(("eMBB", "URLLC", "mMTC"))])
        moves.to_csv(args.out / "moves.csv", index=False)
        print(moves.round(3).to_string(index=False))
    if player.marginals:
        marginals = pd.DataFrame(player.marginals).groupby("slice", sort=False).mean()
        marginals.to_csv(args.out / "marginals.csv")
        print(marginals.round(4).to_string())
    means = per_seed.drop(columns=["agent", "seed", "episodes"]).mean()
    print(f"{args.search}, radius {args.radius}: reward {means['mean_reward']:.4f}, URLLC QoS "
          f"{means['urllc_qos_share']:.3f}, mMTC QoS {means['mmtc_qos_share']:.3f}, "
          f"eMBB QoS {means['embb_qos_share']:.3f}, throughput {means['throughput_mbps']:.1f}")


if __name__ == "__main__":
    main()

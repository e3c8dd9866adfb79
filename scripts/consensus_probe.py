"""Does the most typical of a Diffusion-QL agent's samples, or the one ue-value's table
values most, play better than its critics' choice? (docs/slicing-agents.md, "The most
typical sample instead of the critics' choice", "ue-value's table as the critic").

    scripts/consensus_probe.py --checkpoint DQL.pt --seeds 1,2,...,8 --agent-seeds 0,1,2 \
        --samples 10,30 [--rules medoid,table,power --fit UE_VALUE.json] [--ddim] \
        [--power-steps K] --out DIR

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

With ``--rules table`` (and ``--fit``, ue-value's table), the N samples are ranked by the
table instead: the sum over UEs of the table's value of the RBGs the sample gives each
UE at its strongest O-RU (a UE the sample puts on another O-RU counts 0, as the table
knows no such rows). That is a critic fitted per UE on ns-3's outcomes, where the
agent's own critics see one reward per transition; the samples keep the choice within
what the agent has learnt, where ue-value searches every count.

With ``--rules power`` (``--power M:k``, 30:3 by default), the agent's own action (as it
acts) is played with every cell-centre UE's power entry k P_A levels lower (a UE whose
strongest O-RU's gain is at least M dB above its second-strongest's: the rule of
``scripts/ns3_headroom.py centre``), and, beside it, the lowered action only where the
agent's critics (min(Q1, Q2), as its decision ranks) value it above its own: whether they
see what the rule is worth. How often they do is in ``summary.md``. With
``--power-steps K`` the agent also plays with its critics' own power steps in place of
the rule (``DiffusionQLConfig.power_steps``: each UE's power entry up to K levels lower
where they value it so, whichever UEs those are).

DIR gets ``seeds.csv`` (every rule, decision seed and ns-3 seed, as ``ran-gym evaluate``
writes them) and ``summary.md``.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from agents.baselines.slicing import slicing_config
from agents.diffusion_ql.agent import DiffusionQL
from agents.registry import make_agent
from agents.ue_value.agent import UeValueTable, allocation_rbgs
from bridge.slicing import greedy, shares
from bridge.slicing.config import SlicingConfig
from bridge.slicing.layout import gains_from_observation
from bridge.slicing.solution import strongest_margin_db
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


Choice = Callable[[np.ndarray, np.ndarray], int]
"""A rule that picks one of actions [N, d], given the gains [U, R]: its index."""


def table_choice(cfg: SlicingConfig, table: UeValueTable) -> Choice:
    """The rule that picks, of actions [N, d], the one of highest table sum (module text)."""
    values, slices = table.values(cfg), np.asarray(cfg.ue_slice)

    def choose(actions: np.ndarray, gain_db: np.ndarray) -> int:
        bins = table.rate_bin(greedy.rate_per_rbg(cfg, gain_db))
        strongest = np.argmax(gain_db, axis=1)
        allocations = [shares.decode(cfg, a, gain_db) for a in actions]
        association = np.stack([a.association for a in allocations])
        held = allocation_rbgs(cfg, allocations)
        worth = np.where(association == strongest, values[slices, bins, held], 0.0)
        return int(np.argmax(worth.sum(axis=1)))

    return choose


class SamplePlayer:
    """The agent's N samples per decision, the one ``choose(actions, gain_db)`` picks
    played."""

    def __init__(self, agent: DiffusionQL, cfg: SlicingConfig, samples: int,
                 choose: Choice):
        self.agent, self.cfg, self.samples, self.choose = agent, cfg, samples, choose

    def reseed(self, seed: int) -> None:
        self.agent.reseed(seed)

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, None]:
        obs = np.asarray(observation, dtype=np.float32).reshape(1, -1)
        actions = self.agent.act(np.repeat(obs, self.samples, 0), deterministic=True)
        gain_db = gains_from_observation(obs[0].astype(np.float64), self.cfg)
        return actions[self.choose(actions, gain_db)], None


class PowerPlayer:
    """The agent's own action with its cell-centre UEs' power entries ``levels`` P_A levels
    lower (module text); with ``gated``, only where its critics value that above its own.
    ``preferred`` / ``asked`` count the critics' answers."""

    def __init__(self, agent: DiffusionQL, cfg: SlicingConfig, margin_db: float,
                 levels: int, gated: bool):
        self.agent, self.cfg, self.gated = agent, cfg, gated
        self.margin_db, self.levels = margin_db, levels
        self.preferred = self.asked = 0

    def reseed(self, seed: int) -> None:
        self.agent.reseed(seed)

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, None]:
        agent, cfg = self.agent, self.cfg
        obs = np.asarray(observation, dtype=np.float32).reshape(1, -1)
        own, _ = agent.predict(obs[0])
        gain_db = gains_from_observation(obs[0].astype(np.float64), cfg)
        centre = np.flatnonzero(strongest_margin_db(gain_db) >= self.margin_db)
        if centre.size == 0:
            return own, None
        x = agent._from_env(own)  # noqa: SLF001 - the agent's own units, [-1, 1]
        power = cfg.n_ues * cfg.n_rus + cfg.n_ues + centre
        level = shares.power_levels(x[power], cfg.n_levels)
        lowered = x.copy()
        lowered[power] = shares.level_centres(cfg.n_levels)[np.maximum(level - self.levels, 0)]
        if self.gated:
            with torch.no_grad():
                s = torch.as_tensor(agent._inputs(obs)).repeat(2, 1)  # noqa: SLF001
                q = agent.critic_target.q_min(s, torch.as_tensor(np.stack([x, lowered])))
            self.asked += 1
            if not q[1] > q[0]:
                return own, None
            self.preferred += 1
        return agent._to_env(lowered), None  # noqa: SLF001


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--seeds", required=True, help="ns-3 seeds to play")
    parser.add_argument("--agent-seeds", default="0", help="decision seeds")
    parser.add_argument("--samples", default="10", help="samples per decision, one rule each")
    parser.add_argument("--rules", default="medoid",
                        help="how the N samples are chosen from: medoid, table; or power, "
                             "the agent's own action with the power rule (comma-separated)")
    parser.add_argument("--fit", type=Path, help="ue-value's table (for --rules table)")
    parser.add_argument("--power", default="30:3",
                        help="MARGIN_DB:LEVELS of --rules power (cell-centre UEs, levels lower)")
    parser.add_argument("--power-steps", type=int, default=0,
                        help="with --rules power, also the agent with its critics' own "
                             "power steps (DiffusionQLConfig.power_steps; 0: not played)")
    parser.add_argument("--ddim", action="store_true",
                        help="also DDIM decisions: one sample, and best of the agent's "
                             "candidates by its critics")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    seeds, agent_seeds = parse_seeds(args.seeds), parse_seeds(args.agent_seeds)
    samples = parse_seeds(args.samples)
    if min(samples) < 2:
        parser.error(f"--samples {args.samples}: a choice needs at least 2 samples each")
    choices = args.rules.split(",")
    if not set(choices) <= {"medoid", "table", "power"}:
        parser.error(f"--rules {args.rules}: each one of medoid, table, power")
    try:
        margin_db, levels = float(args.power.split(":")[0]), int(args.power.split(":")[1])
    except (IndexError, ValueError):
        parser.error(f"--power {args.power}: MARGIN_DB:LEVELS, e.g. 30:3")
    if "table" in choices and args.fit is None:
        parser.error("--rules table needs --fit, ue-value's table")
    table = UeValueTable.load(args.fit) if "table" in choices else None
    torch.set_num_threads(1)
    env = make_env("oran-slicing", "diffusion-ql", {"maxSteps": str(args.steps)})
    rows: list[dict[str, Any]] = []
    asked: list[tuple[int, int, int]] = []  # decision seed, critics' yes, decisions asked
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
                *[(f"medoid of {n} samples", SamplePlayer(
                    agent(candidates=1), cfg, n, functools.partial(medoid, cfg)))
                  for n in samples if "medoid" in choices],
                *[(f"best of {n} samples by ue-value's table", SamplePlayer(
                    agent(candidates=1), cfg, n, table_choice(cfg, table)))
                  for n in samples if table is not None]]
            gated = None
            if "power" in choices:
                gated = PowerPlayer(agent(), cfg, margin_db, levels, gated=True)
                rules += [(f"as it acts, cell-centre power {levels} levels lower "
                           f"(≥ {margin_db:g} dB)", PowerPlayer(agent(), cfg, margin_db,
                                                               levels, gated=False)),
                          ("the same where its critics value it above its own", gated)]
                if args.power_steps:
                    rules.append((f"its critics' power steps (up to {args.power_steps} "
                                  f"levels lower, margin {acting.config.power_margin:g})",
                                  agent(power_steps=args.power_steps)))
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
            if gated is not None:
                asked.append((agent_seed, gated.preferred, gated.asked))
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
    lines += [f"\nDecision seed {seed}: the critics valued the lowered action above the "
              f"agent's own in {yes} of {n} decisions with a cell-centre UE."
              for seed, yes, n in asked]
    (args.out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

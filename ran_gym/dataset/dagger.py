"""Data-set aggregation (DAgger) for the GDM: the expert's labels on the states the GDM
visits when it acts.

The expert data set holds the states of the expert's own trajectories. Executed with the
dual dynamics, a GDM that serves a weak pair a little less than the expert would lets
that pair's dual climb, into states the expert's trajectories seldom reach: on a hard
ns-3 network where the expert's duals stayed near 4-5, the GDM's sat at mu_max for
several pairs at once for most of the episode (docs/results/gdm/). Imitation has no
labels there. The expert is a function of (gains, duals seen), so any visited state can
be labelled after the fact. By default the GDM runs its own execution on the twin (a
fresh sample per step, its duals moved every ``t0`` steps by the rates it got, dithered
as it dithers them) on networks of the family; with ``--ns3`` it acts as agent ``gdm``
does, in ns-3, one episode on each network of seeds seed, seed + 1, ... (keep them apart
from the held-out sets), its duals moved by the rates ns-3 measures. Every step is
labelled with what the expert answers for the duals the GDM saw: Pmax pi(x, mu_seen).
The rows have the expert data set's columns (``mu``, ``mu_seen`` the GDM's; ``power_w``
the expert's label; ``rates`` what the GDM's own sample got), so data sets concatenate
into the next round's training set:

    python -m ran_gym.dataset.dagger --gdm runs/gdm/train/policy.pt --networks 200 --seed 8 \
        --out runs/gdm/dagger-1.parquet
    python -m ran_gym.dataset.dagger --ns3 --gdm agents/gdm/pretrained/default.pt \
        --networks 100 --seed 10000 --out runs/gdm/dagger-ns3.parquet
    python -m ran_gym.train.gdm --duals --dual-dither 0.5 \
        --dataset runs/gdm/expert.parquet,runs/gdm/dagger-1.parquet --out runs/gdm/round-1
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from agents.gdm.agent import GdmAgent, window_sampler
from agents.gdm.policy import GdmPolicy, load_policy
from agents.sapd.agent import (
    DEFAULT_CHECKPOINT,
    EXECUTION_T0,
    Rollout,
    dual_dynamics,
    policy_powers,
)
from agents.sapd.networks import SapdPolicy
from agents.sapd.train import checkpoint_rate_model, load_checkpoint
from bridge.twins.interference import InterferenceConfig, rate_function
from ran_gym.dataset.sapd import trajectory_rows, twin_network


def expert_labels(expert: SapdPolicy, x: np.ndarray, seen: np.ndarray, pmax_w: float
                  ) -> np.ndarray:
    """The expert's powers [W] for the gains x and each step's duals seen [T, N]: one
    answer per distinct dual vector (one per dual window)."""
    labels: dict[bytes, np.ndarray] = {}
    for mu in seen:
        if mu.tobytes() not in labels:
            labels[mu.tobytes()] = pmax_w * policy_powers(expert, x, mu)
    return np.array([labels[mu.tobytes()] for mu in seen])


def dagger_rows(gdm: GdmPolicy, expert: SapdPolicy, rates_of: object, networks: int,
                steps: int, t0: int, seed: int,
                family: InterferenceConfig | None = None) -> pd.DataFrame:
    """One row per (network, step) of the GDM's execution on ``networks`` twin networks
    drawn with ``seed``, labelled with the expert's powers for the GDM's dithered duals."""
    if not gdm.config.duals:
        raise ValueError("dagger: the GDM must be conditioned on the duals (GdmConfig.duals); "
                         "a gains-only GDM visits no dual states")
    if networks < 1 or steps < 1:
        raise ValueError(f"dagger: networks and steps must be >= 1, got {networks}, {steps}")
    family = family or InterferenceConfig()
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for m in range(networks):
        x, channel = twin_network(family, steps, rng)
        run = dual_dynamics(window_sampler(gdm, x, generator), channel, rates_of, rng,
                            t0=t0, dither=gdm.config.dual_dither)
        rows += trajectory_rows(m, x, run, expert_labels(expert, x, run.seen, family.pmax_w))
    return pd.DataFrame(rows)


def ns3_dagger_rows(agent: GdmAgent, expert: SapdPolicy, env: Any, seeds: range, steps: int,
                    pmax_w: float) -> pd.DataFrame:
    """One row per (network, step) of ``agent``'s execution in the ns-3 interference env
    (one episode per seed), labelled with the expert's powers for the duals it saw."""
    if not agent.policy.config.duals:
        raise ValueError("dagger: the GDM must be conditioned on the duals (GdmConfig.duals); "
                         "a gains-only GDM visits no dual states")
    rows = []
    for m, seed in enumerate(seeds):
        obs, _ = env.reset(seed=seed)
        x = np.asarray(obs["gains"], np.float32)
        mus, seen, powers, rates = [], [], [], []
        for t in range(steps):
            action, _ = agent.predict(obs, episode_start=t == 0)
            mus.append(agent.mu.copy())
            seen.append(agent.seen.copy())
            powers.append(np.asarray(action, float) / agent.pmax_mw)
            obs, _, terminated, truncated, info = env.step(action)
            rates.append(np.asarray(info["rates"], float))
            if terminated or truncated:
                break
        run = Rollout(np.array(mus), np.array(seen), np.array(powers), np.array(rates),
                      agent.mu.copy())
        rows += trajectory_rows(m, x, run, expert_labels(expert, x, run.seen, pmax_w))
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gdm", required=True, help="dual-conditioned GDM checkpoint")
    parser.add_argument("--expert", default=str(DEFAULT_CHECKPOINT),
                        help="SA-PD checkpoint that labels the states")
    parser.add_argument("--networks", type=int, default=200)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--t0", type=int, default=EXECUTION_T0,
                        help="steps between the GDM's dual updates (as it acts in ns-3)")
    parser.add_argument("--seed", type=int, default=0,
                        help="twin: seeds the networks; --ns3: the first network's seed")
    parser.add_argument("--ns3", action="store_true",
                        help="act in ns-3 (one episode per network) instead of on the twin")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.exists():
        raise SystemExit(f"dagger: {out} exists; choose another --out")
    expert = Path(args.expert)
    if args.ns3:
        frame = _ns3_frame(args, load_checkpoint(expert))
    else:
        frame = dagger_rows(load_policy(args.gdm), load_checkpoint(expert),
                            rate_function(checkpoint_rate_model(expert)), args.networks,
                            args.steps, args.t0, args.seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    frame.to_parquet(partial)
    partial.replace(out)
    print(f"data set: {out} ({len(frame)} rows)")


def _ns3_frame(args: argparse.Namespace, expert: SapdPolicy) -> pd.DataFrame:
    from agents.registry import make_agent
    from bridge.envs import ScenarioEnv

    if args.networks < 1 or args.steps < 1:
        raise SystemExit(f"dagger: --networks and --steps must be >= 1, got {args.networks}, "
                         f"{args.steps}")
    env = ScenarioEnv("interference", {})
    try:
        agent = make_agent("gdm", env, seed=args.seed, checkpoint=args.gdm, t0=args.t0)
        assert isinstance(agent, GdmAgent)
        pmax_w = float(env.params["pmaxMw"]) / 1e3
        return ns3_dagger_rows(agent, expert, env, range(args.seed, args.seed + args.networks),
                               args.steps, pmax_w)
    finally:
        env.close()


if __name__ == "__main__":
    main()

"""How closely a Diffusion-QL agent clones ue-value, and whether its critics can tell the
two apart (docs/slicing-agents.md, "Where the clone loses to ue-value").

    scripts/clone_diagnosis.py --checkpoint DQL.pt --fit UE_VALUE.json \
        --collection PLAY [--trained DEMOS] [--episodes 10] [--seed 6000000] [--out DIR]

PLAY is a collection of ue-value's own play on drops neither was trained on (``ran-gym
collect --policy ue-value --checkpoint ue-value=UE_VALUE.json``). It reports, per slice,
the share of UEs to which the agent gives the RBG count ue-value gives:

- offline: on PLAY's states, by the step of the episode (at step 1 the observation
  holds no earlier allocation; later it holds ue-value's own last one), and on DEMOS (the
  demonstrations it was trained on) if given;
- in closed loop: the agent plays ``--episodes`` ns-3 episodes of 20 steps (reset
  seeds ``--seed`` + i; 0: none) and each state it meets is compared with ue-value's choice
  there;

each also with how often, per slice, the agent gives fewer or more RBGs than ue-value;

and, on PLAY's states, how well the agent's critics foretell each UE's outcome of
ue-value's actions (beside ue-value's table), and how often they value ue-value's action
above the agent's own, beside each one's mean Q and the reward ue-value's action got.
With --out the report is also written to DIR/clone-diagnosis.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.registry import make_agent
from bridge.slicing.allocation import Allocation
from bridge.slicing.greedy import rate_per_rbg
from bridge.slicing.layout import gains_from_observation
from bridge.slicing.shares import decode
from ran_gym.dataset.collect import load
from ran_gym.evaluation import make_env
from ran_gym.train.diffusion_ql import load_transitions

SLICE_NAMES = ("eMBB", "URLLC", "mMTC")
STEP_GROUPS = ((1, 1), (2, 5), (6, 20))


def rbgs(cfg, alloc: Allocation) -> np.ndarray:
    """RBGs held by each UE."""
    owned = alloc.prb_owner[alloc.prb_owner >= 0]
    return np.bincount(owned, minlength=cfg.n_ues)[:cfg.n_ues]


def by_slice(cfg, equal: np.ndarray) -> str:
    """'eMBB 0.63, URLLC 0.78, mMTC 0.80': the mean of [N, U] per slice."""
    slices = np.asarray(cfg.ue_slice)
    return ", ".join(f"{name} {equal[:, slices == s].mean():.3f}"
                     for s, name in enumerate(SLICE_NAMES))


def agreement(agent, expert, env, collection: str) -> tuple[list[str], tuple[Any, ...],
                                                            np.ndarray]:
    """The offline agreement on ``collection``'s ue-value states, by step; its ue-value
    transitions; the agent's actions there."""
    cfg = env.cfg
    transitions, _ = load_transitions(collection, env, "ue-value")
    obs = transitions[0]
    table = load(collection)
    step = np.asarray(table["step"])[np.asarray(table["policy"]) == "ue-value"]
    played = agent.act(obs, deterministic=True)
    diff = np.stack([rbgs(cfg, decode(cfg, a, gains_from_observation(o, cfg))) -
                     rbgs(cfg, expert.allocate(gains_from_observation(o, cfg)))
                     for o, a in zip(obs, played, strict=True)])
    lines = [f"offline, {len(obs)} states of ue-value's play ({collection}):",
             *by_step(cfg, step, diff == 0), *differences(cfg, diff)]
    return lines, transitions, played


def by_step(cfg, step: np.ndarray, equal: np.ndarray) -> list[str]:
    """The agreement [N, U] of all states and of each group of STEP_GROUPS, per slice."""
    lines = [f"  all steps: {by_slice(cfg, equal)}"]
    for lo, hi in STEP_GROUPS:
        at = (step >= lo) & (step <= hi)
        if at.any():
            lines.append(f"  steps {lo}-{hi} ({at.sum()}): {by_slice(cfg, equal[at])}")
    return lines


def differences(cfg, diff: np.ndarray) -> list[str]:
    """Per slice, how often the agent gives fewer or more RBGs than ue-value (``diff``
    [N, U]: the agent's less ue-value's), and by how many on average."""
    slices = np.asarray(cfg.ue_slice)
    lines = []
    for s, name in enumerate(SLICE_NAMES):
        d = diff[:, slices == s].ravel()
        lines.append(f"  {name}: fewer RBGs than ue-value {np.mean(d < 0):.3f}, more "
                     f"{np.mean(d > 0):.3f}, mean difference {d.mean():+.3f}")
    return lines


def offline(agent, expert, env, collection: str) -> list[str]:
    lines, (obs, actions, rewards, next_obs, _), played = agreement(agent, expert, env,
                                                                    collection)
    inputs = torch.as_tensor(agent._inputs(obs))
    with torch.no_grad():
        q_expert = agent.critic_target.q_min(inputs, torch.as_tensor(actions)).numpy()
        q_own = agent.critic_target.q_min(inputs, torch.as_tensor(played)).numpy()
    lines += outcome_fit(agent, expert, env, inputs, obs, actions, rewards, next_obs)
    lines.append(f"critics: ue-value's action valued above the agent's in "
                 f"{np.mean(q_expert > q_own):.3f} of the states; mean Q {q_expert.mean():.3f} "
                 f"(ue-value's) against {q_own.mean():.3f} (the agent's); ue-value's "
                 f"reward there {rewards.mean():.3f}")
    return lines


def outcome_fit(agent, expert, env, inputs, obs, actions, rewards, next_obs) -> list[str]:
    """How well the critics' per-UE values and ue-value's table foretell each UE's part of
    the reward ue-value's actions got (``PerUeCritic.ue_rewards``): correlation per slice.
    ``inputs``: ``obs`` as the networks see them."""
    cfg = env.cfg
    critic = agent.critic_target
    with torch.no_grad():
        values = torch.minimum(*critic.per_ue(inputs, torch.as_tensor(actions))).numpy()
        outcome = critic.ue_rewards(torch.as_tensor(next_obs), torch.as_tensor(rewards)).numpy()
    slices = np.asarray(cfg.ue_slice)
    table = np.empty_like(values)  # the table's value of each UE's cell
    for i, (o, a) in enumerate(zip(obs, actions, strict=True)):
        gains = gains_from_observation(o, cfg)
        bins = expert.table.rate_bin(rate_per_rbg(cfg, gains))
        held = np.minimum(rbgs(cfg, decode(cfg, a, gains)), expert.values.shape[2] - 1)
        table[i] = expert.values[slices, bins, held]
    line = "each UE's outcome foretold (correlation), by the critics / by ue-value's table:"
    for s, name in enumerate(SLICE_NAMES):
        at = slices == s
        fit = [np.corrcoef(v[:, at].ravel(), outcome[:, at].ravel())[0, 1]
               for v in (values, table)]
        line += f" {name} {fit[0]:.3f} / {fit[1]:.3f};"
    return [line.rstrip(";")]


def closed_loop(agent, expert, env, episodes: int, seed: int) -> list[str]:
    cfg = env.cfg
    step, diff = [], []
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed + episode)
        ended, t = False, 0
        while not ended:
            t += 1
            action, _ = agent.predict(obs, deterministic=True)
            gains = gains_from_observation(obs, cfg)
            own, theirs = rbgs(cfg, decode(cfg, action, gains)), rbgs(cfg, expert.allocate(gains))
            step.append(t)
            diff.append(own - theirs)
            obs, _, terminated, truncated, _ = env.step(action)
            ended = terminated or truncated
    step_a, diff_a = np.asarray(step), np.asarray(diff)
    lines = [f"closed loop, the agent playing {episodes} ns-3 episodes (seeds {seed}-"
             f"{seed + episodes - 1}), {len(diff)} states:",
             *by_step(cfg, step_a, diff_a == 0), *differences(cfg, diff_a)]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, help="the Diffusion-QL agent")
    parser.add_argument("--fit", required=True, help="ue-value's table (ue-value.json)")
    parser.add_argument("--collection", required=True,
                        help="ue-value's play on unseen drops (ran-gym collect)")
    parser.add_argument("--trained", help="also the offline agreement on this collection "
                        "(e.g. the demonstrations the agent was trained on)")
    parser.add_argument("--episodes", type=int, default=10,
                        help="closed-loop ns-3 episodes (0: the offline measures alone)")
    parser.add_argument("--seed", type=int, default=6000000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.episodes < 0:
        parser.error(f"--episodes must be >= 0, got {args.episodes}")
    twin = make_env("oran-slicing-twin", "diffusion-ql", {})
    agent = make_agent("diffusion-ql", twin, seed=0, checkpoint=args.checkpoint)
    expert = make_agent("ue-value", twin, seed=0, checkpoint=args.fit)
    lines = [f"agent {args.checkpoint}, ue-value {args.fit}",
             *offline(agent, expert, twin, args.collection)]
    if args.trained:
        lines += agreement(agent, expert, twin, args.trained)[0]
    twin.close()
    if args.episodes:
        ns3 = make_env("oran-slicing", "diffusion-ql", {"maxSteps": "20"})
        try:
            agent.reseed(args.seed)  # the same decision samples whatever ran before
            lines += closed_loop(agent, expert, ns3, args.episodes, args.seed)
        finally:
            ns3.close()
    print("\n".join(lines))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "clone-diagnosis.md").write_text("```\n" + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()

"""The GDM results of ``docs/results/gdm/``, in one command:

    python -m ran_gym.experiments.gdm_reproduce --checkpoint CKPT --out docs/results/gdm \\
        [--episodes 8] [--steps 200] [--seed 2000] [--guidance 0.5,2]

- ``summary.csv`` / ``summary.md`` (Fig. 2 analogue): FP, WMMSE, the SA-PD expert, GDM and
  constraint-guided GDM on the same ns-3 episodes (seeds seed..seed+episodes−1, networks
  the GDM never saw): ergodic-rate percentiles over all pairs, the mean, the feasible share;
  ``ergodic.csv``: every pair's ergodic rate.
- ``slices.png`` / ``slices.csv`` (Fig. 1 analogue): expert and GDM power samples of a
  few node pairs of two held-out twin networks, and per node the 1-Wasserstein distance
  between the expert's and the GDM's power distribution.
- ``transfer.csv`` / ``transfer.md``: the same GDM (trained at N = 8) against the expert
  at ``--transfer-pairs`` pairs of the same density in ns-3.
- ``summary-duals.csv`` / ``.md`` (part ``duals``): the GDM conditioned on the duals too
  (``--duals-checkpoint``), on the same episodes as ``summary.csv``;
  ``summary-plain-guidance.*`` (part ``plain-guidance``): guidance on every pair's slack
  (no measured-rate weights).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from agents.registry import make_agent
from bridge.twins.interference import F_MIN

PERCENTILES = (1, 5, 10, 25, 50)


def ergodic_rates(agent: Any, env: Any, seed: int, steps: int) -> np.ndarray:
    """Every pair's mean ns-3 rate over one episode (reset with ``seed``)."""
    obs, _ = env.reset(seed=seed)
    rates, start = [], True
    for _ in range(steps):
        action, _ = agent.predict(obs, episode_start=start)
        obs, _, terminated, truncated, info = env.step(action)
        rates.append(np.asarray(info["rates"], float))
        start = False
        if terminated or truncated:
            break
    return np.mean(rates, axis=0)


def metrics(ergodic: np.ndarray, f_min: float = F_MIN) -> dict[str, float]:
    """Mean, percentiles and feasible share of pooled ergodic rates."""
    out = {"mean_rate": float(ergodic.mean())}
    out.update({f"p{q}": float(np.percentile(ergodic, q)) for q in PERCENTILES})
    out["feasible_share"] = float(np.mean(ergodic >= f_min))
    return out


def run_ns3(agents: dict[str, dict[str, Any]], params: dict[str, Any], episodes: int,
            steps: int, seed: int) -> pd.DataFrame:
    """One row per (agent, episode, pair) with the ergodic rate, every agent on the same
    episodes; ``agents`` maps a label to make_agent's name and keyword arguments."""
    from bridge.envs import ScenarioEnv

    env = ScenarioEnv("interference", params)
    rows = []
    try:
        for label, spec in agents.items():
            spec = dict(spec)
            agent = make_agent(spec.pop("agent"), env, seed=seed, **spec)
            for k in range(episodes):
                for pair, rate in enumerate(ergodic_rates(agent, env, seed + k, steps)):
                    rows.append({"agent": label, "episode": k, "pair": pair, "ergodic": rate})
                print(f"{label}: episode {k + 1}/{episodes}", file=sys.stderr)
    finally:
        env.close()
    return pd.DataFrame(rows)


def table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame([{"agent": name, "pairs": len(part), **metrics(part["ergodic"].values)}
                         for name, part in frame.groupby("agent", sort=False)])


def markdown(frame: pd.DataFrame) -> str:
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row)
            + " |" for row in frame.itertuples(index=False)]
    return "\n".join(["| " + " | ".join(frame.columns) + " |", rule, *body]) + "\n"


def agent_specs(checkpoint: str, guidance: list[float]) -> dict[str, dict[str, Any]]:
    specs: dict[str, dict[str, Any]] = {
        "fp": {"agent": "fp"}, "wmmse": {"agent": "wmmse"}, "sapd (expert)": {"agent": "sapd"},
        "gdm": {"agent": "gdm", "checkpoint": checkpoint}}
    for scale in guidance:
        specs[f"gdm + guidance {scale:g}"] = {"agent": "gdm", "checkpoint": checkpoint,
                                              "guidance_scale": scale, "guidance_feedback": True}
    return specs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2000)
    parser.add_argument("--guidance", default="2", help="comma-separated guidance scales")
    parser.add_argument("--transfer-pairs", type=int, default=16)
    parser.add_argument("--transfer-episodes", type=int, default=4)
    parser.add_argument("--duals-checkpoint", default=None,
                        help="GDM trained with --duals (part 'duals')")
    parser.add_argument("--parts", default="ns3,slices,transfer",
                        help="comma-separated: ns3, slices, transfer, duals, plain-guidance")
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    parts = args.parts.split(",")
    guidance = [float(g) for g in args.guidance.split(",") if g]
    (out / f"config-{'-'.join(parts)}.json").write_text(json.dumps(vars(args), indent=2) + "\n")
    if "ns3" in parts:
        frame = run_ns3(agent_specs(args.checkpoint, guidance), {}, args.episodes, args.steps,
                        args.seed)
        frame.to_csv(out / "ergodic.csv", index=False)
        summary = table(frame)
        summary.to_csv(out / "summary.csv", index=False)
        (out / "summary.md").write_text(markdown(summary))
        print(markdown(summary))
    extra = {  # further rows on the same episodes as summary.csv, one file set each
        "duals": {"gdm (gains + duals)": {"agent": "gdm", "checkpoint": args.duals_checkpoint}},
        "plain-guidance": {f"gdm + unweighted guidance {g:g}": {
            "agent": "gdm", "checkpoint": args.checkpoint, "guidance_scale": g}
            for g in guidance}}
    for part in (p for p in parts if p in extra):
        frame = run_ns3(extra[part], {}, args.episodes, args.steps, args.seed)
        frame.to_csv(out / f"ergodic-{part}.csv", index=False)
        summary = table(frame)
        summary.to_csv(out / f"summary-{part}.csv", index=False)
        (out / f"summary-{part}.md").write_text(markdown(summary))
        print(markdown(summary))
    if "slices" in parts:
        from agents.gdm.slices import plot_slices

        distances = plot_slices(args.checkpoint, out / "slices.png", seed=args.seed)
        distances.to_csv(out / "slices.csv", index=False)
        print(distances.describe().to_string())
    if "transfer" in parts:
        specs = {k: v for k, v in agent_specs(args.checkpoint, []).items() if k != "wmmse"}
        frame = run_ns3(specs, {"pairs": args.transfer_pairs}, args.transfer_episodes,
                        args.steps, args.seed)
        summary = table(frame)
        summary.to_csv(out / "transfer.csv", index=False)
        (out / "transfer.md").write_text(markdown(summary))
        print(markdown(summary))


if __name__ == "__main__":
    main()

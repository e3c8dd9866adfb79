"""FP, WMMSE and SA-PD on the closed-form twin, for comparison with the ns-3 table:
``python -m agents.sapd.twin_eval --networks 32 --steps 200 --seed 1000 [--rates lte]``;
SA-PD's dual dynamics run on the same rates as the metrics."""

from __future__ import annotations

import argparse

import numpy as np
import torch

from agents.baselines.wmmse import wmmse
from agents.sapd.agent import DEFAULT_CHECKPOINT, rollout
from agents.sapd.train import load_checkpoint
from bridge.twins.interference import (
    InterferenceConfig,
    drop_network,
    ergodic_metrics,
    fading,
    normalise_gains,
    rate_function,
)


def sapd_rates(policy, x: np.ndarray, h: np.ndarray, family: InterferenceConfig,
               model: str, rng: np.random.Generator) -> np.ndarray:
    channel = h * family.pmax_w / family.noise_w
    return rollout(policy, x, channel, rate_function(model), rng).rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--networks", type=int, default=32)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--rates", default="shannon", choices=("shannon", "lte"),
                        help="rate model for every agent (default: shannon)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one small GNN per step: threads only contend
    family, rng = InterferenceConfig(), np.random.default_rng(args.seed)
    policy = load_checkpoint(DEFAULT_CHECKPOINT)
    rates_of = rate_function(args.rates)
    ergodic: dict[str, list[np.ndarray]] = {"fp": [], "wmmse": [], "sapd": []}
    for _ in range(args.networks):
        gains = drop_network(family, rng).gains
        h = gains * fading(gains.shape, args.steps, family.fading_correlation, rng)
        full = np.full(family.pairs, family.pmax_w)
        ergodic["fp"].append(rates_of(h, full, family.noise_w).mean(0))
        p = wmmse(gains, family.pmax_w, family.noise_w)
        ergodic["wmmse"].append(rates_of(h, p, family.noise_w).mean(0))
        x = normalise_gains(gains, family.pmax_w, family.noise_w)
        ergodic["sapd"].append(sapd_rates(policy, x, h, family, args.rates, rng).mean(0))
    print("| agent | mean_rate | p5_rate | p10_rate | feasible_share |\n|---|---|---|---|---|")
    for name, values in ergodic.items():
        m = ergodic_metrics(np.concatenate(values)[None])
        print(f"| {name} | {m['mean_rate']:.4g} | {m['p5_rate']:.4g} | {m['p10_rate']:.4g} "
              f"| {m['feasible_share']:.4g} |")


if __name__ == "__main__":
    main()

"""How much f_min an interference network allows: the best max-min ergodic rate that any
time-sharing of on/off power allocations reaches on the twin.

Every subset S of transmitters on at Pmax (the others off) gives each pair an ergodic
rate r_i(S) (the twin's rates averaged over fading draws). A schedule spends a share
t_S of the time on S; the LP

    maximise z  subject to  sum_S t_S r_i(S) >= z for every pair i,  sum_S t_S = 1,  t >= 0

gives the largest rate every pair can have at once. When it is below f_min, no on/off
time-sharing serves every pair: a policy that misses f_min there is limited by the
network, not only by itself. Continuous powers could do somewhat better, so the bound
is a lower bound on what is achievable, and exact only for on/off schedules; 2^N subsets
limit it to small N (N <= 12).

``python -m agents.baselines.timeshare --seed S --episodes K [--param ...]``: the bound
for the networks of ns-3 episodes S .. S+K-1 (the long-term gains each episode's
observation carries).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
from scipy.optimize import linprog

from bridge.twins.interference import (
    F_MIN,
    fading,
    lte_rates,
    rate_function,
    snr_from_observation,
)

MAX_PAIRS = 12


def subset_rates(snr: np.ndarray, rates_of=lte_rates, fading_draws: int = 64,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(subsets [2^N - 1, N] as 0/1, ergodic rates [2^N - 1, N]) for the full-power SNR
    matrix snr[i, j] = G_ij Pmax / noise; rates averaged over Rayleigh draws."""
    n = snr.shape[0]
    if n > MAX_PAIRS:
        raise ValueError(f"the time-sharing bound enumerates 2^N subsets: N <= {MAX_PAIRS}, "
                         f"got {n}")
    subsets = np.array([s for s in itertools.product((0.0, 1.0), repeat=n) if any(s)])
    h = snr[None] * fading(snr.shape, fading_draws, 0.0, np.random.default_rng(seed))
    rates = np.stack([rates_of(h, s, 1.0).mean(axis=0) for s in subsets])
    return subsets, rates


def maxmin_share(rates: np.ndarray) -> tuple[float, np.ndarray]:
    """(the LP's z, the time shares t) for per-subset rates [S, N]."""
    s, n = rates.shape
    c = np.zeros(s + 1)
    c[-1] = -1.0                                            # maximise z
    a_ub = np.hstack([-rates.T, np.ones((n, 1))])           # z - sum_S t_S r_i(S) <= 0
    a_eq = np.hstack([np.ones((1, s)), np.zeros((1, 1))])   # sum_S t_S = 1
    result = linprog(c, A_ub=a_ub, b_ub=np.zeros(n), A_eq=a_eq, b_eq=[1.0],
                     bounds=[(0, None)] * s + [(None, None)], method="highs")
    if not result.success:
        raise RuntimeError(f"time-sharing LP failed: {result.message}")
    return float(result.x[-1]), result.x[:-1]


def timeshare_bound(snr: np.ndarray, rates_of=lte_rates, fading_draws: int = 64) -> float:
    """The best max-min ergodic rate of on/off time-sharing for the network snr."""
    return maxmin_share(subset_rates(snr, rates_of, fading_draws)[1])[0]


def main() -> None:
    from bridge.envs import ScenarioEnv
    from bridge.scenarios import parse_params

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--episodes", type=int, default=32)
    parser.add_argument("--rates", default="lte", choices=("lte", "shannon"))
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    env = ScenarioEnv("interference", parse_params(args.param))
    rates_of = rate_function(args.rates)
    print("| episode | seed | max-min rate of on/off time-sharing | f_min reachable |")
    print("|---|---|---|---|")
    try:
        for k in range(args.episodes):
            obs, _ = env.reset(seed=args.seed + k)
            z = timeshare_bound(snr_from_observation(obs["gains"]), rates_of)
            print(f"| {k} | {args.seed + k} | {z:.3f} | {'yes' if z >= F_MIN else 'no'} |",
                  flush=True)
    finally:
        env.close()


if __name__ == "__main__":
    main()

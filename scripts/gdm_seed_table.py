"""Feasible share per agent seed, an agent beside the expert, from the JSON lines of
``scripts/gdm_feasibility.py``: ``python scripts/gdm_seed_table.py FILE...`` prints one
Markdown row per (network set, agent) with the feasible share at each agent seed, its
mean over the seeds and the mean rate's mean, then per set the agent's difference from
the expert (``sapd``): points of feasible share, per cent of mean rate.
Used for docs/results/gdm/seeds/."""

import json
import sys
from collections import defaultdict

EXPERT = "sapd"

runs: dict[tuple[int, str], dict[int, tuple[float, float]]] = defaultdict(dict)
episodes: dict[int, int] = {}
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            line = json.loads(f.read())
        agent_seed = line["agent_seed"] if "agent_seed" in line else line["aseed"]  # older
        runs[(line["seed"], line["agent"])][agent_seed] = (line["feasible"], line["mean"])
        networks = len(line["fails_per_net"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"gdm_seed_table: {path} is not a result of "
                         f"scripts/gdm_feasibility.py ({e!r})") from None
    if episodes.setdefault(line["seed"], networks) != networks:
        raise SystemExit(f"gdm_seed_table: {path} covers another number of networks from "
                         f"seed {line['seed']} than the files before it")
if not runs:
    raise SystemExit("gdm_seed_table: no result files given")

print("| set | agent | feasible % at agent seed | feasible % (mean) | mean rate (mean) |")
print("|---|---|---|---|---|")
for seed in sorted({s for s, _ in runs}):
    agents = sorted((a for s, a in runs if s == seed), key=lambda a: (a != EXPERT, a))
    means = {}
    for agent in agents:
        shares = runs[(seed, agent)]
        cells = ", ".join(f"{a}: {100 * f:.2f}" for a, (f, _) in sorted(shares.items()))
        feasible = 100 * sum(f for f, _ in shares.values()) / len(shares)
        rate = sum(r for _, r in shares.values()) / len(shares)
        means[agent] = (feasible, rate)
        span = f"{seed}–{seed + episodes[seed] - 1}"
        print(f"| {span} | {agent} | {cells} | {feasible:.2f} | {rate:.3f} |")
    if EXPERT in means:
        for agent in agents[1:]:
            points = means[agent][0] - means[EXPERT][0]
            rate = 100 * (means[agent][1] / means[EXPERT][1] - 1)
            print(f"| | {agent} − {EXPERT} | | {points:+.2f} points | {rate:+.1f} % |")

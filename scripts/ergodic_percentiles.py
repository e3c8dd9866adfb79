"""Fig. 2 table of ``ran-gym evaluate`` runs of the interference scenario:
``python scripts/ergodic_percentiles.py RUN_DIR...`` prints one Markdown row per agent with
its pairs' ergodic rates (each pair's mean rate over its episode) pooled over the
episodes: the number of pairs, the mean, the 1st ... 50th percentiles and the share of
pairs at or above f_min. Used for docs/results/gdm/fresh-7000/."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ran_gym.experiments.gdm_reproduce import markdown, metrics

rows = []
for run in map(Path, sys.argv[1:]):
    steps = run / "steps.parquet"
    if not steps.is_file():
        raise SystemExit(f"ergodic_percentiles: {run} has no steps.parquet (a ran-gym evaluate "
                         "run directory of the interference scenario?)")
    frame = pd.read_parquet(steps, columns=["agent", "episode", "info_rates"])
    for agent, part in frame.groupby("agent", sort=False):
        ergodic = [np.mean(np.stack(ep["info_rates"].to_list()), axis=0)
                   for _, ep in part.groupby("episode")]
        pooled = np.concatenate(ergodic)
        rows.append({"agent": agent, "pairs": len(pooled), **metrics(pooled)})
if not rows:
    raise SystemExit("ergodic_percentiles: no run directories given")
print(markdown(pd.DataFrame(rows)), end="")

#!/usr/bin/env bash
# How far online learning in ns-3 takes `make demo`'s Diffusion-QL agent
# (docs/slicing-agents.md, "Longer fine-tuning in ns-3"). From the demo's agent after its
# ns-3 updates (`demo`: per-UE credit, RBG fractions, η = 0.02, γ = 0, cloning ue-value's
# ns-3 play; its settings carried), `ran-gym train --init ... --iterations N` fine-tunes it
# N ns-3 steps (the demo takes 200): it plays with its own sampling, stores each
# transition and makes one update per step. Each run plays the development seeds 1-8
# with three decision seeds and the held-out seeds 300-309 with four, beside the demo's
# agent before it and ue-value and qos-greedy (once each).
#
#   scripts/ns3_fine_tune.sh DEMO_DIR OUT      (DEMO_DIR: a finished `make demo`)
#
# NS3FT_RUNS ["200 1000 3000 3000:1 10000 10000:1"]: STEPS or STEPS:TRAINING_SEED, two
# at a time (one core each). Each stage is skipped when its output is there.
set -euo pipefail
DEMO=${1:?usage: ns3_fine_tune.sh DEMO_DIR OUT}
OUT=${2:?usage: ns3_fine_tune.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
RUNS=(${NS3FT_RUNS:-200 1000 3000 3000:1 10000 10000:1})
# shellcheck source=scripts/probe_runs.sh
source "$(dirname "$0")/probe_runs.sh"
demo_inputs
need "$TUNED" "$FIT"
demo_agent

stage "the demo's agent, ue-value and qos-greedy on both seed sets"
play_dev demo &
play_held demo
wait
play_once qos-greedy ""
play_once ue-value "$FIT"

run() {  # STEPS[:SEED]
  IFS=: read -r steps seed <<< "$1"
  fine_tune demo "$steps" 100 ${seed:+"$seed"}
}
run_in_pairs "${RUNS[@]}"

stage "table and curves"
names=()
for spec in "${RUNS[@]}"; do
  IFS=: read -r steps seed <<< "$spec"
  names+=("demo-ft$steps${seed:+s$seed}")
done
.venv/bin/python scripts/decision_seed_table.py "$OUT" demo "${names[@]}" \
    --agents qos-greedy,ue-value
# curves.csv / curves.png: each set's reward against the fine-tuning steps (mean over the
# decision seeds), and each run's ns-3 training reward as a mean over windows of 500 steps
.venv/bin/python - "$OUT" "${names[@]}" <<'PY'
import re
import sys

import matplotlib
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt

out, names = sys.argv[1], sys.argv[2:]


def mean(path):
    return pd.read_csv(path)["mean_reward"].mean()


def played(kind, name):
    return pd.Series([mean(f"{out}/{kind}-{name}-{k}/seeds.csv") for k in range(4 if kind == "held" else 3)]).mean()


rows = [{"run": "demo", "steps": 0, "training_seed": 0,
         **{kind: played(kind, "demo") for kind in ("dev", "held")}}]
for name in names:
    steps, seed = re.fullmatch(r"demo-ft(\d+)(?:s(\d+))?", name).groups()
    rows.append({"run": name, "steps": int(steps), "training_seed": int(seed or 0),
                 **{kind: played(kind, name) for kind in ("dev", "held")}})
table = pd.DataFrame(rows)
table.to_csv(f"{out}/curves.csv", index=False)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for seed, runs in table.groupby("training_seed"):
    runs = pd.concat([table[table.steps == 0], runs]).drop_duplicates().sort_values("steps")
    for kind, label in (("held", "seeds 300-309 (held out)"), ("dev", "seeds 1-8")):
        left.plot(runs["steps"], runs[kind], marker="o", label=f"{label}, training seed {seed}")
for agent, style in (("ue-value", ":"), ("qos-greedy", "--")):
    left.axhline(mean(f"{out}/held-{agent}/seeds.csv"), linestyle=style, color="black",
                 label=f"{agent}, seeds 300-309")
left.set_xlabel("ns-3 fine-tuning steps")
left.set_ylabel("reward per step")
left.legend(fontsize=7)
for name in names:
    progress = pd.read_csv(f"{out}/{name}/progress.csv")
    window = (progress["step"] - 1) // 500
    curve = progress.groupby(window).agg(step=("step", "max"), reward=("reward", "mean"))
    right.plot(curve["step"], curve["reward"], marker=".", label=name)
right.set_xlabel("ns-3 fine-tuning step")
right.set_ylabel("training reward, mean of 500 steps")
right.legend(fontsize=7)
fig.tight_layout()
fig.savefig(f"{out}/curves.png", dpi=100)
print(table.round(3).to_string(index=False))
PY
stage "done"

#!/usr/bin/env bash
# How far online learning in ns-3 takes `make demo`'s Diffusion-QL agent
# (docs/slicing-agents.md, "Longer fine-tuning in ns-3"). From the demo's agent after its
# ns-3 updates (`demo`: per-UE credit, RBG fractions, η = 0.02, γ = 0, cloning ue-value's
# ns-3 play; its settings carried), `ran-gym train --init ... --iterations N` fine-tunes it
# N ns-3 steps (the demo takes 200): it plays with its own sampling, stores each
# transition and makes one update per step. Each run plays the development seeds 1-8
# with three decision seeds and the held-out seeds 300-309 with four, beside the demo's
# agent before it and ue-value and qos-greedy (once each). The control: the same agent
# given as many more offline updates on the demo's ns-3 collections (its replay), with no
# ns-3 steps but the one `--iterations 1` takes, played the same way; it tells what the
# fine-tuning's updates are worth without its own play. A second control: the demo's
# ns-3 updates on a fresh agent (no twin pre-training), as many as the demo's twin and
# ns-3 updates together. Last, every agent plays the demo's seeds (100-102) as `make
# demo` plays them.
#
#   scripts/ns3_fine_tune.sh DEMO_DIR OUT      (DEMO_DIR: a finished `make demo`)
#
# NS3FT_RUNS ["200 1000 3000 3000:1 10000 10000:1"]: STEPS or STEPS:TRAINING_SEED, two
# at a time (one core each). NS3FT_OFFLINE ["3000 10000 3000:1"]: the control's
# UPDATES or UPDATES:TRAINING_SEED. NS3FT_FRESH [5000]: the fresh agent's updates. Each
# stage is skipped when its output is there.
set -euo pipefail
DEMO=${1:?usage: ns3_fine_tune.sh DEMO_DIR OUT}
OUT=${2:?usage: ns3_fine_tune.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
RUNS=(${NS3FT_RUNS:-200 1000 3000 3000:1 10000 10000:1})
OFFLINE=(${NS3FT_OFFLINE:-3000 10000 3000:1})
FRESH=${NS3FT_FRESH:-5000}
# shellcheck source=scripts/probe_runs.sh
source "$(dirname "$0")/probe_runs.sh"
demo_inputs
demo_agent

stage "the demo's agent, ue-value and qos-greedy on both seed sets"
play_both demo
play_once qos-greedy ""
play_once ue-value "$FIT"

run() {  # STEPS[:SEED]
  IFS=: read -r steps seed <<< "$1"
  fine_tune demo "$steps" 100 ${seed:+"$seed"}
}
run_in_pairs "${RUNS[@]}"

run() {  # UPDATES[:SEED]: the control
  IFS=: read -r updates seed <<< "$1"
  more_updates demo "$updates" ${seed:+"$seed"}
}
run_in_pairs "${OFFLINE[@]}"

fresh="fresh$FRESH"
stage "the demo's ns-3 updates on a fresh agent (no twin pre-training): $FRESH, then both seed sets"
[ -f "$OUT/$fresh/diffusion-ql.pt" ] || OMP_NUM_THREADS=1 "$RAN_GYM" train \
    --scenario oran-slicing --agent diffusion-ql --preset per-ue --demo-policy ue-value \
    --dataset "$NS3_DATA" --pretrain-updates "$FRESH" --agent-param gamma=0 \
    --agent-param q_weight=0.02 --agent-param critic_targets=per-ue \
    --agent-param critic_share=fraction --iterations 1 --overwrite --out "$OUT/$fresh" \
    > "$OUT/$fresh.log" 2>&1
play_both "$fresh"

names=()
for spec in "${RUNS[@]}"; do
  IFS=: read -r steps seed <<< "$spec"
  names+=("demo-ft$steps${seed:+s$seed}")
done
for spec in "${OFFLINE[@]}"; do
  IFS=: read -r updates seed <<< "$spec"
  names+=("demo-off$updates${seed:+s$seed}")
done
names+=("$fresh")

stage "every agent on the demo's seeds"
demo_seeds() {  # NAME: OUT/NAME/diffusion-ql.pt on seeds 100-102, as `make demo` plays it
  [ -f "$OUT/demo-seeds-$1/seeds.csv" ] || OMP_NUM_THREADS=1 "$RAN_GYM" evaluate \
      --scenario oran-slicing --agents diffusion-ql \
      --checkpoint "diffusion-ql=$OUT/$1/diffusion-ql.pt" --seeds 100,101,102 --steps 50 \
      --param maxSteps=50 --overwrite --out "$OUT/demo-seeds-$1" > "$OUT/demo-seeds-$1.log" 2>&1
}
run() { demo_seeds "$1"; }
run_in_pairs demo "${names[@]}"

.venv/bin/python scripts/decision_seed_table.py "$OUT" demo "${names[@]}" \
    --agents qos-greedy,ue-value --paired ue-value,qos-greedy
# curves.csv / curves.png: each set's reward against the fine-tuning steps, and against
# the control's offline updates (mean over the decision seeds; curves.csv also has the
# demo's seeds), and each fine-tuning run's ns-3 training reward as a mean over windows
# of 500 steps
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


def row(name, training, steps, seed):
    return {"run": name, "training": training, "steps": steps, "training_seed": seed,
            **{kind: played(kind, name) for kind in ("dev", "held")},
            "demo_seeds": mean(f"{out}/demo-seeds-{name}/seeds.csv")}


rows = [row("demo", "none", 0, 0)]
for name in names:
    if name.startswith("fresh"):
        rows.append(row(name, "fresh, no twin", int(name[5:]), 0))
        continue
    training, steps, seed = re.fullmatch(r"demo-(ft|off)(\d+)(?:s(\d+))?", name).groups()
    rows.append(row(name, {"ft": "ns-3", "off": "offline"}[training], int(steps),
                    int(seed or 0)))
table = pd.DataFrame(rows)
table.to_csv(f"{out}/curves.csv", index=False)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
curved = table[table.training.isin(["ns-3", "offline"])]
for (training, seed), runs in curved.groupby(["training", "training_seed"]):
    runs = pd.concat([table[table.training == "none"], runs]).sort_values("steps")
    what = "ns-3 steps" if training == "ns-3" else "offline updates"
    for kind, label in (("held", "300-309"), ("dev", "1-8")):
        left.plot(runs["steps"], runs[kind], marker="o" if training == "ns-3" else "s",
                  linestyle="-" if training == "ns-3" else "--",
                  label=f"seeds {label}, {what}, training seed {seed}")
for agent, style in (("ue-value", ":"), ("qos-greedy", "--")):
    left.axhline(mean(f"{out}/held-{agent}/seeds.csv"), linestyle=style, color="black",
                 label=f"{agent}, seeds 300-309")
left.set_xlabel("ns-3 fine-tuning steps (each with one update), or offline updates")
left.set_ylabel("reward per step")
left.legend(fontsize=7)
for name in (n for n in names if "-ft" in n):
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

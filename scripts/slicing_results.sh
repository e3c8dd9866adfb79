#!/usr/bin/env bash
# docs/results/slicing: the learners of `make demo` against every slicing baseline on
# five ns-3 seeds never used in training, beside the paper's online Diffusion-QL
# (the table-i preset) trained in ns-3 alone on the same ns-3 budget, and the gap
# between the twin and ns-3 for the same agents.
#
#   scripts/slicing_results.sh DEMO_DIR OUT [LONG_DIR]
#
# DEMO_DIR: a finished `make demo` (runs/demo); LONG_DIR, optional: a finished
# `scripts/slicing_long.sh DEMO_DIR LONG_DIR`, whose agent becomes the row "Diffusion-QL +
# demonstrations, long pre-training" (its evaluation, same seeds, and its checkpoint).
#
# Stages: plain (the table-i Diffusion-QL, online in ns-3), eval (the baselines, the
# demo's learners, ue-value too, and the table-i one, seeds 200-204, 50 steps: the
# same episodes in each), gap (twin and ns-3, the same agents and seeds, 20 steps), then one table, and the
# checkpoints behind it (Diffusion-QL's without its buffers, DQN's without its replay).
# Each stage is skipped when its output is there.
set -euo pipefail
DEMO=${1:?usage: slicing_results.sh DEMO_DIR OUT}
OUT=${2:?usage: slicing_results.sh DEMO_DIR OUT}
LONG=${3:-}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
NS3_BUDGET=${NS3_BUDGET:-800}  # the demo's: 600 collected + 200 fine-tuning steps
SEEDS=200,201,202,203,204
mkdir -p "$OUT"
started=$(date +%s)
stage() { echo "== $1 ($(( $(date +%s) - started )) s)"; }

stage "plain online Diffusion-QL (table-i preset), $NS3_BUDGET ns-3 steps"
[ -f "$OUT/plain-diffusion-ql/diffusion-ql.pt" ] || "$RAN_GYM" train --scenario oran-slicing \
    --agent diffusion-ql --preset table-i --iterations "$NS3_BUDGET" --log-every 200 \
    --out "$OUT/plain-diffusion-ql" --overwrite

stage "the baselines on seeds $SEEDS"
[ -f "$OUT/eval-baselines/table.csv" ] || "$RAN_GYM" evaluate --scenario oran-slicing \
    --agents qos-greedy,max-sinr,ns3-pf,ns3-rr,random,milp --seeds "$SEEDS" \
    --steps 50 --param maxSteps=50 --out "$OUT/eval-baselines"
stage "the demo's learners on seeds $SEEDS"
[ -f "$OUT/eval-learners/table.csv" ] || "$RAN_GYM" evaluate --scenario oran-slicing \
    --agents diffusion-ql,dqn --seeds "$SEEDS" --steps 50 --param maxSteps=50 \
    --checkpoint "diffusion-ql=$DEMO/train-diffusion-ql/diffusion-ql.pt" \
    --checkpoint "dqn=$DEMO/train-dqn/dqn.zip" --out "$OUT/eval-learners"
stage "ue-value (fitted on the demo's ns-3 collection and its own play) on seeds $SEEDS"
[ -f "$OUT/eval-ue-value/table.csv" ] || "$RAN_GYM" evaluate --scenario oran-slicing \
    --agents ue-value --seeds "$SEEDS" --steps 50 --param maxSteps=50 \
    --checkpoint "ue-value=$DEMO/train-ue-value/ue-value.json" --out "$OUT/eval-ue-value"
stage "the table-i Diffusion-QL on seeds $SEEDS"
[ -f "$OUT/eval-plain/table.csv" ] || "$RAN_GYM" evaluate --scenario oran-slicing \
    --agents diffusion-ql --seeds "$SEEDS" --steps 50 --param maxSteps=50 \
    --checkpoint "diffusion-ql=$OUT/plain-diffusion-ql/diffusion-ql.pt" --out "$OUT/eval-plain"

for scenario in oran-slicing-twin oran-slicing; do
  stage "gap: $scenario"
  [ -f "$OUT/gap-$scenario/table.csv" ] || "$RAN_GYM" evaluate --scenario "$scenario" \
      --agents diffusion-ql,dqn,qos-greedy,max-sinr,random --seeds "$SEEDS" --steps 20 \
      --param maxSteps=20 --checkpoint "diffusion-ql=$DEMO/train-diffusion-ql/diffusion-ql.pt" \
      --checkpoint "dqn=$DEMO/train-dqn/dqn.zip" --out "$OUT/gap-$scenario"
done
if [[ -n "$LONG" ]]; then
  mkdir -p "$OUT/eval-long"
  cp "$LONG/eval/table.csv" "$LONG/eval/table.md" "$LONG/eval/seeds.csv" "$OUT/eval-long/"
  cp "$LONG/twin-diffusion-ql/pretrain.csv" "$OUT/pretrain-diffusion-ql-long.csv"
  mkdir -p "$OUT/eval10-long"
  cp "$LONG"/eval10/{table.csv,table.md,seeds.csv,paired.csv,commands.txt} "$OUT/eval10-long/"
fi
stage "one table"
.venv/bin/python - "$OUT" <<'PY'
import sys
from pathlib import Path

import pandas as pd

out = Path(sys.argv[1])
runs = ["long"] * (out / "eval-long").is_dir() + ["learners", "ue-value", "plain",
                                                  "baselines"]
parts = [pd.read_csv(out / f"eval-{name}" / "table.csv").assign(run=name) for name in runs]
table = pd.concat(parts, ignore_index=True)
table.loc[table.run == "long", "agent"] = "diffusion-ql + demonstrations, long pre-training"
table.loc[table.run == "learners", "agent"] = table.agent.replace(
    {"diffusion-ql": "diffusion-ql + demonstrations"})
table.loc[table.run == "plain", "agent"] = "diffusion-ql (table-i, online in ns-3)"
table.loc[table.run == "ue-value", "agent"] = \
    "ue-value (the demo's 2000 ns-3 transitions + 1000 of its own play)"
table.drop(columns="run").to_csv(out / "table.csv", index=False)
print(table[["agent", "mean_reward", "mean_reward_ci95", "throughput_mbps",
             "throughput_mbps_ci95"]].round(3).to_string(index=False))
PY
stage "training curves"
[ -f "$OUT/curves/report.html" ] || "$RAN_GYM" analyze "$DEMO/twin-dqn" "$DEMO/train-dqn" \
    "$DEMO/train-diffusion-ql" "$OUT/plain-diffusion-ql" --out "$OUT/curves"
stage "checkpoints"
mkdir -p "$OUT/checkpoints"
.venv/bin/python - "$DEMO" "$OUT" "$LONG" <<'PY'
import sys
from agents.diffusion_ql import DiffusionQL
demo, out, long = sys.argv[1:]
DiffusionQL.slim(f"{demo}/train-diffusion-ql/diffusion-ql.pt", f"{out}/checkpoints/diffusion-ql.pt")
DiffusionQL.slim(f"{out}/plain-diffusion-ql/diffusion-ql.pt",
                 f"{out}/checkpoints/diffusion-ql-table-i.pt")
if long:
    DiffusionQL.slim(f"{long}/twin-diffusion-ql/diffusion-ql.pt",
                     f"{out}/checkpoints/diffusion-ql-long.pt")
PY
cp "$DEMO/train-dqn/dqn.zip" "$DEMO/train-dqn/dqn.sha256.json" \
    "$DEMO/train-ue-value/ue-value.json" "$OUT/checkpoints/"
stage "done"

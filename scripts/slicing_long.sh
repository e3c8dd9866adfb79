#!/usr/bin/env bash
# The row "Diffusion-QL + demonstrations, long pre-training" of docs/results/slicing: the
# demo's recipe with a larger budget where it is cheap (twin transitions and offline
# updates) and the same ns-3 budget (the demo's ns-3 collection, no more ns-3 steps).
#
#   scripts/slicing_long.sh DEMO_DIR OUT      (DEMO_DIR: a finished `make demo`, runs/demo)
#
# Budgets (environment variables, defaults in brackets): LONG_TWIN_STEPS [100000] twin
# transitions of the demonstrator (qos-greedy, twice, and with share-space noise 0.3),
# 4-step episodes so that most are fresh drops; LONG_UPDATES [20000] offline updates
# (BC on the demonstrations alone, q_weight 0: docs/results/slicing "clone precision");
# LONG_PRESET [per-ue] Diffusion-QL's preset (per-UE networks; "default", the flat MLPs,
# gave the results of 2026-12-05 in docs/results/slicing and docs/results/fig3).
# LONG_PARAMS extra scenario parameters (e.g. "n_ues=15"); LONG_EVAL [1]: 0 stops before
# the evaluation (scripts/fig3.sh trains with this recipe at every U). Then the agent
# plays seeds 200-204 for 50 steps, the table's episodes, and, beside DEMO_DIR's DQN, ns-3
# PF, max-SINR and the demonstrator, seeds 200-209. Each stage is skipped when its output
# is there.
set -euo pipefail
DEMO=${1:?usage: slicing_long.sh DEMO_DIR OUT}
OUT=${2:?usage: slicing_long.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
TWIN_STEPS=${LONG_TWIN_STEPS:-100000}
UPDATES=${LONG_UPDATES:-20000}
PRESET=${LONG_PRESET:-per-ue}
SEEDS=200,201,202,203,204
PARAMS=()
for p in ${LONG_PARAMS:-}; do PARAMS+=(--param "$p"); done
mkdir -p "$OUT"
started=$(date +%s)
stage() { echo "== $1 ($(( $(date +%s) - started )) s)"; }

stage "collecting $TWIN_STEPS twin transitions of the demonstrator"
[ -f "$OUT/data-twin/.complete" ] || {
  "$RAN_GYM" collect --scenario oran-slicing-twin "${PARAMS[@]}" --param maxSteps=4 \
      --policy qos-greedy,qos-greedy,qos-greedy:noise=0.3 --steps "$TWIN_STEPS" \
      --seed 3000000 --out "$OUT/data-twin" $([ -d "$OUT/data-twin" ] && echo --resume)
  touch "$OUT/data-twin/.complete"
}

stage "$UPDATES offline updates on the twin data and $DEMO/data-ns3"
[ -f "$OUT/twin-diffusion-ql/diffusion-ql.pt" ] || "$RAN_GYM" train \
    --scenario oran-slicing-twin --agent diffusion-ql "${PARAMS[@]}" --param maxSteps=10 \
    --dataset "$OUT/data-twin,$DEMO/data-ns3" --pretrain-updates "$UPDATES" \
    --preset "$PRESET" --agent-param q_weight=0 --iterations 1 --overwrite \
    --out "$OUT/twin-diffusion-ql"

if [[ "${LONG_EVAL:-1}" == 0 ]]; then stage "done (training only)"; exit 0; fi

stage "the agent on seeds $SEEDS"
[ -f "$OUT/eval/table.csv" ] || "$RAN_GYM" evaluate --scenario oran-slicing \
    "${PARAMS[@]}" --agents diffusion-ql --seeds "$SEEDS" --steps 50 --param maxSteps=50 \
    --checkpoint "diffusion-ql=$OUT/twin-diffusion-ql/diffusion-ql.pt" --out "$OUT/eval"
stage "the agent, DQN, PF, max-SINR and the demonstrator on ten seeds, 200-209"
[ -f "$OUT/eval10/table.csv" ] || "$RAN_GYM" evaluate --scenario oran-slicing \
    "${PARAMS[@]}" --agents diffusion-ql,dqn,ns3-pf,max-sinr,qos-greedy \
    --seeds 200,201,202,203,204,205,206,207,208,209 --steps 50 --param maxSteps=50 \
    --checkpoint "diffusion-ql=$OUT/twin-diffusion-ql/diffusion-ql.pt" \
    --checkpoint "dqn=$DEMO/train-dqn/dqn.zip" --out "$OUT/eval10"
# The same seeds for every agent: the paired differences (agent - PF, ...) drop the
# drop-to-drop variance that the per-agent intervals carry.
.venv/bin/python - "$OUT/eval10" <<'PY'
import sys
import pandas as pd
from analysis.compare import paired_difference
out = sys.argv[1]
seeds = pd.read_csv(f"{out}/seeds.csv")
rows = [paired_difference(seeds, metric, baseline=other)
        .query("agent == 'diffusion-ql'")
        for metric in ("mean_reward", "throughput_mbps")
        for other in ("ns3-pf", "max-sinr", "dqn", "qos-greedy")]
paired = pd.concat(rows, ignore_index=True)
paired.to_csv(f"{out}/paired.csv", index=False)
print(paired.round(3).to_string(index=False))
PY
stage "done"
cat "$OUT/eval/table.md" "$OUT/eval10/table.md"

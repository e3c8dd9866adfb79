#!/usr/bin/env bash
# make demo: a short but real job on the default O-RAN slicing scenario (3 O-RUs,
# 25 UEs). Diffusion-QL and DQN train against ns-3, then every agent — the two
# learners, max-SINR, ns-3's PF and RR schedulers and random — plays the same drops,
# channels and traffic (same ns-3 seeds), and one report gathers the comparison table,
# the training curves and the per-slice traces.
#
# Sizes come from the environment so that a quick look and a longer run use the same
# script: DEMO_DQL_STEPS, DEMO_DQN_STEPS, DEMO_EVAL_STEPS, DEMO_SEEDS, DEMO_PARAMS.
set -euo pipefail

RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
OUT=${DEMO_OUT:-runs/demo}
DQL_STEPS=${DEMO_DQL_STEPS:-1500}
DQN_STEPS=${DEMO_DQN_STEPS:-1500}
EVAL_STEPS=${DEMO_EVAL_STEPS:-50}
SEEDS=${DEMO_SEEDS:-100,101,102}
PARAMS=()
for p in ${DEMO_PARAMS:-}; do PARAMS+=(--param "$p"); done

rm -rf "$OUT"
mkdir -p "$OUT"
started=$(date +%s)
stage() { echo "== $1 ($(( $(date +%s) - started )) s)"; }

stage "training Diffusion-QL for $DQL_STEPS steps"
"$RAN_GYM" train --scenario oran-slicing --agent diffusion-ql --iterations "$DQL_STEPS" \
    "${PARAMS[@]}" --log-every 250 --out "$OUT/train-diffusion-ql"

stage "training DQN for $DQN_STEPS steps"
"$RAN_GYM" train --scenario oran-slicing --agent dqn --iterations "$DQN_STEPS" \
    "${PARAMS[@]}" --log-every 250 --out "$OUT/train-dqn"

stage "every agent on seeds $SEEDS, $EVAL_STEPS steps each"
"$RAN_GYM" compare --scenario oran-slicing "${PARAMS[@]}" \
    --agents diffusion-ql,dqn,max-sinr,ns3-pf,ns3-rr,random --seeds "$SEEDS" \
    --steps "$EVAL_STEPS" --param "maxSteps=$EVAL_STEPS" \
    --checkpoint "diffusion-ql=$OUT/train-diffusion-ql/diffusion-ql.pt" \
    --checkpoint "dqn=$OUT/train-dqn/dqn.zip" \
    --out "$OUT/compare"

stage "report"
"$RAN_GYM" analyze "$OUT/compare" "$OUT/train-diffusion-ql" "$OUT/train-dqn" --out "$OUT/report"
stage "done"
echo "comparison table: $OUT/compare/table.md"
echo "report: $OUT/report/report.html"

#!/usr/bin/env bash
# Which demonstrations Diffusion-QL should clone in ns-3. From `make demo`'s pre-trained
# agent (the per-UE clone of qos-greedy, pre-trained in the twin), each run makes
# NS3D_UPDATES offline updates on ns-3 collections with per-UE credit, RBG fractions and
# γ = 0 (docs/slicing-agents.md, "Per-UE credit and RBG fractions"), and differs in whose
# ns-3 transitions its BC term clones:
#   qos-greedy: the demo's until then (the demonstrator's 2000, and the pre-training's
#               twin demonstrations kept);
#   first:      ue-value's own play in the demo (its first table, the 500 steps without
#               noise), in place of the twin's (`--replace-demonstrations`);
#   final:      the same and NS3D_PLAY ns-3 steps of ue-value's final table (the demo's
#               fit), collected here from 2 simulators (seed 4000000).
# Every run plays the development seeds 1-8 with three decision seeds; the runs in
# NS3D_HELD and ue-value play the held-out seeds 300-309 (four decision seeds each); the
# last of NS3D_HELD then fine-tunes NS3D_FINE_TUNE [200] steps in ns-3, as the demo does,
# and plays both sets again. Results in docs/slicing-agents.md, "ue-value's play as
# Diffusion-QL's demonstrations".
#
#   scripts/ns3_demonstrator.sh DEMO_DIR OUT      (DEMO_DIR: a finished `make demo`)
#
# NS3D_RUNS: name:demonstrations:η runs, two at a time (one core each); NS3D_HELD
# ["qos-greedy-0.02 final-0.02"]; NS3D_UPDATES [2000]; NS3D_PLAY [1000]. Each stage is
# skipped when its output is there.
set -euo pipefail
DEMO=${1:?usage: ns3_demonstrator.sh DEMO_DIR OUT}
OUT=${2:?usage: ns3_demonstrator.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
RUNS=(${NS3D_RUNS:-final-0.02:final:0.02 first-0.02:first:0.02 final-0:final:0
      final-0.05:final:0.05 qos-greedy-0.02:qos-greedy:0.02})
HELD=(${NS3D_HELD:-qos-greedy-0.02 final-0.02})
UPDATES=${NS3D_UPDATES:-2000}
PLAY=${NS3D_PLAY:-1000}
FINE_TUNE=${NS3D_FINE_TUNE:-200}
START="$DEMO/twin-diffusion-ql/diffusion-ql.pt"
FIT="$DEMO/train-ue-value/ue-value.json"
# shellcheck source=scripts/probe_runs.sh
source "$(dirname "$0")/probe_runs.sh"
need "$START" "$FIT" "$DEMO/data-ns3" "$DEMO/train-ue-value/own"
mkdir -p "$OUT"

run() {  # name:demonstrations:η — train, then play the development seeds
  IFS=: read -r name demos eta <<< "$1"
  local data="$DEMO/data-ns3,$DEMO/train-ue-value/own" whose=()
  case "$demos" in
    qos-greedy) ;;
    first) whose=(--replace-demonstrations --demo-policy ue-value) ;;
    final) whose=(--replace-demonstrations --demo-policy ue-value); data+=",$OUT/ue-value-play" ;;
    *) echo "unknown demonstrations $demos" >&2; return 1 ;;
  esac
  offline_run "$name" "$data" "${whose[@]}" --agent-param "q_weight=$eta" \
      --agent-param critic_targets=per-ue --agent-param critic_share=fraction
}

stage "ue-value's final table: $PLAY ns-3 steps of its play (2 simulators)"
"$RAN_GYM" collect --scenario oran-slicing --param maxSteps=20 --policy ue-value \
    --checkpoint "ue-value=$FIT" --num-envs 2 --steps "$PLAY" --seed 4000000 --resume \
    --out "$OUT/ue-value-play" > "$OUT/ue-value-play.log" 2>&1
stage "qos-greedy and ue-value on the development and held-out seeds"
play_once qos-greedy ""
play_once ue-value "$FIT"
run_in_pairs "${RUNS[@]}"
play_held "${HELD[@]}"

best=${HELD[-1]}
tuned="$best-ft$FINE_TUNE"
fine_tune "$best" "$FINE_TUNE" 100

stage "table"
names=()
for spec in "${RUNS[@]}"; do names+=("${spec%%:*}"); done
.venv/bin/python scripts/decision_seed_table.py "$OUT" "${names[@]}" "$tuned" \
    --agents qos-greedy,ue-value
stage "done"

#!/usr/bin/env bash
# What Diffusion-QL's critics need for the Q term to help in ns-3: per-UE credit
# (`critic_targets=per-ue`) and the RBG fractions its claims win (`critic_share=fraction`).
# From `make demo`'s pre-trained agent (the per-UE clone of qos-greedy), each run makes
# NS3C_UPDATES offline updates on the demo's ns-3 collections (the demonstrator's and
# ue-value's own play) with γ = 0 and its critics' settings and Q-term weight η; every
# run then plays the development seeds 1-8 with three decision seeds (`--agent-seed`),
# and the runs in NS3C_HELD the held-out seeds 300-309 with four; qos-greedy plays both
# sets beside them. Results in docs/slicing-agents.md, "Per-UE credit and RBG fractions".
#
#   scripts/ns3_critics.sh DEMO_DIR OUT      (DEMO_DIR: a finished `make demo`, runs/demo)
#
# NS3C_RUNS: name:targets:share:η runs, two at a time (one core each); NS3C_HELD [the
# "joint:claim:0" and "per-ue:fraction:0.02" runs]; NS3C_UPDATES [2000]. Then the first
# of NS3C_HELD's last run fine-tunes NS3C_FINE_TUNE [1000] steps in ns-3 (its settings
# carried) and plays both seed sets likewise. Each stage is skipped when its output is
# there.
set -euo pipefail
DEMO=${1:?usage: ns3_critics.sh DEMO_DIR OUT}
OUT=${2:?usage: ns3_critics.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
RUNS=(${NS3C_RUNS:-joint-claim-0:joint:claim:0 perue-claim-0:per-ue:claim:0
      perue-claim-0.02:per-ue:claim:0.02 perue-claim-0.1:per-ue:claim:0.1
      joint-fraction-0:joint:fraction:0 joint-fraction-0.02:joint:fraction:0.02
      perue-fraction-0:per-ue:fraction:0 perue-fraction-0.02:per-ue:fraction:0.02
      perue-fraction-0.05:per-ue:fraction:0.05 perue-fraction-0.1:per-ue:fraction:0.1})
HELD=(${NS3C_HELD:-joint-claim-0 perue-fraction-0.02})
UPDATES=${NS3C_UPDATES:-2000}
FINE_TUNE=${NS3C_FINE_TUNE:-1000}
START="$DEMO/twin-diffusion-ql/diffusion-ql.pt"
DATA="$DEMO/data-ns3,$DEMO/train-ue-value/own"
# shellcheck source=scripts/probe_runs.sh
source "$(dirname "$0")/probe_runs.sh"
need "$START" "$DEMO/data-ns3" "$DEMO/train-ue-value/own"
mkdir -p "$OUT"

run() {  # name:targets:share:η — train, then play the development seeds
  IFS=: read -r name targets share eta <<< "$1"
  offline_run "$name" "$DATA" --agent-param "q_weight=$eta" \
      --agent-param "critic_targets=$targets" --agent-param "critic_share=$share"
}

stage "qos-greedy on the development and held-out seeds"
play_once qos-greedy ""
run_in_pairs "${RUNS[@]}"
play_held "${HELD[@]}"

best=${HELD[-1]}
fine_tune "$best" "$FINE_TUNE" 250

stage "table"
tuned_spec=""
for spec in "${RUNS[@]}"; do  # the fine-tuned run's row: its start's settings, its name
  [[ "${spec%%:*}" == "$best" ]] && tuned_spec="$best-ft$FINE_TUNE:${spec#*:}"
done
.venv/bin/python scripts/decision_seed_table.py "$OUT" "${RUNS[@]}" $tuned_spec \
    --columns "critic targets,critic share,η"
stage "done"

#!/usr/bin/env bash
# DAgger for `make demo`'s Diffusion-QL agent (docs/slicing-agents.md, "DAgger:
# ue-value's labels on the agent's own states"). In its own ns-3 play the agent matches
# ue-value's RBG counts less often than in ue-value's states: its mistakes show in the
# next observation's outcomes, which it reads. DAgger's remedy: ue-value's actions as
# labels on the states of the agent's own play (scripts/dagger_probe.py). From the demo's
# agent after its ns-3 updates (TUNED): 1000 ns-3 steps of its own play (seed 5000000,
# the takeover play's drops in scripts/clone_probes.sh), then 1000 updates each, the
# critics held still:
#   control      no labels
#   dagger       its own play's 1000 states labelled
#   dagger-all   those and the demo's other ns-3 collections' states (qos-greedy's,
#                ue-value's first table's; 4000 more) labelled
# each played on the development seeds 1-8 with three decision seeds; the diagnosis
# (scripts/clone_diagnosis.py, on 400 ns-3 steps of ue-value's play on unseen drops) of
# the control and of dagger; and `dagger_probe.py shortcut` on ue-value's demonstrations
# and on the agent's own play.
#
#   scripts/dagger_probe.sh DEMO_DIR OUT      (DEMO_DIR: a finished `make demo`)
#
# Each stage is skipped when its output is there.
set -euo pipefail
DEMO=${1:?usage: dagger_probe.sh DEMO_DIR OUT}
OUT=${2:?usage: dagger_probe.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
# shellcheck source=scripts/probe_runs.sh
source "$(dirname "$0")/probe_runs.sh"
demo_inputs
mkdir -p "$OUT"

stage "the agent's own play (1000 ns-3 steps) and ue-value's on unseen drops (400)"
collect own 1000 5000000 --policy diffusion-ql --checkpoint "diffusion-ql=$TUNED"
collect unseen 400 6000000 --policy ue-value --checkpoint "ue-value=$FIT"

run() {  # NAME: 1000 updates from TUNED with NAME's labels, then the development seeds
  local label=""
  case $1 in
    dagger) label="$OUT/own" ;;
    dagger-all) label="$OUT/own,$DEMO/data-ns3,$DEMO/train-ue-value/own" ;;
  esac
  [ -f "$OUT/$1/diffusion-ql.pt" ] || OMP_NUM_THREADS=1 .venv/bin/python \
      scripts/dagger_probe.py update --checkpoint "$TUNED" --fit "$FIT" --label "$label" \
      --updates 1000 --out "$OUT/$1" > "$OUT/$1.log" 2>&1
  play_dev "$1"
}
run_in_pairs control dagger dagger-all
play_once qos-greedy ""
play_once ue-value "$FIT"
diagnose control "$OUT/control/diffusion-ql.pt" &
diagnose dagger "$OUT/dagger/diffusion-ql.pt"
wait

stage "the action after a UE's miss: in ue-value's demonstrations, in the agent's play"
.venv/bin/python scripts/dagger_probe.py shortcut --collection "$DEMO/data-ns3-ue-value" \
    --out "$OUT/shortcut-ue-value.md"
.venv/bin/python scripts/dagger_probe.py shortcut --collection "$OUT/own" --fit "$FIT" \
    --out "$OUT/shortcut-own.md"

stage "table"
.venv/bin/python scripts/decision_seed_table.py "$OUT" control dagger dagger-all \
    --agents qos-greedy,ue-value
stage "done"

#!/usr/bin/env bash
# Where `make demo`'s Diffusion-QL agent, a clone of ue-value's ns-3 play, loses to
# ue-value, and what was tried against it (docs/slicing-agents.md, "Where the clone
# loses to ue-value"). From a finished `make demo`:
#   diagnosis: scripts/clone_diagnosis.py on the demo's agent (and on takeover-more,
#              drop-critics-0.02, drop-policy and wide):
#              how often its RBG counts are ue-value's, offline and in closed loop, and
#              how its critics rank ue-value's actions against its own, on 400 ns-3
#              steps of ue-value's play on unseen drops (seed 6000000);
#   runs, each the demo's ns-3 updates (per-UE credit, RBG fractions, γ = 0, η = 0.02,
#   cloning ue-value's play) with one change:
#     drop-policy:       the denoiser sees only each UE's gains and slice
#                        (policy_inputs=drop), pre-trained so in the twin as well;
#     wide:              the denoiser twice as wide (hidden=256; the critics keep 64), pre-trained
#                        so in the twin as well;
#     drop-critics-η:    the critics see only each UE's gains and slice
#                        (critic_inputs=drop), η = 0.02 and 0.05;
#     final-only:        the demonstrations are the final table's play alone (without
#                        ue-value's own play in the demo, its first table's);
#     lr-3e-4:           the denoiser's learning rate 3e-4 instead of 1e-3;
#     takeover:          with 1000 ns-3 steps in which the demo's agent (after its ns-3
#                        updates) and ue-value take turns (`ran-gym collect --policy
#                        diffusion-ql+ue-value`, seed 5000000): ue-value's steps are
#                        demonstrations in the states the agent leads to, the agent's
#                        show the outcomes of its own actions;
#     more:              1000 more updates from the demo's agent on the same data;
#     takeover-more:     1000 more updates from the demo's agent, with the takeover play.
# Every run plays the development seeds 1-8 with three decision seeds; the demo's agent
# (`demo`: after its ns-3 updates, before its fine-tuning), more and takeover-more also
# the held-out seeds 300-309 with four. Each stage is skipped when its output is there.
#
#   scripts/clone_probes.sh DEMO_DIR OUT      (DEMO_DIR: a finished `make demo`)
set -euo pipefail
DEMO=${1:?usage: clone_probes.sh DEMO_DIR OUT}
OUT=${2:?usage: clone_probes.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
UPDATES=2000
# shellcheck source=scripts/probe_runs.sh
source "$(dirname "$0")/probe_runs.sh"
demo_inputs
need "$DEMO/data-twin"
mkdir -p "$OUT"
DATA=$NS3_DATA
DEMO_SETTINGS=(--replace-demonstrations --demo-policy ue-value --agent-param critic_targets=per-ue
               --agent-param critic_share=fraction)

run() {  # NAME: one run's training (the demo's ns-3 updates, one change), then seeds 1-8
  local START=$START UPDATES=$UPDATES data=$DATA eta=0.02 change=()
  case "$1" in
    drop-policy|wide) START="$OUT/twin-$1/diffusion-ql.pt" ;;
    drop-critics-*) eta=${1#drop-critics-}; change=(--agent-param critic_inputs=drop) ;;
    final-only) data="$DEMO/data-ns3,$DEMO/data-ns3-ue-value" ;;
    lr-3e-4) change=(--agent-param lr_actor=3e-4) ;;
    takeover) data+=",$OUT/takeover-play" ;;
    more) START=$TUNED UPDATES=1000 ;;
    takeover-more) START=$TUNED UPDATES=1000 data+=",$OUT/takeover-play" ;;
    *) echo "unknown run $1" >&2; return 1 ;;
  esac
  offline_run "$1" "$data" "${DEMO_SETTINGS[@]}" --agent-param "q_weight=$eta" "${change[@]}"
}

stage "ue-value's play on unseen drops (400 ns-3 steps) and the takeover play (1000)"
collect unseen 400 6000000 --policy ue-value --checkpoint "ue-value=$FIT"
collect takeover-play 1000 5000000 --policy diffusion-ql+ue-value \
    --checkpoint "diffusion-ql=$TUNED" --checkpoint "ue-value=$FIT"
stage "the demo's agent: diagnosis, the development seeds"
diagnose demo "$DEMO/train-diffusion-ql/diffusion-ql.pt"
demo_agent
play_dev demo
play_once qos-greedy ""
play_once ue-value "$FIT"
pretrain() {  # NAME ARG...: the demo's twin pre-training with ARGs, into OUT/twin-NAME
  local name=$1
  shift
  [ -f "$OUT/twin-$name/diffusion-ql.pt" ] || OMP_NUM_THREADS=1 "$RAN_GYM" train \
      --scenario oran-slicing-twin --agent diffusion-ql --param maxSteps=10 \
      --dataset "$DEMO/data-twin,$DEMO/data-ns3" --pretrain-updates 3000 --preset per-ue \
      --agent-param q_weight=0 "$@" --iterations 1 --overwrite --out "$OUT/twin-$name" \
      > "$OUT/twin-$name.log" 2>&1
}

stage "the twin pre-trainings with the policy seeing only the drop, and twice as wide"
pretrain drop-policy --agent-param policy_inputs=drop &
pretrain wide --agent-param hidden=256
wait
run_in_pairs drop-policy wide drop-critics-0.02 drop-critics-0.05 final-only lr-3e-4 \
    takeover more takeover-more
play_held demo more takeover-more
diagnose takeover-more "$OUT/takeover-more/diffusion-ql.pt"
diagnose drop-critics-0.02 "$OUT/drop-critics-0.02/diffusion-ql.pt"
diagnose drop-policy "$OUT/drop-policy/diffusion-ql.pt"
diagnose wide "$OUT/wide/diffusion-ql.pt"

stage "table"
.venv/bin/python scripts/decision_seed_table.py "$OUT" demo drop-policy wide drop-critics-0.02 \
    drop-critics-0.05 final-only lr-3e-4 takeover more takeover-more \
    --agents qos-greedy,ue-value
stage "done"

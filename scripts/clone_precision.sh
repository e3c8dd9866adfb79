#!/usr/bin/env bash
# Is it the demonstrations' number or the diffusion policy that keeps the clone's RBG
# counts off ue-value's? (docs/slicing-agents.md, "The clone's precision on ue-value's
# counts"). ue-value decides from each UE's gains and slice alone, so the twin can give
# as many of its decisions as wanted. From a finished `make demo`, after
# scripts/clone_probes.sh (its OUT/unseen: 400 ns-3 steps of ue-value's play on drops
# nothing here trains on):
#   twin-ue-value: 20 000 twin transitions of ue-value's final table (seed 7000000);
#   twin:     the demo's twin pre-training (3000 updates, per-UE preset, η = 0), the
#             denoiser seeing only each UE's gains and slice (policy_inputs=drop) and
#             cloning these 20 000 decisions;
#   more:     6000 more updates of it on them alone (demo_fraction=1);
#   twin-ns3: the demo's ns-3 updates from twin (2000, cloning ue-value's ns-3 play,
#             per-UE credit, RBG fractions, γ = 0, η = 0.02);
#   classifier: scripts/count_classifier.py on the 20 000 decisions, gains and slice
#             only, 3000 updates;
#   classifier-ns3: the same on the demo agent's demonstrations (ue-value's 1500 ns-3
#             states), every per-UE field.
# Each Diffusion-QL agent: how often its counts are ue-value's on OUT/unseen
# (scripts/clone_diagnosis.py, offline) and its reward on the development seeds 1-8 with
# three decision seeds; the classifier both. Each stage is skipped when its output is
# there.
#
#   scripts/clone_precision.sh DEMO_DIR PROBES_DIR OUT   (PROBES_DIR: clone_probes.sh's OUT)
set -euo pipefail
DEMO=${1:?usage: clone_precision.sh DEMO_DIR PROBES_DIR OUT}
PROBES=${2:?usage: clone_precision.sh DEMO_DIR PROBES_DIR OUT}
OUT=${3:?usage: clone_precision.sh DEMO_DIR PROBES_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
UPDATES=2000
FIT="$DEMO/train-ue-value/ue-value.json"
# shellcheck source=scripts/probe_runs.sh
source "$(dirname "$0")/probe_runs.sh"
need "$FIT" "$PROBES/unseen" "$DEMO/data-twin" "$DEMO/data-ns3" "$DEMO/train-ue-value/own" \
    "$DEMO/data-ns3-ue-value"
mkdir -p "$OUT"
PLAY="$OUT/twin-ue-value"

stage "20 000 twin transitions of ue-value's final table"
"$RAN_GYM" collect --scenario oran-slicing-twin --param maxSteps=20 --policy ue-value \
    --checkpoint "ue-value=$FIT" --steps 20000 --seed 7000000 --resume --out "$PLAY" \
    > "$PLAY.log" 2>&1

diagnose() {  # NAME: the offline agreement of OUT/NAME's agent on PROBES/unseen
  [ -f "$OUT/diagnosis-$1/clone-diagnosis.md" ] || OMP_NUM_THREADS=1 .venv/bin/python \
      scripts/clone_diagnosis.py --checkpoint "$OUT/$1/diffusion-ql.pt" --fit "$FIT" \
      --collection "$PROBES/unseen" --episodes 0 --out "$OUT/diagnosis-$1" \
      > "$OUT/diagnosis-$1.log" 2>&1
}

stage "twin: the demo's pre-training, gains and slice only, cloning ue-value's twin play"
[ -f "$OUT/twin/diffusion-ql.pt" ] || OMP_NUM_THREADS=1 "$RAN_GYM" train \
    --scenario oran-slicing-twin --agent diffusion-ql --param maxSteps=10 \
    --dataset "$DEMO/data-twin,$DEMO/data-ns3,$PLAY" --demo-policy ue-value \
    --pretrain-updates 3000 --preset per-ue --agent-param q_weight=0 \
    --agent-param policy_inputs=drop --iterations 1 --overwrite --out "$OUT/twin" \
    > "$OUT/twin.log" 2>&1

stage "more (6000 updates on ue-value's twin play) beside twin-ns3 (the demo's ns-3 updates)"
[ -f "$OUT/more/diffusion-ql.pt" ] || OMP_NUM_THREADS=1 "$RAN_GYM" train \
    --scenario oran-slicing-twin --agent diffusion-ql --param maxSteps=10 \
    --init "$OUT/twin/diffusion-ql.pt" --replace-demonstrations --demo-policy ue-value \
    --dataset "$PLAY" --pretrain-updates 6000 --agent-param demo_fraction=1.0 \
    --iterations 1 --overwrite --out "$OUT/more" > "$OUT/more.log" 2>&1 &
more=$!
START="$OUT/twin/diffusion-ql.pt"
offline_run twin-ns3 "$DEMO/data-ns3,$DEMO/train-ue-value/own,$DEMO/data-ns3-ue-value" \
    --replace-demonstrations --demo-policy ue-value --agent-param q_weight=0.02 \
    --agent-param critic_targets=per-ue --agent-param critic_share=fraction
play_dev twin
wait "$more"

stage "more's development seeds beside the classifiers"
play_dev more &
played=$!
classify() {  # NAME TRAIN INPUTS
  [ -f "$OUT/$1.md" ] || OMP_NUM_THREADS=1 .venv/bin/python scripts/count_classifier.py \
      --fit "$FIT" --train "$2" --test "$PROBES/unseen" --inputs "$3" --name "$1" \
      --out "$OUT" > "$OUT/$1.log" 2>&1
}
classify classifier "$PLAY" drop
wait "$played"
classify classifier-ns3 "$DEMO/data-ns3-ue-value,$DEMO/train-ue-value/own" all

stage "agreement on the unseen drops"
for name in twin more twin-ns3; do diagnose "$name"; done

stage "table"
for name in twin more twin-ns3; do
  echo "$name: $(grep 'all steps' "$OUT/diagnosis-$name/clone-diagnosis.md" | head -n 1)"
done
grep -h "update 3000\|ns-3" "$OUT/classifier.md" "$OUT/classifier-ns3.md"
.venv/bin/python scripts/decision_seed_table.py "$OUT" twin more twin-ns3 \
    --agents classifier,classifier-ns3
stage "done"

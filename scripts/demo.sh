#!/usr/bin/env bash
# make demo: a short but real job on the default O-RAN slicing scenario (3 O-RUs,
# 25 UEs). "Diffusion-QL + demonstrations" and DQN learn in the closed-form twin
# (RanGym/OranSlicingTwin-v0, thousands of steps a second) and are fine-tuned against
# ns-3; ue-value fits its per-UE value table on the ns-3 transitions collected for
# Diffusion-QL (agents/ue_value), plays in ns-3 from that fit and fits again on both
# collections (one round of policy iteration); Diffusion-QL then learns in ns-3 from
# ue-value's play (its demonstrations there, in place of the twin's qos-greedy ones);
# then every agent — the three learners, the qos-greedy demonstrator, max-SINR, ns-3's
# own PF and RR schedulers and random — plays the same ns-3 drops, channels and traffic
# (same seeds, never used in training), and one report gathers the comparison table,
# the training curves and the per-slice traces.
#
# Budgets (environment variables, defaults in brackets): DEMO_TWIN_STEPS [40000] twin
# transitions collected (qos-greedy, the same with share-space noise 0.3 and 1, random);
# DEMO_NS3_DEMO [2000] ns-3 transitions of the demonstrator (and its noisy self), from 2
# simulators; DEMO_UE_VALUE_OWN [1000] ns-3 transitions of ue-value's own play (its
# first fit, and the same with share-space noise 0.3), from 2 simulators;
# DEMO_UE_VALUE_PLAY [1000] ns-3 transitions of ue-value's final table, from 2
# simulators: Diffusion-QL's demonstrations in ns-3;
# DEMO_PRETRAIN [3000] Diffusion-QL's offline updates on both collections
# (the per-ue preset: per-UE denoiser and critics, the critics seeing each UE's SINR as
# the action sets it and giving a value per RBG count; η = 0: the BC term on the
# demonstrations, the critic on everything, Q at decision time: best of 10 candidates,
# Q-gradient guidance);
# DEMO_NS3_UPDATES [2000] its offline updates on the ns-3 collections alone, cloning
# ue-value's play (its own play's and its final table's, in place of the twin's
# demonstrations), with per-UE credit and RBG fractions in its critics, power reaching
# them through the SINR alone, and the Q term on (η = 0.02, γ = 0); from then on it
# decides with its critics' power steps (each UE up to 3 P_A levels lower where they
# value it so; docs/slicing-agents.md, "Per-UE credit and RBG fractions", "ue-value's
# play as Diffusion-QL's demonstrations", "What one UE's power costs the others" and
# "Critics with a value per RBG count");
# DEMO_NS3_STEPS [200] its ns-3 fine-tuning steps.
# DQN: DEMO_DQN_TWIN_STEPS [8000] twin steps (its twin reward peaked near 3000 and fell
# after), then as many ns-3 steps as the ns-3 transitions Diffusion-QL learns from
# (DEMO_NS3_DEMO + DEMO_UE_VALUE_OWN + DEMO_UE_VALUE_PLAY + DEMO_NS3_STEPS), on the
# second core while Diffusion-QL trains. DEMO_EVAL_STEPS [50] and DEMO_SEEDS
# [100,101,102]: the evaluation; DEMO_PARAMS extra scenario parameters;
# DEMO_TRAIN_ONLY=1 stops after the training.
set -euo pipefail

RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
OUT=${DEMO_OUT:-runs/demo}
TWIN_STEPS=${DEMO_TWIN_STEPS:-40000}
DQN_TWIN_STEPS=${DEMO_DQN_TWIN_STEPS:-8000}
PRETRAIN=${DEMO_PRETRAIN:-3000}
NS3_DEMO=${DEMO_NS3_DEMO:-2000}
UE_VALUE_OWN=${DEMO_UE_VALUE_OWN:-1000}
UE_VALUE_PLAY=${DEMO_UE_VALUE_PLAY:-1000}
NS3_UPDATES=${DEMO_NS3_UPDATES:-2000}
NS3_STEPS=${DEMO_NS3_STEPS:-200}
# DQN's ns-3 steps: as many as the ns-3 transitions Diffusion-QL learns from (the
# demonstrator's, ue-value's own play, its final table's play and the fine-tuning steps).
DQN_NS3_STEPS=$(( NS3_DEMO + UE_VALUE_OWN + UE_VALUE_PLAY + NS3_STEPS ))
EVAL_STEPS=${DEMO_EVAL_STEPS:-50}
SEEDS=${DEMO_SEEDS:-100,101,102}
PARAMS=()
for p in ${DEMO_PARAMS:-}; do PARAMS+=(--param "$p"); done

rm -rf "$OUT"
mkdir -p "$OUT"
started=$(date +%s)
stage() { echo "== $1 ($(( $(date +%s) - started )) s)"; }

stage "collecting $TWIN_STEPS twin transitions of the behaviour policies"
"$RAN_GYM" collect --scenario oran-slicing-twin "${PARAMS[@]}" --param maxSteps=10 \
    --policy qos-greedy,qos-greedy:noise=0.3,qos-greedy:noise=1,random \
    --steps "$TWIN_STEPS" --seed 1000000 --out "$OUT/data-twin"

stage "collecting $NS3_DEMO ns-3 transitions of the demonstrator (2 simulators)"
"$RAN_GYM" collect --scenario oran-slicing "${PARAMS[@]}" --param maxSteps=20 \
    --policy qos-greedy,qos-greedy:noise=0.3 --num-envs 2 \
    --steps "$NS3_DEMO" --seed 2000000 --out "$OUT/data-ns3"

stage "ue-value: a table on the $NS3_DEMO transitions, $UE_VALUE_OWN ns-3 steps of its own play, a table on both"
"$RAN_GYM" train --scenario oran-slicing --agent ue-value "${PARAMS[@]}" \
    --dataset "$OUT/data-ns3" --iterations "$UE_VALUE_OWN" --num-envs 2 \
    --param maxSteps=20 --seed 3000000 --out "$OUT/train-ue-value"

stage "ue-value's final table: $UE_VALUE_PLAY ns-3 steps of its play (2 simulators)"
"$RAN_GYM" collect --scenario oran-slicing "${PARAMS[@]}" --param maxSteps=20 \
    --policy ue-value --checkpoint "ue-value=$OUT/train-ue-value/ue-value.json" \
    --num-envs 2 --steps "$UE_VALUE_PLAY" --seed 4000000 --out "$OUT/data-ns3-ue-value"

# DQN trains on one core while Diffusion-QL pre-trains on the other: one BLAS/OpenMP
# thread each (two pools on two cores would fight over them).
stage "DQN, on the second core: $DQN_TWIN_STEPS twin steps, then $DQN_NS3_STEPS in ns-3 (log: $OUT/dqn.log)"
(
  export OMP_NUM_THREADS=1
  "$RAN_GYM" train --scenario oran-slicing-twin --agent dqn "${PARAMS[@]}" \
      --param maxSteps=10 --iterations "$DQN_TWIN_STEPS" --log-every 2000 --out "$OUT/twin-dqn"
  "$RAN_GYM" train --scenario oran-slicing --agent dqn "${PARAMS[@]}" \
      --init "$OUT/twin-dqn/dqn.zip" --iterations "$DQN_NS3_STEPS" \
      --log-every 200 --out "$OUT/train-dqn"
) > "$OUT/dqn.log" 2>&1 &
dqn=$!
# Whatever ends this script ends the DQN training too.
trap 'pkill -TERM -P "$dqn" 2>/dev/null; kill "$dqn" 2>/dev/null; true' EXIT

stage "Diffusion-QL + demonstrations: $PRETRAIN offline updates on both collections"
OMP_NUM_THREADS=1 "$RAN_GYM" train --scenario oran-slicing-twin --agent diffusion-ql \
    "${PARAMS[@]}" --param maxSteps=10 --dataset "$OUT/data-twin,$OUT/data-ns3" \
    --pretrain-updates "$PRETRAIN" --preset per-ue --agent-param q_weight=0 \
    --agent-param critic_sinr=true --agent-param critic_counts=true --iterations 1 \
    --out "$OUT/twin-diffusion-ql"

stage "Diffusion-QL: $NS3_UPDATES offline updates on the ns-3 collections, cloning ue-value's play, Q term on"
"$RAN_GYM" train --scenario oran-slicing --agent diffusion-ql "${PARAMS[@]}" \
    --init "$OUT/twin-diffusion-ql/diffusion-ql.pt" --replace-demonstrations \
    --demo-policy ue-value --pretrain-updates "$NS3_UPDATES" \
    --dataset "$OUT/data-ns3,$OUT/train-ue-value/own,$OUT/data-ns3-ue-value" \
    --agent-param gamma=0 --agent-param q_weight=0.02 --agent-param critic_targets=per-ue \
    --agent-param critic_share=fraction --agent-param critic_power_entry=false \
    --agent-param power_steps=3 --iterations 1 --out "$OUT/ns3-diffusion-ql"

stage "Diffusion-QL: $NS3_STEPS fine-tuning steps in ns-3"
"$RAN_GYM" train --scenario oran-slicing --agent diffusion-ql "${PARAMS[@]}" \
    --init "$OUT/ns3-diffusion-ql/diffusion-ql.pt" --iterations "$NS3_STEPS" \
    --log-every 100 --out "$OUT/train-diffusion-ql"

stage "waiting for DQN"
if ! wait "$dqn"; then
  echo "DQN's training failed; the end of $OUT/dqn.log:" >&2
  tail -n 20 "$OUT/dqn.log" >&2
  exit 1
fi
trap - EXIT
tail -n 3 "$OUT/dqn.log"

if [[ "${DEMO_TRAIN_ONLY:-0}" == 1 ]]; then stage "done (training only)"; exit 0; fi

stage "every agent on seeds $SEEDS, $EVAL_STEPS steps each"
"$RAN_GYM" evaluate --scenario oran-slicing "${PARAMS[@]}" \
    --agents diffusion-ql,ue-value,dqn,qos-greedy,max-sinr,ns3-pf,ns3-rr,random \
    --seeds "$SEEDS" --steps "$EVAL_STEPS" --param "maxSteps=$EVAL_STEPS" \
    --checkpoint "diffusion-ql=$OUT/train-diffusion-ql/diffusion-ql.pt" \
    --checkpoint "ue-value=$OUT/train-ue-value/ue-value.json" \
    --checkpoint "dqn=$OUT/train-dqn/dqn.zip" \
    --out "$OUT/compare"

stage "report"
"$RAN_GYM" analyze "$OUT/compare" "$OUT/train-diffusion-ql" "$OUT/train-dqn" \
    "$OUT/train-ue-value" --out "$OUT/report"
stage "done"
echo "comparison table: $OUT/compare/table.md"
echo "report: $OUT/report/report.html"

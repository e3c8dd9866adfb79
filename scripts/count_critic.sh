#!/usr/bin/env bash
# Critics with a value per RBG count (DiffusionQLConfig.critic_counts): does the demo's
# agent choose better RBG counts with them? (docs/slicing-agents.md, "Critics with a
# value per RBG count")
#
#     scripts/count_critic.sh DEMO_DIR OUT
#
# DEMO_DIR is a `make demo` output (its collections and ue-value's final table). The
# demo's two offline stages of "Diffusion-QL + demonstrations" are trained again, twice:
#   sinr:   as `make demo` did on 2026-12-08 (critics that see each UE's SINR, one value
#           per UE);
#   counts: the same with critic_counts=true from the twin stage on (one value per RBG
#           count, read at the UE's RBGs), as `make demo` does since;
# and the counts' ns-3 stage with the Q term at eta = 0, 0.05 and 0.1 in place of the
# demo's 0.02 (`counts-q0`, ...), with critics that see only each UE's gains and slice
# (`counts-drop`, critic_inputs=drop), with the critics' learning rate 1e-3 in place of
# 3e-4 (`counts-lr1e-3`) and with 3000 and 4000 updates in place of 2000
# (`counts-u3000`, `counts-u4000`). Each plays the development seeds 1-8 with decision
# seeds 0 and 1, and sinr and counts the held-out seeds 300-309 with decision seed 0
# (`ran-gym evaluate`, 50 steps;
# OUT/dev-NAME-K, OUT/held-NAME-K), beside ue-value's final table and qos-greedy
# (OUT/dev-AGENT, OUT/held-AGENT); OUT/table.md compares them
# (scripts/decision_seed_table.py). About 40 minutes on two cores.
set -euo pipefail

DEMO=${1:?usage: scripts/count_critic.sh DEMO_DIR OUT}
OUT=${2:?usage: scripts/count_critic.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
PY=${PY:-.venv/bin/python}
# shellcheck source=scripts/probe_runs.sh
source "$(dirname "$0")/probe_runs.sh"  # stage, need, play, play_run, evaluate, DEV, HELD_SEEDS
need "$DEMO"/{data-twin,data-ns3,train-ue-value/own,data-ns3-ue-value,train-ue-value/ue-value.json}
mkdir -p "$OUT"
export OMP_NUM_THREADS=1

twin() {  # NAME [AGENT-PARAM...]: the demo's twin stage, 3000 offline updates
  local name=$1; shift
  [ -f "$OUT/$name/diffusion-ql.pt" ] || "$RAN_GYM" train --scenario oran-slicing-twin \
      --agent diffusion-ql --param maxSteps=10 --dataset "$DEMO/data-twin,$DEMO/data-ns3" \
      --pretrain-updates 3000 --preset per-ue --agent-param q_weight=0 \
      --agent-param critic_sinr=true "$@" --iterations 1 --overwrite \
      --out "$OUT/$name" > "$OUT/$name.log" 2>&1
}
stage "the twin stage, one value per UE and one per RBG count"
twin twin-sinr & twin twin-counts --agent-param critic_counts=true & wait

ns3() {  # NAME TWIN Q_WEIGHT [AGENT-PARAM...]: the demo's ns-3 stage, 2000 offline updates
  local name=$1 twin=$2 eta=$3; shift 3
  [ -f "$OUT/$name/diffusion-ql.pt" ] || "$RAN_GYM" train --scenario oran-slicing \
      --agent diffusion-ql --init "$OUT/$twin/diffusion-ql.pt" \
      --replace-demonstrations --demo-policy ue-value --pretrain-updates 2000 \
      --dataset "$DEMO/data-ns3,$DEMO/train-ue-value/own,$DEMO/data-ns3-ue-value" \
      --agent-param gamma=0 --agent-param q_weight="$eta" --agent-param critic_targets=per-ue \
      --agent-param critic_share=fraction --agent-param critic_power_entry=false \
      --agent-param power_steps=3 "$@" --iterations 1 --overwrite \
      --out "$OUT/$name" > "$OUT/$name.log" 2>&1
}
stage "the ns-3 stage: sinr and counts as the demo's, counts with other settings"
ns3 sinr twin-sinr 0.02 & ns3 counts twin-counts 0.02 & wait
ns3 counts-q0 twin-counts 0 & ns3 counts-q0.05 twin-counts 0.05 & wait
ns3 counts-q0.1 twin-counts 0.1 &
ns3 counts-drop twin-counts 0.02 --agent-param critic_inputs=drop & wait
ns3 counts-lr1e-3 twin-counts 0.02 --agent-param lr_critic=0.001 &
ns3 counts-u3000 twin-counts 0.02 --pretrain-updates 3000 & wait
ns3 counts-u4000 twin-counts 0.02 --pretrain-updates 4000

TABLE="ue-value=$DEMO/train-ue-value/ue-value.json"
stage "each played, two at a time"
play_run dev $DEV sinr 0 & play_run dev $DEV counts 0 & wait
play_run dev $DEV sinr 1 & play_run dev $DEV counts 1 & wait
for name in counts-q0 counts-q0.05 counts-q0.1 counts-drop counts-lr1e-3 counts-u3000 \
    counts-u4000; do
  play_run dev $DEV $name 0 & play_run dev $DEV $name 1 & wait
done
play_run held $HELD_SEEDS sinr 0 & play_run held $HELD_SEEDS counts 0 & wait
evaluate "$OUT/dev-ue-value" $DEV ue-value --checkpoint "$TABLE" &
evaluate "$OUT/dev-qos-greedy" $DEV qos-greedy & wait
evaluate "$OUT/held-ue-value" $HELD_SEEDS ue-value --checkpoint "$TABLE" &
evaluate "$OUT/held-qos-greedy" $HELD_SEEDS qos-greedy & wait
"$PY" scripts/decision_seed_table.py "$OUT" --agents ue-value,qos-greedy \
    --paired ue-value,qos-greedy sinr counts counts-q0 counts-q0.05 counts-q0.1 counts-drop \
    counts-lr1e-3 counts-u3000 counts-u4000
stage "done: $OUT/table.md"

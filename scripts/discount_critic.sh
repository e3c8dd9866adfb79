#!/usr/bin/env bash
# Per-UE critics of more than one step: does the demo's agent price a UE's RBGs better
# when its critics also value what the step's allocation leaves to the next steps (its
# queues)? (docs/slicing-agents.md, "Critics of more than one step, and the URLLC UEs
# left behind")
#
#     scripts/discount_critic.sh DEMO_DIR OUT
#
# DEMO_DIR is a finished `make demo`. Its ns-3 stage of "Diffusion-QL + demonstrations"
# (2000 offline updates from its twin checkpoint on its ns-3 collections, per-UE credit,
# count critics, eta = 0.02) is trained again with each UE's target its part of the
# reward plus gamma times its value at the next step (the EMA actor's next action) for
# gamma = 0.3, 0.5 and 0.7 (`g0.3`, ...); and, gamma = 0, with each UE's target the mean
# of its parts over the next H steps of the transition's episode as the collection
# played them, for critic_horizon H = 3, 5 and 10 (`h3`, ...); beside the demo's own,
# gamma = 0 and H = 1 (`g0`: the demo's checkpoint after that stage). Each plays the
# development seeds 1-8 with decision seeds 0 and 1 (`ran-gym evaluate`, 50 steps;
# OUT/dev-NAME-K); g0 and the best run of each kind there also the held-out seeds
# 300-309 (OUT/held-NAME-0), beside ue-value's final table and qos-greedy (OUT/dev-AGENT,
# OUT/held-AGENT); OUT/table.md compares them (scripts/decision_seed_table.py). About 17
# minutes on two cores.
set -euo pipefail

DEMO=${1:?usage: scripts/discount_critic.sh DEMO_DIR OUT}
OUT=${2:?usage: scripts/discount_critic.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
PY=${PY:-.venv/bin/python}
# shellcheck source=scripts/probe_runs.sh
source "$(dirname "$0")/probe_runs.sh"  # stage, need, play_run, evaluate, demo_inputs, DEV,
# HELD_SEEDS
demo_inputs  # START, TUNED, FIT, NS3_DATA
mkdir -p "$OUT/g0"
cp -n "$TUNED" "$OUT/g0/diffusion-ql.pt"
export OMP_NUM_THREADS=1

ns3() {  # NAME GAMMA HORIZON: the demo's ns-3 stage with that gamma and critic_horizon
  local name=$1
  [ -f "$OUT/$name/diffusion-ql.pt" ] || "$RAN_GYM" train --scenario oran-slicing \
      --agent diffusion-ql --init "$START" --replace-demonstrations --demo-policy ue-value \
      --pretrain-updates 2000 --dataset "$NS3_DATA" --agent-param gamma="$2" \
      --agent-param critic_horizon="$3" \
      --agent-param q_weight=0.02 --agent-param critic_targets=per-ue \
      --agent-param critic_share=fraction --agent-param critic_power_entry=false \
      --agent-param power_steps=3 --iterations 1 --overwrite \
      --out "$OUT/$name" > "$OUT/$name.log" 2>&1
}
stage "the ns-3 stage with gamma = 0.3, 0.5 and 0.7, and with critic_horizon = 3, 5 and 10"
ns3 g0.3 0.3 1 & ns3 g0.5 0.5 1 & wait
ns3 g0.7 0.7 1 & ns3 h3 0 3 & wait
ns3 h5 0 5 & ns3 h10 0 10 & wait

stage "each on the development seeds, two at a time"
for name in g0 g0.3 g0.5 g0.7 h3 h5 h10; do
  play_run dev $DEV $name 0 & play_run dev $DEV $name 1 & wait
done
evaluate "$OUT/dev-ue-value" $DEV ue-value --checkpoint "ue-value=$FIT" &
evaluate "$OUT/dev-qos-greedy" $DEV qos-greedy & wait
best() {  # NAME...: the one of the best mean on the development seeds
  "$PY" - "$OUT" "$@" <<'PY'
import csv, sys
def mean(name):
    return sum(float(next(csv.DictReader(open(f"{sys.argv[1]}/dev-{name}-{k}/table.csv")))
                     ["mean_reward"]) for k in (0, 1)) / 2
print(max(sys.argv[2:], key=mean))
PY
}
discounted=$(best g0.3 g0.5 g0.7)
horizon=$(best h3 h5 h10)
stage "the held-out seeds: g0, $discounted and $horizon"
play_run held $HELD_SEEDS g0 0 & play_run held $HELD_SEEDS "$discounted" 0 & wait
play_run held $HELD_SEEDS "$horizon" 0
evaluate "$OUT/held-ue-value" $HELD_SEEDS ue-value --checkpoint "ue-value=$FIT" &
evaluate "$OUT/held-qos-greedy" $HELD_SEEDS qos-greedy & wait
"$PY" scripts/decision_seed_table.py "$OUT" --agents ue-value,qos-greedy \
    --paired ue-value,qos-greedy g0 g0.3 g0.5 g0.7 h3 h5 h10
stage "done: $OUT/table.md"

#!/usr/bin/env bash
# Pessimistic critics for `make demo`'s Diffusion-QL (docs/slicing-agents.md,
# "Pessimistic critics"). The demo's critics value the agent's own actions above
# ue-value's (better) ones in nearly every state ("Where the clone loses to ue-value"):
# an overestimate of actions outside their data, which a conservative Q-learning penalty
# (`critic_pessimism` α: each critic's mean Q of the policy's own actions less its mean Q
# of the batch's) should remove. Each run is the demo's ns-3 updates (per-UE credit, RBG
# fractions, γ = 0, cloning ue-value's play) from its pre-trained agent with:
#   pessimism-0.5:          α = 0.5, η = 0.02 (the demo's η);
#   pessimism-0.5-q0.1:     α = 0.5, η = 0.1 (a stronger Q term, which the penalty should
#                           keep near the data);
#   drop-pessimism-0.5:     α = 0.5, η = 0.02, the critics seeing only each UE's gains and
#                           slice (critic_inputs=drop: their overestimate was the largest);
#   drop-pessimism-2-q0.05: the same with α = 2, η = 0.05.
# And how much the critics' choice among the policy's samples is worth: copies of the
# demo's agent with its decision settings changed (`DiffusionQL.retune`, nothing trained):
#   one-sample:             one sample, no Q-gradient guidance (no critic at all);
#   unguided:               best of 10 by the critics, no guidance;
#   best-of-40, best-of-100: more samples to choose among (guidance as the demo's).
# Every run and copy, and the demo's agent after its ns-3 updates (`demo`), plays the
# development seeds 1-8 with three decision seeds; ue-value and qos-greedy play them once.
# scripts/clone_diagnosis.py then compares the RBG counts of `demo` and `one-sample` with
# ue-value's on 400 ns-3 steps of ue-value's play on unseen drops (seed 6000000, as
# scripts/clone_probes.sh's) and on the demonstrations. Each stage is skipped when its
# output is there.
#
#   scripts/pessimism_probes.sh DEMO_DIR OUT      (DEMO_DIR: a finished `make demo`)
set -euo pipefail
DEMO=${1:?usage: pessimism_probes.sh DEMO_DIR OUT}
OUT=${2:?usage: pessimism_probes.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
UPDATES=2000
# shellcheck source=scripts/probe_runs.sh
source "$(dirname "$0")/probe_runs.sh"
demo_inputs
mkdir -p "$OUT"
RUNS=(pessimism-0.5 pessimism-0.5-q0.1 drop-pessimism-0.5 drop-pessimism-2-q0.05)

run() {  # NAME: one run's training (the demo's ns-3 updates, the penalty on), then seeds 1-8
  local eta=0.02 change=()
  case "$1" in
    pessimism-0.5) change=(--agent-param critic_pessimism=0.5) ;;
    pessimism-0.5-q0.1) eta=0.1 change=(--agent-param critic_pessimism=0.5) ;;
    drop-pessimism-0.5) change=(--agent-param critic_pessimism=0.5
                                --agent-param critic_inputs=drop) ;;
    drop-pessimism-2-q0.05) eta=0.05 change=(--agent-param critic_pessimism=2
                                             --agent-param critic_inputs=drop) ;;
    *) echo "unknown run $1" >&2; return 1 ;;
  esac
  offline_run "$1" "$NS3_DATA" \
      --replace-demonstrations --demo-policy ue-value --agent-param critic_targets=per-ue \
      --agent-param critic_share=fraction --agent-param "q_weight=$eta" "${change[@]}"
}

stage "the demo's agent after its ns-3 updates; ue-value and qos-greedy: the development seeds"
demo_agent
play_dev demo &
play qos-greedy "" "$DEV" 0 "$OUT/dev-qos-greedy"
play ue-value "$FIT" "$DEV" 0 "$OUT/dev-ue-value"
wait
run_in_pairs "${RUNS[@]}"

decision_copy() {  # NAME SETTING=VALUE...: the demo's agent deciding otherwise, into OUT/NAME
  mkdir -p "$OUT/$1"
  [ -f "$OUT/$1/diffusion-ql.pt" ] || OMP_NUM_THREADS=1 .venv/bin/python - "$TUNED" \
      "$OUT/$1/diffusion-ql.pt" "${@:2}" <<'PY'
import sys
from agents.registry import make_agent
from ran_gym.evaluation import make_env
source, target, *settings = sys.argv[1:]
env = make_env("oran-slicing", "diffusion-ql", {})
agent = make_agent("diffusion-ql", env, seed=0, checkpoint=source)
agent.retune(**{key: float(value) if "." in value else int(value)
                for key, value in (setting.split("=") for setting in settings)})
agent.save(target)
env.close()
PY
}

COPIES=(one-sample unguided best-of-40 best-of-100)
stage "the demo's agent deciding otherwise: ${COPIES[*]}"
decision_copy one-sample candidates=1 guidance=0.0
decision_copy unguided guidance=0.0
decision_copy best-of-40 candidates=40
decision_copy best-of-100 candidates=100
play_dev one-sample & play_dev unguided
wait
play_dev best-of-40 & play_dev best-of-100
wait

stage "ue-value's play on unseen drops (400 ns-3 steps); diagnosis of demo and one-sample"
collect unseen 400 6000000 --policy ue-value --checkpoint "ue-value=$FIT"
diagnose demo "$OUT/demo/diffusion-ql.pt" 0 &
diagnose one-sample "$OUT/one-sample/diffusion-ql.pt" 0
wait

stage "table"
.venv/bin/python scripts/decision_seed_table.py "$OUT" demo "${RUNS[@]}" "${COPIES[@]}" \
    --agents qos-greedy,ue-value
stage "done"

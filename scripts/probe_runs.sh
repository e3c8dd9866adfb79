# Sourced by the probe scripts (scripts/ns3_critics.sh, scripts/ns3_demonstrator.sh,
# scripts/clone_probes.sh, scripts/pessimism_probes.sh and others):
# their seed sets, what they need from `make demo`, how they play an agent and schedule
# their runs on the two cores. The caller defines RAN_GYM, OUT, START, UPDATES and `run
# SPEC` (one run: usually `offline_run` with its settings); DEMO for demo_inputs and
# diagnose.

DEV=1,2,3,4,5,6,7,8
HELD_SEEDS=300,301,302,303,304,305,306,307,308,309
started=$(date +%s)

stage() { echo "== $1 ($(( $(date +%s) - started )) s)"; }

need() {  # PATH...: each there, or the script stops naming it
  local path
  for path in "$@"; do
    [ -e "$path" ] || { echo "no $path: run make demo first" >&2; exit 1; }
  done
}

demo_inputs() {  # from DEMO (a finished `make demo`): START, its twin pre-trained agent;
  # TUNED, the same after its ns-3 updates; FIT, ue-value's final table; NS3_DATA, the
  # ns-3 collections its ns-3 updates learn from; each checked to be there (need)
  local data
  START="$DEMO/twin-diffusion-ql/diffusion-ql.pt"
  TUNED="$DEMO/ns3-diffusion-ql/diffusion-ql.pt"
  FIT="$DEMO/train-ue-value/ue-value.json"
  NS3_DATA="$DEMO/data-ns3,$DEMO/train-ue-value/own,$DEMO/data-ns3-ue-value"
  IFS=, read -ra data <<< "$NS3_DATA"
  need "$START" "$TUNED" "$FIT" "${data[@]}"
}

demo_agent() {  # OUT/demo: the demo's agent after its ns-3 updates (TUNED), a run like `run`'s
  mkdir -p "$OUT/demo"
  cp -n "$TUNED" "$OUT/demo/diffusion-ql.pt"
}

collect() {  # OUT_NAME STEPS SEED ARG...: a collection of 2 simulators, 20-step episodes
  local out="$OUT/$1" steps=$2 seed=$3
  shift 3
  "$RAN_GYM" collect --scenario oran-slicing --param maxSteps=20 --num-envs 2 \
      --steps "$steps" --seed "$seed" --resume --out "$out" "$@" > "$out.log" 2>&1
}

diagnose() {  # NAME CHECKPOINT [EPISODES (10)]: scripts/clone_diagnosis.py on OUT/unseen (and
  # the demo's ue-value demonstrations) into OUT/diagnosis-NAME
  [ -f "$OUT/diagnosis-$1/clone-diagnosis.md" ] || OMP_NUM_THREADS=1 .venv/bin/python \
      scripts/clone_diagnosis.py --checkpoint "$2" --fit "$FIT" --collection "$OUT/unseen" \
      --trained "$DEMO/data-ns3-ue-value" --episodes "${3:-10}" --out "$OUT/diagnosis-$1" \
      > "$OUT/diagnosis-$1.log" 2>&1
}

evaluate() {  # DIR SEEDS AGENT [ARG...]: AGENT on SEEDS into DIR, 50 steps each
  local dir=$1 seeds=$2 agent=$3; shift 3
  [ -f "$dir/seeds.csv" ] || "$RAN_GYM" evaluate --scenario oran-slicing --agents "$agent" \
      --seeds "$seeds" --steps 50 --param maxSteps=50 "$@" --overwrite --out "$dir" \
      > "$dir.log" 2>&1
}

play() {  # agent, checkpoint (or ""), seeds, decision seed, out: on one core
  local checkpoint=()
  [ -n "$2" ] && checkpoint=(--checkpoint "$1=$2")
  OMP_NUM_THREADS=1 evaluate "$5" "$3" "$1" "${checkpoint[@]}" --agent-seed "$4"
}

play_run() {  # KIND SEEDS NAME DECISION_SEED: OUT/NAME's agent into OUT/KIND-NAME-K
  play diffusion-ql "$OUT/$3/diffusion-ql.pt" "$2" "$4" "$OUT/$1-$3-$4"
}

play_dev() {  # NAME: OUT/NAME/diffusion-ql.pt on the development seeds, decision seeds 0-2
  local s
  for s in 0 1 2; do play diffusion-ql "$OUT/$1/diffusion-ql.pt" "$DEV" "$s" "$OUT/dev-$1-$s"; done
}

offline_run() {  # NAME DATASETS ARG...: UPDATES offline updates from START on DATASETS
  # (γ = 0, the ARGs added to `ran-gym train`) into OUT/NAME, then the development seeds
  # with decision seeds 0-2
  local name=$1 data=$2 dir="$OUT/$1"
  shift 2
  [ -f "$dir/diffusion-ql.pt" ] || OMP_NUM_THREADS=1 "$RAN_GYM" train \
      --scenario oran-slicing --agent diffusion-ql --init "$START" --dataset "$data" \
      --pretrain-updates "$UPDATES" --agent-param gamma=0 "$@" --iterations 1 \
      --overwrite --out "$dir" > "$OUT/$name.log" 2>&1
  play_dev "$name"
}

play_once() {  # AGENT CHECKPOINT (or ""): the agent on both seed sets, side by side
  play "$1" "$2" "$DEV" 0 "$OUT/dev-$1" &
  play "$1" "$2" "$HELD_SEEDS" 0 "$OUT/held-$1"
  wait
}

run_in_pairs() {  # SPEC...: `run` on each, two at a time (one core each)
  local i spec pid pair pids
  for (( i = 1; i <= $#; i += 2 )); do
    pair=("${@:i:2}")
    stage "runs ${pair[*]}${UPDATES:+: $UPDATES offline updates, then seeds 1-8}"
    pids=()
    for spec in "${pair[@]}"; do run "$spec" & pids+=($!); done
    for pid in "${pids[@]}"; do wait "$pid"; done
  done
}

play_held() {  # NAME...: each run's checkpoint on the held-out seeds, decision seeds 0-3
  local name s pid pids=()
  stage "held-out seeds: $*"
  for name in "$@"; do
    ( for s in 0 1 2 3; do
        play diffusion-ql "$OUT/$name/diffusion-ql.pt" "$HELD_SEEDS" "$s" "$OUT/held-$name-$s"
      done ) & pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
}

fine_tune() {  # NAME STEPS LOG_EVERY [SEED]: NAME's checkpoint fine-tuned STEPS ns-3 steps
  # (its settings carried) into OUT/NAME-ftSTEPS (OUT/NAME-ftSTEPSsSEED with a training
  # seed, `ran-gym train --seed`), then played on both seed sets
  local run="$1-ft$2${4:+s$4}" seed=()
  local tuned="$OUT/$run"
  [ -n "${4:-}" ] && seed=(--seed "$4")
  stage "$1: $2 ns-3 fine-tuning steps${4:+ (training seed $4)}, then both seed sets"
  [ -f "$tuned/diffusion-ql.pt" ] || OMP_NUM_THREADS=1 "$RAN_GYM" train \
      --scenario oran-slicing --agent diffusion-ql --init "$OUT/$1/diffusion-ql.pt" \
      --iterations "$2" --log-every "$3" "${seed[@]}" --overwrite --out "$tuned" \
      > "$tuned.log" 2>&1
  play_both "$run"
}

more_updates() {  # NAME UPDATES [SEED]: NAME's checkpoint given UPDATES more offline updates
  # on its replay (settings carried; no ns-3 step but the one `--iterations 1` takes) into
  # OUT/NAME-offUPDATES (…sSEED with a training seed), then played on both seed sets
  local run="$1-off$2${3:+s$3}" seed=()
  [ -n "${3:-}" ] && seed=(--seed "$3")
  stage "$1: $2 more offline updates${3:+ (training seed $3)}, then both seed sets"
  [ -f "$OUT/$run/diffusion-ql.pt" ] || OMP_NUM_THREADS=1 "$RAN_GYM" train \
      --scenario oran-slicing --agent diffusion-ql --init "$OUT/$1/diffusion-ql.pt" \
      --pretrain-updates "$2" --iterations 1 "${seed[@]}" --overwrite --out "$OUT/$run" \
      > "$OUT/$run.log" 2>&1
  play_both "$run"
}

play_both() {  # NAME: OUT/NAME/diffusion-ql.pt on the development seeds (decision seeds
  # 0-2) and, beside them, the held-out ones (0-3)
  local s dev
  play_dev "$1" &
  dev=$!
  for s in 0 1 2 3; do
    play diffusion-ql "$OUT/$1/diffusion-ql.pt" "$HELD_SEEDS" "$s" "$OUT/held-$1-$s"
  done
  wait "$dev"
}

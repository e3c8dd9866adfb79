#!/usr/bin/env bash
# Fig. 3 of papers/oran-slicing-diffusion-ql.txt in ns-3: short trainings, the sweeps,
# the figures. Output: runs/fig3/ (checkpoints, sweep directories), the figures and
# tables in docs/results/fig3/. Usage: scripts/fig3.sh [train|committed|sweep|plot|all]
# (committed: the committed checkpoints where a training would put its own).
# Each stage resumes: a trained checkpoint is kept, finished sweep cells are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

# One BLAS/OpenMP thread per process: on a 2-core machine torch's default thread pool
# makes each Diffusion-QL decision ~40x slower (2 s instead of 50 ms wall, measured).
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
RG="nice -n 5 .venv/bin/ran-gym"
RUNS=runs/fig3
GRIDS=docs/results/fig3/grids
UES=${UES-"5 15 20 25 35"}
# Diffusion-QL's offline updates per U (the per-UE networks of `--preset per-ue`, about
# 10 updates/s at U = 25 on one core; scripts/slicing_long.sh's 20 000 would take ~30 min
# per U).
UPDATES=${FIG3_UPDATES:-10000}

# The learners at each U, into runs/fig3/train/u<U>/ (the grids read them as
# runs/fig3/train/{diffusion-ql,dqn}-u<U>), each with 2000 ns-3 transitions of the
# qos-greedy demonstrator and its noisy self (20-step episodes, 2 simulators):
# "Diffusion-QL + demonstrations" with the recipe of scripts/slicing_long.sh (100 000 twin
# transitions of the demonstrator, $UPDATES offline updates, no more ns-3 steps), and DQN
# as `make demo` trains it (8000 twin steps, then 2200 ns-3 steps). Two U at a time.
train() {  # $1 U
  local dir="$RUNS/train/u$1" rg=.venv/bin/ran-gym
  if [[ ! -f "$dir/data-ns3/.complete" ]]; then
    nice -n 5 $rg collect --scenario oran-slicing --param "n_ues=$1" --param maxSteps=20 \
      --policy qos-greedy,qos-greedy:noise=0.3 --num-envs 2 --steps 2000 --seed 2000000 \
      --out "$dir/data-ns3" $([ -d "$dir/data-ns3" ] && echo --resume)
    touch "$dir/data-ns3/.complete"
  fi
  LONG_PARAMS="n_ues=$1" LONG_UPDATES=$UPDATES LONG_EVAL=0 nice -n 5 scripts/slicing_long.sh "$dir" "$dir"
  [[ -f "$dir/twin-dqn/dqn.zip" ]] || $RG train --scenario oran-slicing-twin --agent dqn \
    --param "n_ues=$1" --param maxSteps=10 --iterations 8000 --log-every 2000 \
    --overwrite --out "$dir/twin-dqn"
  [[ -f "$dir/train-dqn/dqn.zip" ]] || $RG train --scenario oran-slicing --agent dqn \
    --param "n_ues=$1" --param maxSteps=20 --init "$dir/twin-dqn/dqn.zip" \
    --iterations 2200 --log-every 200 --overwrite --out "$dir/train-dqn"
  ln -sfn "u$1/twin-diffusion-ql" "$RUNS/train/diffusion-ql-u$1"
  ln -sfn "u$1/train-dqn" "$RUNS/train/dqn-u$1"
}

stage_train() {
  mkdir -p "$RUNS/train"
  local running=0
  for u in $UES; do
    train "$u" > "$RUNS/train/u$u.log" 2>&1 &
    running=$((running + 1))
    if (( running == 2 )); then wait -n; running=$((running - 1)); fi
  done
  wait
}

stage_sweep() {  # every grid, even after one with failed cells; fails if any had one
  local status=0
  for grid in "$GRIDS"/*.yaml; do
    $RG sweep --grid "$grid" --out "$RUNS/sweeps/$(basename "$grid" .yaml)" --num-cpus 2 \
      || status=1
  done
  return $status
}

# The committed checkpoints (docs/results/fig3/checkpoints/) where the grids read the
# trained ones, to sweep them again without training (`committed`, then `sweep`); DQN's
# under its new name with a manifest of its own. Refuses a U trained here.
stage_committed() {
  local from=docs/results/fig3/checkpoints u
  for u in $UES; do
    if [[ -e "$RUNS/train/u$u" ]]; then
      echo "$RUNS/train/u$u holds a training of U = $u; sweep it, or move it first" >&2
      return 1
    fi
    mkdir -p "$RUNS/train/diffusion-ql-u$u" "$RUNS/train/dqn-u$u"
    cp "$from/diffusion-ql-u$u.pt" "$RUNS/train/diffusion-ql-u$u/diffusion-ql.pt"
    .venv/bin/python -c 'import sys; from agents.dqn.agent import DqnAgent
DqnAgent.publish(sys.argv[1], sys.argv[2])' "$from/dqn-u$u.zip" "$RUNS/train/dqn-u$u/dqn.zip"
  done
}
# The figures and tables (into $FIG3_OUT, docs/results/fig3 by default), and for each U
# trained here its training curves and the checkpoints behind them (Diffusion-QL's
# without its replay and demonstrations; DQN's without its replay, with a manifest of its
# own under the new name) for evaluation on other seeds.
stage_plot() {
  local out=${FIG3_OUT:-docs/results/fig3}
  nice -n 5 .venv/bin/python -m analysis.fig3 --runs "$RUNS" --out "$out"
  for u in $UES; do
    [[ -d "$RUNS/train/u$u" ]] || continue  # swept from the committed checkpoints
    mkdir -p "$out/training" "$out/checkpoints"
    cp "$RUNS/train/u$u/twin-diffusion-ql/pretrain.csv" "$out/training/diffusion-ql-u$u-pretrain.csv"
    cp "$RUNS/train/u$u/train-dqn/progress.csv" "$out/training/dqn-u$u-ns3-progress.csv"
    .venv/bin/python -c 'import sys; from agents.diffusion_ql import DiffusionQL
DiffusionQL.slim(sys.argv[1], sys.argv[2])' "$RUNS/train/u$u/twin-diffusion-ql/diffusion-ql.pt" \
      "$out/checkpoints/diffusion-ql-u$u.pt"
    .venv/bin/python -c 'import sys; from agents.dqn.agent import DqnAgent
DqnAgent.publish(sys.argv[1], sys.argv[2])' "$RUNS/train/u$u/train-dqn/dqn.zip" \
      "$out/checkpoints/dqn-u$u.zip"
  done
}

case "${1:-all}" in
  train) stage_train ;;
  committed) stage_committed ;;
  sweep) stage_sweep ;;
  plot) stage_plot ;;
  all) stage_train; stage_sweep; stage_plot ;;
  *) echo "usage: $0 [train|committed|sweep|plot|all]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Fig. 3 of papers/oran-slicing-diffusion-ql.txt in ns-3: short trainings, the sweeps,
# the figures. Output: runs/fig3/ (checkpoints, sweep directories), the figures and
# tables in docs/results/fig3/. Usage: scripts/fig3.sh [train|sweep|plot|all]
# Each stage resumes: a trained checkpoint is kept, finished sweep cells are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

# One BLAS/OpenMP thread per process: on a 2-core machine torch's default thread pool
# makes each Diffusion-QL decision ~40x slower (2 s instead of 50 ms wall, measured).
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
RG="nice -n 5 .venv/bin/ran-gym"
RUNS=runs/fig3
GRIDS=docs/results/fig3/grids
STEPS=20             # 10 ms steps per training episode (maxSteps)
DQL_ITER=${DQL_ITER:-500}
DQN_ITER=${DQN_ITER:-500}
DQL_UES=${DQL_UES-"5 15 20 25 35"}
DQN_UES=${DQN_UES-"5 15 25 35"}

train() {  # $1 agent, $2 U, $3 iterations, $4 checkpoint file name
  local out="$RUNS/train/$1-u$2"
  if [[ -f "$out/$4" ]]; then echo "kept $out/$4"; return; fi
  $RG train --scenario oran-slicing --agent "$1" --iterations "$3" --seed 0 \
    --param "n_ues=$2" --param "maxSteps=$STEPS" --checkpoint-every 0 --log-every 100 \
    --out "$out"
}

stage_train() {
  (for u in $DQL_UES; do train diffusion-ql "$u" "$DQL_ITER" diffusion-ql.pt; done) &
  (for u in $DQN_UES; do train dqn "$u" "$DQN_ITER" dqn.zip; done) &
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

stage_plot() {
  nice -n 5 .venv/bin/python -m analysis.fig3 --runs "$RUNS" --out docs/results/fig3
}

case "${1:-all}" in
  train) stage_train ;;
  sweep) stage_sweep ;;
  plot) stage_plot ;;
  all) stage_train; stage_sweep; stage_plot ;;
  *) echo "usage: $0 [train|sweep|plot|all]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Table II of papers/oran-slicing-diffusion-ql.txt: train Diffusion-QL and DQN in ns-3 and
# SS-VAE on the ESA labels of docs/results/table2/data/, then score every agent against
# ESA on the held-out drops. Output: runs/table2/ (checkpoints, the table); copy
# runs/table2/table/table2.{csv,md} to docs/results/table2/ to publish.
# Usage: scripts/table2.sh   (a trained checkpoint is kept on re-run)
set -euo pipefail
cd "$(dirname "$0")/.."

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
RG="nice -n 5 .venv/bin/ran-gym"
RUNS=runs/table2
DATA=docs/results/table2/data
ITER=${TABLE2_ITER:-1500}
NET=(--param n_ues=3 --param n_rus=2 --param power_levels_db=-6,-4.77,-3
     --param fixed_association=true)

train_rl() {  # $1 agent, $2 checkpoint file name
  local out="$RUNS/$1"
  if [[ -f "$out/$2" ]]; then echo "kept $out/$2"; return; fi
  $RG train --scenario oran-slicing --agent "$1" --iterations "$ITER" --seed 0 \
    --device cpu "${NET[@]}" --param maxSteps=50 --checkpoint-every 0 --out "$out"
}

train_rl diffusion-ql diffusion-ql.pt &
train_rl dqn dqn.zip &
wait
if [[ ! -f "$RUNS/ss-vae/ss-vae.pt" ]]; then
  $RG train --scenario oran-slicing --agent ss-vae --dataset "$DATA/esa-train.parquet" \
    --iterations 3000 --param unlabelled_drops=2000 --seed 0 --out "$RUNS/ss-vae"
fi
rm -rf "$RUNS/table"
$RG table2 --test "$DATA/esa-test.parquet" --agents diffusion-ql,dqn,ss-vae,max-sinr \
  --checkpoint "diffusion-ql=$RUNS/diffusion-ql/diffusion-ql.pt" \
  --checkpoint "dqn=$RUNS/dqn/dqn.zip" --checkpoint "ss-vae=$RUNS/ss-vae/ss-vae.pt" \
  --out "$RUNS/table"

#!/usr/bin/env bash
# Table II of papers/oran-slicing-diffusion-ql.txt: train Diffusion-QL and DQN in ns-3 and
# SS-VAE on the ESA labels of docs/results/table2/data/ ("Diffusion-QL + demonstrations"
# too: the labels as demonstrations, then ns-3; and the same before ns-3), then score
# every agent against ESA on the held-out drops. Output: runs/table2/ (checkpoints, the table,
# and checkpoints/: the agents behind the table, Diffusion-QL's exported for evaluation);
# copy runs/table2/table/table2.{csv,md} and runs/table2/checkpoints/ to docs/results/table2/
# to publish.
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
# "Diffusion-QL + demonstrations": the ESA labels of the training drops as its
# demonstrations (offline updates first), then the same online training in ns-3; and the
# same agent before ns-3 (one step), to show what the online phase changes.
# Each also with the per-UE networks (--preset per-ue, docs/slicing-agents.md).
train_demos() {  # $1 out, $2 ns-3 steps, $3 preset
  if [[ -f "$RUNS/$1/diffusion-ql.pt" ]]; then echo "kept $RUNS/$1/diffusion-ql.pt"; return; fi
  $RG train --scenario oran-slicing --agent diffusion-ql --iterations "$2" --seed 0 \
    --device cpu "${NET[@]}" --param maxSteps=50 --checkpoint-every 0 \
    --dataset "$DATA/esa-train.parquet" --demo-policy esa --pretrain-updates 3000 \
    --preset "$3" --out "$RUNS/$1"
}
train_demos diffusion-ql-demos "$ITER" default
train_demos diffusion-ql-demos-offline 1 default
wait
train_demos diffusion-ql-demos-perue "$ITER" per-ue &
train_demos diffusion-ql-demos-offline-perue 1 per-ue
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
for variant in demos demos-offline demos-perue demos-offline-perue; do
  rm -rf "$RUNS/table-$variant"
  $RG table2 --test "$DATA/esa-test.parquet" --agents diffusion-ql \
    --checkpoint "diffusion-ql=$RUNS/diffusion-ql-$variant/diffusion-ql.pt" \
    --out "$RUNS/table-$variant"
done
.venv/bin/python - "$RUNS" <<'PY'
import sys
import pandas as pd
runs = sys.argv[1]
names = {"demos": "diffusion-ql + demonstrations",
         "demos-offline": "diffusion-ql + demonstrations, before ns-3",
         "demos-perue": "diffusion-ql + demonstrations, per-UE networks",
         "demos-offline-perue": "diffusion-ql + demonstrations, per-UE networks, before ns-3"}
parts = [pd.read_csv(f"{runs}/table/table2.csv")]
parts += [pd.read_csv(f"{runs}/table-{v}/table2.csv").assign(agent=n) for v, n in names.items()]
table = pd.concat(parts, ignore_index=True)
table.to_csv(f"{runs}/table/table2.csv", index=False)
rows = [[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row] for row in table.values]
lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
with open(f"{runs}/table/table2.md", "w") as md:
    md.write("\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n")
print(table.to_string(index=False))
PY
# The agents behind the table, small enough to commit: Diffusion-QL's checkpoints exported
# for evaluation (the networks that act; DiffusionQL.export), DQN's without its replay.
mkdir -p "$RUNS/checkpoints"
cp "$RUNS/ss-vae/ss-vae.pt" "$RUNS/checkpoints/"
.venv/bin/python - "$RUNS" <<'PY'
import sys
from agents.diffusion_ql import DiffusionQL
from agents.dqn.agent import DqnAgent
runs = sys.argv[1]
DqnAgent.publish(f"{runs}/dqn/dqn.zip", f"{runs}/checkpoints/dqn.zip")
for run in ("diffusion-ql", "diffusion-ql-demos", "diffusion-ql-demos-offline",
            "diffusion-ql-demos-perue", "diffusion-ql-demos-offline-perue"):
    DiffusionQL.export(f"{runs}/{run}/diffusion-ql.pt", f"{runs}/checkpoints/{run}.pt")
PY

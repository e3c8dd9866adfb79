#!/usr/bin/env bash
# Does Diffusion-QL's Q term improve the demonstrator's clone from ns-3's own feedback?
# From `make demo`'s pre-trained agent (the per-UE clone of qos-greedy, η = 0), each run
# fine-tunes in ns-3 for NS3Q_STEPS steps with the Q term at weight η
# (`--agent-param q_weight=η`) and a training seed; then every run, and qos-greedy
# beside them, plays the same held-out ns-3 seeds (NS3Q_SEEDS, used by no collection or
# training). Results in docs/slicing-agents.md, "Fine-tuning in ns-3 with the Q term".
#
#   scripts/ns3_q_term.sh DEMO_DIR OUT      (DEMO_DIR: a finished `make demo`, runs/demo)
#
# NS3Q_RUNS ["0:0 0.02:0 0.1:0 1:0 0:1 0.02:1"]: η:training-seed pairs, two at a time
# (one core each); NS3Q_STEPS [1000]; NS3Q_SEEDS [300,301,302,303], 50 steps each. Each
# stage is skipped when its output is there.
set -euo pipefail
DEMO=${1:?usage: ns3_q_term.sh DEMO_DIR OUT}
OUT=${2:?usage: ns3_q_term.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
RUNS=(${NS3Q_RUNS:-0:0 0.02:0 0.1:0 1:0 0:1 0.02:1})
STEPS=${NS3Q_STEPS:-1000}
SEEDS=${NS3Q_SEEDS:-300,301,302,303}
START="$DEMO/twin-diffusion-ql/diffusion-ql.pt"
[ -f "$START" ] || { echo "no $START: run make demo first" >&2; exit 1; }
mkdir -p "$OUT"
started=$(date +%s)
stage() { echo "== $1 ($(( $(date +%s) - started )) s)"; }
EVAL=(--scenario oran-slicing --seeds "$SEEDS" --steps 50 --param maxSteps=50)

fine_tune() {  # η, seed: train, then play the held-out seeds
  local dir="$OUT/q$1-s$2"
  [ -f "$dir/diffusion-ql.pt" ] || OMP_NUM_THREADS=1 "$RAN_GYM" train \
      --scenario oran-slicing --agent diffusion-ql --init "$START" \
      --agent-param "q_weight=$1" --seed "$2" --iterations "$STEPS" --log-every 500 \
      --checkpoint-every 0 --overwrite --out "$dir" > "$OUT/q$1-s$2.log" 2>&1
  [ -f "$dir-eval/seeds.csv" ] || OMP_NUM_THREADS=1 "$RAN_GYM" evaluate "${EVAL[@]}" \
      --agents diffusion-ql --checkpoint "diffusion-ql=$dir/diffusion-ql.pt" \
      --out "$dir-eval" >> "$OUT/q$1-s$2.log" 2>&1
}

stage "qos-greedy on seeds $SEEDS"
[ -f "$OUT/qos-greedy-eval/seeds.csv" ] || "$RAN_GYM" evaluate "${EVAL[@]}" \
    --agents qos-greedy --out "$OUT/qos-greedy-eval" > "$OUT/qos-greedy.log" 2>&1
for (( i = 0; i < ${#RUNS[@]}; i += 2 )); do
  pair=("${RUNS[@]:i:2}")
  stage "fine-tuning ${pair[*]} (η:seed), $STEPS ns-3 steps each"
  pids=()
  for run in "${pair[@]}"; do
    fine_tune "${run%%:*}" "${run##*:}" & pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
done

stage "table"
.venv/bin/python - "$OUT" "${RUNS[@]}" <<'PY'
import sys
import pandas as pd
out, runs = sys.argv[1], sys.argv[2:]
greedy = pd.read_csv(f"{out}/qos-greedy-eval/seeds.csv").set_index("seed")["mean_reward"]
rows = []
for run in runs:
    eta, seed = run.split(":")
    mine = pd.read_csv(f"{out}/q{eta}-s{seed}-eval/seeds.csv").set_index("seed")["mean_reward"]
    diff = mine - greedy
    rows.append({"q_weight": float(eta), "training_seed": int(seed),
                 "mean_reward": mine.mean(), "minus_qos_greedy": diff.mean(),
                 "seeds_above_qos_greedy": int((diff > 0).sum()),
                 **{f"seed_{s}": v for s, v in mine.items()}})
rows.append({"q_weight": None, "training_seed": None, "mean_reward": greedy.mean(),
             "minus_qos_greedy": 0.0, "seeds_above_qos_greedy": 0,
             **{f"seed_{s}": v for s, v in greedy.items()}})
table = pd.DataFrame(rows)
table.to_csv(f"{out}/table.csv", index=False)
print(table.round(3).to_string(index=False))

# Training curves: the ns-3 reward per step, as a mean over windows of 100 steps.
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
curves = []
for run in runs:
    eta, seed = run.split(":")
    progress = pd.read_csv(f"{out}/q{eta}-s{seed}/progress.csv")
    window = (progress["step"] - 1) // 100
    curve = progress.groupby(window).agg(step=("step", "max"), reward=("reward", "mean"))
    curves.append(curve.assign(q_weight=float(eta), training_seed=int(seed)))
curves = pd.concat(curves, ignore_index=True)
curves.to_csv(f"{out}/curves.csv", index=False)
fig, ax = plt.subplots(figsize=(7, 4))
for (eta, seed), curve in curves.groupby(["q_weight", "training_seed"]):
    ax.plot(curve["step"], curve["reward"], marker=".", label=f"η = {eta:g}, seed {seed}")
ax.axhline(greedy.mean(), color="black", linestyle="--",
           label="qos-greedy, held-out seeds (not the training episodes)")
ax.set_xlabel("ns-3 fine-tuning step")
ax.set_ylabel("reward, mean of 100 steps")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(f"{out}/curves.png", dpi=100)
PY
stage "done"

#!/usr/bin/env bash
# Does Diffusion-QL + demonstrations gain when its demonstrator is ue-value, not qos-greedy?
# ue-value scores above qos-greedy in ns-3, and the per-UE clone reaches about 93 % of its
# demonstrator, so a clone of ue-value might pass qos-greedy. From a finished `make demo`:
#   1. ue-value (the demo's fit) and the same with share-space noise 0.3 play in the twin
#      (UVD_TWIN_STEPS [20000] transitions, seed 1100000: no other collection's drops);
#   2. Diffusion-QL pre-trains as the demo's does (per-UE preset, η = 0, 3000 updates) on
#      the demo's collections and this one, with `--demo-policy ue-value`: the BC term
#      clones ue-value's episodes (the twin's and ue-value's own ns-3 play in the demo),
#      the critics learn from every transition;
#   3. it fine-tunes 200 steps in ns-3, as the demo's does;
#   4. it, the demo's Diffusion-QL, ue-value and qos-greedy play the development seeds
#      (UVD_DEV [1..8]) and held-out seeds (UVD_HELD [300..309]), 50 steps each;
#   5. both Diffusion-QL agents play the held-out seeds again with other decision seeds
#      (`--agent-seed`, UVD_STREAMS ["0 1 2 3 4"]): their samples are random, and how
#      far that alone moves their figure is the yardstick for any difference between them.
# Results in docs/slicing-agents.md, "A clone of ue-value".
#
#   scripts/ue_value_demonstrations.sh DEMO_DIR OUT   (DEMO_DIR: a finished `make demo`)
#
# The demo's agents are evaluated on the second core while the clone pre-trains. Each
# stage is skipped when its output is there.
set -euo pipefail
DEMO=${1:?usage: ue_value_demonstrations.sh DEMO_DIR OUT}
OUT=${2:?usage: ue_value_demonstrations.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
TWIN_STEPS=${UVD_TWIN_STEPS:-20000}
DEV=${UVD_DEV:-1,2,3,4,5,6,7,8}
HELD=${UVD_HELD:-300,301,302,303,304,305,306,307,308,309}
STREAMS=(${UVD_STREAMS:-0 1 2 3 4})
FIT="$DEMO/train-ue-value/ue-value.json"
for need in "$FIT" "$DEMO/train-diffusion-ql/diffusion-ql.pt" "$DEMO/data-twin" \
    "$DEMO/data-ns3" "$DEMO/train-ue-value/own"; do
  [ -e "$need" ] || { echo "no $need: run make demo first" >&2; exit 1; }
done
mkdir -p "$OUT"
started=$(date +%s)
stage() { echo "== $1 ($(( $(date +%s) - started )) s)"; }
EVAL=(--scenario oran-slicing --seeds "$DEV,$HELD" --steps 50 --param maxSteps=50)

stage "ue-value in the twin, $TWIN_STEPS transitions"
[ -f "$OUT/twin-ue-value/manifest.json" ] && RESUME=(--resume) || RESUME=()
"$RAN_GYM" collect --scenario oran-slicing-twin --param maxSteps=10 \
    --policy ue-value,ue-value:noise=0.3 --checkpoint "ue-value=$FIT" \
    --steps "$TWIN_STEPS" --seed 1100000 --out "$OUT/twin-ue-value" "${RESUME[@]}"

stage "the demo's agents on seeds $DEV,$HELD (second core), Diffusion-QL pre-training on ue-value's"
(
  [ -f "$OUT/eval-demo/seeds.csv" ] || OMP_NUM_THREADS=1 "$RAN_GYM" evaluate "${EVAL[@]}" \
      --agents diffusion-ql,ue-value,qos-greedy \
      --checkpoint "diffusion-ql=$DEMO/train-diffusion-ql/diffusion-ql.pt" \
      --checkpoint "ue-value=$FIT" --out "$OUT/eval-demo"
) > "$OUT/eval-demo.log" 2>&1 &
demo_eval=$!
[ -f "$OUT/twin-diffusion-ql/diffusion-ql.pt" ] || OMP_NUM_THREADS=1 "$RAN_GYM" train \
    --scenario oran-slicing-twin --agent diffusion-ql --param maxSteps=10 \
    --dataset "$DEMO/data-twin,$DEMO/data-ns3,$OUT/twin-ue-value,$DEMO/train-ue-value/own" \
    --demo-policy ue-value --pretrain-updates 3000 --preset per-ue \
    --agent-param q_weight=0 --iterations 1 --overwrite --out "$OUT/twin-diffusion-ql"

stage "fine-tuning 200 steps in ns-3"
[ -f "$OUT/train-diffusion-ql/diffusion-ql.pt" ] || "$RAN_GYM" train \
    --scenario oran-slicing --agent diffusion-ql \
    --init "$OUT/twin-diffusion-ql/diffusion-ql.pt" --iterations 200 --log-every 100 \
    --overwrite --out "$OUT/train-diffusion-ql"

stage "the clone on seeds $DEV,$HELD"
[ -f "$OUT/eval-clone/seeds.csv" ] || "$RAN_GYM" evaluate "${EVAL[@]}" \
    --agents diffusion-ql \
    --checkpoint "diffusion-ql=$OUT/train-diffusion-ql/diffusion-ql.pt" \
    --out "$OUT/eval-clone"
wait "$demo_eval" || { echo "the demo agents' evaluation failed: $OUT/eval-demo.log" >&2; exit 1; }

stage "both Diffusion-QL agents on seeds $HELD with decision seeds ${STREAMS[*]}"
stream() {  # name, checkpoint, agent seed
  local dir="$OUT/streams/$1-$3"
  [ -f "$dir/seeds.csv" ] || OMP_NUM_THREADS=1 "$RAN_GYM" evaluate --scenario oran-slicing \
      --seeds "$HELD" --steps 50 --param maxSteps=50 --agents diffusion-ql \
      --checkpoint "diffusion-ql=$2" --agent-seed "$3" --out "$dir" > "$dir.log" 2>&1
}
mkdir -p "$OUT/streams"
for s in "${STREAMS[@]}"; do
  stream demo "$DEMO/train-diffusion-ql/diffusion-ql.pt" "$s" & first=$!
  stream clone "$OUT/train-diffusion-ql/diffusion-ql.pt" "$s"
  wait "$first"
done

stage "table"
.venv/bin/python - "$OUT" "$DEV" "$HELD" "${STREAMS[@]}" <<'PY'
import sys

import pandas as pd
from scipy import stats

out, dev, held, streams = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
demo = pd.read_csv(f"{out}/eval-demo/seeds.csv")
clone = pd.read_csv(f"{out}/eval-clone/seeds.csv").assign(agent="diffusion-ql (ue-value's clone)")
demo["agent"] = demo["agent"].replace({"diffusion-ql": "diffusion-ql (the demo's)"})
reward = pd.concat([demo, clone]).pivot(index="seed", columns="agent", values="mean_reward")
rows = []
for name, seeds in (("development", dev), ("held-out", held)):
    part = reward.loc[[int(s) for s in seeds.split(",")]]
    greedy = part["qos-greedy"]
    for agent in part.columns:
        diff = part[agent] - greedy
        half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / len(diff) ** 0.5
        rows.append({"seeds": f"{name} ({seeds})", "agent": agent,
                     "mean_reward": part[agent].mean(), "minus_qos_greedy": diff.mean(),
                     "minus_qos_greedy_ci95": half, "seeds_above": int((diff > 0).sum()),
                     "of": len(diff)})
table = pd.DataFrame(rows)
table.to_csv(f"{out}/table.csv", index=False)
reward.to_csv(f"{out}/rewards-by-seed.csv")
print(table.round(3).to_string(index=False))

# The held-out figure of each Diffusion-QL agent under every decision seed.
greedy = reward.loc[[int(s) for s in held.split(",")], "qos-greedy"]
rows = []
for name in ("demo", "clone"):
    for s in streams:
        mine = pd.read_csv(f"{out}/streams/{name}-{s}/seeds.csv").set_index("seed")
        mine = mine["mean_reward"].loc[greedy.index]
        rows.append({"agent": name, "agent_seed": int(s), "mean_reward": mine.mean(),
                     "minus_qos_greedy": (mine - greedy).mean(),
                     "seeds_above": int((mine > greedy).sum())})
streams_table = pd.DataFrame(rows)
streams_table.to_csv(f"{out}/decision-seeds.csv", index=False)
print(streams_table.round(3).to_string(index=False))
print(streams_table.groupby("agent")["mean_reward"].agg(["mean", "min", "max"]).round(3))
PY
stage "done"

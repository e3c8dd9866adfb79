#!/usr/bin/env bash
# Can the demo's Diffusion-QL critics choose RBG counts? (docs/slicing-agents.md, "What the
# critics' values say about RBG counts"). scripts/critic_counts.py plays the demo's agent
# after its ns-3 updates on the development seeds 1-8 (decision seeds 0-2) with its RBG
# counts chosen again by its critics: a knapsack over each UE's value within 1 and 2 RBGs
# of the agent's count, and 1 and 3 greedy one-RBG moves by Q; beside the agent as it is,
# ue-value and qos-greedy. The knapsack runs also write what one RBG less and more is
# worth to a UE by the critics and by ue-value's table (marginals.md). Then the same with
# critics that see only each UE's gains and slice (`critic_inputs=drop`, as ue-value's
# table): the demo's ns-3 updates from its twin-trained agent with them
# (`drop-critics`), played as it is and with the knapsack of radius 1.
#
#   scripts/critic_counts.sh DEMO_DIR OUT      (DEMO_DIR: a finished `make demo`)
#
# CC_AGENTS ["NAME=CHECKPOINT ..."]: other agents played the same two ways (as it is, and
# with the knapsack of radius 1), e.g. scripts/ns3_fine_tune.sh's
# "ft10000=FT/demo-ft10000/diffusion-ql.pt off10000=FT/demo-off10000/diffusion-ql.pt".
#
# Two runs at a time (one core each); each is skipped when its output is there.
set -euo pipefail
DEMO=${1:?usage: critic_counts.sh DEMO_DIR OUT}
OUT=${2:?usage: critic_counts.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
SEARCHES=(demo:knapsack:1 demo:knapsack:2 demo:moves:1 demo:moves:3)
AGENTS=(${CC_AGENTS:-})
# shellcheck source=scripts/probe_runs.sh
source "$(dirname "$0")/probe_runs.sh"
demo_inputs
demo_agent

stage "the demo's agent, ue-value and qos-greedy on seeds 1-8"
play_dev demo &
play qos-greedy "" "$DEV" 0 "$OUT/dev-qos-greedy"
play ue-value "$FIT" "$DEV" 0 "$OUT/dev-ue-value"
wait

run() {  # AGENT:SEARCH:RADIUS: OUT/AGENT's checkpoint, decision seeds 0-2, into
  # OUT/dev-SEARCHRADIUS-K (the demo's agent) or OUT/dev-AGENT-SEARCHRADIUS-K
  local agent search radius s name fit=()
  IFS=: read -r agent search radius <<< "$1"
  name="$search$radius"
  [ "$agent" = demo ] || name="$agent-$name"
  [ "$search" = knapsack ] && fit=(--fit "$FIT")
  for s in 0 1 2; do
    [ -f "$OUT/dev-$name-$s/seeds.csv" ] || OMP_NUM_THREADS=1 .venv/bin/python \
        scripts/critic_counts.py --checkpoint "$OUT/$agent/diffusion-ql.pt" --seeds "$DEV" \
        --agent-seed "$s" --search "$search" --radius "$radius" "${fit[@]}" \
        --out "$OUT/dev-$name-$s" > "$OUT/dev-$name-$s.log" 2>&1
  done
}
run_in_pairs "${SEARCHES[@]}"

stage "drop-critics: the demo's ns-3 updates with critics that see the drop only"
UPDATES=2000
offline_run drop-critics "$NS3_DATA" --replace-demonstrations --demo-policy ue-value \
    --agent-param q_weight=0.02 --agent-param critic_targets=per-ue \
    --agent-param critic_share=fraction --agent-param critic_inputs=drop
run drop-critics:knapsack:1

others=()
for spec in "${AGENTS[@]}"; do
  name=${spec%%=*}
  stage "$name (${spec#*=}): as it is and with the knapsack"
  mkdir -p "$OUT/$name"
  cp -n "${spec#*=}" "$OUT/$name/diffusion-ql.pt"
  play_dev "$name" &
  run "$name:knapsack:1"
  wait
  others+=("$name" "$name:knapsack:1")
done

stage "tables"
names=()
for spec in "${SEARCHES[@]}" drop-critics drop-critics:knapsack:1 "${others[@]}"; do
  IFS=: read -r agent search radius <<< "$spec"
  if [ -z "$search" ]; then names+=("$agent")
  elif [ "$agent" = demo ]; then names+=("$search$radius")
  else names+=("$agent-$search$radius"); fi
done
.venv/bin/python scripts/decision_seed_table.py "$OUT" demo "${names[@]}" \
    --agents qos-greedy,ue-value
# moves.md: per run and slice, the share of UEs given fewer and more RBGs than the agent
# chose and the mean change, and each slice's QoS share (means over the decision seeds)
.venv/bin/python - "$OUT" demo "${names[@]}" <<'PY'
import sys
from pathlib import Path

import pandas as pd

out, names = sys.argv[1], sys.argv[2:]
lines = ["| run | slice | fewer RBGs | more RBGs | mean change | QoS share |",
         "|---|---|---:|---:|---:|---:|"]
for name in names:
    seeds = pd.concat([pd.read_csv(f"{out}/dev-{name}-{k}/seeds.csv") for k in range(3)])
    moves = (pd.concat([pd.read_csv(f"{out}/dev-{name}-{k}/moves.csv") for k in range(3)])
             .groupby("slice", sort=False).mean()
             if Path(f"{out}/dev-{name}-0/moves.csv").exists() else None)
    for column, label in (("embb", "eMBB"), ("urllc", "URLLC"), ("mmtc", "mMTC")):
        changed = (["", "", ""] if moves is None else
                   [f"{moves.loc[label, key]:.3f}" for key in ("fewer", "more", "mean_change")])
        qos = seeds[f"{column}_qos_share"].mean()
        lines.append(f"| {name} | {label} | {' | '.join(changed)} | {qos:.3f} |")
open(f"{out}/moves.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
# marginals.md: one RBG less and one more than the agent's count, its worth to a UE (reward
# per step) by the critics and by ue-value's table, means over the knapsack runs' decisions
lines = ["| run | slice | one less: critics | table | one more: critics | table |",
         "|---|---|---:|---:|---:|---:|"]
for name in (n for n in names if "knapsack" in n):
    worth = (pd.concat([pd.read_csv(f"{out}/dev-{name}-{k}/marginals.csv") for k in range(3)])
             .groupby("slice", sort=False).mean())
    for label, row in worth.iterrows():
        lines.append(f"| {name} | {label} | " + " | ".join(
            f"{row[key]:+.4f}" for key in ("critics_less", "table_less", "critics_more",
                                           "table_more")) + " |")
open(f"{out}/marginals.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
stage "done"

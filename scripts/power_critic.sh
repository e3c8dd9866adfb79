#!/usr/bin/env bash
# Do Diffusion-QL's per-UE critics price what one UE's power costs the other O-RUs' UEs,
# and what does it take? (docs/slicing-agents.md, "What one UE's power costs the others")
#
#     scripts/power_critic.sh DEMO_DIR OUT
#
# DEMO_DIR is a `make demo` output (its collections and ue-value's final table). The
# demo's two offline stages of "Diffusion-QL + demonstrations" are trained again here,
# three ways, each with and without 1000 more ns-3 steps of ue-value's final table with
# noise on the power entries alone (`--policy ue-value:power-noise=0.5`):
#   entry:  the critics as the demo had them until 2026-12-08 (each UE's power entry);
#   beside: each UE also sees its SINR as the action sets it (critic_sinr);
#   sinr:   the SINR in place of the power entry (critic_power_entry=false), as the demo's.
# Each is then played by scripts/consensus_probe.py --rules power --power-steps 3 on the
# development seeds 1-8 (decision seed 0): as it acts; with the rule of
# scripts/ns3_headroom.py centre (3 P_A levels less for UEs >= 30 dB above their
# second-strongest O-RU); the rule only where its critics value it above its own action
# (how often they do: summary.md); and with its critics' own power steps in place of the
# rule. `entry` and `sinr` are also played on the held-out seeds 300-309.
# OUT gets each training (OUT/NAME), each probe (OUT/probe-NAME, OUT/held-NAME) and
# summary.md. About 25 minutes on two cores.
set -euo pipefail

DEMO=${1:?usage: scripts/power_critic.sh DEMO_DIR OUT}
OUT=${2:?usage: scripts/power_critic.sh DEMO_DIR OUT}
RAN_GYM=${RAN_GYM:-.venv/bin/ran-gym}
PY=${PY:-.venv/bin/python}
for need in data-twin data-ns3 train-ue-value/own data-ns3-ue-value train-ue-value/ue-value.json; do
  [ -e "$DEMO/$need" ] || { echo "$DEMO/$need: not there (make demo's output?)" >&2; exit 2; }
done
mkdir -p "$OUT"
export OMP_NUM_THREADS=1
started=$(date +%s)
stage() { echo "== $1 ($(( $(date +%s) - started )) s)"; }

stage "1000 ns-3 steps of ue-value with noise on the power entries alone"
[ -f "$OUT/data-power/manifest.json" ] || "$RAN_GYM" collect --scenario oran-slicing \
    --param maxSteps=20 --policy ue-value:power-noise=0.5 \
    --checkpoint "ue-value=$DEMO/train-ue-value/ue-value.json" --num-envs 2 --steps 1000 \
    --seed 6000000 --out "$OUT/data-power" > "$OUT/data-power.log" 2>&1

twin() {  # NAME [AGENT-PARAM...]: the demo's twin stage, 3000 offline updates
  local name=$1; shift
  [ -f "$OUT/$name/diffusion-ql.pt" ] || "$RAN_GYM" train --scenario oran-slicing-twin \
      --agent diffusion-ql --param maxSteps=10 --dataset "$DEMO/data-twin,$DEMO/data-ns3" \
      --pretrain-updates 3000 --preset per-ue --agent-param q_weight=0 "$@" --iterations 1 \
      --overwrite --out "$OUT/$name" > "$OUT/$name.log" 2>&1
}
stage "the twin stage, without and with the SINR input"
twin twin-entry &
twin twin-sinr --agent-param critic_sinr=true &
wait

ns3() {  # NAME TWIN EXTRA_DATASETS [AGENT-PARAM...]: the demo's ns-3 stage, 2000 updates
  local name=$1 twin=$2 extra=$3; shift 3
  [ -f "$OUT/$name/diffusion-ql.pt" ] || "$RAN_GYM" train --scenario oran-slicing \
      --agent diffusion-ql --init "$OUT/$twin/diffusion-ql.pt" --replace-demonstrations \
      --demo-policy ue-value --pretrain-updates 2000 \
      --dataset "$DEMO/data-ns3,$DEMO/train-ue-value/own,$DEMO/data-ns3-ue-value$extra" \
      --agent-param gamma=0 --agent-param q_weight=0.02 --agent-param critic_targets=per-ue \
      --agent-param critic_share=fraction "$@" --iterations 1 --overwrite \
      --out "$OUT/$name" > "$OUT/$name.log" 2>&1
}
POWER=",$OUT/data-power"
stage "the ns-3 stage, six ways"
ns3 entry twin-entry "" & ns3 entry-power twin-entry "$POWER" & wait
ns3 beside twin-sinr "" & ns3 beside-power twin-sinr "$POWER" & wait
ns3 sinr twin-sinr "" --agent-param critic_power_entry=false &
ns3 sinr-power twin-sinr "$POWER" --agent-param critic_power_entry=false &
wait

probe() {  # NAME SEEDS DIR
  [ -f "$3/summary.md" ] || "$PY" scripts/consensus_probe.py \
      --checkpoint "$OUT/$1/diffusion-ql.pt" --rules power --power-steps 3 --seeds "$2" \
      --agent-seeds 0 --out "$3" > "$3.log" 2>&1
}
DEV=1,2,3,4,5,6,7,8
HELD=300,301,302,303,304,305,306,307,308,309
stage "each played on the development seeds, two at a time"
for pair in "entry entry-power" "beside beside-power" "sinr sinr-power"; do
  set -- $pair
  probe "$1" $DEV "$OUT/probe-$1" & probe "$2" $DEV "$OUT/probe-$2" & wait
done
stage "entry and sinr on the held-out seeds"
probe entry $HELD "$OUT/held-entry" & probe sinr $HELD "$OUT/held-sinr" & wait

{
  echo "# Diffusion-QL's critics and one UE's power: scripts/power_critic.sh $DEMO $OUT"
  for name in entry entry-power beside beside-power sinr sinr-power; do
    echo; echo "## $name, seeds 1-8"; echo; cat "$OUT/probe-$name/summary.md"
  done
  for name in entry sinr; do
    echo; echo "## $name, held-out seeds 300-309"; echo; cat "$OUT/held-$name/summary.md"
  done
} > "$OUT/summary.md"
stage "done: $OUT/summary.md"

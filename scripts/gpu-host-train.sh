#!/usr/bin/env bash
# On a GPU host without ns-3 (set up by scripts/gpu-host-env.sh): the CUDA tests,
# `ran-gym bench agents` (CUDA beside one CPU core), then "Diffusion-QL + demonstrations"
# trained as `make demo` trains it with its learner on the GPU: the twin and ns-3
# collections (ns-3 on 8 simulators), offline updates replayed as one CUDA graph, ns-3
# fine-tuning, and the trained agent on the evaluation seeds of docs/results/slicing.
# A stage that fails is reported and the next one still runs.
# Results in $OUT (or runs/gpu-host-train): host.txt, cuda-tests.txt, agents.json,
# pretrain.csv, finetune.csv, table.csv, log.txt.
# Usage: scripts/gpu-host-train.sh [PRETRAIN_UPDATES [NS3_STEPS [TWIN_STEPS [NS3_DEMO]]]]
set -uo pipefail
cd "$(dirname "$0")/.."
updates=${1:-3000}
ns3_steps=${2:-200}
twin_steps=${3:-40000}
ns3_demo=${4:-2000}
out=${OUT:-runs/gpu-host-train}
mkdir -p "$out"
exec > >(tee "$out/log.txt") 2>&1
set -e
. scripts/gpu-host-env.sh
set +e
work=${RAN_GYM_WORK:-/tmp/gpu-host-train}
rm -rf "$work" && mkdir -p "$work"
ran_gym() { python3 -m ran_gym.cli "$@" || echo "gpu-host: FAILED: ran-gym $1"; }
clock() { echo "== $1 ($(date -u +%T))"; }

clock "CUDA tests"
python3 -m pytest -q -p no:cacheprovider tests/test_diffusion_ql.py -k cuda -rs \
  2>&1 | tee "$out/cuda-tests.txt" || echo "gpu-host: CUDA tests FAILED"
clock "bench agents"
ran_gym bench agents --iterations 50 --warmup 5 > "$out/agents.json"
python3 -c 'import json, sys; from ran_gym.bench.markdown import RENDER
print(RENDER["agents"](json.load(open(sys.argv[1]))))' "$out/agents.json"

clock "collections"
ran_gym collect --scenario oran-slicing-twin --param maxSteps=10 \
  --policy qos-greedy,qos-greedy:noise=0.3,qos-greedy:noise=1,random \
  --steps "$twin_steps" --seed 1000000 --out "$work/data-twin"
ran_gym collect --scenario oran-slicing --param maxSteps=20 \
  --policy qos-greedy,qos-greedy:noise=0.3 --num-envs 8 \
  --steps "$ns3_demo" --seed 2000000 --out "$work/data-ns3"

clock "$updates offline updates on CUDA (graphed)"
ran_gym train --scenario oran-slicing-twin --agent diffusion-ql --device cuda --cuda-graphs \
  --param maxSteps=10 --dataset "$work/data-twin,$work/data-ns3" \
  --pretrain-updates "$updates" --agent-param q_weight=0 --iterations 1 --out "$work/twin"
cp "$work/twin/pretrain.csv" "$out/pretrain.csv"

clock "$ns3_steps ns-3 fine-tuning steps on CUDA (graphed)"
ran_gym train --scenario oran-slicing --agent diffusion-ql --device cuda --cuda-graphs \
  --init "$work/twin/diffusion-ql.pt" --iterations "$ns3_steps" --log-every 100 \
  --out "$work/ns3"
cp "$work/ns3/progress.csv" "$out/finetune.csv"

clock "evaluation, ns-3 seeds 200-204"
ran_gym evaluate --scenario oran-slicing --agents diffusion-ql --seeds 200,201,202,203,204 \
  --steps 50 --param maxSteps=50 --checkpoint "diffusion-ql=$work/ns3/diffusion-ql.pt" \
  --out "$work/compare"
cp "$work/compare/table.csv" "$out/table.csv"
cat "$work/compare/table.md"
clock "done"

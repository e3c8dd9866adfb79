#!/usr/bin/env bash
# On a GPU host without ns-3 (set up by scripts/gpu-host-env.sh): check Diffusion-QL's
# CUDA-graph update against the eager one (the tests that need a GPU), and run `ran-gym bench agents` and `ran-gym bench learner` (N simulators on
# CPU cores feeding one Diffusion-QL learner, on CUDA and on CPU).
# Results: $OUT (or runs/gpu-host) /learner.json, agents.json, host.txt, cuda-tests.txt.
# Usage: scripts/gpu-host-bench.sh [NUM_ENVS [STEPS]]
set -euo pipefail
cd "$(dirname "$0")/.."
num_envs=${1:-1,2,4,8,12}
steps=${2:-20}
out=${OUT:-runs/gpu-host}
mkdir -p "$out"
. scripts/gpu-host-env.sh

python3 -m pytest -q -p no:cacheprovider tests/test_diffusion_ql.py -k cuda -rs \
  2>&1 | tee "$out/cuda-tests.txt" || echo "gpu-host: CUDA tests FAILED"
python3 -m ran_gym.cli bench agents --iterations 200 --warmup 20 > "$out/agents.json"
python3 -m ran_gym.cli bench learner --num-envs "$num_envs" --steps "$steps" \
  --devices cuda,cpu --cuda-graphs > "$out/learner.json"
python3 - "$out" <<'PY'
import json, sys
from ran_gym.bench.markdown import RENDER
for name in ("agents", "learner"):
    print(f"\n### {name}\n")
    print(RENDER[name](json.load(open(f"{sys.argv[1]}/{name}.json"))))
PY

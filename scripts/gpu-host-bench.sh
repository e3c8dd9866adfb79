#!/usr/bin/env bash
# On a GPU host without ns-3 (see scripts/gpu-host-bundle.sh for what travels with the
# checkout: .ns3rt/, .whl/ and build/): unpack the ns-3 runtime into a folder, put the
# wheels on the Python path, point the bridge at wrappers of the built programs that find
# that runtime, check Diffusion-QL's CUDA-graph update against the eager one (the tests that
# need a GPU), and run `ran-gym bench agents` and `ran-gym bench learner` (N simulators on
# CPU cores feeding one Diffusion-QL learner, on CUDA and on CPU).
# Results: $OUT (or runs/gpu-host) /learner.json, agents.json, host.txt, cuda-tests.txt.
# Usage: scripts/gpu-host-bench.sh [NUM_ENVS [STEPS]]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
num_envs=${1:-1,2,4,8,12}
steps=${2:-20}
out=${OUT:-runs/gpu-host}
mkdir -p "$out"
runtime=${RAN_GYM_RUNTIME:-/tmp/ran-gym-runtime}

mkdir -p "$runtime/root" "$runtime/bin"
for deb in .ns3rt/*.deb; do dpkg -x "$deb" "$runtime/root"; done
libs="$runtime/root/usr/lib/x86_64-linux-gnu:$runtime/root/lib/x86_64-linux-gnu"
# Only the simulators see the carried libraries: Python and torch keep the host's.
for program in build/ns3/bin/ran-gym-*; do
  name=$(basename "$program")
  printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$libs" "$repo/$program" \
    > "$runtime/bin/$name"
  chmod +x "$runtime/bin/$name"
done
export RAN_GYM_BIN_DIR=$runtime/bin

python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target "$runtime/site" .whl/*.whl
export PYTHONPATH=$runtime/site:$repo PYTHONUNBUFFERED=1

{ nproc; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  python3 -c 'import sys, torch; print(sys.version.split()[0], torch.__version__)'
  cat /etc/os-release | grep PRETTY; } > "$out/host.txt" 2>&1 || true
cat "$out/host.txt"
# One step of the scenario first: a missing library shows here, named by the loader.
"$RAN_GYM_BIN_DIR/ran-gym-oran-slicing" --help > /dev/null

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

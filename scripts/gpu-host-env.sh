# Sourced by the gpu-host-*.sh scripts on a GPU host without ns-3 (see
# scripts/gpu-host-bundle.sh for what travels with the checkout: .ns3rt/, .whl/ and
# build/): unpacks the ns-3 runtime into a folder, puts the wheels on the Python path and
# points the bridge at wrappers of the built programs that find that runtime. Writes the
# host's description to $out/host.txt ($out must be set).
repo=$PWD
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
  grep PRETTY /etc/os-release; } > "$out/host.txt" 2>&1 || true
cat "$out/host.txt"
# One step of the scenario first: a missing library shows here, named by the loader.
"$RAN_GYM_BIN_DIR/ran-gym-oran-slicing" --help > /dev/null

#!/usr/bin/env bash
# Gather, on a machine where ran-gym is built (make), what a GPU host without ns-3 needs
# to run the simulators beside a learner on its GPU (scripts/gpu-host-bench.sh there):
#   .ns3rt/  the Debian runtime packages the built programs link against, as .deb files
#            (unpacked there with dpkg -x into a folder, never into /); libc6, libgcc-s1
#            and libstdc++6 are left to the host, whose Python and torch load them too;
#   .whl/    wheels of the Python packages the bridge needs beyond what a PyTorch image
#            has, at this checkout's versions, for the host's Python (PYVER, default 3.12).
# Both folders are ignored by git (.gitignore). The built programs stay in build/ns3/bin.
# Usage: scripts/gpu-host-bundle.sh [PYVER]
set -euo pipefail
cd "$(dirname "$0")/.."
pyver=${1:-3.12}
python=${PYTHON:-.venv/bin/python}
bin=build/ns3/bin
[ -x "$bin/ran-gym-oran-slicing" ] || { echo "no built programs in $bin: run make first" >&2; exit 2; }

# The package of every shared library the programs load, but the C and C++ runtimes.
packages=$(for program in "$bin"/ran-gym-*; do
             ldd "$program" | awk '$3 ~ /^\// {print $3}'
           done | sort -u | while read -r lib; do
             dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib"
           done | cut -d: -f1 | sort -u | grep -vx -e libc6 -e libgcc-s1 -e libstdc++6)
rm -rf .ns3rt && mkdir .ns3rt
(cd .ns3rt && apt-get download $packages)

# The bridge's own needs that a PyTorch image lacks or may hold at another version.
wheels=""
for name in pyzmq gymnasium farama-notifications stable-baselines3 protobuf dpkt; do
  wheels="$wheels $name==$("$python" -m pip show "$name" | awk '/^Version:/ {print $2}')"
done
rm -rf .whl && mkdir .whl
"$python" -m pip download -q --no-deps --only-binary=:all: --python-version "$pyver" \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
  --platform manylinux_2_26_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl $wheels
echo "gpu-host bundle: $(ls .ns3rt | wc -l) packages in .ns3rt ($(du -sh .ns3rt | cut -f1)),"\
     "$(ls .whl | wc -l) wheels in .whl ($(du -sh .whl | cut -f1))"

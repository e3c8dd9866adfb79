#!/usr/bin/env bash
# Fills docker/wheels/ with every wheel the agent image needs, downloaded here by the
# host's pip (with its own index, proxy and certificate settings), so that the image
# build installs offline. torch: the local CPU build when this machine has one
# (pip's find-links), else TORCH_SPEC (default "torch>=2.3"; for a CPU-only build
# elsewhere set PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu first).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
dest=docker/wheels/deps
mkdir -p "$dest" docker/wheels/project
requirements=$(mktemp)
trap 'rm -f "$requirements"' EXIT
"$python" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > "$requirements"
stamp=$dest/.downloaded
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && [ -z "${TORCH_SPEC:-}" ]; then
  echo "ran-gym: dependency wheels in $dest are up to date"
else
# Into a fresh directory that then replaces the old one: downloading over the old set
# kept superseded versions beside the new ones (two fonttools), which the image's
# `pip install /wheels/deps/*.whl` refuses as a conflict.
fresh=$dest.new
rm -rf "$fresh"
mkdir -p "$fresh"
torch=${TORCH_SPEC:-}
if [ -z "$torch" ]; then
  if "$python" -m pip download -q --no-deps --no-index -d "$fresh" 'torch==2.13.0' 2>/dev/null; then
    torch='torch==2.13.0'
  else
    torch='torch>=2.3'
  fi
fi
"$python" -m pip download -q --only-binary=:all: -d "$fresh" -r "$requirements" "$torch"
touch "$fresh/.downloaded"
rm -rf "$dest"
mv "$fresh" "$dest"
fi
# The project itself apart, so that a code change leaves the dependency layer cached.
rm -f docker/wheels/project/*.whl
"$python" -m pip wheel -q --no-deps -w docker/wheels/project . >/dev/null
echo "ran-gym: $(ls "$dest" | wc -l) dependency wheels in $dest ($(du -sh "$dest" | cut -f1))"

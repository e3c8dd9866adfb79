#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages that ran-gym builds against, only those missing.
# Quick when everything is there (one dpkg-query per package, no apt call).
set -euo pipefail

packages=(
  libns3-dev libgsl-dev ns3      # ns-3.37; its CMake config needs GSL, the ns3 package
  libpython3.11-dev libsqlite3-dev libxml2-dev  # paths its targets name
  cmake g++ make pkg-config
  libzmq3-dev cppzmq-dev         # ZeroMQ and its C++ header
  protobuf-compiler libprotobuf-dev
  chromium                       # the report's width check (scripts/check_report_width.py)
)
# A Python without venv/ensurepip (Debian's python3 without python3-venv) needs it.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ran-gym: installing missing system packages: ${missing[*]}"
if ! command -v apt-get >/dev/null; then
  echo "ran-gym: apt-get not found; install these packages by hand: ${missing[*]}" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "ran-gym: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"

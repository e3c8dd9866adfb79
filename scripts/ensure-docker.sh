#!/usr/bin/env bash
# Makes a Docker engine available: as root, installs what is missing of docker.io,
# debootstrap (for the local base image) and docker-compose from Debian's archive,
# then uses a running engine or starts dockerd in the background. Exits non-zero with
# the reason when that is impossible.
set -euo pipefail
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for p in docker.io debootstrap docker-compose; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
docker info >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "no Docker engine is reachable and starting one needs root" >&2
  exit 1
fi
command -v dockerd >/dev/null || { echo "dockerd not found; install Docker by hand" >&2; exit 1; }
if ! pgrep -x dockerd >/dev/null; then
  nohup dockerd >/var/log/ran-gym-dockerd.log 2>&1 &
fi
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && exit 0
  pgrep -x dockerd >/dev/null || break  # it has exited: waiting longer cannot help
  sleep 0.5
done
# The daemon's last words say why (no cgroups, no iptables, no privileges...).
why=$(grep -v '^[[:space:]]*$' /var/log/ran-gym-dockerd.log 2>/dev/null | tail -n 1 | cut -c1-300 || true)
echo "dockerd did not come up (${why:-it logged nothing}); see /var/log/ran-gym-dockerd.log" >&2
exit 1

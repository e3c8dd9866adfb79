#!/usr/bin/env bash
# Makes sure the base image debian:bookworm-slim exists locally. Where it is missing
# and debootstrap is available (Debian/Ubuntu, root), it is built from Debian's
# archive (a minbase bookworm) and imported under that tag, so no image registry is
# needed; otherwise it is pulled.
set -euo pipefail
tag=debian:bookworm-slim
docker image inspect "$tag" >/dev/null 2>&1 && exit 0
if ! command -v debootstrap >/dev/null; then
  echo "ran-gym: $tag missing; pulling it" >&2
  exec docker pull "$tag"
fi
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=$(mktemp -d)  # a fresh, private directory for the root file system
trap 'rm -rf "$root"' EXIT
echo "ran-gym: building $tag locally with debootstrap from $mirror" >&2
debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | docker import - "$tag" >/dev/null
echo "ran-gym: imported $tag" >&2

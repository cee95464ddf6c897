#!/usr/bin/env bash
# Runs a command with Debian 13's Swift toolchain, in the root tools/swift-root.sh keeps, with
# this checkout visible at the same path (so paths agree inside and out, and the sandbox on the
# host's loopback is reachable). Mounts proc (without it every Swift tool dies with SIGILL),
# /dev, /sys and the checkout, and unmounts them when the command ends, however it ends.
#
#   tools/swift-run.sh DIR COMMAND...      runs COMMAND in DIR (a path inside this checkout)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
root=$("$here/tools/swift-root.sh")
dir=$1
shift

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM
mount_into() { # mount_into TARGET mount-args...
  local target=$root$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}
mount_into /proc -t proc proc
mount_into /dev --bind /dev
mount_into /sys --bind /sys
mount_into "$here" --bind "$here"
cp /etc/resolv.conf "$root/etc/resolv.conf"

# Debian's Swift runtime is not on the loader path: without this `swift` cannot find
# libswiftCore.so. HOME inside the root keeps SwiftPM's caches there, not in the host's home.
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
  LD_LIBRARY_PATH=/usr/libexec/swift/lib/swift/linux \
  ${PAYQUERY_BIN:+PAYQUERY_BIN=$PAYQUERY_BIN} ${PKG_CONFIG_PATH:+PKG_CONFIG_PATH=$PKG_CONFIG_PATH} \
  bash -c 'cd "$1" && shift && exec "$@"' swift-run "$dir" "$@"

#!/usr/bin/env bash
# A Debian 13 ("trixie") root with Debian's Swift 6.0 toolchain, for `make swift-test` on this
# Debian 12 machine (Debian's swiftlang needs glibc >= 2.38). Made once per machine and kept
# outside the clone, in a cache folder keyed by what it installs; later runs find it ready.
#
#   tools/swift-root.sh            prints the root's path, making it first if needed
#
# Needs root (debootstrap, chroot), as this machine and CI run. Uses the Debian mirror apt is
# already configured with. Nothing is mounted here: tools/swift-run.sh mounts what a run needs
# and unmounts it when the run ends, whatever happens.
set -euo pipefail

PACKAGES="swiftlang git libc6-dev libstdc++-14-dev libgcc-14-dev libcurl4-openssl-dev libxml2-dev pkg-config"
KEY=$(printf 'trixie minbase %s' "$PACKAGES" | sha256sum | cut -c1-12)
CACHE=${PAYQUERY_CACHE:-/var/cache/payquery}
ROOT=$CACHE/swift-root-$KEY

if [ -f "$ROOT/.payquery-ready" ]; then
  echo "$ROOT"
  exit 0
fi

mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || {
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

mkdir -p "$CACHE"
work=$ROOT.partial
rm -rf "$work"
echo "swift-root: debootstrap trixie into $work (from $mirror)" >&2
debootstrap --variant=minbase trixie "$work" "$mirror" >"$CACHE/debootstrap.log" 2>&1 || {
  tail -20 "$CACHE/debootstrap.log" >&2
  exit 1
}
cp /etc/resolv.conf "$work/etc/resolv.conf"
mount -t proc proc "$work/proc"
trap 'umount "$work/proc" 2>/dev/null || true' EXIT
echo "swift-root: apt-get install $PACKAGES" >&2
chroot "$work" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
  "apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES && apt-get clean" \
  >"$CACHE/apt.log" 2>&1 || {
  tail -20 "$CACHE/apt.log" >&2
  exit 1
}
umount "$work/proc"
trap - EXIT
touch "$work/.payquery-ready"
rm -rf "$ROOT"
mv "$work" "$ROOT"
echo "$ROOT"

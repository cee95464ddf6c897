#!/usr/bin/env bash
# A user's SwiftPM package (tests/swift-consumer) depending on payquery by version: the Swift
# package is published to a local git repository and tagged as a release would be, the
# consumer resolves it by URL and `from:` version (SwiftPM refuses unsafeFlags in such a
# dependency, so this proves there are none), links the static library through pkg-config, and
# queries the sandbox. Built in release mode: the package's `swift build -c release` too. Runs
# inside the Swift root (tools/swift-run.sh); PAYQUERY_BIN is the CLI.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$here/Cargo.toml")
work=$(mktemp -d)
sandbox_pid=
cleanup() {
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The release: the package's files as its repository holds them, tagged with the version.
repo=$work/payquery-swift
mkdir -p "$repo"
cp -r "$here/bindings-uniffi/swift/Package.swift" "$here/bindings-uniffi/swift/Sources" "$here/bindings-uniffi/swift/Tests" "$repo/"
git -C "$repo" init -q
git -C "$repo" -c user.name=release -c user.email=release@localhost add -A
git -C "$repo" -c user.name=release -c user.email=release@localhost commit -q -m "payquery $version"
git -C "$repo" tag "$version"

"$PAYQUERY_BIN" sandbox --port 0 --write-configs "$work/configs" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
for _ in $(seq 100); do [ -f "$work/configs/wechatpay_edu_papay.json" ] && break; sleep 0.1; done

cd "$here/tests/swift-consumer"
rm -rf .build Package.resolved
PAYQUERY_SWIFT_GIT="file://$repo" swift build -c release -Xswiftc -warnings-as-errors
output=$(PAYQUERY_SWIFT_GIT="file://$repo" swift run -c release --skip-build Consumer "$work/configs")
echo "$output"
[ "$output" = "consumer: paid 888 PUB_KEY_ID_0119000000012025010100000000000001" ]

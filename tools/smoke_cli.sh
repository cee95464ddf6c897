#!/usr/bin/env bash
# The static CLI binary as a user runs it: its sandbox starts, and its one-call query of a
# seeded order there (Fubei's MD5 API and WeChat Pay's signed one) answers PAID.
# Usage: tools/smoke_cli.sh PATH/TO/payquery
set -euo pipefail
binary=$1
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$binary" --version
"$binary" sandbox --port 0 --write-configs "$work/configs" >"$work/sandbox.log" 2>&1 &
pid=$!
# It says it is listening once every config is written.
for _ in $(seq 100); do grep -q "listening on" "$work/sandbox.log" && break; sleep 0.1; done
for provider in fubei wechatpay_edu_papay; do
  "$binary" query --config "$work/configs/$provider.json" --query "$work/configs/$provider.query.json" >"$work/out.json"
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["order"]["status"] == "PAID", r; print(sys.argv[2], r["order"]["status"], len(r["attempts"]), "attempt(s)")' \
    "$work/out.json" "$provider"
done

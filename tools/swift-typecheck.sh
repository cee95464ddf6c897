#!/usr/bin/env bash
# Type-checks bindings-uniffi/swift/Tests/Misuse/*.swift against the built Payquery module (run
# inside the Swift root by tools/swift-run.sh, after `swift build`): every fail_*.swift must
# fail with the diagnostic its `// expect:` line names, every pass_*.swift must compile.
set -euo pipefail
cd "$(dirname "$0")/../bindings-uniffi/swift"
modules=$(swift build --show-bin-path)/Modules
failed=0 checked=0
for file in Tests/Misuse/*.swift; do
  checked=$((checked + 1))
  out=$(swiftc -typecheck -I "$modules" -I Sources/PayqueryFFI "$file" 2>&1) && ok=1 || ok=0
  case $(basename "$file") in
  pass_*)
    if [ $ok = 0 ]; then echo "FAIL $file must compile:"; echo "$out"; failed=$((failed + 1)); fi ;;
  fail_*)
    expect=$(sed -n 's|^// expect: ||p' "$file")
    if [ $ok = 1 ]; then echo "FAIL $file compiled"; failed=$((failed + 1))
    elif [ -z "$expect" ] || ! grep -qF -- "$expect" <<<"$out"; then
      echo "FAIL $file failed, but not with: $expect"; echo "$out"; failed=$((failed + 1)); fi ;;
  esac
done
echo "swift-typecheck: $((checked - failed)) passed, $failed failed"
[ $failed = 0 ]

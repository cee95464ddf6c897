"""Rewrites UniFFI's generated Swift (Payquery.swift) where an enum has no values.

MiniChargeNotice (the Mini Program sends no notifications) is an uninhabited enum. UniFFI 0.32's
Swift for it compiles, but with three "will never be executed" warnings, which the package's
`-warnings-as-errors` build refuses:
1. its converter's `write` switches over no cases: the body becomes a comment;
2. its `_lower` function uses a value that cannot exist: the body becomes a `fatalError`;
3. the enum that holds it (NotificationDetail) reads it in one `case`, which can never return:
   that case throws the read's own error, as an unknown case does.
No behaviour changes: none of the rewritten code can run (there is no value to write, lower or
read). `make swift` and `make swift-check` run it on the generated file, so the committed file
stays what the generator plus this script make.

This script fails when a place is not found (a UniFFI upgrade changed it), so a rewrite can
never be silently skipped.

Usage: patch_uniffi_swift.py GENERATED_SWIFT_FILE
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

EMPTY_ENUM = re.compile(r"public enum (\w+): Equatable, Hashable, CaseIterable \{\s*\}")
EMPTY_WRITE = re.compile(
    r"(public static func write\(_ value: (\w+), into buf: inout \[UInt8\]\) \{)\n\s*switch value \{\s*\}\n(\s*\})"
)


def main() -> int:
    path = Path(sys.argv[1])
    text = path.read_text(encoding="utf-8")
    names = EMPTY_ENUM.findall(text)
    if not names:
        print(f"{path}: no enum without values found (MiniChargeNotice); update this script")
        return 1
    text, writes = EMPTY_WRITE.subn(
        lambda m: f"{m.group(1)}\n        // {m.group(2)} has no values: nothing to write.\n{m.group(3)}", text
    )
    lowers = reads = 0
    for name in names:
        text, found = re.subn(
            rf"(public func FfiConverterType{name}_lower\(_ value: {name}\) -> RustBuffer \{{)\n"
            rf"\s*return FfiConverterType{name}\.lower\(value\)\n\}}",
            rf'\1\n    fatalError("{name} has no values")\n}}',
            text,
        )
        lowers += found
        text, found = re.subn(
            rf"case (\d+): return \.(\w+)\(\w+: try FfiConverterType{name}\.read\(from: &buf\)\n\s*\)",
            r"case \1: throw UniffiInternalError.unexpectedEnumCase",
            text,
        )
        reads += found
    if writes != len(names) or lowers != len(names) or reads < len(names):
        print(f"{path}: {names}: {writes} writes, {lowers} lowers, {reads} reads rewritten; update this script")
        return 1
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Makes UniFFI's generated Kotlin report a malformed string as a PayqueryException.

UniFFI (0.32) lowers every Kotlin String to UTF-8 with a strict encoder, so a string holding a
lone UTF-16 surrogate ("A\\uD800", which Kotlin allows and Unicode does not) throws
java.nio.charset.MalformedInputException, an IOException, from inside any payquery call. payquery's
contract is that every bad input is a typed PayqueryException (here InvalidInput) that says what
is wrong. The generated sources are rewritten at exactly one place, FfiConverterString.toUtf8; the
exception comes from payquery.loneSurrogate (src/main/kotlin/payquery/PayqueryExceptions.kt).
This script fails when the place is not found (a UniFFI upgrade changed it), so the rewrite can
never be silently skipped.

Usage: patch_kotlin_strings.py GENERATED_KOTLIN_FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

ORIGINAL = """        return Charsets.UTF_8.newEncoder().run {
            onMalformedInput(CodingErrorAction.REPORT)
            encode(CharBuffer.wrap(value))
        }"""

PATCHED = """        // payquery (tools/patch_kotlin_strings.py): a lone surrogate is an InvalidInput.
        return try {
            Charsets.UTF_8.newEncoder().run {
                onMalformedInput(CodingErrorAction.REPORT)
                encode(CharBuffer.wrap(value))
            }
        } catch (e: java.nio.charset.CharacterCodingException) {
            throw payquery.loneSurrogate(value)
        }"""


def main() -> int:
    path = Path(sys.argv[1])
    text = path.read_text(encoding="utf-8")
    if text.count(ORIGINAL) != 1:
        print(f"{path}: FfiConverterString.toUtf8 is not where UniFFI 0.32 put it; update this script")
        return 1
    path.write_text(text.replace(ORIGINAL, PATCHED), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

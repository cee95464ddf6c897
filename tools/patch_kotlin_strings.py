"""Makes UniFFI's generated Kotlin report a malformed string as a PayqueryException.

UniFFI (0.32) lowers every Kotlin String to UTF-8 with a strict encoder, so a string holding a
lone UTF-16 surrogate ("A\\uD800", which Kotlin allows and Unicode does not) throws
java.nio.charset.MalformedInputException, an IOException, from inside any payquery call. payquery's
contract is that every bad input is a typed PayqueryException (here InvalidInput) that says what
is wrong. The generated sources are rewritten at exactly one place, FfiConverterString.toUtf8; the
exception comes from payquery.loneSurrogate (src/main/kotlin/payquery/PayqueryExceptions.kt).
Second, UniFFI makes each PayqueryException's `message` a dump of every field
(`code=…, reason=…, field=null, …, attempts=[…]`); logs and stack traces show `message`, so it
is rewritten to the reason in words, as `message` is in Node and `str(e)` in Python (the fields
stay readable one by one: `e.code`, `e.field`, `e.attempts`).

Third, the cases of a sealed class without fields (an open enum's known values such as
`FubeiTradeState.Success`, `QueryStep.Done`) are generated as plain `object`s, which print as
`FubeiTradeState$Success@7bdf6bb7` in a log; they become `data object`s, which print their name.

This script fails when a place is not found (a UniFFI upgrade changed it), so a rewrite can
never be silently skipped.

Usage: patch_kotlin_strings.py GENERATED_KOTLIN_FILE
"""

from __future__ import annotations

import re
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


FIELDS = ("code", "reason", "field", "providerCode", "providerMessage", "httpStatus", "retryable", "backupHostApplies")
MESSAGE_ORIGINAL = 'get() = "' + ", ".join(f"{name}=${{ `{name}` }}" for name in (*FIELDS, "attempts")) + '"'
MESSAGE_PATCHED = "get() = `reason` // payquery (tools/patch_kotlin_strings.py): the reason in words"


def main() -> int:
    path = Path(sys.argv[1])
    text = path.read_text(encoding="utf-8")
    if text.count(ORIGINAL) != 1:
        print(f"{path}: FfiConverterString.toUtf8 is not where UniFFI 0.32 put it; update this script")
        return 1
    if text.count(MESSAGE_ORIGINAL) < 1:
        print(f"{path}: PayqueryException's generated `message` is not what UniFFI 0.32 wrote; update this script")
        return 1
    text = text.replace(ORIGINAL, PATCHED).replace(MESSAGE_ORIGINAL, MESSAGE_PATCHED)
    text, cases = re.subn(r"^(\s+)object (\w+) : (\w+)\(\)$", r"\1data object \2 : \3()", text, flags=re.M)
    if cases < 1:
        print(f"{path}: no field-less sealed-class case found; update this script")
        return 1
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Rewrites eight places of UniFFI's generated Kotlin (payquery.kt) that payquery's contract needs.

First, a malformed string becomes a PayqueryException.

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

Fourth, every call across the boundary allocated a fresh `UniffiRustCallStatus` (two JNA
Structures, each with native memory registered with JNA's single Cleaner thread). That thread
cannot keep up with a loop of calls (java-native-access/jna#1535, open): 200,000 Fubei build +
parse calls in a default-heap JVM grew to 5.2 GB resident, the garbage waiting on the Cleaner.
The status is plain scratch space that Rust writes only on an error, so each thread now keeps
a small stack of them, one per nesting depth (lowering an argument makes a nested call to
allocate its RustBuffer; lifting an error a nested call to free one). The stack is a few
dozen bytes per thread that called payquery and lives as long as the thread.

Fifth, for the same reason: JNA builds each RustBuffer a native function returns by value
(every lowered argument's buffer from rustbuffer_alloc, every call's answer) through the
class's no-argument constructor, then allocates its memory a second time before copying the
bytes in: two Cleaner registrations per buffer. JNA first looks for a constructor taking the
returned memory; the patched one copies the buffer (24 bytes on 64-bit platforms, its JNA size
elsewhere) into the next slot of a per-thread ring of 64 and uses that slot as the buffer's
memory (JNA's shared view of it needs no Cleaner). Such a
buffer lives only inside the one generated call that received it (lowered into an argument and
passed, or lifted and freed, on the same thread, before the call returns); no generated
function takes or returns more than a handful, so a slot is never reused while its buffer is
in use. The ring is one Cleaner registration per thread and 1.5 KiB (64-bit). A program that
starts a new thread per call (virtual threads) gains nothing, as each new thread allocates its
own statuses and ring, and loses nothing either: that is what every call allocated before.

Eighth, an enum with no values (MiniChargeNotice: the Mini Program sends no notifications) is
generated as `enum class X {` + blank lines + `companion object }`, which kotlinc refuses: an enum class
whose body has members needs a `;` after its (empty) list of entries. The `;` is added.

This script fails when a place is not found (a UniFFI upgrade changed it), so a rewrite can
never be silently skipped.

Usage: patch_uniffi_kotlin.py GENERATED_KOTLIN_FILE
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ORIGINAL = """        return Charsets.UTF_8.newEncoder().run {
            onMalformedInput(CodingErrorAction.REPORT)
            encode(CharBuffer.wrap(value))
        }"""

PATCHED = """        // payquery (tools/patch_uniffi_kotlin.py): a lone surrogate is an InvalidInput.
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
MESSAGE_PATCHED = "get() = `reason` // payquery (tools/patch_uniffi_kotlin.py): the reason in words"


# UniFFI's helper that every call goes through, as UniFFI 0.32 declares it.
CALL_SIGNATURE = (
    "private inline fun <U, E: kotlin.Exception> uniffiRustCallWithError("
    "errorHandler: UniffiRustCallStatusErrorHandler<E>, callback: (UniffiRustCallStatus) -> U): U {"
)
STATUS_ORIGINAL = (
    CALL_SIGNATURE
    + """
    var status = UniffiRustCallStatus()
    val return_value = callback(status)
    uniffiCheckCallStatus(errorHandler, status)
    return return_value
}"""
)

STATUS_PATCHED = """// payquery (tools/patch_uniffi_kotlin.py): call statuses are reused per thread and nesting
// depth instead of allocated per call, so a loop of calls does not queue garbage on JNA's
// single Cleaner thread (java-native-access/jna#1535).
internal class UniffiCallStatusStack {
    private val statuses = ArrayList<UniffiRustCallStatus>(4)
    private var depth = 0

    fun acquire(): UniffiRustCallStatus {
        val status = if (depth < statuses.size) statuses[depth] else UniffiRustCallStatus().also { statuses.add(it) }
        depth++
        // What a fresh status holds: success and no error buffer; Rust writes it only on an error.
        status.code = UNIFFI_CALL_SUCCESS
        status.error_buf.capacity = 0
        status.error_buf.len = 0
        status.error_buf.data = null
        return status
    }

    fun release() {
        depth--
    }

    companion object {
        // Not ThreadLocal.withInitial: that needs Android API 26.
        val perThread = object : ThreadLocal<UniffiCallStatusStack>() {
            override fun initialValue() = UniffiCallStatusStack()
        }
    }
}

"""
STATUS_PATCHED += (
    CALL_SIGNATURE
    + """
    val statuses = UniffiCallStatusStack.perThread.get()
    val status = statuses.acquire()
    try {
        val return_value = callback(status)
        uniffiCheckCallStatus(errorHandler, status)
        return return_value
    } finally {
        statuses.release()
    }
}"""
)


BUFFER_ORIGINAL = """@Structure.FieldOrder("capacity", "len", "data")
open class RustBuffer : Structure() {"""
BUFFER_PATCHED = """// payquery (tools/patch_uniffi_kotlin.py): a returned RustBuffer lives in a slot of a per-thread
// ring instead of two fresh Cleaner-registered blocks (java-native-access/jna#1535).
internal class UniffiReturnedBufferRing {
    private val size = RustBuffer().size()
    private val slots = com.sun.jna.Memory(SLOTS.toLong() * size)
    private var next = 0

    /** The next slot, holding a copy of the `size` bytes at `returned`. */
    fun slot(returned: Pointer): Pointer {
        val slot = slots.share(next.toLong() * size, size.toLong())
        next = (next + 1) % SLOTS
        slot.write(0, returned.getByteArray(0, size), 0, size)
        return slot
    }

    companion object {
        // A generated call holds at most one buffer per argument plus its answer at a time.
        private const val SLOTS = 64
        val perThread = object : ThreadLocal<UniffiReturnedBufferRing>() {
            override fun initialValue() = UniffiReturnedBufferRing()
        }

        // JNA also calls the constructor with a null placeholder, to learn the layout only.
        fun memoryFor(returned: Pointer): Pointer =
            if (Pointer.nativeValue(returned) == 0L) returned else perThread.get().slot(returned)
    }
}

@Structure.FieldOrder("capacity", "len", "data")
open class RustBuffer : Structure {
    constructor() : super()

    constructor(memory: Pointer) : super(memory)
"""

BYVALUE_ORIGINAL = "    class ByValue: RustBuffer(), Structure.ByValue\n"
BYVALUE_PATCHED = """    class ByValue : RustBuffer, Structure.ByValue {
        constructor() : super()

        // payquery (tools/patch_uniffi_kotlin.py): the constructor JNA calls for a returned buffer.
        constructor(returned: Pointer) : super(UniffiReturnedBufferRing.memoryFor(returned))
    }
"""


# Sixth: a call on a closed Client, PendingRequest or QueryFlow threw IllegalStateException
# ("Client object has already been destroyed"), and so did its toString(). payquery's contract
# is a typed PayqueryException (INVALID_INPUT, "client is closed"), and toString() never throws.
CLOSED_ORIGINAL = 'throw IllegalStateException("${this.javaClass.simpleName} object has already been destroyed")'
CLOSED_PATCHED = "throw payquery.closedObject(this.javaClass.simpleName) // payquery (tools/patch_uniffi_kotlin.py)"
DISPLAY_ORIGINAL = """    // The local Rust `Display`/`Debug` implementation.
    override fun toString(): String {
        return FfiConverterString.lift(
    callWithHandle {"""
DISPLAY_PATCHED = """    // payquery (tools/patch_uniffi_kotlin.py): toString() never throws; a closed object says so.
    override fun toString(): String =
        try {
            uniffiDisplay()
        } catch (e: PayqueryException) {
            "${this.javaClass.simpleName}(closed)"
        }

    // The local Rust `Display`/`Debug` implementation.
    private fun uniffiDisplay(): String {
        return FfiConverterString.lift(
    callWithHandle {"""


# Seventh: a config record printed its base URL whole, a password in its user info
# (`https://user:pass@host`) included (the core refuses such a URL only when the Client is made).
# Each provider config (`data class …Config`) and BackupHost.Url gets a toString() in the data
# class's format whose URLs' user info prints as [redacted] (payquery.redactUserinfo, Secret.kt).
# (The generated line between the two holds eight spaces: written as such, not as trailing blanks.)
BACKUP_URL_ORIGINAL = "        val `url`: kotlin.String) : BackupHost()\n" + " " * 8 + "\n    {"
BACKUP_URL_PATCHED = (
    BACKUP_URL_ORIGINAL
    + """
        // payquery (tools/patch_uniffi_kotlin.py): a URL's user info prints as [redacted].
        override fun toString(): String = "Url(url=${payquery.redactUserinfo(`url`)})"
"""
)
CONFIG_RECORD = re.compile(r"^data class (\w+Config) \(\n(.*?)^\)\{\n", re.M | re.S)


def config_to_string(match: re.Match[str]) -> str:
    name, body = match.group(1), match.group(2)
    fields = re.findall(r"^    val `(\w+)`", body, re.M)
    shown = ", ".join(f"{field}=${{`{field}`}}" for field in fields)
    return (
        match.group(0)
        + "    // payquery (tools/patch_uniffi_kotlin.py): a URL's user info prints as [redacted].\n"
        + f'    override fun toString(): String = payquery.redactUserinfo("{name}({shown})")\n'
    )


def main() -> int:
    path = Path(sys.argv[1])
    text = path.read_text(encoding="utf-8")
    # (what, as UniFFI 0.32 writes it, the rewrite, whether it occurs exactly once)
    rewrites = [
        ("FfiConverterString.toUtf8", ORIGINAL, PATCHED, True),
        ("PayqueryException's generated `message`", MESSAGE_ORIGINAL, MESSAGE_PATCHED, False),
        ("uniffiRustCallWithError", STATUS_ORIGINAL, STATUS_PATCHED, True),
        ("RustBuffer", BUFFER_ORIGINAL, BUFFER_PATCHED, True),
        ("RustBuffer.ByValue", BYVALUE_ORIGINAL, BYVALUE_PATCHED, True),
        ("callWithHandle's closed-object error", CLOSED_ORIGINAL, CLOSED_PATCHED, False),
        ("an object's Display toString", DISPLAY_ORIGINAL, DISPLAY_PATCHED, False),
        ("BackupHost.Url", BACKUP_URL_ORIGINAL, BACKUP_URL_PATCHED, True),
    ]
    for what, original, patched, once in rewrites:
        found = text.count(original)
        if found == 0 or (once and found != 1):
            print(f"{path}: {what} is not what UniFFI 0.32 wrote; update this script")
            return 1
        text = text.replace(original, patched)
    # The ring's safety argument, checked: every native function takes and returns few enough
    # buffers that one call can never wrap the ring, nothing is async (no buffer outlives its
    # call on another thread) and no array of RustBuffers exists (a slot holds one).
    most = max(line.count("RustBuffer.ByValue") for line in text.splitlines() if "external fun " in line)
    slots = int(re.findall(r"private const val SLOTS = (\d+)", BUFFER_PATCHED)[0])
    if most + 1 > slots // 4 or "uniffiRustCallAsync" in text or "toArray" in text:
        print(f"{path}: a call takes {most} RustBuffers, or async calls or arrays appeared; revisit the ring")
        return 1
    text, cases = re.subn(r"^(\s+)object (\w+) : (\w+)\(\)$", r"\1data object \2 : \3()", text, flags=re.M)
    if cases < 1:
        print(f"{path}: no field-less sealed-class case found; update this script")
        return 1
    text, empty = re.subn(
        r"^(enum class \w+ \{\n)((?:[ ]*\n)*    companion object\n\}$)", r"\1    ;\n\2", text, flags=re.M
    )
    if empty < 1:
        print(f"{path}: no enum class without entries found (MiniChargeNotice); update this script")
        return 1
    text, configs = CONFIG_RECORD.subn(config_to_string, text)
    if configs < 4:
        print(f"{path}: found {configs} provider config records, not every one; update this script")
        return 1
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

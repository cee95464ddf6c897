package payquery

// The facts every PayqueryException carries, readable without a `when` over its subclasses.
// UniFFI generates one subclass per stable code (PayqueryException.SignatureInvalid, …), each
// with the same fields; these properties read them from the base type. The `when`s are
// exhaustive over the sealed class, so a new code fails compilation until it is added here.

/** The stable code, e.g. `"SIGNATURE_INVALID"`. */
val PayqueryException.code: String
    get() = facts().code

/** A human-readable explanation; it never contains a secret. */
val PayqueryException.reason: String
    get() = facts().reason

/** The input or response field concerned (`out_trade_no`, `Wechatpay-Signature`). */
val PayqueryException.field: String?
    get() = facts().field

/** The provider's own code (`SYSTEM_ERROR`, `42001`, …). */
val PayqueryException.providerCode: String?
    get() = facts().providerCode

/** The provider's own message. */
val PayqueryException.providerMessage: String?
    get() = facts().providerMessage

/** The HTTP status of the answer. */
val PayqueryException.httpStatus: Int?
    get() = facts().httpStatus

/** Sending the same request again later is safe and may succeed. */
val PayqueryException.retryable: Boolean
    get() = facts().retryable

/** The provider's backup host may answer: see [Client.failoverRequest]. */
val PayqueryException.backupHostApplies: Boolean
    get() = facts().backupHostApplies

/** The requests [Client.query] made before it gave up (empty for other errors). */
val PayqueryException.attempts: List<Attempt>
    get() = facts().attempts

private data class Facts(
    val code: String,
    val reason: String,
    val field: String?,
    val providerCode: String?,
    val providerMessage: String?,
    val httpStatus: Int?,
    val retryable: Boolean,
    val backupHostApplies: Boolean,
    val attempts: List<Attempt>,
)

private fun PayqueryException.facts(): Facts = when (this) {
    is PayqueryException.InvalidInput -> Facts(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
    is PayqueryException.InvalidConfig -> Facts(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
    is PayqueryException.SignatureInvalid -> Facts(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
    is PayqueryException.TimestampSkew -> Facts(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
    is PayqueryException.ProviderException -> Facts(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
    is PayqueryException.RateLimited -> Facts(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
    is PayqueryException.TokenExpired -> Facts(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
    is PayqueryException.OrderNotFound -> Facts(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
    is PayqueryException.DecodeException -> Facts(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
    is PayqueryException.NetworkException -> Facts(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
    is PayqueryException.DecryptException -> Facts(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
}

/**
 * The error for a string argument that is not Unicode text: it holds a lone UTF-16 surrogate,
 * which Kotlin strings allow and UTF-8 cannot encode. Thrown from the generated string lowering
 * (tools/patch_uniffi_kotlin.py) instead of a java.nio.charset.MalformedInputException.
 */
fun loneSurrogate(value: String): PayqueryException {
    val index =
        value.indices.firstOrNull { i ->
            val c = value[i]
            when {
                c.isHighSurrogate() -> i + 1 >= value.length || !value[i + 1].isLowSurrogate()
                c.isLowSurrogate() -> i == 0 || !value[i - 1].isHighSurrogate()
                else -> false
            }
        }
    val where = index?.let { " (U+%04X at index %d)".format(value[it].code, it) } ?: ""
    return invalidInput(null, "a string argument holds a lone UTF-16 surrogate$where, which is not Unicode text")
}

/**
 * The error for a call on a closed `Client`, `PendingRequest` or `QueryFlow` (INVALID_INPUT,
 * "client is closed"): thrown from the generated code (tools/patch_uniffi_kotlin.py) instead of
 * UniFFI's IllegalStateException.
 */
internal fun closedObject(className: String): PayqueryException {
    val words = className.replace(Regex("(?<=[a-z])(?=[A-Z])"), " ").lowercase()
    return invalidInput(className.replaceFirstChar(Char::lowercaseChar), "$words is closed")
}

/** An `INVALID_INPUT` raised on the Kotlin side (a closed object, a bad argument). */
internal fun invalidInput(field: String?, reason: String): PayqueryException = PayqueryException.InvalidInput(
    code = "INVALID_INPUT",
    reason = reason,
    field = field,
    providerCode = null,
    providerMessage = null,
    httpStatus = null,
    retryable = false,
    backupHostApplies = false,
    attempts = emptyList(),
)

/** An `INVALID_CONFIG` raised on the Kotlin side (a config file that cannot be read). */
internal fun invalidConfig(field: String, reason: String): PayqueryException = PayqueryException.InvalidConfig(
    code = "INVALID_CONFIG",
    reason = reason,
    field = field,
    providerCode = null,
    providerMessage = null,
    httpStatus = null,
    retryable = false,
    backupHostApplies = false,
    attempts = emptyList(),
)

import Foundation

// The facts every PayqueryError case carries, readable without a `switch` over its cases.
// UniFFI generates one case per stable code (.SignatureInvalid, .RateLimited, …), each with
// the same fields; these properties read them. The switch is exhaustive, so a new code fails
// compilation until it is added here.
extension PayqueryError {
    /// Every fact of the error, whatever its case.
    public var facts: (
        code: String, reason: String, field: String?, providerCode: String?,
        providerMessage: String?, httpStatus: Int32?, retryable: Bool, backupHostApplies: Bool,
        attempts: [Attempt]
    ) {
        switch self {
        case let .InvalidInput(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts),
             let .InvalidConfig(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts),
             let .SignatureInvalid(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts),
             let .TimestampSkew(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts),
             let .ProviderError(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts),
             let .RateLimited(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts),
             let .TokenExpired(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts),
             let .OrderNotFound(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts),
             let .DecodeError(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts),
             let .NetworkError(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts),
             let .DecryptError(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts):
            return (code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies, attempts)
        }
    }

    /// The stable code, e.g. `"SIGNATURE_INVALID"`.
    public var code: String { facts.code }
    /// A human-readable explanation; it never contains a secret.
    public var reason: String { facts.reason }
    /// The document key or response field concerned (`platform_certificates[0].serial_no`).
    public var field: String? { facts.field }
    /// The provider's own code (`SYSTEM_ERROR`, `42001`, …).
    public var providerCode: String? { facts.providerCode }
    /// The provider's own message.
    public var providerMessage: String? { facts.providerMessage }
    /// The HTTP status of the answer, when one came.
    public var httpStatus: Int32? { facts.httpStatus }
    /// Sending the same request again later is safe and may succeed.
    public var retryable: Bool { facts.retryable }
    /// The provider's backup host may answer: see `Client.failoverRequest`.
    public var backupHostApplies: Bool { facts.backupHostApplies }
    /// The requests the one-call query made before it gave up (empty for a call by hand).
    public var attempts: [Attempt] { facts.attempts }
}

/// A log line shows the code and the reason in words (UniFFI's default would dump every field
/// and every attempt): `SIGNATURE_INVALID: …`. Fields stay readable one by one.
extension PayqueryError: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "\(code): \(reason)" }
    public var debugDescription: String { "PayqueryError.\(code): \(reason)" }
}

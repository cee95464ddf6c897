import Foundation

// The facts every PayqueryError case carries, readable without a `switch` over its cases.
// UniFFI generates one case per stable code (.SignatureInvalid, .RateLimited, …), each with
// the same fields; these properties read them. The switch is exhaustive, so a new code fails
// compilation until it is added here.
extension PayqueryError {
    /// Every fact of the error, whatever its case.
    public var facts: (
        code: String, reason: String, field: String?, providerCode: String?,
        providerMessage: String?, httpStatus: Int32?, retryable: Bool, backupHostApplies: Bool
    ) {
        switch self {
        case let .InvalidInput(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies),
             let .InvalidConfig(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies),
             let .SignatureInvalid(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies),
             let .TimestampSkew(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies),
             let .ProviderError(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies),
             let .RateLimited(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies),
             let .TokenExpired(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies),
             let .OrderNotFound(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies),
             let .DecodeError(code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies):
            return (code, reason, field, providerCode, providerMessage, httpStatus, retryable, backupHostApplies)
        }
    }

    /// The stable code, e.g. `"SIGNATURE_INVALID"`.
    public var code: String { facts.code }
    /// A human-readable explanation; it never contains a secret.
    public var reason: String { facts.reason }
    /// The provider's own code (`SYSTEM_ERROR`, `42001`, …).
    public var providerCode: String? { facts.providerCode }
    /// Sending the same request again later is safe and may succeed.
    public var retryable: Bool { facts.retryable }
    /// The provider's backup host may answer: see `Client.failoverRequest`.
    public var backupHostApplies: Bool { facts.backupHostApplies }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking // URLSession lives here on Linux
#endif

// Notifications (the providers' callbacks) for Swift. `handleNotification` runs the core's
// notification flow on the query's own loop (`drive` in Client+Query.swift): the flow sends
// nothing unless a WeChat Pay notification is signed with a certificate serial the client does
// not hold, and then one certificate download, with the same session, token store and timeouts
// as a query. No provider branch here: what is checked and what to reply are the core's.

/// A notification refused: `error` says why (the typed `PayqueryError`) and `reply` is the exact
/// HTTP reply to send all the same. Its status tells the provider whether to send the
/// notification again (WeChat Pay: 401 for a bad signature, 500 for an unknown certificate
/// serial, 400 for a malformed one), so never replace it with your own. `"\(rejected)"` is the
/// error's `CODE: reason`, which holds no secret.
public struct NotificationRejected: Error, Equatable, Sendable, CustomStringConvertible {
    /// Why the notification was refused.
    public let error: PayqueryError
    /// The reply to send.
    public let reply: NotificationReply

    public init(error: PayqueryError, reply: NotificationReply) {
        self.error = error
        self.reply = reply
    }

    public var description: String { "\(error)" }
}

extension NotificationOutcome {
    /// The notification with the reply to send, or `NotificationRejected` with the error and
    /// the reply: what `Client.handleNotification` returns or throws.
    public func get() throws -> HandledNotification {
        if let error { throw NotificationRejected(error: error, reply: reply) }
        guard let notification else {
            throw NotificationRejected(
                error: .InvalidInput(
                    code: "INVALID_INPUT", reason: "the outcome holds neither a notification nor an error", field: nil,
                    providerCode: nil, providerMessage: nil, httpStatus: nil, retryable: false, backupHostApplies: false,
                    attempts: []),
                reply: reply)
        }
        return HandledNotification(notification: notification, reply: reply, attempts: [])
    }
}

extension Client {
    /// Verifies, decrypts and types one notification as your server received it (the method,
    /// every header, the body's raw bytes: never a re-serialised JSON body) and says exactly
    /// what to answer: returns the `Notification` (`id` is the idempotency key, `order` the
    /// same normalized `Order` as a query's) with the requests made for it and the reply to
    /// send once it is stored (`notificationRetryReply()` instead when storing fails). A refused
    /// notification throws `NotificationRejected` with its typed error and the reply to send;
    /// so does a bad option (with the retry reply): the host always has a reply.
    ///
    /// It sends nothing, except for a WeChat Pay notification signed with a platform
    /// certificate the client does not hold (a rotation): one certificate download (at most one
    /// per client per minute; needs `api_v3_key`) with `session`, `timeout` and `tokenStore` as
    /// `query` uses them, then the same notification checked again. `deadline` (4 s) keeps the
    /// answer within the 5 s the providers wait. Cancelling the task cancels the download.
    public func handleNotification(
        _ request: NotificationRequest,
        timeout: TimeInterval = 3,
        deadline: TimeInterval = 4,
        tokenStore: (any TokenStore)? = nil,
        session: URLSession = payquerySession
    ) async throws -> HandledNotification {
        let options = QueryOptions(
            timeoutMs: millis(timeout), deadlineMs: millis(deadline), maxAttempts: nil, poll: false,
            pollIntervalsMs: nil, notFoundGraceMs: nil, tokenStore: tokenStore != nil)
        let flow: QueryFlow
        do {
            flow = try startNotification(request: request, options: options, nowMs: nowMs())
        } catch let error as PayqueryError {
            // An option refused: the retry reply, so the provider sends it again once fixed.
            throw NotificationRejected(error: renamedOption(error), reply: notificationRetryReply())
        }
        do {
            return try await drive(flow, tokenStore: tokenStore, session: session) { flow in
                let reply = { (flow: QueryFlow) throws -> NotificationReply in
                    guard let reply = try flow.notificationReply() else { throw PayqueryError.unfinished }
                    return reply
                }
                let notification: Notification
                do {
                    notification = try flow.notificationResult()
                } catch let error as PayqueryError {
                    throw NotificationRejected(error: error, reply: try reply(flow))
                }
                return HandledNotification(notification: notification, reply: try reply(flow), attempts: try flow.attempts())
            }
        } catch let error as PayqueryError {
            // The flow failed before its outcome (a closed client): the retry reply.
            throw NotificationRejected(error: error, reply: notificationRetryReply())
        }
    }

    /// Checks one notification at `now` with the keys this client holds, sending nothing
    /// (sans-IO): a WeChat Pay notification signed with an unknown certificate serial is
    /// refused (`.SignatureInvalid` naming `Wechatpay-Serial`, reply 500, so WeChat Pay sends it
    /// again). The outcome always has the reply; `get()` turns it into `handleNotification`'s
    /// result or error.
    public func checkNotification(_ request: NotificationRequest, now: Date = Date()) -> NotificationOutcome {
        checkNotification(request: request, now: Int64(now.timeIntervalSince1970.rounded(.down)))
    }

    /// Confirms an unsigned notification (`verified` false: the vending delivery callback) with
    /// the signed order query its `confirmQuery` names, completed with `extra` (the query
    /// members the callback does not carry, such as the vending `machine_no`): `query` of that
    /// document, with `query`'s options. Trust the query's answer, not the notification.
    public func confirmNotification(
        _ notification: Notification,
        extra: [String: String] = [:],
        timeout: TimeInterval = 10,
        deadline: TimeInterval? = nil,
        tokenStore: (any TokenStore)? = nil,
        session: URLSession = payquerySession
    ) async throws -> QueryResult {
        try await query(
            confirmQuery(notification: notification, extra: extra), timeout: timeout, deadline: deadline,
            tokenStore: tokenStore, session: session)
    }
}

private extension PayqueryError {
    /// A finished flow without a reply: a bug, reported as the core reports misuse.
    static var unfinished: PayqueryError {
        .InvalidInput(
            code: "INVALID_INPUT", reason: "the notification flow finished without a reply", field: "flow",
            providerCode: nil, providerMessage: nil, httpStatus: nil, retryable: false, backupHostApplies: false,
            attempts: [])
    }
}

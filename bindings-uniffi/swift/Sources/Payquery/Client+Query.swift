import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking // URLSession lives here on Linux
#endif

// The one-call query's driver for Swift: a loop over the core's steps (`QueryFlow`) with no
// provider branch and no policy of its own — failover, retries, waits, tokens, platform
// certificates and polling are decided by the core, the same in every language. The explicit
// certificate download and a notification (Client+Notifications.swift) are `QueryFlow`s too,
// run by the same loop. This file does the I/O: URLSession, Task.sleep, the token store.

/// Where Mini Program access tokens and WeChat Pay platform-certificate listings are shared
/// between processes (Redis, a database). Values are opaque text holding a token or a listing
/// as WeChat Pay sent it (still encrypted with the APIv3 key; every process checks what it
/// loads): keep them as private as the token. `lock` lets one
/// process of a fleet fetch while the others wait (default: no lock). A store that throws
/// never fails a query: the query goes on without it, and each failed operation is an
/// attempt with `purpose` `.store` and the error's type name in `storeError`.
public protocol TokenStore: Sendable {
    /// The value under `key`, or nil.
    func get(_ key: String) async throws -> String?
    /// Stores `value` under `key` for `ttlMs` milliseconds.
    func put(_ key: String, value: String, ttlMs: Int64) async throws
    /// Deletes `key` if it still holds exactly `value` (compare-and-delete).
    func invalidate(_ key: String, value: String) async throws
    /// Takes a lock on `key` for `ttlMs`; true when taken.
    func lock(_ key: String, ttlMs: Int64) async throws -> Bool
}

extension TokenStore {
    public func lock(_ key: String, ttlMs: Int64) async throws -> Bool { true }
}

func nowMs() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
}

/// Seconds as the core's milliseconds, saturated to Int64: the core refuses what is out of its
/// range (and a negative time or NaN) as INVALID_INPUT, which `query` renames to the option.
func millis(_ seconds: TimeInterval?) -> Int64? {
    seconds.map { s in
        let ms = (s * 1000).rounded()
        if ms.isNaN { return -1 }
        if ms >= Double(Int64.max) { return Int64.max }
        if ms <= Double(Int64.min) { return Int64.min }
        return s > 0 ? max(1, Int64(ms)) : Int64(ms)
    }
}

private func randomBytes() -> Data {
    var generator = SystemRandomNumberGenerator()
    return Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
}

/// The core's option names, and the caller's (Swift) ones, in seconds.
private let optionNames: [String: String] = [
    "timeout_ms": "timeout", "deadline_ms": "deadline", "max_attempts": "maxAttempts",
    "poll_intervals_ms": "pollIntervals", "not_found_grace_ms": "notFoundGrace",
]

/// The core's refusal of an option, in the caller's words: `timeout` in seconds, not
/// `timeout_ms` in milliseconds. The limits stay the core's.
func renamedOption(_ error: PayqueryError) -> PayqueryError {
    guard case .InvalidInput = error, let field = error.field, let name = optionNames[field] else { return error }
    var reason = error.reason.replacingOccurrences(of: "`\(field)`", with: "`\(name)`")
    if let range = reason.range(of: #"from (\d+) to (\d+) milliseconds"#, options: .regularExpression) {
        let numbers = reason[range].split(separator: " ").compactMap { Double($0) }.map { $0 / 1000 }
        if numbers.count == 2 {
            reason.replaceSubrange(range, with: "from \(numbers[0]) to \(numbers[1].formatted()) seconds")
        }
    }
    return .InvalidInput(
        code: error.code, reason: reason, field: name, providerCode: nil, providerMessage: nil,
        httpStatus: nil, retryable: false, backupHostApplies: false, attempts: [])
}

private extension Double {
    func formatted() -> String { self == rounded() ? String(Int64(self)) : String(self) }
}

extension Client {
    /// The one-call query: signs, sends with `session`, verifies and parses, failing over,
    /// retrying, waiting, (Mini Program) fetching tokens and (WeChat Pay with `api_v3_key`)
    /// downloading platform certificates as payquery's policy says. Returns
    /// the result with its `attempts`; a failure throws the code's `PayqueryError` with them.
    /// Times are in seconds: `timeout` per request (at most 600), `deadline` for the whole
    /// query (default 30; with `poll`, 600; at most a day). Cancelling the task cancels the
    /// query at once: the request in flight is cancelled and `CancellationError` is thrown.
    /// Only a transport failure (`URLError`) is a network error to retry; any other error
    /// thrown by the session is thrown at once.
    public func query(
        _ query: Query,
        timeout: TimeInterval = 10,
        deadline: TimeInterval? = nil,
        maxAttempts: Int? = nil,
        poll: Bool = false,
        pollIntervals: [TimeInterval]? = nil,
        notFoundGrace: TimeInterval? = nil,
        tokenStore: (any TokenStore)? = nil,
        session: URLSession = payquerySession
    ) async throws -> QueryResult {
        let options = QueryOptions(
            timeoutMs: millis(timeout), deadlineMs: millis(deadline),
            maxAttempts: maxAttempts.map { Int32(clamping: $0) }, poll: poll,
            pollIntervalsMs: pollIntervals.map { $0.map { millis($0) ?? -1 } },
            notFoundGraceMs: millis(notFoundGrace), tokenStore: tokenStore != nil)
        let flow: QueryFlow
        do {
            flow = try startQuery(query: query, options: options, nowMs: nowMs())
        } catch let error as PayqueryError {
            throw renamedOption(error)
        }
        return try await drive(flow, tokenStore: tokenStore, session: session) { try $0.result() }
    }

    /// Downloads the WeChat Pay platform certificates now (a config with `api_v3_key`), for a
    /// central job that refreshes them for a fleet or writes them out for fixed-certificate
    /// configs. Queries need none of this: `query` downloads before its first request, on
    /// refresh and on an unknown serial by itself.
    ///
    /// Returns what the client holds afterwards (the download merged with the certificates
    /// still valid, newest first; empty for a public-key-only merchant) and the attempts. With
    /// `tokenStore`, the listing is saved there as WeChat Pay sent it (still encrypted), so the
    /// fleet's queries load it instead of downloading. A failure throws the code's
    /// `PayqueryError` (a client without `api_v3_key`: `.InvalidConfig` naming it). Times in
    /// seconds, as for `query`.
    public func downloadCertificates(
        timeout: TimeInterval = 10,
        deadline: TimeInterval? = nil,
        tokenStore: (any TokenStore)? = nil,
        session: URLSession = payquerySession
    ) async throws -> CertificateDownload {
        let options = QueryOptions(
            timeoutMs: millis(timeout), deadlineMs: millis(deadline), maxAttempts: nil, poll: false,
            pollIntervalsMs: nil, notFoundGraceMs: nil, tokenStore: tokenStore != nil)
        let flow: QueryFlow
        do {
            flow = try startCertificateDownload(options: options, nowMs: nowMs())
        } catch let error as PayqueryError {
            throw renamedOption(error)
        }
        return try await drive(flow, tokenStore: tokenStore, session: session) { try $0.certificatesResult() }
    }
}

/// Runs `flow` to its end and returns its answer, read by `answer` (`result()` for a query,
/// `certificatesResult()` for a certificate download, the notification's for a notification):
/// the one loop they all share.
func drive<T>(
    _ flow: QueryFlow, tokenStore: (any TokenStore)?, session: URLSession, answer: (QueryFlow) throws -> T
) async throws -> T {
    while true {
        try Task.checkCancellation()
        switch try flow.next(nowMs: nowMs(), random: randomBytes()) {
        case let .send(request, timeoutMs, maxBodyBytes):
            do {
                let response = try await send(request, timeoutMs: timeoutMs, maxBodyBytes: maxBodyBytes, session: session)
                try flow.receive(response: response, nowMs: nowMs())
            } catch let error as URLError {
                // The task was cancelled: the query stops. (A URLError .cancelled without
                // that, e.g. a delegate refusing a TLS challenge, is a transport failure.)
                if Task.isCancelled { throw CancellationError() }
                try flow.receiveFailure(kind: transportKind(error), detail: flow.redact(text: describe(error)), nowMs: nowMs())
            }
        case let .sleep(untilMs):
            let wait = max(0, untilMs - nowMs())
            try await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000)
        case let .store(request, timeoutMs):
            let reply = await storeReply(tokenStore, request, timeoutMs: timeoutMs)
            try Task.checkCancellation()
            try flow.storeReply(reply: reply, nowMs: nowMs())
        case .done:
            return try answer(flow)
        }
    }
}

/// The default session: ephemeral (no cache, no cookies) and never following a redirect, as
/// the other languages' drivers do: a signed request (its `Authorization`, its `AppSecret`) goes
/// only where it was built for, and a 3xx is the answer the core judges. A session of your own
/// follows redirects unless its delegate says otherwise.
public let payquerySession: URLSession = URLSession(
    configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)

private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// A URLError in words: its code and description. A description may quote the failing URL (a
/// Mini Program access token travels in its query): the caller passes it through `redact`.
private func describe(_ error: URLError) -> String {
    "URLError \(error.code.rawValue) (\(error.localizedDescription))"
}

/// Holds a URLSession task so that the Swift task's cancellation can cancel it.
private final class InFlight: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func start(_ task: URLSessionDataTask) {
        lock.lock()
        let cancelled = cancelled
        self.task = task
        lock.unlock()
        if cancelled { task.cancel() } else { task.resume() }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let task = task
        lock.unlock()
        task?.cancel()
    }
}

/// Sends `request` as built, racing it against its timeout (the whole exchange, body
/// included: a body that stops arriving is a timeout too); at most `maxBodyBytes` + 1 bytes of
/// the body are kept (the core refuses a larger one).
private func send(_ request: HttpRequest, timeoutMs: Int64, maxBodyBytes: Int64, session: URLSession) async throws -> HttpResponse {
    guard let url = URL(string: request.url) else { throw URLError(.badURL) }
    var urlRequest = URLRequest(url: url, timeoutInterval: TimeInterval(timeoutMs) / 1000)
    urlRequest.httpMethod = request.method
    urlRequest.httpBody = request.body
    for header in request.headers { urlRequest.addValue(header.value, forHTTPHeaderField: header.name) }
    let keep = Int(clamping: maxBodyBytes == Int64.max ? maxBodyBytes : maxBodyBytes + 1)
    let sendable = urlRequest
    return try await withThrowingTaskGroup(of: HttpResponse.self) { group in
        group.addTask { try await exchange(sendable, session: session, keep: keep) }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(max(1, timeoutMs)) * 1_000_000)
            throw URLError(.timedOut)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw URLError(.unknown) }
        return first
    }
}

/// One HTTP exchange on `session`, cancelled with the task.
private func exchange(_ request: URLRequest, session: URLSession, keep: Int) async throws -> HttpResponse {
    let inFlight = InFlight()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HttpResponse, Error>) in
            inFlight.start(session.dataTask(with: request) { data, response, error in
                if let error { return continuation.resume(throwing: error) }
                guard let http = response as? HTTPURLResponse else {
                    return continuation.resume(throwing: URLError(.badServerResponse))
                }
                let headers = http.allHeaderFields.map { Header(name: "\($0.key)", value: "\($0.value)") }
                continuation.resume(returning: HttpResponse(
                    status: Int32(clamping: http.statusCode), headers: headers, body: (data ?? Data()).prefix(keep)))
            })
        }
    } onCancel: {
        inFlight.cancel()
    }
}

/// How a request failed to complete, in the flow's words.
private func transportKind(_ error: URLError) -> TransportFailure {
    switch error.code {
    case .timedOut: return .timeout
    case .cannotFindHost, .dnsLookupFailed: return .dns
    case .cannotConnectToHost, .notConnectedToInternet: return .connect
    case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
         .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
        return .tls
    case .networkConnectionLost, .badServerResponse: return .reset
    default: return .other
    }
}

/// The store's answer, within `timeoutMs`: a store that throws or hangs (Redis down) is a
/// failed operation, never a failed or late query. The call runs in a task of its own, raced
/// against the timer, so even a store that never returns and ignores cancellation is left
/// behind (cancelled, and finishing on its own) once the timeout is over.
private func storeReply(_ store: (any TokenStore)?, _ request: TokenStoreRequest, timeoutMs: Int64) async -> TokenStoreReply {
    guard let store else { return .failed(kind: "NoTokenStore") }
    let race = StoreRace()
    let call = Task { race.finish(await Result(catching: { try await ask(store, request) })) }
    let timer = Task {
        try? await Task.sleep(nanoseconds: UInt64(max(1, timeoutMs)) * 1_000_000)
        race.finish(.failure(StoreTimeout()))
    }
    let outcome = await withTaskCancellationHandler {
        await race.outcome()
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
    call.cancel()
    timer.cancel()
    switch outcome {
    case let .success(reply): return reply
    case .failure(is StoreTimeout): return .failed(kind: "Timeout")
    case let .failure(error):
        // A failing store costs its sharing, never the query; the core records a `store`
        // attempt with the error's type name (never its message, which may quote a key or a token).
        return .failed(kind: String(describing: type(of: error)))
    }
}

/// The first of a store call, its timer and the query's cancellation to finish.
private final class StoreRace: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<TokenStoreReply, Error>?
    private var waiter: CheckedContinuation<Result<TokenStoreReply, Error>, Never>?

    func finish(_ outcome: Result<TokenStoreReply, Error>) {
        lock.lock()
        guard result == nil else { return lock.unlock() }
        result = outcome
        let waiter = waiter
        self.waiter = nil
        lock.unlock()
        waiter?.resume(returning: outcome)
    }

    func outcome() async -> Result<TokenStoreReply, Error> {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let result {
                lock.unlock()
                continuation.resume(returning: result)
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}

private extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// The store did not answer within the step's timeout.
private struct StoreTimeout: Error {}

private func ask(_ store: any TokenStore, _ request: TokenStoreRequest) async throws -> TokenStoreReply {
    switch request {
    case let .load(key):
        return .loaded(value: try await store.get(key).map { Secret($0) })
    case let .lock(key, ttlMs):
        return .locked(acquired: try await store.lock(key, ttlMs: ttlMs))
    case let .save(key, value, ttlMs):
        try await store.put(key, value: value.text, ttlMs: ttlMs)
        return .done
    case let .invalidate(key, value):
        try await store.invalidate(key, value: value.text)
        return .done
    }
}

import Foundation

// The one-call query's driver for Swift: a loop over the core's steps (`QueryFlow`) with no
// provider branch and no policy of its own — failover, retries, waits, tokens and polling are
// decided by the core, the same in every language. This file does the I/O: URLSession,
// Task.sleep, the token store. (No Swift compiler exists where payquery is built; this file is
// written from the UniFFI and Foundation documentation and compiled where Swift exists.)

/// Where Mini Program access tokens are shared between processes (Redis, a database). Values
/// are opaque text holding the token: keep them as private as the token. `lock` lets one
/// process of a fleet fetch while the others wait (default: no lock).
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

private func nowMs() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
}

/// Milliseconds, saturated to Int64 (the core refuses what is out of its range, and a negative
/// or NaN time, as INVALID_INPUT naming the option).
private func millis(_ seconds: TimeInterval?) -> Int64? {
    seconds.map { s in
        let ms = (s * 1000).rounded()
        if ms.isNaN { return 0 }
        if ms >= Double(Int64.max) { return Int64.max }
        if ms <= Double(Int64.min) { return Int64.min }
        return s > 0 ? max(1, Int64(ms)) : Int64(ms)
    }
}

private func randomBytes() -> Data {
    var generator = SystemRandomNumberGenerator()
    return Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
}

extension Client {
    /// The one-call query: signs, sends with `session`, verifies and parses, failing over,
    /// retrying, waiting and (Mini Program) fetching tokens as payquery's policy says. Returns
    /// the result with its `attempts`; a failure throws the code's `PayqueryError` with them.
    /// Cancelling the task cancels the query. Times are in seconds: `timeout` per request,
    /// `deadline` for the whole query (default 30 s; with `poll`, 600 s).
    public func query(
        _ query: Query,
        timeout: TimeInterval = 10,
        deadline: TimeInterval? = nil,
        poll: Bool = false,
        pollIntervals: [TimeInterval]? = nil,
        tokenStore: TokenStore? = nil,
        session: URLSession = .shared
    ) async throws -> QueryResult {
        let options = QueryOptions(
            timeoutMs: millis(timeout), deadlineMs: millis(deadline), poll: poll,
            pollIntervalsMs: pollIntervals?.compactMap(millis), tokenStore: tokenStore != nil)
        let flow = try startQuery(query: query, options: options, nowMs: nowMs())
        while true {
            try Task.checkCancellation()
            switch try flow.next(nowMs: nowMs(), random: randomBytes()) {
            case let .send(request, timeoutMs, maxBodyBytes):
                do {
                    let response = try await send(request, timeoutMs: timeoutMs, maxBodyBytes: maxBodyBytes, session: session)
                    try flow.receive(response: response, nowMs: nowMs())
                } catch let error as URLError where error.code != .cancelled {
                    try flow.receiveFailure(kind: transportKind(error), detail: flow.redact(text: "\(error)"), nowMs: nowMs())
                }
            case let .sleep(untilMs):
                let wait = max(0, untilMs - nowMs())
                try await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000)
            case let .store(request):
                try flow.storeReply(reply: await storeReply(tokenStore, request), nowMs: nowMs())
            case .done:
                return try flow.result()
            }
        }
    }
}

/// Sends `request` as built; at most `maxBodyBytes` + 1 bytes of the body are kept.
private func send(_ request: HttpRequest, timeoutMs: Int64, maxBodyBytes: Int64, session: URLSession) async throws -> HttpResponse {
    guard let url = URL(string: request.url) else { throw URLError(.badURL) }
    var urlRequest = URLRequest(url: url, timeoutInterval: TimeInterval(timeoutMs) / 1000)
    urlRequest.httpMethod = request.method
    urlRequest.httpBody = request.body
    for header in request.headers { urlRequest.addValue(header.value, forHTTPHeaderField: header.name) }
    let (data, response) = try await session.data(for: urlRequest)
    guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
    let headers = http.allHeaderFields.map { Header(name: "\($0.key)", value: "\($0.value)") }
    return HttpResponse(status: Int32(http.statusCode), headers: headers, body: data.prefix(Int(clamping: maxBodyBytes.addingReportingOverflow(1).overflow ? Int64.max : maxBodyBytes + 1)))
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

private func storeReply(_ store: TokenStore?, _ request: TokenStoreRequest) async -> TokenStoreReply {
    guard let store else { return .failed(kind: "NoTokenStore") }
    do {
        switch request {
        case let .load(key):
            return .loaded(value: try await store.get(key).map(Secret.init))
        case let .lock(key, ttlMs):
            return .locked(acquired: try await store.lock(key, ttlMs: ttlMs))
        case let .save(key, value, ttlMs):
            try await store.put(key, value: value.text, ttlMs: ttlMs)
            return .done
        case let .invalidate(key, value):
            try await store.invalidate(key, value: value.text)
            return .done
        }
    } catch {
        // A failing store costs its sharing, never the query; the core records a `store`
        // attempt with the error's type name (never its message, which may quote a key or a token).
        return .failed(kind: String(describing: type(of: error)))
    }
}

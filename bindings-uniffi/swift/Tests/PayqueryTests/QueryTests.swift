import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

@testable import Payquery

/// `client.query` — the one-call query — against the sandbox over real HTTP (URLSession):
/// every provider through every policy row the sandbox can show, the same scenarios as the
/// Kotlin, Node and Python suites (QUERY-FLOW.md). Faults are chosen by order id.
final class QueryTests: SandboxTestCase {

    private static func scenarios(_ name: String, _ sandbox: Sandbox) async throws {
        let client = try sandbox.client("\(name).json")
        let paid = try sandbox.query(client, "\(name).query.json")
        func fault(_ fault: String) throws -> Query { try sandbox.fault(client, name, fault) }

        // A plain query: one attempt, settled.
        var result = try await client.query(paid)
        XCTAssertEqual(result.order.status, .paid, name)
        XCTAssertEqual(result.attempts.count, 1, name)
        XCTAssertTrue(result.settled)

        // The main host fails at the transport level: the answer comes from the backup.
        result = try await sandbox.client("\(name).failover.json").query(paid)
        XCTAssertEqual(result.attempts.map(\.host), [.main, .backup], name)
        XCTAssertEqual(result.attempts.map(\.error), [.networkError, nil], name)
        XCTAssertNotNil(result.attempts[0].transport, name)

        // The main host's load balancer answers 503: the backup answers.
        result = try await client.query(try fault("unavailable"))
        XCTAssertEqual(result.attempts.map(\.host), [.main, .backup], name)
        XCTAssertEqual(result.attempts.map(\.httpStatus), [503, 200], name)

        // Rate limited: retried after Retry-After, never failed over, RATE_LIMITED at the deadline.
        let limited = await payqueryError { _ = try await client.query(try fault("rate_limit"), deadline: 3) }
        guard case .RateLimited = limited else { return XCTFail("\(name): \(String(describing: limited))") }
        XCTAssertGreaterThanOrEqual(limited?.attempts.count ?? 0, 2, name)
        XCTAssertTrue(limited?.attempts.allSatisfy { $0.host == .main } ?? false, "\(name): never failed over")

        // A system error: failed over, backed off, PROVIDER_ERROR and retryable.
        let busy = await payqueryError { _ = try await client.query(try fault("system_error")) }
        guard case .ProviderError = busy else { return XCTFail("\(name): \(String(describing: busy))") }
        XCTAssertEqual(busy?.retryable, true)
        XCTAssertEqual(busy?.attempts.map(\.host), [.main, .backup, .backup], name)

        // Slow, with a 0.5 s timeout: NETWORK_ERROR after a failover attempt.
        let slow = await payqueryError { _ = try await client.query(try fault("slow"), timeout: 0.5) }
        guard case .NetworkError = slow else { return XCTFail("\(name): \(String(describing: slow))") }
        XCTAssertEqual(slow?.attempts.first?.transport, .timeout, name)
        XCTAssertEqual(slow?.attempts.dropFirst().first?.host, .backup, name)

        // A forged or stale answer: the error after exactly one attempt.
        if name.hasPrefix("wechatpay_") {
            let forged = await payqueryError { _ = try await client.query(try fault("bad_signature")) }
            guard case .SignatureInvalid = forged else { return XCTFail("\(name): \(String(describing: forged))") }
            XCTAssertEqual(forged?.attempts.count, 1, "\(name): never retried, never failed over")
            let stale = await payqueryError { _ = try await client.query(try fault("stale_timestamp")) }
            guard case .TimestampSkew = stale else { return XCTFail("\(name): \(String(describing: stale))") }
            XCTAssertEqual(stale?.attempts.count, 1, name)
        }

        // An order that settles, polled: PAID after three queries.
        let settling = try sandbox.query(client, "\(name).settling.query.json")
        result = try await client.query(settling, poll: true, pollIntervals: [0.1])
        XCTAssertEqual(result.order.status, .paid, name)
        XCTAssertEqual(result.attempts.count, 3, name)
        XCTAssertTrue(result.settled)
    }

    func testEveryProviderThroughEveryPolicyRow() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            let sandbox = self.sandbox
            for name in providers { group.addTask { try await Self.scenarios(name, sandbox) } }
            try await group.waitForAll()
        }
    }

    func testAPollDeadlineBeforeTheFirstWaitReturnsAtOnceUnsettled() async throws {
        let client = try sandbox.client("fubei.json")
        let pending = Query.fubei(query: FubeiQuery(merchantOrderSn: "FB_USERPAYING_001"))
        let result = try await client.query(pending, deadline: 2, poll: true, pollIntervals: [5])
        XCTAssertEqual(result.order.status, .paying)
        XCTAssertFalse(result.settled)
        XCTAssertEqual(result.attempts.count, 1)
        // Without poll a pending answer is the answer: settled.
        let once = try await client.query(pending)
        XCTAssertTrue(once.settled)
    }

    func test200ConcurrentColdQueriesShareOneTokenAndAnExpiredOneIsRefreshed() async throws {
        let client = try sandbox.client("wechat_mini_charge.no_token.json")
        let query = try sandbox.query(client, "wechat_mini_charge.query.json")
        let before = try sandbox.tokenRequests()
        let statuses = try await withThrowingTaskGroup(of: OrderStatus.self) { group in
            for _ in 0..<200 { group.addTask { try await client.query(query).order.status } }
            return try await group.reduce(into: [OrderStatus]()) { $0.append($1) }
        }
        XCTAssertEqual(statuses.count, 200)
        XCTAssertTrue(statuses.allSatisfy { $0 == .paid })
        XCTAssertEqual(try sandbox.tokenRequests() - before, 1, "one token request for 200 cold queries")

        let result = try await sandbox.client("wechat_mini_charge.expired_token.json").query(query)
        XCTAssertEqual(result.order.status, .paid)
        XCTAssertEqual(result.attempts.map(\.purpose), [.query, .token, .query])
        XCTAssertEqual(result.attempts.map(\.error), [.tokenExpired, nil, nil])
        XCTAssertFalse("\(result.attempts)".contains("SANDBOX_"))
    }

    func testATokenStoreSharesTokensBetweenClientsAndAFailingOneIsAnAttempt() async throws {
        let store = MemoryStore()
        let query = Query.wechatMiniCharge(query: .order(orderId: "DD_PAID_001"))
        let first = try await sandbox.client("wechat_mini_charge.no_token.json").query(query, tokenStore: store)
        XCTAssertEqual(first.attempts.map(\.purpose), [.token, .query])
        let second = try await sandbox.client("wechat_mini_charge.no_token.json").query(query, tokenStore: store)
        XCTAssertEqual(second.attempts.map(\.purpose), [.query], "the stored token, no fetch")
        XCTAssertEqual(store.calls, ["get", "lock", "put", "get"])

        let broken = try await sandbox.client("wechat_mini_charge.no_token.json").query(query, tokenStore: BrokenStore())
        XCTAssertEqual(broken.order.status, .paid, "a failing store costs its sharing, never the query")
        let stores = broken.attempts.filter { $0.purpose == .store }
        XCTAssertEqual(stores.map(\.storeError), ["StoreDown", "StoreDown", "StoreDown"])
        XCTAssertEqual(stores.map(\.host), [.tokenStore, .tokenStore, .tokenStore])
        XCTAssertEqual(stores.map { String($0.url.prefix(16)) }, ["token-store:get ", "token-store:lock", "token-store:put "])
        XCTAssertFalse("\(broken.attempts)".contains("10.0.0.7"), "the store's message is never recorded")
    }

    func testAHangingTokenStoreCannotHoldTheQueryPastItsDeadline() async throws {
        // Every store call hangs (a Redis client retrying its connection). A hang guard, not a
        // measurement: without the step's timeout this test never ends.
        let query = Query.wechatMiniCharge(query: .order(orderId: "DD_PAID_001"))
        let client = try sandbox.client("wechat_mini_charge.no_token.json")
        let result = try await client.query(query, timeout: 1, deadline: 20, tokenStore: HangingStore())
        XCTAssertEqual(result.order.status, .paid, "the query goes on without the store")
        // A store that timed out is not asked again in that query (each ask costs a timeout).
        XCTAssertEqual(result.attempts.map(\.purpose), [.store, .token, .query])
        XCTAssertEqual(result.attempts.first?.storeError, "Timeout")
        // One that never returns and ignores cancellation is left behind all the same.
        let deaf = try await sandbox.client("wechat_mini_charge.no_token.json")
            .query(query, timeout: 1, deadline: 20, tokenStore: DeafStore())
        XCTAssertEqual(deaf.order.status, .paid)
        XCTAssertEqual(deaf.attempts.map(\.purpose), [.store, .token, .query])
    }

    func testCancellingTheTaskStopsTheQueryAtOnce() async throws {
        // A host that takes the connection and never answers: only cancelling the request
        // ends the query before its 60 s timeout, and that ends in CancellationError, not a
        // NETWORK_ERROR.
        let silent = try SilentHost()
        defer { silent.close() }
        var config = try sandbox.read("fubei.json")
        config["base_url"] = "http://127.0.0.1:\(silent.port)"
        config["backup_base_url"] = NSNull()
        let client = try Client.fromJson(jsonText(config))
        let query = Query.fubei(query: FubeiQuery(merchantOrderSn: "FB_PAID_001"))
        let task = Task { try await client.query(query, timeout: 60, deadline: 120) }
        try await Task.sleep(nanoseconds: 300_000_000)
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("a cancelled query returned")
        } catch is CancellationError {
        } catch {
            XCTFail("expected CancellationError, got \(error)")
        }
        // A poll waiting between queries stops too.
        let sandboxClient = try sandbox.client("fubei.json")
        let paying = Query.fubei(query: FubeiQuery(merchantOrderSn: "FB_USERPAYING_001"))
        let polling = Task { try await sandboxClient.query(paying, deadline: 600, poll: true, pollIntervals: [120]) }
        try await Task.sleep(nanoseconds: 500_000_000)
        polling.cancel()
        do {
            _ = try await polling.value
            XCTFail("a cancelled poll returned")
        } catch is CancellationError {
        } catch {
            XCTFail("expected CancellationError, got \(error)")
        }
    }

    func testBadOptionsAreNamedAsTheCallerSpellsThem() async throws {
        let client = try sandbox.client("fubei.json")
        let paid = try sandbox.query(client, "fubei.query.json")
        let cases: [(String, () async throws -> QueryResult)] = [
            ("timeout", { try await client.query(paid, timeout: 700) }),
            ("timeout", { try await client.query(paid, timeout: -1) }),
            ("timeout", { try await client.query(paid, timeout: .infinity) }),
            ("timeout", { try await client.query(paid, timeout: .nan) }),
            ("deadline", { try await client.query(paid, deadline: 100_000) }),
            ("maxAttempts", { try await client.query(paid, maxAttempts: 0) }),
            ("maxAttempts", { try await client.query(paid, maxAttempts: 1_000_000_000_000) }),
            ("pollIntervals", { try await client.query(paid, poll: true, pollIntervals: []) }),
            ("notFoundGrace", { try await client.query(paid, notFoundGrace: -5) }),
        ]
        for (option, call) in cases {
            let error = await payqueryError { _ = try await call() }
            guard case .InvalidInput = error else { XCTFail("\(option): \(String(describing: error))"); continue }
            XCTAssertEqual(error?.field, option)
            XCTAssertTrue(error?.reason.contains("`\(option)`") ?? false, error?.reason ?? "")
            XCTAssertFalse(error?.reason.contains("_ms") ?? true, error?.reason ?? "")
        }
        let timeout = await payqueryError { _ = try await client.query(paid, timeout: 700) }
        XCTAssertTrue(timeout?.reason.contains("600 seconds") ?? false, timeout?.reason ?? "")
    }

    func testOnlyTransportFailuresAreRetried() async throws {
        // A host that refuses connections: NETWORK_ERROR (connect), retried, re-signed.
        let port = try closedPort()
        var config = try sandbox.read("fubei.json")
        config["base_url"] = "http://127.0.0.1:\(port)"
        config["backup_base_url"] = NSNull()
        let client = try Client.fromJson(jsonText(config))
        let error = await payqueryError { _ = try await client.query(.fubei(query: FubeiQuery(merchantOrderSn: "FB_PAID_001"))) }
        guard case .NetworkError = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(error?.attempts.map(\.transport), [.connect, .connect, .connect])
        XCTAssertTrue(error?.retryable ?? false)
    }
}

/// A TCP listener on 127.0.0.1 that never accepts: connections complete (the kernel's backlog)
/// and no answer ever comes.
final class SilentHost: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = fd
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                guard bind(fd, $0, length) == 0, listen(fd, 16) == 0, getsockname(fd, $0, &length) == 0 else {
                    throw URLError(.cannotConnectToHost)
                }
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }
}

/// A port nothing listens on (bound, then closed).
private func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &address) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            guard bind(fd, $0, length) == 0, getsockname(fd, $0, &length) == 0 else { throw URLError(.cannotConnectToHost) }
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A token store in memory that records what was asked of it.
final class MemoryStore: TokenStore, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: String] = [:]
    private var log: [String] = []

    var calls: [String] { lock.lock(); defer { lock.unlock() }; return log }

    private func record<T>(_ call: String, _ body: () -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        log.append(call)
        return body()
    }

    func get(_ key: String) async throws -> String? { record("get") { values[key] } }
    func put(_ key: String, value: String, ttlMs: Int64) async throws { record("put") { values[key] = value } }
    func invalidate(_ key: String, value: String) async throws {
        record("invalidate") { if values[key] == value { values[key] = nil } }
    }
    func lock(_ key: String, ttlMs: Int64) async throws -> Bool { record("lock") { true } }
}

struct StoreDown: Error, CustomStringConvertible {
    var description: String { "connection to 10.0.0.7:6379 refused" }
}

/// A token store whose every call never returns (until cancelled).
struct HangingStore: TokenStore {
    private func hang() async throws { try await Task.sleep(nanoseconds: 3_600_000_000_000) }
    func get(_ key: String) async throws -> String? { try await hang(); return nil }
    func put(_ key: String, value: String, ttlMs: Int64) async throws { try await hang() }
    func invalidate(_ key: String, value: String) async throws { try await hang() }
    func lock(_ key: String, ttlMs: Int64) async throws -> Bool { try await hang(); return true }
}

/// A token store whose calls never return, cancelled or not (a continuation never resumed).
struct DeafStore: TokenStore {
    private func never() async { await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in } }
    func get(_ key: String) async throws -> String? { await never(); return nil }
    func put(_ key: String, value: String, ttlMs: Int64) async throws { await never() }
    func invalidate(_ key: String, value: String) async throws { await never() }
    func lock(_ key: String, ttlMs: Int64) async throws -> Bool { await never(); return true }
}

/// A token store whose every call throws.
struct BrokenStore: TokenStore {
    func get(_ key: String) async throws -> String? { throw StoreDown() }
    func put(_ key: String, value: String, ttlMs: Int64) async throws { throw StoreDown() }
    func invalidate(_ key: String, value: String) async throws { throw StoreDown() }
    func lock(_ key: String, ttlMs: Int64) async throws -> Bool { throw StoreDown() }
}

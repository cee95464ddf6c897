import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

@testable import Payquery

// What every test file shares: where the repository is, the shared vectors, JSON helpers, a
// plain HTTP sender, and `payquery sandbox`. `make swift-test` runs the suite with the CLI and
// the static library built (PAYQUERY_BIN names the CLI).

/// The repository root (this file is bindings-uniffi/swift/Tests/PayqueryTests/Support.swift).
let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let vectors = root.appendingPathComponent("tests/vectors")
let payqueryBin = ProcessInfo.processInfo.environment["PAYQUERY_BIN"]
    ?? root.appendingPathComponent("target/debug/payquery").path

/// A JSON document as Foundation values.
func readJSON(_ url: URL) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(contentsOf: url), options: [.fragmentsAllowed])
}

func object(_ url: URL) throws -> [String: Any] {
    try XCTUnwrap(readJSON(url) as? [String: Any], url.path)
}

/// JSON text of a Foundation value (keys sorted, so equal documents are equal text).
func jsonText(_ value: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else {
        return "null"
    }
    return String(decoding: data, as: UTF8.self)
}

/// Two JSON values are equal (numbers by value, objects by members).
func sameJSON(_ a: Any?, _ b: Any?) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case (is NSNull, nil), (nil, is NSNull): return true
    case let (a?, b?): return jsonText(a) == jsonText(b)
    default: return false
    }
}

/// A vector's notification `{"method", "headers": [[name, value]], "body" | "body_base64"}`.
func notificationRequest(_ doc: [String: Any]) -> NotificationRequest {
    let body = (doc["body_base64"] as? String).flatMap { Data(base64Encoded: $0) } ?? Data(((doc["body"] as? String) ?? "").utf8)
    return NotificationRequest(
        method: (doc["method"] as? String) ?? "POST",
        headers: ((doc["headers"] as? [[String]]) ?? []).map { Header(name: $0[0], value: $0[1]) }, body: body)
}

/// A vector's `{"status", "headers", "body" | "body_base64"}` as an HttpResponse.
func response(_ doc: [String: Any]) -> HttpResponse {
    var headers: [Header] = []
    if let object = doc["headers"] as? [String: String] {
        headers = object.sorted { $0.key < $1.key }.map { Header(name: $0.key, value: $0.value) }
    } else if let pairs = doc["headers"] as? [[String]] {
        headers = pairs.map { Header(name: $0[0], value: $0[1]) }
    }
    let body = (doc["body_base64"] as? String).flatMap { Data(base64Encoded: $0) }
        ?? Data(((doc["body"] as? String) ?? "").utf8)
    return HttpResponse(status: Int32((doc["status"] as? Int) ?? 0), headers: headers, body: body)
}

/// A vector's config document as JSON text: an object serialized, a string already JSON text.
func configText(_ config: Any) -> String {
    (config as? String) ?? jsonText(config)
}

func provider(_ id: ProviderId) -> String {
    switch id {
    case .wechatMiniCharge: return "wechat_mini_charge"
    case .fubei: return "fubei"
    case .wechatpayEduPapay: return "wechatpay_edu_papay"
    case .dingshangVending: return "dingshang_vending"
    case .wechatpayPayscoreOversea: return "wechatpay_payscore_oversea"
    }
}

let providers = ["wechat_mini_charge", "fubei", "wechatpay_edu_papay", "dingshang_vending", "wechatpay_payscore_oversea"]

/// The error a throwing call threw, as a PayqueryError (fails the test otherwise).
func payqueryError(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> PayqueryError? {
    do {
        try body()
        XCTFail("expected a PayqueryError", file: file, line: line)
    } catch let error as PayqueryError {
        return error
    } catch {
        XCTFail("expected a PayqueryError, got \(error)", file: file, line: line)
    }
    return nil
}

/// The same for an async call.
func payqueryError(file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void) async -> PayqueryError? {
    do {
        try await body()
        XCTFail("expected a PayqueryError", file: file, line: line)
    } catch let error as PayqueryError {
        return error
    } catch {
        XCTFail("expected a PayqueryError, got \(error)", file: file, line: line)
    }
    return nil
}

/// Sends a request as built (plus `extra` headers) and returns the answer: the tests' own
/// sender for the calls by hand, independent of the one-call query's driver.
func send(_ request: HttpRequest, extra: [String: String] = [:]) throws -> HttpResponse {
    var urlRequest = URLRequest(url: try XCTUnwrap(URL(string: request.url)), timeoutInterval: 10)
    urlRequest.httpMethod = request.method
    urlRequest.httpBody = request.body
    for header in request.headers { urlRequest.addValue(header.value, forHTTPHeaderField: header.name) }
    for (name, value) in extra { urlRequest.setValue(value, forHTTPHeaderField: name) }
    let done = DispatchSemaphore(value: 0)
    let box = Box<Result<HttpResponse, Error>>()
    URLSession.shared.dataTask(with: urlRequest) { data, response, error in
        if let http = response as? HTTPURLResponse {
            let headers = http.allHeaderFields.map { Header(name: "\($0.key)", value: "\($0.value)") }
            box.value = .success(HttpResponse(status: Int32(http.statusCode), headers: headers, body: data ?? Data()))
        } else {
            box.value = .failure(error ?? URLError(.badServerResponse))
        }
        done.signal()
    }.resume()
    done.wait()
    return try XCTUnwrap(box.value).get()
}

/// A value shared with a callback, under a lock.
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    var value: T? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}

/// A test class with a sandbox of its own, started before its first test and stopped after its
/// last (settling orders count per sandbox).
class SandboxTestCase: XCTestCase {
    nonisolated(unsafe) private static var sandboxes: [ObjectIdentifier: Sandbox] = [:]

    override class func setUp() {
        super.setUp()
        sandboxes[ObjectIdentifier(self)] = try! Sandbox()
    }

    override class func tearDown() {
        sandboxes.removeValue(forKey: ObjectIdentifier(self))?.stop()
        super.tearDown()
    }

    var sandbox: Sandbox { Self.sandboxes[ObjectIdentifier(Self.self)]! }
}

/// `payquery sandbox` on 127.0.0.1, with the configs it writes; stopped by `stop()`.
final class Sandbox: @unchecked Sendable {
    let configs: URL
    let baseURL: String
    private let process: Process

    init() throws {
        configs = FileManager.default.temporaryDirectory.appendingPathComponent("payquery-swift-\(UUID().uuidString)")
        process = Process()
        process.executableURL = URL(fileURLWithPath: payqueryBin)
        process.arguments = ["sandbox", "--port", "0", "--write-configs", configs.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = ""
        while !line.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = line.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else {
            process.terminate()
            throw URLError(.cannotConnectToHost, userInfo: [NSLocalizedDescriptionKey: "unexpected sandbox output: \(line)"])
        }
        baseURL = String(line[range])
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: configs)
    }

    func path(_ name: String) -> String { configs.appendingPathComponent(name).path }

    func read(_ name: String) throws -> [String: Any] { try object(configs.appendingPathComponent(name)) }

    func client(_ name: String) throws -> Client { try Client.fromConfigFile(path(name)) }

    /// A query document the sandbox wrote, for `client`'s provider.
    func query(_ client: Client, _ name: String) throws -> Query {
        try client.query(fromJson: jsonText(try read(name)))
    }

    /// One of `<provider>.faults.json`'s ready-made queries.
    func fault(_ client: Client, _ provider: String, _ fault: String) throws -> Query {
        try client.query(fromJson: jsonText(try XCTUnwrap(try read("\(provider).faults.json")[fault])))
    }

    /// Calls to both token endpoints since the sandbox started.
    func tokenRequests() throws -> Int { try stat("token_requests") }

    /// Calls to both platform-certificate endpoints since the sandbox started.
    func certificateRequests() throws -> Int { try stat("certificate_requests") }

    private func stat(_ name: String) throws -> Int {
        let answer = try send(HttpRequest(method: "GET", url: "\(baseURL)/__sandbox/stats", headers: [], body: nil))
        let stats = try XCTUnwrap(JSONSerialization.jsonObject(with: answer.body) as? [String: Any])
        return try XCTUnwrap(stats[name] as? Int)
    }

    /// `POST /__sandbox/rotate`: a new platform certificate listed, then answers signed with it.
    func rotate() throws {
        let answer = try send(HttpRequest(method: "POST", url: "\(baseURL)/__sandbox/rotate", headers: [], body: nil))
        XCTAssertTrue((200..<300).contains(answer.status), "rotate answered \(answer.status)")
    }
}

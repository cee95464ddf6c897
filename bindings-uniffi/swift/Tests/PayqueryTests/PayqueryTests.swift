import Foundation
import XCTest

@testable import Payquery

// The Kotlin suite's round trips, in Swift: every shared vector read in place, and real HTTP
// against `payquery sandbox`. Run from the repository with the CLI and the static library
// built (`cargo build -p payquery-cli && cargo build --release -p payquery-uniffi`), then
// `swift test` in bindings-uniffi/swift.

let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let vectors = root.appendingPathComponent("tests/vectors")

func json(_ url: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
}

func jsonText(_ value: Any) -> String {
    String(data: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), encoding: .utf8)!
}

func response(_ doc: [String: Any]) -> HttpResponse {
    var headers: [Header] = []
    if let object = doc["headers"] as? [String: String] {
        headers = object.map { Header(name: $0.key, value: $0.value) }
    } else if let pairs = doc["headers"] as? [[String]] {
        headers = pairs.map { Header(name: $0[0], value: $0[1]) }
    }
    return HttpResponse(
        status: Int32(doc["status"] as! Int), headers: headers,
        body: (doc["body"] as! String).data(using: .utf8)!)
}

final class VectorTests: XCTestCase {
    func testEveryBuildAndErrorVector() throws {
        let files = try FileManager.default.contentsOfDirectory(at: vectors, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
        var cases = 0
        for file in files {
            let doc = try json(file)
            let configs = doc["configs"] as! [String: Any]
            for case let vector as [String: Any] in doc["cases"] as! [Any] {
                let name = "\(file.lastPathComponent): \(vector["name"] as! String)"
                let config = jsonText(configs[vector["config"] as! String]!)
                cases += 1
                guard let build = vector["build"] as? [String: Any] else { continue }
                let expect = build["expect"] as! [String: Any]
                let query = build["query"] as! [String: Any]
                if query["token"] != nil { continue }
                do {
                    let client = try Client.fromJson(config, baseDirectory: vectors)
                    let request = try client.buildQuery(
                        query: try client.query(fromJson: jsonText(query)), timestamp: Int64(build["timestamp"] as! Int),
                        nonce: build["nonce"] as? String, random: Data(count: 32))
                    XCTAssertNil(expect["error"], name)
                    XCTAssertEqual(request.method, expect["method"] as? String, name)
                    XCTAssertEqual(request.url, expect["url"] as? String, name)
                    XCTAssertEqual(request.headers.map { [$0.name, $0.value] }, expect["headers"] as? [[String]], name)
                    XCTAssertEqual(request.body.map { String(data: $0, encoding: .utf8)! }, expect["body"] as? String, name)
                } catch let error as PayqueryError {
                    let want = expect["error"] as? [String: Any]
                    XCTAssertEqual(error.code, want?["code"] as? String, "\(name): \(error.reason)")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(cases, 200)
    }

    func testErrorCasesMatchTheCoreCodes() {
        XCTAssertEqual(errorCodes().count, 9)
        XCTAssertThrowsError(try Client.fromJson("{\"provider\":\"nope\"}")) { error in
            guard let error = error as? PayqueryError, case .InvalidConfig = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(error.code, "INVALID_CONFIG")
        }
    }

    func testRequestsAndTokensPrintRedacted() throws {
        let config = Config.dingshangVending(config: DingshangConfig(
            baseUrl: "https://v.example", appid: "ds1", appSecret: "SECRET-VALUE-1", signKey: "k"))
        // A config prints every member, its credentials (`Secret`) as [redacted].
        XCTAssertFalse("\(config)".contains("SECRET-VALUE-1"))
        XCTAssertFalse(String(reflecting: config).contains("SECRET-VALUE-1"))
        let client = try Client(config: config)
        let request = try client.buildQuery(.dingshangVending(query: DingshangQuery(orderId: "1", machineNo: "12345678")))
        XCTAssertFalse("\(request)".contains("SECRET-VALUE-1"))
        XCTAssertTrue("\(request)".contains("[redacted]"))
    }
}

final class SandboxTests: XCTestCase {
    var process: Process!
    var configs: URL!

    override func setUpWithError() throws {
        configs = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        process = Process()
        process.executableURL = root.appendingPathComponent("target/debug/payquery")
        process.arguments = ["sandbox", "--port", "0", "--write-configs", configs.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = String(data: output.fileHandleForReading.availableData, encoding: .utf8) ?? ""
        XCTAssertTrue(line.contains("listening on http://127.0.0.1:"), line)
    }

    override func tearDown() {
        process.terminate()
    }

    func send(_ request: HttpRequest) throws -> HttpResponse {
        var urlRequest = URLRequest(url: URL(string: request.url)!)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        for header in request.headers { urlRequest.addValue(header.value, forHTTPHeaderField: header.name) }
        let done = DispatchSemaphore(value: 0)
        var result: HttpResponse?
        URLSession.shared.dataTask(with: urlRequest) { data, response, _ in
            if let http = response as? HTTPURLResponse {
                let headers = http.allHeaderFields.map { Header(name: "\($0.key)", value: "\($0.value)") }
                result = HttpResponse(status: Int32(http.statusCode), headers: headers, body: data ?? Data())
            }
            done.signal()
        }.resume()
        done.wait()
        return try XCTUnwrap(result)
    }

    func testEveryProviderRoundTrips() throws {
        for provider in ["wechat_mini_charge", "fubei", "wechatpay_edu_papay", "dingshang_vending", "wechatpay_payscore_oversea"] {
            let client = try Client.fromConfigFile(configs.appendingPathComponent("\(provider).json").path)
            let query = try client.query(fromJson: jsonText(try json(configs.appendingPathComponent("\(provider).query.json"))))
            let result = try client.parseQuery(send(try client.buildQuery(query)), query: query)
            XCTAssertEqual(result.order.status, .paid, provider)
            XCTAssertNotNil(result.order.amount, provider)
        }
    }

    func testFaultsAreTypedErrors() throws {
        let client = try Client.fromConfigFile(configs.appendingPathComponent("wechatpay_edu_papay.json").path)
        let faults = try json(configs.appendingPathComponent("wechatpay_edu_papay.faults.json"))
        let query = try client.query(fromJson: jsonText(faults["bad_signature"]!))
        XCTAssertThrowsError(try client.parseQuery(send(try client.buildQuery(query)), query: query)) {
            XCTAssertEqual(($0 as? PayqueryError)?.code, "SIGNATURE_INVALID")
        }
    }

    /// The one-call query: a plain answer, a failover, a token fetch, a forged answer, a poll.
    func testTheOneCallQuery() async throws {
        func client(_ name: String) throws -> Client { try Client.fromConfigFile(configs.appendingPathComponent(name).path) }
        func query(_ client: Client, _ name: String) throws -> Query {
            try client.query(fromJson: jsonText(try json(configs.appendingPathComponent(name))))
        }
        let edu = try client("wechatpay_edu_papay.json")
        let paid = try query(edu, "wechatpay_edu_papay.query.json")
        var result = try await edu.query(paid)
        XCTAssertEqual(result.order.status, .paid)
        XCTAssertEqual(result.attempts.count, 1)
        result = try await client("wechatpay_edu_papay.failover.json").query(paid)
        XCTAssertEqual(result.attempts.map(\.host), [.main, .backup])
        let mini = try client("wechat_mini_charge.no_token.json")
        result = try await mini.query(try query(mini, "wechat_mini_charge.query.json"))
        XCTAssertEqual(result.attempts.map(\.purpose), [.token, .query])
        let faults = try json(configs.appendingPathComponent("wechatpay_edu_papay.faults.json"))
        do {
            _ = try await edu.query(try edu.query(fromJson: jsonText(faults["bad_signature"]!)))
            XCTFail("a forged answer was accepted")
        } catch let error as PayqueryError {
            XCTAssertEqual(error.code, "SIGNATURE_INVALID")
        }
        result = try await edu.query(try query(edu, "wechatpay_edu_papay.settling.query.json"), poll: true, pollIntervals: [0.1])
        XCTAssertEqual(result.order.status, .paid)
        XCTAssertEqual(result.attempts.count, 3)
    }

    func testTheReadmeExample() async throws {
        let output = try await readmeExample(configDir: configs.path)
        XCTAssertEqual(output, "paid 888 CNY 42000000000000000012 PUB_KEY_ID_0119000000012025010100000000000001")
    }
}

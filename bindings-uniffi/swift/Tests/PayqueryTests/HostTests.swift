import Foundation
#if canImport(GlibcMalloc)
import GlibcMalloc
#endif
import XCTest

@testable import Payquery

/// What the Swift layer adds to the core: secrets that never print, files read safely, and
/// memory that stays flat.
final class HostTests: XCTestCase {
    /// Every way Swift turns a value into text.
    private func renderings(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return ["\(value)", String(describing: value), String(reflecting: value), dumped]
    }

    private func assertHidden(_ value: Any, _ secrets: [String], file: StaticString = #filePath, line: UInt = #line) {
        for text in renderings(value) {
            for secret in secrets {
                XCTAssertFalse(text.contains(secret), "\(secret) shows in \(text)", file: file, line: line)
            }
        }
    }

    func testEveryTypeHoldingASecretPrintsItRedacted() throws {
        let secret: Secret = "SECRET-VALUE-1"
        XCTAssertEqual("\(secret)", "[redacted]")
        assertHidden(secret, ["SECRET-VALUE-1"])
        let vending = Config.dingshangVending(config: DingshangConfig(
            baseUrl: "https://vending.example", appid: "ds1", appSecret: "SECRET-VALUE-1", signKey: "SIGN-KEY-2"))
        assertHidden(vending, ["SECRET-VALUE-1", "SIGN-KEY-2"])
        let mini = Config.wechatMiniCharge(config: MiniChargeConfig(accessToken: "TOKEN-3", appid: "wx1", appSecret: "APP-SECRET-4"))
        assertHidden(mini, ["TOKEN-3", "APP-SECRET-4"])
        let client = try Client(config: vending)
        assertHidden(client, ["SECRET-VALUE-1", "SIGN-KEY-2"])
        let request = try client.buildQuery(.dingshangVending(query: DingshangQuery(orderId: "1", machineNo: "12345678")))
        assertHidden(request, ["SECRET-VALUE-1"])
        XCTAssertTrue("\(request)".contains("[redacted]"))
        for header in request.headers where header.name == "AppSecret" { assertHidden(header, ["SECRET-VALUE-1"]) }
        // A Mini Program request carries its token in the URL; its token request the app secret.
        let miniClient = try Client(config: mini)
        let order = try miniClient.buildQuery(.wechatMiniCharge(query: .order(orderId: "DD_PAID_001")))
        assertHidden(order, ["TOKEN-3"])
        let tokenRequest = try miniClient.buildTokenRequest(kind: .stable, forceRefresh: false)
        assertHidden(tokenRequest, ["APP-SECRET-4"])
        let token = try miniClient.parseTokenResponse(
            HttpResponse(status: 200, headers: [], body: Data(#"{"access_token":"FRESH-TOKEN-5","expires_in":7200}"#.utf8)))
        XCTAssertEqual(token.accessToken.text, "FRESH-TOKEN-5")
        assertHidden(token, ["FRESH-TOKEN-5"])
        // A WeChat Pay private key and a pending two-phase request.
        let pem = try String(contentsOf: vectors.appendingPathComponent("keys/merchant_private_key.pem"), encoding: .utf8)
        let wechat = try Client.fromJson(jsonText([
            "provider": "wechatpay_edu_papay", "mchid": "1900000001",
            "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "merchant_private_key_pem": pem,
            "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
            "wechatpay_public_key_path": "keys/wechatpay_public_key.pem",
        ]), baseDirectory: vectors)
        let keyLine = pem.split(separator: "\n")[1]
        assertHidden(wechat, [String(keyLine)])
        let signed = try wechat.buildQuery(.wechatpayEduPapay(query: EduPapayQuery(outTradeNo: "EDU_PAID_001")))
        let authorization = try XCTUnwrap(signed.headers.first { $0.name == "Authorization" }?.value)
        assertHidden(signed, [authorization])
        let typed = try configFromJson(jsonText(["provider": "wechatpay_edu_papay", "mchid": "1900000001",
            "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "merchant_private_key_pem": pem,
            "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
            "wechatpay_public_key_path": "keys/wechatpay_public_key.pem"]), baseDirectory: vectors)
        assertHidden(typed, [String(keyLine)])
        // Errors never quote a credential.
        let error = payqueryError {
            _ = try Client(config: .fubei(config: FubeiConfig(appId: "1", appSecret: "BAD\nSECRET-6")))
        }
        XCTAssertEqual(error?.code, "INVALID_CONFIG")
        assertHidden(try XCTUnwrap(error), ["SECRET-6"])
    }

    func testConfigFilesThatAreNotRegularFilesAreRefusedNotRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("payquery-swift-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("key.pem")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let config = jsonText([
            "provider": "wechatpay_edu_papay", "mchid": "1900000001", "merchant_serial_no": "AB",
            "merchant_private_key_path": "key.pem", "wechatpay_public_key_id": "PUB_KEY_ID_1",
            "wechatpay_public_key_pem": "x",
        ])
        // A FIFO would block the open forever: it is refused before it is opened.
        let error = payqueryError { _ = try Client.fromJson(config, baseDirectory: dir) }
        XCTAssertEqual(error?.code, "INVALID_CONFIG")
        XCTAssertEqual(error?.field, "merchant_private_key_path")
        XCTAssertTrue(error?.reason.contains("not a regular file") ?? false, error?.reason ?? "")
        XCTAssertEqual(payqueryError { _ = try Client.fromConfigFile(fifo.path) }?.field, "path")
        XCTAssertEqual(payqueryError { _ = try Client.fromConfigFile("/dev/zero") }?.code, "INVALID_CONFIG")
        XCTAssertEqual(payqueryError { _ = try Client.fromConfigFile(dir.path) }?.code, "INVALID_CONFIG")
        // A symbolic link to a key file (a Kubernetes secret mount) is that file.
        let key = dir.appendingPathComponent("real.json")
        try Data(#"{"provider":"fubei","app_id":"1","app_secret":"s"}"#.utf8).write(to: key)
        let link = dir.appendingPathComponent("link.json")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: key)
        XCTAssertEqual(try Client.fromConfigFile(link.path).provider(), .fubei)
        // A file over the cap is refused without being read whole.
        let big = dir.appendingPathComponent("big.json")
        try Data(count: Int(maxDocumentBytes()) + 10).write(to: big)
        let tooBig = payqueryError { _ = try Client.fromConfigFile(big.path) }
        XCTAssertTrue(tooBig?.reason.contains("larger than") ?? false, tooBig?.reason ?? "")
    }

    func testBadInputIsATypedErrorNamingTheField() throws {
        let client = try Client(config: .fubei(config: FubeiConfig(appId: "20160922135339595387", appSecret: "s")))
        let cases: [(Query, String)] = [
            (.fubei(query: FubeiQuery(merchantOrderSn: "A\r\nX-Injected: 1")), "merchant_order_sn"),
            (.fubei(query: FubeiQuery()), "merchant_order_sn"),
            (.fubei(query: FubeiQuery(merchantOrderSn: "A", orderSn: "B")), "merchant_order_sn"),
            (.wechatpayEduPapay(query: EduPapayQuery(outTradeNo: "A1")), "query"),
        ]
        for (query, field) in cases {
            let error = payqueryError { _ = try client.buildQuery(query) }
            XCTAssertEqual(error?.code, "INVALID_INPUT", "\(query)")
            XCTAssertNotNil(error?.field, "\(query): \(field)")
        }
        // Malformed JSON, wrong types, a number where an id goes: typed errors, never a crash.
        for text in ["", "{", "[]", "null", #"{"merchant_order_sn": 5}"#, #"{"merchant_order_sn": "A", "x": 1}"#, "\u{0}"] {
            XCTAssertEqual(payqueryError { _ = try client.query(fromJson: text) }?.code, "INVALID_INPUT", text)
        }
        let garbage = HttpResponse(status: 200, headers: [], body: Data([0xff, 0xfe, 0x00, 0x7b]))
        let query = Query.fubei(query: FubeiQuery(merchantOrderSn: "A1"))
        XCTAssertEqual(payqueryError { _ = try client.parseQuery(garbage, query: query) }?.code, "DECODE_ERROR")
        let huge = HttpResponse(status: 200, headers: [], body: Data(count: 2 << 20))
        XCTAssertEqual(payqueryError { _ = try client.parseQuery(huge, query: query) }?.code, "DECODE_ERROR")
    }

    /// Bytes the C heap holds right now (glibc's count, exact: Rust's and Swift's allocations both
    /// go through it). Exact where resident memory is noisy, so a short run catches a leak of even
    /// a few bytes per call.
    private func heapInUse() -> Int {
        let info = mallinfo2()
        return Int(info.uordblks) + Int(info.hblkhd)
    }

    func testNoHeapGrowthOver20kBuildAndParseCalls() throws {
        let client = try Client(config: .fubei(config: FubeiConfig(appId: "20160922135339595387", appSecret: "fubei-test-secret-not-real")))
        let doc = try object(vectors.appendingPathComponent("fubei.json"))
        let vector = try XCTUnwrap((doc["cases"] as? [[String: Any]])?.first { ($0["name"] as? String)?.hasPrefix("parse: seed") ?? false })
        let parse = try XCTUnwrap(vector["parse"] as? [String: Any])
        let answer = response(try XCTUnwrap(parse["response"] as? [String: Any]))
        let query = Query.fubei(query: FubeiQuery(merchantOrderSn: "20160120105532871512"))
        let now = Int64((parse["now"] as? NSNumber)?.int64Value ?? 0)
        func round(_ n: Int) throws {
            for _ in 0..<n {
                _ = try client.buildQuery(query: query, timestamp: 1_700_000_000, nonce: "87sdf9806sdf73jkds", random: Data(count: 32))
                _ = try? client.parseQuery(response: answer, query: query, now: now)
            }
        }
        try round(2_000) // warm up: allocator pools, lazy statics
        let before = heapInUse()
        try round(20_000)
        let grown = heapInUse() - before
        // 16 bytes leaked per call would be 320 KiB.
        XCTAssertLessThan(grown, 64 * 1024, "the heap grew \(grown) bytes over 20k build+parse calls")
    }
}

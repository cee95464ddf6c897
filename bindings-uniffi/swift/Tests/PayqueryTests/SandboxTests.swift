import Foundation
import XCTest

@testable import Payquery

/// Calls by hand (build, send with the test's own URLSession, parse) against `payquery
/// sandbox`, for all five providers: paid orders, faults, exact money, tokens, failover.
final class SandboxTests: SandboxTestCase {

    private func roundTrip(_ client: Client, _ query: Query, extra: [String: String] = [:]) throws -> QueryResult {
        let request = try client.buildQuery(query)
        return try client.parseQuery(send(request, extra: extra), query: query)
    }

    func testAPaidOrderRoundTripsForEveryProvider() throws {
        for name in providers {
            let client = try sandbox.client("\(name).json")
            XCTAssertEqual(provider(client.provider()), name)
            let result = try roundTrip(client, try sandbox.query(client, "\(name).query.json"))
            XCTAssertEqual(result.order.status, .paid, name)
            XCTAssertNotNil(result.order.amount, name)
            XCTAssertEqual(
                result.signatureSerial,
                name.hasPrefix("wechatpay_") ? "PUB_KEY_ID_0119000000012025010100000000000001" : nil, name)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(queryResultJson(result: result).utf8)) as? [String: Any])
            XCTAssertNotNil(json["detail"] as? [String: Any], name)
        }
    }

    func testFaultsByHeaderAndByOrderIdBecomeTheMatchingError() throws {
        let expected = [
            "rate_limit": "RATE_LIMITED", "system_error": "PROVIDER_ERROR", "truncated": "DECODE_ERROR",
            "bad_signature": "SIGNATURE_INVALID", "stale_timestamp": "TIMESTAMP_SKEW",
        ]
        for name in providers {
            let client = try sandbox.client("\(name).json")
            let paid = try sandbox.query(client, "\(name).query.json")
            let faults = try sandbox.read("\(name).faults.json")
            var checked = 0
            for (fault, code) in expected.sorted(by: { $0.key < $1.key }) where faults[fault] != nil {
                let byHeader = payqueryError { _ = try self.roundTrip(client, paid, extra: ["X-Payquery-Sandbox-Fault": fault]) }
                XCTAssertEqual(byHeader?.code, code, "\(name) \(fault)")
                let byId = payqueryError { _ = try self.roundTrip(client, try self.sandbox.fault(client, name, fault)) }
                XCTAssertEqual(byId?.code, code, "\(name) \(fault) by id")
                if fault == "rate_limit" || fault == "system_error" { XCTAssertEqual(byHeader?.retryable, true) }
                checked += 1
            }
            XCTAssertEqual(checked, name.hasPrefix("wechatpay_") ? 5 : 3, name)
        }
    }

    func testBigAmountsAndYuanStayExact() throws {
        let edu = try sandbox.client("wechatpay_edu_papay.json")
        let big = try roundTrip(edu, .wechatpayEduPapay(query: EduPapayQuery(outTradeNo: "EDU_BIG_AMOUNT_001")))
        XCTAssertEqual(big.order.amount, Money(minor: 9_007_199_254_740_993, currency: "CNY"))
        guard case let .wechatpayEduPapay(transaction) = big.detail else { return XCTFail("\(big.detail)") }
        XCTAssertEqual(transaction.amount.total, 9_007_199_254_740_993)
        let fubei = try sandbox.client("fubei.json")
        let paid = try roundTrip(fubei, .fubei(query: FubeiQuery(merchantOrderSn: "FB_PAID_001")))
        XCTAssertEqual(paid.order.amount, Money(minor: 29, currency: "CNY"))
        guard case let .fubei(order) = paid.detail else { return XCTFail("\(paid.detail)") }
        XCTAssertEqual(order.tradeState, .success)
    }

    func testAccessTokensAreIssuedAndUsed() throws {
        var config = try sandbox.read("wechat_mini_charge.json")
        let client = try Client.fromJson(jsonText(config))
        for kind in [TokenKind.stable, .classic] {
            let token = try client.parseTokenResponse(send(client.buildTokenRequest(kind: kind, forceRefresh: false)))
            // A stable token comes back until it expires: its lifetime is what is left of 7200 s.
            XCTAssertTrue((1...7200).contains(token.expiresIn), "\(token.expiresIn)")
            XCTAssertEqual(token.refreshAt, token.expiresAt.addingTimeInterval(-300))
            XCTAssertFalse("\(token)".contains(token.accessToken.text))
            config["access_token"] = token.accessToken.text
            let withToken = try Client.fromJson(jsonText(config))
            XCTAssertEqual(try roundTrip(withToken, .wechatMiniCharge(query: .order(orderId: "DD_PAID_001"))).order.status, .paid)
        }
        config["access_token"] = "SANDBOX_EXPIRED_TOKEN_0001"
        let expired = try Client.fromJson(jsonText(config))
        let error = payqueryError { _ = try self.roundTrip(expired, .wechatMiniCharge(query: .order(orderId: "DD_PAID_001"))) }
        guard case .TokenExpired = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(error?.providerCode, "42001")
    }

    func testFailoverRequestsGoToTheBackupHostUnchanged() throws {
        var config = try sandbox.read("wechatpay_edu_papay.json")
        config.removeValue(forKey: "base_url")
        config.removeValue(forKey: "backup_base_url")
        let client = try Client.fromJson(jsonText(config), baseDirectory: sandbox.configs)
        let query = Query.wechatpayEduPapay(query: EduPapayQuery(outTradeNo: "EDU_PAID_001"))
        let request = try client.buildQuery(query)
        let backup = try XCTUnwrap(try client.failoverRequest(request: request))
        XCTAssertTrue(backup.url.hasPrefix("https://api2.mch.weixin.qq.com/"), backup.url)
        XCTAssertEqual(backup.headers, request.headers, "the host is not signed: the same request")
        XCTAssertNil(try client.failoverRequest(request: backup))
        // The sandbox verifies the failover request's signature unchanged.
        var routed = backup
        routed = HttpRequest(
            method: backup.method, url: backup.url.replacingOccurrences(of: "https://api2.mch.weixin.qq.com", with: sandbox.baseURL),
            headers: backup.headers, body: backup.body)
        XCTAssertEqual(try client.parseQuery(send(routed), query: query).order.status, .paid)
        // A custom base_url has no backup unless the config names one (the sandbox's do).
        let named = try sandbox.client("wechatpay_edu_papay.json")
        let namedBackup = try XCTUnwrap(try named.failoverRequest(request: named.buildQuery(query)))
        XCTAssertTrue(namedBackup.url.hasPrefix(try XCTUnwrap(try sandbox.read("wechatpay_edu_papay.json")["backup_base_url"] as? String)))
    }

    func testTheReadmeExampleRunsAndIsTheREADMEsVerbatim() async throws {
        let example = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("ReadmeExample.swift"), encoding: .utf8)
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertTrue(readme.contains("```swift\n\(example)```"), "README.md lacks ReadmeExample.swift verbatim")
        let output = try await readmeExample(configDir: sandbox.configs.path)
        XCTAssertEqual(output, "paid 888 CNY 42000000000000000012 PUB_KEY_ID_0119000000012025010100000000000001")
    }
}

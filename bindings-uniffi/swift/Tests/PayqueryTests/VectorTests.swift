import Foundation
import XCTest

@testable import Payquery

/// Every shared vector (the JSON files in tests/vectors, read in place) through the Swift
/// bindings, as the Kotlin, Node and Python suites run them: requests byte for byte, parsed
/// orders member for member (through `queryResultJson`, so every Int64, Date and detail member
/// survives the typed records), and every error's code, field and flags.
final class VectorTests: XCTestCase {
    /// The order each provider's vectors answer for when a vector names no query.
    private let seedIds = [
        "wechatpay_edu_papay": "201407033233368018", "wechatpay_payscore_oversea": "1234323JKHDFE1243252",
        "wechat_mini_charge": "DD2981741311549200000", "fubei": "201706011496325244549", "dingshang_vending": "54",
    ]

    /// The bindings always check that an answer is for the queried order: vectors without a
    /// query are answered for the order their expectation names, or for the seed order.
    private func queryFor(_ expect: [String: Any], _ provider: String) -> String {
        let order = expect["order"] as? [String: Any]
        let merchant = (order?["merchant_order_no"] as? String) ?? seedIds[provider]!
        let providerId = (order?["provider_order_id"] as? String) ?? seedIds[provider]!
        switch provider {
        case "wechatpay_edu_papay": return jsonText(["out_trade_no": merchant])
        case "wechatpay_payscore_oversea":
            return jsonText(["service_id": "2002000000000558128851361561536", "sub_mchid": "1900000109", "out_order_no": merchant])
        case "wechat_mini_charge": return jsonText(["order_id": providerId])
        case "fubei": return jsonText(["merchant_order_sn": merchant])
        default: return jsonText(["order_id": providerId, "machine_no": "16327129"])
        }
    }

    private func check(_ name: String, _ error: PayqueryError, _ expected: [String: Any]) {
        let actual: [String: String?] = [
            "code": error.code, "field": error.field, "provider_code": error.providerCode,
            "provider_message": error.providerMessage, "http_status": error.httpStatus.map { String($0) },
            "retryable": String(error.retryable), "backup_host_applies": String(error.backupHostApplies),
        ]
        for (key, want) in expected {
            if key == "message_contains" {
                XCTAssertTrue(error.reason.contains(want as! String), "\(name): the message lacks \(want): \(error.reason)")
                continue
            }
            let wanted: String?
            switch key {
            case _ where want is NSNull: wanted = nil
            case "retryable", "backup_host_applies": wanted = (want as? Bool).map { String($0) }
            default: wanted = (want as? String) ?? "\(want)"
            }
            XCTAssertEqual(actual[key] ?? nil, wanted, "\(name): error.\(key) (\(error.reason))")
        }
    }

    private func detailProvider(_ detail: ProviderDetail) -> String {
        switch detail {
        case let .wechatpayEduPapay(transaction):
            XCTAssertFalse(transaction.outTradeNo.isEmpty)
            return "wechatpay_edu_papay"
        case let .wechatpayPayscoreOversea(serviceOrder):
            XCTAssertFalse(serviceOrder.orderId.isEmpty)
            return "wechatpay_payscore_oversea"
        case let .wechatMiniCharge(order):
            XCTAssertFalse(order.orderId.isEmpty)
            return "wechat_mini_charge"
        case .fubei:
            return "fubei"
        case let .dingshangVending(order):
            XCTAssertFalse(order.orderId.isEmpty)
            return "dingshang_vending"
        }
    }

    /// A provider's callback through `checkNotification` (sans-IO) at the vector's `now`: the
    /// reply exactly, and the notification as the CLI's JSON (`notificationJson`) or the
    /// error's code and field.
    private func runNotification(_ name: String, _ configs: [String: Any], _ vector: [String: Any]) throws {
        let step = try XCTUnwrap(vector["notification"] as? [String: Any], name)
        let expect = try XCTUnwrap(step["expect"] as? [String: Any], name)
        let client = try Client.fromJson(configText(try XCTUnwrap(configs[vector["config"] as! String], name)), baseDirectory: vectors)
        let outcome = client.checkNotification(request: notificationRequest(try XCTUnwrap(step["request"] as? [String: Any], name)),
                                               now: Int64((step["now"] as? NSNumber)?.int64Value ?? 0))
        let reply = try XCTUnwrap(expect["reply"] as? [String: Any], name)
        XCTAssertEqual(outcome.reply, NotificationReply(
            status: Int32((reply["status"] as? Int) ?? 0),
            headers: ((reply["headers"] as? [[String]]) ?? []).map { Header(name: $0[0], value: $0[1]) },
            body: (reply["body"] as? String) ?? ""), name)
        if let expected = expect["error"] as? [String: Any] {
            XCTAssertNil(outcome.notification, name)
            return check(name, try XCTUnwrap(outcome.error, "\(name): expected an error"), expected)
        }
        XCTAssertNil(outcome.error, "\(name): \(String(describing: outcome.error))")
        let notification = try XCTUnwrap(outcome.notification, name)
        // The typed notification, turned back into the CLI's JSON, holds exactly what the core
        // found: every member survives the typed records.
        let json = try JSONSerialization.jsonObject(with: Data(try notificationJson(notification: notification).utf8))
        XCTAssertTrue(sameJSON(json, expect["notification"]), "\(name): \(jsonText(json))")
        let want = try XCTUnwrap(expect["notification"] as? [String: Any], name)
        XCTAssertEqual(notification.id, want["id"] as? String, name)
        XCTAssertEqual(notification.eventType, want["event_type"] as? String, name)
        XCTAssertEqual(notification.verified, want["verified"] as? Bool, name)
    }

    /// One vector; returns 1 when it ran to its expectation.
    private func run(_ file: String, _ configs: [String: Any], _ vector: [String: Any]) throws {
        let name = "\(file): \(vector["name"] as! String)"
        if vector["notification"] != nil { return try runNotification(name, configs, vector) }
        let step = try XCTUnwrap(
            (vector["build"] ?? vector["parse"] ?? vector["finish"] ?? vector["certificates"]) as? [String: Any], name)
        let expect = try XCTUnwrap(step["expect"] as? [String: Any], name)
        let config = configText(try XCTUnwrap(configs[vector["config"] as! String], name))
        let client: Client
        do {
            client = try Client.fromJson(config, baseDirectory: vectors)
        } catch let error as PayqueryError {
            return check(name, error, try XCTUnwrap(expect["error"] as? [String: Any], "\(name): \(error)"))
        }
        if vector["finish"] != nil {
            let error = payqueryError {
                _ = try PendingRequest.fromJson(json: step["pending"] as! String).finish(signatureBase64: step["signature"] as! String)
            }
            if let error { check(name, error, try XCTUnwrap(expect["error"] as? [String: Any])) }
            return
        }
        if vector["certificates"] != nil {
            return try runCertificates(name, client, step, expect)
        }
        if vector["build"] != nil {
            // A query is a JSON object, or JSON text of something else the core must refuse.
            let queryValue = step["query"]!
            let queryObject = queryValue as? [String: Any] ?? [:]
            let queryJson = (queryValue is [String: Any]) ? jsonText(queryValue) : (queryValue as? String ?? jsonText(queryValue))
            let isToken = queryObject["token"] != nil && queryObject["order_id"] == nil
            let timestamp = Int64((step["timestamp"] as? NSNumber)?.int64Value ?? 0)
            let random = Data((0..<32).map { UInt8($0) })
            let outcome = Result<HttpRequest, Error> {
                if isToken {
                    let kind: TokenKind = (queryObject["token"] as? String) == "stable" ? .stable : .classic
                    return try client.buildTokenRequest(kind: kind, forceRefresh: (queryObject["force_refresh"] as? Bool) ?? false)
                }
                return try client.buildQuery(
                    query: client.query(fromJson: queryJson), timestamp: timestamp, nonce: step["nonce"] as? String, random: random)
            }
            if let expected = expect["error"] as? [String: Any] {
                guard case let .failure(error as PayqueryError) = outcome else {
                    return XCTFail("\(name): expected an error, got \(outcome)")
                }
                return check(name, error, expected)
            }
            let request = try outcome.get()
            XCTAssertEqual(request.method, expect["method"] as? String, name)
            XCTAssertEqual(request.url, expect["url"] as? String, name)
            XCTAssertEqual(request.headers.map { [$0.name, $0.value] }, expect["headers"] as? [[String]], name)
            XCTAssertEqual(request.body.map { String(decoding: $0, as: UTF8.self) }, expect["body"] as? String, name)
            if let stringToSign = expect["string_to_sign"] as? String {
                let pending = try client.prepareQuery(
                    query: client.query(fromJson: queryJson), timestamp: timestamp, nonce: step["nonce"] as? String, random: random)
                XCTAssertEqual(pending.stringToSign(), stringToSign, name)
            }
            return
        }
        let answer = response(try XCTUnwrap(step["response"] as? [String: Any], name))
        let now = Int64((step["now"] as? NSNumber)?.int64Value ?? 0)
        let query = step["query"] as? [String: Any]
        if let query, query["token"] != nil {
            let outcome = Result { try client.parseTokenResponse(response: answer, now: now) }
            if let expected = expect["error"] as? [String: Any] {
                guard case let .failure(error as PayqueryError) = outcome else { return XCTFail("\(name): expected an error") }
                return check(name, error, expected)
            }
            let token = try outcome.get()
            let want = try XCTUnwrap(expect["access_token"] as? [String: Any])
            XCTAssertEqual(token.accessToken.text, want["access_token"] as? String, name)
            XCTAssertEqual(token.expiresIn, (want["expires_in"] as? NSNumber)?.int64Value, name)
            XCTAssertEqual(Int64(token.expiresAt.timeIntervalSince1970), (want["expires_at"] as? NSNumber)?.int64Value, name)
            XCTAssertEqual(Int64(token.refreshAt.timeIntervalSince1970), (want["refresh_at"] as? NSNumber)?.int64Value, name)
            return
        }
        let providerName = provider(client.provider())
        let outcome = Result {
            try client.parseQuery(
                response: answer, query: client.query(fromJson: query.map { jsonText($0) } ?? queryFor(expect, providerName)), now: now)
        }
        if let expected = expect["error"] as? [String: Any] {
            guard case let .failure(error as PayqueryError) = outcome else { return XCTFail("\(name): expected an error, got \(outcome)") }
            return check(name, error, expected)
        }
        let parsed = try outcome.get()
        let want = try XCTUnwrap(expect["order"] as? [String: Any], name)
        XCTAssertEqual(provider(parsed.order.provider), want["provider"] as? String, name)
        XCTAssertEqual(parsed.order.providerOrderId, want["provider_order_id"] as? String, name)
        XCTAssertEqual(parsed.order.merchantOrderNo, want["merchant_order_no"] as? String, name)
        XCTAssertEqual("\(parsed.order.status)".uppercased(), want["status"] as? String, name)
        XCTAssertEqual(parsed.order.rawStatus, want["raw_status"] as? String, name)
        // The typed result, as the CLI's JSON, holds exactly the values the core found.
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(queryResultJson(result: parsed).utf8)) as? [String: Any])
        // Times compare to the millisecond: a Swift Date is a Double, which keeps a provider's
        // "…21.964Z" as 21.963999986 s (README: Swift times are Dates).
        XCTAssertTrue(
            sameJSON(msTimes(json["order"]), msTimes(want)),
            "\(name): \(jsonText(json["order"] ?? NSNull())) != \(jsonText(want))")
        if let detail = expect["detail"] {
            XCTAssertTrue(sameJSON(json["detail"], detail), "\(name): detail")
        }
        if let amount = want["amount"] as? [String: Any] {
            XCTAssertEqual(parsed.order.amount?.minor, (amount["minor"] as? NSNumber)?.int64Value, name)
            XCTAssertEqual(parsed.order.amount?.currency, amount["currency"] as? String, name)
        } else {
            XCTAssertNil(parsed.order.amount, name)
        }
        XCTAssertEqual(detailProvider(parsed.detail), provider(parsed.order.provider), name)
        if expect.keys.contains("signature_serial") {
            XCTAssertEqual(parsed.signatureSerial, expect["signature_serial"] as? String, name)
        }
    }

    /// A platform-certificate download answer through `parseCertificates` on a fresh client:
    /// the held list exactly (same order, newest first), or the error's subset.
    private func runCertificates(_ name: String, _ client: Client, _ step: [String: Any], _ expect: [String: Any]) throws {
        let answer = response(try XCTUnwrap(step["response"] as? [String: Any], name))
        let now = Int64((step["now"] as? NSNumber)?.int64Value ?? 0)
        let outcome = Result { try client.parseCertificates(response: answer, now: now) }
        if let expected = expect["error"] as? [String: Any] {
            guard case let .failure(error as PayqueryError) = outcome else { return XCTFail("\(name): expected an error, got \(outcome)") }
            return check(name, error, expected)
        }
        let download = try outcome.get()
        let want = try XCTUnwrap(expect["certificates"] as? [[String: Any]], name).map {
            PlatformCertificate(
                serialNo: $0["serial_no"] as? String ?? "", notBefore: ($0["not_before"] as? NSNumber)?.int64Value ?? 0,
                notAfter: ($0["not_after"] as? NSNumber)?.int64Value ?? 0, certificatePem: $0["certificate_pem"] as? String ?? "")
        }
        XCTAssertEqual(download.certificates, want, name)
        XCTAssertEqual(download.attempts, [], name)
    }

    /// `order` with its RFC 3339 times rounded to the millisecond.
    private func msTimes(_ order: Any?) -> Any? {
        guard var order = order as? [String: Any] else { return order }
        for key in ["paid_at", "created_at"] {
            guard let time = order[key] as? String, time.hasSuffix("Z"), let dot = time.firstIndex(of: ".") else { continue }
            let fraction = (Double("0" + time[dot..<time.index(before: time.endIndex)]) ?? 0) * 1000
            let ms = Int(fraction.rounded())
            order[key] = String(time[..<dot]) + (ms == 0 ? "" : String(format: ".%03d", ms)) + "Z"
        }
        return order
    }

    private func runFile(_ name: String) throws -> Int {
        let doc = try object(vectors.appendingPathComponent(name))
        let configs = doc["configs"] as? [String: Any] ?? [:]
        var count = 0
        for case let vector as [String: Any] in try XCTUnwrap(doc["cases"] as? [Any]) {
            try run(name, configs, vector)
            count += 1
        }
        return count
    }

    func testWechatpayEduPapayVectors() throws { XCTAssertGreaterThan(try runFile("wechatpay_edu_papay.json"), 20) }
    func testWechatpayPayscoreOverseaVectors() throws { XCTAssertGreaterThan(try runFile("wechatpay_payscore_oversea.json"), 20) }
    func testWechatMiniChargeVectors() throws { XCTAssertGreaterThan(try runFile("wechat_mini_charge.json"), 20) }
    func testFubeiVectors() throws { XCTAssertGreaterThan(try runFile("fubei.json"), 20) }
    func testDingshangVendingVectors() throws { XCTAssertGreaterThan(try runFile("dingshang_vending.json"), 20) }
    func testBadInputVectors() throws { XCTAssertGreaterThan(try runFile("bad_inputs.json"), 400) }

    func testEveryVectorFileIsRun() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: vectors.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(files, [
            "bad_inputs.json", "dingshang_vending.json", "fubei.json", "host_types.json", "wechat_mini_charge.json",
            "wechatpay_edu_papay.json", "wechatpay_payscore_oversea.json",
        ], "a new vector file needs its test here (host_types.json: HostTypeTests)")
    }

    func testOneErrorCasePerCoreCode() {
        // The Swift enum's cases, one per code the core has (the `facts` switch is exhaustive).
        XCTAssertEqual(errorCodes().sorted(), [
            "DECODE_ERROR", "DECRYPT_ERROR", "INVALID_CONFIG", "INVALID_INPUT", "NETWORK_ERROR", "ORDER_NOT_FOUND",
            "PROVIDER_ERROR", "RATE_LIMITED", "SIGNATURE_INVALID", "TIMESTAMP_SKEW", "TOKEN_EXPIRED",
        ])
        guard let error = payqueryError({ _ = try Client.fromJson(#"{"provider":"nope"}"#) }) else { return }
        guard case .InvalidConfig = error else { return XCTFail("\(error)") }
        XCTAssertEqual(error.code, "INVALID_CONFIG")
        XCTAssertEqual(error.field, "provider")
        XCTAssertEqual("\(error)", "INVALID_CONFIG: \(error.reason)")
    }
}

import Foundation
import XCTest

@testable import Payquery

/// Notifications at the core level (Swift has no RSA signer on Linux to build WeChat Pay
/// callbacks of its own): the shared vectors' signed requests, changed the ways a server can
/// hand them over, through `checkNotification` and `handleNotification`; the vending callback
/// confirmed against `payquery sandbox`. The vectors themselves run in VectorTests.
final class NotificationTests: SandboxTestCase {
    private struct Case {
        let client: Client
        let request: NotificationRequest
        let now: Int64
    }

    /// A notification vector's client and request, by its name.
    private func vector(_ file: String, _ name: String) throws -> Case {
        let doc = try object(vectors.appendingPathComponent(file))
        let cases = try XCTUnwrap(doc["cases"] as? [[String: Any]])
        let found = try XCTUnwrap(cases.first { $0["name"] as? String == "notification: \(name)" }, name)
        let step = try XCTUnwrap(found["notification"] as? [String: Any])
        let config = configText(try XCTUnwrap((doc["configs"] as? [String: Any])?[found["config"] as! String]))
        return Case(
            client: try Client.fromJson(config, baseDirectory: vectors),
            request: notificationRequest(try XCTUnwrap(step["request"] as? [String: Any])),
            now: Int64((step["now"] as? NSNumber)?.int64Value ?? 0))
    }

    private func paid() throws -> Case {
        try vector("wechatpay_edu_papay.json", "TRANSACTION.SUCCESS signed with the PUB_KEY_ID key: PAID")
    }

    func testAPaidTransactionAt204() throws {
        let paid = try paid()
        let handled = try paid.client.checkNotification(request: paid.request, now: paid.now).get()
        XCTAssertEqual(handled.reply, NotificationReply(status: 204, headers: [], body: ""))
        XCTAssertEqual(handled.notification.order?.status, .paid)
        XCTAssertTrue(handled.notification.verified)
        guard case let .wechatpayEduPapay(notice) = handled.notification.detail, case .transaction = notice else {
            return XCTFail("\(handled.notification.detail)")
        }
        // The request's description shows the body's length only.
        XCTAssertTrue("\(paid.request)".hasSuffix("body=<\(paid.request.body.count) bytes>)"), "\(paid.request)")
    }

    /// Each change a server can make to the request: a typed error with its exact reply.
    func testBadInputsAreTypedWithTheirReply() async throws {
        let paid = try paid()
        let body = paid.request.body
        var tampered = body
        tampered[tampered.count / 2] ^= 0x01
        let headers = paid.request.headers
        let cases: [(String, NotificationRequest, String, String, Int32)] = [
            ("tampered body", NotificationRequest(method: "POST", headers: headers, body: tampered), "SIGNATURE_INVALID", "Wechatpay-Signature", 401),
            ("Wechatpay-Nonce missing", NotificationRequest(method: "POST", headers: headers.filter { $0.name != "Wechatpay-Nonce" }, body: body),
             "SIGNATURE_INVALID", "Wechatpay-Nonce", 401),
            ("Wechatpay-Timestamp sent twice",
             NotificationRequest(method: "POST", headers: headers + headers.filter { $0.name == "Wechatpay-Timestamp" }, body: body),
             "SIGNATURE_INVALID", "Wechatpay-Timestamp", 401),
            ("a 10 MB body", NotificationRequest(method: "POST", headers: headers, body: Data(repeating: 0x7b, count: 10 << 20)),
             "INVALID_INPUT", "body", 400),
            ("a body that is not UTF-8", NotificationRequest(method: "POST", headers: headers, body: Data([0x7b, 0xff, 0xfe, 0x7d])),
             "SIGNATURE_INVALID", "Wechatpay-Signature", 401),
        ]
        for (name, request, code, field, status) in cases {
            let outcome = paid.client.checkNotification(request: request, now: paid.now)
            XCTAssertNil(outcome.notification, name)
            XCTAssertEqual(outcome.error?.code, code, "\(name): \(String(describing: outcome.error))")
            XCTAssertEqual(outcome.error?.field, field, name)
            XCTAssertEqual(outcome.reply.status, status, name)
            XCTAssertTrue(outcome.reply.body.hasPrefix(#"{"code":"FAIL","message":"\#(code)"#), outcome.reply.body)
            do {
                _ = try outcome.get()
                XCTFail("\(name): accepted")
            } catch let rejected as NotificationRejected {
                XCTAssertEqual(rejected.reply, outcome.reply, name)
                XCTAssertEqual("\(rejected)", "\(code): \(rejected.error.reason)")
                XCTAssertFalse("\(rejected) \(rejected.reply) \(rejected.error)".contains("PayqueryVectorApiV3Key"), name)
            }
        }
        // Stale by the real clock: handleNotification reads it, and refuses the vector's old time.
        do {
            _ = try await paid.client.handleNotification(paid.request)
            XCTFail("a 2023 notification accepted now")
        } catch let rejected as NotificationRejected {
            guard case .TimestampSkew = rejected.error else { return XCTFail("\(rejected.error)") }
            XCTAssertEqual(rejected.reply.status, 401)
        }
    }

    func testFubeiHandledAndADoubledFieldRefused() async throws {
        let pay = try vector("fubei.json", "pay result: yuan to exact fen (20.10, \"20.10\", 0.01)")
        let handled = try await pay.client.handleNotification(pay.request)
        XCTAssertEqual(handled.reply.body, "SUCCESS")
        XCTAssertEqual(handled.notification.order?.amount, Money(minor: 2010, currency: "CNY"))
        XCTAssertEqual(handled.attempts, [])
        let doubled = try vector("fubei.json", "a field sent twice")
        do {
            _ = try await doubled.client.handleNotification(doubled.request)
            XCTFail("a doubled field accepted")
        } catch let rejected as NotificationRejected {
            XCTAssertEqual(rejected.error.field, "result_code")
            XCTAssertEqual(rejected.reply, NotificationReply(status: 400, headers: [Header(name: "Content-Type", value: "text/plain; charset=utf-8")], body: "FAIL"))
        }
    }

    func testABadOptionCarriesTheRetryReply() async throws {
        let pay = try vector("fubei.json", "pay result: yuan to exact fen (20.10, \"20.10\", 0.01)")
        do {
            _ = try await pay.client.handleNotification(pay.request, timeout: -1)
            XCTFail("a negative timeout accepted")
        } catch let rejected as NotificationRejected {
            XCTAssertEqual(rejected.error.field, "timeout")
            XCTAssertEqual(rejected.reply, pay.client.notificationRetryReply())
            XCTAssertEqual(rejected.reply.status, 500)
        }
    }

    func testTheVendingCallbackIsConfirmedWithTheSignedQuery() async throws {
        let vending = try sandbox.client("dingshang_vending.json")
        let body = #"{"method":"device.delivery.response","order_id":1001,"record_id":70,"deliver_status":"1","floor_status":"0"}"#
        let request = NotificationRequest(method: "POST", headers: [Header(name: "Content-Type", value: "application/json")], body: Data(body.utf8))
        let handled = try await vending.handleNotification(request)
        XCTAssertFalse(handled.notification.verified)
        XCTAssertEqual(handled.notification.confirmQuery, #"{"order_id":"1001"}"#)
        let confirmed = try await vending.confirmNotification(handled.notification, extra: ["machine_no": "16327129"])
        XCTAssertEqual(confirmed.order.providerOrderId, "1001")
        // A verified notification needs no confirming.
        let paid = try paid()
        let verified = try paid.client.checkNotification(request: paid.request, now: paid.now).get().notification
        let error = payqueryError { _ = try paid.client.confirmQuery(notification: verified, extra: [:]) }
        XCTAssertEqual(error?.field, "notification")
    }
}

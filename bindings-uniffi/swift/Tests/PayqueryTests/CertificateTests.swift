import Foundation
import XCTest

@testable import Payquery

/// WeChat Pay platform certificates against `payquery sandbox` over real HTTP (URLSession),
/// the rows every language runs (QUERY-FLOW.md §7): the flow downloads them before the first
/// query, spends at most one download a minute on a forged serial; the explicit
/// `downloadCertificates`. The rotation row is `CertificateRotationTests`.
final class CertificateTests: SandboxTestCase {
    func testTheFirstQueryDownloadsFirstAndTheSecondDownloadsNone() async throws {
        for provider in wechatPay {
            let client = try auto(provider, sandbox)
            let before = try sandbox.certificateRequests()
            let first = try await client.query(try paid(client, provider, sandbox))
            XCTAssertEqual(first.order.status, .paid, provider)
            XCTAssertEqual(first.attempts.map(\.purpose), [.certificates, .query], provider)
            XCTAssertNil(first.attempts[0].error, provider)
            let path = provider == "wechatpay_edu_papay" ? "/v3/certificates" : "/v3/global/certificates"
            XCTAssertTrue(first.attempts[0].url.hasSuffix(path), first.attempts[0].url)
            XCTAssertEqual(first.signatureSerial, serialA, "signed with the downloaded certificate")
            XCTAssertEqual(try sandbox.certificateRequests(), before + 1, provider)

            let second = try await client.query(try paid(client, provider, sandbox))
            XCTAssertEqual(second.attempts.map(\.purpose), [.query], provider)
            XCTAssertEqual(try sandbox.certificateRequests(), before + 1, "\(provider): the held set is reused")
            XCTAssertEqual(client.downloadedCertificates().map(\.serialNo), [serialA])
        }
    }

    func testAForgedSerialCostsOneDownloadThenNoneWithinTheMinute() async throws {
        for provider in wechatPay {
            let client = try auto(provider, sandbox)
            _ = try await client.query(try paid(client, provider, sandbox)) // the scheduled download
            var document = try sandbox.read("\(provider).query.json")
            document[provider == "wechatpay_edu_papay" ? "out_trade_no" : "out_order_no"] = "FAULT_UNKNOWN_SERIAL"
            let forged = try client.query(fromJson: jsonText(document))
            let before = try sandbox.certificateRequests()

            let first = await payqueryError { _ = try await client.query(forged) }
            guard case .SignatureInvalid = first else { return XCTFail("\(provider): \(String(describing: first))") }
            XCTAssertEqual(first?.attempts.map(\.purpose), [.query, .certificates], provider)
            XCTAssertTrue(first?.reason.contains("5E7A1D00000000000000000000000000000B4D00") ?? false, first?.reason ?? "")
            XCTAssertEqual(try sandbox.certificateRequests(), before + 1, provider)

            let again = await payqueryError { _ = try await client.query(forged) }
            guard case .SignatureInvalid = again else { return XCTFail("\(provider): \(String(describing: again))") }
            XCTAssertEqual(again?.attempts.map(\.purpose), [.query], "\(provider): no second download within a minute")
            XCTAssertEqual(try sandbox.certificateRequests(), before + 1, provider)
        }
    }

    func testAnExplicitDownloadListsWhatIsHeld() async throws {
        for provider in wechatPay {
            let client = try auto(provider, sandbox)
            let before = try sandbox.certificateRequests()
            let download = try await client.downloadCertificates(timeout: 5)
            XCTAssertEqual(download.attempts.map(\.purpose), [.certificates], provider)
            let held = try XCTUnwrap(download.certificates.first, provider)
            XCTAssertEqual(download.certificates.count, 1, provider)
            XCTAssertEqual(held.serialNo, serialA)
            XCTAssertEqual(held.notBefore, 1_577_836_800) // 2020-01-01 UTC
            XCTAssertEqual(held.notAfter, 4_733_510_400) // 2120-01-01 UTC
            XCTAssertTrue(held.certificatePem.hasPrefix("-----BEGIN CERTIFICATE-----"))
            XCTAssertEqual(try sandbox.certificateRequests(), before + 1, provider)
            // What was downloaded verifies the next query: no download before it.
            let next = try await client.query(try paid(client, provider, sandbox))
            XCTAssertEqual(next.attempts.map(\.purpose), [.query], provider)
        }
        // Shared through a token store: another client's query loads it and downloads nothing.
        let store = MemoryStore()
        let provider = "wechatpay_edu_papay"
        _ = try await auto(provider, sandbox).downloadCertificates(tokenStore: store)
        let before = try sandbox.certificateRequests()
        let client = try auto(provider, sandbox)
        let shared = try await client.query(try paid(client, provider, sandbox), tokenStore: store)
        XCTAssertEqual(shared.attempts.map(\.purpose), [.query])
        XCTAssertEqual(try sandbox.certificateRequests(), before)
        // A client without api_v3_key says which key it lacks; options are named as for query.
        let fixed = try sandbox.client("\(provider).json")
        let missing = await payqueryError { _ = try await fixed.downloadCertificates() }
        guard case .InvalidConfig = missing else { return XCTFail("\(String(describing: missing))") }
        XCTAssertEqual(missing?.field, "api_v3_key")
        let bad = await payqueryError { _ = try await client.downloadCertificates(timeout: 700) }
        XCTAssertEqual(bad?.field, "timeout")
    }

    func testAShortApiV3KeyIsRefusedByNameAndNeverEchoed() throws {
        let short = "0123456789abcdef"
        for provider in wechatPay {
            var config = try sandbox.read("\(provider).auto.json")
            config["api_v3_key"] = short
            let error = payqueryError { _ = try Client.fromJson(jsonText(config)) }
            guard case .InvalidConfig = error else { return XCTFail("\(provider): \(String(describing: error))") }
            XCTAssertEqual(error?.field, "api_v3_key")
            for text in ["\(String(describing: error))", String(reflecting: error as Any), error?.reason ?? ""] {
                XCTAssertFalse(text.contains(short), text)
            }
        }
    }
}

/// A rotation is the sandbox's for good (no reset), so it has a sandbox of its own: a test
/// class's, which `SandboxTestCase` starts and stops on XCTest's thread. (A `Process` started
/// from an async test inherits the concurrency thread's blocked signals, SIGTERM among them,
/// so `stop()` would wait for it forever.)
final class CertificateRotationTests: SandboxTestCase {
    func testARotationIsPickedUpByVerifyingTheSameAnswerAgain() async throws {
        var clients: [(String, Client)] = []
        for provider in wechatPay {
            let client = try auto(provider, sandbox)
            let first = try await client.query(try paid(client, provider, sandbox))
            XCTAssertEqual(first.signatureSerial, serialA, provider)
            clients.append((provider, client))
        }
        try sandbox.rotate()
        for (provider, client) in clients {
            let before = try sandbox.certificateRequests()
            let rotated = try await client.query(try paid(client, provider, sandbox))
            XCTAssertEqual(rotated.order.status, .paid, provider)
            // Signed with the new serial: one download, then that same answer verified again
            // (the order is not queried twice).
            XCTAssertEqual(rotated.attempts.map(\.purpose), [.query, .certificates], provider)
            XCTAssertEqual(rotated.signatureSerial, serialB, provider)
            XCTAssertEqual(try sandbox.certificateRequests(), before + 1, provider)
            // Merged, not replaced: the old certificate, still valid, stays.
            XCTAssertEqual(Set(client.downloadedCertificates().map(\.serialNo)), [serialA, serialB], provider)
        }
    }
}

private let wechatPay = ["wechatpay_edu_papay", "wechatpay_payscore_oversea"]
/// The certificate the sandbox signs with until it rotates, and the one after
/// (tests/vectors/keys/platform_certificate*.pem).
private let serialA = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92"
private let serialB = "3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912"

/// A fresh client (nothing downloaded) on `<provider>.auto.json`: `api_v3_key`, no platform key.
private func auto(_ provider: String, _ sandbox: Sandbox) throws -> Client {
    try sandbox.client("\(provider).auto.json")
}

private func paid(_ client: Client, _ provider: String, _ sandbox: Sandbox) throws -> Query {
    try sandbox.query(client, "\(provider).query.json")
}

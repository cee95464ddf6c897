import Foundation
import Payquery

/// `configDir`: where `payquery sandbox --write-configs` wrote its config documents.
func readmeExample(configDir: String) async throws -> String {
    let client = try Client.fromConfigFile("\(configDir)/wechatpay_edu_papay.json") // *_path keys: relative to it
    let query = Query.wechatpayEduPapay(query: EduPapayQuery(outTradeNo: "EDU_PAID_001"))
    // Signed, sent with URLSession, verified, for this order only; failed over, retried and
    // waited on as payquery's policy says. A failure throws its PayqueryError, with every attempt.
    let result = try await client.query(query, timeout: 10)
    let order = result.order
    guard case let .wechatpayEduPapay(transaction) = result.detail else { return "-" } // the provider's answer, typed
    return "\(order.status) \(order.amount?.minor ?? 0) \(order.amount?.currency ?? "-") \(transaction.transactionId ?? "-") \(result.signatureSerial ?? "-")"
}

import Foundation
import Payquery

// The correct forms of every mistake in fail_*.swift.
func usage(client: Client, secret: String) async throws {
    _ = FubeiConfig(appId: "1", appSecret: Secret(secret))
    _ = Query.fubei(query: FubeiQuery(merchantOrderSn: "5"))
    let result = try await client.query(.fubei(query: FubeiQuery(merchantOrderSn: "A1")))
    let minor: Int64? = result.order.amount?.minor
    _ = minor
    if case let .fubei(order) = result.detail { _ = order.tradeState }
    _ = try client.query(fromJson: #"{"merchant_order_sn": "A1"}"#)
    _ = EduPapayQuery(outTradeNo: "A1")
}

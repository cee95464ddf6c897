import Foundation
import Payquery

/// `configDir`: where `payquery sandbox --write-configs` wrote its config documents.
func readmeExample(configDir: String) async throws -> String {
    let client = try Client.fromConfigFile("\(configDir)/wechatpay_edu_papay.json") // *_path keys: relative to it
    let query = Query.wechatpayEduPapay(query: EduPapayQuery(outTradeNo: "EDU_PAID_001"))
    let request = try client.buildQuery(query) // signed now, with a fresh CSPRNG nonce
    let result: QueryResult
    do {
        result = try client.parseQuery(try await sendWithURLSession(request), query: query) // verified, for this order only
    } catch let error as PayqueryError where !error.backupHostApplies {
        throw error
    } catch {
        // A network failure (URLError) or an answer that says so may be tried once on the
        // provider's backup host; anything else is the answer.
        guard let backup = try client.failoverRequest(request: request) else { throw error }
        result = try client.parseQuery(try await sendWithURLSession(backup), query: query)
    }
    let order = result.order
    guard case let .wechatpayEduPapay(transaction) = result.detail else { return "-" } // the provider's answer, typed
    return "\(order.status) \(order.amount?.minor ?? 0) \(order.amount?.currency ?? "-") \(transaction.transactionId ?? "-") \(result.signatureSerial ?? "-")"
}

/// Sends a payquery request with URLSession and returns what came back, unchanged.
func sendWithURLSession(_ request: HttpRequest) async throws -> HttpResponse {
    var urlRequest = URLRequest(url: URL(string: request.url)!, timeoutInterval: 10)
    urlRequest.httpMethod = request.method
    urlRequest.httpBody = request.body
    for header in request.headers { urlRequest.addValue(header.value, forHTTPHeaderField: header.name) }
    let (data, response) = try await URLSession.shared.data(for: urlRequest)
    let http = response as! HTTPURLResponse
    let headers = http.allHeaderFields.map { Header(name: "\($0.key)", value: "\($0.value)") }
    return HttpResponse(status: Int32(http.statusCode), headers: headers, body: data)
}

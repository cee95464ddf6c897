import Foundation
import Payquery

/// `configDir`: where `payquery sandbox --write-configs` wrote its config documents.
func readmeExample(configDir: String) async throws -> String {
    let client = try Client.fromConfigFile(path: "\(configDir)/wechatpay_edu_papay.json") // *_path keys: relative to it
    let query = #"{"out_trade_no": "EDU_PAID_001"}"#
    let request = try client.buildQuery(queryJson: query) // signed now, with a fresh CSPRNG nonce
    let result: QueryResult
    do {
        result = try client.parseQuery(response: try await sendWithURLSession(request), queryJson: query)
    } catch let error as PayqueryError where error.backupHostApplies {
        guard let backup = try client.failoverRequest(request: request) else { throw error }
        result = try client.parseQuery(response: try await sendWithURLSession(backup), queryJson: query)
    }
    let order = result.order
    return "\(order.status) \(order.amount?.minor ?? 0) \(order.amount?.currency ?? "-") \(result.signatureSerial ?? "-")"
}

/// Sends a payquery request with URLSession and returns what came back, unchanged.
func sendWithURLSession(_ request: HttpRequest) async throws -> HttpResponse {
    var urlRequest = URLRequest(url: URL(string: request.url)!)
    urlRequest.httpMethod = request.method
    urlRequest.httpBody = request.body
    for header in request.headers { urlRequest.addValue(header.value, forHTTPHeaderField: header.name) }
    let (data, response) = try await URLSession.shared.data(for: urlRequest)
    let http = response as! HTTPURLResponse
    let headers = http.allHeaderFields.map { Header(name: "\($0.key)", value: "\($0.value)") }
    return HttpResponse(status: Int32(http.statusCode), headers: headers, body: data)
}

package example

import payquery.Client
import payquery.Header
import payquery.HttpRequest
import payquery.HttpResponse
import payquery.PayqueryException
import payquery.backupHostApplies
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest.BodyPublishers
import java.net.http.HttpResponse.BodyHandlers

private val http: HttpClient = HttpClient.newHttpClient()

/** Sends a payquery request with the JDK's client (OkHttp works the same way). */
fun sendWithJdk(request: HttpRequest): HttpResponse {
    val builder = java.net.http.HttpRequest.newBuilder(URI.create(request.url))
    builder.method(request.method, request.body?.let(BodyPublishers::ofByteArray) ?: BodyPublishers.noBody())
    request.headers.forEach { builder.header(it.name, it.value) }
    val response = http.send(builder.build(), BodyHandlers.ofByteArray())
    val headers = response.headers().map().flatMap { (name, values) -> values.map { Header(name, it) } }
    return HttpResponse(response.statusCode(), headers, response.body())
}

/** `configDir`: where `payquery sandbox --write-configs` wrote its config documents. */
fun readmeExample(configDir: String): String {
    val client = Client.fromConfigFile("$configDir/wechatpay_edu_papay.json") // *_path keys: relative to it
    val query = """{"out_trade_no": "EDU_PAID_001"}"""
    val request = client.buildQuery(query) // signed now, with a fresh CSPRNG nonce
    val result = try {
        client.parseQuery(sendWithJdk(request), query) // verified, for this order only
    } catch (e: PayqueryException) {
        val backup = client.failoverRequest(request)
        if (!e.backupHostApplies || backup == null) throw e
        client.parseQuery(sendWithJdk(backup), query)
    }
    val order = result.order
    return "${order.status} ${order.amount?.minor} ${order.amount?.currency} ${order.paidAt} ${result.signatureSerial}"
}

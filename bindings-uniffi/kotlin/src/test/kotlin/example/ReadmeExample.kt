package example

import payquery.Client
import payquery.EduPapayQuery
import payquery.Header
import payquery.HttpRequest
import payquery.HttpResponse
import payquery.PayqueryException
import payquery.ProviderDetail
import payquery.Query
import payquery.backupHostApplies
import payquery.buildQuery
import payquery.fromConfigFile
import payquery.parseQuery
import java.io.IOException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest.BodyPublishers
import java.net.http.HttpResponse.BodyHandlers
import java.time.Duration

private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

/** Sends a payquery request with the JDK's client (OkHttp works the same way). */
fun sendWithJdk(request: HttpRequest): HttpResponse {
    val builder = java.net.http.HttpRequest.newBuilder(URI.create(request.url)).timeout(Duration.ofSeconds(10))
    builder.method(request.method, request.body?.let(BodyPublishers::ofByteArray) ?: BodyPublishers.noBody())
    request.headers.forEach { builder.header(it.name, it.value) }
    val response = http.send(builder.build(), BodyHandlers.ofByteArray())
    val headers = response.headers().map().flatMap { (name, values) -> values.map { Header(name, it) } }
    return HttpResponse(response.statusCode(), headers, response.body())
}

/** `configDir`: where `payquery sandbox --write-configs` wrote its config documents. */
fun readmeExample(configDir: String): String {
    val client = Client.fromConfigFile("$configDir/wechatpay_edu_papay.json") // *_path keys: relative to it
    val query = Query.WechatpayEduPapay(EduPapayQuery(outTradeNo = "EDU_PAID_001"))
    val request = client.buildQuery(query) // signed now, with a fresh CSPRNG nonce
    val result = try {
        client.parseQuery(sendWithJdk(request), query) // verified, for this order only
    } catch (e: Exception) {
        // A network failure or timeout (java.io.IOException), or an answer that says so, may be
        // tried once on the provider's backup host; anything else is the answer.
        val backup = client.failoverRequest(request)
        if (backup == null || (e is PayqueryException && !e.backupHostApplies) || (e !is PayqueryException && e !is IOException)) throw e
        client.parseQuery(sendWithJdk(backup), query)
    }
    val order = result.order
    val transaction = (result.detail as ProviderDetail.WechatpayEduPapay).transaction // the provider's own answer, typed
    return "${order.status} ${order.amount?.minor} ${order.amount?.currency} ${order.paidAt} ${transaction.transactionId} ${result.signatureSerial}"
}

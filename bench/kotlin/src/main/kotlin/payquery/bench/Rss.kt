package payquery.bench

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import payquery.Client
import payquery.Header
import payquery.HttpResponse
import payquery.OrderStatus
import payquery.buildQuery
import payquery.fromJson
import payquery.parseQuery
import payquery.queryFromJson
import java.io.File
import java.time.Instant

/**
 * Issue 20's memory figure: 200,000 Fubei build + parse calls in one loop in a JVM with the
 * default heap, as a service would make them. Run as its own process (Bench.kt starts it), so
 * the peak resident set (`VmHWM`) is this loop's alone. Prints one line:
 * `calls=… peak_rss_kib=… seconds=…`.
 */
fun main(args: Array<String>) {
    val calls = args.getOrNull(1)?.toInt() ?: 200_000
    val doc = Json.parseToJsonElement(File(args[0], "tests/vectors/fubei.json").readText()).jsonObject
    val cases = doc["cases"]!!.jsonArray.map { it.jsonObject }
    fun case(prefix: String) = cases.first { it["name"]!!.jsonPrimitive.content.startsWith(prefix) }
    val buildCase = case("build: seed request")
    val build = buildCase["build"]!!.jsonObject
    val parse = case("parse: seed example")["parse"]!!.jsonObject
    val config = doc["configs"]!!.jsonObject[buildCase["config"]!!.jsonPrimitive.content].toString()
    val client = Client.fromJson(config)
    val query = client.queryFromJson(build["query"]!!.toString())
    val response = parse["response"]!!.jsonObject
    val answer = HttpResponse(
        200,
        response["headers"]!!.jsonObject.map { Header(it.key, it.value.jsonPrimitive.content) },
        response["body"]!!.jsonPrimitive.content.toByteArray(),
    )
    // The answer's own order number (a parse vector carries no query).
    val answered = Json.parseToJsonElement(response["body"]!!.jsonPrimitive.content).jsonObject["data"]!!.jsonObject
    val parseQuery = client.queryFromJson("""{"merchant_order_sn":${answered["merchant_order_sn"]}}""")
    val now = Instant.ofEpochSecond(parse["now"]!!.jsonPrimitive.content.toLong())
    val timestamp = Instant.ofEpochSecond(build["timestamp"]!!.jsonPrimitive.content.toLong())
    val nonce = build["nonce"]!!.jsonPrimitive.content
    val start = System.nanoTime()
    var paid = 0
    repeat(calls) {
        client.buildQuery(query, timestamp, nonce)
        if (client.parseQuery(answer, parseQuery, now).order.status == OrderStatus.PAID) paid++
    }
    check(paid == calls)
    val seconds = (System.nanoTime() - start) / 1e9
    val hwm = File("/proc/self/status").readLines().first { it.startsWith("VmHWM:") }.split(Regex("\\s+"))[1]
    println("calls=$calls peak_rss_kib=$hwm seconds=%.1f".format(seconds))
}

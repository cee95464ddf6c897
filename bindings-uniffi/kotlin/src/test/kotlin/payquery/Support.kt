package payquery

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.nio.file.Files
import java.time.Duration
import java.util.Base64
import java.net.http.HttpRequest as JdkRequest
import java.net.http.HttpResponse as JdkResponse

/** Where the repository is (set by the Makefile through Surefire). */
val ROOT: File = File(System.getProperty("payquery.root") ?: "../..").canonicalFile
val VECTORS = File(ROOT, "tests/vectors")
val PAYQUERY_BIN: String = System.getProperty("payquery.bin") ?: File(ROOT, "target/debug/payquery").path

fun readJson(file: File): JsonElement = Json.parseToJsonElement(file.readText())

val JsonElement.str: String get() = jsonPrimitive.content
val JsonElement.strOrNull: String? get() = if (this is JsonNull) null else jsonPrimitive.content

fun JsonObject.opt(key: String): JsonElement? = this[key]?.takeUnless { it is JsonNull }

/**
 * A vector's `{"status", "headers", "body"}` as a payquery HttpResponse; headers as an object or
 * pairs; `body_base64` carries bytes that are not UTF-8.
 */
fun responseFrom(doc: JsonObject): HttpResponse {
    val headers =
        when (val h = doc["headers"]) {
            is JsonObject -> h.map { (k, v) -> Header(k, v.str) }
            is JsonArray -> h.map { pair -> (pair as JsonArray).let { Header(it[0].str, it[1].str) } }
            else -> emptyList()
        }
    val body = doc["body_base64"]?.let { Base64.getDecoder().decode(it.str) } ?: doc["body"]!!.str.toByteArray()
    return HttpResponse(doc["status"]!!.str.toInt(), headers, body)
}

/** The provider id as the core spells it, e.g. `fubei`. */
val ProviderId.id: String get() = name.lowercase()

/** A client from a config document, its `*_path` keys relative to tests/vectors. */
fun vectorClient(configJson: String): Client = Client.fromJson(configJson, VECTORS.path)

/**
 * A query document's request, through the typed API (`queryFromJson` → `Query`), at Unix time
 * `timestamp` exactly (a Long: vectors hold times no Instant can, to check they are refused).
 */
fun Client.buildJson(queryJson: String, timestamp: Long? = null, nonce: String? = null): HttpRequest =
    buildQuery(queryFromJson(queryJson), timestamp ?: java.time.Instant.now().epochSecond, nonce, ByteArray(32) { it.toByte() })

/** [buildJson] for phase one of two-phase signing. */
fun Client.prepareJson(queryJson: String, timestamp: Long? = null, nonce: String? = null): PendingRequest =
    prepareQuery(queryFromJson(queryJson), timestamp ?: java.time.Instant.now().epochSecond, nonce, ByteArray(32) { it.toByte() })

/** Parses the answer to a query document at Unix time `now`, through the typed API. */
fun Client.parseJson(response: HttpResponse, queryJson: String, now: Long? = null): QueryResult =
    parseQuery(response, queryFromJson(queryJson), now ?: java.time.Instant.now().epochSecond)

/** A vector's config document as JSON text: an object serialized, a string already JSON text. */
fun configJson(config: JsonElement): String = if (config is JsonPrimitive && config.isString) config.content else config.toString()

private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

/** Sends a payquery request with the JDK's HttpClient and returns what came back. */
fun send(request: HttpRequest, extra: Map<String, String> = emptyMap()): HttpResponse {
    val builder = JdkRequest.newBuilder(URI.create(request.url)).timeout(Duration.ofSeconds(10))
    val body = request.body
    builder.method(
        request.method,
        if (body == null) JdkRequest.BodyPublishers.noBody() else JdkRequest.BodyPublishers.ofByteArray(body),
    )
    for (h in request.headers) {
        // The JDK sets these itself and refuses them as user headers.
        if (h.name.equals("Content-Length", true) || h.name.equals("Host", true)) continue
        builder.header(h.name, h.value)
    }
    for ((name, value) in extra) builder.header(name, value)
    val response = http.send(builder.build(), JdkResponse.BodyHandlers.ofByteArray())
    val headers = response.headers().map().flatMap { (name, values) -> values.map { Header(name, it) } }
    return HttpResponse(response.statusCode(), headers, response.body())
}

/** `payquery sandbox` on 127.0.0.1, with the configs it writes. */
class Sandbox : AutoCloseable {
    val configs: File = Files.createTempDirectory("payquery-sandbox").toFile()
    private val process: Process =
        ProcessBuilder(PAYQUERY_BIN, "sandbox", "--port", "0", "--write-configs", configs.path)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start()
    val baseUrl: String

    init {
        val line = process.inputStream.bufferedReader().readLine() ?: error("the sandbox printed nothing")
        baseUrl = Regex("listening on (http://127\\.0\\.0\\.1:\\d+)").find(line)?.groupValues?.get(1)
            ?: error("unexpected sandbox output: $line")
    }

    fun read(name: String): JsonObject = readJson(File(configs, name)).jsonObject

    fun configPath(provider: String): String = File(configs, "$provider.json").path

    /** A counter from `GET /__sandbox/stats` (`token_requests`, `certificate_requests`). */
    fun stat(name: String): Long {
        val body = URI.create("$baseUrl/__sandbox/stats").toURL().readText()
        return readJsonText(body).jsonObject[name]!!.str.toLong()
    }

    /** `POST /__sandbox/rotate`: a new platform certificate listed, then answers signed with it. */
    fun rotate() {
        val request = JdkRequest.newBuilder(URI.create("$baseUrl/__sandbox/rotate")).POST(JdkRequest.BodyPublishers.noBody()).build()
        val status = http.send(request, JdkResponse.BodyHandlers.discarding()).statusCode()
        check(status in 200..299) { "rotate answered $status" }
    }

    override fun close() {
        process.destroy()
        process.waitFor()
    }
}

fun JsonObject.with(key: String, value: String?): JsonObject = JsonObject(if (value == null) this - key else this + (key to JsonPrimitive(value)))

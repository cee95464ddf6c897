package payquery.bench

import com.wechat.pay.java.core.auth.WechatPay2Credential
import com.wechat.pay.java.core.cipher.RSASigner
import com.wechat.pay.java.core.notification.NotificationParser
import com.wechat.pay.java.core.notification.RSANotificationConfig
import com.wechat.pay.java.core.notification.RequestParam
import com.wechat.pay.java.service.partnerpayments.jsapi.model.Transaction
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import payquery.Client
import payquery.Header
import payquery.HttpResponse
import payquery.NotificationRequest
import payquery.OrderStatus
import payquery.Query
import payquery.buildQuery
import payquery.fromConfigFile
import payquery.fromJson
import payquery.parseQuery
import payquery.queryBlocking
import payquery.queryFromJson
import uniffi.payquery_floor.FloorClient
import uniffi.payquery_floor.FloorFubeiQuery
import uniffi.payquery_floor.FloorHeader
import uniffi.payquery_floor.FloorQuery
import uniffi.payquery_floor.FloorRequest
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest.BodyPublishers
import java.net.http.HttpResponse.BodyHandlers
import java.security.KeyFactory
import java.security.PrivateKey
import java.security.PublicKey
import java.security.SecureRandom
import java.security.Signature
import java.security.cert.CertificateFactory
import java.security.spec.PKCS8EncodedKeySpec
import java.security.spec.X509EncodedKeySpec
import java.time.Instant
import java.util.Base64
import javax.crypto.Cipher
import javax.crypto.spec.GCMParameterSpec
import javax.crypto.spec.SecretKeySpec

/**
 * `make bench`, Kotlin/JVM part: payquery's UniFFI bindings against the floor
 * (java.security.Signature alone; a JSON parse + Signature verify) and the official
 * wechatpay-java SDK building the same Authorization header; a WeChat Pay notification through
 * checkNotification against a JSON parse + Signature verify + AES/GCM Cipher, and the SDK's
 * NotificationParser. Paths compared with each other are measured round-robin after a JIT
 * warm-up, so their ratio can be taken round by round.
 * Arguments: the repository root, the JSON file to write.
 */
private const val ROUNDS = 15

private class Row(val id: String, val label: String) {
    val roundsUs = mutableListOf<Double>()
    fun median(): Double = roundsUs.sorted()[roundsUs.size / 2]
}

private fun group(iters: Int, paths: List<Triple<String, String, () -> Any?>>): List<Row> {
    // Warm-up long enough for C2 to compile the hot paths.
    repeat(3) { for ((_, _, fn) in paths) repeat(iters) { fn() } }
    val rows = paths.map { Row(it.first, it.second) }
    repeat(ROUNDS) {
        paths.forEachIndexed { i, (_, _, fn) ->
            val start = System.nanoTime()
            repeat(iters) { fn() }
            rows[i].roundsUs += (System.nanoTime() - start) / 1000.0 / iters
        }
    }
    return rows
}

private fun pemDer(pem: String): ByteArray = Base64.getMimeDecoder().decode(pem.lines().filter { !it.startsWith("-----") }.joinToString(""))

/** The floor: the JDK's own RSA-2048 PKCS#1 v1.5 SHA-256 signature. */
private fun jdkSign(key: PrivateKey, message: ByteArray): ByteArray {
    val signer = Signature.getInstance("SHA256withRSA")
    signer.initSign(key)
    signer.update(message)
    return signer.sign()
}

private fun jdkVerify(key: PublicKey, message: ByteArray, signature: ByteArray): Boolean {
    val verifier = Signature.getInstance("SHA256withRSA")
    verifier.initVerify(key)
    verifier.update(message)
    return verifier.verify(signature)
}

private fun fields(authorization: String): Map<String, String> =
    Regex("""(\w+)="([^"]*)"""").findAll(authorization).associate { it.groupValues[1] to it.groupValues[2] }

/**
 * The one-call query against hand-written build → send → parse: the same sandbox, the same
 * java.net.http client, edu-papay (sign + verify), round-robin.
 */
private fun flowRows(root: File): List<Row> {
    val configs = java.nio.file.Files.createTempDirectory("payquery-bench").toFile()
    val sandbox = ProcessBuilder(File(root, "target/debug/payquery").path, "sandbox", "--port", "0", "--write-configs", configs.path)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start()
    try {
        check("listening on" in sandbox.inputStream.bufferedReader().readLine())
        val client = Client.fromConfigFile(File(configs, "wechatpay_edu_papay.json").path)
        val query = client.queryFromJson(File(configs, "wechatpay_edu_papay.query.json").readText())
        val http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
        val byHand = {
            val request = client.buildQuery(query)
            val builder = java.net.http.HttpRequest.newBuilder(URI.create(request.url)).timeout(java.time.Duration.ofSeconds(10))
            builder.method(request.method, request.body?.let(BodyPublishers::ofByteArray) ?: BodyPublishers.noBody())
            request.headers.forEach { builder.header(it.name, it.value) }
            val response = http.send(builder.build(), BodyHandlers.ofByteArray())
            val headers = response.headers().map().flatMap { (name, values) -> values.map { Header(name, it) } }
            client.parseQuery(HttpResponse(response.statusCode(), headers, response.body()), query)
        }
        check(byHand().order.status == OrderStatus.PAID && client.queryBlocking(query, http = http).order.status == OrderStatus.PAID)
        return group(
            100,
            listOf(
                Triple("query_by_hand", "buildQuery → java.net.http → parseQuery, edu-papay, sandbox", byHand),
                Triple("query_flow", "client.queryBlocking (the one-call flow), edu-papay, sandbox", { client.queryBlocking(query, http = http) }),
            ),
        )
    } finally {
        sandbox.destroy()
    }
}

/**
 * A WeChat Pay notification (the vectors' edu-papay TRANSACTION.SUCCESS signed with the platform
 * certificate) through `client.checkNotification` — sans-IO, as the floor is — against the floor
 * with the JDK's crypto: the body decoded and parsed by kotlinx, the signed message verified by
 * `Signature` (the key read once from the certificate), the resource opened by `Cipher`
 * AES/GCM and parsed; and wechatpay-java's NotificationParser (verify, decrypt, Gson into its
 * partner Transaction) configured with the same certificate.
 */
private fun notificationRows(vectors: File, config: JsonObject, found: JsonObject): List<Row> {
    val step = found["notification"]!!.jsonObject
    val now = step["now"]!!.jsonPrimitive.content.toLong()
    val sent = step["request"]!!.jsonObject
    val body = sent["body"]!!.jsonPrimitive.content.toByteArray()
    val pairs = sent["headers"]!!.jsonArray.map { pair -> pair.jsonArray.let { it[0].jsonPrimitive.content to it[1].jsonPrimitive.content } }
    val headers = pairs.toMap()
    val (timestamp, nonce) = headers.getValue("Wechatpay-Timestamp") to headers.getValue("Wechatpay-Nonce")
    val (signature, serial) = headers.getValue("Wechatpay-Signature") to headers.getValue("Wechatpay-Serial")
    val apiV3Key = config["api_v3_key"]!!.jsonPrimitive.content

    val client = Client.fromJson(config.toString(), vectors.path)
    val request = NotificationRequest("POST", pairs.map { Header(it.first, it.second) }, body)
    val subject = { client.checkNotification(request, now) }
    val outcome = subject()
    val order = checkNotNull(outcome.notification?.order) { outcome.toString() }
    check(outcome.reply.status == 204 && order.status == OrderStatus.PAID) { outcome.toString() }

    val certificatePem = File(vectors, "keys/platform_certificate.pem").readText()
    val publicKey = CertificateFactory.getInstance("X.509").generateCertificate(certificatePem.byteInputStream()).publicKey
    val aesKey = SecretKeySpec(apiV3Key.toByteArray(), "AES")
    val floor = {
        val text = body.decodeToString()
        val envelope = Json.parseToJsonElement(text).jsonObject
        val message = "$timestamp\n$nonce\n".toByteArray() + body + '\n'.code.toByte()
        check(jdkVerify(publicKey, message, Base64.getDecoder().decode(signature)))
        val resource = envelope["resource"]!!.jsonObject
        val field = { key: String -> resource[key]!!.jsonPrimitive.content }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.DECRYPT_MODE, aesKey, GCMParameterSpec(128, field("nonce").toByteArray()))
        cipher.updateAAD(field("associated_data").toByteArray())
        Json.parseToJsonElement(cipher.doFinal(Base64.getDecoder().decode(field("ciphertext"))).decodeToString()).jsonObject
    }
    check(floor()["out_trade_no"]!!.jsonPrimitive.content == order.merchantOrderNo)

    // The SDK's config for given platform certificates, deprecated along with certificates
    // (WeChat Pay moves merchants to public keys); the notification here is certificate-signed.
    @Suppress("DEPRECATION")
    val parser = NotificationParser(RSANotificationConfig.Builder().certificates(certificatePem).apiV3Key(apiV3Key).build())
    val peer = {
        val param = RequestParam.Builder()
            .serialNumber(serial)
            .nonce(nonce)
            .signature(signature)
            .timestamp(timestamp)
            .signType(headers.getValue("Wechatpay-Signature-Type"))
            .body(body.decodeToString())
            .build()
        parser.parse(param, Transaction::class.java)
    }
    check(peer().outTradeNo == order.merchantOrderNo)
    return group(
        1000,
        listOf(
            Triple("notify_floor", "kotlinx JSON parse + Signature verify + Cipher AES/GCM + JSON parse (bare)", floor),
            Triple("notify_check", "client.checkNotification edu-papay TRANSACTION.SUCCESS (verify, decrypt, type, reply)", subject),
            Triple("peer_notify", "wechatpay-java NotificationParser.parse (verify, decrypt, Gson Transaction)", peer),
        ),
    )
}

/**
 * Issue 20's memory figure, from its own JVM (Rss.kt) so that the peak resident set is that
 * loop's alone. One run of 200,000 rounds (~10 s); the value is in KiB, not µs.
 */
private fun rssRow(root: File): Row {
    val java = File(System.getProperty("java.home"), "bin/java").path
    val process = ProcessBuilder(
        java,
        "-Djna.library.path=${System.getProperty("jna.library.path")}",
        "-cp",
        System.getProperty("java.class.path"),
        "payquery.bench.RssKt",
        root.path,
        "200000",
    ).redirectErrorStream(true).start()
    val output = process.inputStream.bufferedReader().readText().trim()
    check(process.waitFor() == 0) { output }
    val kib = Regex("""peak_rss_kib=(\d+)""").find(output)?.groupValues?.get(1)?.toDouble() ?: error(output)
    return Row("rss_200k_kib", "peak RSS in KiB: 200,000 Fubei build + parse, default heap, own JVM").apply { roundsUs += kib }
}

fun main(args: Array<String>) {
    val vectors = File(args[0], "tests/vectors")
    fun case(file: String, prefix: String): Pair<JsonObject, JsonObject> {
        val doc = Json.parseToJsonElement(File(vectors, file).readText()).jsonObject
        val found = doc["cases"]!!.jsonArray.map { it.jsonObject }.first { it["name"]!!.jsonPrimitive.content.startsWith(prefix) }
        return doc["configs"]!!.jsonObject[found["config"]!!.jsonPrimitive.content]!!.jsonObject to found
    }
    fun key(name: String) = File(vectors, "keys/$name").readText()

    val (config, build) = case("wechatpay_edu_papay.json", "build: seed example")
    val step = build["build"]!!.jsonObject
    val client = Client.fromJson(config.toString(), vectors.path)
    val query = client.queryFromJson(step["query"]!!.toString())
    val timestamp = step["timestamp"]!!.jsonPrimitive.content.toLong()
    val nonce = step["nonce"]!!.jsonPrimitive.content
    val message = step["expect"]!!.jsonObject["string_to_sign"]!!.jsonPrimitive.content.toByteArray()
    val privateKey: PrivateKey = KeyFactory.getInstance("RSA").generatePrivate(PKCS8EncodedKeySpec(pemDer(key("merchant_private_key.pem"))))
    val outTradeNo = step["query"]!!.jsonObject["out_trade_no"]!!.jsonPrimitive.content
    val uri = URI("https://api.mch.weixin.qq.com/v3/edu-papay/transactions/out-trade-no/$outTradeNo")

    val mchid = config["mchid"]!!.jsonPrimitive.content
    val credential = WechatPay2Credential(mchid, RSASigner(config["merchant_serial_no"]!!.jsonPrimitive.content, privateKey))
    // Both build the same Authorization for the same timestamp and nonce (the SDK picks its own,
    // so ours is built for the ones it used).
    val theirs = credential.getAuthorization(uri, "GET", null)
    val theirFields = fields(theirs)
    val ours = client.buildQuery(query, Instant.ofEpochSecond(theirFields.getValue("timestamp").toLong()), theirFields.getValue("nonce_str"))
        .headers.first { it.name == "Authorization" }.value
    check(fields(ours) == theirFields && ours.substringBefore(' ') == theirs.substringBefore(' ')) { "$ours\n$theirs" }

    val (_, parse) = case("wechatpay_edu_papay.json", "parse: seed example")
    val response = parse["parse"]!!.jsonObject["response"]!!.jsonObject
    val headers = response["headers"]!!.jsonObject.mapValues { it.value.jsonPrimitive.content }
    val text = response["body"]!!.jsonPrimitive.content
    val body = text.toByteArray()
    val publicKey: PublicKey = KeyFactory.getInstance("RSA").generatePublic(X509EncodedKeySpec(pemDer(key("wechatpay_public_key.pem"))))
    val signed = "${headers["Wechatpay-Timestamp"]}\n${headers["Wechatpay-Nonce"]}\n$text\n".toByteArray()
    val signature = Base64.getDecoder().decode(headers["Wechatpay-Signature"])
    val httpResponse = HttpResponse(200, headers.map { Header(it.key, it.value) }, body)
    val parseQuery = client.queryFromJson("""{"out_trade_no":"201407033233368018"}""")
    val parseNow = Instant.ofEpochSecond(1_700_000_000)
    client.parseQuery(httpResponse, parseQuery, parseNow)

    val (fubeiConfig, fubeiBuild) = case("fubei.json", "build: seed request")
    val fubei = Client.fromJson(fubeiConfig.toString())
    val fubeiStep = fubeiBuild["build"]!!.jsonObject
    val fubeiQuery = fubei.queryFromJson(fubeiStep["query"]!!.toString())
    val fubeiTimestamp = Instant.ofEpochSecond(fubeiStep["timestamp"]!!.jsonPrimitive.content.toLong())
    val fubeiNonce = fubeiStep["nonce"]!!.jsonPrimitive.content
    // The boundary's floor: the same shapes and bytes through a UniFFI method that does no work
    // (bench/uniffi-floor), with 32 fresh random bytes per call as Client.buildQuery passes.
    val fubeiRequest = fubei.buildQuery(fubeiQuery, fubeiTimestamp, fubeiNonce)
    val floor = FloorClient(
        FloorRequest(fubeiRequest.method, fubeiRequest.url, fubeiRequest.headers.map { FloorHeader(it.name, it.value) }, fubeiRequest.body),
    )
    val fubeiFields = (fubeiQuery as Query.Fubei).query
    val floorQuery = FloorQuery.Fubei(FloorFubeiQuery(fubeiFields.merchantOrderSn, fubeiFields.orderSn, fubeiFields.deviceNo))
    val random = SecureRandom()
    val (notifyConfig, notifyCase) = case("wechatpay_edu_papay.json", "notification: TRANSACTION.SUCCESS signed with the platform certificate")

    val rows = group(
        60,
        listOf(
            Triple("sign_floor", "java.security.Signature SHA256withRSA sign (bare, loaded key)", {
                Base64.getEncoder().encodeToString(jdkSign(privateKey, message))
            }),
            Triple("build_edu", "client.buildQuery edu-papay (given timestamp, nonce)", { client.buildQuery(query, Instant.ofEpochSecond(timestamp), nonce) }),
            Triple("build_edu_default", "client.buildQuery edu-papay (clock + CSPRNG nonce)", { client.buildQuery(query) }),
            Triple("peer_build", "wechatpay-java WechatPay2Credential.getAuthorization", { credential.getAuthorization(uri, "GET", null) }),
        ),
    ) + group(
        1000,
        listOf(
            Triple("parse_floor", "kotlinx Json.parseToJsonElement + Signature verify (bare)", {
                Json.parseToJsonElement(text)
                jdkVerify(publicKey, signed, signature)
            }),
            Triple("parse_edu", "client.parseQuery edu-papay (verify, decode, normalize)", { client.parseQuery(httpResponse, parseQuery, parseNow) }),
        ),
    ) + group(
        10_000,
        listOf(
            Triple("build_fubei", "client.buildQuery fubei (MD5)", { fubei.buildQuery(fubeiQuery, fubeiTimestamp, fubeiNonce) }),
            Triple("floor_round_trip", "the same bytes through a bare UniFFI method (no work)", {
                floor.roundTrip(floorQuery, fubeiTimestamp.epochSecond, fubeiNonce, ByteArray(32).also(random::nextBytes))
            }),
            Triple("noop_call", "client.provider() (one call across the boundary, no work)", { fubei.provider() }),
        ),
    ) + notificationRows(vectors, notifyConfig, notifyCase) + flowRows(File(args[0])) + rssRow(File(args[0]))

    val doc = buildJsonObject {
        put("language", "kotlin")
        put(
            "runtime",
            "JVM ${System.getProperty("java.vm.name")} ${System.getProperty("java.version")}, payquery UniFFI bindings (release library), " +
                "wechatpay-java 0.2.17",
        )
        put(
            "rows",
            buildJsonArray {
                for (row in rows) {
                    add(
                        buildJsonObject {
                            put("id", row.id)
                            put("label", row.label)
                            put("rounds_us", buildJsonArray { row.roundsUs.forEach { add(kotlinx.serialization.json.JsonPrimitive(it)) } })
                        },
                    )
                }
            },
        )
    }
    File(args[1]).apply { parentFile.mkdirs() }.writeText(doc.toString())
    for (row in rows) println("%-20s %-62s %10.2f µs".format(row.id, row.label, row.median()))
}

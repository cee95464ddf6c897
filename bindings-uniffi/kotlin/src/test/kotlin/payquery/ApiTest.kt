package payquery

import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.security.KeyFactory
import java.security.Signature
import java.security.spec.PKCS8EncodedKeySpec
import java.security.spec.X509EncodedKeySpec
import java.util.Base64
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/** The surface: errors, defaults, secrets in toString, JDK signature checks, threads. */
class ApiTest {
    private fun key(name: String) = File(VECTORS, "keys/$name").readText()

    private fun pemDer(pem: String): ByteArray = Base64.getMimeDecoder().decode(pem.lines().filter { !it.startsWith("-----") }.joinToString(""))

    private val secrets =
        listOf(
            "fubei-secret-VALUE-0001",
            "vending-secret-VALUE-0002",
            "sign-key-VALUE-0003",
            "ACCESS-TOKEN-VALUE-0004",
            "mini-app-secret-VALUE-0005",
        )
    private val privateKeyLine = key("merchant_private_key.pem").lines()[1]
    private val wechatpay = """{"provider":"wechatpay_edu_papay","mchid":"1900000001",
        "merchant_serial_no":"5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "merchant_private_key_path":"keys/merchant_private_key.pem",
        "wechatpay_public_key_id":"PUB_KEY_ID_0119000000012025010100000000000001",
        "wechatpay_public_key_path":"keys/wechatpay_public_key.pem"}"""
    private val configs =
        mapOf(
            """{"order_id":"DD1"}""" to
                """{"provider":"wechat_mini_charge","access_token":"${secrets[3]}","appid":"wx01","app_secret":"${secrets[4]}"}""",
            """{"merchant_order_sn":"A"}""" to """{"provider":"fubei","app_id":"20160922135339595387","app_secret":"${secrets[0]}"}""",
            """{"order_id":"1","machine_no":"12345678"}""" to
                """{"provider":"dingshang_vending","base_url":"https://vending.example","appid":"ds0001","app_secret":"${secrets[1]}","sign_key":"${secrets[2]}"}""",
            """{"out_trade_no":"A"}""" to wechatpay,
        )

    @Test
    fun `signatures verify with the JDK's SHA256withRSA`() {
        val client = Client.fromJson(wechatpay, VECTORS.path)
        val publicKey = KeyFactory.getInstance("RSA").generatePublic(X509EncodedKeySpec(pemDer(key("merchant_public_key.pem"))))
        for (no in listOf("ORDER_2024-01|*", "201407033233368018", "A")) {
            val request = client.buildJson("""{"out_trade_no":"$no"}""")
            val auth = request.headers.first { it.name == "Authorization" }.value
            val fields = Regex("""(\w+)="([^"]*)"""").findAll(auth).associate { it.groupValues[1] to it.groupValues[2] }
            val uri = java.net.URI(request.url)
            val message = "GET\n${uri.rawPath}\n${fields["timestamp"]}\n${fields["nonce_str"]}\n\n".toByteArray()
            val verifier = Signature.getInstance("SHA256withRSA")
            verifier.initVerify(publicKey)
            verifier.update(message)
            assertTrue(verifier.verify(Base64.getDecoder().decode(fields["signature"])), no)
        }
    }

    @Test
    fun `two-phase signing with a JDK signer (Android Keystore, a KMS) equals buildQuery`() {
        val keyless = Client.fromJson(wechatpay.replace(""""merchant_private_key_path":"keys/merchant_private_key.pem",""", ""), VECTORS.path)
        assertThrows<PayqueryException.InvalidConfig> { keyless.buildJson("""{"out_trade_no":"K1"}""") }
        val pending = keyless.prepareJson("""{"out_trade_no":"K1"}""", 1_700_000_000, "k1")
        val privateKey = KeyFactory.getInstance("RSA").generatePrivate(PKCS8EncodedKeySpec(pemDer(key("merchant_private_key.pem"))))
        val signer = Signature.getInstance("SHA256withRSA")
        signer.initSign(privateKey)
        signer.update(pending.stringToSign().toByteArray())
        val finished = pending.finish(Base64.getEncoder().encodeToString(signer.sign()))
        assertEquals(Client.fromJson(wechatpay, VECTORS.path).buildJson("""{"out_trade_no":"K1"}""", 1_700_000_000, "k1"), finished)
        val parked = PendingRequest.fromJson(pending.toJson())
        assertEquals(pending.stringToSign(), parked.stringToSign())
        val tampered =
            assertThrows<PayqueryException.InvalidInput> { PendingRequest.fromJson(pending.toJson().replace("\"k1\"", "\"k2\"")) }
        assertEquals("string_to_sign", tampered.field)
    }

    @Test
    fun `bad inputs are typed exceptions and the client keeps working`() {
        val client = Client.fromJson(configs.getValue("""{"merchant_order_sn":"A"}"""))
        for (query in listOf(
            "5",
            "{",
            "[]",
            """{"merchant_order_sn":5}""",
            """{"merchant_order_sn":null}""",
            """{"order_sn":"A","merchant_order_sn":"B"}""",
        )) {
            val e = assertThrows<PayqueryException.InvalidInput> { client.buildJson(query) }
            assertEquals("INVALID_INPUT", e.code)
        }
        assertThrows<PayqueryException.InvalidInput> { client.buildJson("""{"merchant_order_sn":"A"}""", nonce = "has space") }
        assertThrows<PayqueryException.InvalidInput> {
            client.parseJson(HttpResponse(-1, emptyList(), ByteArray(0)), """{"merchant_order_sn":"A"}""")
        }
        assertThrows<PayqueryException.InvalidInput> {
            client.parseJson(HttpResponse(70000, emptyList(), ByteArray(0)), """{"merchant_order_sn":"A"}""")
        }
        assertThrows<PayqueryException.InvalidInput> { client.failoverRequest(HttpRequest("PATCH", "https://x/", emptyList(), null)) }
        assertThrows<PayqueryException.InvalidConfig> { client.buildTokenRequest(TokenKind.STABLE) }
        for (bad in listOf("", "{}", """{"provider":"nope"}""", """{"provider":"fubei"}""")) {
            assertThrows<PayqueryException.InvalidConfig> { Client.fromJson(bad) }
        }
        assertThrows<PayqueryException.InvalidConfig> { Client.fromConfigFile("/no/such/config.json") }
        val provider =
            assertThrows<PayqueryException.ProviderException> {
                client.parseJson(
                    HttpResponse(200, emptyList(), """{"result_code":500,"result_message":"busy"}""".toByteArray()),
                    """{"merchant_order_sn":"A"}""",
                )
            }
        assertEquals(listOf("PROVIDER_ERROR", "500", "busy"), listOf(provider.code, provider.providerCode, provider.providerMessage))
        assertEquals(200, provider.httpStatus)
        assertTrue(provider.retryable)
        assertEquals("POST", client.buildJson("""{"merchant_order_sn":"A"}""").method)
    }

    @Test
    fun `defaults are the clock and a CSPRNG nonce`() {
        val client = Client.fromJson(wechatpay, VECTORS.path)

        fun auth(r: HttpRequest) = Regex("""(\w+)="([^"]*)"""").findAll(r.headers[0].value).associate {
            it.groupValues[1] to
                it.groupValues[2]
        }
        val before = System.currentTimeMillis() / 1000
        val query = Query.WechatpayEduPapay(EduPapayQuery(outTradeNo = "A1"))
        val a = auth(client.buildQuery(query))
        val b = auth(client.buildQuery(query))
        assertTrue(Regex("[0-9A-Za-z]{32}").matches(a.getValue("nonce_str")))
        assertNotEquals(a["nonce_str"], b["nonce_str"])
        assertTrue(kotlin.math.abs(a.getValue("timestamp").toLong() - before) < 5)
    }

    @Test
    fun `no secret in toString, messages or stack traces`() {
        val shown = StringBuilder()
        for ((query, config) in configs) {
            val client = Client.fromJson(config, VECTORS.path)
            val request = client.buildJson(query)
            // The typed config, as a data class prints it (a WeChat Pay one holds the private key).
            shown.append(configFromJson(config, VECTORS.path))
            // Each header prints redacted on its own too (a list of headers is what gets logged).
            shown.append(client).append(request).append(listOf(request)).append(request.headers)
            request.headers.forEach { shown.append(it).append(it.hashCode()) }
            val e = assertThrows<PayqueryException> { client.parseJson(HttpResponse(500, emptyList(), "<html>".toByteArray()), query) }
            shown.append(e.message).append(e).append(e.stackTraceToString())
        }
        val mini = Client.fromJson(configs.getValue("""{"order_id":"DD1"}"""))
        for (tokenRequest in listOf(mini.buildTokenRequest(TokenKind.CLASSIC), mini.buildTokenRequest(TokenKind.STABLE))) {
            shown.append(tokenRequest).append(tokenRequest.headers)
        }
        val token =
            mini.parseTokenResponse(
                HttpResponse(200, emptyList(), """{"access_token":"${secrets[3]}","expires_in":7200}""".toByteArray()),
                1,
            )
        assertEquals(secrets[3], token.accessToken.text)
        shown.append(token)
        for (bad in listOf(
            configs.getValue("""{"merchant_order_sn":"A"}""").replace(secrets[0], secrets[0] + "\\n"),
            configs.getValue("""{"order_id":"DD1"}""").replace("\"${secrets[3]}\"", "[\"${secrets[3]}\"]"),
            wechatpay.replace(
                """"merchant_private_key_path":"keys/merchant_private_key.pem"""",
                """"merchant_private_key_pem":"-----BEGIN PRIVATE KEY-----\n$privateKeyLine\n-----END PRIVATE KEY-----"""",
            ),
        )) {
            val e = assertThrows<PayqueryException> { Client.fromJson(bad, VECTORS.path) }
            shown.append(e.message).append(e.stackTraceToString())
        }
        for (secret in secrets + privateKeyLine) assertFalse(secret in shown, "leaked ${secret.take(12)}…")
        assertTrue("[redacted]" in shown)
    }

    @Test
    fun `a string with a lone surrogate is an InvalidInput that says so`() {
        val client = Client.fromJson(configs.getValue("""{"merchant_order_sn":"A"}"""))
        for (text in listOf("{\"merchant_order_sn\":\"A\uD800\"}", "{\"merchant_order_sn\":\"\uDC00B\"}")) {
            val e = assertThrows<PayqueryException.InvalidInput> { client.buildJson(text) }
            assertTrue("lone UTF-16 surrogate" in e.reason, e.reason)
        }
        val e = assertThrows<PayqueryException.InvalidInput> { Client.fromJson("{\"provider\":\"fubei\",\"app_id\":\"\uD800\"}") }
        assertTrue("U+D800 at index 30" in e.reason, e.reason)
        // A surrogate *pair* is fine (an emoji in a Fubei order number is text).
        assertEquals("POST", client.buildJson("{\"merchant_order_sn\":\"A\uD83D\uDE00\"}").method)
        // Typed records are lowered the same way.
        val typed = assertThrows<PayqueryException.InvalidInput> { client.buildQuery(Query.Fubei(FubeiQuery(merchantOrderSn = "A\uD800"))) }
        assertTrue("lone UTF-16 surrogate" in typed.reason, typed.reason)
    }

    @Test
    fun `tokens and pending requests print as instants and without secrets`() {
        val mini = Client.fromJson(configs.getValue("""{"order_id":"DD1"}"""))
        val body = """{"access_token":"${secrets[3]}","expires_in":7200}""".toByteArray()
        val token = mini.parseTokenResponse(HttpResponse(200, emptyList(), body), 1_716_182_055)
        assertEquals(
            "AccessToken(access_token=[redacted], expires_in=7200, expires_at=2024-05-20T07:14:15Z, refresh_at=2024-05-20T07:09:15Z)",
            token.toString(),
        )
        val keyless = Client.fromJson(wechatpay.replace(""""merchant_private_key_path":"keys/merchant_private_key.pem",""", ""), VECTORS.path)
        val pending = keyless.prepareJson("""{"out_trade_no":"K1"}""", 1_700_000_000, "k1")
        assertEquals(
            "PendingRequest(url=https://api.mch.weixin.qq.com/v3/edu-papay/transactions/out-trade-no/K1, timestamp=1700000000, nonce=k1)",
            pending.toString(),
        )
        val e = assertThrows<PayqueryException.InvalidInput> { mini.buildJson("""{"token":"stable"}""") }
        assertTrue("buildTokenRequest" in e.reason && "build_token_request" !in e.reason, e.reason)
    }

    @Test
    fun `config and key files are read up to 1 MiB only`() {
        val dir = kotlin.io.path.createTempDirectory("payquery-files").toFile()
        val big = File(dir, "big.pem").apply { writeBytes(ByteArray(1024 * 1024 + 1) { 'a'.code.toByte() }) }
        for (path in listOf("/dev/zero", big.path)) {
            val e =
                assertThrows<PayqueryException.InvalidConfig> {
                    Client.fromJson(wechatpay.replace("keys/merchant_private_key.pem", path), VECTORS.path)
                }
            assertEquals("merchant_private_key_path", e.field, e.reason)
            // A device is refused before it is opened (issue 27), a big file after 1 MiB + 1.
            val why = if (path == "/dev/zero") "not a regular file" else "larger than 1048576 bytes"
            assertTrue(why in e.reason, e.reason)
            val file = assertThrows<PayqueryException.InvalidConfig> { Client.fromConfigFile(path) }
            assertEquals("path", file.field, file.reason)
        }
    }

    /** Every parse vector of the edu-papay file made with its main config: signed, forged, stale answers. */
    private fun eduParses(): List<Triple<HttpResponse, String, Long>> {
        val doc = readJson(File(VECTORS, "wechatpay_edu_papay.json")).jsonObject
        return doc["cases"]!!
            .jsonArray
            .map { it.jsonObject }
            .filter { it["config"]!!.str == "edu" && "parse" in it }
            .map { it["parse"]!!.jsonObject }
            .map { p ->
                val order = p["expect"]!!.jsonObject.opt("order")?.jsonObject
                val query =
                    p.opt("query")?.toString()
                        ?: """{"out_trade_no":"${order?.opt("merchant_order_no")?.str ?: "201407033233368018"}"}"""
                Triple(responseFrom(p["response"]!!.jsonObject), query, p["now"]!!.str.toLong())
            }
    }

    @Test
    fun `one client shared by 8 threads x 10k builds and parses gives single-thread results`() {
        val client = Client.fromJson(wechatpay, VECTORS.path)
        val parses = eduParses()
        assertTrue(parses.size >= 40)

        fun work(i: Int): Pair<String, String> {
            val built =
                runCatching { client.buildJson("""{"out_trade_no":"ORDER_${i % 97}"}""", 1_700_000_000L + i, "n$i") }
                    .fold(
                        { r -> "${r.method} ${r.url} ${r.headers.map { it.name to it.value }} ${r.body?.decodeToString()}" },
                        { e -> "${e::class.simpleName}: ${e.message}" },
                    )
            val (response, query, now) = parses[i % parses.size]
            val parsed =
                runCatching { client.parseJson(response, query, now) }
                    .fold({ r -> "ok ${queryResultJson(r)}" }, { e -> "${e::class.simpleName}: ${e.message}" })
            return built to parsed
        }
        val jobs = 0 until 10_000
        val single = jobs.map(::work)
        val pool = Executors.newFixedThreadPool(8)
        val threaded = jobs.map { i -> pool.submit<Pair<String, String>> { work(i) } }.map { it.get() }
        pool.shutdown()
        assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS))
        assertEquals(single, threaded)
        assertEquals(jobs.count(), single.map { it.first }.toSet().size)
        assertTrue(single.any { it.second.startsWith("ok ") } && single.any { !it.second.startsWith("ok ") })
    }

    @Test
    fun `a client refuses another provider's typed query, and its answer's detail is its own`() {
        // Kotlin's Client is not generic over its provider, so this is checked when it runs.
        val fubei = Client(Config.Fubei(FubeiConfig(appId = "1", appSecret = Secret("s"))))
        val e = assertThrows<PayqueryException.InvalidInput> { fubei.buildQuery(Query.WechatpayEduPapay(EduPapayQuery(outTradeNo = "A1"))) }
        assertEquals("query", e.field)
        assertTrue("fubei" in e.reason, e.reason)
        assertEquals(ProviderId.FUBEI, fubei.provider())
        // Every vector config crosses as the typed Config (configFromJson) before Client(config).
        val typed = configFromJson("""{"provider":"fubei","app_id":"1","app_secret":"s","max_response_bytes":64}""")
        assertEquals(Config.Fubei(FubeiConfig(appId = "1", appSecret = Secret("s"), maxResponseBytes = 64L)), typed)
        // A config prints as a data class does, its credentials as [redacted].
        val vending = DingshangConfig(baseUrl = "https://v.example", appid = "ds1", appSecret = Secret("SECRET-1"), signKey = Secret("SECRET-2"))
        val printed = Config.DingshangVending(vending).toString()
        assertTrue("SECRET" !in printed && "[redacted]" in printed, printed)
    }

    @Test
    fun `README shows the Kotlin example verbatim`() {
        val example = File(ROOT, "bindings-uniffi/kotlin/src/test/kotlin/example/ReadmeExample.kt").readText()
        assertTrue("```kotlin\n$example```" in File(ROOT, "README.md").readText(), "README.md lacks ReadmeExample.kt verbatim")
        val swift = File(ROOT, "bindings-uniffi/swift/Tests/PayqueryTests/ReadmeExample.swift").readText()
        assertTrue("```swift\n$swift```" in File(ROOT, "README.md").readText(), "README.md lacks ReadmeExample.swift verbatim")
    }
}

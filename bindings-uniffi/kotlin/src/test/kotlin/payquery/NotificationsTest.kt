package payquery

import example.notificationServer
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.net.URI
import java.security.KeyFactory
import java.security.PrivateKey
import java.security.Signature
import java.security.spec.PKCS8EncodedKeySpec
import java.time.Instant
import java.util.Base64
import java.util.concurrent.ConcurrentHashMap
import javax.crypto.Cipher
import javax.crypto.spec.GCMParameterSpec
import javax.crypto.spec.SecretKeySpec
import kotlin.time.Duration.Companion.seconds
import java.net.http.HttpClient as JdkClient
import java.net.http.HttpRequest as JdkRequest
import java.net.http.HttpResponse as JdkResponse

/** The sandbox's APIv3 key (its `*.auto.json` configs). */
private const val API_V3_KEY = "PayquerySandboxApiV3Key000000001"
private const val SERIAL_A = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92"
private const val SERIAL_B = "3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912"

private fun privateKey(name: String): PrivateKey {
    val pem = File(VECTORS, "keys/$name").readText()
    val der = Base64.getMimeDecoder().decode(pem.substringAfter("-----BEGIN PRIVATE KEY-----").substringBefore("-----END"))
    return KeyFactory.getInstance("RSA").generatePrivate(PKCS8EncodedKeySpec(der))
}

private val keyA = privateKey("platform_cert_private_key.pem")
private val keyB = privateKey("platform_cert_next_private_key.pem")

/** AEAD_AES_256_GCM as WeChat Pay seals a resource: base64(ciphertext || 16-byte tag). */
private fun seal(plain: String, key: String = API_V3_KEY, nonce: String = "n0nce0123456", aad: String = "transaction", cut: Int? = null): String {
    val cipher = Cipher.getInstance("AES/GCM/NoPadding")
    cipher.init(Cipher.ENCRYPT_MODE, SecretKeySpec(key.toByteArray(), "AES"), GCMParameterSpec(128, nonce.toByteArray()))
    cipher.updateAAD(aad.toByteArray())
    val sealed = cipher.doFinal(plain.toByteArray())
    return Base64.getEncoder().encodeToString(if (cut == null) sealed else sealed.copyOf(cut))
}

/** A paid edu-papay transaction for the sandbox merchant. */
private fun transaction(outTradeNo: String = "NOTIFY_001") =
    """{"sp_mchid":"1900000109","appid":"wx8888888888888888","out_trade_no":"$outTradeNo","transaction_id":"4200000000202612060001",""" +
        """"trade_state":"SUCCESS","trade_state_description":"支付成功","bank_type":"CMC","success_time":"2026-12-06T10:43:39+08:00",""" +
        """"payer":{"openid":"oUpF8uMuAJOM2pxb1Q"},"amount":{"total":888,"payer_total":888,"currency":"CNY"}}"""

/** The callback's envelope, as compact JSON text in WeChat Pay's member order. */
private fun envelope(ciphertext: String, id: String = "EV-2026-0001", algorithm: String = "AEAD_AES_256_GCM") =
    """{"id":"$id","create_time":"2026-12-06T10:43:40+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS",""" +
        """"summary":"支付成功","resource":{"original_type":"transaction","algorithm":"$algorithm","ciphertext":"$ciphertext",""" +
        """"associated_data":"transaction","nonce":"n0nce0123456"}}"""

/**
 * A WeChat Pay callback as a host receives it: `TS\nNONCE\nBODY\n` signed SHA256withRSA (over
 * [signed], the body sent unless given), headers in order, [headers] applied last.
 */
private fun wechat(
    body: ByteArray = envelope(seal(transaction())).toByteArray(),
    timestamp: Long = Instant.now().epochSecond,
    serial: String = SERIAL_A,
    key: PrivateKey = keyA,
    signed: ByteArray = body,
    headers: (List<Header>) -> List<Header> = { it },
): NotificationRequest {
    val nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
    val signer = Signature.getInstance("SHA256withRSA").apply { initSign(key) }
    signer.update("$timestamp\n$nonce\n".toByteArray() + signed + "\n".toByteArray())
    val all =
        listOf(
            Header("Content-Type", "application/json"),
            Header("Wechatpay-Nonce", nonce),
            Header("Wechatpay-Serial", serial),
            Header("Wechatpay-Signature", Base64.getEncoder().encodeToString(signer.sign())),
            Header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048"),
            Header("Wechatpay-Timestamp", timestamp.toString()),
        )
    return NotificationRequest("POST", headers(all), body)
}

/** A Fubei callback form signed with the sandbox's app_secret (fields sorted, empty values kept). */
private fun fubei(extra: String = ""): NotificationRequest {
    val data =
        """{"order_sn":"20261206000001","merchant_order_sn":"FB_NOTIFY_1","order_status":"SUCCESS",""" +
            """"total_amount":20.10,"finish_time":"20261206104339"}"""
    val fields = sortedMapOf("result_code" to "200", "result_message" to "成功", "data" to data)
    val md5 = java.security.MessageDigest.getInstance("MD5")
    val text = fields.entries.joinToString("&") { "${it.key}=${it.value}" } + "sandbox-fubei-app-secret"
    val sign = md5.digest(text.toByteArray()).joinToString("") { "%02X".format(it) }
    val form = (fields + ("sign" to sign)).entries.joinToString("&") { "${it.key}=${java.net.URLEncoder.encode(it.value, Charsets.UTF_8)}" }
    return NotificationRequest("POST", listOf(Header("Content-Type", "application/x-www-form-urlencoded")), (form + extra).toByteArray())
}

/**
 * Notifications (`handleNotification`, NOTIFICATIONS.md §7) against `payquery sandbox`: the
 * edu-papay client on the sandbox's auto config downloads its platform certificates from the
 * sandbox, and every bad input is refused typed, with its exact reply and no secret.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotificationsTest {
    private lateinit var sandbox: Sandbox
    private lateinit var client: Client

    private fun auto(sandbox: Sandbox = this.sandbox) = Client.fromConfigFile(File(sandbox.configs, "wechatpay_edu_papay.auto.json").path)

    @BeforeAll
    fun start() {
        sandbox = Sandbox()
        client = auto()
        assertEquals(listOf(SERIAL_A), client.downloadCertificatesBlocking().certificates.map { it.serialNo })
    }

    @AfterAll
    fun stop() = sandbox.close()

    @Test
    fun `a paid transaction is verified, decrypted, typed and answered 204`() = runBlocking {
        val request = wechat()
        val handled = client.handleNotification(request)
        val notification = handled.notification
        assertEquals(NotificationReply(204, emptyList(), ""), handled.reply)
        assertEquals(emptyList<Attempt>(), handled.attempts, "the certificate is held: nothing sent")
        assertEquals(ProviderId.WECHATPAY_EDU_PAPAY, notification.provider)
        assertTrue(notification.verified)
        assertEquals("EV-2026-0001", notification.id)
        assertEquals("TRANSACTION.SUCCESS", notification.eventType)
        assertEquals(SERIAL_A, notification.signatureSerial)
        assertNull(notification.confirmQuery)
        val order = notification.order!!
        assertEquals(OrderStatus.PAID, order.status)
        assertEquals("NOTIFY_001", order.merchantOrderNo)
        assertEquals(Money(888, "CNY"), order.amount)
        val detail = notification.detail as NotificationDetail.WechatpayEduPapay
        assertTrue(detail.notice is EduPapayNotice.Transaction, "${detail.notice}")
        // The same through every entry point: blocking, sans-IO, and the JSON the CLI prints.
        assertEquals(handled, client.handleNotificationBlocking(request))
        assertEquals(handled, client.checkNotification(request).getOrThrow())
        val json = readJsonText(notificationJson(notification)).jsonObject
        assertEquals("EV-2026-0001", json["id"]!!.str)
        assertEquals("PAID", json["order"]!!.jsonObject["status"]!!.str)
        // The body in a request's toString is its length only.
        assertTrue(request.toString().endsWith("body=<${request.body.size} bytes>)"), request.toString())
    }

    /** A refused notification: its request is built when the case runs (its timestamp is that moment's). */
    private class Bad(val name: String, val code: String, val field: String, val status: Int, val client: () -> Client, request: () -> NotificationRequest) {
        val request by lazy(request)
    }

    private val fubeiClient by lazy { Client.fromConfigFile(sandbox.configPath("fubei")) }

    private fun bad(): List<Bad> {
        val body = envelope(seal(transaction()))
        val reordered =
            body.replaceFirst(
                """"id":"EV-2026-0001","create_time":"2026-12-06T10:43:40+08:00"""",
                """"create_time":"2026-12-06T10:43:40+08:00","id":"EV-2026-0001"""",
            )
        check(reordered != body)
        val signature = "Wechatpay-Signature"
        val weChatPay = { name: String, code: String, field: String, status: Int, request: () -> NotificationRequest ->
            Bad(name, code, field, status, { client }, request)
        }
        val fubeiForm = { name: String, code: String, field: String, status: Int, request: () -> NotificationRequest ->
            Bad(name, code, field, status, { fubeiClient }, request)
        }
        val tampered = body.replace("支付成功\",\"resource", "支付失败\",\"resource")
        return listOf(
            weChatPay("tampered body", "SIGNATURE_INVALID", signature, 401) { wechat(tampered.toByteArray(), signed = body.toByteArray()) },
            weChatPay("the same JSON re-ordered", "SIGNATURE_INVALID", signature, 401) { wechat(reordered.toByteArray(), signed = body.toByteArray()) },
            weChatPay("Wechatpay-Timestamp missing", "SIGNATURE_INVALID", "Wechatpay-Timestamp", 401) {
                wechat { h -> h.filter { it.name != "Wechatpay-Timestamp" } }
            },
            weChatPay("Wechatpay-Signature sent twice", "SIGNATURE_INVALID", signature, 401) { wechat { h -> h + h.first { it.name == signature } } },
            weChatPay("WeChat Pay's signature probe", "SIGNATURE_INVALID", signature, 401) {
                wechat { h -> h.map { if (it.name == signature) Header(it.name, "WECHATPAY/SIGNTEST/" + it.value) else it } }
            },
            weChatPay("stale (now - 330 s)", "TIMESTAMP_SKEW", "Wechatpay-Timestamp", 401) { wechat(timestamp = Instant.now().epochSecond - 330) },
            weChatPay("in the future (now + 330 s)", "TIMESTAMP_SKEW", "Wechatpay-Timestamp", 401) { wechat(timestamp = Instant.now().epochSecond + 330) },
            weChatPay("sealed with another api_v3_key", "DECRYPT_ERROR", "resource.ciphertext", 400) {
                wechat(envelope(seal(transaction(), key = "AnotherMerchantsApiV3Key00000001")).toByteArray())
            },
            weChatPay("a ciphertext cut short", "DECRYPT_ERROR", "resource.ciphertext", 400) { wechat(envelope(seal(transaction(), cut = 40)).toByteArray()) },
            weChatPay("another algorithm", "DECODE_ERROR", "resource.algorithm", 400) {
                wechat(envelope(seal(transaction()), algorithm = "AEAD_AES_128_GCM").toByteArray())
            },
            weChatPay("a 10 MB body", "INVALID_INPUT", "body", 400) { wechat(ByteArray(10 shl 20) { 'x'.code.toByte() }) },
            weChatPay("a signed body that is not UTF-8", "DECODE_ERROR", "body", 400) {
                wechat(byteArrayOf('{'.code.toByte(), 0xff.toByte(), '}'.code.toByte()))
            },
            fubeiForm("Fubei: a field sent twice", "INVALID_INPUT", "result_code", 400) { fubei("&result_code=200") },
            fubeiForm("Fubei: a sign that does not match", "SIGNATURE_INVALID", "sign", 401) {
                fubei().let { it.copy(body = it.body.decodeToString().replace("sign=", "sign=0").toByteArray()) }
            },
        )
    }

    @TestFactory
    fun `every bad input is refused, typed, with its reply and no secret`(): List<DynamicTest> {
        val downloads = sandbox.stat("certificate_requests")
        return bad().map { case ->
            DynamicTest.dynamicTest(case.name) {
                val client = case.client()
                val e = assertThrows<NotificationRejectedException>(case.name) { runBlocking { client.handleNotification(case.request) } }
                assertEquals(case.code, e.error.code, "${case.name}: ${e.error.reason}")
                assertEquals(case.field, e.error.field, case.name)
                assertSame(e.error, e.cause)
                assertEquals(case.status, e.reply.status, case.name)
                assertTrue(e.reply.body == "FAIL" || "\"code\":\"FAIL\"" in e.reply.body, e.reply.body)
                // Typed: the exception's own subclass.
                assertEquals(case.code, e.error.javaClass.simpleName.replace(Regex("([a-z])([A-Z])"), "$1_$2").uppercase().replace("EXCEPTION", "ERROR"))
                // The sans-IO check refuses it the same way, with the same reply.
                val outcome = client.checkNotification(case.request)
                assertEquals(e.reply, outcome.reply, case.name)
                assertEquals(case.code, outcome.error!!.code)
                for (text in listOf(e.toString(), e.message!!, e.reply.toString(), e.error.toString(), case.request.toString())) {
                    assertFalse(API_V3_KEY in text || "sandbox-fubei-app-secret" in text, "${case.name}: a secret in $text")
                }
                // Nothing here is an unknown serial: no certificate download.
                assertEquals(downloads, sandbox.stat("certificate_requests"), case.name)
            }
        }
    }

    @Test
    fun `a bad option is a rejection carrying the retry reply`() {
        val e = assertThrows<NotificationRejectedException> { runBlocking { client.handleNotification(wechat(), timeout = (-1).seconds) } }
        assertEquals("timeout", e.error.field)
        assertTrue(e.error is PayqueryException.InvalidInput)
        assertEquals(client.notificationRetryReply(), e.reply)
        assertEquals(500, e.reply.status)
        val blocking = assertThrows<NotificationRejectedException> { client.handleNotificationBlocking(wechat(), deadline = java.time.Duration.ofMillis(-5)) }
        assertEquals("deadline", blocking.error.field)
        assertEquals(500, blocking.reply.status)
    }

    @Test
    fun `each provider's retry reply`() {
        assertEquals(500, client.notificationRetryReply().status)
        assertTrue("\"code\":\"FAIL\"" in client.notificationRetryReply().body)
        assertEquals(NotificationReply(500, listOf(Header("Content-Type", "text/plain; charset=utf-8")), "FAIL"), fubeiClient.notificationRetryReply())
        assertEquals(500, Client.fromConfigFile(sandbox.configPath("dingshang_vending")).notificationRetryReply().status)
    }

    @Test
    fun `a forged serial costs one download, refused 500, then none within the minute`() {
        val client = auto()
        val forged = wechat(serial = "5E7A1D00000000000000000000000000000B4D00")
        val before = sandbox.stat("certificate_requests")
        val first = assertThrows<NotificationRejectedException> { client.handleNotificationBlocking(forged) }
        assertTrue(first.error is PayqueryException.SignatureInvalid)
        assertEquals("Wechatpay-Serial", first.error.field)
        assertEquals(500, first.reply.status)
        assertEquals(listOf(AttemptPurpose.CERTIFICATES), first.error.attempts.map { it.purpose })
        assertEquals(before + 1, sandbox.stat("certificate_requests"))
        val again = assertThrows<NotificationRejectedException> { client.handleNotificationBlocking(forged) }
        assertEquals(500, again.reply.status)
        assertEquals(emptyList<AttemptPurpose>(), again.error.attempts.map { it.purpose })
        assertEquals(before + 1, sandbox.stat("certificate_requests"), "no second download within a minute")
    }

    @Test
    fun `after a rotation, a notification signed by the new certificate is verified with one download`() = runBlocking {
        Sandbox().use { own ->
            own.rotate()
            val client = auto(own)
            val signedByB = wechat(serial = SERIAL_B, key = keyB)
            // check_notification never downloads: the serial is unknown, so 500 (sent again).
            assertEquals(500, client.checkNotification(signedByB).reply.status)
            assertEquals(0L, own.stat("certificate_requests"))
            val handled = client.handleNotification(signedByB)
            assertEquals(204, handled.reply.status)
            assertEquals(SERIAL_B, handled.notification.signatureSerial)
            assertEquals(OrderStatus.PAID, handled.notification.order!!.status)
            assertEquals(1L, own.stat("certificate_requests"))
            assertEquals(listOf(AttemptPurpose.CERTIFICATES), handled.attempts.map { it.purpose })
            assertEquals(setOf(SERIAL_A, SERIAL_B), client.downloadedCertificates().map { it.serialNo }.toSet())
            // Held now: the next one is checked without sending anything.
            val again = client.handleNotification(signedByB)
            assertEquals(204, again.reply.status)
            assertEquals(emptyList<Attempt>(), again.attempts)
            assertEquals(1L, own.stat("certificate_requests"))
        }
    }

    @Test
    fun `the unsigned vending callback is confirmed with the signed query`() = runBlocking {
        val vending = Client.fromConfigFile(sandbox.configPath("dingshang_vending"))
        val body = """{"method":"device.delivery.response","order_id":1001,"record_id":70,"deliver_status":"1","floor_status":"0"}"""
        val handled = vending.handleNotification(NotificationRequest("POST", listOf(Header("Content-Type", "application/json")), body.toByteArray()))
        assertFalse(handled.notification.verified)
        assertEquals(200, handled.reply.status)
        assertEquals("""{"order_id":"1001"}""", handled.notification.confirmQuery)
        val confirmed = vending.confirmNotification(handled.notification, mapOf("machine_no" to "16327129"))
        assertEquals("1001", confirmed.order.providerOrderId)
        assertEquals(listOf(AttemptPurpose.QUERY), confirmed.attempts.map { it.purpose })
        assertEquals("1001", vending.confirmNotificationBlocking(handled.notification, mapOf("machine_no" to "16327129")).order.providerOrderId)
        // Without machine_no the query document is incomplete: refused naming it, nothing sent.
        val incomplete = assertThrows<PayqueryException.InvalidInput> { runBlocking { vending.confirmNotification(handled.notification) } }
        assertEquals("machine_no", incomplete.field)
        // A verified notification needs no confirming.
        val verified = client.handleNotification(wechat()).notification
        val e = assertThrows<PayqueryException.InvalidInput> { runBlocking { client.confirmNotification(verified) } }
        assertEquals("notification", e.field)
    }

    @Test
    fun `the Mini Program charge API sends no notifications`() {
        val mini = Client.fromConfigFile(sandbox.configPath("wechat_mini_charge"))
        val e = assertThrows<NotificationRejectedException> { mini.handleNotificationBlocking(NotificationRequest("POST", emptyList(), "{}".toByteArray())) }
        assertEquals("provider", e.error.field)
        assertEquals(400, e.reply.status)
    }

    /** The README's recipe, run: the JDK's HttpServer answering real HTTP requests. */
    @Test
    fun `the README's HttpServer recipe answers as the provider expects`() {
        val stored = ConcurrentHashMap<String, Notification>()
        var failing = false
        val server =
            notificationServer(client, "/notify") { notification ->
                if (failing) error("the database is down")
                stored.putIfAbsent(notification.id, notification)
            }
        server.start()
        try {
            val http = JdkClient.newHttpClient()
            val post = { request: NotificationRequest ->
                val builder = JdkRequest.newBuilder(URI.create("http://127.0.0.1:${server.address.port}/notify"))
                request.headers.forEach { builder.header(it.name, it.value) }
                http.send(builder.POST(JdkRequest.BodyPublishers.ofByteArray(request.body)).build(), JdkResponse.BodyHandlers.ofString())
            }
            val ok = post(wechat())
            assertEquals(204, ok.statusCode())
            assertEquals("", ok.body())
            assertEquals(setOf("EV-2026-0001"), stored.keys)
            val refused = post(wechat(timestamp = Instant.now().epochSecond - 400))
            assertEquals(401, refused.statusCode())
            assertTrue(refused.body().startsWith("{\"code\":\"FAIL\",\"message\":\"TIMESTAMP_SKEW"), refused.body())
            assertTrue(refused.headers().firstValue("Content-Type").get().startsWith("application/json"))
            failing = true
            val notStored = post(wechat(envelope(seal(transaction()), id = "EV-2026-0002").toByteArray()))
            assertEquals(500, notStored.statusCode())
            assertEquals(setOf("EV-2026-0001"), stored.keys)
        } finally {
            server.stop(0)
        }
        val recipe = File(ROOT, "bindings-uniffi/kotlin/src/test/kotlin/example/ReadmeNotifications.kt").readText()
        assertTrue("```kotlin\n$recipe```" in File(ROOT, "README.md").readText(), "README.md lacks ReadmeNotifications.kt verbatim")
    }
}

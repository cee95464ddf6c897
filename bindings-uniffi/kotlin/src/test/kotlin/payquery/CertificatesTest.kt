package payquery

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import java.util.concurrent.ConcurrentHashMap
import kotlin.time.Duration.Companion.seconds

/**
 * WeChat Pay platform certificates against `payquery sandbox` over real HTTP (java.net.http):
 * the flow downloads them before the first query, picks up a rotation, spends at most one
 * download a minute on a forged serial, goes on when a download fails, and the explicit
 * `downloadCertificates` (QUERY-FLOW.md §7; the same rows as every other language). The
 * rotation is the sandbox's for good, so that row runs on a sandbox of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CertificatesTest {
    private lateinit var sandbox: Sandbox

    @BeforeAll
    fun start() {
        sandbox = Sandbox()
    }

    @AfterAll
    fun stop() = sandbox.close()

    private val wechatPay = listOf("wechatpay_edu_papay", "wechatpay_payscore_oversea")

    /** The certificate the sandbox signs with until it rotates (tests/vectors/keys). */
    private val serialA = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92"
    private val serialB = "3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912"
    private val forgedSerial = "5E7A1D00000000000000000000000000000B4D00"

    /** A fresh client (nothing downloaded yet) on `<provider>.auto.json`: `api_v3_key` and no platform key. */
    private fun auto(provider: String, sandbox: Sandbox = this.sandbox) = Client.fromConfigFile(File(sandbox.configs, "$provider.auto.json").path)

    private fun paid(provider: String, sandbox: Sandbox = this.sandbox): Query =
        queryFromJson(ProviderId.valueOf(provider.uppercase()), sandbox.read("$provider.query.json").toString())

    /** The provider's paid query with its order id replaced by [id]. */
    private fun order(provider: String, id: String): Query {
        val key = if (provider == "wechatpay_edu_papay") "out_trade_no" else "out_order_no"
        val document = JsonObject(sandbox.read("$provider.query.json") + (key to JsonPrimitive(id)))
        return queryFromJson(ProviderId.valueOf(provider.uppercase()), document.toString())
    }

    private val QueryResult.purposes get() = attempts.map { it.purpose }
    private val PayqueryException.purposes get() = attempts.map { it.purpose }

    @Test
    fun `the first query downloads the certificates first, the second downloads none`() = runBlocking {
        for (provider in wechatPay) {
            val client = auto(provider)
            val before = sandbox.stat("certificate_requests")
            val first = client.query(paid(provider))
            assertEquals(OrderStatus.PAID, first.order.status, provider)
            assertEquals(listOf(AttemptPurpose.CERTIFICATES, AttemptPurpose.QUERY), first.purposes, provider)
            assertNull(first.attempts[0].error)
            val path = if (provider == "wechatpay_edu_papay") "/v3/certificates" else "/v3/global/certificates"
            assertTrue(first.attempts[0].url.endsWith(path), first.attempts[0].url)
            assertEquals(serialA, first.signatureSerial, "signed with the downloaded certificate")
            assertEquals(before + 1, sandbox.stat("certificate_requests"), provider)

            val second = client.query(paid(provider))
            assertEquals(listOf(AttemptPurpose.QUERY), second.purposes, provider)
            assertEquals(before + 1, sandbox.stat("certificate_requests"), "$provider: the held set is reused")
            assertEquals(listOf(serialA), client.downloadedCertificates().map { it.serialNo })
        }
    }

    @Test
    fun `a rotation is picked up by verifying the same answer again`() = runBlocking {
        Sandbox().use { own ->
            val clients = wechatPay.associateWith { auto(it, own) }
            for ((provider, client) in clients) assertEquals(serialA, client.query(paid(provider, own)).signatureSerial)
            own.rotate()
            for ((provider, client) in clients) {
                val before = own.stat("certificate_requests")
                val rotated = client.query(paid(provider, own))
                assertEquals(OrderStatus.PAID, rotated.order.status, provider)
                // The answer signed with the new serial, one download, that same answer verified
                // again: the order is not queried twice.
                assertEquals(listOf(AttemptPurpose.QUERY, AttemptPurpose.CERTIFICATES), rotated.purposes, provider)
                assertEquals(serialB, rotated.signatureSerial)
                assertEquals(before + 1, own.stat("certificate_requests"))
                // Merged, not replaced: the old certificate, still valid, stays.
                assertEquals(setOf(serialA, serialB), client.downloadedCertificates().map { it.serialNo }.toSet())
            }
        }
    }

    @Test
    fun `a forged serial costs one download, then none within the minute`() = runBlocking {
        for (provider in wechatPay) {
            val client = auto(provider)
            client.query(paid(provider)) // the scheduled download
            val before = sandbox.stat("certificate_requests")
            val forged = assertThrows<PayqueryException.SignatureInvalid> { runBlocking { client.query(order(provider, "FAULT_UNKNOWN_SERIAL")) } }
            assertEquals(listOf(AttemptPurpose.QUERY, AttemptPurpose.CERTIFICATES), forged.purposes, provider)
            assertTrue(forgedSerial in forged.reason, forged.reason)
            assertEquals(before + 1, sandbox.stat("certificate_requests"), provider)

            val again = assertThrows<PayqueryException.SignatureInvalid> { runBlocking { client.query(order(provider, "FAULT_UNKNOWN_SERIAL")) } }
            assertEquals(listOf(AttemptPurpose.QUERY), again.purposes, "$provider: no second download within a minute")
            assertEquals(before + 1, sandbox.stat("certificate_requests"), provider)
        }
    }

    @Test
    fun `a failed download leaves the held keys in use and the query goes on`() = runBlocking {
        // The sandbox's merchant 1900000500: every download answers 500, its queries are signed
        // with the public key its ordinary config carries.
        for (provider in wechatPay) {
            val config = sandbox.read("$provider.json").with("mchid", "1900000500").with("api_v3_key", "PayquerySandboxApiV3Key000000001")
            val client = Client.fromJson(config.toString())
            val result = client.query(paid(provider))
            assertEquals(OrderStatus.PAID, result.order.status, provider)
            assertEquals(
                listOf(AttemptPurpose.CERTIFICATES to ErrorCode.PROVIDER_ERROR, AttemptPurpose.QUERY to null),
                result.attempts.map { it.purpose to it.error },
                provider,
            )
            assertEquals(500, result.attempts.first().httpStatus)
            assertEquals("PUB_KEY_ID_0119000000012025010100000000000001", result.signatureSerial)
            // An explicit download reports the failure.
            val e = assertThrows<PayqueryException.ProviderException> { client.downloadCertificatesBlocking() }
            assertEquals(500, e.httpStatus)
            assertEquals(listOf(AttemptPurpose.CERTIFICATES), e.purposes.distinct())
        }
    }

    @Test
    fun `a public-key-only merchant with api_v3_key is no failure`() = runBlocking {
        for (provider in wechatPay) {
            val config = sandbox.read("$provider.json").with("api_v3_key", "PayquerySandboxApiV3Key000000001")
            val client = Client.fromJson(config.toString())
            val result = client.query(paid(provider))
            assertEquals(OrderStatus.PAID, result.order.status, provider)
            assertEquals(listOf(AttemptPurpose.CERTIFICATES to 404, AttemptPurpose.QUERY to 200), result.attempts.map { it.purpose to it.httpStatus })
            assertTrue(result.attempts.all { it.error == null }, "${result.attempts}")
            assertEquals("PUB_KEY_ID_0119000000012025010100000000000001", result.signatureSerial)
            assertEquals(emptyList<PlatformCertificate>(), client.downloadCertificates().certificates)
        }
    }

    @Test
    fun `an explicit download lists the certificates, each as the JDK reads it`() = runBlocking {
        val factory = CertificateFactory.getInstance("X.509")
        for (provider in wechatPay) {
            val client = auto(provider)
            val before = sandbox.stat("certificate_requests")
            for (download in listOf(client.downloadCertificates(timeout = 5.seconds), client.downloadCertificatesBlocking())) {
                assertEquals(listOf(AttemptPurpose.CERTIFICATES), download.attempts.map { it.purpose }, provider)
                val held = download.certificates.single()
                assertEquals(serialA, held.serialNo)
                val x509 = factory.generateCertificate(held.certificatePem.byteInputStream()) as X509Certificate
                assertEquals(serialA, x509.serialNumber.toString(16).uppercase())
                assertEquals(x509.notBefore.toInstant().epochSecond, held.notBefore)
                assertEquals(x509.notAfter.toInstant().epochSecond, held.notAfter)
            }
            assertEquals(before + 2, sandbox.stat("certificate_requests"), "an explicit download always asks")
            // What was downloaded verifies the next query: no download before it.
            assertEquals(listOf(AttemptPurpose.QUERY), client.query(paid(provider)).purposes)
        }
        // A client that downloads nothing says which key it lacks.
        val fixed = Client.fromConfigFile(sandbox.configPath("wechatpay_edu_papay"))
        assertEquals("api_v3_key", assertThrows<PayqueryException.InvalidConfig> { fixed.downloadCertificatesBlocking() }.field)
        val bad = assertThrows<PayqueryException.InvalidInput> { runBlocking { auto("wechatpay_edu_papay").downloadCertificates(timeout = 601.seconds) } }
        assertEquals("timeout", bad.field)
    }

    @Test
    fun `a token store shares the listing, so a second client downloads nothing`() = runBlocking {
        val values = ConcurrentHashMap<String, String>()
        val store =
            object : TokenStore {
                override suspend fun get(key: String) = values[key]

                override suspend fun put(key: String, value: String, ttlMs: Long) {
                    values[key] = value
                }

                override suspend fun invalidate(key: String, value: String) {
                    values.remove(key, value)
                }
            }
        val provider = "wechatpay_edu_papay"
        val before = sandbox.stat("certificate_requests")
        val first = auto(provider).query(paid(provider), tokenStore = store)
        assertEquals(listOf(AttemptPurpose.CERTIFICATES, AttemptPurpose.QUERY), first.purposes)
        assertEquals(listOf("payquery:wechatpay_certificates:1900000109:${sandbox.baseUrl}/v3/certificates"), values.keys.toList())
        assertFalse("PayquerySandboxApiV3Key" in values.values.single(), "stored as WeChat Pay sent it")
        val second = auto(provider).query(paid(provider), tokenStore = store)
        assertEquals(listOf(AttemptPurpose.QUERY), second.purposes, "the stored listing, no download")
        assertEquals(before + 1, sandbox.stat("certificate_requests"))
        // A central job's explicit download saves the listing for the fleet too.
        values.clear()
        assertEquals(listOf(serialA), auto(provider).downloadCertificates(tokenStore = store).certificates.map { it.serialNo })
        assertEquals(1, values.size)
        assertEquals(listOf(AttemptPurpose.QUERY), auto(provider).query(paid(provider), tokenStore = store).purposes)
        assertEquals(before + 2, sandbox.stat("certificate_requests"))
    }

    @Test
    fun `an api_v3_key of 16 bytes is refused by name and never echoed`() {
        val short = "0123456789abcdef"
        for (provider in wechatPay) {
            val config = sandbox.read("$provider.auto.json").with("api_v3_key", short).toString()
            val e = assertThrows<PayqueryException.InvalidConfig> { Client.fromJson(config) }
            assertEquals("api_v3_key", e.field)
            for (text in listOf(e.toString(), e.message.orEmpty(), e.reason, e.stackTraceToString())) {
                assertFalse(short in text, text)
            }
            // A valid key is a Secret: printing the typed config or the client never shows it.
            val typed = configFromJson(sandbox.read("$provider.auto.json").toString())
            assertFalse("PayquerySandboxApiV3Key" in typed.toString(), typed.toString())
            assertFalse("PayquerySandboxApiV3Key" in Client(typed).toString())
        }
    }

    @Test
    fun `a saved download answer parses without the network`() {
        // What the sandbox answers a download, sent by hand: the same list the flow holds.
        val client = auto("wechatpay_payscore_oversea")
        val request = client.startCertificateDownload(QueryOptions(), System.currentTimeMillis()).use { flow ->
            (flow.next(System.currentTimeMillis(), ByteArray(32)) as QueryStep.Send).request
        }
        val parsed = client.parseCertificates(send(request))
        assertEquals(listOf(serialA), parsed.certificates.map { it.serialNo })
        assertEquals(emptyList<Attempt>(), parsed.attempts)
        assertNotEquals(emptyList<PlatformCertificate>(), client.downloadedCertificates())
    }
}

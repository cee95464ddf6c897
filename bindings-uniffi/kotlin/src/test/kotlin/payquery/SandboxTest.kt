package payquery

import example.readmeExample
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource
import java.net.ConnectException

/** Real HTTP round trips with java.net.http.HttpClient against `payquery sandbox` on 127.0.0.1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxTest {
    private lateinit var sandbox: Sandbox

    @BeforeAll
    fun start() {
        sandbox = Sandbox()
    }

    @AfterAll
    fun stop() = sandbox.close()

    private fun roundTrip(client: Client, query: Query, extra: Map<String, String> = emptyMap()): QueryResult =
        client.parseQuery(send(client.buildQuery(query), extra), query)

    /** A query document the sandbox wrote, as this client's typed query. */
    private fun roundTrip(client: Client, queryJson: String, extra: Map<String, String> = emptyMap()): QueryResult =
        roundTrip(client, client.queryFromJson(queryJson), extra)

    @ParameterizedTest
    @ValueSource(strings = ["wechat_mini_charge", "fubei", "wechatpay_edu_papay", "dingshang_vending", "wechatpay_payscore_oversea"])
    fun `a paid order round trips`(provider: String) {
        val client = Client.fromConfigFile(sandbox.configPath(provider))
        assertEquals(provider, client.provider().id)
        val result = roundTrip(client, sandbox.read("$provider.query.json").toString())
        assertEquals(OrderStatus.PAID, result.order.status)
        assertNotNull(result.order.amount)
        val signed = provider.startsWith("wechatpay_")
        assertEquals(if (signed) "PUB_KEY_ID_0119000000012025010100000000000001" else null, result.signatureSerial)
        assertTrue(readJsonText(queryResultJson(result)).jsonObject["detail"] is JsonObject)
    }

    @ParameterizedTest
    @ValueSource(strings = ["wechat_mini_charge", "fubei", "wechatpay_edu_papay", "dingshang_vending", "wechatpay_payscore_oversea"])
    fun `faults by header and by order id become the matching exception`(provider: String) {
        val client = Client.fromConfigFile(sandbox.configPath(provider))
        val query = sandbox.read("$provider.query.json").toString()
        val faults = sandbox.read("$provider.faults.json")
        val expected = mapOf(
            "rate_limit" to PayqueryException.RateLimited::class.java,
            "system_error" to PayqueryException.ProviderException::class.java,
            "truncated" to PayqueryException.DecodeException::class.java,
            "bad_signature" to PayqueryException.SignatureInvalid::class.java,
            "stale_timestamp" to PayqueryException.TimestampSkew::class.java,
        )
        var checked = 0
        for ((fault, type) in expected) {
            val byId = faults[fault]?.jsonObject ?: continue // the signature faults are WeChat Pay's only
            val header = assertThrows<PayqueryException> { roundTrip(client, query, mapOf("X-Payquery-Sandbox-Fault" to fault)) }
            assertTrue(type.isInstance(header), "$provider $fault: $header")
            val id = assertThrows<PayqueryException> { roundTrip(client, byId.toString()) }
            assertTrue(type.isInstance(id), "$provider $fault by id: $id")
            if (fault == "rate_limit" || fault == "system_error") assertTrue(header.retryable)
            checked++
        }
        assertEquals(if (provider.startsWith("wechatpay_")) 5 else 3, checked)
    }

    @Test
    fun `big amounts and yuan stay exact`() {
        val edu = Client.fromConfigFile(sandbox.configPath("wechatpay_edu_papay"))
        val big = roundTrip(edu, Query.WechatpayEduPapay(EduPapayQuery(outTradeNo = "EDU_BIG_AMOUNT_001")))
        assertEquals(Money(9007199254740993, "CNY"), big.order.amount)
        val transaction = (big.detail as ProviderDetail.WechatpayEduPapay).transaction
        assertEquals(9007199254740993, transaction.amount.total)
        val fubei = Client.fromConfigFile(sandbox.configPath("fubei"))
        val paid = roundTrip(fubei, Query.Fubei(FubeiQuery(merchantOrderSn = "FB_PAID_001")))
        assertEquals(Money(29, "CNY"), paid.order.amount)
        assertEquals(FubeiTradeState.Success, (paid.detail as ProviderDetail.Fubei).order.tradeState)
    }

    @Test
    fun `access tokens are issued and used`() {
        val config = sandbox.read("wechat_mini_charge.json")
        val client = Client.fromJson(config.toString())
        for (kind in TokenKind.values()) {
            val token = client.parseTokenResponse(send(client.buildTokenRequest(kind)))
            assertEquals(7200, token.expiresIn)
            assertEquals(token.expiresAt.minusSeconds(300), token.refreshAt)
            assertTrue(token.accessToken.text !in token.toString())
            val withToken = Client.fromJson(config.with("access_token", token.accessToken.text).toString())
            assertEquals(OrderStatus.PAID, roundTrip(withToken, """{"order_id":"DD_PAID_001"}""").order.status)
        }
        val expired = Client.fromJson(config.with("access_token", "SANDBOX_EXPIRED_TOKEN_0001").toString())
        val error = assertThrows<PayqueryException.TokenExpired> { roundTrip(expired, """{"order_id":"DD_PAID_001"}""") }
        assertEquals("42001", error.providerCode)
    }

    @Test
    fun `backup host retry after a network failure and after SYSTEM_ERROR`() {
        // A client on WeChat Pay's real main host, behind a fake network that routes both hosts
        // to the sandbox, the main one only while it is up. The host is not signed, so the
        // sandbox verifies the failover request's signature unchanged.
        val client = Client.fromJson(sandbox.read("wechatpay_edu_papay.json").with("base_url", null).with("backup_base_url", null).toString())
        val hosts = listOf("https://api.mch.weixin.qq.com", "https://api2.mch.weixin.qq.com")
        var mainUp = false
        fun route(request: HttpRequest, extra: Map<String, String> = emptyMap()): HttpResponse {
            val host = hosts.first { request.url.startsWith("$it/") }
            if (host == hosts[0] && !mainUp) throw ConnectException("main host unreachable")
            return send(request.copy(url = sandbox.baseUrl + request.url.removePrefix(host)), extra)
        }
        val query = Query.WechatpayEduPapay(EduPapayQuery(outTradeNo = "EDU_PAID_001"))
        val request = client.buildQuery(query)
        val backup = client.failoverRequest(request)!!
        assertTrue(backup.url.startsWith(hosts[1]))
        assertEquals(request.headers, backup.headers)
        assertNull(client.failoverRequest(backup))

        assertThrows<ConnectException> { route(request) }
        assertEquals(OrderStatus.PAID, client.parseQuery(route(backup), query).order.status)

        mainUp = true
        val error = assertThrows<PayqueryException.ProviderException> {
            client.parseQuery(route(request, mapOf("X-Payquery-Sandbox-Fault" to "system_error")), query)
        }
        assertTrue(error.backupHostApplies && error.retryable)
        assertEquals(OrderStatus.PAID, client.parseQuery(route(client.failoverRequest(request)!!), query).order.status)

        // A custom base_url has no backup unless the config names one (the sandbox's do).
        val custom = Client.fromJson(sandbox.read("wechatpay_edu_papay.json").with("backup_base_url", null).toString())
        assertNull(custom.failoverRequest(custom.buildQuery(query)))
        val named = Client.fromConfigFile(sandbox.configPath("wechatpay_edu_papay"))
        assertTrue(named.failoverRequest(named.buildQuery(query))!!.url.startsWith(sandbox.read("wechatpay_edu_papay.json")["backup_base_url"]!!.str))
    }

    @Test
    fun `the README example runs against the sandbox`() {
        val output = kotlinx.coroutines.runBlocking { readmeExample(sandbox.configs.path) }
        assertEquals("PAID 888 CNY 2024-05-20T05:14:15Z 42000000000000000012 PUB_KEY_ID_0119000000012025010100000000000001", output)
    }
}

package payquery

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.URI
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ConcurrentLinkedQueue
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * client.query — the one-call query — against the sandbox over real HTTP (java.net.http): every
 * provider through every policy row the sandbox can show, the same scenarios as every other
 * language (QUERY-FLOW.md). Faults are chosen by order id (faults.json), as a client that
 * cannot add headers does. Providers run side by side.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryTest {
    private lateinit var sandbox: Sandbox

    @BeforeAll
    fun start() {
        sandbox = Sandbox()
    }

    @AfterAll
    fun stop() = sandbox.close()

    private val providers = listOf("wechat_mini_charge", "fubei", "wechatpay_edu_papay", "dingshang_vending", "wechatpay_payscore_oversea")

    private fun client(name: String) = Client.fromConfigFile(File(sandbox.configs, name).path)

    private suspend fun scenarios(provider: String) {
        val client = client("$provider.json")
        val paid = client.queryFromJson(sandbox.read("$provider.query.json").toString())
        val faults = sandbox.read("$provider.faults.json")
        fun fault(name: String) = client.queryFromJson(faults[name]!!.jsonObject.toString())

        // A plain query: one attempt.
        var result = client.query(paid)
        assertEquals(OrderStatus.PAID, result.order.status, provider)
        assertEquals(1, result.attempts.size)
        assertTrue(result.settled)

        // The main host fails at the transport level: the answer comes from the backup.
        result = client("$provider.failover.json").query(paid)
        assertEquals(listOf(HostRole.MAIN to ErrorCode.NETWORK_ERROR, HostRole.BACKUP to null), result.attempts.map { it.host to it.error }, provider)
        assertNotNull(result.attempts[0].transport)

        // The main host's load balancer answers 503: the backup answers.
        result = client.query(fault("unavailable"))
        assertEquals(listOf(HostRole.MAIN to 503, HostRole.BACKUP to 200), result.attempts.map { it.host to it.httpStatus }, provider)

        // Rate limited: retried after Retry-After, never failed over, RATE_LIMITED at the deadline.
        val started = System.nanoTime()
        val limited = assertThrows<PayqueryException.RateLimited> { runBlocking { client.query(fault("rate_limit"), deadline = 3.seconds) } }
        assertTrue(limited.attempts.size >= 2 && limited.attempts.all { it.host == HostRole.MAIN }, provider)
        assertTrue(System.nanoTime() - started < 3_500_000_000L, "$provider: the deadline holds")

        // A system error: failed over, backed off, PROVIDER_ERROR and retryable.
        val busy = assertThrows<PayqueryException.ProviderException> { runBlocking { client.query(fault("system_error")) } }
        assertTrue(busy.retryable)
        assertEquals(listOf(HostRole.MAIN, HostRole.BACKUP, HostRole.BACKUP), busy.attempts.map { it.host }, provider)

        // Slow, with a 0.5 s timeout: NETWORK_ERROR after a failover attempt; the HTTP client's
        // error is the cause.
        val slow = assertThrows<PayqueryException.NetworkException> { runBlocking { client.query(fault("slow"), timeout = 500.milliseconds) } }
        assertEquals(TransportFailure.TIMEOUT, slow.attempts[0].transport)
        assertEquals(HostRole.BACKUP, slow.attempts[1].host)
        assertNotNull(slow.cause)

        // A forged or stale answer: the error after exactly one attempt.
        if (provider.startsWith("wechatpay_")) {
            val forged = assertThrows<PayqueryException.SignatureInvalid> { runBlocking { client.query(fault("bad_signature")) } }
            assertEquals(1, forged.attempts.size, "$provider: never retried, never failed over")
            val stale = assertThrows<PayqueryException.TimestampSkew> { runBlocking { client.query(fault("stale_timestamp")) } }
            assertEquals(1, stale.attempts.size)
        }

        // An order that settles, polled: PAID after three queries.
        val settling = client.queryFromJson(sandbox.read("$provider.settling.query.json").toString())
        result = client.query(settling, poll = true, pollIntervals = listOf(100.milliseconds))
        assertEquals(OrderStatus.PAID, result.order.status, provider)
        assertEquals(3, result.attempts.size)
    }

    @Test
    fun `every provider through every policy row`() = runBlocking {
        providers.map { async(Dispatchers.IO) { scenarios(it) } }.awaitAll()
        Unit
    }

    private fun tokenRequests(): Long {
        val body = URI.create("${sandbox.baseUrl}/__sandbox/stats").toURL().readText()
        return Regex("\"token_requests\":(\\d+)").find(body)!!.groupValues[1].toLong()
    }

    @Test
    fun `200 concurrent cold queries share one token, and an expired one is refreshed`() = runBlocking {
        val client = client("wechat_mini_charge.no_token.json")
        val query = client.queryFromJson(sandbox.read("wechat_mini_charge.query.json").toString())
        val before = tokenRequests()
        val results = (1..200).map { async(Dispatchers.IO) { client.query(query) } }.awaitAll()
        assertTrue(results.all { it.order.status == OrderStatus.PAID })
        assertEquals(1, tokenRequests() - before, "one token request for 200 cold queries")

        val result = client("wechat_mini_charge.expired_token.json").query(query)
        assertEquals(OrderStatus.PAID, result.order.status)
        assertEquals(
            listOf(AttemptPurpose.QUERY to ErrorCode.TOKEN_EXPIRED, AttemptPurpose.TOKEN to null, AttemptPurpose.QUERY to null),
            result.attempts.map { it.purpose to it.error },
        )
        assertFalse("SANDBOX_" in result.attempts.toString())
    }

    @Test
    fun `a token store shares tokens between clients, and a failing one costs nothing`() = runBlocking {
        val values = ConcurrentHashMap<String, String>()
        val calls = mutableListOf<String>()
        val store = object : TokenStore {
            override suspend fun get(key: String) = values[key].also { calls += "get" }

            override suspend fun put(key: String, value: String, ttlMs: Long) {
                calls += "put"
                values[key] = value
            }

            override suspend fun invalidate(key: String, value: String) {
                calls += "invalidate"
                values.remove(key, value)
            }

            override suspend fun lock(key: String, ttlMs: Long) = true.also { calls += "lock" }
        }
        val query = Query.WechatMiniCharge(MiniChargeQuery.Order(orderId = "DD_PAID_001"))
        val first = client("wechat_mini_charge.no_token.json").query(query, tokenStore = store)
        assertEquals(listOf(AttemptPurpose.TOKEN, AttemptPurpose.QUERY), first.attempts.map { it.purpose })
        val second = client("wechat_mini_charge.no_token.json").query(query, tokenStore = store)
        assertEquals(listOf(AttemptPurpose.QUERY), second.attempts.map { it.purpose }, "the stored token, no fetch")
        assertEquals(listOf("get", "lock", "put", "get"), calls)
        val broken = object : TokenStore {
            override suspend fun get(key: String): String? = throw java.io.IOException("down")

            override suspend fun put(key: String, value: String, ttlMs: Long) = throw java.io.IOException("down")

            override suspend fun invalidate(key: String, value: String) {}
        }
        assertEquals(OrderStatus.PAID, client("wechat_mini_charge.no_token.json").query(query, tokenStore = broken).order.status)
    }

    @Test
    @Timeout(120) // a hang guard, not a measurement: without the store step's timeout this never returns
    fun `a hanging token store is a timed-out store attempt, never a query past its deadline`() = runBlocking {
        val query = Query.WechatMiniCharge(MiniChargeQuery.Order(orderId = "DD_PAID_001"))
        // One that suspends forever, and one that blocks its thread (a blocking Redis client).
        val suspending = object : TokenStore {
            override suspend fun get(key: String): String? = delay(Long.MAX_VALUE).let { null }

            override suspend fun put(key: String, value: String, ttlMs: Long) = delay(Long.MAX_VALUE)

            override suspend fun invalidate(key: String, value: String) = delay(Long.MAX_VALUE)

            override suspend fun lock(key: String, ttlMs: Long): Boolean = delay(Long.MAX_VALUE).let { true }
        }
        // One whose own timeout throws a CancellationException: a failed store call, not a
        // cancelled query.
        val selfCancelling = object : TokenStore {
            override suspend fun get(key: String): String? = kotlinx.coroutines.withTimeout(1) { delay(1000).let { null } }

            override suspend fun put(key: String, value: String, ttlMs: Long) = Unit

            override suspend fun invalidate(key: String, value: String) = Unit
        }
        val own = client("wechat_mini_charge.no_token.json").query(query, tokenStore = selfCancelling)
        assertEquals(OrderStatus.PAID, own.order.status)
        assertEquals("TimeoutCancellationException", own.attempts.first().storeError)
        val release = java.util.concurrent.CountDownLatch(1)
        val blocking = object : TokenStore {
            override suspend fun get(key: String): String? = release.await().let { null }

            override suspend fun put(key: String, value: String, ttlMs: Long) = release.await()

            override suspend fun invalidate(key: String, value: String) = release.await()

            override suspend fun lock(key: String, ttlMs: Long): Boolean = release.await().let { true }
        }
        try {
            for (store in listOf(suspending, blocking)) {
                val result = client("wechat_mini_charge.no_token.json").query(query, timeout = 300.milliseconds, deadline = 20.seconds, tokenStore = store)
                assertEquals(OrderStatus.PAID, result.order.status)
                // A store that timed out is not asked again in that query (each ask costs a timeout).
                assertEquals(listOf(AttemptPurpose.STORE, AttemptPurpose.TOKEN, AttemptPurpose.QUERY), result.attempts.map { it.purpose })
                assertEquals("Timeout", result.attempts.first().storeError)
            }
        } finally {
            release.countDown()
        }
    }

    @Test
    @Timeout(120) // a hang guard, not a measurement: without a body deadline this never returns
    fun `an answer whose body stops arriving is a timeout, in both drivers`() {
        ServerSocket(0, 50, InetAddress.getLoopbackAddress()).use { server ->
            val open = ConcurrentLinkedQueue<Socket>()
            thread(isDaemon = true) {
                while (true) {
                    val socket = runCatching { server.accept() }.getOrNull() ?: break
                    open += socket
                    // The head and 15 of the 1,000 promised body bytes, then nothing (kept open).
                    val head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                    socket.getOutputStream().apply { write((head + "{\"result_code\":").toByteArray()) }.flush()
                }
            }
            val client = Client.fromJson(
                """{"provider":"fubei","app_id":"1","app_secret":"s","base_url":"http://127.0.0.1:${server.localPort}","backup_base_url":null}""",
            )
            val query = client.queryFromJson("""{"merchant_order_sn":"A"}""")
            val blocking = assertThrows<PayqueryException.NetworkException> { client.queryBlocking(query, timeout = java.time.Duration.ofMillis(300)) }
            assertEquals(TransportFailure.TIMEOUT, blocking.attempts.first().transport)
            val suspending = assertThrows<PayqueryException.NetworkException> { runBlocking { client.query(query, timeout = 300.milliseconds) } }
            assertEquals(TransportFailure.TIMEOUT, suspending.attempts.first().transport)
            open.forEach { it.close() }
        }
    }

    @Test
    fun `the blocking variant, cancellation and bad options`() {
        val client = client("fubei.json")
        val query = client.queryFromJson(sandbox.read("fubei.query.json").toString())
        assertEquals(OrderStatus.PAID, client.queryBlocking(query).order.status)
        // Field-less cases print their names in logs, not object identities.
        assertEquals("Success", FubeiTradeState.Success.toString())
        assertEquals("Done", QueryStep.Done.toString())
        // The blocking sender keeps the same policy: failover, per-request timeout, one attempt
        // for a forged answer.
        val failover = client("fubei.failover.json").queryBlocking(query)
        assertEquals(listOf(HostRole.MAIN to ErrorCode.NETWORK_ERROR, HostRole.BACKUP to null), failover.attempts.map { it.host to it.error })
        val faults = sandbox.read("fubei.faults.json")
        val timedOut = assertThrows<PayqueryException.NetworkException> {
            client.queryBlocking(client.queryFromJson(faults["slow"]!!.jsonObject.toString()), timeout = java.time.Duration.ofMillis(500))
        }
        assertEquals(TransportFailure.TIMEOUT, timedOut.attempts[0].transport)
        assertEquals(HostRole.BACKUP, timedOut.attempts[1].host)
        assertNotNull(timedOut.cause)
        // The message is the reason in words (UniFFI's field dump is rewritten at generation).
        assertEquals(timedOut.reason, timedOut.message)
        val edu = client("wechatpay_edu_papay.json")
        val forged = edu.queryFromJson(sandbox.read("wechatpay_edu_papay.faults.json")["bad_signature"]!!.jsonObject.toString())
        assertEquals(1, assertThrows<PayqueryException.SignatureInvalid> { edu.queryBlocking(forged) }.attempts.size)
        // Cancelling the coroutine cancels the query (the slow answer is never waited for).
        val slow = client.queryFromJson(sandbox.read("fubei.faults.json")["slow"]!!.jsonObject.toString())
        runBlocking {
            val started = System.nanoTime()
            val job = launch { client.query(slow) }
            delay(100)
            job.cancel()
            job.join()
            assertTrue(System.nanoTime() - started < 1_000_000_000L)
        }
        val e = assertThrows<PayqueryException.InvalidInput> { runBlocking { client.query(query, timeout = 0.seconds) } }
        assertEquals("timeout", e.field)
        val wrong = assertThrows<PayqueryException.InvalidInput> { runBlocking { client.query(Query.WechatpayEduPapay(EduPapayQuery(outTradeNo = "A1"))) } }
        assertEquals("query", wrong.field)
        // Out of the core's range: named as Kotlin spells the option, its limits as durations.
        val outOfRange =
            listOf(
                "maxAttempts" to { client.queryBlocking(query, maxAttempts = 21) },
                "timeout" to { client.queryBlocking(query, timeout = java.time.Duration.ofSeconds(601)) },
                "deadline" to { client.queryBlocking(query, deadline = java.time.Duration.ofDays(2)) },
                "pollIntervals" to { client.queryBlocking(query, poll = true, pollIntervals = emptyList()) },
            )
        for ((option, call) in outOfRange) {
            val error = assertThrows<PayqueryException.InvalidInput> { call() }
            assertEquals(option, error.field)
            assertTrue("`$option`" in error.reason && "_ms" !in error.reason && "max_attempts" !in error.reason, error.reason)
        }
        assertTrue("from 1ms to 10m" in assertThrows<PayqueryException.InvalidInput> { runBlocking { client.query(query, timeout = 601.seconds) } }.reason)
    }
}

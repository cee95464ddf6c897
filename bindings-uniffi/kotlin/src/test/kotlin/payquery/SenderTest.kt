package payquery

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.io.IOException
import java.io.PrintWriter
import java.io.StringWriter
import java.net.Authenticator
import java.net.ConnectException
import java.net.CookieHandler
import java.net.ProxySelector
import java.net.URLDecoder
import java.net.http.HttpClient
import java.time.Duration
import java.util.Optional
import java.util.concurrent.CompletableFuture
import java.util.concurrent.Executor
import java.util.concurrent.atomic.AtomicInteger
import javax.net.ssl.SSLContext
import javax.net.ssl.SSLParameters
import java.net.http.HttpRequest as JdkRequest
import java.net.http.HttpResponse as JdkResponse

/**
 * A custom HttpClient (the `http` parameter): [intercept] sees each request first and may
 * throw; what it lets through goes to the default client.
 */
private class InterceptingClient(private val intercept: (JdkRequest) -> Unit) : HttpClient() {
    private val base = defaultHttpClient
    val calls = AtomicInteger()

    override fun cookieHandler(): Optional<CookieHandler> = base.cookieHandler()

    override fun connectTimeout(): Optional<Duration> = base.connectTimeout()

    override fun followRedirects(): Redirect = base.followRedirects()

    override fun proxy(): Optional<ProxySelector> = base.proxy()

    override fun sslContext(): SSLContext = base.sslContext()

    override fun sslParameters(): SSLParameters = base.sslParameters()

    override fun authenticator(): Optional<Authenticator> = base.authenticator()

    override fun version(): Version = base.version()

    override fun executor(): Optional<Executor> = base.executor()

    override fun <T> send(request: JdkRequest, handler: JdkResponse.BodyHandler<T>): JdkResponse<T> {
        calls.incrementAndGet()
        intercept(request)
        return base.send(request, handler)
    }

    override fun <T> sendAsync(request: JdkRequest, handler: JdkResponse.BodyHandler<T>): CompletableFuture<JdkResponse<T>> {
        calls.incrementAndGet()
        return try {
            intercept(request)
            base.sendAsync(request, handler)
        } catch (e: Exception) {
            CompletableFuture.failedFuture(e)
        }
    }

    override fun <T> sendAsync(
        request: JdkRequest,
        handler: JdkResponse.BodyHandler<T>,
        push: JdkResponse.PushPromiseHandler<T>?,
    ): CompletableFuture<JdkResponse<T>> = sendAsync(request, handler)
}

/** The credentials a request carries: its `access_token` query value, AppSecret and Authorization. */
private fun credentials(request: JdkRequest): List<String> {
    val token =
        request.uri().rawQuery.orEmpty().split('&')
            .filter { it.startsWith("access_token=") }
            .map { URLDecoder.decode(it.removePrefix("access_token="), Charsets.UTF_8) }
    val headers = listOf("AppSecret", "Authorization").flatMap { request.headers().allValues(it) }
    return token + headers + headers.flatMap { h -> Regex("signature=\"([^\"]+)\"").findAll(h).map { it.groupValues[1] }.toList() }
}

private fun printed(e: Throwable): String = StringWriter().also { e.printStackTrace(PrintWriter(it)) }.toString()

/** What a custom HttpClient's errors do to a query (issue 27, items 3 and 11). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SenderTest {
    private lateinit var sandbox: Sandbox

    @BeforeAll
    fun start() {
        sandbox = Sandbox()
    }

    @AfterAll
    fun stop() = sandbox.close()

    private fun client(provider: String) = Client.fromConfigFile(File(sandbox.configs, "$provider.json").path)

    private fun query(client: Client, provider: String) = client.queryFromJson(sandbox.read("$provider.query.json").toString())

    @Test
    fun `no credential the request carried reaches a NetworkException as logged, causes included`() {
        for (provider in listOf("wechat_mini_charge", "dingshang_vending", "wechatpay_edu_papay")) {
            for (blocking in listOf(true, false)) {
                val sent = mutableListOf<String>()
                val http =
                    InterceptingClient { request ->
                        // The Mini Program's token request goes through; the order query fails, its
                        // error quoting the URL and headers in a cause and a suppressed error, as some
                        // HTTP clients' errors do.
                        if ("/cgi-bin/" in request.uri().path && "access_token=" !in request.uri().toString()) return@InterceptingClient
                        sent += credentials(request)
                        val quoted = "${request.method()} ${request.uri()} ${request.headers().map()}"
                        throw IOException(
                            "exchange failed",
                            ConnectException("refused: $quoted").apply { addSuppressed(IllegalStateException("while sending $quoted")) },
                        )
                    }
                val client = client(provider)
                val q = query(client, provider)
                val e =
                    assertThrows<PayqueryException.NetworkException> {
                        if (blocking) client.queryBlocking(q, http = http, maxAttempts = 1) else runBlocking { client.query(q, http = http, maxAttempts = 1) }
                    }
                assertTrue(sent.isNotEmpty() && sent.all { it.length >= 8 }, "$provider: $sent")
                val logged = listOf(e.toString(), e.message.orEmpty(), printed(e), e.cause.toString())
                for (secret in sent) {
                    for (text in logged) assertFalse(secret in text, "$provider (blocking=$blocking) shows a credential:\n$text")
                }
                // The cause still says what happened, and where.
                assertTrue("ConnectException" in printed(e.cause!!) && "refused" in printed(e.cause!!), printed(e))
            }
        }
    }

    @Test
    fun `a programming error in a custom HttpClient fails the query at once, not retried as NETWORK_ERROR`() {
        val provider = "fubei"
        val client = client(provider)
        val q = query(client, provider)
        val bug = InterceptingClient { throw IllegalArgumentException("a bug in the caller's client") }
        val e = assertThrows<IllegalArgumentException> { client.queryBlocking(q, http = bug) }
        assertEquals("a bug in the caller's client", e.message)
        assertEquals(1, bug.calls.get())
        val npe = InterceptingClient { throw NullPointerException("null header") }
        assertThrows<NullPointerException> { runBlocking { client.query(q, http = npe) } }
        assertEquals(1, npe.calls.get())
        // A transport failure still is one, and retried by the policy.
        val refused = InterceptingClient { throw ConnectException("refused") }
        assertThrows<PayqueryException.NetworkException> { client.queryBlocking(q, http = refused) }
        assertTrue(refused.calls.get() > 1, "${refused.calls.get()}")
    }

    @Test
    fun `a token store that throws is a store attempt naming the error's class, and the query still succeeds`() {
        val store =
            object : TokenStore {
                override suspend fun get(key: String): String? = throw ConnectException("redis down, key $key")

                override suspend fun put(key: String, value: String, ttlMs: Long) = throw IllegalStateException("cannot store $value")

                override suspend fun invalidate(key: String, value: String) = throw IOException("cannot delete $value")

                override suspend fun lock(key: String, ttlMs: Long): Boolean = throw java.net.SocketTimeoutException("lock $key")
            }
        for (blocking in listOf(true, false)) {
            // A sandbox of its own each time (a fetched token is held per process and base URL),
            // and the config without a token: the flow fetches one, through the store.
            Sandbox().use { own ->
                val client = Client.fromConfigFile(own.configPath("wechat_mini_charge.no_token"))
                val q = client.queryFromJson(own.read("wechat_mini_charge.query.json").toString())
                val result = if (blocking) client.queryBlocking(q, tokenStore = store) else runBlocking { client.query(q, tokenStore = store) }
                assertTrue(result.attempts.any { it.purpose == AttemptPurpose.QUERY && it.error == null }, "${result.attempts}")
                val stores = result.attempts.filter { it.purpose == AttemptPurpose.STORE }
                assertTrue(stores.isNotEmpty() && stores.all { it.host == HostRole.TOKEN_STORE }, "${result.attempts}")
                val kinds = stores.map { it.storeError }.toSet()
                assertTrue("ConnectException" in kinds, "$kinds")
                assertTrue(kinds.all { it in setOf("ConnectException", "IllegalStateException", "SocketTimeoutException") }, "$kinds")
                // The class name, never the message (which may quote a key or a token).
                assertFalse(stores.any { "redis" in it.toString() || "cannot" in it.toString() }, "$stores")
            }
        }
    }
}

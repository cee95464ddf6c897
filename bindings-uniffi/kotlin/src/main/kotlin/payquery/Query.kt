@file:JvmName("PayqueryQuery")

package payquery

// The one-call query's driver for the JVM: a loop over the core's steps (QueryFlow) with no
// provider branch and no policy of its own — failover, retries, waits, tokens, platform
// certificates and polling are decided by the core, the same in every language. The explicit
// certificate download and a notification (Notifications.kt) are QueryFlows too, run by the
// same loop. This file does the I/O: java.net.http (one shared HttpClient by default),
// delay(), the token store.

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.future.await
import kotlinx.coroutines.isActive
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import java.io.ByteArrayOutputStream
import java.io.IOException
import java.io.PrintWriter
import java.io.StringWriter
import java.net.ConnectException
import java.net.URI
import java.net.UnknownHostException
import java.net.http.HttpClient
import java.net.http.HttpConnectTimeoutException
import java.net.http.HttpRequest.BodyPublishers
import java.net.http.HttpResponse.BodySubscriber
import java.net.http.HttpTimeoutException
import java.nio.ByteBuffer
import java.security.SecureRandom
import java.time.Instant
import java.util.Collections
import java.util.IdentityHashMap
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.Flow
import java.util.concurrent.ScheduledThreadPoolExecutor
import java.util.concurrent.TimeUnit
import javax.net.ssl.SSLException
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration

/**
 * Where Mini Program access tokens and WeChat Pay platform-certificate listings are shared
 * between processes (Redis, a database). Values are opaque text holding a token or a listing
 * as WeChat Pay sent it (still encrypted with the APIv3 key; every process checks what it
 * loads): keep them as private as the token. [lock] lets one process of a fleet fetch while
 * the others wait (default: no lock).
 */
interface TokenStore {
    /** The value under [key], or null. */
    suspend fun get(key: String): String?

    /** Stores [value] under [key] for [ttlMs] milliseconds. */
    suspend fun put(key: String, value: String, ttlMs: Long)

    /** Deletes [key] if it still holds exactly [value] (compare-and-delete). */
    suspend fun invalidate(key: String, value: String)

    /** Takes a lock on [key] for [ttlMs] (e.g. `SET key:lock NX PX ttl`); true when taken. */
    suspend fun lock(key: String, ttlMs: Long): Boolean = true
}

/** The HttpClient every query uses unless given one: redirects are never followed. */
val defaultHttpClient: HttpClient by lazy {
    HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
}

private val random = SecureRandom()

internal fun nowMs(): Long = Instant.now().toEpochMilli()

private fun millis(name: String, value: Duration?): Long? = value?.let {
    if (!it.isPositive() || it.isInfinite()) throw invalidInput(name, "`$name` must be a positive, finite duration")
    it.inWholeMilliseconds.coerceAtLeast(1)
}

/**
 * The one-call query: signs, sends with [http], verifies and parses, failing over, retrying,
 * waiting, (Mini Program) fetching tokens and (WeChat Pay with `api_v3_key`) downloading
 * platform certificates as payquery's policy says. Returns the result with its attempts; a
 * failure throws the code's [PayqueryException] with them (a `NetworkException`'s cause is the
 * HTTP client's own error). Cancelling the coroutine cancels the query.
 *
 * [timeout] applies per request, [deadline] to the whole query (default 30 s; with [poll],
 * 10 min); [poll] queries again until the status is final, waiting [pollIntervals] (5, 10, 20,
 * 30, then 60 s), and at the deadline returns the last order with `settled = false`.
 */
@Throws(PayqueryException::class)
suspend fun Client.query(
    query: Query,
    timeout: Duration = 10.seconds,
    deadline: Duration? = null,
    maxAttempts: Int? = null,
    poll: Boolean = false,
    pollIntervals: List<Duration>? = null,
    notFoundGrace: Duration? = null,
    tokenStore: TokenStore? = null,
    http: HttpClient = defaultHttpClient,
): QueryResult {
    val options = queryOptions(timeout, deadline, maxAttempts, poll, pollIntervals, notFoundGrace, tokenStore)
    return startNamed(query, options).use { flow -> drive(flow, tokenStore, asyncSender(http), QueryFlow::result) }
}

/**
 * [query] for Java and blocking callers, with every option [query] has (`null` for a default):
 * runs the query on the calling thread, which waits for each answer as `HttpClient.send` does
 * (no coroutine dispatch per request).
 */
@JvmOverloads
@Throws(PayqueryException::class)
fun Client.queryBlocking(
    query: Query,
    timeout: java.time.Duration = java.time.Duration.ofSeconds(10),
    deadline: java.time.Duration? = null,
    poll: Boolean = false,
    tokenStore: TokenStore? = null,
    http: HttpClient = defaultHttpClient,
    maxAttempts: Int? = null,
    pollIntervals: List<java.time.Duration>? = null,
    notFoundGrace: java.time.Duration? = null,
): QueryResult {
    // toKotlinDuration, not toMillis(): a Duration past Long.MAX_VALUE ms is infinite (refused
    // as INVALID_INPUT), not an ArithmeticException.
    val options =
        queryOptions(
            timeout.toKotlinDuration(),
            deadline?.toKotlinDuration(),
            maxAttempts,
            poll,
            pollIntervals?.map { it.toKotlinDuration() },
            notFoundGrace?.toKotlinDuration(),
            tokenStore,
        )
    return startNamed(query, options).use { flow ->
        runBlocking { drive(flow, tokenStore, blockingSender(http), QueryFlow::result) }
    }
}

/**
 * Downloads the WeChat Pay platform certificates now (a config with `api_v3_key`), for a
 * central job that refreshes them for a fleet or writes them out for fixed-certificate
 * configs. Queries need none of this: [query] downloads before its first request, on refresh
 * and on an unknown serial by itself.
 *
 * Returns what the client holds afterwards (the download merged with certificates still valid,
 * newest first; empty for a public-key-only merchant) and the attempts. With [tokenStore], the
 * listing is saved there as WeChat Pay sent it (still encrypted), so the fleet's queries load
 * it instead of downloading. A failure throws the code's [PayqueryException] (a client without
 * `api_v3_key`: `InvalidConfig` naming it). [timeout] applies per request, [deadline] to the
 * whole download (default 30 s).
 */
@Throws(PayqueryException::class)
suspend fun Client.downloadCertificates(
    timeout: Duration = 10.seconds,
    deadline: Duration? = null,
    tokenStore: TokenStore? = null,
    http: HttpClient = defaultHttpClient,
): CertificateDownload {
    val options = queryOptions(timeout, deadline, null, false, null, null, tokenStore)
    return startDownloadNamed(options).use { flow -> drive(flow, tokenStore, asyncSender(http), QueryFlow::certificatesResult) }
}

/** [downloadCertificates] for Java and blocking callers (`null` for a default), as [queryBlocking]. */
@JvmOverloads
@Throws(PayqueryException::class)
fun Client.downloadCertificatesBlocking(
    timeout: java.time.Duration = java.time.Duration.ofSeconds(10),
    deadline: java.time.Duration? = null,
    tokenStore: TokenStore? = null,
    http: HttpClient = defaultHttpClient,
): CertificateDownload {
    val options = queryOptions(timeout.toKotlinDuration(), deadline?.toKotlinDuration(), null, false, null, null, tokenStore)
    return startDownloadNamed(options).use { flow ->
        runBlocking { drive(flow, tokenStore, blockingSender(http), QueryFlow::certificatesResult) }
    }
}

/** The core's option names and the Kotlin ones. */
private val optionNames =
    mapOf(
        "timeout_ms" to "timeout",
        "deadline_ms" to "deadline",
        "max_attempts" to "maxAttempts",
        "poll_intervals_ms" to "pollIntervals",
        "not_found_grace_ms" to "notFoundGrace",
    )

/**
 * Starts the query; the core's refusal of an option names it as Kotlin spells it, its limits
 * as durations (`timeout` from 1ms to 10m, not `timeout_ms` in milliseconds). The limits stay
 * the core's.
 */
private fun Client.startNamed(query: Query, options: QueryOptions): QueryFlow = named { startQuery(query, options, nowMs()) }

private fun Client.startDownloadNamed(options: QueryOptions): QueryFlow = named { startCertificateDownload(options, nowMs()) }

internal inline fun named(start: () -> QueryFlow): QueryFlow = try {
    start()
} catch (e: PayqueryException.InvalidInput) {
    val name = optionNames[e.field] ?: throw e
    val reason =
        e.reason.replace("`${e.field}`", "`$name`").replace(Regex("""from (\d+) to (\d+) milliseconds""")) {
            "from ${it.groupValues[1].toLong().milliseconds} to ${it.groupValues[2].toLong().milliseconds}"
        }
    throw invalidInput(name, reason)
}

internal fun queryOptions(
    timeout: Duration,
    deadline: Duration?,
    maxAttempts: Int?,
    poll: Boolean,
    pollIntervals: List<Duration>?,
    notFoundGrace: Duration?,
    tokenStore: TokenStore?,
) = QueryOptions(
    timeoutMs = millis("timeout", timeout),
    deadlineMs = millis("deadline", deadline),
    maxAttempts = maxAttempts?.also { if (it < 1) throw invalidInput("maxAttempts", "`maxAttempts` must be positive") },
    poll = poll,
    pollIntervalsMs = pollIntervals?.map { millis("pollIntervals", it)!! },
    notFoundGraceMs = millis("notFoundGrace", notFoundGrace),
    tokenStore = tokenStore != null,
)

/** Sends a request as built: (request, timeout ms, max body bytes) → the answer. */
internal typealias Sender = suspend (HttpRequest, Long, Long) -> HttpResponse

internal fun asyncSender(http: HttpClient): Sender = { r, t, m -> send(http, r, t, m) }

internal fun blockingSender(http: HttpClient): Sender = { r, t, m -> sendBlocking(http, r, t, m) }

/**
 * Runs [flow] to its end and returns its answer, read by [answer] (`result` for a query,
 * `certificatesResult` for a certificate download, the notification's for a notification):
 * the one loop they all share.
 */
internal suspend fun <T> drive(flow: QueryFlow, tokenStore: TokenStore?, send: Sender, answer: QueryFlow.() -> T): T {
    var cause: Throwable? = null
    while (true) {
        when (val step = flow.next(nowMs(), ByteArray(32).also(random::nextBytes))) {
            is QueryStep.Send -> {
                val answer =
                    try {
                        send(step.request, step.timeoutMs, step.maxBodyBytes)
                    } catch (e: IOException) {
                        // Only a transport failure is a NETWORK_ERROR, retried by the policy. Anything
                        // else (a bug in a custom HttpClient: IllegalArgumentException,
                        // NullPointerException; an interrupt; a cancellation) propagates as it is,
                        // at once, never retried.
                        cause = e
                        null.also { flow.receiveFailure(transportKind(e), e.toString(), nowMs()) }
                    }
                if (answer != null) flow.receive(answer, nowMs())
            }

            is QueryStep.Sleep -> delay((step.untilMs - nowMs()).coerceAtLeast(0))

            is QueryStep.Store -> flow.storeReply(storeReply(tokenStore, step.request, step.timeoutMs), nowMs())

            QueryStep.Done ->
                return try {
                    flow.answer()
                } catch (e: PayqueryException.NetworkException) {
                    cause?.let { e.initCause(redacted(flow, it)) }
                    throw e
                }
        }
    }
}

/**
 * The HTTP client's error as the NetworkException's cause: itself when nothing it prints
 * (`printStackTrace`: its message, its causes, their suppressed errors) quotes a credential this
 * flow sent; otherwise a copy of the whole chain, each link an IOException saying the original's
 * class and redacted message, with the original's stack trace.
 */
private fun redacted(flow: QueryFlow, error: Throwable): Throwable {
    val printed = StringWriter().also { error.printStackTrace(PrintWriter(it)) }.toString()
    return if (flow.redact(printed) == printed) error else redactedCopy(flow, error, Collections.newSetFromMap(IdentityHashMap()))
}

private fun redactedCopy(flow: QueryFlow, error: Throwable, seen: MutableSet<Throwable>): Throwable {
    seen.add(error)
    val copy = IOException(flow.redact(error.toString()))
    copy.stackTrace = error.stackTrace
    error.cause?.takeIf { it !in seen }?.let { copy.initCause(redactedCopy(flow, it, seen)) }
    error.suppressed.filter { it !in seen }.forEach { copy.addSuppressed(redactedCopy(flow, it, seen)) }
    return copy
}

private class Timeout : IOException("timed out")

/**
 * [request] as java.net.http sends it, the head of its answer due within [timeoutMs]. A request
 * java.net.http refuses (a URL or header it does not allow) is a transport failure: an
 * IOException, as it always was, not a programming error.
 */
private fun javaRequest(request: HttpRequest, timeoutMs: Long): java.net.http.HttpRequest = try {
    val builder = java.net.http.HttpRequest.newBuilder(URI.create(request.url))
    builder.timeout(java.time.Duration.ofMillis(timeoutMs))
    builder.method(request.method, request.body?.let(BodyPublishers::ofByteArray) ?: BodyPublishers.noBody())
    request.headers.forEach { builder.header(it.name, it.value) }
    builder.build()
} catch (e: IllegalArgumentException) {
    throw IOException("java.net.http cannot send this request: ${e.message}", e)
}

/** At most [maxBody] + 1 bytes of a body: enough for the core to refuse it as too large. */
private fun bodyLimit(maxBody: Long): Int = (maxBody + 1).coerceAtMost(Int.MAX_VALUE.toLong() - 8).toInt()

private fun answer(response: java.net.http.HttpResponse<ByteArray>): HttpResponse {
    val headers = response.headers().map().flatMap { (name, values) -> values.map { Header(name, it) } }
    return HttpResponse(response.statusCode(), headers, response.body())
}

/** Starts sending [request] as built; the future completes with the answer once its body is in. */
private fun exchange(http: HttpClient, request: HttpRequest, timeoutMs: Long, maxBody: Long): CompletableFuture<HttpResponse> =
    http.sendAsync(javaRequest(request, timeoutMs)) { LimitedBody(bodyLimit(maxBody), null) }.thenApply(::answer)

private suspend fun send(http: HttpClient, request: HttpRequest, timeoutMs: Long, maxBody: Long): HttpResponse =
    withTimeoutOrNull(timeoutMs) { exchange(http, request, timeoutMs, maxBody).await() } ?: throw Timeout()

/**
 * `HttpClient.send` on the calling thread. Not `sendAsync(…).get()`: the public `sendAsync`
 * completes its future on the client's executor, one more thread hand-off per request (~190 µs
 * of the flow's gap to the by-hand path on the bench machine). The request's timeout bounds the
 * answer's head and [LimitedBody]'s deadline its body, so the whole answer is still due within
 * [timeoutMs]. An interrupt cancels the exchange (`HttpClient.send` does).
 */
private fun sendBlocking(http: HttpClient, request: HttpRequest, timeoutMs: Long, maxBody: Long): HttpResponse {
    val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs)
    return try {
        answer(http.send(javaRequest(request, timeoutMs)) { LimitedBody(bodyLimit(maxBody), deadline) })
    } catch (e: InterruptedException) {
        Thread.currentThread().interrupt() // still interrupted for the caller (send cleared it)
        throw e
    }
}

/** Ends a body that is still arriving at its deadline. One daemon thread for every client. */
private val bodyDeadlines: ScheduledThreadPoolExecutor by lazy {
    ScheduledThreadPoolExecutor(1) { task -> Thread(task, "payquery-body-deadline").apply { isDaemon = true } }
        .apply { removeOnCancelPolicy = true }
}

/**
 * Collects at most [limit] bytes of a body, then stops reading (the rest is never buffered).
 * With a [deadline] (System.nanoTime), a body not complete by then fails with a timeout.
 */
private class LimitedBody(private val limit: Int, private val deadline: Long?) : BodySubscriber<ByteArray> {
    private val collected = ByteArrayOutputStream()
    private val result = CompletableFuture<ByteArray>()
    private var subscription: Flow.Subscription? = null

    override fun getBody(): CompletionStage<ByteArray> = result

    override fun onSubscribe(subscription: Flow.Subscription) {
        this.subscription = subscription
        if (deadline != null) {
            val timer = bodyDeadlines.schedule(
                {
                    if (result.completeExceptionally(Timeout())) subscription.cancel()
                },
                deadline - System.nanoTime(),
                TimeUnit.NANOSECONDS,
            )
            result.whenComplete { _, _ -> timer.cancel(false) }
        }
        subscription.request(Long.MAX_VALUE)
    }

    override fun onNext(item: List<ByteBuffer>) {
        for (buffer in item) {
            val take = minOf(buffer.remaining(), limit - collected.size())
            if (take > 0) collected.write(ByteArray(take).also(buffer::get))
        }
        if (collected.size() >= limit) {
            subscription?.cancel()
            result.complete(collected.toByteArray())
        }
    }

    override fun onError(throwable: Throwable) {
        result.completeExceptionally(throwable)
    }

    override fun onComplete() {
        result.complete(collected.toByteArray())
    }
}

/** How a request failed to complete, in the flow's words. */
private fun transportKind(error: Throwable): TransportFailure {
    var e: Throwable? = error
    while (e != null) {
        when (e) {
            is Timeout, is HttpTimeoutException, is HttpConnectTimeoutException, is java.net.SocketTimeoutException -> return TransportFailure.TIMEOUT
            is ConnectException -> return TransportFailure.CONNECT
            is UnknownHostException, is java.nio.channels.UnresolvedAddressException -> return TransportFailure.DNS
            is SSLException -> return TransportFailure.TLS
            is java.io.EOFException, is java.net.SocketException -> return TransportFailure.RESET
        }
        e = e.cause
    }
    // java.net.http reports a connection closed without an answer as a bare IOException.
    return if (error is IOException) TransportFailure.RESET else TransportFailure.OTHER
}

/** Where token-store calls run, detached from the query (see [storeReply]). */
private val storeCalls = CoroutineScope(SupervisorJob() + Dispatchers.IO)

/**
 * The store's answer within [timeoutMs] (the request timeout, capped by the deadline). The call
 * runs detached, so a store that hangs (Redis down, a blocking client retrying its connection)
 * is abandoned after the timeout, even one that blocks its thread: a failed operation (kind
 * `Timeout`), never a query held past its deadline.
 */
private suspend fun storeReply(store: TokenStore?, request: TokenStoreRequest, timeoutMs: Long): TokenStoreReply {
    if (store == null) return TokenStoreReply.Failed("NoTokenStore")
    val call =
        storeCalls.async {
            when (request) {
                is TokenStoreRequest.Load -> TokenStoreReply.Loaded(store.get(request.key)?.let(::Secret))
                is TokenStoreRequest.Lock -> TokenStoreReply.Locked(store.lock(request.key, request.ttlMs))
                is TokenStoreRequest.Save -> TokenStoreReply.Done.also { store.put(request.key, request.value.text, request.ttlMs) }
                is TokenStoreRequest.Invalidate -> TokenStoreReply.Done.also { store.invalidate(request.key, request.value.text) }
            }
        }
    return try {
        withTimeoutOrNull(timeoutMs.coerceAtLeast(1)) { call.await() } ?: TokenStoreReply.Failed("Timeout").also { call.cancel() }
    } catch (e: CancellationException) {
        call.cancel()
        // The query was cancelled: stop. A store that threw a CancellationException of its own
        // (its own withTimeout, a cancelled future) is a failed store operation, like any other.
        if (!currentCoroutineContext().isActive) throw e
        TokenStoreReply.Failed(e.javaClass.simpleName.ifEmpty { e.javaClass.name })
    } catch (e: Exception) {
        // A failing store costs its sharing, never the query; the core records a `store` attempt
        // with the error's class name (never its message, which may quote a key or a token).
        TokenStoreReply.Failed(e.javaClass.simpleName.ifEmpty { e.javaClass.name })
    }
}

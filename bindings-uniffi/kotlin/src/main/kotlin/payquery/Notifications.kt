@file:JvmName("PayqueryNotifications")

package payquery

// Notifications (the providers' callbacks) for the JVM. handleNotification runs the core's
// notification flow on the query's own loop (Query.kt's drive): the flow sends nothing unless a
// WeChat Pay notification is signed with a certificate serial the client does not hold, and then
// one certificate download, with the same sender, token store and timeouts as a query. No
// provider branch here: what is checked and what to reply are the core's.

import kotlinx.coroutines.runBlocking
import java.net.http.HttpClient
import java.time.Instant
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration

/**
 * A notification refused: [error] says why (its typed [PayqueryException], also the cause) and
 * [reply] is the exact HTTP reply to send all the same. Its status tells the provider whether to
 * send the notification again (WeChat Pay: 401 for a bad signature, 500 for an unknown
 * certificate serial, 400 for a malformed one), so never replace it with your own. Not a
 * [PayqueryException] (a sealed class generated per error code): that would lose the reply.
 * Its message is the error's `CODE: reason`, which holds no secret.
 */
class NotificationRejectedException(
    /** Why the notification was refused. */
    val error: PayqueryException,
    /** The reply to send. */
    val reply: NotificationReply,
) : Exception("${error.code}: ${error.reason}", error)

/**
 * Verifies, decrypts and types one notification as your web server received it (the method,
 * every header, the body's raw bytes: never a re-serialised JSON body) and says exactly what to
 * answer: returns the [Notification] (`id` is the idempotency key, `order` the same normalized
 * [Order] as a query's) with the requests made for it (`attempts`) and the reply to send once it
 * is stored — or
 * [Client.notificationRetryReply] instead when storing fails. A refused notification throws
 * [NotificationRejectedException] with its typed error and the reply to send; so does a bad
 * option (with the retry reply): the host always has a reply.
 *
 * It sends nothing, except for a WeChat Pay notification signed with a platform certificate the
 * client does not hold (a rotation): one certificate download (at most one per client per
 * minute; needs `api_v3_key`), with [http], [timeout] and [tokenStore] as [query] uses them,
 * then the same notification checked again. [deadline] (4 s) keeps the answer within the 5 s the
 * providers wait. The unsigned vending callback comes back with `verified = false`: confirm it
 * with [confirmNotification]. Cancelling the coroutine cancels the download.
 */
@Throws(NotificationRejectedException::class)
suspend fun Client.handleNotification(
    request: NotificationRequest,
    timeout: Duration = 3.seconds,
    deadline: Duration = 4.seconds,
    tokenStore: TokenStore? = null,
    http: HttpClient = defaultHttpClient,
): HandledNotification = rejecting {
    val options = queryOptions(timeout, deadline, null, false, null, null, tokenStore)
    startNotificationNamed(request, options).use { flow -> drive(flow, tokenStore, asyncSender(http), QueryFlow::handled) }
}

/**
 * [handleNotification] for Java and blocking callers (a servlet, the JDK's `HttpServer`): runs
 * on the calling thread, which waits for a certificate download's answer as `HttpClient.send`
 * does. `null` for a default.
 */
@JvmOverloads
@Throws(NotificationRejectedException::class)
fun Client.handleNotificationBlocking(
    request: NotificationRequest,
    timeout: java.time.Duration = java.time.Duration.ofSeconds(3),
    deadline: java.time.Duration = java.time.Duration.ofSeconds(4),
    tokenStore: TokenStore? = null,
    http: HttpClient = defaultHttpClient,
): HandledNotification = rejecting {
    // toKotlinDuration, as queryBlocking: a Duration too large for milliseconds is refused as
    // INVALID_INPUT, not an ArithmeticException.
    val options = queryOptions(timeout.toKotlinDuration(), deadline.toKotlinDuration(), null, false, null, null, tokenStore)
    startNotificationNamed(request, options).use { flow ->
        runBlocking { drive(flow, tokenStore, blockingSender(http), QueryFlow::handled) }
    }
}

/**
 * Checks one notification at [now] with the keys this client holds, sending nothing (sans-IO):
 * a WeChat Pay notification signed with an unknown certificate serial is refused
 * (`SignatureInvalid` naming `Wechatpay-Serial`, reply 500, so WeChat Pay sends it again).
 * Returns the outcome record, which always has the reply; [NotificationOutcome.getOrThrow] turns
 * it into [handleNotification]'s result or exception.
 */
fun Client.checkNotification(request: NotificationRequest, now: Instant = Instant.now()): NotificationOutcome = checkNotification(request, now.epochSecond)

/**
 * The notification with the reply to send, or [NotificationRejectedException] with the error
 * and the reply: the same as [handleNotification] returns or throws.
 */
@Throws(NotificationRejectedException::class)
fun NotificationOutcome.getOrThrow(): HandledNotification {
    error?.let { throw NotificationRejectedException(it, reply) }
    return HandledNotification(checkNotNull(notification) { "an outcome holds a notification or an error" }, reply, emptyList())
}

/**
 * Confirms an unsigned notification (`verified = false`: the vending delivery callback) with the
 * signed order query its `confirmQuery` names, completed with [extra] (the query members the
 * callback does not carry, such as the vending `machine_no`): [query] of that document, with
 * [query]'s options. Trust the query's answer, not the notification. A verified notification
 * needs no confirming and is refused (`InvalidInput` naming `notification`).
 */
@Throws(PayqueryException::class)
suspend fun Client.confirmNotification(
    notification: Notification,
    extra: Map<String, String> = emptyMap(),
    timeout: Duration = 10.seconds,
    deadline: Duration? = null,
    tokenStore: TokenStore? = null,
    http: HttpClient = defaultHttpClient,
): QueryResult = query(confirmQuery(notification, extra), timeout = timeout, deadline = deadline, tokenStore = tokenStore, http = http)

/** [confirmNotification] for Java and blocking callers (`null` for a default), as [queryBlocking]. */
@JvmOverloads
@Throws(PayqueryException::class)
fun Client.confirmNotificationBlocking(
    notification: Notification,
    extra: Map<String, String> = emptyMap(),
    timeout: java.time.Duration = java.time.Duration.ofSeconds(10),
    deadline: java.time.Duration? = null,
    tokenStore: TokenStore? = null,
    http: HttpClient = defaultHttpClient,
): QueryResult = queryBlocking(confirmQuery(notification, extra), timeout = timeout, deadline = deadline, tokenStore = tokenStore, http = http)

/**
 * [block]'s notification; a [PayqueryException] before the flow has its outcome (an option
 * refused, a closed client) is a rejection with the retry reply, so the host still has a reply
 * to send and the provider sends the notification again once the host is fixed.
 */
private inline fun Client.rejecting(block: () -> HandledNotification): HandledNotification = try {
    block()
} catch (e: PayqueryException) {
    throw NotificationRejectedException(e, notificationRetryReply())
}

private fun Client.startNotificationNamed(request: NotificationRequest, options: QueryOptions): QueryFlow = named {
    startNotification(request, options, nowMs())
}

/** A finished notification flow's answer: the notification and its reply, or the rejection with its reply. */
private fun QueryFlow.handled(): HandledNotification {
    val notification =
        try {
            notificationResult()
        } catch (e: PayqueryException) {
            throw NotificationRejectedException(e, checkNotNull(notificationReply()) { "a finished flow has a reply" })
        }
    return HandledNotification(notification, checkNotNull(notificationReply()) { "a finished flow has a reply" }, attempts())
}

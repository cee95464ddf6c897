package example

import com.sun.net.httpserver.HttpServer
import payquery.Client
import payquery.Header
import payquery.Notification
import payquery.NotificationRejectedException
import payquery.NotificationRequest
import payquery.handleNotificationBlocking
import payquery.maxNotificationBytes
import java.net.InetSocketAddress

/**
 * A notification endpoint on the JDK's own HTTP server (no framework). [store] saves the
 * notification (deduplicating on `notification.id`) and throws when it cannot: then the provider
 * is told to send it again.
 */
fun notificationServer(client: Client, path: String, store: (Notification) -> Unit): HttpServer {
    val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
    server.createContext(path) { exchange ->
        exchange.use {
            // The raw bytes, as sent (WeChat Pay signs them), and one byte past the cap at most.
            val body = it.requestBody.readNBytes(maxNotificationBytes().toInt() + 1)
            val headers = it.requestHeaders.flatMap { (name, values) -> values.map { value -> Header(name, value) } }
            val reply =
                try {
                    val handled = client.handleNotificationBlocking(NotificationRequest(it.requestMethod, headers, body))
                    try {
                        store(handled.notification)
                        handled.reply // WeChat Pay: 204; Fubei: 200 SUCCESS
                    } catch (e: Exception) {
                        client.notificationRetryReply() // not stored: have it sent again
                    }
                } catch (e: NotificationRejectedException) {
                    e.reply // refused (e.error says why): its status tells the provider whether to resend
                }
            reply.headers.forEach { header -> it.responseHeaders.add(header.name, header.value) }
            val bytes = reply.body.toByteArray()
            it.sendResponseHeaders(reply.status, if (bytes.isEmpty()) -1 else bytes.size.toLong())
            if (bytes.isNotEmpty()) it.responseBody.write(bytes)
        }
    }
    return server
}

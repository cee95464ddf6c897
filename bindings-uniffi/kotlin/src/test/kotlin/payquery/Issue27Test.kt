package payquery

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** A new user's defects (issue 27), Kotlin and Java callers: each test failed before its fix. */
class Issue27Test {
    private fun fubei() = Client(Config.Fubei(FubeiConfig(appId = "1", appSecret = Secret("s"))))

    private val query = Query.Fubei(FubeiQuery(merchantOrderSn = "A1"))

    @Test
    fun `a Java Duration past Long milliseconds is INVALID_INPUT, not ArithmeticException`() {
        val client = fubei()
        for (huge in listOf(java.time.Duration.ofSeconds(Long.MAX_VALUE), java.time.Duration.ofMillis(Long.MAX_VALUE).plusDays(1))) {
            val e = assertThrows<PayqueryException.InvalidInput> { client.queryBlocking(query, huge) }
            assertEquals("timeout", e.field)
            val d = assertThrows<PayqueryException.InvalidInput> { client.queryBlocking(query, deadline = huge) }
            assertEquals("deadline", d.field)
        }
    }

    @Test
    fun `a closed client is INVALID_INPUT and still prints`() {
        val client = fubei()
        client.close()
        val e = assertThrows<PayqueryException.InvalidInput> { client.buildQuery(query) }
        assertEquals("client is closed", e.reason)
        assertEquals("client", e.field)
        assertThrows<PayqueryException.InvalidInput> { client.queryBlocking(query) }
        assertEquals("Client(closed)", client.toString())
        val flow = fubei().startQuery(query, QueryOptions(), 0)
        flow.close()
        assertEquals("query flow is closed", assertThrows<PayqueryException.InvalidInput> { flow.redact("x") }.reason)
    }
}

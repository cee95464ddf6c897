package payquery

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File

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

    @Test
    fun `negative sizes and durations in the signed typed surface are typed errors naming the field`() {
        val e =
            assertThrows<PayqueryException.InvalidConfig> { Client(Config.Fubei(FubeiConfig(appId = "1", appSecret = Secret("s"), maxResponseBytes = -1L))) }
        assertEquals("max_response_bytes", e.field)
        val client = fubei()
        for ((options, field) in listOf(
            QueryOptions(timeoutMs = -1L) to "timeout_ms",
            QueryOptions(deadlineMs = Long.MIN_VALUE) to "deadline_ms",
            QueryOptions(maxAttempts = -3) to "max_attempts",
            QueryOptions(pollIntervalsMs = listOf(1000L, -1L)) to "poll_intervals_ms",
            QueryOptions(notFoundGraceMs = -5L) to "not_found_grace_ms",
        )) {
            assertEquals(field, assertThrows<PayqueryException.InvalidInput> { client.startQuery(query, options, 0) }.field)
        }
        val i = assertThrows<PayqueryException.InvalidInput> { client.queryBlocking(query, notFoundGrace = java.time.Duration.ofMillis(-1)) }
        assertEquals("notFoundGrace", i.field)
        assertTrue(maxDocumentBytes() > 0)
    }

    @Test
    fun `a config prints the user info of its URLs as redacted`() {
        val config =
            Config.Fubei(
                FubeiConfig(
                    appId = "1",
                    appSecret = Secret("s"),
                    baseUrl = "https://user:hunter2@example.com/x",
                    backupBaseUrl = BackupHost.Url("http://u:p4ss@word@backup.example"),
                ),
            )
        val printed = config.toString()
        assertFalse("hunter2" in printed || "p4ss" in printed || "word@" in printed, printed)
        assertTrue("FubeiConfig(appId=1, appSecret=[redacted], baseUrl=https://[redacted]@example.com/x, " in printed, printed)
        assertTrue("backupBaseUrl=Url(url=http://[redacted]@backup.example)" in printed, printed)
        val vending = DingshangConfig(baseUrl = "https://a:b-secret@v.example", appid = "ds1", appSecret = Secret("S1"), signKey = Secret("S2"))
        assertFalse("b-secret" in vending.toString(), vending.toString())
        // Equality is still the data class's.
        assertEquals(config, Config.Fubei(config.config.copy()))
    }

    @Test
    fun `a config path naming a FIFO or a directory is INVALID_CONFIG naming the key, not a hang`() {
        val dir = java.nio.file.Files.createTempDirectory("payquery-fifo").toFile()
        val fifo = File(dir, "secret.fifo")
        assertEquals(0, ProcessBuilder("mkfifo", fifo.path).inheritIO().start().waitFor())
        val e =
            assertThrows<PayqueryException.InvalidConfig> {
                configFromJson("""{"provider":"fubei","app_id":"1","app_secret_path":"secret.fifo"}""", dir.path)
            }
        assertEquals("app_secret_path", e.field)
        assertTrue("not a regular file" in e.reason, e.reason)
        assertEquals("path", assertThrows<PayqueryException.InvalidConfig> { Client.fromConfigFile(fifo.path) }.field)
        assertEquals("path", assertThrows<PayqueryException.InvalidConfig> { Client.fromConfigFile(dir.path) }.field)
    }

    @Test
    fun `configFromJson refuses a bad base_url before a Client is made, without echoing a password`() {
        for (url in listOf("ftp://x.example", "https://user:hunter2@x.example", "http://[::1", "http://127.0.0.1:0")) {
            val e =
                assertThrows<PayqueryException.InvalidConfig> {
                    configFromJson("""{"provider":"fubei","app_id":"1","app_secret":"s","base_url":"$url"}""")
                }
            assertEquals("base_url", e.field, url)
            assertFalse("hunter2" in e.toString() || "hunter2" in e.reason, e.toString())
        }
    }
}

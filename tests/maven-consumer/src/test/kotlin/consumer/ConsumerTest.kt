package consumer

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import payquery.Client
import payquery.OrderStatus
import payquery.fromConfigFile
import payquery.query
import payquery.queryBlocking
import payquery.queryFromJson
import java.io.File
import java.nio.file.Files
import java.time.Duration

/** What a user of dev.payquery:payquery-kotlin does first: one query per signing scheme. */
class ConsumerTest {
    @Test
    fun `the dependency alone queries the sandbox`() {
        // Nothing points JNA at a library: it must come out of the JAR.
        assertNull(System.getProperty("jna.library.path"))
        val configs = Files.createTempDirectory("payquery-consumer").toFile()
        val sandbox = ProcessBuilder(System.getProperty("payquery.bin"), "sandbox", "--port", "0", "--write-configs", configs.path)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start()
        try {
            val line = sandbox.inputStream.bufferedReader().readLine().orEmpty()
            assertTrue("listening on" in line, line)
            // WeChat Pay APIv3 (RSA through aws-lc-rs in the native library) and Fubei (MD5).
            for (provider in listOf("wechatpay_edu_papay", "fubei")) {
                val client = Client.fromConfigFile(File(configs, "$provider.json").path)
                val query = client.queryFromJson(File(configs, "$provider.query.json").readText())
                val result = client.queryBlocking(query, timeout = Duration.ofSeconds(10))
                assertEquals(OrderStatus.PAID, result.order.status, provider)
                // The suspend API, compiled by this project's Kotlin (the oldest supported, too).
                assertEquals(OrderStatus.PAID, runBlocking { client.query(query) }.order.status, provider)
            }
        } finally {
            sandbox.destroy()
            sandbox.waitFor()
        }
    }
}

package payquery

import com.sun.jna.Memory
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Instant

/**
 * Calls across the boundary leave no native memory behind for JNA's Cleaner to free. Each JNA
 * block registers with one Cleaner thread that cannot keep up with a loop of calls
 * (java-native-access/jna#1535): before tools/patch_uniffi_kotlin.py reused call statuses and
 * returned buffers, 200,000 Fubei build + parse calls grew a default-heap JVM to 5.2 GB.
 */
class MemoryTest {
    /** JNA's own count of the native blocks it has allocated and not yet freed. */
    private fun liveJnaBlocks(): Int {
        val field = Memory::class.java.getDeclaredField("allocatedMemory").apply { isAccessible = true }
        return (field.get(null) as Map<*, *>).size
    }

    @Test
    fun `a loop of build and parse calls allocates no JNA memory per call`() {
        val client = Client.fromJson("""{"provider":"fubei","app_id":"20160922135339595387","app_secret":"fubei-secret"}""")
        val query = client.queryFromJson("""{"merchant_order_sn":"A"}""")
        val body = """{"result_code":200,"data":{"merchant_order_sn":"A","trade_state":"SUCCESS","total_fee":"0.29"}}"""
        val response = HttpResponse(200, listOf(Header("Content-Type", "application/json")), body.toByteArray())
        val now = Instant.ofEpochSecond(1_700_000_000)
        fun call() {
            client.buildQuery(query, now, "nonce")
            assertEquals(OrderStatus.PAID, client.parseQuery(response, query, now).order.status)
            // An error crosses too: its buffer comes back through the call status.
            runCatching { client.queryFromJson("""{"merchant_order_sn":1}""") }
        }
        repeat(10) { call() } // this thread's reusable statuses and buffer ring
        val before = liveJnaBlocks()
        repeat(20_000) { call() }
        val grown = liveJnaBlocks() - before
        // Unpatched: 1,453,125 more (~72 a round), allocated far faster than the Cleaner frees them.
        assertTrue(grown < 64, "JNA holds $grown more native blocks after 20,000 rounds")
    }
}

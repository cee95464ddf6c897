package payquery

import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import java.io.File

/**
 * tests/vectors/host_types.json, the cases whose argument shape Kotlin's types can express
 * (`expect.kotlin`): the expected PayqueryException subclass, never a crash, and the client
 * keeps answering afterwards. Shapes the compiler refuses (a number for a String) have no case.
 */
class HostTypesTest {
    private val cases: List<JsonObject> =
        readJson(File(VECTORS, "host_types.json"))
            .jsonObject["cases"]!!
            .jsonArray
            .map { it.jsonObject }
            .filter { "kotlin" in it["expect"]!!.jsonObject }

    /** A tagged `{"$": "bigint"}` value or a plain number, as a Long. */
    private fun long(value: JsonElement?): Long? = when {
        value == null || value is JsonNull -> null
        value is JsonObject -> value["value"]!!.str.toLong()
        else -> (value as JsonPrimitive).long
    }

    private fun run(client: Client, call: String, args: JsonObject): Any? = when (call) {
        "build_query" -> {
            val query = args["query"]!!
            client.buildJson(if (query is JsonObject) query.toString() else query.str, long(args["timestamp"]), args.opt("nonce")?.str)
        }

        "parse_query" -> {
            val response = args["response"]!!.jsonObject
            client.parseJson(
                HttpResponse(long(response["status"])!!.toInt(), emptyList(), response["body"]!!.str.toByteArray()),
                args["query"]!!.toString(),
                long(args["now"]),
            )
        }

        "client" -> {
            Client.fromJson(args["config"]!!.str)
        }

        "failover_request" -> {
            val request = args["request"]!!.jsonObject
            client.failoverRequest(HttpRequest(request["method"]!!.str, request["url"]!!.str, emptyList(), null))
        }

        else -> {
            error("no Kotlin form for $call")
        }
    }

    @TestFactory
    fun `arguments of the wrong shape raise the expected exception`(): List<DynamicTest> {
        assertTrue(cases.size >= 12, "${cases.size} Kotlin cases")
        return cases.map { case ->
            DynamicTest.dynamicTest(case["name"]!!.str) {
                val client = vectorClient(case["config"]!!.toString())
                val args = case["args"]!!.jsonObject
                val expected = case["expect"]!!.jsonObject["kotlin"]!!.strOrNull
                if (expected == null) {
                    run(client, case["call"]!!.str, args)
                } else {
                    val error = assertThrows<PayqueryException>(case["name"]!!.str) { run(client, case["call"]!!.str, args) }
                    assertEquals(expected, error.code, error.reason)
                }
                val good = if (client.provider() == ProviderId.FUBEI) """{"merchant_order_sn":"A"}""" else """{"out_trade_no":"A1"}"""
                assertTrue(client.buildJson(good).url.startsWith("https://"))
            }
        }
    }
}

package payquery

import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.time.Instant
import java.util.Base64

/** Every shared vector (the JSON files in tests/vectors, read in place) through the Kotlin bindings. */
class VectorsTest {
    private val files: List<Pair<String, JsonObject>> =
        VECTORS.listFiles { f -> f.name.endsWith(".json") && f.name != "host_types.json" }!!.sortedBy(File::getName).map {
            it.name to
                readJson(it).jsonObject
        }

    private val seedIds =
        mapOf(
            "wechatpay_edu_papay" to "201407033233368018",
            "wechatpay_payscore_oversea" to "1234323JKHDFE1243252",
            "wechat_mini_charge" to "DD2981741311549200000",
            "fubei" to "201706011496325244549",
            "dingshang_vending" to "54",
        )

    /**
     * The bindings always check that an answer is for the queried order (the query is
     * required); vectors without a query are answered for the order their expectation names, or
     * for their file's seed order when they expect an error, so the same check runs.
     */
    private fun queryFor(expect: JsonObject, provider: String): String {
        val order = expect.opt("order")?.jsonObject
        val merchant = order?.opt("merchant_order_no")?.str ?: seedIds.getValue(provider)
        val providerId = order?.opt("provider_order_id")?.str ?: seedIds.getValue(provider)
        return when (provider) {
            "wechatpay_edu_papay" -> {
                """{"out_trade_no":"$merchant"}"""
            }

            "wechatpay_payscore_oversea" -> {
                """{"service_id":"2002000000000558128851361561536","sub_mchid":"1900000109","out_order_no":"$merchant"}"""
            }

            "wechat_mini_charge" -> {
                """{"order_id":"$providerId"}"""
            }

            "fubei" -> {
                """{"merchant_order_sn":"$merchant"}"""
            }

            else -> {
                """{"order_id":"$providerId","machine_no":"16327129"}"""
            }
        }
    }

    private fun checkError(name: String, error: PayqueryException, expected: JsonObject) {
        val actual =
            mapOf(
                "code" to error.code,
                "field" to error.field,
                "provider_code" to error.providerCode,
                "provider_message" to error.providerMessage,
                "http_status" to error.httpStatus?.toString(),
                "retryable" to error.retryable.toString(),
                "backup_host_applies" to error.backupHostApplies.toString(),
            )
        for ((key, want) in expected) {
            if (key == "message_contains") {
                assertTrue(want.str in error.reason, "$name: the message lacks ${want.str}: ${error.reason}")
                continue
            }
            assertEquals(want.strOrNull, actual[key], "$name: error.$key (${error.reason})")
        }
    }

    private fun detailProvider(detail: ProviderDetail): String = when (detail) {
        is ProviderDetail.WechatpayEduPapay -> "wechatpay_edu_papay".also { assertTrue(detail.transaction.outTradeNo.isNotEmpty()) }
        is ProviderDetail.WechatpayPayscoreOversea -> "wechatpay_payscore_oversea".also { assertTrue(detail.serviceOrder.orderId.isNotEmpty()) }
        is ProviderDetail.WechatMiniCharge -> "wechat_mini_charge".also { assertTrue(detail.order.orderId.isNotEmpty()) }
        is ProviderDetail.Fubei -> "fubei"
        is ProviderDetail.DingshangVending -> "dingshang_vending".also { assertTrue(detail.order.orderId.isNotEmpty()) }
    }

    private fun money(json: JsonElement?): Money? =
        json?.takeUnless { it is JsonNull }?.jsonObject?.let { Money(it["minor"]!!.str.toLong(), it["currency"]!!.str) }

    private fun time(json: JsonElement?): Instant? = json?.strOrNull?.let(Instant::parse)

    private fun runCase(file: String, doc: JsonObject, case: JsonObject) {
        val name = "$file: ${case["name"]!!.str}"
        if ("notification" in case) {
            runNotification(name, doc, case)
            return
        }
        val step = (case["build"] ?: case["parse"] ?: case["finish"] ?: case["certificates"])!!.jsonObject
        val expect = step["expect"]!!.jsonObject
        val config = doc["configs"]!!.jsonObject[case["config"]!!.str]!!
        val client =
            try {
                vectorClient(configJson(config))
            } catch (e: PayqueryException) {
                checkError(name, e, expect["error"]!!.jsonObject)
                return
            }
        if ("finish" in case) {
            val error =
                assertThrows<PayqueryException>(name) {
                    PendingRequest.fromJson(step["pending"]!!.str).finish(step["signature"]!!.str)
                }
            checkError(name, error, expect["error"]!!.jsonObject)
            return
        }
        if ("certificates" in case) {
            runCertificates(name, client, step, expect)
            return
        }
        if ("build" in case) {
            // A query is a JSON object, or JSON text of something else the core must refuse.
            val queryElement = step["query"]!!
            val query = queryElement as? JsonObject ?: JsonObject(emptyMap())
            val queryJson = if (queryElement is JsonObject) queryElement.toString() else queryElement.str
            val isToken = "token" in query && "order_id" !in query
            val result =
                runCatching {
                    if (isToken) {
                        val kind = if (query["token"]!!.str == "stable") TokenKind.STABLE else TokenKind.CLASSIC
                        client.buildTokenRequest(kind, query["force_refresh"]?.jsonPrimitive?.booleanOrNull ?: false)
                    } else {
                        client.buildJson(queryJson, step["timestamp"]!!.str.toLong(), step["nonce"]!!.str)
                    }
                }
            val expectedError = expect.opt("error")
            if (expectedError != null) {
                checkError(
                    name,
                    result.exceptionOrNull() as? PayqueryException ?: error("$name: expected an error"),
                    expectedError.jsonObject,
                )
                return
            }
            val request = result.getOrThrow()
            assertEquals(expect["method"]!!.str, request.method, name)
            assertEquals(expect["url"]!!.str, request.url, name)
            assertEquals(
                expect["headers"]!!.jsonArray.map { it.jsonArray.let { p -> p[0].str to p[1].str } },
                request.headers.map { it.name to it.value },
                name,
            )
            assertEquals(expect["body"]!!.strOrNull, request.body?.decodeToString(), name)
            expect.opt("string_to_sign")?.let {
                val pending = client.prepareJson(queryJson, step["timestamp"]!!.str.toLong(), step["nonce"]!!.str)
                assertEquals(it.str, pending.stringToSign(), name)
            }
            return
        }
        val response = responseFrom(step["response"]!!.jsonObject)
        val now = step["now"]!!.str.toLong()
        val query = step.opt("query")?.jsonObject
        if (query != null && "token" in query) {
            val result = runCatching { client.parseTokenResponse(response, now) }
            val expectedError = expect.opt("error")
            if (expectedError != null) {
                checkError(name, result.exceptionOrNull() as PayqueryException, expectedError.jsonObject)
                return
            }
            val token = result.getOrThrow()
            val want = expect["access_token"]!!.jsonObject
            assertEquals(want["access_token"]!!.str, token.accessToken.text, name)
            assertEquals(want["expires_in"]!!.str.toLong(), token.expiresIn, name)
            assertEquals(Instant.ofEpochSecond(want["expires_at"]!!.str.toLong()), token.expiresAt, name)
            assertEquals(Instant.ofEpochSecond(want["refresh_at"]!!.str.toLong()), token.refreshAt, name)
            return
        }
        val result = runCatching { client.parseJson(response, query?.toString() ?: queryFor(expect, client.provider().id), now) }
        val expectedError = expect.opt("error")
        if (expectedError != null) {
            checkError(name, result.exceptionOrNull() as? PayqueryException ?: error("$name: expected an error"), expectedError.jsonObject)
            return
        }
        val parsed = result.getOrThrow()
        val want = expect["order"]!!.jsonObject
        val order = parsed.order
        assertEquals(want["provider"]!!.str, order.provider.id, name)
        assertEquals(want["provider_order_id"]!!.strOrNull, order.providerOrderId, name)
        assertEquals(want["merchant_order_no"]!!.strOrNull, order.merchantOrderNo, name)
        assertEquals(want["status"]!!.str, order.status.name, name)
        assertEquals(want["raw_status"]!!.str, order.rawStatus, name)
        assertEquals(money(want["amount"]), order.amount, name)
        assertEquals(money(want["paid_amount"]), order.paidAmount, name)
        assertEquals(time(want["paid_at"]), order.paidAt, name)
        assertEquals(time(want["created_at"]), order.createdAt, name)
        assertEquals(want["flags"]!!.jsonArray.map { it.str.uppercase() }, order.flags.map { it.name }, name)
        // The typed result, turned back into the CLI's JSON, holds exactly the values the core
        // found: every Long, every Instant, every detail member survives the typed records.
        val json = readJsonText(queryResultJson(parsed)).jsonObject
        assertEquals(want, json["order"], name)
        expect.opt("detail")?.let { assertEquals(it, json["detail"], name) }
        // The detail is the provider's own sealed subclass.
        assertEquals(order.provider.id, detailProvider(parsed.detail), name)
        if ("signature_serial" in expect) assertEquals(expect["signature_serial"]!!.strOrNull, parsed.signatureSerial, name)
    }

    /**
     * A platform-certificate download answer through `parseCertificates` on a fresh client: the
     * held list exactly (same order, newest first), or the error's subset.
     */
    private fun runCertificates(name: String, client: Client, step: JsonObject, expect: JsonObject) {
        val result = runCatching { client.parseCertificates(responseFrom(step["response"]!!.jsonObject), step["now"]!!.str.toLong()) }
        val expectedError = expect.opt("error")
        if (expectedError != null) {
            checkError(name, result.exceptionOrNull() as? PayqueryException ?: error("$name: expected an error"), expectedError.jsonObject)
            return
        }
        val download = result.getOrThrow()
        val want =
            expect["certificates"]!!.jsonArray.map {
                val c = it.jsonObject
                PlatformCertificate(c["serial_no"]!!.str, c["not_before"]!!.str.toLong(), c["not_after"]!!.str.toLong(), c["certificate_pem"]!!.str)
            }
        assertEquals(want, download.certificates, name)
        assertEquals(emptyList<Attempt>(), download.attempts, name)
    }

    /**
     * A provider's callback through `checkNotification` (sans-IO) at the case's `now`: the reply
     * exactly, and the notification as the CLI's JSON (`notificationJson`) or the error's code
     * and field.
     */
    private fun runNotification(name: String, doc: JsonObject, case: JsonObject) {
        val step = case["notification"]!!.jsonObject
        val expect = step["expect"]!!.jsonObject
        val client = vectorClient(configJson(doc["configs"]!!.jsonObject[case["config"]!!.str]!!))
        val raw = step["request"]!!.jsonObject
        val request =
            NotificationRequest(
                raw["method"]!!.str,
                raw["headers"]!!.jsonArray.map { pair -> pair.jsonArray.let { Header(it[0].str, it[1].str) } },
                raw["body_base64"]?.let { Base64.getDecoder().decode(it.str) } ?: raw["body"]!!.str.toByteArray(),
            )
        val outcome = client.checkNotification(request, step["now"]!!.str.toLong())
        val reply = expect["reply"]!!.jsonObject
        assertEquals(
            NotificationReply(
                reply["status"]!!.str.toInt(),
                reply["headers"]!!.jsonArray.map { pair -> pair.jsonArray.let { Header(it[0].str, it[1].str) } },
                reply["body"]!!.str,
            ),
            outcome.reply,
            name,
        )
        val expectedError = expect.opt("error")
        if (expectedError != null) {
            checkError(name, outcome.error ?: error("$name: expected an error, got ${outcome.notification}"), expectedError.jsonObject)
            assertEquals(null, outcome.notification, name)
            return
        }
        val notification = outcome.notification ?: error("$name: refused: ${outcome.error}")
        assertEquals(null, outcome.error, name)
        // The typed notification, turned back into the CLI's JSON, holds exactly what the core
        // found: every member survives the typed records.
        assertEquals(expect["notification"], readJsonText(notificationJson(notification)), name)
        val want = expect["notification"]!!.jsonObject
        assertEquals(want["id"]!!.str, notification.id, name)
        assertEquals(want["event_type"]!!.str, notification.eventType, name)
        assertEquals(want["verified"]!!.jsonPrimitive.booleanOrNull, notification.verified, name)
        assertEquals(want["order"]!!.let { if (it is JsonNull) null else it.jsonObject["status"]!!.str }, notification.order?.status?.name, name)
    }

    @TestFactory
    fun `every shared vector`(): List<DynamicTest> {
        val tests =
            files.flatMap { (file, doc) ->
                doc["cases"]!!.jsonArray.map { case ->
                    DynamicTest.dynamicTest("$file: ${case.jsonObject["name"]!!.str}") { runCase(file, doc, case.jsonObject) }
                }
            }
        assertTrue(tests.size >= 500, "${tests.size} vectors")
        return tests
    }

    @Test
    fun `one exception subclass per core error code`() {
        val subclasses =
            PayqueryException::class.java.declaredClasses
                .filter { PayqueryException::class.java.isAssignableFrom(it) }
                .map { cls ->
                    // UniFFI names a variant ending in "Error" "…Exception" in Kotlin.
                    cls.simpleName
                        .removeSuffix("Exception")
                        .ifEmpty { cls.simpleName }
                        .let { if (cls.simpleName.endsWith("Exception")) it + "Error" else it }
                        .replace(Regex("([a-z])([A-Z])"), "$1_$2")
                        .uppercase()
                }
        assertEquals(errorCodes().sorted(), subclasses.sorted())
        val error =
            assertThrows<PayqueryException> {
                Client.fromJson("""{"provider":"fubei","app_id":"1","app_secret":"s"}""").buildJson("5")
            }
        assertTrue(error is PayqueryException.InvalidInput)
        assertEquals("INVALID_INPUT", error.code)
        assertEquals("query", error.field)
    }
}

fun readJsonText(text: String): JsonElement = kotlinx.serialization.json.Json
    .parseToJsonElement(text)

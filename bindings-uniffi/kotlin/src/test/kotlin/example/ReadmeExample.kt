package example

import payquery.Client
import payquery.EduPapayQuery
import payquery.ProviderDetail
import payquery.Query
import payquery.fromConfigFile
import payquery.query
import kotlin.time.Duration.Companion.seconds

/** `configDir`: where `payquery sandbox --write-configs` wrote its config documents. */
suspend fun readmeExample(configDir: String): String {
    val client = Client.fromConfigFile("$configDir/wechatpay_edu_papay.json") // *_path keys: relative to it
    val query = Query.WechatpayEduPapay(EduPapayQuery(outTradeNo = "EDU_PAID_001"))
    // Signed, sent with java.net.http, verified, for this order only; failed over, retried and
    // waited on as payquery's policy says. A failure throws its PayqueryException, with every
    // attempt. (Java and blocking callers: client.queryBlocking(query).)
    val result = client.query(query, timeout = 10.seconds)
    val order = result.order
    val transaction = (result.detail as ProviderDetail.WechatpayEduPapay).transaction // the provider's own answer, typed
    return "${order.status} ${order.amount?.minor} ${order.amount?.currency} ${order.paidAt} ${transaction.transactionId} ${result.signatureSerial}"
}

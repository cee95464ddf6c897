// Must compile: the typed API used as the README shows (TypeCheckTest).
package typecheck

import payquery.Client
import payquery.Config
import payquery.DingshangConfig
import payquery.DingshangQuery
import payquery.EduPapayQuery
import payquery.FubeiConfig
import payquery.FubeiQuery
import payquery.MiniChargeConfig
import payquery.MiniChargeQuery
import payquery.PayscoreOverseaQuery
import payquery.ProviderDetail
import payquery.Query
import payquery.QueryResult
import payquery.Secret
import payquery.WechatPayConfig

fun configs(): List<Config> =
    listOf(
        Config.WechatpayEduPapay(WechatPayConfig(mchid = "1900000001", merchantSerialNo = "5157F09E")),
        Config.WechatpayPayscoreOversea(WechatPayConfig(mchid = "1900000001", merchantSerialNo = "5157F09E")),
        Config.WechatMiniCharge(MiniChargeConfig(accessToken = Secret("T"))),
        Config.Fubei(FubeiConfig(appId = "1", appSecret = Secret("s"))),
        Config.DingshangVending(DingshangConfig(baseUrl = "https://v.example", appid = "ds1", appSecret = Secret("s"), signKey = Secret("k"))),
    )

fun queries(): List<Query> =
    listOf(
        Query.WechatpayEduPapay(EduPapayQuery(outTradeNo = "A1")),
        Query.WechatpayPayscoreOversea(PayscoreOverseaQuery(serviceId = "1", subMchid = "2", outOrderNo = "A1")),
        Query.WechatMiniCharge(MiniChargeQuery.Order(orderId = "DD1")),
        Query.Fubei(FubeiQuery(merchantOrderSn = "A1")),
        Query.DingshangVending(DingshangQuery(orderId = "54", machineNo = "16327129")),
    )

fun transactionId(result: QueryResult): String? =
    when (val detail = result.detail) {
        is ProviderDetail.WechatpayEduPapay -> detail.transaction.transactionId
        is ProviderDetail.Fubei -> detail.order.orderSn
        else -> null
    }

fun minor(result: QueryResult): Long? = result.order.amount?.minor

fun client(): Client = Client(configs()[3])

//! The sandbox's seeded orders and test credentials.
//!
//! Every status of every provider's enum is seeded, plus awkward money: 0.29 yuan (29 fen,
//! the classic float trap) and int64 values above 2^53. [`seeded_orders`] lists each order
//! with the normalized status and amount it must produce — written by hand from PROVIDERS.md
//! §6, independently of the core's mapping code, so the round-trip tests check that code.
//!
//! None of these credentials is real.

// `value["key"] = …` below only ever indexes objects this module just built with `json!`,
// so it cannot panic.
#![allow(clippy::indexing_slicing)]

use payquery_core::ProviderId;
use serde_json::{json, Value};

/// WeChat Pay merchant id used by the sandbox.
pub const MCHID: &str = "1900000001";
/// The merchant API certificate serial the sandbox accepts.
pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
/// The WeChat Pay public key id the sandbox signs responses under.
pub const PUB_KEY_ID: &str = "PUB_KEY_ID_0119000000012025010100000000000001";
/// Test merchant private key (PKCS#8). NOT REAL.
pub const MERCHANT_PRIVATE_KEY_PEM: &str =
    include_str!("../../tests/vectors/keys/merchant_private_key.pem");
/// Its public key, which the sandbox verifies request signatures with.
pub const MERCHANT_PUBLIC_KEY_PEM: &str =
    include_str!("../../tests/vectors/keys/merchant_public_key.pem");
/// The sandbox's "WeChat Pay platform" private key. NOT REAL.
pub const WECHATPAY_PRIVATE_KEY_PEM: &str =
    include_str!("../../tests/vectors/keys/wechatpay_private_key.pem");
/// Its public key, handed to clients as `wechatpay_public_key_pem`.
pub const WECHATPAY_PUBLIC_KEY_PEM: &str =
    include_str!("../../tests/vectors/keys/wechatpay_public_key.pem");
/// A key nobody registered: requests signed with it must be refused.
pub const ATTACKER_PRIVATE_KEY_PEM: &str =
    include_str!("../../tests/vectors/keys/attacker_private_key.pem");

/// The merchant whose answers are signed with a platform certificate that only the
/// certificate endpoints hand out (the `*.auto.json` configs): a client must download it.
pub const AUTO_MCHID: &str = "1900000109";
/// The merchant whose certificate downloads always fail (HTTP 500), so a client's "the
/// download failed, the query goes on" path can be exercised; its queries answer as
/// [`MCHID`]'s do.
pub const FAILING_DOWNLOAD_MCHID: &str = "1900000500";
/// The APIv3 key the sandbox encrypts downloaded certificates with, for every merchant. NOT
/// REAL.
pub const API_V3_KEY: &str = "PayquerySandboxApiV3Key000000001";
// AES-256 takes exactly 32 key bytes; WeChat Pay's APIv3 keys are 32 ASCII characters.
const _: () = assert!(API_V3_KEY.len() == 32);

/// The current platform certificate ("A"): listed from start-up, and the one the auto
/// merchant's answers are signed with until a rotation. NOT REAL.
pub const PLATFORM_CERT_PEM: &str =
    include_str!("../../tests/vectors/keys/platform_certificate.pem");
/// [`PLATFORM_CERT_PEM`]'s serial, as `Wechatpay-Serial` carries it (upper-case hex).
pub const PLATFORM_CERT_SERIAL: &str = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92";
/// [`PLATFORM_CERT_PEM`]'s private key. NOT REAL.
pub const PLATFORM_CERT_PRIVATE_KEY_PEM: &str =
    include_str!("../../tests/vectors/keys/platform_cert_private_key.pem");
/// The certificate a rotation (`POST /__sandbox/rotate`) brings in ("B"). NOT REAL.
pub const NEXT_PLATFORM_CERT_PEM: &str =
    include_str!("../../tests/vectors/keys/platform_certificate_next.pem");
/// [`NEXT_PLATFORM_CERT_PEM`]'s serial.
pub const NEXT_PLATFORM_CERT_SERIAL: &str = "3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912";
/// [`NEXT_PLATFORM_CERT_PEM`]'s private key. NOT REAL.
pub const NEXT_PLATFORM_CERT_PRIVATE_KEY_PEM: &str =
    include_str!("../../tests/vectors/keys/platform_cert_next_private_key.pem");
/// The serial the `FAULT_UNKNOWN_SERIAL` answer claims: no certificate endpoint lists it (the
/// answer is signed with [`ATTACKER_PRIVATE_KEY_PEM`]).
pub const UNKNOWN_PLATFORM_SERIAL: &str = "5E7A1D00000000000000000000000000000B4D00";

/// Mini Program app id.
pub const MINI_APPID: &str = "wx5a4d9c0sandbox01";
/// Mini Program AppSecret.
pub const MINI_APP_SECRET: &str = "sandbox-mini-app-secret";
/// A long-lived access token the sandbox accepts from start-up.
pub const MINI_ACCESS_TOKEN: &str = "SANDBOX_ACCESS_TOKEN_0001";
/// An access token the sandbox reports as expired (42001).
pub const MINI_EXPIRED_ACCESS_TOKEN: &str = "SANDBOX_EXPIRED_TOKEN_0001";

/// Fubei app id.
pub const FUBEI_APP_ID: &str = "20240101000000000001";
/// Fubei app secret.
pub const FUBEI_APP_SECRET: &str = "sandbox-fubei-app-secret";

/// Vending `Appid` header.
pub const DS_APPID: &str = "ds0sandbox0000001";
/// Vending `AppSecret` header.
pub const DS_APP_SECRET: &str = "sandbox-vending-app-secret";
/// Vending payload signing key (the merchant id, per the vendor's docs).
pub const DS_SIGN_KEY: &str = "100001";
/// The vending machine number.
pub const DS_MACHINE_NO: &str = "16327129";

/// One seeded order with the normalized result it must produce.
#[derive(Debug, Clone)]
pub struct SeededOrder {
    /// Provider.
    pub provider: ProviderId,
    /// The query document that finds it.
    pub query: Value,
    /// Expected unified status.
    pub expected_status: &'static str,
    /// Expected `order.amount.minor`.
    pub expected_amount_minor: i64,
    /// Expected currency.
    pub expected_currency: &'static str,
    /// Expected flags.
    pub expected_flags: &'static [&'static str],
}

fn order(
    provider: ProviderId,
    query: Value,
    status: &'static str,
    minor: i64,
    currency: &'static str,
    flags: &'static [&'static str],
) -> SeededOrder {
    SeededOrder {
        provider,
        query,
        expected_status: status,
        expected_amount_minor: minor,
        expected_currency: currency,
        expected_flags: flags,
    }
}

/// Every seeded order (the first of each provider is its PAID showcase).
pub fn seeded_orders() -> Vec<SeededOrder> {
    use ProviderId::*;
    let mut out = Vec::new();
    for (no, _, _, status, total, _) in EDU_ORDERS {
        out.push(order(
            WechatpayEduPapay,
            json!({"out_trade_no": no}),
            status,
            *total,
            "CNY",
            &[],
        ));
    }
    for (no, _, _, status) in PAYSCORE_ORDERS {
        out.push(order(
            WechatpayPayscoreOversea,
            json!({"service_id": PAYSCORE_SERVICE_ID, "sub_mchid": PAYSCORE_SUB_MCHID, "out_order_no": no}),
            status,
            PAYSCORE_TOTAL,
            "HKD",
            &[],
        ));
    }
    out.push(order(
        WechatpayPayscoreOversea,
        json!({"service_id": PAYSCORE_SERVICE_ID, "sub_mchid": PAYSCORE_SUB_MCHID, "query_id": PAYSCORE_QUERY_ID}),
        "PAID",
        PAYSCORE_TOTAL,
        "HKD",
        &[],
    ));
    for (id, _, price, status, flags) in MINI_ORDERS {
        let minor = price.parse().unwrap_or(-1);
        out.push(order(
            WechatMiniCharge,
            json!({"order_id": id}),
            status,
            minor,
            "CNY",
            flags,
        ));
    }
    for (sn, _, _, status, fen) in FUBEI_ORDERS {
        out.push(order(
            Fubei,
            json!({"merchant_order_sn": sn}),
            status,
            *fen,
            "CNY",
            &[],
        ));
    }
    if let Some((_, osn, _, _, fen)) = FUBEI_ORDERS.first() {
        out.push(order(
            Fubei,
            json!({"order_sn": osn}),
            "PAID",
            *fen,
            "CNY",
            &[],
        ));
    }
    for (id, _, _, status, fen, flags) in DS_ORDERS {
        out.push(order(
            DingshangVending,
            json!({"order_id": id, "machine_no": DS_MACHINE_NO}),
            status,
            *fen,
            "CNY",
            flags,
        ));
    }
    out
}

/// `order` answered under another id: a fault id stands for a showcase order, and a real
/// provider echoes the id it was asked for.
pub(crate) fn answered_as(mut order: Value, key: &str, id: Value) -> Value {
    if let Some(object) = order.as_object_mut() {
        object.insert(key.to_owned(), id);
    }
    order
}

/// Orders that settle: `(provider, id, pending order, paid order)`. The sandbox answers the id
/// as the pending order for its first two queries and as the paid one from the third, under the
/// id asked for (counted per sandbox process), so a polling query can be shown settling.
pub const SETTLING: &[(ProviderId, &str, &str, &str)] = &[
    (
        ProviderId::WechatpayEduPapay,
        "EDU_SETTLING_001",
        "EDU_ACCEPTED_001",
        "EDU_PAID_001",
    ),
    (
        ProviderId::WechatpayPayscoreOversea,
        "PS_SETTLING_001",
        "PS_DOING_PAYING_001",
        "PS_DONE_PAID_001",
    ),
    (
        ProviderId::WechatMiniCharge,
        "DD_SETTLING_001",
        "DD_PENDING_001",
        "DD_PAID_001",
    ),
    (
        ProviderId::Fubei,
        "FB_SETTLING_001",
        "FB_USERPAYING_001",
        "FB_PAID_001",
    ),
    (ProviderId::DingshangVending, "8001", "1002", "1001"),
];

/// The edu-papay order a fault id stands for.
pub(crate) const EDU_SHOWCASE_ORDER_NO: &str = "EDU_PAID_001";
/// The Pay Score order a fault id (or the seeded `query_id`) stands for.
pub(crate) const PAYSCORE_SHOWCASE_ORDER_NO: &str = "PS_DONE_PAID_001";
/// The Mini Program order a fault id stands for.
pub(crate) const MINI_SHOWCASE_ORDER_ID: &str = "DD_PAID_001";
/// The Fubei order a fault id stands for.
pub(crate) const FUBEI_SHOWCASE_ORDER_SN: &str = "FB_PAID_001";
/// The vending order a fault id stands for.
pub(crate) const DS_SHOWCASE_ORDER_ID: &str = "1001";

// ---- WeChat Pay edu-papay: (out_trade_no, trade_state, payer_total, expected, total, paid)
type EduSeed = (
    &'static str,
    &'static str,
    Option<i64>,
    &'static str,
    i64,
    bool,
);
pub(crate) const EDU_ORDERS: &[EduSeed] = &[
    ("EDU_PAID_001", "SUCCESS", Some(888), "PAID", 888, true),
    ("EDU_ACCEPTED_001", "ACCEPTED", None, "PENDING", 1000, false),
    ("EDU_PAY_FAIL_001", "PAY_FAIL", None, "FAILED", 1500, false),
    (
        "EDU_REFUND_001",
        "REFUND",
        Some(2999),
        "REFUNDING",
        2999,
        true,
    ),
    (
        "EDU_BIG_AMOUNT_001",
        "SUCCESS",
        Some(9_007_199_254_740_993),
        "PAID",
        9_007_199_254_740_993,
        true,
    ),
];

pub(crate) fn edu_order(out_trade_no: &str, sub_mchid: Option<&str>) -> Option<Value> {
    let (no, state, payer_total, _, total, paid) =
        EDU_ORDERS.iter().find(|o| o.0 == out_trade_no)?;
    let mut v = json!({
        "sp_mchid": MCHID,
        "appid": "wx8888888888888888",
        "out_trade_no": no,
        "trade_state": state,
        "trade_state_description": "sandbox order",
        "amount": {"total": total, "currency": "CNY"},
        "device_information": {"device_id": "12343232", "device_ip": "123.12.12.123"},
    });
    if let Some(pt) = payer_total {
        v["amount"]["payer_total"] = json!(pt);
        v["amount"]["discount_total"] = json!(0);
    }
    if *paid {
        v["transaction_id"] = json!(format!("4200{:0>16}", no.len()));
        v["success_time"] = json!("2024-05-20T13:14:15+08:00");
        v["bank_type"] = json!("CMC");
        v["payer"] = json!({"openid": "oUpF8uMuAJOM2pxb1Q"});
    }
    if let Some(sub) = sub_mchid {
        v["sub_mchid"] = json!(sub);
    }
    Some(v)
}

// ---- Pay Score oversea: (out_order_no, state, collection state, expected)
pub(crate) const PAYSCORE_SERVICE_ID: &str = "2002000000000558128851361561536";
pub(crate) const PAYSCORE_SUB_MCHID: &str = "1900000109";
pub(crate) const PAYSCORE_QUERY_ID: &str = "QID_DONE_PAID_001";
pub(crate) const PAYSCORE_TOTAL: i64 = 40000;
pub(crate) const PAYSCORE_ORDERS: &[(&str, &str, Option<&str>, &str)] = &[
    ("PS_DONE_PAID_001", "DONE", Some("USER_PAID"), "PAID"),
    ("PS_CREATED_001", "CREATED", None, "PENDING"),
    ("PS_DOING_001", "DOING", None, "PENDING"),
    (
        "PS_DOING_PAYING_001",
        "DOING",
        Some("USER_PAYING"),
        "PAYING",
    ),
    ("PS_DONE_PAYING_001", "DONE", Some("USER_PAYING"), "PAYING"),
    ("PS_DONE_NO_COLLECTION_001", "DONE", None, "CLOSED"),
    ("PS_REVOKED_001", "REVOKED", None, "CANCELLED"),
    ("PS_EXPIRED_001", "EXPIRED", None, "EXPIRED"),
];

pub(crate) fn payscore_order(out_order_no: &str) -> Option<Value> {
    let (no, state, collection, _) = PAYSCORE_ORDERS.iter().find(|o| o.0 == out_order_no)?;
    let mut v = json!({
        "out_order_no": no,
        "service_id": PAYSCORE_SERVICE_ID,
        "appid": "wxd678efh567hg6787",
        "mchid": MCHID,
        "sub_mchid": PAYSCORE_SUB_MCHID,
        "service_introduction": "Sandbox power bank",
        "state": state,
        "post_payments": [{"name": "rental", "amount": PAYSCORE_TOTAL, "description": "4 hours", "count": 1}],
        "risk_fund": {"name": "DEPOSIT", "amount": 10000, "description": "deposit"},
        "total_amount": PAYSCORE_TOTAL,
        "need_collection": *no != "PS_DONE_NO_COLLECTION_001",
        "time_range": {"start_time": "2024-05-20T10:00:00+08:00"},
        "notify_url": "https://merchant.example/notify",
        "order_id": format!("00003000012024052000{:0>11}", no.len()),
        "currency": "HKD",
        "currency_price": 90_000_000,
        "currency_rate_info": "1HKD=0.90CNY",
    });
    if *state == "DOING" {
        v["state_description"] = json!("USER_CONFIRM");
    }
    if let Some(cs) = collection {
        let paid = if *cs == "USER_PAID" {
            PAYSCORE_TOTAL
        } else {
            0
        };
        v["collection"] = json!({
            "state": cs,
            "total_amount": PAYSCORE_TOTAL,
            "paying_amount": PAYSCORE_TOTAL - paid,
            "paid_amount": paid,
        });
        if paid > 0 {
            v["collection"]["details"] = json!([{
                "seq": 1, "amount": paid, "paid_type": "NEWTON",
                "paid_time": "2024-05-20T14:00:00+08:00", "transaction_id": "4200000000202405201400000001"
            }]);
        }
    }
    Some(v)
}

// ---- Mini Program charge: (orderId, status, orderPrice fen as string, expected, flags)
type MiniSeed = (
    &'static str,
    i64,
    &'static str,
    &'static str,
    &'static [&'static str],
);
pub(crate) const MINI_ORDERS: &[MiniSeed] = &[
    ("DD_PAID_001", 2, "1", "PAID", &[]),
    ("DD_PENDING_001", 1, "100", "PENDING", &[]),
    ("DD_EXPIRED_001", 3, "100", "EXPIRED", &[]),
    ("DD_REFUNDING_001", 5, "100", "REFUNDING", &[]),
    ("DD_REFUNDED_001", 6, "100", "REFUNDED", &[]),
    ("DD_REFUND_FAILED_001", 7, "100", "PAID", &["refund_failed"]),
    ("DD_CANCELLED_001", 9, "100", "CANCELLED", &[]),
    ("DD_BIG_PRICE_001", 2, "9007199254740993", "PAID", &[]),
];

pub(crate) fn mini_order(order_id: &str) -> Option<Value> {
    let (id, status, price, _, _) = MINI_ORDERS.iter().find(|o| o.0 == order_id)?;
    let paid = matches!(status, 2 | 5 | 6 | 7);
    let mut v = json!({
        "orderId": id,
        "status": status,
        "createTime": 1_716_180_000_123_i64,
        "updateTime": 1_716_181_000_456_i64,
        "orderPrice": price,
        "payInfo": {"applyPayTime": 1_716_180_005},
        "orderProductInfo": {
            "spSpuId": "10000111", "spSkuId": "20000176", "skuCnt": 1, "spBizId": 100100,
            "spuName": "sandbox spu", "skuName": "sandbox sku",
            "validityBeginTime": 1_716_180_016, "validityEndTime": 1_747_716_016
        },
    });
    if paid {
        v["payInfo"]["finishPayTime"] = json!(1_716_180_016);
        v["usage"] = json!({"used": "0", "all": "1000"});
        // Together the paid orders carry every invoice status; the big-price one asked for none.
        let invoice_status = match *id {
            "DD_PAID_001" => Some(2),
            "DD_REFUNDING_001" => Some(1),
            "DD_REFUNDED_001" => Some(3),
            "DD_REFUND_FAILED_001" => Some(4),
            _ => None,
        };
        if let Some(invoice_status) = invoice_status {
            v["invoiceInfo"] =
                json!({"invoiceStatus": invoice_status, "invoiceApplyTime": 1_716_180_100});
        }
    }
    Some(v)
}

// ---- Fubei: (merchant_order_sn, order_sn, trade_state, expected, amount fen)
pub(crate) const FUBEI_ORDERS: &[(&str, &str, &str, &str, i64)] = &[
    ("FB_PAID_001", "20240520000000000001", "SUCCESS", "PAID", 29),
    (
        "FB_USERPAYING_001",
        "20240520000000000002",
        "USERPAYING",
        "PAYING",
        8000,
    ),
    (
        "FB_REVOKING_001",
        "20240520000000000003",
        "REVOKING",
        "REFUNDING",
        8000,
    ),
    (
        "FB_REVOKED_001",
        "20240520000000000004",
        "REVOKED",
        "CANCELLED",
        8000,
    ),
    (
        "FB_REVOKED_ERROR_001",
        "20240520000000000005",
        "REVOKED_ERROR",
        "UNKNOWN",
        8000,
    ),
    (
        "FB_CLOSED_001",
        "20240520000000000006",
        "CLOSED",
        "CLOSED",
        8000,
    ),
];

/// The `data` object, as raw JSON text: money as the provider sends it (JSON numbers in yuan
/// such as `0.29` and `80`, and yuan strings such as `"0.29"`), ids partly as strings.
/// `echo_merchant_order_sn` replaces the seeded merchant order number in the answer (the
/// sandbox echoes ids as requested, fault prefix included, as a real server would).
pub(crate) fn fubei_order_json(
    merchant_order_sn: Option<&str>,
    order_sn: Option<&str>,
    echo_merchant_order_sn: Option<&str>,
) -> Option<String> {
    let (seeded_msn, osn, state, _, fen) = FUBEI_ORDERS
        .iter()
        .find(|o| Some(o.0) == merchant_order_sn || Some(o.1) == order_sn)?;
    let msn = echo_merchant_order_sn.unwrap_or(seeded_msn);
    let yuan = format!("{}.{:02}", fen / 100, fen % 100);
    let paid = *state == "SUCCESS" || state.starts_with("REVOK");
    let pay_time = if paid { 1_716_181_234 } else { 0 };
    Some(format!(
        concat!(
            r#"{{"merchant_order_sn":"{msn}","order_sn":"{osn}","trade_no":"T{osn}","#,
            r#""platform_order_no":"4200{osn}","trade_state":"{state}","total_fee":{yuan},"#,
            r#""order_price":{yuan},"fee":0,"net_money":{yuan},"pay_time":{pay_time},"store_id":"25249","#,
            r#""cashier_id":"0","type":1,"discount_money":"0.00","buyer_pay_amount":"{yuan}","#,
            r#""attach":"","user_id":"","user_logon_id":"","no_cash_coupon_fee":0.01}}"#
        ),
        msn = msn,
        osn = osn,
        state = state,
        yuan = yuan,
        pay_time = pay_time
    ))
}

// ---- Vending: (order_id, trade_id, status, expected, amount fen, flags)
type VendingSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static [&'static str],
);
pub(crate) const DS_ORDERS: &[VendingSeed] = &[
    (
        "1001",
        "3f2a58ad69b74e86b8a1a3da6fd75001",
        "SUCCESS",
        "PAID",
        29,
        &[],
    ),
    (
        "1002",
        "3f2a58ad69b74e86b8a1a3da6fd75002",
        "NOTPAY",
        "PENDING",
        300,
        &[],
    ),
    (
        "1003",
        "3f2a58ad69b74e86b8a1a3da6fd75003",
        "USERPAYING",
        "PAYING",
        300,
        &[],
    ),
    (
        "1004",
        "3f2a58ad69b74e86b8a1a3da6fd75004",
        "REFUND",
        "REFUNDING",
        300,
        &[],
    ),
    (
        "1005",
        "3f2a58ad69b74e86b8a1a3da6fd75005",
        "CLOSED",
        "CLOSED",
        300,
        &[],
    ),
    (
        "1006",
        "3f2a58ad69b74e86b8a1a3da6fd75006",
        "REVOKED",
        "CANCELLED",
        300,
        &[],
    ),
    (
        "1007",
        "3f2a58ad69b74e86b8a1a3da6fd75007",
        "PAYERROR",
        "FAILED",
        300,
        &[],
    ),
    (
        "1008",
        "3f2a58ad69b74e86b8a1a3da6fd75008",
        "PICKUPCODE",
        "PAID",
        300,
        &["pickup_code"],
    ),
    (
        "1009",
        "3f2a58ad69b74e86b8a1a3da6fd75009",
        "TESTPAY",
        "PAID",
        300,
        &["test_order"],
    ),
    (
        "1010",
        "3f2a58ad69b74e86b8a1a3da6fd75010",
        "SUCCESS",
        "PAID",
        300,
        &[],
    ),
];

/// The vendor's `data`, with protobuf-style omission (zero/empty/false fields left out).
pub(crate) fn ds_order(order_id: &str) -> Option<Value> {
    let (id, trade_id, status, _, fen, _) = DS_ORDERS.iter().find(|o| o.0 == order_id)?;
    let yuan = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    // Delivery statuses show once paid; together the seeded orders carry every documented one.
    let deliveries: &[&str] = match *id {
        "1001" => &["IS_SUCCESS"],
        "1004" => &["IS_REFUND"],
        "1008" => &["IS_PICKED_UP"],
        "1009" => &["IS_DELIVERING"],
        "1010" => &["WAITING_PICKED_UP", "IS_FAILED", "IS_TIMEOUT"],
        _ => &[],
    };
    let line_count = i64::try_from(deliveries.len().max(1)).unwrap_or(1);
    let records: Vec<Value> = (0..line_count)
        .map(|i| {
            let mut record = json!({"id": 70 + i, "product_id": 121 + i, "quantity": 1, "price": yuan(fen / line_count)});
            if let Some(delivery) = usize::try_from(i).ok().and_then(|i| deliveries.get(i)) {
                record["status"] = json!(delivery);
                record["notify_sent"] = json!("1");
            }
            record
        })
        .collect();
    let mut v = json!({
        "order_id": id.parse::<i64>().unwrap_or_default(),
        "trade_id": trade_id,
        "date": "2024-05-20",
        "amount": yuan(*fen),
        "status": status,
        "records": records,
    });
    if !deliveries.is_empty() {
        v["notify_send_count"] = json!(deliveries.len());
    }
    if *status == "PICKUPCODE" {
        v["pickup_code_id"] = json!(88);
    }
    Some(v)
}

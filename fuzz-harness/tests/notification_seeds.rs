//! The notification targets reach what lies behind the signature checks: a well-formed input
//! in each layout is accepted (so the fuzzer's mutations start from verified notifications),
//! and the same input with one byte of the body changed is not.

use payquery_fuzz_harness::{notification_form, notification_wechatpay};

/// `notification_wechatpay`'s layout: flags, event, skew (i16 LE), header count, body.
fn wechatpay(flags: u8, event: u8, resource: &str) -> Vec<u8> {
    let mut data = vec![flags, event, 0, 0, 0];
    data.extend_from_slice(resource.as_bytes());
    data
}

const TRANSACTION: &str = r#"{"sp_mchid":"1900000001","appid":"wx1","out_trade_no":"A1","transaction_id":"T1","trade_state":"SUCCESS","success_time":"2020-03-26T10:43:39+08:00","amount":{"total":1,"payer_total":1,"currency":"CNY"}}"#;

#[test]
fn a_signed_sealed_wechatpay_notification_is_accepted() {
    // Signed (bit 0) and sealed (bit 1): TRANSACTION.SUCCESS on edu-papay, an unknown event on
    // Pay Score (bit 2), with and without associated data (event bit 3).
    assert!(notification_wechatpay(&wechatpay(3, 0, TRANSACTION)));
    assert!(notification_wechatpay(&wechatpay(3, 8, TRANSACTION)));
    assert!(notification_wechatpay(&wechatpay(
        7,
        6,
        r#"{"mchid":"1900000001"}"#
    )));
    // Unsigned, another merchant's, sent with GET, or its headers doubled: refused.
    assert!(!notification_wechatpay(&wechatpay(2, 0, TRANSACTION)));
    let other = TRANSACTION.replace("1900000001", "1900000002");
    assert!(!notification_wechatpay(&wechatpay(3, 0, &other)));
    assert!(!notification_wechatpay(&wechatpay(3 | 16, 0, TRANSACTION)));
    let mut doubled = wechatpay(3 | 8, 0, "");
    doubled.truncate(4);
    doubled.extend_from_slice(&[1, 0, 1, b'x']);
    doubled.extend_from_slice(TRANSACTION.as_bytes());
    assert!(!notification_wechatpay(&doubled));
}

#[test]
fn a_correctly_signed_fubei_form_and_a_delivery_are_accepted() {
    let data =
        r#"{"order_sn":"1","merchant_order_sn":"2","order_status":"SUCCESS","total_amount":0.01}"#;
    for selector in [2u8, 2 | 4, 2 | 8] {
        let mut input = vec![selector];
        input.extend_from_slice(data.as_bytes());
        assert!(notification_form(&input), "selector {selector}");
    }
    // The same form as received, one byte of `data` changed after signing: refused.
    assert!(!notification_form(
        b"\0result_code=200&result_message=&data=%7B%7D&sign=00"
    ));
    assert!(notification_form(
        br#"{"method":"device.delivery.response","order_id":54,"record_id":70,"deliver_status":"1"}"#
            .iter()
            .fold(vec![1u8], |mut v, b| {
                v.push(*b);
                v
            })
            .as_slice()
    ));
    assert!(!notification_form(b"\x01order_id=54"));
}

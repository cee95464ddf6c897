//! Clients for every provider, configured from the shared vectors' configs (PEMs inlined at
//! compile time so the fuzzer does no file I/O per run).

use payquery_core::Client;

const MERCHANT_KEY: &str = include_str!("../../tests/vectors/keys/merchant_private_key.pem");
const WECHATPAY_PUBLIC_KEY: &str =
    include_str!("../../tests/vectors/keys/wechatpay_public_key.pem");

pub fn clients() -> Vec<Client> {
    let wechatpay = |provider: &str| {
        serde_json::json!({
            "provider": provider, "mchid": "1900000001",
            "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            "merchant_private_key_pem": MERCHANT_KEY,
            "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
            "wechatpay_public_key_pem": WECHATPAY_PUBLIC_KEY,
        })
    };
    [
        wechatpay("wechatpay_edu_papay"),
        wechatpay("wechatpay_payscore_oversea"),
        serde_json::json!({"provider": "wechat_mini_charge", "access_token": "T", "appid": "wx1", "app_secret": "s"}),
        serde_json::json!({"provider": "fubei", "app_id": "1", "app_secret": "s"}),
        serde_json::json!({"provider": "dingshang_vending", "base_url": "https://x", "appid": "ds1", "app_secret": "s", "sign_key": "k"}),
    ]
    .iter()
    .map(|c| Client::from_config_json(&c.to_string()).expect("fuzz configs are valid"))
    .collect()
}

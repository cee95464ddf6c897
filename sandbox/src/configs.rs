//! Client config documents pointing at a running sandbox (the same format the CLI and every
//! binding take), and `--write-configs`.

use std::path::Path;

use payquery_core::ProviderId;
use serde_json::{json, Value};

use crate::{seed, Fault};

/// One provider's client config and a query for its seeded PAID order.
#[derive(Debug, Clone)]
pub struct ProviderSetup {
    /// Provider.
    pub provider: ProviderId,
    /// Client config document.
    pub config: Value,
    /// Query document for a seeded PAID order.
    pub query: Value,
}

/// Config documents for all five providers against the sandbox at `base_url`
/// (`http://127.0.0.1:port`). PEMs are inline, so each document stands alone.
pub fn client_configs(base_url: &str) -> Vec<ProviderSetup> {
    let wechatpay = |provider: &str| {
        json!({
            "provider": provider,
            "mchid": seed::MCHID,
            "merchant_serial_no": seed::MERCHANT_SERIAL,
            "merchant_private_key_pem": seed::MERCHANT_PRIVATE_KEY_PEM,
            "wechatpay_public_key_id": seed::PUB_KEY_ID,
            "wechatpay_public_key_pem": seed::WECHATPAY_PUBLIC_KEY_PEM,
            "base_url": base_url,
        })
    };
    let paid = |provider: ProviderId| {
        seed::seeded_orders()
            .into_iter()
            .find(|o| o.provider == provider && o.expected_status == "PAID")
            .map(|o| o.query)
            .unwrap_or(Value::Null)
    };
    vec![
        ProviderSetup {
            provider: ProviderId::WechatMiniCharge,
            config: json!({
                "provider": "wechat_mini_charge",
                "access_token": seed::MINI_ACCESS_TOKEN,
                "appid": seed::MINI_APPID,
                "app_secret": seed::MINI_APP_SECRET,
                "base_url": base_url,
            }),
            query: paid(ProviderId::WechatMiniCharge),
        },
        ProviderSetup {
            provider: ProviderId::Fubei,
            config: json!({
                "provider": "fubei",
                "app_id": seed::FUBEI_APP_ID,
                "app_secret": seed::FUBEI_APP_SECRET,
                "base_url": format!("{base_url}/gateway"),
            }),
            query: paid(ProviderId::Fubei),
        },
        ProviderSetup {
            provider: ProviderId::WechatpayEduPapay,
            config: wechatpay("wechatpay_edu_papay"),
            query: paid(ProviderId::WechatpayEduPapay),
        },
        ProviderSetup {
            provider: ProviderId::DingshangVending,
            config: json!({
                "provider": "dingshang_vending",
                "base_url": base_url,
                "appid": seed::DS_APPID,
                "app_secret": seed::DS_APP_SECRET,
                "sign_key": seed::DS_SIGN_KEY,
            }),
            query: paid(ProviderId::DingshangVending),
        },
        ProviderSetup {
            provider: ProviderId::WechatpayPayscoreOversea,
            config: wechatpay("wechatpay_payscore_oversea"),
            query: paid(ProviderId::WechatpayPayscoreOversea),
        },
    ]
}

/// The query that selects `fault` by order id for `provider` (the PAID showcase query with its
/// id replaced by [`Fault::order_id`]), or `None` where the fault does not apply.
pub fn fault_query(provider: ProviderId, fault: Fault) -> Option<Value> {
    let id = fault.order_id(provider)?;
    let mut query = client_configs("http://127.0.0.1")
        .into_iter()
        .find(|s| s.provider == provider)?
        .query;
    let key = match provider {
        ProviderId::WechatpayEduPapay => "out_trade_no",
        ProviderId::WechatpayPayscoreOversea => "out_order_no",
        ProviderId::Fubei => "merchant_order_sn",
        ProviderId::WechatMiniCharge | ProviderId::DingshangVending => "order_id",
    };
    let object = query.as_object_mut()?;
    object.remove("query_id");
    object.remove("order_sn");
    object.insert(key.to_owned(), Value::String(id));
    Some(query)
}

/// Every fault query for `provider`: `{"rate_limit": {…query…}, …}`.
pub fn fault_queries(provider: ProviderId) -> serde_json::Map<String, Value> {
    Fault::ALL
        .iter()
        .filter_map(|(fault, name)| Some(((*name).to_owned(), fault_query(provider, *fault)?)))
        .collect()
}

/// Writes, for every provider, `DIR/<provider>.json` (config), `DIR/<provider>.query.json` (a
/// seeded PAID order) and `DIR/<provider>.faults.json` (`{"<fault>": query}`: the queries
/// whose order ids select each fault). The credentials are sandbox test values, not real
/// secrets.
pub fn write_configs(dir: &Path, base_url: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for setup in client_configs(base_url) {
        let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
        std::fs::write(
            dir.join(format!("{}.faults.json", setup.provider)),
            pretty(&Value::Object(fault_queries(setup.provider))) + "\n",
        )?;
        std::fs::write(
            dir.join(format!("{}.json", setup.provider)),
            pretty(&setup.config) + "\n",
        )?;
        std::fs::write(
            dir.join(format!("{}.query.json", setup.provider)),
            pretty(&setup.query) + "\n",
        )?;
    }
    Ok(())
}

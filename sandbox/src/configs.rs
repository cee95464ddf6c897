//! Client config documents pointing at a running sandbox (the same format the CLI and every
//! binding take), and `--write-configs`.

use std::path::Path;

use payquery_core::ProviderId;
use serde_json::{json, Value};

use crate::{seed, Fault, SandboxUrls};

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

/// Config documents for all five providers against the sandbox: `base_url` its main host,
/// `backup_base_url` its backup host (same path), so failover can be tried with every provider
/// (real Fubei and vending hosts document no backup). PEMs are inline, so each document
/// stands alone.
pub fn client_configs(urls: &SandboxUrls) -> Vec<ProviderSetup> {
    let base_url = urls.main.as_str();
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
    let mut setups = vec![
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
    ];
    for setup in &mut setups {
        let backup = with_host(&setup.config, &urls.main, &urls.backup);
        if let Some(url) = backup.get("base_url").cloned() {
            set(&mut setup.config, "backup_base_url", url);
        }
    }
    setups
}

/// Sets `key` in a config object.
fn set(config: &mut Value, key: &str, value: Value) {
    if let Some(object) = config.as_object_mut() {
        object.insert(key.to_owned(), value);
    }
}

/// `config` with the `main` host in its `base_url` replaced by `host` (the path kept).
fn with_host(config: &Value, main: &str, host: &str) -> Value {
    let mut out = config.clone();
    if let Some(base) = config.get("base_url").and_then(Value::as_str) {
        set(
            &mut out,
            "base_url",
            Value::String(base.replacen(main, host, 1)),
        );
    }
    out
}

/// For a WeChat Pay API, `setup`'s config for the auto merchant ([`seed::AUTO_MCHID`]): its
/// `api_v3_key` and no public key or `platform_certificates`, so the client must download the
/// platform certificates the sandbox signs that merchant's answers with (QUERY-FLOW.md §7).
/// `None` for the other providers.
pub fn auto_config(setup: &ProviderSetup) -> Option<Value> {
    if !matches!(
        setup.provider,
        ProviderId::WechatpayEduPapay | ProviderId::WechatpayPayscoreOversea
    ) {
        return None;
    }
    let mut config = setup.config.clone();
    let object = config.as_object_mut()?;
    for key in [
        "wechatpay_public_key_id",
        "wechatpay_public_key_pem",
        "platform_certificates",
    ] {
        object.remove(key);
    }
    object.insert("mchid".to_owned(), json!(seed::AUTO_MCHID));
    object.insert("api_v3_key".to_owned(), json!(seed::API_V3_KEY));
    Some(config)
}

/// A provider's config whose main host fails at the transport level every time (it closes
/// each connection without an answer) and whose `backup_base_url` is the sandbox's backup:
/// every query fails over. For providers with no real backup host it exists for tests only.
pub fn failover_config(urls: &SandboxUrls, setup: &ProviderSetup) -> Value {
    with_host(&setup.config, &urls.main, &urls.dead)
}

/// A query for `provider`'s settling order ([`seed::SETTLING`]): pending for two queries, then
/// paid.
pub fn settling_query(provider: ProviderId) -> Option<Value> {
    let (_, id, _, _) = seed::SETTLING.iter().find(|(p, ..)| *p == provider)?;
    with_order_id(provider, id)
}

/// The query that selects `fault` by order id for `provider` (the PAID showcase query with its
/// id replaced by [`Fault::order_id`]), or `None` where the fault does not apply.
pub fn fault_query(provider: ProviderId, fault: Fault) -> Option<Value> {
    with_order_id(provider, &fault.order_id(provider)?)
}

/// The PAID showcase query for `provider` with its id replaced by `id`.
fn with_order_id(provider: ProviderId, id: &str) -> Option<Value> {
    let id = id.to_owned();
    let mut query = seed::seeded_orders()
        .into_iter()
        .find(|o| o.provider == provider && o.expected_status == "PAID")?
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

/// The JSON Schema of a config for any provider (`make types` writes `schemas/`).
const ANY_PROVIDER_SCHEMA: (&str, &str) = (
    "payquery-config.schema.json",
    include_str!("../../schemas/payquery-config.schema.json"),
);

/// The file name and text of `provider`'s config JSON Schema.
fn config_schema(provider: ProviderId) -> (&'static str, &'static str) {
    macro_rules! schema {
        ($name:literal) => {
            ($name, include_str!(concat!("../../schemas/", $name)))
        };
    }
    match provider {
        ProviderId::WechatMiniCharge => schema!("wechat_mini_charge.config.schema.json"),
        ProviderId::Fubei => schema!("fubei.config.schema.json"),
        ProviderId::WechatpayEduPapay => schema!("wechatpay_edu_papay.config.schema.json"),
        ProviderId::DingshangVending => schema!("dingshang_vending.config.schema.json"),
        ProviderId::WechatpayPayscoreOversea => {
            schema!("wechatpay_payscore_oversea.config.schema.json")
        }
    }
}

/// Writes, for every provider:
/// - `DIR/<provider>.json` (config) and `DIR/<provider>.query.json` (a seeded PAID order);
/// - `DIR/<provider>.faults.json` (`{"<fault>": query}`: the queries whose order ids select
///   each fault);
/// - `DIR/<provider>.failover.json`: a config whose main host always fails at the transport
///   level and whose backup is the sandbox's backup host;
/// - `DIR/<provider>.settling.query.json`: an order that answers pending to its first two
///   queries and paid from the third;
///
/// for the two WeChat Pay APIs `DIR/<provider>.auto.json` ([`auto_config`]: the APIv3 key and
/// no platform key, so the client downloads the platform certificates);
///
/// and for the Mini Program `DIR/wechat_mini_charge.no_token.json` (`appid` + `app_secret`, no
/// `access_token`: the one-call query fetches tokens) and
/// `DIR/wechat_mini_charge.expired_token.json` (an expired `access_token` and the credentials
/// to replace it). The credentials are sandbox test values, not real secrets.
///
/// Every config names its JSON Schema in `$schema` (`./schemas/<provider>.config.schema.json`,
/// written beside them with the any-provider `payquery-config.schema.json`), so an editor
/// checks a config copied from here as it is edited.
pub fn write_configs(dir: &Path, urls: &SandboxUrls) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("schemas"))?;
    std::fs::write(
        dir.join("schemas").join(ANY_PROVIDER_SCHEMA.0),
        ANY_PROVIDER_SCHEMA.1,
    )?;
    for provider in ProviderId::ALL {
        let (name, text) = config_schema(provider);
        std::fs::write(dir.join("schemas").join(name), text)?;
    }
    let pretty =
        |v: &Value| serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()) + "\n";
    for mut setup in client_configs(urls) {
        let (schema, _) = config_schema(setup.provider);
        if let Some(object) = setup.config.as_object_mut() {
            object.insert(
                "$schema".to_owned(),
                Value::String(format!("./schemas/{schema}")),
            );
        }
        std::fs::write(
            dir.join(format!("{}.failover.json", setup.provider)),
            pretty(&failover_config(urls, &setup)),
        )?;
        if let Some(query) = settling_query(setup.provider) {
            std::fs::write(
                dir.join(format!("{}.settling.query.json", setup.provider)),
                pretty(&query),
            )?;
        }
        if let Some(auto) = auto_config(&setup) {
            std::fs::write(
                dir.join(format!("{}.auto.json", setup.provider)),
                pretty(&auto),
            )?;
        }
        if setup.provider == ProviderId::WechatMiniCharge {
            let mut no_token = setup.config.clone();
            if let Some(object) = no_token.as_object_mut() {
                object.remove("access_token");
            }
            std::fs::write(
                dir.join("wechat_mini_charge.no_token.json"),
                pretty(&no_token),
            )?;
            let mut expired = setup.config.clone();
            set(
                &mut expired,
                "access_token",
                Value::String(seed::MINI_EXPIRED_ACCESS_TOKEN.to_owned()),
            );
            std::fs::write(
                dir.join("wechat_mini_charge.expired_token.json"),
                pretty(&expired),
            )?;
        }
        std::fs::write(
            dir.join(format!("{}.faults.json", setup.provider)),
            pretty(&Value::Object(fault_queries(setup.provider))),
        )?;
        std::fs::write(
            dir.join(format!("{}.json", setup.provider)),
            pretty(&setup.config),
        )?;
        std::fs::write(
            dir.join(format!("{}.query.json", setup.provider)),
            pretty(&setup.query),
        )?;
    }
    Ok(())
}

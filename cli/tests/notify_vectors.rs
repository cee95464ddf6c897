//! The shared notification vectors (`tests/vectors/<provider>.json`, cases with
//! `notification`) through the binary: each case's config and request written as the
//! documents `payquery notify` reads (the vector's request is the CLI's REQUEST format, §7),
//! checked with `--now`. The reply must be exactly the expected one whatever the outcome, the
//! notification exactly, or the error's code and field; exit 0 or 1 accordingly.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

#[test]
fn every_notification_vector_through_payquery_notify() {
    let dir = std::env::temp_dir().join(format!("payquery-notify-vectors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The configs name their keys relative to the vectors directory (`keys/…`).
    let keys = dir.join("keys");
    if !keys.exists() {
        std::os::unix::fs::symlink(vectors_dir().join("keys"), &keys).unwrap();
    }
    let mut count = 0;
    for provider in [
        "wechatpay_edu_papay",
        "wechatpay_payscore_oversea",
        "fubei",
        "dingshang_vending",
        "wechat_mini_charge",
    ] {
        let text = std::fs::read_to_string(vectors_dir().join(format!("{provider}.json"))).unwrap();
        let file: Value = serde_json::from_str(&text).unwrap();
        for case in file["cases"].as_array().unwrap() {
            let Some(callback) = case.get("notification") else {
                continue;
            };
            let name = case["name"].as_str().unwrap();
            let config = dir.join("config.json");
            let request = dir.join("request.json");
            std::fs::write(
                &config,
                file["configs"][case["config"].as_str().unwrap()].to_string(),
            )
            .unwrap();
            std::fs::write(&request, callback["request"].to_string()).unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_payquery"))
                .args(["notify", "--config", config.to_str().unwrap()])
                .args(["--request", request.to_str().unwrap()])
                .args(["--now", &callback["now"].as_i64().unwrap().to_string()])
                .output()
                .unwrap();
            let stdout = String::from_utf8(out.stdout).unwrap();
            let printed: Value =
                serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{name}: {e}: {stdout}"));
            let expect = &callback["expect"];
            assert_eq!(
                printed["reply"], expect["reply"],
                "{name}: reply; {printed}"
            );
            match expect.get("notification") {
                Some(notification) => {
                    assert_eq!(out.status.code(), Some(0), "{name}: {printed}");
                    assert_eq!(&printed["notification"], notification, "{name}");
                }
                None => {
                    assert_eq!(out.status.code(), Some(1), "{name}: {printed}");
                    let error = &expect["error"];
                    assert_eq!(printed["error"]["code"], error["code"], "{name}: {printed}");
                    if let Some(field) = error.get("field") {
                        assert_eq!(&printed["error"]["field"], field, "{name}: {printed}");
                    }
                    assert_eq!(printed.get("notification"), None::<&Value>);
                }
            }
            count += 1;
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(count >= 60, "{count} notification vectors");
}

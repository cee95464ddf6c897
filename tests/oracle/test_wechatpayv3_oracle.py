"""WeChat Pay cross-checks against the community SDK `wechatpayv3` (PyPI), an implementation we
did not write: its Authorization builder must produce our exact signature for the same inputs,
and its response verifier must accept what the sandbox signs and reject tampering."""

from __future__ import annotations

import json
import re
from pathlib import Path

import wechatpayv3.utils as wechatpayv3_utils  # make test installs it: a missing oracle fails, never skips
from cryptography.hazmat.primitives import serialization
from test_cli_sandbox_contract import cli, sandbox, send  # noqa: F401  (fixture reuse)

ROOT = Path(__file__).resolve().parents[2]
KEYS = ROOT / "tests" / "vectors" / "keys"


def fields(authorization: str) -> dict:
    assert authorization.startswith("WECHATPAY2-SHA256-RSA2048 ")
    return dict(re.findall(r'(\w+)="([^"]*)"', authorization))


def test_authorization_matches_wechatpayv3(tmp_path, monkeypatch):
    config = {
        "provider": "wechatpay_edu_papay",
        "mchid": "1900000001",
        "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "merchant_private_key_path": str(KEYS / "merchant_private_key.pem"),
        "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
        "wechatpay_public_key_path": str(KEYS / "wechatpay_public_key.pem"),
    }
    (tmp_path / "c.json").write_text(json.dumps(config))
    (tmp_path / "q.json").write_text(json.dumps({"out_trade_no": "ORDER|2024*01", "sub_mchid": "1900000109"}))
    out = cli(
        "build",
        "--config",
        str(tmp_path / "c.json"),
        "--query",
        str(tmp_path / "q.json"),
        "--timestamp",
        "1700000000",
        "--nonce",
        "ABCDEF0123456789",
    )
    assert out.returncode == 0, out.stdout
    request = json.loads(out.stdout)
    ours = fields(dict(request["headers"])["Authorization"])

    key = serialization.load_pem_private_key((KEYS / "merchant_private_key.pem").read_bytes(), password=None)
    monkeypatch.setattr(wechatpayv3_utils.time, "time", lambda: 1700000000.5)
    path = request["url"].split("://", 1)[1]
    path = path[path.index("/") :]
    theirs = fields(
        wechatpayv3_utils.build_authorization(
            path, "GET", "1900000001", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", key, nonce_str="ABCDEF0123456789"
        )
    )
    assert ours == theirs


def test_wechatpayv3_verifies_sandbox_responses(sandbox):  # noqa: F811
    _, configs = sandbox
    public_key = serialization.load_pem_public_key((KEYS / "wechatpay_public_key.pem").read_bytes())
    for provider in ["wechatpay_edu_papay", "wechatpay_payscore_oversea"]:
        built = cli(
            "build", "--config", str(configs / f"{provider}.json"), "--query", str(configs / f"{provider}.query.json")
        )
        response = send(json.loads(built.stdout))
        h = {k.title(): v for k, v in response["headers"].items()}  # HTTP header names are case-insensitive
        assert response["status"] == 200
        for body, valid in [(response["body"], True), (response["body"] + " ", False)]:
            verdict = wechatpayv3_utils.rsa_verify(
                h["Wechatpay-Timestamp"], h["Wechatpay-Nonce"], body, h["Wechatpay-Signature"], public_key
            )
            assert verdict is valid

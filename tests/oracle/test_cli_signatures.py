"""Cross-checks the `payquery` CLI against Python `cryptography`, an implementation we did not write.

The CLI signs with the OS clock and a CSPRNG nonce here (nothing pinned), and this test rebuilds
WeChat Pay's message from the printed descriptor alone and verifies the signature with the
merchant's public key.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
BIN = os.environ.get("PAYQUERY_BIN", str(ROOT / "target" / "debug" / "payquery"))
MERCHANT_PUBLIC = serialization.load_pem_public_key((VECTORS / "keys" / "merchant_public_key.pem").read_bytes())


def write_config(tmp_path: Path, provider: str) -> Path:
    doc = json.loads((VECTORS / f"{provider}.json").read_text(encoding="utf-8"))
    config = next(iter(doc["configs"].values()))
    for key in list(config):
        if key.endswith("_path"):
            config[key] = str(VECTORS / config[key])
    for cert in config.get("platform_certificates", []):
        for key in list(cert):
            if key.endswith("_path"):
                cert[key] = str(VECTORS / cert[key])
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "provider,query",
    [
        ("wechatpay_edu_papay", {"out_trade_no": "ORDER_2024-01|*"}),
        ("wechatpay_edu_papay", {"out_trade_no": "1217752501201407033233368018", "sub_mchid": "1900000109"}),
        ("wechatpay_payscore_oversea", {"service_id": "500001", "sub_mchid": "1900000109", "query_id": "q/1+2=3&4"}),
    ],
)
def test_cli_signature_verifies_with_python_cryptography(tmp_path, provider, query):
    config = write_config(tmp_path, provider)
    query_path = tmp_path / "query.json"
    query_path.write_text(json.dumps(query), encoding="utf-8")
    before = int(time.time())
    out = run_cli("build", "--config", str(config), "--query", str(query_path))
    assert out.returncode == 0, out.stdout + out.stderr
    request = json.loads(out.stdout)
    headers = dict(request["headers"])
    auth = headers["Authorization"]
    assert auth.startswith("WECHATPAY2-SHA256-RSA2048 ")
    fields = dict(re.findall(r'(\w+)="([^"]*)"', auth))
    assert fields["mchid"] == "1900000001"
    assert re.fullmatch(r"[0-9A-Za-z]{32}", fields["nonce_str"])
    assert abs(int(fields["timestamp"]) - before) < 60
    target = urlsplit(request["url"])
    canonical = target.path + ("?" + target.query if target.query else "")
    message = f"GET\n{canonical}\n{fields['timestamp']}\n{fields['nonce_str']}\n\n".encode()
    MERCHANT_PUBLIC.verify(base64.b64decode(fields["signature"]), message, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        MERCHANT_PUBLIC.verify(
            base64.b64decode(fields["signature"]), message + b"x", padding.PKCS1v15(), hashes.SHA256()
        )


def test_two_builds_use_fresh_nonces(tmp_path):
    config = write_config(tmp_path, "wechatpay_edu_papay")
    query_path = tmp_path / "query.json"
    query_path.write_text('{"out_trade_no": "1"}', encoding="utf-8")
    nonces = set()
    for _ in range(3):
        out = run_cli("build", "--config", str(config), "--query", str(query_path))
        auth = dict(json.loads(out.stdout)["headers"])["Authorization"]
        nonces.add(re.search(r'nonce_str="([^"]+)"', auth).group(1))
    assert len(nonces) == 3


def test_cli_error_contract(tmp_path):
    config = write_config(tmp_path, "wechatpay_edu_papay")
    query_path = tmp_path / "query.json"
    query_path.write_text('{"out_trade_no": "a/b"}', encoding="utf-8")
    out = run_cli("build", "--config", str(config), "--query", str(query_path))
    assert out.returncode == 1
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "INVALID_INPUT"
    assert error["field"] == "out_trade_no"
    assert "BEGIN" not in out.stdout and "PRIVATE" not in out.stdout


def test_two_phase_signing_with_an_external_signer(tmp_path):
    """prepare (no private key in the config) -> sign with Python -> finish == build."""
    config_with_key = write_config(tmp_path, "wechatpay_edu_papay")
    config = json.loads(config_with_key.read_text())
    del config["merchant_private_key_path"]
    keyless = tmp_path / "keyless.json"
    keyless.write_text(json.dumps(config), encoding="utf-8")
    query_path = tmp_path / "query.json"
    query_path.write_text('{"out_trade_no": "KMS_SIGNED_001"}', encoding="utf-8")
    pinned = ["--timestamp", "1700000000", "--nonce", "KMS0123456789"]

    out = run_cli("build", "--config", str(keyless), "--query", str(query_path), *pinned)
    assert out.returncode == 1 and json.loads(out.stdout)["error"]["code"] == "INVALID_CONFIG"

    prepared = run_cli("prepare", "--config", str(keyless), "--query", str(query_path), *pinned)
    assert prepared.returncode == 0, prepared.stdout
    doc = json.loads(prepared.stdout)
    assert doc["string_to_sign"] == (
        "GET\n/v3/edu-papay/transactions/out-trade-no/KMS_SIGNED_001\n1700000000\nKMS0123456789\n\n"
    )
    key = serialization.load_pem_private_key(
        (VECTORS / "keys" / "merchant_private_key.pem").read_bytes(), password=None
    )
    signature = base64.b64encode(key.sign(doc["string_to_sign"].encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    pending = tmp_path / "pending.json"
    pending.write_text(prepared.stdout, encoding="utf-8")
    finished = run_cli("finish", "--pending", str(pending), "--signature", signature)
    assert finished.returncode == 0, finished.stdout

    built = run_cli("build", "--config", str(config_with_key), "--query", str(query_path), *pinned)
    assert json.loads(finished.stdout) == json.loads(built.stdout)

    bad = run_cli("finish", "--pending", str(pending), "--signature", "bm90IGEgc2lnbmF0dXJl")
    assert bad.returncode == 1 and json.loads(bad.stdout)["error"]["code"] == "INVALID_INPUT"

"""Notifications built here as the providers build them, independently of payquery: WeChat Pay's
signed (RSA PKCS#1 v1.5 / SHA-256 over ``TS\\nNONCE\\nBODY\\n``) envelopes whose resource is
sealed with AES-256-GCM (Python ``cryptography``), and Fubei's MD5-signed forms."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import time
import urllib.parse
from typing import Any

from conftest import VECTORS
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

#: The sandbox's auto configs' key and merchant.
API_V3_KEY = "PayquerySandboxApiV3Key000000001"
MCHID = "1900000109"
#: Platform certificate A (listed by the sandbox from start-up) and B (after a rotation).
SERIAL_A = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92"
SERIAL_B = "3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912"
KEY_A = "platform_cert_private_key.pem"
KEY_B = "platform_cert_next_private_key.pem"
FUBEI_SECRET = "sandbox-fubei-app-secret"
NONCE = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
RESOURCE_NONCE = "fdasflkja484"


@functools.cache
def private_key(name: str) -> rsa.RSAPrivateKey:
    """A test key, loaded once (loading checks the RSA key, ~0.1 s each)."""
    key = serialization.load_pem_private_key((VECTORS / "keys" / name).read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def transaction(out_trade_no: str = "T1", state: str = "SUCCESS", **changes: Any) -> dict[str, Any]:
    """An edu-papay transaction resource (what a query of the order answers)."""
    return {
        "sp_mchid": MCHID,
        "appid": "wx8888888888888888",
        "out_trade_no": out_trade_no,
        "transaction_id": "4200001",
        "trade_state": state,
        "trade_state_description": "ok",
        "success_time": "2023-11-14T22:13:20+08:00",
        "amount": {"total": 100, "payer_total": 100, "currency": "CNY"},
        **changes,
    }


def seal(plain: str, key: str = API_V3_KEY, nonce: str = RESOURCE_NONCE, aad: str = "transaction") -> str:
    return base64.b64encode(AESGCM(key.encode()).encrypt(nonce.encode(), plain.encode(), aad.encode())).decode()


def envelope(
    resource: dict[str, Any],
    *,
    event_type: str = "TRANSACTION.SUCCESS",
    event_id: str = "EV-2018-0001",
    key: str = API_V3_KEY,
    sealed: dict[str, Any] | None = None,
) -> bytes:
    """WeChat Pay's envelope, as compact JSON with `/` escaped as its servers send it."""
    body = {
        "id": event_id,
        "create_time": "2023-11-14T22:13:21+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功",
        "resource": sealed
        or {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": seal(json.dumps(resource, separators=(",", ":"), ensure_ascii=False), key),
            "associated_data": "transaction",
            "nonce": RESOURCE_NONCE,
        },
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/").encode()


def signed(body: bytes, *, key: str = KEY_A, serial: str = SERIAL_A, ts: int | None = None) -> list[tuple[str, str]]:
    """The headers WeChat Pay sends with `body`: signed with `key` under `serial` at `ts`."""
    ts = int(time.time()) if ts is None else ts
    message = f"{ts}\n{NONCE}\n".encode() + body + b"\n"
    signature = private_key(key).sign(message, padding.PKCS1v15(), hashes.SHA256())
    return [
        ("Content-Type", "application/json"),
        ("Wechatpay-Serial", serial),
        ("Wechatpay-Signature", base64.b64encode(signature).decode()),
        ("Wechatpay-Timestamp", str(ts)),
        ("Wechatpay-Nonce", NONCE),
        ("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048"),
    ]


def fubei_form(fields: list[tuple[str, str]], secret: str = FUBEI_SECRET) -> bytes:
    """Fubei's form: sign = UPPER(MD5(sorted `k=v` joined by `&` (empty values kept) + secret))."""
    text = "&".join(f"{k}={v}" for k, v in sorted(fields))
    sign = hashlib.md5((text + secret).encode()).hexdigest().upper()
    return urllib.parse.urlencode([*fields, ("sign", sign)]).encode()


FORM = [("Content-Type", "application/x-www-form-urlencoded")]

"""Signatures checked by implementations we did not write: `cryptography` verifies every
WeChat Pay Authorization the wheel builds, and `wechatpayv3`'s own builder produces the same
header for the same inputs."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit

import payquery
import pytest
import wechatpayv3.utils as wechatpayv3_utils  # type: ignore[import-untyped]  # make test installs it
from conftest import VECTORS
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEYS = VECTORS / "keys"
PRIVATE_PEM = (KEYS / "merchant_private_key.pem").read_text()


def rsa_public_key(pem: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem)
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def rsa_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


PUBLIC_KEY = rsa_public_key((KEYS / "merchant_public_key.pem").read_bytes())
PRIVATE_KEY = rsa_private_key(PRIVATE_PEM.encode())
CONFIG: payquery.WechatPayConfig = {
    "provider": "wechatpay_edu_papay",
    "mchid": "1900000001",
    "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    "merchant_private_key_pem": PRIVATE_PEM,
    "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
    "wechatpay_public_key_pem": (KEYS / "wechatpay_public_key.pem").read_text(),
}


def fields(request: payquery.HttpRequest) -> dict[str, str]:
    auth = dict(request.headers)["Authorization"]
    assert auth.startswith("WECHATPAY2-SHA256-RSA2048 ")
    return dict(re.findall(r'(\w+)="([^"]*)"', auth))


@pytest.mark.parametrize("out_trade_no", ["ORDER_2024-01|*", "201407033233368018", "A"])
def test_cryptography_verifies_every_authorization(out_trade_no: str) -> None:
    request = payquery.Client(CONFIG).build_query({"out_trade_no": out_trade_no})
    f = fields(request)
    target = urlsplit(request.url)
    message = f"GET\n{target.path}\n{f['timestamp']}\n{f['nonce_str']}\n\n".encode()
    signature = base64.b64decode(f["signature"])
    PUBLIC_KEY.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        PUBLIC_KEY.verify(signature, message + b"x", padding.PKCS1v15(), hashes.SHA256())


def test_wechatpayv3_builds_the_same_authorization(monkeypatch: pytest.MonkeyPatch) -> None:
    query: payquery.EduPapayQuery = {"out_trade_no": "ORDER|2024*01", "sub_mchid": "1900000109"}
    request = payquery.Client(CONFIG).build_query(query, timestamp=1_700_000_000, nonce="ABCDEF0123456789")
    monkeypatch.setattr(wechatpayv3_utils.time, "time", lambda: 1_700_000_000.5)
    target = urlsplit(request.url)
    theirs = wechatpayv3_utils.build_authorization(
        f"{target.path}?{target.query}",
        "GET",
        CONFIG["mchid"],
        CONFIG["merchant_serial_no"],
        PRIVATE_KEY,
        nonce_str="ABCDEF0123456789",
    )
    assert fields(request) == dict(re.findall(r'(\w+)="([^"]*)"', theirs))


def test_two_phase_with_a_cryptography_signer_equals_build() -> None:
    keyless = CONFIG.copy()
    del keyless["merchant_private_key_pem"]
    pending = payquery.Client(keyless).prepare_query({"out_trade_no": "KMS_1"}, timestamp=1_700_000_000, nonce="k1")
    signature = PRIVATE_KEY.sign(pending.string_to_sign.encode(), padding.PKCS1v15(), hashes.SHA256())
    finished = pending.finish(base64.b64encode(signature).decode())
    built = payquery.Client(CONFIG).build_query({"out_trade_no": "KMS_1"}, timestamp=1_700_000_000, nonce="k1")
    assert finished == built

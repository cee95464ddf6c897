#!/usr/bin/env python3
"""Generates payquery's shared test vectors with implementations we did not write.

Signatures come from Python `cryptography` (RSA PKCS#1 v1.5 / SHA-256) and `hashlib` (MD5);
WeChat Pay's certificate downloads are sealed with its AESGCM and their certificates made with
its x509 CertificateBuilder; canonical strings are rebuilt here from the provider specs, independently of the Rust core.
Expected normalized orders are written out by hand from PROVIDERS.md's mapping tables.

    python3 tests/vectors/generate.py          # rewrite the vector files
    python3 tests/vectors/generate.py --check  # fail if the committed files differ (CI)

Every language's tests read the resulting *.json files in place.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

HERE = Path(__file__).resolve().parent
KEYS = HERE / "keys"

MCHID = "1900000001"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUB_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000001"
PLATFORM_SERIAL = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92"
NOW = 1_700_000_000
NONCE = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
USER_AGENT = "payquery/0.1.0"


def load_key(name: str):
    return serialization.load_pem_private_key((KEYS / name).read_bytes(), password=None)


MERCHANT_KEY = load_key("merchant_private_key.pem")
WECHATPAY_KEY = load_key("wechatpay_private_key.pem")
PLATFORM_CERT_KEY = load_key("platform_cert_private_key.pem")
ATTACKER_KEY = load_key("attacker_private_key.pem")


def rsa_sign(key, message: str) -> str:
    sig = key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(sig).decode("ascii")


class Raw:
    """A JSON number written exactly as given: json.dumps would round-trip it through a float
    (`0.29000000000000001` would come out as `0.29`)."""

    def __init__(self, text: str):
        self.text = text


def compact(obj) -> str:
    raws: list[str] = []

    def placeholder(value):
        if isinstance(value, Raw):
            raws.append(value.text)
            return f"@@RAW{len(raws) - 1}@@"
        raise TypeError(f"cannot encode {value!r}")

    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=placeholder)
    for i, raw in enumerate(raws):
        text = text.replace(f'"@@RAW{i}@@"', raw)
    return text


# ---------------------------------------------------------------- WeChat Pay APIv3

WECHATPAY_CONFIG = {
    "mchid": MCHID,
    "merchant_serial_no": MERCHANT_SERIAL,
    "merchant_private_key_path": "keys/merchant_private_key.pem",
    "wechatpay_public_key_id": PUB_KEY_ID,
    "wechatpay_public_key_path": "keys/wechatpay_public_key.pem",
    "platform_certificates": [{"serial_no": PLATFORM_SERIAL, "certificate_path": "keys/platform_certificate.pem"}],
}


def wechatpay_request(host: str, target: str, timestamp=NOW, nonce=NONCE) -> dict:
    """The request WeChat Pay expects: Authorization over METHOD\\nURL\\nTS\\nNONCE\\nBODY\\n."""
    message = f"GET\n{target}\n{timestamp}\n{nonce}\n\n"
    signature = rsa_sign(MERCHANT_KEY, message)
    auth = (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{MCHID}",nonce_str="{nonce}",'
        f'timestamp="{timestamp}",serial_no="{MERCHANT_SERIAL}",signature="{signature}"'
    )
    return {
        "method": "GET",
        "url": host + target,
        "headers": [
            ["Authorization", auth],
            ["Accept", "application/json"],
            ["User-Agent", USER_AGENT],
            ["Wechatpay-Serial", PUB_KEY_ID],
        ],
        "body": None,
        "string_to_sign": message,
    }


def signed_response(
    body: str,
    *,
    status=200,
    key=WECHATPAY_KEY,
    serial=PUB_KEY_ID,
    timestamp=NOW,
    nonce="fdasflkja484w",
    sign_body=None,
    sign_ts=None,
    sign_nonce=None,
    drop=(),
    signature=None,
) -> dict:
    """A WeChat Pay response signed over TS\\nNONCE\\nBODY\\n (optionally tampered after signing)."""
    ts = str(timestamp)
    msg = f"{sign_ts or ts}\n{sign_nonce or nonce}\n{sign_body if sign_body is not None else body}\n"
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Request-ID": "08F78BB5AF0610D302A6DE8C0A",
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature": signature if signature is not None else rsa_sign(key, msg),
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        "Wechatpay-Timestamp": ts,
    }
    for name in drop:
        headers.pop(name)
    return {"status": status, "headers": headers, "body": body}


def error_response(status: int, code: str, message: str, **extra) -> dict:
    return {
        "status": status,
        "headers": {"Content-Type": "application/json"},
        "body": compact({"code": code, "message": message, **extra}),
    }


def repeat_header(response: dict, name: str, value: str) -> dict:
    """The same response with `name` sent twice: headers as a list of [name, value] pairs."""
    pairs = [[k, v] for k, v in response["headers"].items()]
    pairs.append([name, value])
    return {**response, "headers": pairs}


def err(code, **extra):
    return {"error": {"code": code, **extra}}


EDU_PAID = {
    "sp_mchid": "1230000109",
    "appid": "wx8888888888888888",
    "out_trade_no": "201407033233368018",
    "transaction_id": "25012014070332333018",
    "attach": "自定义数据",
    "bank_type": "CMC",
    "success_time": "2020-03-26T10:43:39+08:00",
    "trade_state": "SUCCESS",
    "trade_state_description": "支付成功",
    "payer": {"openid": "oUpF8uMuAJOM2pxb1Q"},
    "amount": {"total": 888, "payer_total": 888, "discount_total": 100, "currency": "CNY"},
    "device_information": {"device_id": "12343232", "device_ip": "123.12.12.123"},
    "promotion_detail": [
        {
            "coupon_id": "109519",
            "name": "单品惠-6",
            "scope": "GLOBAL",
            "type": "DISCOUNT",
            "amount": 5,
            "stock_id": "931386",
            "wechatpay_contribute": 0,
            "merchant_contribute": 0,
            "other_contribute": 0,
        }
    ],
}
# The seed doc's example, pretty-printed exactly as the doc shows it (raw bytes are signed).
EDU_PAID_BODY = json.dumps(EDU_PAID, ensure_ascii=False, indent=2)


MONEY_RECEIVED = {"PAID", "REFUNDING", "REFUNDED"}  # PROVIDERS.md §6: paid_amount only in these


def edu_order(status, raw, *, paid=True, total=888, payer_total=888, currency="CNY"):
    if status not in MONEY_RECEIVED:
        payer_total = None
    return {
        "provider": "wechatpay_edu_papay",
        "provider_order_id": "25012014070332333018" if paid else None,
        "merchant_order_no": "201407033233368018",
        "status": status,
        "raw_status": raw,
        "amount": {"minor": total, "currency": currency},
        "paid_amount": {"minor": payer_total, "currency": currency} if payer_total is not None else None,
        "paid_at": "2020-03-26T02:43:39Z" if paid else None,
        "created_at": None,
        "flags": [],
    }


def apply_changes(target: dict, changes: dict) -> None:
    """Sets each changed field on `target`; a change to None removes the field."""
    for k, v in changes.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = v


def edu_variant(**changes):
    body = copy.deepcopy(EDU_PAID)
    apply_changes(body, changes)
    return compact(body)


# ---------------------------------------------------------------- WeChat Pay platform certificates

# The download answer (NOTIFICATIONS.md §1.7, QUERY-FLOW.md §7) sealed here with Python
# `cryptography`'s AESGCM, and the certificates made here with its CertificateBuilder: the
# expected lists come from these certificates, never from the core.

API_V3_KEY = "PayqueryVectorApiV3Key0000000001"
CERT_AAD = "certificate"
NEXT_SERIAL = "3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912"
CERT_A_PEM = (KEYS / "platform_certificate.pem").read_text(encoding="ascii")
CERT_B_PEM = (KEYS / "platform_certificate_next.pem").read_text(encoding="ascii")

# wechatpay-java core/src/test/java/com/wechat/pay/java/core/model/TestConfig.java: its APIv3
# key and DOWNLOAD_CERTIFICATE_RESPONSE (the ciphertext is kept once, beside the core's test).
JAVA_API_V3_KEY = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"
JAVA_SERIAL = "5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC"
JAVA_NONCE = "14b16c03dc1b"
JAVA_CIPHERTEXT_FILE = HERE.parent.parent / "core" / "tests" / "certificates" / "wechatpay_java_ciphertext.txt"
CST = timezone(timedelta(hours=8))


def seal(plain: str, nonce: str, key: str = API_V3_KEY, aad: str = CERT_AAD) -> str:
    """AEAD_AES_256_GCM as WeChat Pay seals a certificate: base64(ciphertext || 16-byte tag)."""
    sealed = AESGCM(key.encode("ascii")).encrypt(nonce.encode("ascii"), plain.encode("ascii"), aad.encode("ascii"))
    return base64.b64encode(sealed).decode("ascii")


def canonical_serial(cert: x509.Certificate) -> str:
    """What the core reports and `Wechatpay-Serial` names: upper-case hex, no leading zeros."""
    return f"{cert.serial_number:X}"


def made_certificate(key, serial: int, common_name: str, not_before: datetime, not_after: datetime) -> str:
    """A self-signed test certificate (deterministic: PKCS#1 v1.5 and Ed25519 signatures are)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, algorithm)
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def listed_certificate(pem: str) -> dict:
    """What the core reports for a certificate it accepted: validity from the certificate
    itself (not the listing's summary), and the PEM text exactly as decrypted."""
    cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    return {
        "serial_no": canonical_serial(cert),
        "not_before": int(cert.not_valid_before_utc.timestamp()),
        "not_after": int(cert.not_valid_after_utc.timestamp()),
        "certificate_pem": pem,
    }


def held_after(pems: list[str], now: int = NOW) -> dict:
    """A fresh client's set after one listing: expired certificates dropped, the newest (latest
    not_after, then latest not_before) first, ties in listing order (a stable sort)."""
    listed = [c for c in map(listed_certificate, pems) if c["not_after"] >= now]
    return {"certificates": sorted(listed, key=lambda c: (c["not_after"], c["not_before"]), reverse=True)}


def cert_entry(pem: str, nonce: str, *, serial: str | None = None, key: str = API_V3_KEY) -> dict:
    """One `data[]` entry as WeChat Pay lists it; `serial` overrides the certificate's own."""
    if serial is None:
        serial = listed_certificate(pem)["serial_no"]
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        effective = cert.not_valid_before_utc.astimezone(CST).isoformat()
        expire = cert.not_valid_after_utc.astimezone(CST).isoformat()
    except ValueError:  # not a certificate at all: the listing's summary is made up
        effective, expire = "2020-01-01T08:00:00+08:00", "2120-01-01T08:00:00+08:00"
    return {
        "serial_no": serial,
        "effective_time": effective,
        "expire_time": expire,
        "encrypt_certificate": {
            "algorithm": "AEAD_AES_256_GCM",
            "nonce": nonce,
            "associated_data": CERT_AAD,
            "ciphertext": seal(pem, nonce, key),
        },
    }


def unsigned_response(body: str, status: int = 200) -> dict:
    """An answer without signature headers (as WeChat Pay's published test answers are, and as a
    stored listing is): trusted on the AEAD alone."""
    return {"status": status, "headers": {"Content-Type": "application/json; charset=utf-8"}, "body": body}


def wechatpay_java_download() -> tuple[str, str]:
    """wechatpay-java's published download answer and the certificate it decrypts to. Opened
    here first: the vector is written only if it decrypts to the serial it declares."""
    ciphertext = JAVA_CIPHERTEXT_FILE.read_text(encoding="ascii").strip()
    plain = AESGCM(JAVA_API_V3_KEY.encode()).decrypt(
        JAVA_NONCE.encode(), base64.b64decode(ciphertext), CERT_AAD.encode()
    )
    pem = plain.decode("ascii")
    got = listed_certificate(pem)["serial_no"]
    if got != JAVA_SERIAL:
        raise SystemExit(f"wechatpay-java's certificate has serial {got}, not {JAVA_SERIAL}")
    body = {
        "data": [
            {
                "effective_time": "2023-09-19T23:15:58+08:00",
                "encrypt_certificate": {
                    "algorithm": "AEAD_AES_256_GCM",
                    "associated_data": CERT_AAD,
                    "ciphertext": ciphertext,
                    "nonce": JAVA_NONCE,
                },
                "expire_time": "2028-09-17T23:15:58+08:00",
                "serial_no": JAVA_SERIAL,
            }
        ]
    }
    return compact(body), pem


def certificate_configs(provider: str, prefix: str) -> dict:
    """`<prefix>_auto` (api_v3_key, nothing to verify with but what it downloads) and
    `<prefix>_auto_public_key` (the same with the WeChat Pay public key of the other configs)."""
    auto = {
        "provider": provider,
        "mchid": MCHID,
        "merchant_serial_no": MERCHANT_SERIAL,
        "merchant_private_key_path": WECHATPAY_CONFIG["merchant_private_key_path"],
        "api_v3_key": API_V3_KEY,
    }
    return {
        f"{prefix}_auto": auto,
        f"{prefix}_auto_public_key": {
            **auto,
            "wechatpay_public_key_id": PUB_KEY_ID,
            "wechatpay_public_key_path": WECHATPAY_CONFIG["wechatpay_public_key_path"],
        },
    }


def certificate_cases(prefix: str, *, full: bool) -> list[dict]:
    """`certificates` cases: a fresh client from the config parses one download answer at
    `now`; `expect` is the whole list it then holds, or an error subset. `full` adds every
    error row (edu-papay); Pay Score oversea gets the main ones (its own endpoint, same rules)."""
    auto, with_public_key = f"{prefix}_auto", f"{prefix}_auto_public_key"
    cases = []

    def C(name, response, expect, config=auto, now=NOW):
        cases.append(
            {
                "name": f"certificates: {name}",
                "config": config,
                "certificates": {"now": now, "response": response, "expect": expect},
            }
        )

    def listing(*entries) -> str:
        return compact({"data": list(entries)})

    a = cert_entry(CERT_A_PEM, "0123456789ab")
    b = cert_entry(CERT_B_PEM, "ba9876543210")
    rotation = listing(b, a)
    not_found = error_response(404, "RESOURCE_NOT_EXISTS", "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥")

    C("one certificate, unsigned (trusted on the AEAD)", unsigned_response(listing(a)), held_after([CERT_A_PEM]))
    C(
        "a rotation listing signed with the certificate it carries",
        signed_response(rotation, key=PLATFORM_CERT_KEY, serial=PLATFORM_SERIAL),
        held_after([CERT_B_PEM, CERT_A_PEM]),
    )
    C(
        "a listing signed with a key nobody lists",
        signed_response(rotation, key=ATTACKER_KEY, serial=PLATFORM_SERIAL),
        err("SIGNATURE_INVALID", field="Wechatpay-Signature"),
    )
    wrong_tag = copy.deepcopy(a)
    sealed = bytearray(base64.b64decode(wrong_tag["encrypt_certificate"]["ciphertext"]))
    sealed[-1] ^= 1
    wrong_tag["encrypt_certificate"]["ciphertext"] = base64.b64encode(bytes(sealed)).decode()
    C(
        "a flipped tag byte does not open",
        unsigned_response(listing(wrong_tag)),
        err("SIGNATURE_INVALID", field="data[0].encrypt_certificate.ciphertext"),
    )
    C(
        "404 RESOURCE_NOT_EXISTS with a public key configured: public-key-only, no failure",
        not_found,
        {"certificates": []},
        config=with_public_key,
    )
    C(
        "404 RESOURCE_NOT_EXISTS without a public key says what to configure",
        not_found,
        err("INVALID_CONFIG", field="wechatpay_public_key_pem", http_status=404),
    )
    if not full:
        return cases

    java_body, java_pem = wechatpay_java_download()
    C("wechatpay-java's published download", unsigned_response(java_body), held_after([java_pem]), config="java_vector")
    C(
        "wechatpay-java's download under another 32-byte key does not open",
        unsigned_response(java_body),
        err("SIGNATURE_INVALID", field="data[0].encrypt_certificate.ciphertext"),
    )
    C(
        "a serial declared in lower case with leading zeros is reported canonical",
        unsigned_response(listing(cert_entry(CERT_A_PEM, "0123456789ab", serial="00" + PLATFORM_SERIAL.lower()))),
        held_after([CERT_A_PEM]),
    )
    C(
        "a certificate not yet valid is kept for later",
        unsigned_response(listing(a)),
        held_after([CERT_A_PEM], now=1_500_000_000),
        now=1_500_000_000,
    )
    later_pem = made_certificate(
        load_key("platform_cert_next_private_key.pem"),
        0x2021_2121,
        "payquery test platform certificate, later (NOT REAL)",
        datetime(2021, 1, 1, tzinfo=timezone.utc),
        datetime(2121, 1, 1, tzinfo=timezone.utc),
    )
    C(
        "the newest (latest not_after) first, whatever the listing's order",
        unsigned_response(listing(a, cert_entry(later_pem, "later0000001"))),
        held_after([CERT_A_PEM, later_pem]),
    )
    expired_pem = made_certificate(
        PLATFORM_CERT_KEY,
        0x2010_2015,
        "payquery test platform certificate, expired (NOT REAL)",
        datetime(2010, 1, 1, tzinfo=timezone.utc),
        datetime(2015, 1, 1, tzinfo=timezone.utc),
    )
    expired = cert_entry(expired_pem, "expired00001")
    C(
        "an expired certificate beside a valid one is dropped",
        unsigned_response(listing(expired, a)),
        held_after([expired_pem, CERT_A_PEM]),
    )
    C("every certificate expired", unsigned_response(listing(expired)), err("DECODE_ERROR", field="data"))

    other_algorithm = copy.deepcopy(a)
    other_algorithm["encrypt_certificate"]["algorithm"] = "AEAD_AES_128_GCM"
    C(
        "another algorithm",
        unsigned_response(listing(other_algorithm)),
        err("DECODE_ERROR", field="data[0].encrypt_certificate.algorithm"),
    )
    tag_only = copy.deepcopy(a)
    tag_only["encrypt_certificate"]["ciphertext"] = base64.b64encode(bytes(range(16))).decode()
    C(
        "a ciphertext of 16 bytes (a tag, no text)",
        unsigned_response(listing(tag_only)),
        err("DECODE_ERROR", field="data[0].encrypt_certificate.ciphertext"),
    )
    long_nonce = cert_entry(CERT_A_PEM, "0123456789abcdef")
    C(
        "a 16-byte nonce (WeChat Pay's are 12)",
        unsigned_response(listing(long_nonce)),
        err("DECODE_ERROR", field="data[0].encrypt_certificate.nonce"),
    )
    C(
        "an entry declaring B but carrying A",
        unsigned_response(listing(cert_entry(CERT_A_PEM, "0123456789ab", serial=NEXT_SERIAL))),
        err("DECODE_ERROR", field="data[0].serial_no"),
    )
    C(
        "the same serial listed twice",
        unsigned_response(listing(a, cert_entry(CERT_A_PEM, "ba9876543210"))),
        err("DECODE_ERROR", field="data[1].serial_no"),
    )
    # Refused by count, before anything is decrypted (each would fail to open).
    filler = [
        {
            "serial_no": f"{i:X}",
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": "0123456789ab",
                "associated_data": CERT_AAD,
                "ciphertext": base64.b64encode(bytes(17)).decode(),
            },
        }
        for i in range(1, 66)
    ]
    C("65 entries (at most 64)", unsigned_response(listing(*filler)), err("DECODE_ERROR", field="data"))
    weak_pem = made_certificate(
        load_key("weak_1024_private_key.pem"),
        0x1024,
        "payquery test 1024-bit certificate (NOT REAL)",
        datetime(2020, 1, 1, tzinfo=timezone.utc),
        datetime(2120, 1, 1, tzinfo=timezone.utc),
    )
    ed_key = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"payquery vector ed25519 key").digest())
    ed_pem = made_certificate(
        ed_key,
        0xED25519,
        "payquery test Ed25519 certificate (NOT REAL)",
        datetime(2020, 1, 1, tzinfo=timezone.utc),
        datetime(2120, 1, 1, tzinfo=timezone.utc),
    )
    public_key_pem = (
        PLATFORM_CERT_KEY.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    for name, entry in [
        ("a 1024-bit RSA certificate", cert_entry(weak_pem, "0123456789ab")),
        ("an Ed25519 certificate", cert_entry(ed_pem, "0123456789ab")),
        ("a public key instead of a certificate", cert_entry(public_key_pem, "0123456789ab", serial=PLATFORM_SERIAL)),
    ]:
        C(name, unsigned_response(listing(entry)), err("DECODE_ERROR", field="data[0].encrypt_certificate.ciphertext"))

    C(
        "403 with a public key configured: public-key-only",
        error_response(403, "NO_AUTH", "商户无权限"),
        {"certificates": []},
        config=with_public_key,
    )
    C(
        "an empty data with a public key configured",
        unsigned_response('{"data":[]}'),
        {"certificates": []},
        config=with_public_key,
    )
    C(
        "500 SYSTEM_ERROR",
        error_response(500, "SYSTEM_ERROR", "系统繁忙，请稍后重试"),
        err("PROVIDER_ERROR", provider_code="SYSTEM_ERROR", http_status=500),
    )
    C("malformed JSON", unsigned_response('{"data":['), err("DECODE_ERROR"))
    return cases


def wechatpay_edu_papay() -> dict:
    host = "https://api.mch.weixin.qq.com"
    notification_configs, edu_notifications = edu_notification_cases()
    cases = []
    add = cases.append
    q = {"out_trade_no": "201407033233368018"}
    add(
        {
            "name": "build: seed example, public-key mode",
            "config": "edu",
            "build": {
                "query": q,
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": wechatpay_request(host, "/v3/edu-papay/transactions/out-trade-no/201407033233368018"),
            },
        }
    )
    add(
        {
            "name": "build: partner mode adds sub_mchid",
            "config": "edu",
            "build": {
                "query": {"out_trade_no": "A_B-C|D*E", "sub_mchid": "1900000109"},
                "timestamp": NOW + 1,
                "nonce": "abc123",
                "expect": wechatpay_request(
                    host,
                    "/v3/edu-papay/transactions/out-trade-no/A_B-C%7CD%2AE?sub_mchid=1900000109",
                    timestamp=NOW + 1,
                    nonce="abc123",
                ),
            },
        }
    )
    for name, value in [
        ("slash", "12/../34"),
        ("CR/LF", "12\r\nX-Evil: 1"),
        ("space", "12 34"),
        ("question mark", "12?a=b"),
        ("too long", "1" * 33),
        ("empty", ""),
        ("non-ASCII", "订单1"),
    ]:
        add(
            {
                "name": f"build: out_trade_no with {name} is rejected",
                "config": "edu",
                "build": {
                    "query": {"out_trade_no": value},
                    "timestamp": NOW,
                    "nonce": NONCE,
                    "expect": err("INVALID_INPUT", field="out_trade_no"),
                },
            }
        )
    add(
        {
            "name": "build: sub_mchid must be digits",
            "config": "edu",
            "build": {
                "query": {"out_trade_no": "1", "sub_mchid": "19&x=1"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": err("INVALID_INPUT", field="sub_mchid"),
            },
        }
    )
    add(
        {
            "name": "build: bad nonce",
            "config": "edu",
            "build": {
                "query": q,
                "timestamp": NOW,
                "nonce": "has space",
                "expect": err("INVALID_INPUT", field="nonce"),
            },
        }
    )
    add(
        {
            "name": "build: unknown query key",
            "config": "edu",
            "build": {
                "query": {"out_trade_no": "1", "out_order_no": "2"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": err("INVALID_INPUT"),
            },
        }
    )

    P = lambda name, response, expect, now=NOW, config="edu": add(  # noqa: E731
        {"name": name, "config": config, "parse": {"now": now, "response": response, "expect": expect}}
    )
    P(
        "parse: seed example (SUCCESS) verified with the public key",
        signed_response(EDU_PAID_BODY),
        {"order": edu_order("PAID", "SUCCESS"), "signature_serial": PUB_KEY_ID},
    )
    P(
        "parse: verified with a platform certificate",
        signed_response(EDU_PAID_BODY, key=PLATFORM_CERT_KEY, serial=PLATFORM_SERIAL),
        {"order": edu_order("PAID", "SUCCESS"), "signature_serial": PLATFORM_SERIAL},
    )
    P(
        "parse: ACCEPTED is PENDING",
        signed_response(
            edu_variant(
                trade_state="ACCEPTED",
                transaction_id=None,
                success_time=None,
                bank_type=None,
                payer=None,
                promotion_detail=None,
                amount={"total": 888},
            )
        ),
        {"order": edu_order("PENDING", "ACCEPTED", paid=False, payer_total=None)},
    )
    P(
        "parse: PAY_FAIL is FAILED",
        signed_response(edu_variant(trade_state="PAY_FAIL", transaction_id=None, success_time=None)),
        {"order": edu_order("FAILED", "PAY_FAIL", paid=False)},
    )
    P(
        "parse: REFUND is REFUNDING",
        signed_response(edu_variant(trade_state="REFUND")),
        {"order": edu_order("REFUNDING", "REFUND")},
    )
    P(
        "parse: undocumented trade_state is UNKNOWN, raw value kept",
        signed_response(edu_variant(trade_state="CLOSED")),
        {"order": edu_order("UNKNOWN", "CLOSED")},
    )
    P(
        "parse: missing currency defaults to CNY",
        signed_response(edu_variant(amount={"total": 1, "payer_total": 1})),
        {"order": edu_order("PAID", "SUCCESS", total=1, payer_total=1)},
    )
    year_2200 = 7_258_118_400
    P(
        "parse: a platform certificate past its validity is refused",
        signed_response(EDU_PAID_BODY, key=PLATFORM_CERT_KEY, serial=PLATFORM_SERIAL, timestamp=year_2200),
        err("SIGNATURE_INVALID", field="Wechatpay-Serial"),
        now=year_2200,
    )
    P(
        "parse: the public key has no validity period",
        signed_response(EDU_PAID_BODY, timestamp=year_2200),
        {"order": edu_order("PAID", "SUCCESS")},
        now=year_2200,
    )
    add(
        {
            "name": "build: a certificate filed under another serial is a config error",
            "config": "edu_wrong_cert_serial",
            "build": {
                "query": {"out_trade_no": "1"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": err("INVALID_CONFIG", field="platform_certificates[0].serial_no"),
            },
        }
    )
    P(
        "parse: a lower-case, zero-padded serial in the config matches the header's",
        signed_response(EDU_PAID_BODY, key=PLATFORM_CERT_KEY, serial=PLATFORM_SERIAL),
        {"order": edu_order("PAID", "SUCCESS"), "signature_serial": PLATFORM_SERIAL},
        config="edu_lower_serial",
    )
    P(
        "parse: a lower-case serial in the header matches the config's",
        signed_response(EDU_PAID_BODY, key=PLATFORM_CERT_KEY, serial=PLATFORM_SERIAL.lower()),
        {"order": edu_order("PAID", "SUCCESS"), "signature_serial": PLATFORM_SERIAL},
    )
    P(
        "parse: a repeated signature header is refused",
        repeat_header(signed_response(EDU_PAID_BODY), "Wechatpay-Signature", "A" * 344),
        err("SIGNATURE_INVALID", field="Wechatpay-Signature"),
    )
    P(
        "parse: the same signature header twice is still refused",
        repeat_header(signed_response(EDU_PAID_BODY), "Wechatpay-Serial", PUB_KEY_ID),
        err("SIGNATURE_INVALID", field="Wechatpay-Serial"),
    )
    P(
        "parse: Signature-Test probe fails verification",
        signed_response(EDU_PAID_BODY, signature="WECHATPAY/SIGNTEST/" + "A" * 340),
        err("SIGNATURE_INVALID"),
    )
    P(
        "parse: tampered body",
        signed_response(EDU_PAID_BODY.replace("888", "1"), sign_body=EDU_PAID_BODY),
        err("SIGNATURE_INVALID"),
    )
    P(
        "parse: tampered timestamp (inside the window)",
        signed_response(EDU_PAID_BODY, timestamp=NOW - 10, sign_ts=str(NOW)),
        err("SIGNATURE_INVALID"),
    )
    P(
        "parse: tampered nonce",
        signed_response(EDU_PAID_BODY, nonce="other", sign_nonce="fdasflkja484w"),
        err("SIGNATURE_INVALID"),
    )
    P("parse: signed with the wrong key", signed_response(EDU_PAID_BODY, key=ATTACKER_KEY), err("SIGNATURE_INVALID"))
    P(
        "parse: platform-certificate serial with the public key's signature",
        signed_response(EDU_PAID_BODY, serial=PLATFORM_SERIAL),
        err("SIGNATURE_INVALID"),
    )
    P(
        "parse: unknown serial",
        signed_response(EDU_PAID_BODY, serial="PUB_KEY_ID_999"),
        err("SIGNATURE_INVALID", field="Wechatpay-Serial"),
    )
    P(
        "parse: signature not base64",
        signed_response(EDU_PAID_BODY, signature="%%%not base64%%%"),
        err("SIGNATURE_INVALID"),
    )
    for header in ["Wechatpay-Serial", "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce"]:
        P(
            f"parse: missing {header}",
            signed_response(EDU_PAID_BODY, drop=[header]),
            err("SIGNATURE_INVALID", field=header),
        )
    P("parse: stale timestamp (301 s)", signed_response(EDU_PAID_BODY, timestamp=NOW - 301), err("TIMESTAMP_SKEW"))
    P("parse: future timestamp (301 s)", signed_response(EDU_PAID_BODY, timestamp=NOW + 301), err("TIMESTAMP_SKEW"))
    P(
        "parse: 300 s old is still fresh",
        signed_response(EDU_PAID_BODY, timestamp=NOW - 300),
        {"order": edu_order("PAID", "SUCCESS")},
    )
    P(
        "parse: extreme timestamp does not overflow",
        signed_response(EDU_PAID_BODY, timestamp=9223372036854775807),
        err("TIMESTAMP_SKEW"),
    )
    P(
        "parse: a negative timestamp is not Unix seconds",
        signed_response(EDU_PAID_BODY, timestamp=-9223372036854775808),
        err("SIGNATURE_INVALID", field="Wechatpay-Timestamp"),
    )
    P("parse: non-numeric timestamp", signed_response(EDU_PAID_BODY, timestamp="soon"), err("SIGNATURE_INVALID"))
    P("parse: malformed JSON (signed)", signed_response('{"sp_mchid": '), err("DECODE_ERROR"))
    add(
        {
            "name": "parse: a response for another order is refused",
            "config": "edu",
            "parse": {
                "now": NOW,
                "query": {"out_trade_no": "SOME_OTHER_ORDER"},
                "response": signed_response(EDU_PAID_BODY),
                "expect": err("DECODE_ERROR", field="out_trade_no"),
            },
        }
    )
    add(
        {
            "name": "parse: the queried order is accepted",
            "config": "edu",
            "parse": {
                "now": NOW,
                "query": {"out_trade_no": "201407033233368018"},
                "response": signed_response(EDU_PAID_BODY),
                "expect": {"order": edu_order("PAID", "SUCCESS")},
            },
        }
    )
    P("parse: wrong field type (signed)", signed_response(edu_variant(amount={"total": "888"})), err("DECODE_ERROR"))
    P("parse: missing required field (signed)", signed_response(edu_variant(trade_state=None)), err("DECODE_ERROR"))
    P(
        "parse: negative amount (signed)",
        signed_response(edu_variant(amount={"total": -1})),
        err("DECODE_ERROR", field="amount.total"),
    )
    P(
        "parse: bad success_time (signed)",
        signed_response(edu_variant(success_time="yesterday")),
        err("DECODE_ERROR", field="success_time"),
    )
    P("parse: deeply nested body", signed_response('{"a":' * 64 + "1" + "}" * 64), err("DECODE_ERROR"))
    # The documented error table: (status, code, message, expected kind, retryable). WeChat Pay
    # signs these answers; the signature is verified, and ORDER_NOT_FOUND needs a verified one.
    for status, code, message, kind, retryable in [
        (400, "PARAM_ERROR", "参数错误", "PROVIDER_ERROR", False),
        (403, "NO_AUTH", "商户无权限", "PROVIDER_ERROR", False),
        (404, "NOT_FOUND", "订单不存在", "ORDER_NOT_FOUND", False),
        (429, "RATELIMIT_EXCEEDED", "频率限制", "RATE_LIMITED", True),
        (500, "SYSTEM_ERROR", "系统错误", "PROVIDER_ERROR", True),
    ]:
        P(
            f"parse: signed {status} {code}",
            signed_response(compact({"code": code, "message": message}), status=status),
            err(
                kind,
                provider_code=code,
                http_status=status,
                retryable=retryable,
                backup_host_applies=code == "SYSTEM_ERROR",
            ),
        )
    # Unsigned error answers (WeChat Pay cannot sign its answer to a request it could not
    # authenticate; a proxy never signs): reported with the provider's code, never trusted.
    for status, code, message, kind, retryable in [
        (401, "SIGN_ERROR", "签名错误", "PROVIDER_ERROR", False),
        (404, "NOT_FOUND", "订单不存在", "PROVIDER_ERROR", False),
        (429, "RATELIMIT_EXCEEDED", "频率限制", "RATE_LIMITED", True),
        (500, "SYSTEM_ERROR", "系统错误", "PROVIDER_ERROR", True),
    ]:
        P(
            f"parse: unsigned {status} {code}",
            error_response(status, code, message),
            err(
                kind,
                provider_code=code,
                http_status=status,
                retryable=retryable,
                backup_host_applies=code == "SYSTEM_ERROR",
            ),
        )
    P(
        "parse: a signed error answer whose signature fails is refused",
        signed_response(
            compact({"code": "NOT_FOUND", "message": "订单不存在"}),
            status=404,
            sign_body=compact({"code": "SYSTEM_ERROR", "message": "x"}),
        ),
        err("SIGNATURE_INVALID"),
    )
    P(
        "parse: an error answer with only some signature headers is refused",
        signed_response(
            compact({"code": "NOT_FOUND", "message": "订单不存在"}),
            status=404,
            drop=["Wechatpay-Serial", "Wechatpay-Nonce"],
        ),
        err("SIGNATURE_INVALID", field="Wechatpay-Serial"),
    )
    P(
        "parse: a stale signed error answer is TIMESTAMP_SKEW",
        signed_response(compact({"code": "NOT_FOUND", "message": "x"}), status=404, timestamp=NOW - 301),
        err("TIMESTAMP_SKEW"),
    )
    P(
        "parse: an odd detail field keeps the rest of the error body",
        error_response(400, "PARAM_ERROR", "x", detail="oops"),
        err("PROVIDER_ERROR", provider_code="PARAM_ERROR", provider_message="x", http_status=400),
    )
    P(
        "parse: a numeric error code is kept as text",
        {"status": 400, "headers": {"Content-Type": "application/json"}, "body": '{"code":400123,"message":"x"}'},
        err("PROVIDER_ERROR", provider_code="400123", provider_message="x"),
    )
    P(
        "parse: a custom base_url has no backup host",
        signed_response(compact({"code": "SYSTEM_ERROR", "message": "x"}), status=500),
        err("PROVIDER_ERROR", retryable=True, backup_host_applies=False),
        config="edu_custom_host",
    )
    P(
        "parse: 400 PARAM_ERROR with detail names the field",
        {
            "status": 400,
            "headers": {"Content-Type": "application/json"},
            "body": compact(
                {
                    "code": "PARAM_ERROR",
                    "message": "参数错误",
                    "detail": {"field": "sub_mchid", "value": "x", "issue": "sub_mchid格式错误", "location": "query"},
                }
            ),
        },
        err("PROVIDER_ERROR", provider_code="PARAM_ERROR", field="sub_mchid"),
    )
    P(
        "parse: a bare 404 (wrong host or proxy) is not ORDER_NOT_FOUND",
        {"status": 404, "headers": {"Content-Type": "text/html"}, "body": "<html>Not Found</html>"},
        err("PROVIDER_ERROR", http_status=404, retryable=False),
    )
    P(
        "parse: 502 with an HTML body",
        {"status": 502, "headers": {"Content-Type": "text/html"}, "body": "<html>Bad Gateway</html>"},
        err("PROVIDER_ERROR", http_status=502, retryable=True),
    )
    return {
        "provider": "wechatpay_edu_papay",
        "configs": {
            "edu": {"provider": "wechatpay_edu_papay", **WECHATPAY_CONFIG},
            "edu_custom_host": {
                "provider": "wechatpay_edu_papay",
                **WECHATPAY_CONFIG,
                "base_url": "https://wechatpay-proxy.example",
            },
            "edu_lower_serial": {
                "provider": "wechatpay_edu_papay",
                **WECHATPAY_CONFIG,
                "platform_certificates": [
                    {"serial_no": "00" + PLATFORM_SERIAL.lower(), "certificate_path": "keys/platform_certificate.pem"}
                ],
            },
            **certificate_configs("wechatpay_edu_papay", "edu"),
            **notification_configs,
            "java_vector": {
                **certificate_configs("wechatpay_edu_papay", "edu")["edu_auto"],
                "api_v3_key": JAVA_API_V3_KEY,
            },
            "edu_wrong_cert_serial": {
                "provider": "wechatpay_edu_papay",
                **WECHATPAY_CONFIG,
                "platform_certificates": [
                    {
                        "serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
                        "certificate_path": "keys/platform_certificate.pem",
                    }
                ],
            },
        },
        "cases": cases + certificate_cases("edu", full=True) + edu_notifications,
    }


PAYSCORE_SEED = {
    "out_order_no": "1234323JKHDFE1243252",
    "service_id": "2002000000000558128851361561536",
    "appid": "wxd678efh567hg6787",
    "mchid": "1230000109",
    "sub_appid": "wxd678efh567hg6999",
    "sub_mchid": "1900000109",
    "service_introduction": "XX充电宝",
    "state": "CREATED",
    "state_description": "MCH_COMPLETE",
    "post_payments": [{"name": "就餐费用", "amount": 40000, "description": "就餐人均100元", "count": 4}],
    "post_discounts": [{"name": "满20减1元", "description": "不与其他优惠叠加", "amount": 100, "count": 2}],
    "risk_fund": {"name": "DEPOSIT", "amount": 10000, "description": "就餐的预估费用"},
    "total_amount": 40000,
    "need_collection": True,
    "collection": {
        "state": "USER_PAID",
        "total_amount": 50000,
        "paying_amount": 40000,
        "paid_amount": 10000,
        "details": [
            {
                "seq": 1,
                "amount": 10000,
                "paid_type": "NEWTON",
                "paid_time": "2019-11-11T16:24:05+08:00",
                "transaction_id": "15646546545165651651",
                "promotion_detail": [
                    {
                        "coupon_id": "123456",
                        "name": "单品优惠-6",
                        "scope": "GLOBAL",
                        "type": "CASH",
                        "amount": 100,
                        "stock_id": "activity_id",
                        "wechatpay_contribute": 100,
                        "merchant_contribute": 100,
                        "other_contribute": 100,
                        "currency": "CNY",
                        "goods_detail": [
                            {
                                "goods_id": "M1006",
                                "quantity": 1,
                                "unit_price": 1,
                                "discount_amount": 100,
                                "goods_remark": "商品备注信息",
                            }
                        ],
                    }
                ],
            }
        ],
        "bank_type": "example_bank_type",
    },
    "time_range": {
        "start_time": "2019-11-11T16:24:05+08:00",
        "end_time": "2019-11-11T16:24:05+08:00",
        "start_time_remark": "备注1",
        "end_time_remark": "备注2",
    },
    "location": {"start_location": "嗨客时尚主题展餐厅", "end_location": "嗨客时尚主题展餐厅"},
    "attach": "Easdfowealsdkjfnlaksjdlfkwqoi&wl3l2sald",
    "notify_url": "https://api.test.com",
    "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    "sub_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    "order_id": "0000300001201908301055157220022",
    "currency": "HKD",
    "currency_price": 90000000,
    "currency_rate_info": "1HKD=0.90CNY",
}


def payscore_order(status, raw, *, paid_amount=10000, paid_at=None, total=40000, currency="HKD"):
    if status not in MONEY_RECEIVED or currency is None:
        paid_amount = None
    return {
        "provider": "wechatpay_payscore_oversea",
        "provider_order_id": "0000300001201908301055157220022",
        "merchant_order_no": "1234323JKHDFE1243252",
        "status": status,
        "raw_status": raw,
        "amount": {"minor": total, "currency": currency} if total is not None and currency else None,
        "paid_amount": {"minor": paid_amount, "currency": currency} if paid_amount is not None else None,
        "paid_at": paid_at,
        "created_at": None,
        "flags": [],
    }


def payscore_variant(state, collection_state=None, need_collection=True, **extra):
    body = copy.deepcopy(PAYSCORE_SEED)
    body["state"] = state
    body["need_collection"] = need_collection
    if collection_state is None:
        body.pop("collection")
    else:
        body["collection"]["state"] = collection_state
    apply_changes(body, extra)
    return compact(body)


def wechatpay_payscore_oversea() -> dict:
    host = "https://apihk.mch.weixin.qq.com"
    notification_configs, payscore_notifications = payscore_notification_cases()
    cases = []
    add = cases.append
    base = {"service_id": "2002000000000558128851361561536", "sub_mchid": "1900000109"}
    add(
        {
            "name": "build: by out_order_no",
            "config": "payscore",
            "build": {
                "query": {**base, "out_order_no": "1234323JKHDFE1243252"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": wechatpay_request(
                    host,
                    "/v3/payscore/oversea/partner/serviceorder?service_id="
                    "2002000000000558128851361561536&sub_mchid=1900000109"
                    "&out_order_no=1234323JKHDFE1243252",
                ),
            },
        }
    )
    add(
        {
            "name": "build: by query_id, percent-encoded before signing",
            "config": "payscore",
            "build": {
                "query": {**base, "query_id": "15646/54+65=45&x"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": wechatpay_request(
                    host,
                    "/v3/payscore/oversea/partner/serviceorder?service_id="
                    "2002000000000558128851361561536&sub_mchid=1900000109"
                    "&query_id=15646%2F54%2B65%3D45%26x",
                ),
            },
        }
    )
    add(
        {
            "name": "build: both out_order_no and query_id",
            "config": "payscore",
            "build": {
                "query": {**base, "out_order_no": "1", "query_id": "2"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": err("INVALID_INPUT"),
            },
        }
    )
    add(
        {
            "name": "build: neither out_order_no nor query_id",
            "config": "payscore",
            "build": {"query": base, "timestamp": NOW, "nonce": NONCE, "expect": err("INVALID_INPUT")},
        }
    )
    add(
        {
            "name": "build: query_id with a newline",
            "config": "payscore",
            "build": {
                "query": {**base, "query_id": "a\nb"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": err("INVALID_INPUT", field="query_id"),
            },
        }
    )
    add(
        {
            "name": "build: service_id with a slash",
            "config": "payscore",
            "build": {
                "query": {**base, "service_id": "1/2", "out_order_no": "1"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": err("INVALID_INPUT", field="service_id"),
            },
        }
    )

    P = lambda name, response, expect, now=NOW: add(  # noqa: E731
        {"name": name, "config": "payscore", "parse": {"now": now, "response": response, "expect": expect}}
    )
    seed = json.dumps(PAYSCORE_SEED, ensure_ascii=False, indent=2)
    P("parse: seed example (CREATED)", signed_response(seed), {"order": payscore_order("PENDING", "CREATED")})
    P(
        "parse: DOING without collection",
        signed_response(payscore_variant("DOING")),
        {"order": payscore_order("PENDING", "DOING", paid_amount=None)},
    )
    P(
        "parse: DOING while USER_PAYING",
        signed_response(payscore_variant("DOING", "USER_PAYING")),
        {"order": payscore_order("PAYING", "DOING")},
    )
    P(
        "parse: DONE and USER_PAID",
        signed_response(payscore_variant("DONE", "USER_PAID")),
        {"order": payscore_order("PAID", "DONE", paid_at="2019-11-11T08:24:05Z")},
    )
    P(
        "parse: DONE and USER_PAYING",
        signed_response(payscore_variant("DONE", "USER_PAYING")),
        {"order": payscore_order("PAYING", "DONE")},
    )
    P(
        "parse: DONE without collection needed",
        signed_response(payscore_variant("DONE", None, False)),
        {"order": payscore_order("CLOSED", "DONE", paid_amount=None)},
    )
    P(
        "parse: DONE needing collection but without collection info is UNKNOWN",
        signed_response(payscore_variant("DONE", None, True)),
        {"order": payscore_order("UNKNOWN", "DONE", paid_amount=None)},
    )
    P(
        "parse: REVOKED",
        signed_response(payscore_variant("REVOKED")),
        {"order": payscore_order("CANCELLED", "REVOKED", paid_amount=None)},
    )
    P(
        "parse: EXPIRED",
        signed_response(payscore_variant("EXPIRED")),
        {"order": payscore_order("EXPIRED", "EXPIRED", paid_amount=None)},
    )
    P(
        "parse: without currency the order has no amount, but a status",
        signed_response(payscore_variant("DONE", "USER_PAID", currency=None)),
        {"order": payscore_order("PAID", "DONE", currency=None, paid_at="2019-11-11T08:24:05Z")},
    )
    P(
        "parse: CREATED without total_amount or need_collection",
        signed_response(payscore_variant("CREATED", total_amount=None, need_collection=None)),
        {"order": payscore_order("PENDING", "CREATED", total=None)},
    )
    P(
        "parse: EXPIRED and REVOKED without amounts",
        signed_response(payscore_variant("EXPIRED", total_amount=None, need_collection=None, currency=None)),
        {"order": payscore_order("EXPIRED", "EXPIRED", total=None, currency=None)},
    )
    P(
        "parse: DONE without collection and need_collection not stated is UNKNOWN",
        signed_response(payscore_variant("DONE", None, need_collection=None)),
        {"order": payscore_order("UNKNOWN", "DONE")},
    )
    sparse = copy.deepcopy(PAYSCORE_SEED)
    sparse["state"] = "DONE"
    collection = sparse["collection"]
    collection.pop("total_amount")
    detail = collection["details"][0]
    for key in ("seq", "amount", "paid_type"):
        detail.pop(key)
    for key in ("quantity", "unit_price", "discount_amount"):
        detail["promotion_detail"][0]["goods_detail"][0].pop(key)
    sparse["time_range"].pop("start_time")
    P(
        "parse: optional collection, goods and time_range fields may be absent",
        signed_response(compact(sparse)),
        {"order": payscore_order("PAID", "DONE", paid_at="2019-11-11T08:24:05Z")},
    )
    P(
        "parse: a required field (notify_url) missing is a decode error",
        signed_response(payscore_variant("CREATED", notify_url=None)),
        err("DECODE_ERROR"),
    )
    P(
        "parse: a malformed currency is refused, not dropped",
        signed_response(payscore_variant("CREATED", currency="hkd")),
        err("DECODE_ERROR", field="currency"),
    )
    P(
        "parse: negative total_amount",
        signed_response(payscore_variant("CREATED", total_amount=-1)),
        err("DECODE_ERROR", field="total_amount"),
    )
    P("parse: tampered body", signed_response(seed.replace("40000", "1"), sign_body=seed), err("SIGNATURE_INVALID"))
    P("parse: stale", signed_response(seed, timestamp=NOW - 3600), err("TIMESTAMP_SKEW"))
    P(
        "parse: 400 INVALID_REQUEST",
        error_response(400, "INVALID_REQUEST", "bad"),
        err("PROVIDER_ERROR", provider_code="INVALID_REQUEST", http_status=400),
    )
    P(
        "parse: 500 SYSTEM_ERROR (no backup host for WeChat Pay Global)",
        signed_response(compact({"code": "SYSTEM_ERROR", "message": "系统异常"}), status=500),
        err("PROVIDER_ERROR", provider_code="SYSTEM_ERROR", retryable=True, backup_host_applies=False),
    )
    return {
        "provider": "wechatpay_payscore_oversea",
        "configs": {
            "payscore": {"provider": "wechatpay_payscore_oversea", **WECHATPAY_CONFIG},
            **certificate_configs("wechatpay_payscore_oversea", "payscore"),
            **notification_configs,
        },
        "cases": cases + certificate_cases("payscore", full=False) + payscore_notifications,
    }


# ---------------------------------------------------------------- WeChat Mini Program charge

from urllib.parse import quote, quote_plus  # noqa: E402


def utc(seconds: int, millis: int = 0) -> str:
    text = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{millis:03d}" if millis else "") + "Z"


def enc(value: str) -> str:
    """RFC 3986 percent-encoding: only unreserved characters stay as they are."""
    return quote(value, safe="")


def plain_response(body, status=200) -> dict:
    return {
        "status": status,
        "headers": {"Content-Type": "application/json"},
        "body": body if isinstance(body, str) else compact(body),
    }


MINI_TOKEN = "ACCESS_TOKEN_TEST_0001"
MINI_CONFIG = {
    "provider": "wechat_mini_charge",
    "access_token": MINI_TOKEN,
    "appid": "wx1234567890abcdef",
    "app_secret": "test-app-secret-not-real",
}
MINI_SEED = {
    "errcode": 0,
    "order": {
        "orderId": "DD2981741311549200000",
        "status": 2,
        "createTime": 1687265841964,
        "updateTime": 1687267671475,
        "orderPrice": "1",
        "payInfo": {"applyPayTime": 1687265845, "finishPayTime": 1687265856},
        "orderProductInfo": {
            "spSpuId": "10000111",
            "spSkuId": "20000176",
            "skuCnt": 1,
            "spBizId": 100100,
            "spuName": "spu name",
            "skuName": "sku name",
            "validityBeginTime": 1687265856,
            "validityEndTime": 1718801856,
        },
        "invoiceInfo": {"invoiceStatus": 2, "invoiceApplyTime": 1687265870},
        "usage": {"used": "0", "all": "1000"},
    },
}


MINI_PAID_AT = utc(1687265856)


def mini_order(status, raw, *, price=1, flags=(), paid_at=MINI_PAID_AT):
    return {
        "provider": "wechat_mini_charge",
        "provider_order_id": "DD2981741311549200000",
        "merchant_order_no": None,
        "status": status,
        "raw_status": raw,
        "amount": {"minor": price, "currency": "CNY"},
        "paid_amount": None,
        "paid_at": paid_at,
        "created_at": utc(1687265841, 964),
        "flags": list(flags),
    }


def mini_variant(**changes):
    body = copy.deepcopy(MINI_SEED)
    apply_changes(body["order"], changes)
    return compact(body)


def wechat_mini_charge() -> dict:
    host = "https://api.weixin.qq.com"
    cases = []
    add = cases.append
    ua = [["Accept", "application/json"], ["User-Agent", USER_AGENT]]
    add(
        {
            "name": "build: seed example",
            "config": "mini",
            "build": {
                "query": {"order_id": "DD2981741311549200000"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": {
                    "method": "GET",
                    "url": f"{host}/wxa/charge/service-provider/order/get?access_token="
                    f"{enc(MINI_TOKEN)}&orderId=DD2981741311549200000",
                    "headers": ua,
                    "body": None,
                },
            },
        }
    )
    add(
        {
            "name": "build: token with URL metacharacters is percent-encoded",
            "config": "mini_odd_token",
            "build": {
                "query": {"order_id": "DD1"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": {
                    "method": "GET",
                    "url": f"{host}/wxa/charge/service-provider/order/get?access_token={enc('a&b=c/d+e')}&orderId=DD1",
                    "headers": ua,
                    "body": None,
                },
            },
        }
    )
    for name, value in [("slash", "DD1/../2"), ("CR/LF", "DD1\r\nX: y"), ("ampersand", "DD1&x=1"), ("empty", "")]:
        add(
            {
                "name": f"build: order_id with {name} is rejected",
                "config": "mini",
                "build": {
                    "query": {"order_id": value},
                    "timestamp": NOW,
                    "nonce": NONCE,
                    "expect": err("INVALID_INPUT", field="order_id"),
                },
            }
        )
    add(
        {
            "name": "build: order query without access_token",
            "config": "mini_token_only",
            "build": {"query": {"order_id": "DD1"}, "timestamp": NOW, "nonce": NONCE, "expect": err("INVALID_CONFIG")},
        }
    )
    for force_refresh in (False, True):
        add(
            {
                "name": "build: stable token" + (", force_refresh" if force_refresh else ""),
                "config": "mini",
                "build": {
                    "query": {"token": "stable", **({"force_refresh": True} if force_refresh else {})},
                    "timestamp": NOW,
                    "nonce": NONCE,
                    "expect": {
                        "method": "POST",
                        "url": f"{host}/cgi-bin/stable_token",
                        "headers": ua + [["Content-Type", "application/json"]],
                        "body": json.dumps(
                            {
                                "grant_type": "client_credential",
                                "appid": "wx1234567890abcdef",
                                "secret": "test-app-secret-not-real",
                                "force_refresh": force_refresh,
                            },
                            sort_keys=True,
                            separators=(",", ":"),
                        ),
                    },
                },
            }
        )
    add(
        {
            "name": "build: classic token",
            "config": "mini",
            "build": {
                "query": {"token": "classic"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": {
                    "method": "GET",
                    "url": f"{host}/cgi-bin/token?grant_type=client_credential"
                    f"&appid=wx1234567890abcdef&secret={enc('test-app-secret-not-real')}",
                    "headers": ua,
                    "body": None,
                },
            },
        }
    )
    add(
        {
            "name": "build: both order_id and token",
            "config": "mini",
            "build": {
                "query": {"order_id": "DD1", "token": "stable"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": err("INVALID_INPUT"),
            },
        }
    )

    P = lambda name, response, expect, query=None, config="mini": add(  # noqa: E731
        {
            "name": name,
            "config": config,
            "parse": {"now": NOW, "response": response, "expect": expect, **({"query": query} if query else {})},
        }
    )
    P(
        "parse: seed example (paid)",
        plain_response(json.dumps(MINI_SEED, indent=1)),
        {
            "order": mini_order("PAID", "2"),
            "detail": MINI_SEED["order"] | {"orderPrice": 1, "usage": {"used": 0, "all": 1000}},
        },
    )
    unpaid = dict(payInfo={"applyPayTime": 1687265845}, usage=None, invoiceInfo=None)
    P(
        "parse: a response for another order is refused",
        plain_response(json.dumps(MINI_SEED)),
        err("DECODE_ERROR", field="order_id"),
        query={"order_id": "DD0000000000000000001"},
    )
    P(
        "parse: status 1 is PENDING",
        plain_response(mini_variant(status=1, **unpaid)),
        {"order": mini_order("PENDING", "1", paid_at=None)},
    )
    P(
        "parse: status 3 is EXPIRED",
        plain_response(mini_variant(status=3, **unpaid)),
        {"order": mini_order("EXPIRED", "3", paid_at=None)},
    )
    P("parse: status 5 is REFUNDING", plain_response(mini_variant(status=5)), {"order": mini_order("REFUNDING", "5")})
    P("parse: status 6 is REFUNDED", plain_response(mini_variant(status=6)), {"order": mini_order("REFUNDED", "6")})
    P(
        "parse: status 7 is PAID with refund_failed",
        plain_response(mini_variant(status=7)),
        {"order": mini_order("PAID", "7", flags=["refund_failed"])},
    )
    P(
        "parse: status 9 is CANCELLED",
        plain_response(mini_variant(status=9, **unpaid)),
        {"order": mini_order("CANCELLED", "9", paid_at=None)},
    )
    P(
        "parse: undefined status 4 is UNKNOWN",
        plain_response(mini_variant(status=4)),
        {"order": mini_order("UNKNOWN", "4")},
    )
    P(
        "parse: int64 price above 2^53 stays exact",
        plain_response(mini_variant(orderPrice="9007199254740993")),
        {"order": mini_order("PAID", "2", price=9007199254740993)},
    )
    P("parse: price that is not an integer", plain_response(mini_variant(orderPrice="1.5")), err("DECODE_ERROR"))
    P("parse: price beyond int64", plain_response(mini_variant(orderPrice="9223372036854775808")), err("DECODE_ERROR"))
    P("parse: status of the wrong type", plain_response(mini_variant(status="2")), err("DECODE_ERROR"))
    P("parse: errcode 0 without order", plain_response({"errcode": 0, "errmsg": "ok"}), err("DECODE_ERROR"))
    P("parse: malformed JSON", plain_response('{"errcode":0,"order":{'), err("DECODE_ERROR"))
    for code, kind, retry in [
        (42001, "TOKEN_EXPIRED", False),
        (40001, "TOKEN_EXPIRED", False),
        (40014, "TOKEN_EXPIRED", False),
        (-1, "PROVIDER_ERROR", True),
        (45011, "RATE_LIMITED", True),
        (10120002, "PROVIDER_ERROR", False),
        (48001, "PROVIDER_ERROR", False),
    ]:
        P(
            f"parse: errcode {code}",
            plain_response({"errcode": code, "errmsg": "some message"}),
            err(kind, provider_code=str(code), provider_message="some message", retryable=retry),
        )
    P(
        "parse: HTTP 503 without JSON",
        plain_response("<html>busy</html>", status=503),
        err("PROVIDER_ERROR", http_status=503, retryable=True),
    )
    P(
        "parse: stable token",
        plain_response({"access_token": "TOKEN-ABC", "expires_in": 7200}),
        {
            "access_token": {
                "access_token": "TOKEN-ABC",
                "expires_in": 7200,
                "expires_at": NOW + 7200,
                "refresh_at": NOW + 6900,
            }
        },
        query={"token": "stable"},
    )
    P(
        "parse: short-lived token refreshes halfway",
        plain_response({"access_token": "T", "expires_in": 200}),
        {"access_token": {"access_token": "T", "expires_in": 200, "expires_at": NOW + 200, "refresh_at": NOW + 100}},
        query={"token": "classic"},
    )
    P(
        "parse: token error 40001 is a bad AppSecret, not an expired token",
        plain_response({"errcode": 40001, "errmsg": "invalid credential"}),
        err("PROVIDER_ERROR", provider_code="40001"),
        query={"token": "classic"},
    )
    P(
        "parse: a token with CR/LF is refused like one in a config",
        plain_response({"access_token": "T\r\nX: y", "expires_in": 7200}),
        err("DECODE_ERROR", field="access_token"),
        query={"token": "stable"},
    )
    P(
        "parse: an empty token is refused",
        plain_response({"access_token": "", "expires_in": 7200}),
        err("DECODE_ERROR", field="access_token"),
        query={"token": "classic"},
    )
    P(
        "parse: token response without expires_in",
        plain_response({"access_token": "T"}),
        err("DECODE_ERROR"),
        query={"token": "stable"},
    )
    base = MINI_CONFIG
    return {
        "provider": "wechat_mini_charge",
        "configs": {
            "mini": base,
            "mini_odd_token": base | {"access_token": "a&b=c/d+e"},
            "mini_token_only": {k: v for k, v in base.items() if k != "access_token"},
        },
        "cases": cases + mini_notification_cases(),
    }


# ---------------------------------------------------------------- Fubei

FUBEI_APP_ID = "20160922135339595387"
FUBEI_SECRET = "fubei-test-secret-not-real"
FUBEI_CONFIG = {"provider": "fubei", "app_id": FUBEI_APP_ID, "app_secret": FUBEI_SECRET}


def fubei_body(biz: dict, nonce: str) -> str:
    biz_content = compact(biz)
    params = {
        "app_id": FUBEI_APP_ID,
        "method": "openapi.payment.order.query",
        "format": "json",
        "sign_method": "md5",
        "nonce": nonce,
        "biz_content": biz_content,
    }
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if params[k] != "") + FUBEI_SECRET
    sign = hashlib.md5(text.encode("utf-8")).hexdigest().upper()
    return compact({**params, "sign": sign})


FUBEI_SEED = {
    "result_message": "成功",
    "data": {
        "trade_no": "2017060121534801983049958160",
        "merchant_order_sn": "201706011496325244549",
        "platform_order_no": "12345678998765433223",
        "order_sn": "20170601215348178414",
        "total_fee": 80,
        "fee": 1,
        "net_money": 79,
        "pay_time": 1496325236,
        "store_id": "25249",
        "cashier_id": "0",
        "trade_state": "SUCCESS",
        "type": 1,
        "discount_money": "20.00",
        "buyer_pay_amount": "80.00",
        "attach": "",
        "user_id": "",
        "user_logon_id": "",
        "no_cash_coupon_fee": 0.01,
    },
    "result_code": 200,
}
# The seed response text exactly as the doc prints it.
FUBEI_SEED_TEXT = """{
  "result_message": "成功",
  "data": {
    "trade_no": "2017060121534801983049958160",
    "merchant_order_sn": "201706011496325244549",
    "platform_order_no": "12345678998765433223",
    "order_sn": "20170601215348178414",
    "total_fee": 80,
    "fee": 1,
    "net_money": 79,
    "pay_time": 1496325236,
    "store_id": "25249",
    "cashier_id": "0",
    "trade_state": "SUCCESS",
    "type":1,
    "discount_money":"20.00",
    "buyer_pay_amount":"80.00",
    "attach": "",
    "user_id": "",
    "user_logon_id": "",
    "no_cash_coupon_fee": 0.01
  },
  "result_code": 200
}"""


def cny(fen):
    return {"minor": fen, "currency": "CNY"}


FUBEI_PAID_AT = utc(1496325236)


def fubei_order(status, raw, *, amount=8000, paid=8000, paid_at=FUBEI_PAID_AT):
    if status not in MONEY_RECEIVED:
        paid = None
    return {
        "provider": "fubei",
        "provider_order_id": "20170601215348178414",
        "merchant_order_no": "201706011496325244549",
        "status": status,
        "raw_status": raw,
        "amount": cny(amount) if amount is not None else None,
        "paid_amount": cny(paid) if paid is not None else None,
        "paid_at": paid_at,
        "created_at": None,
        "flags": [],
    }


def fubei_variant(result_code=200, **changes):
    body = copy.deepcopy(FUBEI_SEED)
    body["result_code"] = result_code
    apply_changes(body["data"], changes)
    return compact(body)


def fubei() -> dict:
    url = "https://shq-api.51fubei.com/gateway"
    headers = [
        ["Content-Type", "application/json; charset=utf-8"],
        ["Accept", "application/json"],
        ["User-Agent", USER_AGENT],
    ]
    cases = []
    add = cases.append
    add(
        {
            "name": "build: seed request (merchant_order_sn)",
            "config": "fubei",
            "build": {
                "query": {"merchant_order_sn": "20160120105532871512"},
                "timestamp": NOW,
                "nonce": "87sdf9806sdf73jkds",
                "expect": {
                    "method": "POST",
                    "url": url,
                    "headers": headers,
                    "body": fubei_body({"merchant_order_sn": "20160120105532871512"}, "87sdf9806sdf73jkds"),
                },
            },
        }
    )
    add(
        {
            "name": "build: order_sn with device_no",
            "config": "fubei",
            "build": {
                "query": {"order_sn": "20170601215348178414", "device_no": "DEV-01"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": {
                    "method": "POST",
                    "url": url,
                    "headers": headers,
                    "body": fubei_body({"order_sn": "20170601215348178414", "device_no": "DEV-01"}, NONCE),
                },
            },
        }
    )
    add(
        {
            "name": "build: both order ids",
            "config": "fubei",
            "build": {
                "query": {"merchant_order_sn": "1", "order_sn": "2"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": err("INVALID_INPUT"),
            },
        }
    )
    add(
        {
            "name": "build: neither order id",
            "config": "fubei",
            "build": {"query": {"device_no": "1"}, "timestamp": NOW, "nonce": NONCE, "expect": err("INVALID_INPUT")},
        }
    )
    # Fubei order ids are any text of up to 32 characters but control characters; they travel
    # JSON-encoded inside biz_content and the MD5 covers their UTF-8 bytes.
    for name, sn in [
        ("a quote and an ampersand, JSON-escaped", '1"&sign=0\\'),
        ("UTF-8 text", "订单-2024/05#付款 ✓"),
        ("32 CJK characters", "订" * 32),
    ]:
        add(
            {
                "name": f"build: merchant_order_sn with {name}",
                "config": "fubei",
                "build": {
                    "query": {"merchant_order_sn": sn},
                    "timestamp": NOW,
                    "nonce": NONCE,
                    "expect": {
                        "method": "POST",
                        "url": url,
                        "headers": headers,
                        "body": fubei_body({"merchant_order_sn": sn}, NONCE),
                    },
                },
            }
        )
    for name, sn in [("a newline", "FB\n1"), ("a NUL", "FB\u00001"), ("33 characters", "订" * 33), ("nothing", "")]:
        add(
            {
                "name": f"build: merchant_order_sn with {name} is rejected",
                "config": "fubei",
                "build": {
                    "query": {"merchant_order_sn": sn},
                    "timestamp": NOW,
                    "nonce": NONCE,
                    "expect": err("INVALID_INPUT", field="merchant_order_sn"),
                },
            }
        )

    P = lambda name, response, expect: add(  # noqa: E731
        {"name": name, "config": "fubei", "parse": {"now": NOW, "response": response, "expect": expect}}
    )
    P(
        "parse: seed example",
        plain_response(FUBEI_SEED_TEXT),
        {
            "order": fubei_order("PAID", "SUCCESS"),
            "signature_serial": None,
            "detail": {
                "merchant_order_sn": "201706011496325244549",
                "order_sn": "20170601215348178414",
                "trade_no": "2017060121534801983049958160",
                "platform_order_no": "12345678998765433223",
                "trade_state": "SUCCESS",
                "total_fee": cny(8000),
                "fee": cny(100),
                "net_money": cny(7900),
                "pay_time": 1496325236,
                "store_id": "25249",
                "cashier_id": "0",
                "type": 1,
                "discount_money": cny(2000),
                "buyer_pay_amount": cny(8000),
                "attach": "",
                "user_id": "",
                "user_logon_id": "",
                "no_cash_coupon_fee": cny(1),
            },
        },
    )
    add(
        {
            "name": "parse: a response for another order is refused",
            "config": "fubei",
            "parse": {
                "now": NOW,
                "query": {"merchant_order_sn": "201706011496325244550"},
                "response": plain_response(FUBEI_SEED_TEXT),
                "expect": err("DECODE_ERROR", field="merchant_order_sn"),
            },
        }
    )
    P("parse: result_code as a string", plain_response(fubei_variant("200")), {"order": fubei_order("PAID", "SUCCESS")})
    P(
        "parse: order_price wins over total_fee; 0.29 yuan is 29 fen",
        plain_response(fubei_variant(order_price=0.29, total_fee=0.29, buyer_pay_amount="0.29")),
        {"order": fubei_order("PAID", "SUCCESS", amount=29, paid=29)},
    )
    P(
        "parse: money as strings and ids as numbers",
        plain_response(
            fubei_variant(
                total_fee="12.34",
                buyer_pay_amount=None,
                order_sn=20170601215348178414,
                merchant_order_sn=201706011496325244549,
            )
        ),
        {"order": fubei_order("PAID", "SUCCESS", amount=1234, paid=1234)},
    )
    for state, status in [
        ("USERPAYING", "PAYING"),
        ("REVOKING", "REFUNDING"),
        ("REVOKED", "CANCELLED"),
        ("REVOKED_ERROR", "UNKNOWN"),
        ("CLOSED", "CLOSED"),
        ("SOMETHING_NEW", "UNKNOWN"),
    ]:
        P(
            f"parse: {state} is {status}",
            plain_response(fubei_variant(trade_state=state, pay_time=0)),
            {"order": fubei_order(status, state, paid_at=None)},
        )
    P("parse: more than 2 decimals", plain_response(fubei_variant(total_fee=0.291)), err("DECODE_ERROR"))
    P(
        "parse: a binary-float artifact (17 significant digits) is the fen it stands for",
        plain_response(fubei_variant(total_fee=Raw("0.29000000000000001"), buyer_pay_amount="0.28999999999999998")),
        {"order": fubei_order("PAID", "SUCCESS", amount=29, paid=29)},
    )
    P(
        "parse: a string artifact within 1e-9 yuan of a fen is that fen",
        plain_response(fubei_variant(total_fee="0.29000000000000004", buyer_pay_amount=None)),
        {"order": fubei_order("PAID", "SUCCESS", amount=29, paid=29)},
    )
    P(
        "parse: 1e-7 yuan off a fen is a real sub-fen amount",
        plain_response(fubei_variant(total_fee=Raw("0.2900001"))),
        err("DECODE_ERROR"),
    )
    P("parse: negative money", plain_response(fubei_variant(total_fee=-1)), err("DECODE_ERROR"))
    P("parse: money of the wrong type", plain_response(fubei_variant(total_fee=[80])), err("DECODE_ERROR"))
    P(
        "parse: no amount at all: the order without one",
        plain_response(fubei_variant(total_fee=None, buyer_pay_amount=None)),
        {"order": fubei_order("PAID", "SUCCESS", amount=None, paid=None)},
    )
    P("parse: 200 without data", plain_response({"result_code": 200, "result_message": "成功"}), err("DECODE_ERROR"))
    P("parse: no result_code", plain_response({"result_message": "?"}), err("DECODE_ERROR"))
    P(
        "parse: 400 with sub_code",
        plain_response({"result_code": 400, "result_message": "失败", "sub_code": "ERROR_CODE"}),
        err("PROVIDER_ERROR", provider_code="ERROR_CODE", provider_message="失败", retryable=False),
    )
    P(
        "parse: 400 ORDER_NOT_EXIST",
        plain_response({"result_code": 400, "result_message": "订单不存在", "sub_code": "ORDER_NOT_EXIST"}),
        err("ORDER_NOT_FOUND", provider_code="ORDER_NOT_EXIST"),
    )
    P(
        "parse: 500 is retryable",
        plain_response({"result_code": 500, "result_message": "系统繁忙"}),
        err("PROVIDER_ERROR", provider_code="500", retryable=True),
    )
    P("parse: HTTP 429", plain_response("", status=429), err("RATE_LIMITED", retryable=True))
    P(
        "parse: a success envelope under HTTP 502 is not trusted",
        plain_response(FUBEI_SEED_TEXT, status=502),
        err("PROVIDER_ERROR", http_status=502, retryable=True),
    )
    add(
        {
            "name": "parse: body over max_response_bytes",
            "config": "fubei_small",
            "parse": {
                "now": NOW,
                "response": plain_response(fubei_variant(body="x" * 300)),
                "expect": err("DECODE_ERROR"),
            },
        }
    )
    return {
        "provider": "fubei",
        "configs": {
            "fubei": FUBEI_CONFIG,
            "fubei_small": FUBEI_CONFIG | {"max_response_bytes": 256},
        },
        "cases": cases + fubei_notification_cases(),
    }


# ---------------------------------------------------------------- Dingshang vending

DS_APPID = "ds069ed4223ac1660f"
DS_SECRET = "dingshang-app-secret-not-real"
DS_SIGN_KEY = "1000123"
DS_CONFIG = {
    "provider": "dingshang_vending",
    "base_url": "https://www.awish.vip",
    "appid": DS_APPID,
    "app_secret": DS_SECRET,
    "sign_key": DS_SIGN_KEY,
}


def dingshang_body(machine_no: str, timestamp: int) -> str:
    params = {"machine_no": machine_no, "timestamp": str(timestamp)}
    text = "&".join(f"{k}={params[k]}" for k in sorted(params)) + "&key=" + DS_SIGN_KEY
    params["sign"] = hashlib.md5(text.encode()).hexdigest().upper()
    payload = json.dumps(params, sort_keys=True, separators=(",", ":"))
    return compact({"payload": base64.b64encode(payload.encode()).decode()})


DS_SEED_TEXT = """{
  "code": 0,
  "message": "ok",
  "data": {
    "order_id": 54,
    "trade_id": "3f2a58ad69b74e86b8a1a3da6fd75cc1",
    "date": "2024-04-26",
    "amount": "3.00",
    "status": "SUCCESS",
    "notify_send_count": 1,
    "records": [
      {
        "id": 70,
        "product_id": 121,
        "quantity": 1,
        "price": "1.00",
        "status": "IS_DELIVERING",
        "notify_sent": "1"
      },
      {
        "id": 71,
        "product_id": 122,
        "quantity": 1,
        "price": "1.00",
        "status": "WAITING_PICKED_UP",
        "notify_sent": "0"
      },
      {
        "id": 72,
        "product_id": 131,
        "quantity": 1,
        "price": "1.00",
        "status": "WAITING_PICKED_UP",
        "notify_sent": "0"
      }
    ]
  }
}"""


def ds_order(status, raw, *, amount=300, flags=()):
    return {
        "provider": "dingshang_vending",
        "provider_order_id": "54",
        "merchant_order_no": "3f2a58ad69b74e86b8a1a3da6fd75cc1",
        "status": status,
        "raw_status": raw,
        "amount": cny(amount) if amount is not None else None,
        "paid_amount": None,
        "paid_at": None,
        "created_at": None,
        "flags": list(flags),
    }


def ds_variant(**changes):
    body = json.loads(DS_SEED_TEXT)
    apply_changes(body["data"], changes)
    return compact(body)


def dingshang_vending() -> dict:
    headers = [
        ["Appid", DS_APPID],
        ["AppSecret", DS_SECRET],
        ["Content-Type", "application/json"],
        ["Accept", "application/json"],
        ["User-Agent", USER_AGENT],
    ]
    seed_body = dingshang_body("16327129", 1714115742)
    # The seed doc's (partly masked) payload starts with these bytes: same key order and layout.
    assert json.loads(seed_body)["payload"].startswith("eyJtYWNoaW5lX25vIjoiMTYzMjcxMjkiLCJz")
    cases = []
    add = cases.append
    add(
        {
            "name": "build: seed machine and timestamp",
            "config": "ds",
            "build": {
                "query": {"order_id": "54", "machine_no": "16327129"},
                "timestamp": 1714115742,
                "nonce": NONCE,
                "expect": {
                    "method": "POST",
                    "url": "https://www.awish.vip/api/openapi/v1/orders/54",
                    "headers": headers,
                    "body": seed_body,
                },
            },
        }
    )
    for name, query, field in [
        ("machine_no of 7 digits", {"order_id": "54", "machine_no": "1632712"}, "machine_no"),
        ("machine_no with letters", {"order_id": "54", "machine_no": "1632712a"}, "machine_no"),
        ("order_id with a slash", {"order_id": "54/../1", "machine_no": "16327129"}, "order_id"),
        ("order_id with CR/LF", {"order_id": "54\r\n", "machine_no": "16327129"}, "order_id"),
    ]:
        add(
            {
                "name": f"build: {name}",
                "config": "ds",
                "build": {
                    "query": query,
                    "timestamp": NOW,
                    "nonce": NONCE,
                    "expect": err("INVALID_INPUT", field=field),
                },
            }
        )
    add(
        {
            "name": "build: AppSecret with CR/LF is refused at configuration",
            "config": "ds_bad_secret",
            "build": {
                "query": {"order_id": "54", "machine_no": "16327129"},
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": err("INVALID_CONFIG", field="app_secret"),
            },
        }
    )

    P = lambda name, response, expect: add(  # noqa: E731
        {"name": name, "config": "ds", "parse": {"now": NOW, "response": response, "expect": expect}}
    )

    def record(i, p, status, sent):
        return {
            "id": i,
            "product_id": p,
            "quantity": 1,
            "price": cny(100),
            "status": status,
            "notify_sent": sent,
        }

    P(
        "parse: seed example",
        plain_response(DS_SEED_TEXT),
        {
            "order": ds_order("PAID", "SUCCESS"),
            "detail": {
                "order_id": "54",
                "trade_id": "3f2a58ad69b74e86b8a1a3da6fd75cc1",
                "date": "2024-04-26",
                "amount": cny(300),
                "status": "SUCCESS",
                "notify_send_count": 1,
                "records": [
                    record(70, 121, "IS_DELIVERING", True),
                    record(71, 122, "WAITING_PICKED_UP", False),
                    record(72, 131, "WAITING_PICKED_UP", False),
                ],
            },
        },
    )
    for state, status, flags in [
        ("NOTPAY", "PENDING", []),
        ("USERPAYING", "PAYING", []),
        ("REFUND", "REFUNDING", []),
        ("CLOSED", "CLOSED", []),
        ("REVOKED", "CANCELLED", []),
        ("PAYERROR", "FAILED", []),
        ("PICKUPCODE", "PAID", ["pickup_code"]),
        ("TESTPAY", "PAID", ["test_order"]),
        ("已支付", "UNKNOWN", []),
    ]:
        P(
            f"parse: {state} is {status}",
            plain_response(ds_variant(status=state)),
            {"order": ds_order(status, state, flags=flags)},
        )
    P(
        "parse: an omitted amount is not stated, never 0 (protobuf drops empty strings)",
        plain_response(ds_variant(amount=None)),
        {"order": ds_order("PAID", "SUCCESS", amount=None)},
    )
    P("parse: amount with 3 decimals", plain_response(ds_variant(amount="3.001")), err("DECODE_ERROR"))
    P(
        "parse: amount as a float is still exact",
        plain_response(ds_variant(amount=0.29)),
        {"order": ds_order("PAID", "SUCCESS", amount=29)},
    )
    P("parse: order without order_id is not an order", plain_response(ds_variant(order_id=None)), err("DECODE_ERROR"))
    P("parse: order without status is not an order", plain_response(ds_variant(status=None)), err("DECODE_ERROR"))
    P(
        "parse: body without code is not a vendor answer",
        plain_response({"message": "ok", "data": {}}),
        err("DECODE_ERROR", field="code"),
    )
    P(
        "parse: 40005 order expired",
        plain_response({"code": 40005, "message": "订单已过期", "data": {}}),
        err("PROVIDER_ERROR", provider_code="40005", provider_message="订单已过期", retryable=False),
    )
    P(
        "parse: 10008 missing credentials (HTTP 401)",
        plain_response({"code": 10008, "message": "Appid or AppSecret is missing", "data": {}}, status=401),
        err("PROVIDER_ERROR", provider_code="10008", http_status=401),
    )
    P(
        "parse: HTTP 500 HTML",
        plain_response("<h1>500</h1>", status=500),
        err("PROVIDER_ERROR", http_status=500, retryable=True),
    )
    P("parse: records of the wrong type", plain_response(ds_variant(records={"id": 1})), err("DECODE_ERROR"))
    P("parse: order_id 0 is no order", plain_response(ds_variant(order_id=0)), err("DECODE_ERROR"))
    add(
        {
            "name": "parse: a response for another order is refused",
            "config": "ds",
            "parse": {
                "now": NOW,
                "query": {"order_id": "55", "machine_no": "16327129"},
                "response": plain_response(DS_SEED_TEXT),
                "expect": err("DECODE_ERROR", field="order_id"),
            },
        }
    )
    return {
        "provider": "dingshang_vending",
        "configs": {
            "ds": DS_CONFIG,
            "ds_bad_secret": DS_CONFIG | {"app_secret": "x\r\nEvil: 1"},
        },
        "cases": cases + dingshang_notification_cases(),
    }


# ---------------------------------------------------------------- Notifications (issue 31)

# Every `notification` case is one callback as a host's web server received it (method, the
# headers as a list of pairs, the raw body) checked at `now`; `expect` is the exact HTTP reply
# and the notification (or the error's code and field). WeChat Pay envelopes are sealed here
# with `cryptography`'s AESGCM and signed over TS\nNONCE\nBODY\n with its RSA; Fubei forms are
# signed here with hashlib's MD5; every expected notification is written from the plaintext
# chosen here (NOTIFICATIONS.md §1-§3 and §7). WeChat Pay failure replies carry the error code
# alone.

NOTIFY_NONCE = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
NOTIFY_ID = "EV-2018022511223320873"
JSON_REPLY_HEADERS = [["Content-Type", "application/json; charset=utf-8"]]
TEXT_REPLY_HEADERS = [["Content-Type", "text/plain; charset=utf-8"]]
WECHAT_OK = {"status": 204, "headers": [], "body": ""}
# yansongda/pay 45f1b1fe tests/Provider/WechatTest.php testCallback (NOTIFICATIONS.md §4 item 2):
# its headers, its PHP json_encode body (`/` written as `\/`), the public key of
# tests/Cert/wechatAppPublicKey.pem (kept as published in keys/) and the key of tests/TestCase.php.
YANSONGDA_SERIAL = "45F59D4DABF31918AFCEC556D5D2C6E376675D57"
YANSONGDA_KEY = "53D67FCB97E68F9998CBD17ED7A8D1E2"
YANSONGDA_NOW = 1626444144
YANSONGDA_NONCE = "e59e78a6c3f7dfd7e84aabee71be0452"
YANSONGDA_SIGNATURE = (
    "NmmOwkXg89J9UP9gnoGeGZUdSflYhOzD/Imxv0SZf09+42Yn+u8DHQs/QcsOtD1O9hi38PizLnyMQ7NyqkQqVZCu7ID532FO"
    "iKkU6qIhrrCrm8w5ktJTXUorH8gEQtxZSKJ0Z0I/fsOBhnvoBRRlIyvEwoESAcJuyJYCgQuvFaqGYDOjLW7umTdO0vUZnH9T"
    "JfxfziLxwEYoH09D43H+hXL4oKAF+aIdAiWyS/CwnE4BB8j4NGsCi4v4cAZkJjqV45koAtzXVBzYjccURNSRUYOZv9IW7CqO"
    "FmOWsmAN5bVncs4S89lMNW+UIqNRx4tpIrU4CuX81V0tVFcweKnqNQ=="
)
YANSONGDA_CIPHERTEXT = (
    "kbbHAUhBwdjYZkHPW149MW/8WNpxQo1Gyp4kVNVjd+zrXnyOFhgZic2U2+tobFAgfdr93zr0JZF3FdbxgkaOAV2NAeCfU8js"
    "UYXSfn7fM8487jXMVXKKEneGiiv1/bDLkz7KFsTfu2y5Rv+igWQ+bvCUQAwoNzjupTXnnDR5hBiofZcFLHL45govyYE2o0qD"
    "5SLiJHcFS4pg/IOx8SIqUFNepr3piKXUxKowU8/kNxXyRzL8yp7XnhrzAzclupvjveNwZyiw3TqlLZdR5TbEFLCogWaRHZRq"
    "z3vKEfgRaUYUtXCtQVrm+adbSDBFIq34v+XfeIHMz9pKhH/m80N5Hx69hPzbvIdBhzwaEDyN3h8gaeYKFyW9xIAs5jCrzzUE"
    "kKyMzOKzx7XA+1HRakSyvs6RlkRTa/ztBy6aZL0nxK6XMZ9tA7zdf2VnBX/7WPQYRzoky0cVyH1KRZxI7In2hfvpjSvl6P7A"
    "dzp+EZXYM/dINTrrg+RQRe60tPy7vgE8PZZf+SAWzSZPWIm7Lx6GksJX0vnT4gOeTAPw6EeFsYU/ZD7fYslJOEbA14yHBrJF"
    "kwDpSI8aSHp2nZYbruM0y8IKr0p3vjN80Ko3jiRPxj4uNdJliR9WDCV22b9JeadAaJhO9+oSNbbtFnFTCZjXbf8rMz5KCGVr"
    "GRvUyB70zhRxYIOdTYKAEkmbU7jcMLd0aufuQqIw0WviQHB+ztrkjBCFwPu5/hlRVj9opNFnzYNltfVGrA1XW3NQ4FaMNah9"
    "5ahomAG/+S7zJqq4Gvk1O/PgQ9kMP0adY3GlrHUNqr2zC709IervMQ1pEdcuNEln3V5TSDiE0x7BjoMoN2m+MKAIhw59VxzH"
    "GNmJELbkKsZUhKKXFFyEXFsw143/9IYOyanmHQxujdIBKI0rxYkVz9QgaajisCzdnRf0ymnkceGGnYsP7VTYBnuCncjgHxbE"
    "n3emlTRygEjgj/epupsQL2tfW+snxnafEM+Pc079pUYmKeCUEUoX/FUmdFIf8hlSHBTjEVMGsNUI/u2W781RBDfk2X/2QQQm"
    "3NOjgZ3le6hxEQqc12yANTvdq7cFVllWqMHBsXPCjpHWIHcS5BMkImoD7s6WItq60yJA8ioGJf3Rba+Yb/YeBBNxjDnXtAmX"
    "/2hJIsxEFLTYGUvdmFC5jeb5ifrOuxnLciKM8y4nLZ28dDsvVsaBBAMAFYfWb5NymKUDhhngR5bDuW4sKccZ6DmYQeStHT1f"
    "n2yoSneGA70HctQSWZ2roTdNihPTCs7rYD0dFeQ+SfLOJzMN4c5GbJ6n5tdCjERcLGIaXEKacfySo7e4VZtHeHowvlvBclS9"
    "pooZqzHd+EFlJEYywEs9jURgsJY2yHJt2zTZeIdsvM8KK5v0NkH8FiPbWqFG8LaRmUrqhJGLuLLRTcJnt6YVYESxUVTb3pmr"
    "iUbXfg/ThHF/y0THyrM6bVDNOwNWZOpMYPPNaVmOTX39JdYayWl2HX0n8AsIRmevXzD4N9iDh2HGwie4gh92Qdcogwua++uh"
    "khSsLFuWBpJiaPdxVtzz3E3jHfy+yryfh6msaXc/jmhwqBm/ii3j76lDP5YaRv4+JWZmom72+pmZuKD8qPKrPRxI2/aGiKEq"
    "gs25knpLLnbAhWAEYeIzVK1sQkjc5JFss1Std8FdDrHeM6agAB+MWncK1LloXZmiwz/6WmlwSDepnGHqLEciXThAZq6FwunJ"
    "ZTcHY9LamJgIY81c9t/KHlSFqlc/9mW4OZHM4BOZQ5sTj5PWE+OP2Aq9CKdJqoK3OmphBg2ewjrZt5/tSn9jpk6NlVrHD7Ms"
    "JcKi5a0he4qvNPh1cHqUqWcF4rBFmfPptdHIBV77LXnizJZMUAwf16KsmJpwJg=="
)


def wechat_fail(status: int, code: str) -> dict:
    """WeChat Pay's failure reply: `{"code":"FAIL","message":"<error code>"}` under `status`
    (the code alone: the reason names certificates and config, and belongs in the host's log);
    a 500 says `SYSTEM_ERROR` whatever the cause (an unknown certificate, the config, the
    host's own failure): what a stranger may learn of the receiver's state is "try later"."""
    message = "SYSTEM_ERROR" if status == 500 else code
    return {"status": status, "headers": JSON_REPLY_HEADERS, "body": compact({"code": "FAIL", "message": message})}


def text_reply(status: int, body: str) -> dict:
    return {"status": status, "headers": TEXT_REPLY_HEADERS, "body": body}


def notification(name, config, request, expect, now=NOW) -> dict:
    return {
        "name": f"notification: {name}",
        "config": config,
        "notification": {"now": now, "request": request, "expect": expect},
    }


def rejected(code, reply, field=None) -> dict:
    error = {"code": code} if field is None else {"code": code, "field": field}
    return {"error": error, "reply": reply}


def sealed_resource(
    plain: str,
    *,
    original_type: str,
    nonce: str,
    aad: str | None,
    key: str = API_V3_KEY,
    algorithm: str = "AEAD_AES_256_GCM",
    truncate: int | None = None,
) -> dict:
    """`resource` as WeChat Pay seals it: AES-256-GCM under the APIv3 key, base64(ct || tag)."""
    sealed = AESGCM(key.encode("utf-8")).encrypt(nonce.encode(), plain.encode("utf-8"), (aad or "").encode())
    if truncate is not None:
        sealed = sealed[:truncate]
    resource = {"original_type": original_type, "algorithm": algorithm, "ciphertext": base64.b64encode(sealed).decode()}
    if aad is not None:
        resource["associated_data"] = aad
    resource["nonce"] = nonce
    return resource


def wechat_envelope(event_type: str, resource: dict, summary: str = "支付成功", id=NOTIFY_ID) -> dict:
    return {
        "id": id,
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": resource,
    }


def wechat_notify(
    body: str | bytes,
    *,
    key=WECHATPAY_KEY,
    serial=PUB_KEY_ID,
    timestamp=NOW,
    nonce=NOTIFY_NONCE,
    sign_body=None,
    drop=(),
    extra=(),
    signature=None,
    method="POST",
) -> dict:
    """A WeChat Pay callback signed over TS\\nNONCE\\nBODY\\n (the body as sent unless
    `sign_body` says what was signed), as a host receives it."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    signed = raw if sign_body is None else sign_body.encode("utf-8")
    message = f"{timestamp}\n{nonce}\n".encode() + signed + b"\n"
    if signature is None:
        signature = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    headers = [
        ["Content-Type", "application/json"],
        ["Request-ID", "08F78BB5AF0610D302A6DE8C0A"],
        ["Wechatpay-Nonce", nonce],
        ["Wechatpay-Serial", serial],
        ["Wechatpay-Signature", signature],
        ["Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048"],
        ["Wechatpay-Timestamp", str(timestamp)],
    ]
    headers = [h for h in headers if h[0] not in drop] + [list(h) for h in extra]
    request = {"method": method, "headers": headers}
    if isinstance(body, str):
        request["body"] = body
    else:
        request["body_base64"] = base64.b64encode(body).decode()
    return request


def wechat_notification(provider, event_type, resource_id=NOTIFY_ID, *, order, detail, serial=PUB_KEY_ID) -> dict:
    return {
        "provider": provider,
        "verified": True,
        "id": resource_id,
        "event_type": event_type,
        "order": order,
        "detail": detail,
        "signature_serial": serial,
        "confirm_query": None,
    }


EDU_NOTIFY_PAID = {**EDU_PAID, "sp_mchid": MCHID}


def yansongda_callback() -> tuple[str, dict]:
    """yansongda's published callback: its body exactly as PHP's json_encode wrote it, and the
    request as received. Checked here first: the signature verifies with the published public
    key, the unescaped body does not, and the ciphertext opens to the certificate it names."""
    ciphertext = YANSONGDA_CIPHERTEXT
    resource = {
        "algorithm": "AEAD_AES_256_GCM",
        "associated_data": "certificate",
        "ciphertext": ciphertext,
        "nonce": "4196a5b75276",
    }
    unescaped = compact({"resource": resource})
    published = unescaped.replace("/", "\\/")
    cert = x509.load_pem_x509_certificate((KEYS / "yansongda_wechatAppPublicKey.pem").read_bytes())
    public = cert.public_key()
    message = lambda body: f"{YANSONGDA_NOW}\n{YANSONGDA_NONCE}\n{body}\n".encode()  # noqa: E731
    public.verify(base64.b64decode(YANSONGDA_SIGNATURE), message(published), padding.PKCS1v15(), hashes.SHA256())
    try:
        public.verify(base64.b64decode(YANSONGDA_SIGNATURE), message(unescaped), padding.PKCS1v15(), hashes.SHA256())
        raise SystemExit("yansongda's signature also verifies the unescaped body")
    except InvalidSignature:
        pass
    plain = AESGCM(YANSONGDA_KEY.encode()).decrypt(b"4196a5b75276", base64.b64decode(ciphertext), b"certificate")
    if canonical_serial(x509.load_pem_x509_certificate(plain)) != YANSONGDA_SERIAL:
        raise SystemExit("yansongda's ciphertext does not open to the certificate it names")
    headers = lambda: [  # noqa: E731
        ["Wechatpay-Nonce", YANSONGDA_NONCE],
        ["Wechatpay-Signature", YANSONGDA_SIGNATURE],
        ["Wechatpay-Timestamp", str(YANSONGDA_NOW)],
        ["Wechatpay-Serial", YANSONGDA_SERIAL],
    ]
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return public_pem, {
        "published": {"method": "POST", "headers": headers(), "body": published},
        "unescaped": {"method": "POST", "headers": headers(), "body": unescaped},
    }


def wechatpay_notification_configs(provider: str, prefix: str) -> dict:
    """`<prefix>_notify`: the public key, the platform certificate and the APIv3 key."""
    return {f"{prefix}_notify": {"provider": provider, **WECHATPAY_CONFIG, "api_v3_key": API_V3_KEY}}


def edu_notification_cases() -> tuple[dict, list[dict]]:
    P = "wechatpay_edu_papay"
    cfg = "edu_notify"
    cases = []
    add = cases.append

    def sealed(plain_obj, original_type="transaction", **kw):
        return sealed_resource(
            compact(plain_obj), original_type=original_type, nonce="fdasflkja484", aad=original_type, **kw
        )

    paid_plain = compact(EDU_NOTIFY_PAID)
    paid_body = compact(wechat_envelope("TRANSACTION.SUCCESS", sealed(EDU_NOTIFY_PAID)))
    paid_detail = {"kind": "transaction", "transaction": EDU_NOTIFY_PAID}
    paid = wechat_notification(P, "TRANSACTION.SUCCESS", order=edu_order("PAID", "SUCCESS"), detail=paid_detail)
    ok = lambda n: {"notification": n, "reply": WECHAT_OK}  # noqa: E731
    assert json.loads(paid_plain) == EDU_NOTIFY_PAID

    add(
        notification(
            "TRANSACTION.SUCCESS signed with the PUB_KEY_ID key: PAID", cfg, wechat_notify(paid_body), ok(paid)
        )
    )
    add(
        notification(
            "TRANSACTION.SUCCESS signed with the platform certificate",
            cfg,
            wechat_notify(paid_body, key=PLATFORM_CERT_KEY, serial=PLATFORM_SERIAL),
            ok({**paid, "signature_serial": PLATFORM_SERIAL}),
        )
    )
    # The notification's own spelling `mchid` (SKIT's EducationTransactionResource) names the merchant too.
    as_mchid = {("mchid" if k == "sp_mchid" else k): v for k, v in EDU_NOTIFY_PAID.items()}
    add(
        notification(
            "TRANSACTION.SUCCESS naming the merchant `mchid`",
            cfg,
            wechat_notify(compact(wechat_envelope("TRANSACTION.SUCCESS", sealed(as_mchid)))),
            ok(paid),
        )
    )
    failed = {k: v for k, v in EDU_NOTIFY_PAID.items() if k not in ("success_time", "promotion_detail")}
    failed.update(trade_state="PAY_FAIL", trade_state_description="扣款失败")
    failed_order = edu_order("FAILED", "PAY_FAIL", paid=False)
    failed_order["provider_order_id"] = "25012014070332333018"
    add(
        notification(
            "TRANSACTION.FAIL: FAILED",
            cfg,
            wechat_notify(compact(wechat_envelope("TRANSACTION.FAIL", sealed(failed), summary="扣款失败"))),
            ok(
                wechat_notification(
                    P, "TRANSACTION.FAIL", order=failed_order, detail={"kind": "transaction", "transaction": failed}
                )
            ),
        )
    )
    contract = {
        "appid": "wx8888888888888888",
        "openid": "oUpF8uMuAJOM2pxb1Q",
        "plan_id": "plan-20180225",
        "contract_information": {
            "contract_id": "wxcontract0001",
            "contract_status": "ADD",
            "create_time": "2018-02-25T11:22:33+08:00",
        },
    }
    add(
        notification(
            "ENTRUST.SIGNING: a contract event, no order",
            cfg,
            wechat_notify(compact(wechat_envelope("ENTRUST.SIGNING", sealed(contract, "entrust"), summary="签约成功"))),
            ok(
                wechat_notification(
                    P,
                    "ENTRUST.SIGNING",
                    order=None,
                    detail={
                        "kind": "contract",
                        "contract": {
                            "appid": contract["appid"],
                            "openid": contract["openid"],
                            "plan_id": contract["plan_id"],
                            **contract["contract_information"],
                        },
                    },
                )
            ),
        )
    )
    unknown_plain = compact({"mchid": MCHID, "plan_id": "plan-20180225", "note": "新事件", "amount": Raw("1.50")})
    unknown_body = compact(
        wechat_envelope(
            "EDU.PLAN_CHANGED",
            sealed_resource(unknown_plain, original_type="plan", nonce="fdasflkja484", aad="plan"),
            summary="计划变更",
        )
    )
    unknown = wechat_notification(P, "EDU.PLAN_CHANGED", order=None, detail={"kind": "other", "json": unknown_plain})
    add(
        notification(
            "an unknown event keeps its decrypted JSON as sent (PUB_KEY_ID)",
            cfg,
            wechat_notify(unknown_body),
            ok(unknown),
        )
    )
    add(
        notification(
            "an unknown event keeps its decrypted JSON as sent (platform certificate)",
            cfg,
            wechat_notify(unknown_body, key=PLATFORM_CERT_KEY, serial=PLATFORM_SERIAL),
            ok({**unknown, "signature_serial": PLATFORM_SERIAL}),
        )
    )
    no_aad = sealed_resource(paid_plain, original_type="transaction", nonce="fdasflkja484", aad=None)
    add(
        notification(
            "no associated_data means an empty one",
            cfg,
            wechat_notify(compact(wechat_envelope("TRANSACTION.SUCCESS", no_aad))),
            ok(paid),
        )
    )
    # The body as sent is what is signed: PHP-style `\/` escapes verify as they are.
    slashed_summary = "支付成功/paid"
    slash_body = compact(wechat_envelope("TRANSACTION.SUCCESS", sealed(EDU_NOTIFY_PAID), summary=slashed_summary))
    escaped = slash_body.replace("/", "\\/")
    assert escaped != slash_body and json.loads(escaped) == json.loads(slash_body)
    add(notification("a body with `\\/` escapes verifies as sent", cfg, wechat_notify(escaped), ok(paid)))
    # A signature that does not verify, and the probe: the same refusal.
    does_not_verify = rejected("SIGNATURE_INVALID", wechat_fail(401, "SIGNATURE_INVALID"), "Wechatpay-Signature")
    add(
        notification(
            "the `\\/` body sent unescaped does not verify",
            cfg,
            wechat_notify(slash_body, sign_body=escaped),
            does_not_verify,
        )
    )
    add(
        notification(
            "a tampered body",
            cfg,
            wechat_notify(paid_body.replace("支付成功", "支付失败"), sign_body=paid_body),
            does_not_verify,
        )
    )
    reordered = json.dumps(
        dict(reversed(list(json.loads(paid_body).items()))), ensure_ascii=False, separators=(",", ":")
    )
    add(notification("the same JSON re-ordered", cfg, wechat_notify(reordered, sign_body=paid_body), does_not_verify))
    add(
        notification(
            "the same JSON pretty-printed",
            cfg,
            wechat_notify(json.dumps(json.loads(paid_body), ensure_ascii=False, indent=2), sign_body=paid_body),
            does_not_verify,
        )
    )
    add(
        notification(
            "signed with a key nobody registered, under the PUB_KEY_ID",
            cfg,
            wechat_notify(paid_body, key=ATTACKER_KEY),
            does_not_verify,
        )
    )
    for header in ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial"):
        add(
            notification(
                f"{header} missing",
                cfg,
                wechat_notify(paid_body, drop=(header,)),
                rejected(
                    "SIGNATURE_INVALID",
                    wechat_fail(401, "SIGNATURE_INVALID"),
                    header,
                ),
            )
        )
    add(
        notification(
            "Wechatpay-Signature-Type sent twice (an SM2 one after a valid one)",
            cfg,
            wechat_notify(paid_body, extra=[("Wechatpay-Signature-Type", "WECHATPAY2-SM2-WITH-SM3")]),
            rejected(
                "SIGNATURE_INVALID",
                wechat_fail(401, "SIGNATURE_INVALID"),
                "Wechatpay-Signature-Type",
            ),
        )
    )
    add(
        notification(
            "Wechatpay-Timestamp sent twice",
            cfg,
            wechat_notify(paid_body, extra=[("wechatpay-timestamp", str(NOW))]),
            rejected(
                "SIGNATURE_INVALID",
                wechat_fail(401, "SIGNATURE_INVALID"),
                "Wechatpay-Timestamp",
            ),
        )
    )
    add(
        notification(
            "header names in any case",
            cfg,
            {**wechat_notify(paid_body), "headers": [[n.lower(), v] for n, v in wechat_notify(paid_body)["headers"]]},
            ok(paid),
        )
    )
    add(
        notification(
            "WeChat Pay's signature probe WECHATPAY/SIGNTEST/",
            cfg,
            wechat_notify(paid_body, signature="WECHATPAY/SIGNTEST/" + "A" * 32),
            does_not_verify,
        )
    )
    add(
        notification(
            "another Wechatpay-Signature-Type",
            cfg,
            {
                **wechat_notify(paid_body),
                "headers": [
                    [n, "WECHATPAY2-SM2-WITH-SM3" if n == "Wechatpay-Signature-Type" else v]
                    for n, v in wechat_notify(paid_body)["headers"]
                ],
            },
            rejected(
                "SIGNATURE_INVALID",
                wechat_fail(401, "SIGNATURE_INVALID"),
                "Wechatpay-Signature-Type",
            ),
        )
    )
    for skew, label in ((-301, "stale (now − 301 s)"), (301, "in the future (now + 301 s)")):
        add(
            notification(
                label,
                cfg,
                wechat_notify(paid_body, timestamp=NOW + skew),
                rejected(
                    "TIMESTAMP_SKEW",
                    wechat_fail(401, "TIMESTAMP_SKEW"),
                    "Wechatpay-Timestamp",
                ),
            )
        )
    for skew in (-300, 300):
        add(
            notification(
                f"exactly {skew:+d} s away is accepted", cfg, wechat_notify(paid_body, timestamp=NOW + skew), ok(paid)
            )
        )
    add(
        notification(
            "sealed with another api_v3_key",
            cfg,
            wechat_notify(
                compact(
                    wechat_envelope(
                        "TRANSACTION.SUCCESS", sealed(EDU_NOTIFY_PAID, key="AnotherMerchantsApiV3Key00000001")
                    )
                )
            ),
            NOT_OPENED,
        )
    )
    add(
        notification(
            "a ciphertext of 16 bytes (a tag, nothing sealed)",
            cfg,
            wechat_notify(compact(wechat_envelope("TRANSACTION.SUCCESS", sealed(EDU_NOTIFY_PAID, truncate=16)))),
            rejected(
                "DECODE_ERROR",
                wechat_fail(400, "DECODE_ERROR"),
                "resource.ciphertext",
            ),
        )
    )
    add(
        notification(
            "a ciphertext cut short",
            cfg,
            wechat_notify(compact(wechat_envelope("TRANSACTION.SUCCESS", sealed(EDU_NOTIFY_PAID, truncate=40)))),
            NOT_OPENED,
        )
    )
    add(
        notification(
            "another algorithm",
            cfg,
            wechat_notify(
                compact(wechat_envelope("TRANSACTION.SUCCESS", sealed(EDU_NOTIFY_PAID, algorithm="AEAD_AES_128_GCM")))
            ),
            rejected(
                "DECODE_ERROR",
                wechat_fail(400, "DECODE_ERROR"),
                "resource.algorithm",
            ),
        )
    )
    unknown_serial = "1DB6A5C0F0D8E7B9A4C3D2E1F0A9B8C7D6E5F4A3"
    add(
        notification(
            "an unknown certificate serial: 500 (check_notification never downloads)",
            cfg,
            wechat_notify(paid_body, key=ATTACKER_KEY, serial=unknown_serial),
            rejected(
                "SIGNATURE_INVALID",
                wechat_fail(500, "SIGNATURE_INVALID"),
                "Wechatpay-Serial",
            ),
        )
    )
    other = {**EDU_NOTIFY_PAID, "sp_mchid": "1230000109"}
    add(
        notification(
            "another merchant's transaction",
            cfg,
            wechat_notify(compact(wechat_envelope("TRANSACTION.SUCCESS", sealed(other)))),
            rejected(
                "INVALID_INPUT",
                wechat_fail(400, "INVALID_INPUT"),
                "sp_mchid",
            ),
        )
    )
    add(
        notification(
            "a signed body that is not JSON",
            cfg,
            wechat_notify("id=EV-1&event_type=TRANSACTION.SUCCESS"),
            rejected(
                "DECODE_ERROR",
                wechat_fail(400, "DECODE_ERROR"),
                "body",
            ),
        )
    )
    add(
        notification(
            "a signed body that is not UTF-8",
            cfg,
            wechat_notify(b'{"id":"\xff\xfe"}'),
            rejected(
                "DECODE_ERROR",
                wechat_fail(400, "DECODE_ERROR"),
                "body",
            ),
        )
    )
    add(
        notification(
            "an envelope without `id`",
            cfg,
            wechat_notify(compact({k: v for k, v in json.loads(paid_body).items() if k != "id"})),
            rejected(
                "DECODE_ERROR",
                wechat_fail(400, "DECODE_ERROR"),
                "id",
            ),
        )
    )
    big = 256 * 1024 + 1
    add(
        notification(
            "a body over 256 KiB is refused before anything is read",
            cfg,
            wechat_notify(" " * (big - 2) + "{}", signature="AAAA"),
            rejected(
                "INVALID_INPUT",
                wechat_fail(400, "INVALID_INPUT"),
                "body",
            ),
        )
    )
    add(
        notification(
            "method GET",
            cfg,
            wechat_notify(paid_body, method="GET"),
            rejected(
                "INVALID_INPUT",
                wechat_fail(400, "INVALID_INPUT"),
                "method",
            ),
        )
    )
    add(
        notification(
            "a config without api_v3_key cannot open notifications",
            "edu",
            wechat_notify(paid_body),
            rejected(
                "INVALID_CONFIG",
                wechat_fail(500, "INVALID_CONFIG"),
                "api_v3_key",
            ),
        )
    )
    public_pem, yansongda = yansongda_callback()
    add(
        notification(
            "yansongda/pay testCallback as published (verifies; its envelope has no `id`)",
            "yansongda_vector",
            yansongda["published"],
            rejected(
                "DECODE_ERROR",
                wechat_fail(400, "DECODE_ERROR"),
                "id",
            ),
            now=YANSONGDA_NOW,
        )
    )
    add(
        notification(
            "yansongda/pay testCallback with `\\/` unescaped does not verify",
            "yansongda_vector",
            yansongda["unescaped"],
            does_not_verify,
            now=YANSONGDA_NOW,
        )
    )
    configs = {
        **wechatpay_notification_configs(P, "edu"),
        "yansongda_vector": {
            "provider": P,
            "mchid": MCHID,
            "merchant_serial_no": MERCHANT_SERIAL,
            "merchant_private_key_path": WECHATPAY_CONFIG["merchant_private_key_path"],
            "api_v3_key": YANSONGDA_KEY,
            "platform_certificates": [{"serial_no": YANSONGDA_SERIAL, "public_key_pem": public_pem}],
        },
    }
    return configs, cases


# A resource that does not open (the AEAD failed): DECRYPT_ERROR, 400.
NOT_OPENED = rejected("DECRYPT_ERROR", wechat_fail(400, "DECRYPT_ERROR"), "resource.ciphertext")


def payscore_notification_cases() -> tuple[dict, list[dict]]:
    P = "wechatpay_payscore_oversea"
    cfg = "payscore_notify"
    cases = []
    add = cases.append
    ok = lambda n: {"notification": n, "reply": WECHAT_OK}  # noqa: E731

    def body(event_type, plain, original_type="payscore", summary="支付分服务单"):
        resource = sealed_resource(plain, original_type=original_type, nonce="Kj7QIyUiYx1q", aad="payscore")
        return compact(
            wechat_envelope(event_type, resource, summary=summary, id="d5f4c3b2-a1e0-4f9e-8d7c-6b5a4f3e2d1c")
        )

    def service_order(state, collection_state=None, **changes):
        order = copy.deepcopy(PAYSCORE_SEED)
        order["mchid"] = MCHID
        order["state"] = state
        if collection_state is None:
            order.pop("collection")
        else:
            order["collection"]["state"] = collection_state
        apply_changes(order, changes)
        return order

    event_id = "d5f4c3b2-a1e0-4f9e-8d7c-6b5a4f3e2d1c"
    paid = service_order("DONE", "USER_PAID")
    add(
        notification(
            "PAYSCORE.USER_PAID: PAID",
            cfg,
            wechat_notify(body("PAYSCORE.USER_PAID", compact(paid))),
            ok(
                wechat_notification(
                    P,
                    "PAYSCORE.USER_PAID",
                    event_id,
                    order=payscore_order("PAID", "DONE", paid_at="2019-11-11T08:24:05Z"),
                    detail={"kind": "service_order", "service_order": paid},
                )
            ),
        )
    )
    confirm = service_order("DOING")
    add(
        notification(
            "PAYSCORE.USER_CONFIRM: PENDING (platform certificate)",
            cfg,
            wechat_notify(
                body("PAYSCORE.USER_CONFIRM", compact(confirm)), key=PLATFORM_CERT_KEY, serial=PLATFORM_SERIAL
            ),
            ok(
                wechat_notification(
                    P,
                    "PAYSCORE.USER_CONFIRM",
                    event_id,
                    order=payscore_order("PENDING", "DOING", paid_amount=None),
                    detail={"kind": "service_order", "service_order": confirm},
                    serial=PLATFORM_SERIAL,
                )
            ),
        )
    )
    # The shape of wechatpay-go's PAYSCORE.USER_OPEN_SERVICE resource (an authorisation, no order).
    open_service = compact(
        {
            "mchid": MCHID,
            "appid": "wxd678efh567hg6787",
            "out_request_no": "1234323JKHDFE1243252",
            "service_id": "2002000000000558128851361561536",
            "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "user_service_status": "USER_OPEN_SERVICE",
            "openorclose_time": "20210624163724",
            "authorization_code": "1234323JKHDFE1243252",
        }
    )
    add(
        notification(
            "PAYSCORE.USER_OPEN_SERVICE: kept as JSON",
            cfg,
            wechat_notify(body("PAYSCORE.USER_OPEN_SERVICE", open_service, summary="开启服务")),
            ok(
                wechat_notification(
                    P,
                    "PAYSCORE.USER_OPEN_SERVICE",
                    event_id,
                    order=None,
                    detail={"kind": "other", "json": open_service},
                )
            ),
        )
    )
    add(
        notification(
            "another merchant's service order",
            cfg,
            wechat_notify(body("PAYSCORE.USER_PAID", compact(service_order("DONE", "USER_PAID", mchid="1230000109")))),
            rejected(
                "INVALID_INPUT",
                wechat_fail(400, "INVALID_INPUT"),
                "mchid",
            ),
        )
    )
    add(
        notification(
            "a tampered body",
            cfg,
            wechat_notify(
                body("PAYSCORE.USER_PAID", compact(paid)).replace("支付分服务单", "x"),
                sign_body=body("PAYSCORE.USER_PAID", compact(paid)),
            ),
            rejected(
                "SIGNATURE_INVALID",
                wechat_fail(401, "SIGNATURE_INVALID"),
                "Wechatpay-Signature",
            ),
        )
    )
    add(
        notification(
            "stale (now − 301 s)",
            cfg,
            wechat_notify(body("PAYSCORE.USER_PAID", compact(paid)), timestamp=NOW - 301),
            rejected(
                "TIMESTAMP_SKEW",
                wechat_fail(401, "TIMESTAMP_SKEW"),
                "Wechatpay-Timestamp",
            ),
        )
    )
    add(
        notification(
            "sealed with another api_v3_key",
            cfg,
            wechat_notify(
                compact(
                    wechat_envelope(
                        "PAYSCORE.USER_PAID",
                        sealed_resource(
                            compact(paid),
                            original_type="payscore",
                            nonce="Kj7QIyUiYx1q",
                            aad="payscore",
                            key="AnotherMerchantsApiV3Key00000001",
                        ),
                    )
                )
            ),
            NOT_OPENED,
        )
    )
    add(
        notification(
            "a config without api_v3_key cannot open notifications",
            "payscore",
            wechat_notify(body("PAYSCORE.USER_PAID", compact(paid))),
            rejected(
                "INVALID_CONFIG",
                wechat_fail(500, "INVALID_CONFIG"),
                "api_v3_key",
            ),
        )
    )
    return wechatpay_notification_configs(P, "payscore"), cases


def fubei_form(fields: list[tuple[str, str]], *, sign: str | None = "auto", lower=False, signed_fields=None) -> dict:
    """A Fubei callback form: every field URL-encoded in order, `sign` = UPPER(MD5 of
    `k=v&…` over every field but sign, keys ASCII-sorted, empty values kept, + app_secret)."""
    to_sign = signed_fields if signed_fields is not None else fields
    if sign == "auto":
        text = "&".join(f"{k}={v}" for k, v in sorted(to_sign, key=lambda kv: kv[0].encode())) + FUBEI_SECRET
        sign = hashlib.md5(text.encode("utf-8")).hexdigest().upper()
        if lower:
            sign = sign.lower()
    pairs = list(fields) + ([("sign", sign)] if sign is not None else [])
    body = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)
    return {"method": "POST", "headers": [["Content-Type", "application/x-www-form-urlencoded"]], "body": body}


FUBEI_NOTIFY_DATA = {
    "order_sn": "20170601215348178414",
    "merchant_order_sn": "201706011496325244549",
    "ins_order_sn": "4200000001201706011234567890",
    "channel_order_sn": "2017060121534801983049958160",
    "order_status": "SUCCESS",
    "total_amount": Raw("20.10"),
    "net_amount": Raw("20.09"),
    "buyer_pay_amount": "20.10",
    "fee": Raw("0.01"),
    "pay_type": "wxpay",
    "user_id": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    "finish_time": "20170601215356",
    "device_no": "WP-001",
    "attach": "",
    "store_id": 25249,
    "cashier_id": 0,
}


def fubei_notice_detail(rc="200", msg="成功", **changes) -> dict:
    detail = {
        "result_code": rc,
        "result_message": msg,
        "order_sn": "20170601215348178414",
        "merchant_order_sn": "201706011496325244549",
        "ins_order_sn": "4200000001201706011234567890",
        "channel_order_sn": "2017060121534801983049958160",
        "order_status": "SUCCESS",
        "total_amount": cny(2010),
        "net_amount": cny(2009),
        "buyer_pay_amount": cny(2010),
        "fee": cny(1),
        "pay_type": "wxpay",
        "user_id": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "finish_time": "20170601215356",
        "device_no": "WP-001",
        "attach": "",
        "store_id": "25249",
        "cashier_id": "0",
    }
    apply_changes(detail, changes)
    return detail


def fubei_notification(detail: dict, *, data: dict, order, event_type="pay", id=None) -> dict:
    """`data` is the form's data member: the notice keeps it as received."""
    detail = {**detail, "data": compact(data)}
    return {
        "provider": "fubei",
        "verified": True,
        "id": id or f"fubei:pay:{detail['order_sn']}:{detail['order_status']}",
        "event_type": event_type,
        "order": order,
        "detail": detail,
        "signature_serial": None,
        "confirm_query": None,
    }


def fubei_notification_cases() -> list[dict]:
    cfg = "fubei"
    cases = []
    add = cases.append
    fail = lambda status, code, field: rejected(code, text_reply(status, "FAIL"), field)  # noqa: E731
    success = text_reply(200, "SUCCESS")
    # finish_time is China time (UTC+8): 2017-06-01 21:53:56 there.
    paid_at = utc(int(datetime(2017, 6, 1, 21, 53, 56, tzinfo=CST).timestamp()))

    def fields(data: dict, rc="200", msg="成功"):
        return [("result_code", rc), ("result_message", msg), ("data", compact(data))]

    order = fubei_order("PAID", "SUCCESS", amount=2010, paid=2010, paid_at=paid_at)
    add(
        notification(
            'pay result: yuan to exact fen (20.10, "20.10", 0.01)',
            cfg,
            fubei_form(fields(FUBEI_NOTIFY_DATA)),
            {
                "notification": fubei_notification(fubei_notice_detail(), data=FUBEI_NOTIFY_DATA, order=order),
                "reply": success,
            },
        )
    )
    small = {
        **FUBEI_NOTIFY_DATA,
        "total_amount": Raw("80"),
        "net_amount": "0.01",
        "buyer_pay_amount": Raw("80"),
        "fee": Raw("0"),
    }
    add(
        notification(
            'pay result: 80 yuan as an integer, "0.01" as text',
            cfg,
            fubei_form(fields(small)),
            {
                "notification": fubei_notification(
                    fubei_notice_detail(
                        total_amount=cny(8000), net_amount=cny(1), buyer_pay_amount=cny(8000), fee=cny(0)
                    ),
                    data=small,
                    order=fubei_order("PAID", "SUCCESS", amount=8000, paid=8000, paid_at=paid_at),
                ),
                "reply": success,
            },
        )
    )
    add(
        notification(
            "an empty result_message is kept in the signed text",
            cfg,
            fubei_form(fields(FUBEI_NOTIFY_DATA, msg="")),
            {
                "notification": fubei_notification(fubei_notice_detail(msg=""), data=FUBEI_NOTIFY_DATA, order=order),
                "reply": success,
            },
        )
    )
    dropped = fields(FUBEI_NOTIFY_DATA, msg="")
    add(
        notification(
            "a sign made without the empty field does not verify",
            cfg,
            fubei_form(dropped, signed_fields=[f for f in dropped if f[1] != ""]),
            fail(401, "SIGNATURE_INVALID", "sign"),
        )
    )
    add(
        notification(
            "a lower-case sign is accepted",
            cfg,
            fubei_form(fields(FUBEI_NOTIFY_DATA), lower=True),
            {
                "notification": fubei_notification(fubei_notice_detail(), data=FUBEI_NOTIFY_DATA, order=order),
                "reply": success,
            },
        )
    )
    tampered = {**FUBEI_NOTIFY_DATA, "total_amount": Raw("2010")}
    add(
        notification(
            "data changed after signing",
            cfg,
            fubei_form(fields(tampered), signed_fields=fields(FUBEI_NOTIFY_DATA)),
            fail(401, "SIGNATURE_INVALID", "sign"),
        )
    )
    signed = fubei_form(fields(FUBEI_NOTIFY_DATA))
    add(
        notification(
            "a field sent twice",
            cfg,
            {**signed, "body": signed["body"] + "&result_code=200"},
            fail(400, "INVALID_INPUT", "result_code"),
        )
    )
    add(
        notification(
            "no sign", cfg, fubei_form(fields(FUBEI_NOTIFY_DATA), sign=None), fail(401, "SIGNATURE_INVALID", "sign")
        )
    )
    add(
        notification(
            "a bad %-escape",
            cfg,
            {**signed, "body": signed["body"].replace("data=", "data=%ZZ", 1)},
            fail(400, "INVALID_INPUT", "data"),
        )
    )
    add(notification("method GET", cfg, {**signed, "method": "GET"}, fail(400, "INVALID_INPUT", "method")))
    add(
        notification(
            "signed data that is not JSON",
            cfg,
            fubei_form([("result_code", "200"), ("result_message", "成功"), ("data", "order_sn=1")]),
            fail(400, "DECODE_ERROR", "data"),
        )
    )
    # Review findings: ids never made of empty parts, 1.0 names, the .NET SDK's sign.
    no_sn = {**FUBEI_NOTIFY_DATA, "order_sn": ""}
    add(
        notification(
            "an empty order_sn: the merchant order number names the payment",
            cfg,
            fubei_form(fields(no_sn)),
            {
                "notification": fubei_notification(
                    {**fubei_notice_detail(), "order_sn": ""},
                    data=no_sn,
                    order={**order, "provider_order_id": None},
                    id="fubei:pay:201706011496325244549:SUCCESS",
                ),
                "reply": success,
            },
        )
    )
    add(
        notification(
            "data naming no order is refused, never acknowledged",
            cfg,
            fubei_form(fields({"order_status": "SUCCESS"})),
            fail(400, "DECODE_ERROR", "data.order_sn"),
        )
    )
    v1 = {
        "merchant_order_sn": "201706011496325244549",
        "order_sn": "20170601215348178414",
        "trade_state": "SUCCESS",
        "total_fee": "20.10",
        "order_price": Raw("20.10"),
        "pay_time": 1496325236,
    }
    add(
        notification(
            "open platform 1.0 names (trade_state, total_fee, order_price, pay_time)",
            cfg,
            fubei_form(fields(v1)),
            {
                "notification": fubei_notification(
                    {
                        "result_code": "200",
                        "result_message": "成功",
                        "order_sn": v1["order_sn"],
                        "merchant_order_sn": v1["merchant_order_sn"],
                        "trade_state": "SUCCESS",
                        "order_price": cny(2010),
                        "total_fee": cny(2010),
                        "pay_time": "1496325236",
                    },
                    data=v1,
                    order=fubei_order("PAID", "SUCCESS", amount=2010, paid=2010, paid_at=utc(1496325236)),
                    id="fubei:pay:20170601215348178414:SUCCESS",
                ),
                "reply": success,
            },
        )
    )
    three = fields(FUBEI_NOTIFY_DATA)
    add(
        notification(
            "signed over its three fields, one more posted (the .NET SDK's rule)",
            cfg,
            fubei_form(three + [("app_id", "20160922135339595387")], signed_fields=three),
            {
                "notification": fubei_notification(fubei_notice_detail(), data=FUBEI_NOTIFY_DATA, order=order),
                "reply": success,
            },
        )
    )
    refund = {
        "order_sn": "20170601215348178414",
        "merchant_order_sn": "201706011496325244549",
        "refund_sn": "20170602101010123456",
        "merchant_refund_sn": "R201706020001",
        "refund_status": "SUCCESS",
        "refund_amount": Raw("5.5"),
    }
    add(
        notification(
            "refund result: no order",
            cfg,
            fubei_form(fields(refund)),
            {
                "notification": fubei_notification(
                    {
                        "result_code": "200",
                        "result_message": "成功",
                        "order_sn": refund["order_sn"],
                        "merchant_order_sn": refund["merchant_order_sn"],
                        "refund_sn": refund["refund_sn"],
                        "merchant_refund_sn": refund["merchant_refund_sn"],
                        "refund_status": "SUCCESS",
                        "refund_amount": cny(550),
                    },
                    data=refund,
                    order=None,
                    event_type="refund",
                    id="fubei:refund:20170602101010123456:SUCCESS",
                ),
                "reply": success,
            },
        )
    )
    return cases


def dingshang_notification_cases() -> list[dict]:
    cfg = "ds"
    cases = []
    add = cases.append

    def request(body: str) -> dict:
        return {"method": "POST", "headers": [["Content-Type", "application/json"]], "body": body}

    def delivery(body: dict, detail: dict, id: str) -> dict:
        return {
            "notification": {
                "provider": "dingshang_vending",
                "verified": False,
                "id": id,
                "event_type": "device.delivery.response",
                "order": None,
                "detail": detail,
                "signature_serial": None,
                "confirm_query": compact({"order_id": str(body["order_id"])}),
            },
            "reply": text_reply(200, "OK"),
        }

    ok_body = {
        "method": "device.delivery.response",
        "order_id": 54,
        "record_id": 70,
        "deliver_status": "1",
        "floor_status": "0",
    }
    add(
        notification(
            "delivery succeeded: unverified, confirm with the query",
            cfg,
            request(compact(ok_body)),
            delivery(
                ok_body,
                {
                    "method": "device.delivery.response",
                    "order_id": "54",
                    "record_id": "70",
                    "deliver_status": "1",
                    "floor_status": "0",
                },
                "dingshang:delivery:54:70:1",
            ),
        )
    )
    failed = {
        "method": "device.delivery.response",
        "order_id": 54,
        "record_id": 71,
        "deliver_status": "0",
        "floor_status": "47",
        "error_msg": "出货超时",
    }
    add(
        notification(
            "delivery failed",
            cfg,
            request(compact(failed)),
            delivery(
                failed,
                {
                    "method": "device.delivery.response",
                    "order_id": "54",
                    "record_id": "71",
                    "deliver_status": "0",
                    "floor_status": "47",
                    "error_msg": "出货超时",
                },
                "dingshang:delivery:54:71:0",
            ),
        )
    )
    add(
        notification("not JSON", cfg, request("order_id=54"), rejected("DECODE_ERROR", text_reply(400, "FAIL"), "body"))
    )
    add(
        notification(
            "an order_id that is not a positive integer",
            cfg,
            request(compact({**ok_body, "order_id": -1})),
            rejected("INVALID_INPUT", text_reply(400, "FAIL"), "order_id"),
        )
    )
    return cases


def mini_notification_cases() -> list[dict]:
    return [
        notification(
            "the Mini Program charge API sends no order notifications",
            "mini",
            {"method": "POST", "headers": [["Content-Type", "application/json"]], "body": "{}"},
            rejected("INVALID_INPUT", text_reply(400, "FAIL"), "provider"),
        )
    ]


# ---------------------------------------------------------------- The shared bad-input corpus

WECHATPAY_INLINE = {k: v for k, v in WECHATPAY_CONFIG.items() if k != "platform_certificates"}


def bad_inputs() -> dict:
    """Hostile and broken inputs for every provider, each with the exact error code every
    language must report (the Rust core, and the npm, Python and Kotlin bindings run them all).
    Nothing here may panic, trap or hang, and the client must answer the next good input."""
    cases = []
    add = cases.append

    def build(name, config, query, code, field=None, timestamp=NOW, nonce=NONCE):
        expect = {"code": code, **({"field": field} if field else {})}
        add(
            {
                "name": name,
                "config": config,
                "build": {"query": query, "timestamp": timestamp, "nonce": nonce, "expect": {"error": expect}},
            }
        )

    def parse(name, config, query, response, code, field=None, now=NOW):
        expect = {"code": code, **({"field": field} if field else {})}
        add(
            {
                "name": name,
                "config": config,
                "parse": {"now": now, "query": query, "response": response, "expect": {"error": expect}},
            }
        )

    def raw(status, body, headers=None):
        response = {
            "status": status,
            "headers": headers if headers is not None else {"Content-Type": "application/json"},
        }
        if isinstance(body, bytes):
            response["body_base64"] = base64.b64encode(body).decode()
        else:
            response["body"] = body
        return response

    queries = {
        "edu": {"out_trade_no": "201407033233368018"},
        "payscore": {
            "service_id": "2002000000000558128851361561536",
            "sub_mchid": "1900000109",
            "out_order_no": "1234323JKHDFE1243252",
        },
        "mini": {"order_id": "DD2981741311549200000"},
        "fubei": {"merchant_order_sn": "201706011496325244549"},
        "ds": {"order_id": "54", "machine_no": "16327129"},
    }
    seeds = {
        "edu": compact(EDU_PAID),
        "payscore": compact(PAYSCORE_SEED),
        "mini": compact(MINI_SEED),
        "fubei": compact(FUBEI_SEED),
        "ds": compact(json.loads(DS_SEED_TEXT)),
    }
    signed_configs = {"edu", "payscore"}

    def answer(config, body, **kw):
        """The body as that provider would carry it: signed for WeChat Pay, plain otherwise."""
        if isinstance(body, bytes):
            if config in signed_configs:
                # Sign the exact bytes (the signature covers bytes, not text).
                ts, nonce = str(NOW), "fdasflkja484w"
                sig = base64.b64encode(
                    WECHATPAY_KEY.sign(f"{ts}\n{nonce}\n".encode() + body + b"\n", padding.PKCS1v15(), hashes.SHA256())
                ).decode()
                headers = {
                    "Wechatpay-Nonce": nonce,
                    "Wechatpay-Serial": PUB_KEY_ID,
                    "Wechatpay-Signature": sig,
                    "Wechatpay-Timestamp": ts,
                }
                return raw(200, body, headers)
            return raw(200, body)
        return signed_response(body, **kw) if config in signed_configs else plain_response(body)

    # -- Malformed and truncated JSON: every provider, several cuts of its seed answer.
    for config, body in seeds.items():
        for cut in (0, 1, len(body) // 3, len(body) // 2, len(body) - 1):
            parse(
                f"{config}: answer truncated to {cut} bytes",
                config,
                queries[config],
                answer(config, body[:cut]),
                "DECODE_ERROR",
            )
        for name, text in [
            ("trailing garbage", body + "x"),
            ("two documents", body + body),
            ("a JSON array", "[" + body + "]"),
            ("a bare string", json.dumps(body)),
            ("null", "null"),
            ("an HTML page", "<html><body>502</body></html>"),
            ("a BOM before the JSON", "\ufeff" + body),
            ("single quotes", body.replace('"', "'")),
            ("a trailing comma", body[:-1] + ",}"),
            ("a comment", "/* x */" + body),
        ]:
            parse(f"{config}: {name}", config, queries[config], answer(config, text), "DECODE_ERROR")

    # -- Invalid UTF-8 in the body (bytes, carried as base64 in this file).
    for config, body in seeds.items():
        data = body.encode()
        for name, bad in [
            ("a lone continuation byte", data[:20] + b"\x80" + data[20:]),
            ("an overlong encoding", data[:20] + b"\xc0\xaf" + data[20:]),
            ("a truncated 3-byte sequence", data[:20] + b"\xe4\xb8" + data[20:]),
            ("a UTF-16 surrogate as UTF-8", data[:20] + b"\xed\xa0\x80" + data[20:]),
            ("0xff", data[:20] + b"\xff" + data[20:]),
        ]:
            parse(f"{config}: invalid UTF-8 ({name})", config, queries[config], answer(config, bad), "DECODE_ERROR")

    # -- Numbers: huge, NaN/Infinity text, exponents, negatives where money is expected.
    number_cases = {
        "edu": [("amount.total", lambda v: edu_variant(amount={"total": v}))],
        "payscore": [("total_amount", lambda v: payscore_variant("CREATED", total_amount=v))],
        "mini": [("orderPrice", lambda v: mini_variant(orderPrice=v))],
        "fubei": [("total_fee", lambda v: fubei_variant(total_fee=v))],
        "ds": [("amount", lambda v: ds_variant(amount=v))],
    }
    hostile_numbers = [
        ("1e400", Raw("1e400")),
        ("a 40-digit integer", Raw("9" * 40)),
        ("NaN text", Raw("NaN")),
        ("Infinity text", Raw("Infinity")),
        ("-Infinity text", Raw("-Infinity")),
        ("an exponent", Raw("1e2")),
        ("a negative number", Raw("-1")),
        ("a float with 3 decimals", Raw("0.291")),
        ("a boolean", True),
        ("an object", {"v": 1}),
        ("2^63", Raw("9223372036854775808")),
    ]
    for config, fields in number_cases.items():
        for field_name, variant in fields:
            for name, value in hostile_numbers:
                parse(
                    f"{config}: {field_name} is {name}",
                    config,
                    queries[config],
                    answer(config, variant(value)),
                    "DECODE_ERROR",
                )

    # -- Duplicate keys and deep nesting.
    for config, body in seeds.items():
        first_key = next(iter(json.loads(body)))
        dup = "{" + json.dumps(first_key) + ":null," + body[1:]
        parse(f"{config}: a duplicated key", config, queries[config], answer(config, dup), "DECODE_ERROR")
        parse(
            f"{config}: nested 40 levels deep",
            config,
            queries[config],
            answer(config, '{"a":' * 40 + "1" + "}" * 40),
            "DECODE_ERROR",
        )
        parse(
            f"{config}: 100000 opening brackets", config, queries[config], answer(config, "[" * 100000), "DECODE_ERROR"
        )

    # -- Oversized bodies (over each client's configured max_response_bytes).
    for config in seeds:
        big = seeds[config][:-1] + ',"padding":"' + "x" * 2048 + '"}'
        parse(
            f"{config}: a body over max_response_bytes",
            f"{config}_small",
            queries[config],
            answer(config, big),
            "DECODE_ERROR",
        )

    # -- Signature headers: missing, duplicated, empty, malformed.
    body = compact(EDU_PAID)
    good = signed_response(body)
    for header in ["Wechatpay-Serial", "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce"]:
        dropped = {k: v for k, v in good["headers"].items() if k != header}
        parse(
            f"edu: {header} missing", "edu", queries["edu"], {**good, "headers": dropped}, "SIGNATURE_INVALID", header
        )
        parse(
            f"edu: {header} empty",
            "edu",
            queries["edu"],
            {**good, "headers": {**good["headers"], header: ""}},
            "SIGNATURE_INVALID",
            header,
        )
        parse(
            f"edu: {header} repeated with the same value",
            "edu",
            queries["edu"],
            repeat_header(good, header, good["headers"][header]),
            "SIGNATURE_INVALID",
            header,
        )
        parse(
            f"edu: {header} repeated with another value",
            "edu",
            queries["edu"],
            repeat_header(good, header, "x"),
            "SIGNATURE_INVALID",
            header,
        )
    for name, value in [
        ("not base64", "***"),
        ("base64 of 10 bytes", base64.b64encode(b"0123456789").decode()),
        (
            "base64 with a line feed",
            good["headers"]["Wechatpay-Signature"][:20] + "\n" + good["headers"]["Wechatpay-Signature"][20:],
        ),
        ("a SIGNTEST probe", "WECHATPAY/SIGNTEST/" + "A" * 300),
    ]:
        parse(
            f"edu: Wechatpay-Signature {name}",
            "edu",
            queries["edu"],
            {**good, "headers": {**good["headers"], "Wechatpay-Signature": value}},
            "SIGNATURE_INVALID",
        )
    for name, value in [
        ("a float", "1700000000.5"),
        ("hex", "0x65"),
        ("with a plus", "+1700000000"),
        ("20 digits", "9" * 20),
    ]:
        # The timestamp is signed as sent; a malformed one is refused before anything else.
        parse(
            f"edu: Wechatpay-Timestamp {name}",
            "edu",
            queries["edu"],
            signed_response(body, timestamp=value),
            "SIGNATURE_INVALID",
            "Wechatpay-Timestamp",
        )
    parse(
        "edu: Wechatpay-Signature-Type of another scheme",
        "edu",
        queries["edu"],
        {**good, "headers": {**good["headers"], "Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3"}},
        "SIGNATURE_INVALID",
    )
    parse(
        "edu: a CR/LF in Wechatpay-Nonce",
        "edu",
        queries["edu"],
        signed_response(body, nonce="a\r\nb"),
        "SIGNATURE_INVALID",
    )

    # -- Query ids: CR/LF/NUL, path separators, URL metacharacters, dots, empty, too long.
    id_fields = {
        "edu": ("out_trade_no", 32),
        "payscore": ("out_order_no", 32),
        "mini": ("order_id", 64),
        "ds": ("order_id", 19),
    }
    for config, (field_name, max_len) in id_fields.items():
        for name, value in [
            ("CR/LF", "A1\r\nX-Evil: 1"),
            ("a NUL", "A1\u0000"),
            ("a slash", "A1/B2"),
            ("a question mark", "A1?x=1"),
            ("a hash", "A1#x"),
            ("a dot-dot segment", ".."),
            ("a dot-dot path", "../../v3/other"),
            ("a space", "A 1"),
            ("a percent", "A%2F1"),
            ("an empty string", ""),
            ("one character too many", "1" * (max_len + 1)),
            ("non-ASCII", "订单"),
            ("a tab", "A\t1"),
        ]:
            query = {**queries[config], field_name: value}
            build(f"{config}: {field_name} with {name}", config, query, "INVALID_INPUT", field_name)
    for name, value in [
        ("a number", 5),
        ("null", None),
        ("a list", ["A1"]),
        ("an object", {"a": 1}),
        ("a boolean", True),
    ]:
        for config in seeds:
            field_name = {
                "edu": "out_trade_no",
                "payscore": "out_order_no",
                "mini": "order_id",
                "fubei": "merchant_order_sn",
                "ds": "order_id",
            }[config]
            # The error names the key, whatever the wrong type (null is "absent" for optional ids).
            build(
                f"{config}: {field_name} is {name}",
                config,
                {**queries[config], field_name: value},
                "INVALID_INPUT",
                None if value is None else field_name,
            )
    for name, value in [
        ("a NUL", "FB\u00001"),
        ("CR/LF", "FB\r\n1"),
        ("DEL", "FB\u007f"),
        ("a C1 control", "FB\u0085"),
        ("empty", ""),
        ("33 characters", "x" * 33),
    ]:
        build(
            f"fubei: merchant_order_sn with {name}",
            "fubei",
            {"merchant_order_sn": value},
            "INVALID_INPUT",
            "merchant_order_sn",
        )
    for name, query in [
        ("not an object", "5"),
        ("an unknown key", {**queries["edu"], "extra": "1"}),
        ("sub_mchid with letters", {**queries["edu"], "sub_mchid": "19x"}),
        ("sub_mchid with CR/LF", {**queries["edu"], "sub_mchid": "19\r\n"}),
    ]:
        build(f"edu: a query with {name}", "edu", query, "INVALID_INPUT")
    for name, nonce in [
        ("a quote", 'ab"c'),
        ("a comma", "a,signature=x"),
        ("33 characters", "a" * 33),
        ("empty", ""),
        ("CR/LF", "a\r\nb"),
        ("non-ASCII", "随机"),
    ]:
        build(f"edu: a nonce with {name}", "edu", queries["edu"], "INVALID_INPUT", "nonce", nonce=nonce)
    build("edu: a negative timestamp", "edu", queries["edu"], "INVALID_INPUT", "timestamp", timestamp=-1)
    build(
        "ds: machine_no of 9 digits", "ds", {"order_id": "54", "machine_no": "163271290"}, "INVALID_INPUT", "machine_no"
    )
    build("ds: a negative timestamp", "ds", queries["ds"], "INVALID_INPUT", "timestamp", timestamp=-5)

    # -- Configs: PEM garbage, the wrong PEM kinds, weak keys, header smuggling, wrong types.
    configs = {
        "edu": {"provider": "wechatpay_edu_papay", **WECHATPAY_INLINE},
        "payscore": {"provider": "wechatpay_payscore_oversea", **WECHATPAY_INLINE},
        "mini": MINI_CONFIG,
        "fubei": FUBEI_CONFIG,
        "ds": DS_CONFIG,
    }
    for name in list(configs):
        configs[f"{name}_small"] = {**configs[name], "max_response_bytes": 1024}
    garbage_pem = "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n"
    bad_configs = [
        (
            "a private key that is PEM garbage",
            {"merchant_private_key_pem": garbage_pem, "merchant_private_key_path": None},
        ),
        ("a private key that is not PEM", {"merchant_private_key_pem": "hello", "merchant_private_key_path": None}),
        ("a public key given as the private key", {"merchant_private_key_path": "keys/merchant_public_key.pem"}),
        ("a certificate given as the private key", {"merchant_private_key_path": "keys/platform_certificate.pem"}),
        ("a 1024-bit private key", {"merchant_private_key_path": "keys/weak_1024_private_key.pem"}),
        ("a 1024-bit WeChat Pay public key", {"wechatpay_public_key_path": "keys/weak_1024_public_key.pem"}),
        ("a private key as the WeChat Pay public key", {"wechatpay_public_key_path": "keys/merchant_private_key.pem"}),
        ("a public key id without its key", {"wechatpay_public_key_path": None}),
        ("no verification key at all", {"wechatpay_public_key_path": None, "wechatpay_public_key_id": None}),
        ("a public key id with CR/LF", {"wechatpay_public_key_id": "PUB_KEY_ID_1\r\nX: y"}),
        ("an mchid with letters", {"mchid": "19000a"}),
        ("a serial with CR/LF", {"merchant_serial_no": "5157F09E\r\n"}),
        ("a base_url with a query", {"base_url": "https://api.mch.weixin.qq.com/?x=1"}),
        ("a base_url with CR/LF", {"base_url": "https://api.mch.weixin.qq.com\r\nX: y"}),
        ("a base_url that is not http", {"base_url": "ftp://api.mch.weixin.qq.com"}),
        ("an unknown key", {"merchant_private_key_passphrase": "x"}),
        ("max_response_bytes as a string", {"max_response_bytes": "1024"}),
        ("max_response_bytes negative", {"max_response_bytes": -1}),
        ("mchid as a number", {"mchid": 1900000001}),
    ]
    for name, changes in bad_configs:
        config = dict(configs["edu"])
        apply_changes(config, changes)
        key = f"edu_bad_{len(configs)}"
        configs[key] = config
        build(f"config: {name}", key, queries["edu"], "INVALID_CONFIG")
    for provider, name, changes in [
        ("fubei", "an app_secret with CR/LF", {"app_secret": "s\r\nX: y"}),
        ("fubei", "an app_secret that is empty", {"app_secret": ""}),
        ("fubei", "an app_secret that is a list", {"app_secret": ["s"]}),
        ("fubei", "an app_id with a slash", {"app_id": "1/2"}),
        ("ds", "an AppSecret with a NUL", {"app_secret": "s\u0000"}),
        ("ds", "a sign_key with CR/LF", {"sign_key": "k\r\n"}),
        ("ds", "no base_url", {"base_url": None}),
        ("mini", "an access_token with CR/LF", {"access_token": "T\r\nX: y"}),
        ("mini", "an access_token with a space", {"access_token": "T T"}),
        ("mini", "an appid with a quote", {"appid": 'wx"1'}),
    ]:
        config = dict(configs[provider])
        apply_changes(config, changes)
        key = f"{provider}_bad_{len(configs)}"
        configs[key] = config
        build(f"config ({provider}): {name}", key, queries[provider], "INVALID_CONFIG")
    # A PKCS#1 private key is accepted: its signature equals the PKCS#8 key's.
    configs["edu_pkcs1"] = {**configs["edu"], "merchant_private_key_path": "keys/merchant_private_key_pkcs1.pem"}
    add(
        {
            "name": "config: a PKCS#1 private key signs like its PKCS#8 form",
            "config": "edu_pkcs1",
            "build": {
                "query": queries["edu"],
                "timestamp": NOW,
                "nonce": NONCE,
                "expect": wechatpay_request(
                    "https://api.mch.weixin.qq.com", "/v3/edu-papay/transactions/out-trade-no/201407033233368018"
                ),
            },
        }
    )

    # -- Error answers with hostile bodies are still typed errors.
    for config in seeds:
        for status, body_text, code in [
            (500, "x" * 10, "PROVIDER_ERROR"),
            (429, "", "RATE_LIMITED"),
            (502, "<html>bad gateway</html>", "PROVIDER_ERROR"),
            (200, "", "DECODE_ERROR" if config not in signed_configs else "SIGNATURE_INVALID"),
            (204, "", "DECODE_ERROR" if config not in signed_configs else "SIGNATURE_INVALID"),
        ]:
            parse(
                f"{config}: HTTP {status} with {len(body_text)} bytes",
                config,
                queries[config],
                raw(status, body_text, {}),
                code,
            )

    # -- Parked two-phase requests that were tampered with.
    pending = {
        "method": "GET",
        "url": "https://api.mch.weixin.qq.com/v3/edu-papay/transactions/out-trade-no/A1",
        "headers": [["Wechatpay-Serial", PUB_KEY_ID]],
        "body": None,
        "mchid": MCHID,
        "serial_no": MERCHANT_SERIAL,
        "timestamp": NOW,
        "nonce": "abc",
        "string_to_sign": f"GET\n/v3/edu-papay/transactions/out-trade-no/A1\n{NOW}\nabc\n\n",
    }
    signature = base64.b64encode(bytes(256)).decode()
    for name, changes, field in [
        ("a url with CR/LF", {"url": "https://api.mch.weixin.qq.com/v3/a\r\nX-Evil: 1"}, "url"),
        ("a url with a fragment", {"url": "https://api.mch.weixin.qq.com/v3/a#b"}, "url"),
        (
            "a url that changed after signing",
            {"url": "https://api.mch.weixin.qq.com/v3/edu-papay/transactions/out-trade-no/A2"},
            "string_to_sign",
        ),
        ("a timestamp that changed after signing", {"timestamp": NOW + 1}, "string_to_sign"),
        ("a body added after signing", {"body": [123, 125]}, "string_to_sign"),
        ("a nonce that smuggles a second signature", {"nonce": 'abc",signature="X'}, "nonce"),
        ("a nonce that changed after signing", {"nonce": "abd"}, "string_to_sign"),
        ("an Authorization header of its own", {"headers": [["Authorization", "x"]]}, "headers"),
        ("a header with CR/LF", {"headers": [["Wechatpay-Serial", "x\r\ny: z"]]}, "Wechatpay-Serial"),
        ("a header name with a space", {"headers": [["Bad Name", "x"]]}, "headers"),
        ("an mchid with a quote", {"mchid": '19"00'}, "mchid"),
        ("a serial_no with a quote", {"serial_no": '51"57'}, "serial_no"),
        ("a negative timestamp", {"timestamp": -1}, "timestamp"),
        ("an unknown member", {"extra": 1}, "pending"),
        ("the method PUT", {"method": "PUT"}, "pending"),
    ]:
        doc = dict(pending)
        doc.update(changes)
        add(
            {
                "name": f"finish: {name}",
                "config": "edu",
                "finish": {
                    "pending": compact(doc),
                    "signature": signature,
                    "expect": {"error": {"code": "INVALID_INPUT", "field": field}},
                },
            }
        )
    for name, sig in [
        ("not base64", "***"),
        ("255 bytes", base64.b64encode(bytes(255)).decode()),
        ("1025 bytes", base64.b64encode(bytes(1025)).decode()),
        ("empty", ""),
    ]:
        add(
            {
                "name": f"finish: a signature of {name}",
                "config": "edu",
                "finish": {
                    "pending": compact(pending),
                    "signature": sig,
                    "expect": {"error": {"code": "INVALID_INPUT", "field": "signature"}},
                },
            }
        )
    for name, text in [("not JSON", "{"), ("a JSON array", "[]"), ("JSON null", "null")]:
        add(
            {
                "name": f"finish: a pending document that is {name}",
                "config": "edu",
                "finish": {"pending": text, "signature": signature, "expect": {"error": {"code": "INVALID_INPUT"}}},
            }
        )

    # -- Documents typed by people: every error names its key and says what is wrong, in words,
    # without quoting the value. A config or query given as a string is JSON text, for what an
    # object cannot hold (a key given twice, a lone surrogate escape).
    def message(code, field, contains):
        return {"code": code, "field": field, "message_contains": contains}

    def config_case(name, provider, config, expect):
        key = f"{provider}_doc_{len(configs)}"
        configs[key] = config
        add(
            {
                "name": f"config ({provider}): {name}",
                "config": key,
                "build": {"query": queries[provider], "timestamp": NOW, "nonce": NONCE, "expect": {"error": expect}},
            }
        )

    for provider, name, changes, field, words in [
        ("fubei", "app_id as a number", {"app_id": 123}, "app_id", "must be a string, not a number"),
        ("fubei", "app_secret as a number", {"app_secret": 12345}, "app_secret", "must be a string, not a number"),
        ("ds", "sign_key as a number", {"sign_key": 100001}, "sign_key", "must be a string, not a number"),
        ("edu", "mchid as a number", {"mchid": 1900000001}, "mchid", "must be a string, not a number"),
        ("edu", "max_response_bytes of -1", {"max_response_bytes": -1}, "max_response_bytes", "non-negative integer"),
        ("edu", "max_response_bytes as text", {"max_response_bytes": "1024"}, "max_response_bytes", "not a string"),
        ("fubei", "an unknown key", {"app_key": "x"}, "app_key", "unknown key `app_key`"),
        ("mini", "appid as a list", {"appid": ["wx1"]}, "appid", "must be a string, not a list"),
        (
            "edu",
            "a platform certificate serial as a number",
            {"platform_certificates": [{"serial_no": 1, "public_key_pem": "x"}]},
            "platform_certificates[0].serial_no",
            "must be a string",
        ),
        (
            "edu",
            "an unknown key in a platform certificate",
            {"platform_certificates": [{"serial": "1"}]},
            "platform_certificates[0].serial",
            "unknown key `serial`",
        ),
        ("fubei", "a base_url with an unclosed IPv6 bracket", {"base_url": "http://[::1"}, "base_url", "IPv6"),
        ("fubei", "a base_url with port 0", {"base_url": "http://127.0.0.1:0"}, "base_url", "port"),
        ("fubei", "a base_url with user info", {"base_url": "https://user@example.com"}, "base_url", "host"),
        (
            "edu",
            "a PEM with backslash-n sequences for line breaks",
            {
                "merchant_private_key_path": None,
                "merchant_private_key_pem": (KEYS / "merchant_private_key.pem").read_text().replace("\n", "\\n"),
            },
            "merchant_private_key_pem",
            "backslash-n",
        ),
    ]:
        config = dict(configs[provider])
        apply_changes(config, changes)
        config_case(name, provider, config, message("INVALID_CONFIG", field, words))
    for provider, name, text, field, words in [
        (
            "fubei",
            "a key given twice",
            '{"provider":"fubei","app_id":"1","app_secret":"a","app_secret":"b"}',
            "app_secret",
            "more than once",
        ),
        (
            "fubei",
            "a lone surrogate escape",
            '{"provider":"fubei","app_id":"1","app_secret":"a\\ud800"}',
            "config",
            "lone UTF-16 surrogate",
        ),
        ("fubei", "not JSON", '{"provider":"fubei",', "config", "not valid JSON"),
    ]:
        config_case(name, provider, text, message("INVALID_CONFIG", field, words))
    for config, query, field, words in [
        ("edu", '{"out_trade_no":"A\\ud800"}', "query", "lone UTF-16 surrogate"),
        ("edu", '{"out_trade_no":"A1","out_trade_no":"A2"}', "query", "out_trade_no"),
        ("fubei", '{"merchant_order_sn":123}', "merchant_order_sn", "must be a string, not a number"),
        ("edu", '{"out_trade":"A1"}', "out_trade", "unknown key `out_trade`"),
        ("edu", "{}", "out_trade_no", "needs `out_trade_no`"),
    ]:
        build(f"{config}: a query document with {words}", config, query, "INVALID_INPUT", field)
        cases[-1]["build"]["expect"]["error"]["message_contains"] = words
    for name, order_id in [("-1", "-1"), ("0", "0"), ("a leading zero", "054"), ("beyond 64 bits", "9" * 23)]:
        build(f"ds: order_id {name}", "ds", {**queries["ds"], "order_id": order_id}, "INVALID_INPUT", "order_id")
    for config in ["edu", "fubei", "ds", "mini"]:
        for name, timestamp, words in [
            ("in milliseconds", NOW * 1000, "seconds, not milliseconds"),
            ("of 2^63 - 1", 2**63 - 1, "after the year 9999"),
        ]:
            build(
                f"{config}: a timestamp {name}",
                config,
                queries[config],
                "INVALID_INPUT",
                "timestamp",
                timestamp=timestamp,
            )
            cases[-1]["build"]["expect"]["error"]["message_contains"] = words
        parse(
            f"{config}: now in milliseconds",
            config,
            queries[config],
            plain_response(seeds[config]),
            "INVALID_INPUT",
            "now",
            now=NOW * 1000,
        )
        cases[-1]["parse"]["expect"]["error"]["message_contains"] = "seconds, not milliseconds"

    # api_v3_key (a secret: exactly 32 bytes, never echoed) and certificate_refresh_s (>= 60),
    # for both WeChat Pay providers; the error names the key.
    for provider in ("edu", "payscore"):
        for name, changes, field in [
            (
                "a 16-byte api_v3_key: wechatpay-go's notify_test.go vector key testMchAPIv3Key0 (AES-128)",
                {"api_v3_key": "testMchAPIv3Key0"},
                "api_v3_key",
            ),
            ("a 33-byte api_v3_key", {"api_v3_key": API_V3_KEY + "1"}, "api_v3_key"),
            ("an api_v3_key that is a number", {"api_v3_key": 12345}, "api_v3_key"),
            (
                "certificate_refresh_s of 59",
                {"api_v3_key": API_V3_KEY, "certificate_refresh_s": 59},
                "certificate_refresh_s",
            ),
        ]:
            config = dict(configs[provider])
            apply_changes(config, changes)
            key = f"{provider}_bad_{len(configs)}"
            configs[key] = config
            build(f"config ({provider}): {name}", key, queries[provider], "INVALID_CONFIG", field)

    # The good inputs each language must still answer after all of the above.
    for config in seeds:
        if config in signed_configs:
            response = signed_response(seeds[config])
        else:
            response = plain_response(seeds[config])
        expected = {
            "edu": edu_order("PAID", "SUCCESS"),
            "payscore": payscore_order("PENDING", "CREATED"),
            "mini": mini_order("PAID", "2"),
            "fubei": fubei_order("PAID", "SUCCESS"),
            "ds": ds_order("PAID", "SUCCESS"),
        }[config]
        add(
            {
                "name": f"{config}: the seed answer still parses after every bad input",
                "config": config,
                "parse": {"now": NOW, "query": queries[config], "response": response, "expect": {"order": expected}},
            }
        )
    return {"provider": None, "configs": configs, "cases": cases}


# ---------------------------------------------------------------- Host types, per binding


def host_types() -> dict:
    """Arguments of the wrong *host* type for each binding's API (a number where a string
    belongs, null, undefined, a JS number above 2^53, a negative or huge Python int, bytes vs
    str …). Values tagged {"$": kind} stand for host values JSON cannot carry; `expect` maps
    each host ("js", "python", "kotlin") to the error code it must raise, or to null where the
    value is a valid one there. A host not named does not have the argument's shape."""
    fubei = FUBEI_CONFIG
    edu = {"provider": "wechatpay_edu_papay", **WECHATPAY_CONFIG}
    query = {"merchant_order_sn": "201706011496325244549"}
    cases = []

    def case(name, call, args, expect, config=fubei):
        cases.append({"name": name, "config": config, "call": call, "args": args, "expect": expect})

    everywhere = {"js": "INVALID_INPUT", "python": "INVALID_INPUT", "kotlin": "INVALID_INPUT"}
    scripting = {"js": "INVALID_INPUT", "python": "INVALID_INPUT"}
    for name, value in [
        ("a number", 5),
        ("null", None),
        ("a list", [query]),
        ("a boolean", True),
        ("undefined", {"$": "undefined"}),
        ("bytes", {"$": "bytes", "value": json.dumps(query)}),
    ]:
        case(f"build_query: the query is {name}", "build_query", {"query": value}, scripting)
    for name, value in [
        ("text that is not JSON", "{"),
        ("JSON text of a number", "5"),
        ("JSON with a number for an id", '{"merchant_order_sn": 5}'),
        ("JSON with null for an id", '{"merchant_order_sn": null}'),
    ]:
        case(f"build_query: the query is {name}", "build_query", {"query": value}, everywhere)
    for name, value, expect in [
        ("a float", {"$": "float", "value": 1.5}, scripting),
        ("a string", "1700000000", scripting),
        ("a boolean", True, scripting),
        ("a JS number above 2^53", {"$": "unsafe_integer", "value": "9007199254740993"}, {"js": "INVALID_INPUT"}),
        # Exact 64-bit integers reach the core, which refuses times after the year 9999.
        ("2^53 + 1 as a bigint / int", {"$": "bigint", "value": "9007199254740993"}, everywhere),
        ("2^63 - 1 (Long.MAX_VALUE)", {"$": "bigint", "value": "9223372036854775807"}, everywhere),
        ("milliseconds (Date.now())", {"$": "bigint", "value": "1700000000000"}, everywhere),
        (
            "the last second of 9999",
            {"$": "bigint", "value": "253402300799"},
            {"js": None, "python": None, "kotlin": None},
        ),
        ("2^63", {"$": "bigint", "value": "9223372036854775808"}, {"js": "INVALID_INPUT", "python": "INVALID_INPUT"}),
        ("-1", -1, everywhere),
        (
            "-2^63 - 1",
            {"$": "bigint", "value": "-9223372036854775809"},
            {"js": "INVALID_INPUT", "python": "INVALID_INPUT"},
        ),
    ]:
        case(f"build_query: the timestamp is {name}", "build_query", {"query": query, "timestamp": value}, expect)
    for name, value, expect in [
        ("a number", 12345, scripting),
        ("bytes", {"$": "bytes", "value": "abc"}, {"python": "INVALID_INPUT"}),
        ("with a space", "a b", everywhere),
        ("empty", "", everywhere),
    ]:
        case(f"build_query: the nonce is {name}", "build_query", {"query": query, "nonce": value}, expect)
    response = {"status": 200, "headers": {}, "body": '{"result_code":200}'}
    for name, changes, expect in [
        ("a status that is a string", {"status": "200"}, scripting),
        ("a status of -1", {"status": -1}, everywhere),
        ("a status of 1000", {"status": 1000}, everywhere),
        ("a status of 2^32", {"status": 4294967296}, scripting),
        ("a fractional status", {"status": {"$": "float", "value": 200.5}}, scripting),
        ("headers that are a number", {"headers": 5}, scripting),
        ("a header value that is a number", {"headers": {"a": 1}}, scripting),
        ("a header pair of one element", {"headers": [["a"]]}, scripting),
        ("a body that is a number", {"body": 5}, scripting),
        ("a body that is null", {"body": None}, scripting),
    ]:
        case(f"parse_query: {name}", "parse_query", {"response": {**response, **changes}, "query": query}, expect)
    case("parse_query: no query", "parse_query", {"response": response, "query": None}, scripting)
    case(
        "parse_query: now above 2^53 as a JS number",
        "parse_query",
        {"response": response, "query": query, "now": {"$": "unsafe_integer", "value": "9007199254740993"}},
        {"js": "INVALID_INPUT"},
    )
    case(
        "parse_query: now is a string",
        "parse_query",
        {"response": response, "query": query, "now": "1700000000"},
        scripting,
    )
    for name, value in [("a number", 5), ("null", None), ("a list", []), ("undefined", {"$": "undefined"})]:
        case(
            f"client: the config is {name}",
            "client",
            {"config": value},
            {"js": "INVALID_CONFIG", "python": "INVALID_CONFIG"},
        )
    for name, value in [
        ("text that is not JSON", "{"),
        ("JSON text of a list", "[]"),
        ("an unknown provider", '{"provider":"nope"}'),
    ]:
        case(
            f"client: the config is {name}",
            "client",
            {"config": value},
            {"js": "INVALID_CONFIG", "python": "INVALID_CONFIG", "kotlin": "INVALID_CONFIG"},
        )
    case(
        "client: a config holding a bigint",
        "client",
        {"config": {**fubei, "max_response_bytes": {"$": "bigint", "value": "5"}}},
        {"js": "INVALID_CONFIG"},
    )
    case(
        "client: a config holding bytes",
        "client",
        {"config": {**fubei, "app_secret": {"$": "bytes", "value": "s"}}},
        {"python": "INVALID_CONFIG"},
    )
    case(
        "failover_request: not a request",
        "failover_request",
        {"request": "https://api.mch.weixin.qq.com/v3/x"},
        scripting,
        edu,
    )
    case(
        "failover_request: a PATCH request",
        "failover_request",
        {"request": {"method": "PATCH", "url": "https://api.mch.weixin.qq.com/v3/x", "headers": [], "body": None}},
        everywhere,
        edu,
    )
    case("finish: a signature that is a number", "finish", {"signature": 5}, scripting, edu)
    case(
        "finish: a signature that is bytes",
        "finish",
        {"signature": {"$": "bytes", "value": "AAAA"}},
        {"python": "INVALID_INPUT"},
        edu,
    )
    return {"provider": None, "cases": cases}


GENERATORS = {
    "wechatpay_edu_papay.json": wechatpay_edu_papay,
    "wechatpay_payscore_oversea.json": wechatpay_payscore_oversea,
    "wechat_mini_charge.json": wechat_mini_charge,
    "fubei.json": fubei,
    "dingshang_vending.json": dingshang_vending,
    "bad_inputs.json": bad_inputs,
    "host_types.json": host_types,
}


def render(doc: dict) -> str:
    header = {
        "_comment": "Generated by tests/vectors/generate.py from Python cryptography/hashlib "
        "and the provider specs. Do not edit by hand. Keys under keys/ are test "
        "keys, never used by any real merchant."
    }
    return json.dumps({**header, **doc}, ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for name, generate in GENERATORS.items():
        text = render(generate())
        path = HERE / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("vectors differ from what the independent generator produces: " + ", ".join(stale))
        print("run: python3 tests/vectors/generate.py")
        return 1
    total = sum(len(g()["cases"]) for g in GENERATORS.values())
    print(f"vectors: {len(GENERATORS)} files, {total} cases, {'checked' if check else 'written'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

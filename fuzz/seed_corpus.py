#!/usr/bin/env python3
"""Seeds the fuzz corpora (fuzz/corpus/<target>/) from the shared vectors, in the input layouts
the entry points in fuzz-harness/src/lib.rs read. `make fuzz` runs it before fuzzing; the
minimized corpora are committed and replayed by `make test`."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from urllib.parse import unquote_plus

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fuzz" / "corpus"
PROVIDERS = ["wechatpay_edu_papay", "wechatpay_payscore_oversea", "wechat_mini_charge", "fubei", "dingshang_vending"]
HEADER_NAMES = [
    "wechatpay-serial",
    "wechatpay-signature",
    "wechatpay-timestamp",
    "wechatpay-nonce",
    "wechatpay-signature-type",
    "content-type",
]
NOW = 1_700_000_000


# `seed_corpus.py TARGET…` seeds only those targets (a new target's corpus, without adding
# the seeds of every other one to corpora already minimized); no argument seeds them all.
ONLY = set(sys.argv[1:])
WRITTEN: list[str] = []


def write(target: str, data: bytes) -> None:
    if ONLY and target not in ONLY:
        return
    WRITTEN.append(target)
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def answer(response: dict, sign: bool, skew: int = 0) -> bytes:
    """The parse targets' layout: status, flags, skew, headers, body."""
    headers = response["headers"]
    pairs = list(headers.items()) if isinstance(headers, dict) else [tuple(p) for p in headers]
    encoded = b""
    count = 0
    if not sign:
        for name, value in pairs:
            if name.lower() in HEADER_NAMES and count < 15:
                value_bytes = value.encode()[:255]
                encoded += bytes([HEADER_NAMES.index(name.lower()), len(value_bytes)]) + value_bytes
                count += 1
    head = response["status"].to_bytes(2, "little") + bytes([1 if sign else 0]) + (skew & 0xFFFF).to_bytes(2, "little")
    return head + bytes([count]) + encoded + response["body"].encode()


def main() -> None:
    keys = ROOT / "tests" / "vectors"
    count = 0
    for provider in PROVIDERS:
        doc = json.loads((keys / f"{provider}.json").read_text(encoding="utf-8"))
        signed_provider = provider.startswith("wechatpay_")
        for config in doc["configs"].values():
            config = dict(config)
            for key in [k for k in config if k.endswith("_path")]:
                config[key.replace("_path", "_pem")] = (keys / config.pop(key)).read_text()
            config.pop("platform_certificates", None)
            write(f"build_{provider}", b"\x01" + json.dumps(config).encode())
            count += 1
        for case in doc["cases"]:
            if "build" in case:
                write(f"build_{provider}", b"\x00" + json.dumps(case["build"]["query"]).encode())
                count += 1
            if "parse" in case:
                response = case["parse"]["response"]
                signed = signed_provider and "Wechatpay-Signature" in json.dumps(response["headers"])
                write(f"parse_{provider}", answer(response, sign=signed))
                write(f"parse_{provider}", answer(response, sign=False))
                if provider == "wechatpay_edu_papay":
                    write("wechatpay_headers", answer(response, sign=True))
                    write("wechatpay_headers", answer(response, sign=False))
                count += 2
    for text in [
        "0.29",
        "80",
        "0",
        "0.01",
        "20.00",
        "3.000",
        "0.29000000000000001",
        "0.28999999999999998",
        "0.290000001",
        "0.2900001",
        "92233720368547758.07",
        "92233720368547758.08",
        "1e2",
        "-1",
        "+1",
        ".5",
        "5.",
        "NaN",
        "1,00",
        "",
        "0." + "0" * 40 + "1",
        "9" * 40,
    ]:
        write("money", text.encode())
        count += 1
    pending = {
        "method": "GET",
        "url": "https://api.mch.weixin.qq.com/v3/edu-papay/transactions/out-trade-no/A1",
        "headers": [["Wechatpay-Serial", "PUB_KEY_ID_0119000000012025010100000000000001"]],
        "body": None,
        "mchid": "1900000001",
        "serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "timestamp": NOW,
        "nonce": "abc",
        "string_to_sign": f"GET\n/v3/edu-papay/transactions/out-trade-no/A1\n{NOW}\nabc\n\n",
    }
    for variant in [
        {},
        {"nonce": 'abc",signature="X'},
        {"url": "https://x/a\r\nX: y"},
        {"timestamp": NOW + 1},
        {"headers": [["Authorization", "x"]]},
        {
            "body": [123, 125],
            "method": "POST",
            "string_to_sign": f"POST\n/v3/edu-papay/transactions/out-trade-no/A1\n{NOW}\nabc\n{{}}\n",
        },
    ]:
        write("finish", json.dumps({**pending, **variant}).encode())
        count += 1
    # The keys target: every test key and certificate, in every slot, as PEM text and as raw DER
    # (selector bit 2) under each label (bits 3-4) — PKCS#8, PKCS#1, SPKI and X.509 alike.
    labels = ["PRIVATE KEY", "RSA PRIVATE KEY", "PUBLIC KEY", "CERTIFICATE"]
    for pem_file in sorted((keys / "keys").glob("*.pem")):
        text = pem_file.read_text()
        body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
        der = base64.b64decode(body)
        for slot in range(4):
            write("keys", bytes([slot]) + text.encode())
            for label in range(len(labels)):
                write("keys", bytes([slot | 4 | (label << 3)]) + der)
            count += 1 + len(labels)
    # The certificates target: every test certificate sealed as DER (selector 1), as PEM text
    # (3) and under a wrong declared serial (5); listing bodies as received (0).
    for pem_file in sorted((keys / "keys").glob("*.pem")):
        text = pem_file.read_text()
        body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
        write("certificates", bytes([1]) + base64.b64decode(body))
        write("certificates", bytes([3]) + text.encode())
        write("certificates", bytes([5]) + base64.b64decode(body))
        count += 3
    java = (ROOT / "core" / "tests" / "certificates" / "wechatpay_java_ciphertext.txt").read_text().strip()
    for listing in [
        {"data": []},
        {
            "data": [
                {
                    "serial_no": "5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC",
                    "encrypt_certificate": {
                        "algorithm": "AEAD_AES_256_GCM",
                        "nonce": "14b16c03dc1b",
                        "associated_data": "certificate",
                        "ciphertext": java,
                    },
                }
            ]
        },
        {
            "data": [
                {
                    "serial_no": "1",
                    "encrypt_certificate": {"algorithm": "AEAD_AES_128_GCM", "nonce": "x", "ciphertext": "AAAA"},
                }
            ]
        },
    ]:
        write("certificates", bytes([0]) + json.dumps(listing).encode())
        count += 1
    count += notification_seeds(keys)
    print(f"seeded {len(WRITTEN)} fuzz inputs ({count} made) in {CORPUS}")


# The events `notification_wechatpay` seals a resource under (fuzz-harness NOTIFY_EVENTS).
NOTIFY_EVENTS = [
    "TRANSACTION.SUCCESS",
    "TRANSACTION.FAIL",
    "ENTRUST.SIGNING",
    "ENTRUST.RELEASE",
    "PAYSCORE.USER_PAID",
    "PAYSCORE.USER_CONFIRM",
    "PAYSCORE.USER_OPEN_SERVICE",
    "OTHER.EVENT",
]
# The harness's header selectors (fuzz-harness HEADER_NAMES, lower-cased).
NOTIFY_HEADERS = HEADER_NAMES + ["wechatpay-serial"]


def notification_body(request: dict) -> bytes:
    if "body_base64" in request:
        return base64.b64decode(request["body_base64"])
    return request["body"].encode()


def notification_seeds(vectors: Path) -> int:
    """The notification targets' seeds, from the `notification` vectors: every WeChat Pay
    callback as received (the harness's clients hold the vectors' key, PUB_KEY_ID and
    api_v3_key, so the accepted ones stay accepted), and each resource that opens with the
    vectors' api_v3_key again as plaintext for the harness to seal and sign; every Fubei form as
    received and its `data` for the harness to sign; every vending callback."""
    count = 0
    for index, provider in enumerate(["wechatpay_edu_papay", "wechatpay_payscore_oversea"]):
        doc = json.loads((vectors / f"{provider}.json").read_text(encoding="utf-8"))
        for case in doc["cases"]:
            if "notification" not in case:
                continue
            request = case["notification"]["request"]
            body = notification_body(request)
            if len(body) > 16384:
                continue
            flags = (index << 2) | (16 if request["method"] != "POST" else 0)
            headers = b""
            n = 0
            for name, value in request["headers"]:
                if name.lower() in HEADER_NAMES and n < 15:
                    value_bytes = value.encode()[:255]
                    headers += bytes([HEADER_NAMES.index(name.lower()), len(value_bytes)]) + value_bytes
                    n += 1
            write("notification_wechatpay", bytes([flags, 0, 0, 0, n]) + headers + body)
            count += 1
            config = doc["configs"][case["config"]]
            try:
                envelope = json.loads(body)
                resource = envelope["resource"]
                plain = AESGCM(config["api_v3_key"].encode()).decrypt(
                    resource["nonce"].encode(),
                    base64.b64decode(resource["ciphertext"]),
                    resource.get("associated_data", "").encode(),
                )
            except (ValueError, KeyError, TypeError, AttributeError, InvalidTag):
                continue
            event = envelope.get("event_type")
            selector = NOTIFY_EVENTS.index(event) if event in NOTIFY_EVENTS else 7
            write("notification_wechatpay", bytes([(index << 2) | 3, selector, 0, 0, 0]) + plain)
            count += 1
    fubei = json.loads((vectors / "fubei.json").read_text(encoding="utf-8"))
    for case in fubei["cases"]:
        if "notification" in case:
            body = notification_body(case["notification"]["request"])
            write("notification_form", b"\x00" + body)
            for pair in body.split(b"&"):
                if pair.startswith(b"data="):
                    try:
                        data = unquote_plus(pair[5:].decode(), errors="strict")
                    except (UnicodeDecodeError, ValueError):
                        continue
                    write("notification_form", b"\x02" + data.encode())
                    write("notification_form", b"\x0e" + data.encode())
                    count += 2
            count += 1
    vending = json.loads((vectors / "dingshang_vending.json").read_text(encoding="utf-8"))
    for case in vending["cases"]:
        if "notification" in case:
            write("notification_form", b"\x01" + notification_body(case["notification"]["request"]))
            count += 1
    return count


if __name__ == "__main__":
    main()

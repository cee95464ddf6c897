"""`make bench`, Python part: the installed payquery wheel against the floor (`cryptography`'s bare
RSA sign; `json.loads` + `cryptography`'s verify) and the PyPI peer `wechatpayv3` building the
same Authorization header. Paths compared with each other are measured round-robin in one
process, so their ratio can be taken round by round. Writes JSON rows to argv[1]."""

from __future__ import annotations

import base64
import json
import platform
import re
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import cryptography
import payquery
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from wechatpayv3.utils import build_authorization

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
ROUNDS = 15


def group(iters: int, paths: list[tuple[str, str, Callable[[], object]]]) -> list[dict[str, Any]]:
    """Times every path once per round (`iters` calls each), ROUNDS rounds, after a warm-up."""
    for _, _, fn in paths:
        for _ in range(min(iters, 100)):
            fn()
    rows = [{"id": pid, "label": label, "rounds_us": []} for pid, label, _ in paths]
    for _ in range(ROUNDS):
        for row, (_, _, fn) in zip(rows, paths):
            start = time.perf_counter_ns()
            for _ in range(iters):
                fn()
            row["rounds_us"].append((time.perf_counter_ns() - start) / iters / 1000)
    return rows


def fields(authorization: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="([^"]*)"', authorization))


def case(file: str, prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = json.loads((VECTORS / file).read_text(encoding="utf-8"))
    found = next(c for c in doc["cases"] if c["name"].startswith(prefix))
    return doc["configs"][found["config"]], found


def main() -> None:
    config, build = case("wechatpay_edu_papay.json", "build: seed example")
    step = build["build"]
    client = payquery.Client(config, base_dir=VECTORS)
    key = serialization.load_pem_private_key((VECTORS / "keys/merchant_private_key.pem").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    message = step["expect"]["string_to_sign"].encode()
    query, ts, nonce = step["query"], step["timestamp"], step["nonce"]
    path = "/v3/edu-papay/transactions/out-trade-no/" + query["out_trade_no"]
    # Both libraries build the same Authorization for the same timestamp and nonce (the peer reads
    # its own clock, so ours is built for the timestamp it used).
    peer = build_authorization(path, "GET", config["mchid"], config["merchant_serial_no"], key, nonce_str=nonce)
    peer_fields = fields(peer)
    ours = dict(client.build_query(query, timestamp=int(peer_fields["timestamp"]), nonce=nonce).headers)[
        "Authorization"
    ]
    assert fields(ours) == peer_fields and ours.split()[0] == peer.split()[0], (ours, peer)

    _, parse = case("wechatpay_edu_papay.json", "parse: seed example")
    response = parse["parse"]["response"]
    headers, text = response["headers"], response["body"]
    body = text.encode()
    public = serialization.load_pem_public_key((VECTORS / "keys/wechatpay_public_key.pem").read_bytes())
    assert isinstance(public, rsa.RSAPublicKey)
    signed = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{text}\n".encode()
    signature = base64.b64decode(headers["Wechatpay-Signature"])
    parse_query = {"out_trade_no": "201407033233368018"}
    client.parse_query(status=200, headers=headers, body=body, query=parse_query, now=1_700_000_000)

    fubei_config, fubei_build = case("fubei.json", "build: seed request")
    fubei = payquery.Client(fubei_config)
    fq, fts, fnonce = fubei_build["build"]["query"], fubei_build["build"]["timestamp"], fubei_build["build"]["nonce"]

    rows = group(
        60,
        [
            (
                "sign_floor",
                "cryptography RSA-2048 sign (bare, loaded key)",
                lambda: key.sign(message, padding.PKCS1v15(), hashes.SHA256()),
            ),
            (
                "build_edu",
                "Client.build_query edu-papay (given timestamp, nonce)",
                lambda: client.build_query(query, timestamp=ts, nonce=nonce),
            ),
            (
                "build_edu_default",
                "Client.build_query edu-papay (clock + CSPRNG nonce)",
                lambda: client.build_query(query),
            ),
            (
                "peer_build",
                "wechatpayv3 utils.build_authorization (its clock + nonce)",
                lambda: build_authorization(path, "GET", config["mchid"], config["merchant_serial_no"], key),
            ),
        ],
    )
    rows += group(
        1000,
        [
            (
                "parse_floor",
                "json.loads + cryptography RSA verify (bare)",
                lambda: (json.loads(body), public.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())),
            ),
            (
                "parse_edu",
                "Client.parse_query edu-papay (verify, decode, normalize)",
                lambda: client.parse_query(
                    status=200, headers=headers, body=body, query=parse_query, now=1_700_000_000
                ),
            ),
        ],
    )
    rows += group(
        10000,
        [
            (
                "build_fubei",
                "Client.build_query fubei (MD5)",
                lambda: fubei.build_query(fq, timestamp=fts, nonce=fnonce),
            ),
            ("noop_call", "Client.provider (one call across the boundary, no work)", lambda: fubei.provider),
        ],
    )
    doc = {
        "language": "python",
        "runtime": f"CPython {platform.python_version()}, payquery {metadata.version('payquery')} (abi3 wheel), "
        f"cryptography {cryptography.__version__}, wechatpayv3 {metadata.version('wechatpayv3')}",
        "rows": rows,
    }
    Path(sys.argv[1]).write_text(json.dumps(doc, indent=1), encoding="utf-8")
    for row in rows:
        median = sorted(row["rounds_us"])[ROUNDS // 2]
        print(f"{row['id']:<20} {row['label']:<60} {median:10.2f} µs")


if __name__ == "__main__":
    main()

"""`make bench`, Python part: the installed payquery wheel against the floor (`cryptography`'s bare
RSA sign; `json.loads` + `cryptography`'s verify) and the PyPI peer `wechatpayv3` building the
same Authorization header. A WeChat Pay notification (the vectors' TRANSACTION.SUCCESS signed
with the platform certificate) goes through `Client.check_notification` against its floor
(`json.loads`, the signed message, `cryptography`'s verify and AESGCM, `json.loads`) and the
peer's `callback()`. Paths compared with each other are measured round-robin in one process, so
their ratio can be taken round by round. Writes JSON rows to argv[1]."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import cryptography
import httpx
import payquery
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import build_authorization

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
ROUNDS = 15
NOTIFICATION_CASE = "notification: TRANSACTION.SUCCESS signed with the platform certificate"


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


@contextlib.contextmanager
def sandbox() -> Any:
    """`payquery sandbox` (the debug CLI `make build` made), with configs written for it."""
    configs = Path(tempfile.mkdtemp(prefix="payquery-bench-"))
    binary = ROOT / "target" / "debug" / "payquery"
    args = [str(binary), "sandbox", "--port", "0", "--write-configs", str(configs)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None and "listening on" in proc.stdout.readline()
        yield configs
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class ReplayClient:
    """An `httpx.AsyncClient` stand-in that answers every request with one recorded answer at
    once, so that what runs on the event loop is payquery's own code (for the stall figure)."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answer = (status, headers, body)

    @contextlib.asynccontextmanager
    async def stream(self, method: str, url: str, **_: Any) -> Any:
        status, headers, body = self.answer

        class Response:
            status_code = status

            class headers_:
                @staticmethod
                def multi_items() -> list[tuple[str, str]]:
                    return headers

            async def aiter_bytes(self) -> Any:
                yield body

        response = Response()
        response.headers = Response.headers_  # type: ignore[attr-defined]
        yield response


def flow_rows() -> list[dict[str, Any]]:
    """The one-call query against hand-written build → send → parse (the same sandbox, the same
    httpx.Client, edu-papay: sign + verify, round-robin); and the event loop's longest stall
    while 200 RSA queries run concurrently through query_async."""
    with sandbox() as configs:
        client = payquery.Client.from_config_file(configs / "wechatpay_edu_papay.json")
        query = json.loads((configs / "wechatpay_edu_papay.query.json").read_text(encoding="utf-8"))
        http = httpx.Client()

        def by_hand() -> payquery.QueryResult:
            request = client.build_query(query)
            resp = http.request(request.method, request.url, headers=request.headers, content=request.body, timeout=10)
            return client.parse_query(status=resp.status_code, headers=resp.headers, body=resp.content, query=query)

        assert by_hand().order.status == client.query(query, http=http).order.status == "PAID"
        rows = group(
            100,
            [
                ("query_by_hand", "build_query → httpx → parse_query, edu-papay, sandbox", by_hand),
                (
                    "query_flow",
                    "Client.query (the one-call flow), edu-papay, sandbox",
                    lambda: client.query(query, http=http),
                ),
            ],
        )
        request = client.build_query(query)
        recorded = http.request(request.method, request.url, headers=request.headers, content=request.body)
        replay = ReplayClient(recorded.status_code, list(recorded.headers.multi_items()), recorded.content)

        async def stall_of_200() -> tuple[float, float, float]:
            """The ticker's longest gap, and the p99 and longest single loop callback (µs)."""
            stalls: list[float] = []
            running = True

            async def ticker() -> None:
                last = time.perf_counter()
                while running:
                    await asyncio.sleep(0)
                    now = time.perf_counter()
                    stalls.append(now - last)
                    last = now

            tick = asyncio.create_task(ticker())
            callbacks.clear()
            results = await asyncio.gather(*(client.query_async(query, http=replay) for _ in range(200)))
            running = False
            await tick
            assert all(r.signature_serial for r in results)
            ordered = sorted(callbacks)
            return max(stalls) * 1e6, ordered[len(ordered) * 99 // 100] * 1e6, ordered[-1] * 1e6

        # Every callback the loop runs is timed (Handle._run is where asyncio runs each one), so
        # the report can tell one long call from many short ones run in the same loop iteration.
        callbacks: list[float] = []
        run_handle = asyncio.events.Handle._run

        def timed(handle: asyncio.events.Handle) -> None:
            start = time.perf_counter()
            run_handle(handle)
            callbacks.append(time.perf_counter() - start)

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]
        try:
            measured = [asyncio.run(stall_of_200()) for _ in range(ROUNDS)]
        finally:
            asyncio.events.Handle._run = run_handle  # type: ignore[method-assign]
        label = "query_async, 200 concurrent RSA queries:"
        stall = {"id": "async_stall", "label": f"{label} longest event-loop stall (µs)"}
        stall["rounds_us"] = [m[0] for m in measured]
        p99 = {"id": "async_callback_p99", "label": f"{label} p99 of one loop callback (µs)"}
        p99["rounds_us"] = [m[1] for m in measured]
        longest = {"id": "async_callback_max", "label": f"{label} longest loop callback (µs)"}
        longest["rounds_us"] = [m[2] for m in measured]
        return [*rows, stall, p99, longest]


def cold_start_rows() -> list[dict[str, Any]]:
    """`import payquery` in a new interpreter, minus `python -c 0`, interleaved round by round
    (one launch of each per round; the issue's figure); and the stdlib modules the generated
    models need (json, typing, datetime), the floor of what a typed package costs."""

    def launch(code: str) -> float:
        start = time.perf_counter_ns()
        subprocess.run([sys.executable, "-c", code], check=True)
        return (time.perf_counter_ns() - start) / 1000

    rows = [
        {"id": "import_payquery", "label": "import payquery − python -c 0 (µs, new process)", "rounds_us": []},
        {"id": "import_floor", "label": "import json, typing, datetime − python -c 0", "rounds_us": []},
    ]
    for _ in range(ROUNDS):
        bare = launch("0")
        rows[0]["rounds_us"].append(launch("import payquery") - bare)
        rows[1]["rounds_us"].append(launch("import json, typing, datetime") - bare)
    return rows


def fields(authorization: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="([^"]*)"', authorization))


def case(file: str, prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = json.loads((VECTORS / file).read_text(encoding="utf-8"))
    found = next(c for c in doc["cases"] if c["name"].startswith(prefix))
    return doc["configs"][found["config"]], found


def notification_rows() -> list[dict[str, Any]]:
    """`Client.check_notification` (sans-IO, as the floor is) on the vectors' edu-papay
    TRANSACTION.SUCCESS signed with the platform certificate, against the floor with the
    `cryptography` package (OpenSSL, what a Python host has), and the peer wechatpayv3's
    `callback()` (verify, decrypt, both JSON texts parsed) holding the same certificate."""
    config, found = case("wechatpay_edu_papay.json", NOTIFICATION_CASE)
    step = found["notification"]
    now, text = step["now"], step["request"]["body"]
    body = text.encode()
    pairs = [(name, value) for name, value in step["request"]["headers"]]
    client = payquery.Client(config, base_dir=VECTORS)
    request = payquery.NotificationRequest("POST", pairs, body)
    headers = dict(pairs)
    timestamp, nonce = headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"]
    signature = headers["Wechatpay-Signature"]
    certificate_pem = (VECTORS / "keys/platform_certificate.pem").read_bytes()
    public = x509.load_pem_x509_certificate(certificate_pem).public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    aead = AESGCM(config["api_v3_key"].encode())

    def floor() -> Any:
        envelope = json.loads(body)
        message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
        public.verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256())
        resource = envelope["resource"]
        sealed = base64.b64decode(resource["ciphertext"])
        return json.loads(aead.decrypt(resource["nonce"].encode(), sealed, resource["associated_data"].encode()))

    def check() -> payquery.HandledNotification:
        return client.check_notification(request, now=now)

    handled = check()
    assert handled.reply.status == 204 and handled.notification.order is not None
    assert floor()["out_trade_no"] == handled.notification.order.merchant_order_no
    # The peer as its README configures it, the certificate in its cert_dir (read once, at start).
    with tempfile.TemporaryDirectory(prefix="payquery-bench-") as cert_dir:
        (Path(cert_dir) / "platform_certificate.pem").write_bytes(certificate_pem)
        peer = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE,
            mchid=config["mchid"],
            private_key=(VECTORS / "keys/merchant_private_key.pem").read_text(encoding="utf-8"),
            cert_serial_no=config["merchant_serial_no"],
            appid="wx8888888888888888",
            apiv3_key=config["api_v3_key"],
            cert_dir=cert_dir,
        )
    assert peer.callback(headers, body)["resource"]["out_trade_no"] == floor()["out_trade_no"]
    return group(
        1000,
        [
            ("notify_floor", "json.loads + cryptography verify + AESGCM decrypt + json.loads (bare)", floor),
            ("notify_check", "Client.check_notification edu-papay TRANSACTION.SUCCESS (verify, decrypt, type)", check),
            (
                "peer_notify",
                "wechatpayv3 WeChatPay.callback (verify, decrypt, json.loads)",
                lambda: peer.callback(headers, body),
            ),
        ],
    )


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
    rows += notification_rows()
    rows += flow_rows()
    rows += cold_start_rows()
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

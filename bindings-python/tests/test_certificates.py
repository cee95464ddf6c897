"""WeChat Pay platform certificates (issue 30, QUERY-FLOW.md §7) through the wheel, against the
sandbox over real HTTP: the one-call query downloads them before the first query and picks up
a rotation from the answer that meets it; an unknown serial costs one download a minute; a
failing download leaves the query going; a public-key-only merchant is no failure; the explicit
download_certificates (sync and async) for both APIs; parse_certificates on an answer saved by
hand; sharing through a token store; and the api_v3_key never shown."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import httpx
import payquery
import pytest
import requests
from conftest import VECTORS, Sandbox, running_sandbox

WECHAT_PAY = ["wechatpay_edu_papay", "wechatpay_payscore_oversea"]
#: The sandbox's platform certificate A (listed from start-up) and B (brought in by a rotation),
#: and the serial its FAULT_UNKNOWN_SERIAL answers are signed with, which no endpoint lists.
SERIAL_A = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92"
SERIAL_B = "3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912"
FORGED_SERIAL = "5E7A1D00000000000000000000000000000B4D00"
PUB_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000001"
API_V3_KEY = "PayquerySandboxApiV3Key000000001"
ENDPOINT = {"wechatpay_edu_papay": "/v3/certificates", "wechatpay_payscore_oversea": "/v3/global/certificates"}
ORDER_KEY = {"wechatpay_edu_papay": "out_trade_no", "wechatpay_payscore_oversea": "out_order_no"}


def paid(sandbox: Sandbox, provider: str) -> Any:
    return sandbox.read(f"{provider}.query.json")


def forged(sandbox: Sandbox, provider: str) -> Any:
    """The PAID query under the order id whose answer is signed with an unlisted serial."""
    return {**paid(sandbox, provider), ORDER_KEY[provider]: "FAULT_UNKNOWN_SERIAL"}


def config_with(sandbox: Sandbox, name: str, **keys: object) -> Any:
    """The sandbox's config `name` with `keys` set (some deliberately wrong, hence `Any`)."""
    return {**sandbox.read(name), **keys}


def auto(sandbox: Sandbox, provider: str) -> payquery.Client:
    """A client on the auto config: api_v3_key and no platform key at all."""
    return payquery.Client.from_config_file(sandbox.configs / f"{provider}.auto.json")


def downloads(sandbox: Sandbox) -> int:
    return sandbox.stats()["certificate_requests"]


def rows(attempts: tuple[payquery.Attempt, ...]) -> list[tuple[str, int | None, str | None]]:
    return [(a.purpose, a.http_status, a.error) for a in attempts]


def purposes(attempts: tuple[payquery.Attempt, ...]) -> list[str]:
    return [a.purpose for a in attempts]


def sync_and_async(client: payquery.Client, mode: str) -> Callable[[Any], payquery.QueryResult]:
    if mode == "sync":
        return lambda query: client.query(query)
    return lambda query: asyncio.run(client.query_async(query))


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", WECHAT_PAY)
def test_the_first_query_downloads_the_certificates_and_the_second_none(
    sandbox: Sandbox, provider: str, mode: str
) -> None:
    client = auto(sandbox, provider)
    query = sync_and_async(client, mode)
    before = downloads(sandbox)
    first = query(paid(sandbox, provider))
    assert first.order.status == "PAID"
    assert rows(first.attempts) == [("certificates", 200, None), ("query", 200, None)]
    assert first.attempts[0].url.endswith(ENDPOINT[provider]), first.attempts[0].url
    assert first.signature_serial == SERIAL_A
    assert downloads(sandbox) - before == 1
    second = query(paid(sandbox, provider))
    assert purposes(second.attempts) == ["query"] and second.signature_serial == SERIAL_A
    assert downloads(sandbox) - before == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", WECHAT_PAY)
def test_download_certificates_lists_the_current_certificate_for_both_apis(
    sandbox: Sandbox, provider: str, mode: str
) -> None:
    client = auto(sandbox, provider)
    before = downloads(sandbox)
    if mode == "sync":
        download = client.download_certificates(timeout=5)
    else:
        download = asyncio.run(client.download_certificates_async(timeout=5))
    assert isinstance(download, payquery.CertificateDownload)
    assert rows(download.attempts) == [("certificates", 200, None)]
    assert download.attempts[0].url.endswith(ENDPOINT[provider])
    assert downloads(sandbox) - before == 1
    [certificate] = download.certificates
    assert isinstance(certificate, payquery.PlatformCertificate)
    assert certificate.serial_no == SERIAL_A
    assert certificate.certificate_pem.strip() == (VECTORS / "keys" / "platform_certificate.pem").read_text().strip()
    assert type(certificate.not_before) is int and certificate.not_before < certificate.not_after
    # The client holds them now: its query verifies with them and downloads nothing.
    result = client.query(paid(sandbox, provider))
    assert purposes(result.attempts) == ["query"] and result.signature_serial == SERIAL_A
    assert downloads(sandbox) - before == 1
    # What a central job does with them: a fixed-certificate config without api_v3_key.
    config = sandbox.read(f"{provider}.auto.json")
    del config["api_v3_key"]
    config["platform_certificates"] = [
        {"serial_no": c.serial_no, "certificate_pem": c.certificate_pem} for c in download.certificates
    ]
    fixed = payquery.Client(config).query(paid(sandbox, provider))
    assert fixed.signature_serial == SERIAL_A and purposes(fixed.attempts) == ["query"]
    assert downloads(sandbox) - before == 1


class Recording(requests.Session):
    """A requests session that keeps every answer it received: a download saved by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[dict[str, Any]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        resp = super().request(method, url, *args, **kwargs)
        self.answers.append({"status": resp.status_code, "headers": dict(resp.headers), "body": resp.content})
        return resp


@pytest.mark.parametrize("provider", WECHAT_PAY)
def test_parse_certificates_checks_a_saved_answer_and_merges_it(sandbox: Sandbox, provider: str) -> None:
    http = Recording()
    downloaded = auto(sandbox, provider).download_certificates(http=http)
    [answer] = http.answers
    client = auto(sandbox, provider)
    parsed = client.parse_certificates(**answer)
    assert parsed.certificates == downloaded.certificates and parsed.attempts == ()
    # Merged, not added twice (a signed answer is checked against `now`: the vectors' cases
    # cover validity and every bad listing).
    assert client.parse_certificates(**answer, now=int(time.time())) == parsed
    # The same answer under another APIv3 key does not open.
    config = config_with(sandbox, f"{provider}.auto.json", api_v3_key="AnotherSandboxApiV3Key0000000002")
    with pytest.raises(payquery.SignatureInvalidError) as other_key:
        payquery.Client(config).parse_certificates(**answer)
    assert other_key.value.field == "data[0].encrypt_certificate.ciphertext"
    assert API_V3_KEY not in repr(other_key.value) and API_V3_KEY not in str(other_key.value)
    with pytest.raises(payquery.InvalidInputError) as bad:
        client.parse_certificates(status=200, headers=None, body=b"{}")  # type: ignore[arg-type]
    assert bad.value.field == "headers"


def test_a_rotation_is_picked_up_by_the_query_that_meets_it(tmp_path: Path) -> None:
    """A sandbox of its own: a rotation lasts for the rest of a sandbox's life."""
    with running_sandbox(tmp_path) as own:
        clients = {provider: auto(own, provider) for provider in WECHAT_PAY}
        for provider, client in clients.items():
            assert client.query(paid(own, provider)).signature_serial == SERIAL_A
        own.rotate()
        for provider, client in clients.items():
            before = downloads(own)
            query = sync_and_async(client, "sync" if provider == "wechatpay_edu_papay" else "async")
            result = query(paid(own, provider))
            assert result.order.status == "PAID"
            # The answer signed with B: one download, then the same answer verified again (the
            # order is not queried twice).
            assert purposes(result.attempts) == ["query", "certificates"], result.attempts
            assert result.attempts[1].http_status == 200 and result.attempts[1].error is None
            assert result.signature_serial == SERIAL_B
            assert downloads(own) - before == 1
            again = query(paid(own, provider))
            assert purposes(again.attempts) == ["query"] and again.signature_serial == SERIAL_B
            # Merged, never replaced: A stays while it is valid; the newest first.
            assert [c.serial_no for c in client.download_certificates().certificates] == [SERIAL_B, SERIAL_A]


@pytest.mark.parametrize("provider", WECHAT_PAY)
def test_an_unknown_serial_costs_one_download_a_minute(sandbox: Sandbox, provider: str) -> None:
    client = auto(sandbox, provider)
    assert client.query(paid(sandbox, provider)).signature_serial == SERIAL_A
    before = downloads(sandbox)
    with pytest.raises(payquery.SignatureInvalidError) as first:
        client.query(forged(sandbox, provider))
    assert rows(first.value.attempts) == [("query", 200, "SIGNATURE_INVALID"), ("certificates", 200, None)]
    assert first.value.field == "Wechatpay-Serial" and FORGED_SERIAL in first.value.message
    assert downloads(sandbox) - before == 1
    # Within the minute: no download, however many forged answers arrive.
    with pytest.raises(payquery.SignatureInvalidError) as again:
        client.query(forged(sandbox, provider))
    assert rows(again.value.attempts) == [("query", 200, "SIGNATURE_INVALID")]

    def forged_query(_: int) -> payquery.PayqueryError:
        with pytest.raises(payquery.SignatureInvalidError) as e:
            client.query(forged(sandbox, provider))
        return e.value

    with ThreadPoolExecutor(8) as pool:
        errors = list(pool.map(forged_query, range(16)))
    assert all(purposes(e.attempts) == ["query"] for e in errors)
    assert downloads(sandbox) - before == 1
    # The genuine answers still verify with the held set.
    assert purposes(client.query(paid(sandbox, provider)).attempts) == ["query"]


@pytest.mark.parametrize("provider", WECHAT_PAY)
def test_a_failing_download_is_an_attempt_and_the_query_goes_on(sandbox: Sandbox, provider: str) -> None:
    """Merchant 1900000500's downloads answer 500; its queries are signed as the usual
    merchant's (the public key), which the config holds beside a fixed certificate."""
    fixed = [{"serial_no": SERIAL_A, "certificate_path": str(VECTORS / "keys" / "platform_certificate.pem")}]
    config = config_with(
        sandbox, f"{provider}.json", mchid="1900000500", api_v3_key=API_V3_KEY, platform_certificates=fixed
    )
    client = payquery.Client(config)
    result = client.query(paid(sandbox, provider))
    assert result.order.status == "PAID"
    assert rows(result.attempts) == [("certificates", 500, "PROVIDER_ERROR"), ("query", 200, None)]
    assert result.signature_serial in (PUB_KEY_ID, SERIAL_A)
    # An explicit download reports the failure, with its attempt; the held set stays in use.
    with pytest.raises(payquery.ProviderError) as failed:
        client.download_certificates()
    assert rows(failed.value.attempts) == [("certificates", 500, "PROVIDER_ERROR")]
    assert client.query(paid(sandbox, provider)).order.status == "PAID"


@pytest.mark.parametrize("provider", WECHAT_PAY)
def test_a_public_key_only_merchant_with_api_v3_key_is_no_failure(sandbox: Sandbox, provider: str) -> None:
    client = payquery.Client(config_with(sandbox, f"{provider}.json", api_v3_key=API_V3_KEY))
    result = client.query(paid(sandbox, provider))
    assert result.order.status == "PAID" and result.signature_serial == PUB_KEY_ID
    assert rows(result.attempts) == [("certificates", 404, None), ("query", 200, None)]
    # The keeper stops asking (12 h): the next query downloads nothing.
    assert purposes(client.query(paid(sandbox, provider)).attempts) == ["query"]
    download = client.download_certificates()
    assert download.certificates == () and rows(download.attempts) == [("certificates", 404, None)]


class MemoryStore:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []

    def get(self, key: str) -> str | None:
        self.calls.append(("get", key))
        return self.values.get(key)

    def put(self, key: str, value: str, ttl_ms: int) -> None:
        self.calls.append(("put", key))
        assert ttl_ms > 0
        self.values[key] = value

    def invalidate(self, key: str, value: str) -> None:
        self.calls.append(("invalidate", key))


class AsyncMemoryStore(MemoryStore):
    async def get(self, key: str) -> str | None:  # type: ignore[override]
        return MemoryStore.get(self, key)

    async def put(self, key: str, value: str, ttl_ms: int) -> None:  # type: ignore[override]
        MemoryStore.put(self, key, value, ttl_ms)


@pytest.mark.parametrize("provider", WECHAT_PAY)
def test_a_token_store_shares_the_listing_so_a_second_client_downloads_nothing(sandbox: Sandbox, provider: str) -> None:
    store, async_store = MemoryStore(), AsyncMemoryStore()
    before = downloads(sandbox)
    first = auto(sandbox, provider).query(paid(sandbox, provider), token_store=store)
    assert purposes(first.attempts) == ["certificates", "query"]
    [key] = store.values
    assert key.startswith("payquery:wechatpay_certificates:1900000109:") and key.endswith(ENDPOINT[provider]), key
    # What is stored is WeChat Pay's answer, still encrypted: no certificate, no key in clear.
    assert "BEGIN CERTIFICATE" not in store.values[key] and API_V3_KEY not in store.values[key]
    second = auto(sandbox, provider).query(paid(sandbox, provider), token_store=store)
    assert purposes(second.attempts) == ["query"] and second.signature_serial == SERIAL_A
    assert downloads(sandbox) - before == 1
    assert [op for op, _ in store.calls] == ["get", "put", "get"]
    # An explicit download saves its listing too; an async store serves query_async.
    asyncio.run(auto(sandbox, provider).download_certificates_async(token_store=async_store))
    assert list(async_store.values) == [key]
    third = asyncio.run(auto(sandbox, provider).query_async(paid(sandbox, provider), token_store=async_store))
    assert purposes(third.attempts) == ["query"]
    assert downloads(sandbox) - before == 2
    # A tampered entry is not used: the client downloads its own. (The value is the core's
    # `{"downloaded_at_ms", "listing"}`, the listing WeChat Pay's body as received.)
    stored = json.loads(store.values[key])
    listing = json.loads(stored["listing"])
    sealed = listing["data"][0]["encrypt_certificate"]
    sealed["ciphertext"] = base64.b64encode(bytes(b ^ 1 for b in base64.b64decode(sealed["ciphertext"]))).decode()
    store.values[key] = json.dumps({**stored, "listing": json.dumps(listing)})
    fourth = auto(sandbox, provider).query(paid(sandbox, provider), token_store=store)
    assert purposes(fourth.attempts) == ["certificates", "query"] and fourth.signature_serial == SERIAL_A


def shown(error: BaseException) -> str:
    return "".join([str(error), repr(error), *traceback.format_exception(type(error), error, error.__traceback__)])


@pytest.mark.parametrize("provider", WECHAT_PAY)
def test_a_bad_api_v3_key_is_invalid_config_naming_it_and_never_shown(sandbox: Sandbox, provider: str) -> None:
    for key in ["SixteenByteKey16", "PayquerySandboxApiV3Key0000000012", "", 12345678]:
        with pytest.raises(payquery.InvalidConfigError) as bad:
            payquery.Client(config_with(sandbox, f"{provider}.auto.json", api_v3_key=key))
        assert bad.value.field == "api_v3_key", key
        if isinstance(key, str) and key:
            assert key not in shown(bad.value)
    client = auto(sandbox, provider)
    assert API_V3_KEY not in repr(client)
    assert API_V3_KEY not in repr(client.download_certificates())


@pytest.mark.parametrize("config", ["wechatpay_edu_papay", "wechatpay_payscore_oversea", "fubei"])
def test_certificates_need_an_api_v3_key(sandbox: Sandbox, config: str) -> None:
    client = payquery.Client.from_config_file(sandbox.configs / f"{config}.json")
    calls: list[Callable[[], object]] = [
        lambda: client.download_certificates(),
        lambda: asyncio.run(client.download_certificates_async()),
        lambda: client.parse_certificates(status=200, headers={}, body=b'{"data": []}'),
    ]
    for call in calls:
        with pytest.raises(payquery.InvalidConfigError) as missing:
            call()
        assert missing.value.field == "api_v3_key" and missing.value.attempts == ()


def test_download_options_are_checked_in_the_callers_names(sandbox: Sandbox) -> None:
    client = auto(sandbox, "wechatpay_edu_papay")
    bad: list[tuple[dict[str, Any], str]] = [
        ({"timeout": 0}, "timeout"),
        ({"timeout": "1"}, "timeout"),
        ({"deadline": float("nan")}, "deadline"),
        ({"token_store": object()}, "token_store"),
        ({"http": "requests"}, "http"),
        ({"http": httpx.AsyncClient()}, "http"),
    ]
    before = downloads(sandbox)
    for options, field in bad:
        with pytest.raises(payquery.InvalidInputError) as e:
            client.download_certificates(**options)
        assert e.value.field == field, options
    sync_client: Any = httpx.Client()
    with pytest.raises(payquery.InvalidInputError) as in_async:
        asyncio.run(client.download_certificates_async(http=sync_client))
    assert in_async.value.field == "http"
    assert downloads(sandbox) == before, "refused before any request"
    with httpx.Client() as http:
        assert client.download_certificates(http=http).certificates[0].serial_no == SERIAL_A

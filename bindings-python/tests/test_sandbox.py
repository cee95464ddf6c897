"""Real HTTP round trips against `payquery sandbox` on 127.0.0.1, with httpx and with requests:
all five providers, every fault, access tokens, and a backup-host retry."""

from __future__ import annotations

from typing import Any, Callable, Optional, cast

import httpx
import payquery
import pytest
import requests
from conftest import PROVIDERS, Sandbox

PUB_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000001"
FAULT_ERRORS: dict[str, type[payquery.PayqueryError]] = {
    "rate_limit": payquery.RateLimitedError,
    "system_error": payquery.ProviderError,
    "truncated": payquery.DecodeError,
    "bad_signature": payquery.SignatureInvalidError,
    "stale_timestamp": payquery.TimestampSkewError,
}

Response = dict[str, Any]
Send = Callable[[payquery.HttpRequest, Optional[dict[str, str]]], Response]


def send_httpx(request: payquery.HttpRequest, extra: dict[str, str] | None = None) -> Response:
    # `request.headers` as it is, with a fault header added only where a test asks for one.
    headers = request.headers if extra is None else [*request.headers.items(), *extra.items()]
    resp = httpx.request(request.method, request.url, headers=headers, content=request.body, timeout=10)
    return {"status": resp.status_code, "headers": resp.headers, "body": resp.content}


def send_requests(request: payquery.HttpRequest, extra: dict[str, str] | None = None) -> Response:
    headers = request.headers if extra is None else {**request.headers, **extra}
    resp = requests.request(request.method, request.url, headers=headers, data=request.body, timeout=10)
    return {"status": resp.status_code, "headers": resp.headers, "body": resp.content}


CLIENTS = pytest.mark.parametrize("send", [send_httpx, send_requests], ids=["httpx", "requests"])


def round_trip(
    client: payquery.Client, query: Any, send: Send, extra: dict[str, str] | None = None
) -> payquery.QueryResult:
    return client.parse_query(**send(client.build_query(query), extra), query=query)


@CLIENTS
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_paid_order_round_trips(sandbox: Sandbox, provider: str, send: Send) -> None:
    client = payquery.Client.from_config_file(sandbox.configs / f"{provider}.json")
    assert client.provider == provider
    result = round_trip(client, sandbox.read(f"{provider}.query.json"), send)
    assert result.order.status == "PAID"
    assert result.order.provider == provider
    assert result.order.amount is not None and isinstance(result.order.amount.minor, int)
    assert result.signature_serial == (PUB_KEY_ID if provider.startswith("wechatpay_") else None)
    assert isinstance(result.detail, dict)


@CLIENTS
@pytest.mark.parametrize("provider", PROVIDERS)
def test_faults_raise_the_matching_exception(sandbox: Sandbox, provider: str, send: Send) -> None:
    client = payquery.Client.from_config_file(sandbox.configs / f"{provider}.json")
    query = sandbox.read(f"{provider}.query.json")
    faults = sandbox.read(f"{provider}.faults.json")
    checked = 0
    for fault, error_class in FAULT_ERRORS.items():
        if fault not in faults:  # the signature faults apply to WeChat Pay only
            continue
        with pytest.raises(error_class) as by_header:
            round_trip(client, query, send, {"X-Payquery-Sandbox-Fault": fault})
        with pytest.raises(error_class):
            round_trip(client, faults[fault], send)
        assert by_header.value.code == error_class.code
        if fault in ("rate_limit", "system_error"):
            assert by_header.value.retryable
        checked += 1
    assert checked == (5 if provider.startswith("wechatpay_") else 3)


def test_big_amounts_and_yuan_are_exact(sandbox: Sandbox) -> None:
    edu = payquery.Client.from_config_file(sandbox.configs / "wechatpay_edu_papay.json")
    big = round_trip(edu, {"out_trade_no": "EDU_BIG_AMOUNT_001"}, send_httpx)
    assert big.order.amount == payquery.Money(9007199254740993, "CNY")
    fubei = payquery.Client.from_config_file(sandbox.configs / "fubei.json")
    paid = round_trip(fubei, {"merchant_order_sn": "FB_PAID_001"}, send_httpx)
    assert paid.order.amount == payquery.Money(29, "CNY")


def test_unknown_orders(sandbox: Sandbox) -> None:
    edu = payquery.Client.from_config_file(sandbox.configs / "wechatpay_edu_papay.json")
    with pytest.raises(payquery.OrderNotFoundError) as error:
        round_trip(edu, {"out_trade_no": "NO_SUCH|ORDER*1"}, send_requests)
    assert (error.value.provider_code, error.value.http_status) == ("NOT_FOUND", 404)


def test_access_tokens(sandbox: Sandbox) -> None:
    config: Any = sandbox.read("wechat_mini_charge.json")
    client = payquery.Client(config)
    for kind in ("stable", "classic"):
        token = client.parse_token_response(**send_httpx(client.build_token_request(kind)))
        # A stable token is the one already issued (other tests' queries fetched it), until it
        # nears expiry; a classic one is new.
        assert 7000 < token.expires_in <= 7200 if kind == "stable" else token.expires_in == 7200
        assert (token.expires_at - token.refresh_at).total_seconds() == 300
        assert token.access_token not in repr(token)
        with_token = payquery.Client(cast(Any, {**config, "access_token": token.access_token}))
        assert round_trip(with_token, {"order_id": "DD_PAID_001"}, send_httpx).order.status == "PAID"
    expired = payquery.Client(cast(Any, {**config, "access_token": "SANDBOX_EXPIRED_TOKEN_0001"}))
    with pytest.raises(payquery.TokenExpiredError) as error:
        round_trip(expired, {"order_id": "DD_PAID_001"}, send_httpx)
    assert error.value.provider_code == "42001"


def test_backup_host_retry(sandbox: Sandbox) -> None:
    """A client on WeChat Pay's real main host, behind a fake network that routes both WeChat
    Pay hosts to the sandbox (the main one only while it is up). The host is not signed, so the
    sandbox verifies the failover request's signature unchanged."""
    config = sandbox.read("wechatpay_edu_papay.json")
    del config["base_url"], config["backup_base_url"]
    client = payquery.Client(config)
    hosts = ("https://api.mch.weixin.qq.com", "https://api2.mch.weixin.qq.com")
    main_up = False

    def route(request: payquery.HttpRequest, extra: dict[str, str] | None = None) -> Response:
        host = next(h for h in hosts if request.url.startswith(h + "/"))
        if host == hosts[0] and not main_up:
            raise httpx.ConnectError("main host unreachable")
        rerouted = payquery.HttpRequest(
            request.method, sandbox.base_url + request.url[len(host) :], request.headers, request.body
        )
        return send_httpx(rerouted, extra)

    query: payquery.EduPapayQuery = {"out_trade_no": "EDU_PAID_001"}
    request = client.build_query(query)
    backup = client.failover_request(request)
    assert backup is not None and backup.url.startswith(hosts[1] + "/")
    assert backup.headers == request.headers
    assert client.failover_request(backup) is None

    with pytest.raises(httpx.ConnectError):
        route(request)
    assert client.parse_query(**route(backup), query=query).order.status == "PAID"

    main_up = True
    with pytest.raises(payquery.ProviderError) as error:
        client.parse_query(**route(request, {"X-Payquery-Sandbox-Fault": "system_error"}), query=query)
    assert error.value.backup_host_applies and error.value.retryable
    assert client.parse_query(**route(backup), query=query).order.status == "PAID"

    # A custom base URL has no backup unless the config names one (the sandbox's do).
    without_backup = sandbox.read("wechatpay_edu_papay.json")
    backup_base = without_backup.pop("backup_base_url")
    custom = payquery.Client(without_backup)
    assert custom.failover_request(custom.build_query(query)) is None
    named = payquery.Client.from_config_file(sandbox.configs / "wechatpay_edu_papay.json")
    failover = named.failover_request(named.build_query(query))
    assert failover is not None and failover.url.startswith(backup_base + "/")


@pytest.mark.parametrize("provider", ["fubei", "wechatpay_edu_papay"])
def test_a_urllib_responses_headers_are_taken_as_they_are(sandbox: Sandbox, provider: str) -> None:
    """`headers=resp.headers` of urllib (an http.client.HTTPMessage, whose iteration yields
    names only) is read with its items(), repeated headers kept."""
    import http.client
    import io
    import urllib.request

    client = payquery.Client.from_config_file(sandbox.configs / f"{provider}.json")
    query = sandbox.read(f"{provider}.query.json")
    request = client.build_query(query)
    sent = urllib.request.Request(request.url, data=request.body, method=request.method, headers=dict(request.headers))
    with urllib.request.urlopen(sent, timeout=10) as resp:
        assert isinstance(resp.headers, http.client.HTTPMessage)
        result = client.parse_query(status=resp.status, headers=resp.headers, body=resp.read(), query=query)
    assert result.order.status == "PAID"
    if provider == "wechatpay_edu_papay":
        assert result.signature_serial == PUB_KEY_ID, "the signature headers were read from the HTTPMessage"

    repeated = http.client.parse_headers(io.BytesIO(b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-One: 1\r\n\r\n"))
    assert payquery.Headers(repeated).pairs() == (("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-One", "1"))

"""The package's surface: argument types, defaults, the exception hierarchy, immutability,
secrets kept out of everything printed, and one client shared by 8 threads."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import traceback
import typing
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, cast

import payquery
import pytest
from conftest import ROOT, VECTORS, response_input, vector_files
from payquery import _native
from test_vectors import outcome, query_for


def key(name: str) -> str:
    return (VECTORS / "keys" / name).read_text(encoding="utf-8")


SECRETS = {
    "fubei": "fubei-secret-VALUE-0001",
    "vending": "vending-secret-VALUE-0002",
    "sign_key": "sign-key-VALUE-0003",
    "token": "ACCESS-TOKEN-VALUE-0004",
    "app_secret": "mini-app-secret-VALUE-0005",
}
PRIVATE_KEY_LINE = key("merchant_private_key.pem").splitlines()[1]
WECHATPAY: Any = {
    "provider": "wechatpay_edu_papay",
    "mchid": "1900000001",
    "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    "merchant_private_key_pem": key("merchant_private_key.pem"),
    "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
    "wechatpay_public_key_pem": key("wechatpay_public_key.pem"),
}
# Any: the tests build broken configs from these on purpose (test_typing.py checks the types).
CONFIGS: dict[str, Any] = {
    "fubei": {"provider": "fubei", "app_id": "20160922135339595387", "app_secret": SECRETS["fubei"]},
    "dingshang_vending": {
        "provider": "dingshang_vending",
        "base_url": "https://vending.example",
        "appid": "ds0001",
        "app_secret": SECRETS["vending"],
        "sign_key": SECRETS["sign_key"],
    },
    "wechat_mini_charge": {
        "provider": "wechat_mini_charge",
        "access_token": SECRETS["token"],
        "appid": "wx01",
        "app_secret": SECRETS["app_secret"],
    },
    "wechatpay_edu_papay": WECHATPAY,
}
QUERIES: dict[str, Any] = {
    "fubei": {"merchant_order_sn": "A"},
    "dingshang_vending": {"order_id": "1", "machine_no": "12345678"},
    "wechat_mini_charge": {"order_id": "DD1"},
    "wechatpay_edu_papay": {"out_trade_no": "A"},
}


def test_one_exception_class_per_core_code() -> None:
    assert payquery.ERROR_CODES == tuple(_native.error_codes())
    classes = {cls.code: cls for cls in payquery.PayqueryError.__subclasses__()}
    assert sorted(classes) == sorted(payquery.ERROR_CODES)
    for code, cls in classes.items():
        assert getattr(payquery, cls.__name__) is cls, code
        assert cls.__name__ in payquery.__all__
    assert issubclass(payquery.InvalidInputError, ValueError)
    assert issubclass(payquery.SignatureInvalidError, payquery.PayqueryError)
    assert list(typing.get_args(payquery.OrderStatus)) == _native.order_statuses()


def test_errors_carry_the_provider_facts() -> None:
    client = payquery.Client(CONFIGS["fubei"])
    with pytest.raises(payquery.ProviderError) as error:
        client.parse_query(
            status=200, headers={}, body='{"result_code":500,"result_message":"busy"}', query=QUERIES["fubei"]
        )
    e = error.value
    assert (e.code, e.provider_code, e.provider_message, e.http_status, e.retryable) == (
        "PROVIDER_ERROR",
        "500",
        "busy",
        200,
        True,
    )
    assert "busy" in str(e) and "PROVIDER_ERROR" in repr(e)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.build_query(5),
        lambda c: c.build_query([]),
        lambda c: c.build_query({"merchant_order_sn": 5}),
        lambda c: c.build_query({"merchant_order_sn": b"A"}),
        lambda c: c.build_query({"merchant_order_sn": "A"}, timestamp=-(2**63) - 1),
        lambda c: c.build_query({"merchant_order_sn": "A"}, timestamp=2**63),
        lambda c: c.build_query({"merchant_order_sn": "A"}, timestamp=1.5),
        lambda c: c.build_query({"merchant_order_sn": "A"}, timestamp=True),
        lambda c: c.build_query({"merchant_order_sn": "A"}, nonce=12),
        lambda c: c.build_query({"merchant_order_sn": "A"}, nonce="has space"),
        lambda c: c.parse_query(status="200", headers={}, body=b"", query={"merchant_order_sn": "A"}),
        lambda c: c.parse_query(status=200, headers=5, body=b"", query={"merchant_order_sn": "A"}),
        lambda c: c.parse_query(status=200, headers=[("a",)], body=b"", query={"merchant_order_sn": "A"}),
        lambda c: c.parse_query(status=200, headers={"a": 1}, body=b"", query={"merchant_order_sn": "A"}),
        lambda c: c.parse_query(status=200, headers={}, body=5, query={"merchant_order_sn": "A"}),
        lambda c: c.parse_query(status=200, headers={}, body=b"", query={"merchant_order_sn": "A"}, now=-(2**64)),
        lambda c: c.failover_request("https://x/y"),
        lambda c: c.build_token_request("forever"),
        lambda c: c.build_token_request("stable", force_refresh="yes"),
    ],
)
def test_wrong_argument_types_are_invalid_input(call: Callable[[Any], object]) -> None:
    client = payquery.Client(CONFIGS["fubei"])
    with pytest.raises(payquery.InvalidInputError):
        call(client)
    # The same client still answers correctly afterwards.
    assert client.build_query({"merchant_order_sn": "A"}, timestamp=1, nonce="n").method == "POST"


@pytest.mark.parametrize(
    "query",
    [
        {"merchant_order_sn": '订单-1 "quoted" \\ back\tslash'},
        {"merchant_order_sn": "A", "device_no": "\u2028\u00e9\U0001f600"},
        {"merchant_order_sn": 2**70},
        {"merchant_order_sn": 1.5e300},
        {"merchant_order_sn": -0.0},
        {"merchant_order_sn": None},
        {"merchant_order_sn": True},
        {"merchant_order_sn": ["A", (1, None), {"k": False}]},
        {},
    ],
)
def test_a_dict_query_is_the_same_document_as_its_json_dumps(query: Any) -> None:
    """The native half writes a dict as JSON itself; the result must be what json.dumps gives."""
    client = payquery.Client(CONFIGS["fubei"])
    text = json.dumps(query, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    from_dict = outcome(lambda: client.build_query(query, timestamp=1_700_000_000, nonce="abc"))
    from_text = outcome(lambda: client.build_query(text, timestamp=1_700_000_000, nonce="abc"))
    if isinstance(from_text, payquery.PayqueryError):
        assert isinstance(from_dict, payquery.PayqueryError)
        assert (type(from_dict), str(from_dict)) == (type(from_text), str(from_text))
    else:
        assert from_dict == from_text


@pytest.mark.parametrize("value", [b"x", {1, 2}, float("nan"), float("inf"), object(), {1: "int key"}])
def test_a_dict_query_holding_a_non_json_value_is_invalid_input(value: object) -> None:
    client = payquery.Client(CONFIGS["fubei"])
    with pytest.raises(payquery.InvalidInputError, match="not JSON") as error:
        client.build_query(cast(Any, {"merchant_order_sn": value}))
    assert error.value.field == "query"
    cyclic: Any = {}
    cyclic["self"] = cyclic
    with pytest.raises(payquery.InvalidInputError, match="nested too deeply"):
        client.build_query(cyclic)


@pytest.mark.parametrize("config", [None, 5, [], "{not json", {"provider": "nope"}, {"provider": "fubei"}])
def test_bad_configs_are_invalid_config(config: Any) -> None:
    with pytest.raises(payquery.InvalidConfigError):
        payquery.Client(config)
    with pytest.raises(payquery.InvalidConfigError):
        payquery.Client.from_config_file(Path("/no/such/config.json"))


def test_defaults_are_the_clock_and_a_csprng_nonce() -> None:
    client = payquery.Client(WECHATPAY)

    def auth(request: payquery.HttpRequest) -> dict[str, str]:
        return dict(re.findall(r'(\w+)="([^"]*)"', dict(request.headers)["Authorization"]))

    before = int(time.time())
    a, b = auth(client.build_query({"out_trade_no": "A1"})), auth(client.build_query({"out_trade_no": "A1"}))
    assert re.fullmatch(r"[0-9A-Za-z]{32}", a["nonce_str"]) and a["nonce_str"] != b["nonce_str"]
    assert abs(int(a["timestamp"]) - before) < 5
    pinned = client.build_query('{"out_trade_no": "A1"}', timestamp=1_700_000_000, nonce="n1")
    assert pinned == client.build_query({"out_trade_no": "A1"}, timestamp=1_700_000_000, nonce="n1")


def test_records_behave_as_frozen_value_types() -> None:
    """The generated records are slotted classes, not dataclasses (import time): they must
    still compare, hash, copy, pickle and print as the frozen dataclasses they replaced."""
    import copy
    import pickle
    import weakref

    money = payquery.Money(29, "CNY")
    assert money == payquery.Money(minor=29, currency="CNY") and money != payquery.Money(30, "CNY")
    assert hash(money) == hash(payquery.Money(29, "CNY")) and money != (29, "CNY")
    assert repr(money) == "Money(minor=29, currency='CNY')"
    assert payquery.Money.__match_args__ == ("minor", "currency")
    assert typing.get_type_hints(payquery.Money) == {"minor": int, "currency": str}
    assert list(typing.get_type_hints(payquery.HttpRequest)) == ["method", "url", "headers", "body"]
    assert not hasattr(money, "__dict__")
    with pytest.raises(AttributeError, match="immutable"):
        del money.minor
    with pytest.raises(AttributeError, match="immutable"):
        money.extra = 1  # type: ignore[attr-defined]
    client = payquery.Client(CONFIGS["fubei"])
    body = '{"result_code":200,"data":{"merchant_order_sn":"A","trade_state":"SUCCESS","total_fee":"0.29"}}'
    result = client.parse_query(status=200, headers=[], body=body, query={"merchant_order_sn": "A"})
    for twin in (copy.copy(result), copy.deepcopy(result), pickle.loads(pickle.dumps(result))):
        assert twin == result and hash(twin) == hash(result) and twin.to_dict() == result.to_dict()
    assert "_json" not in repr(result) and repr(result).startswith("QueryResult(order=Order(")
    when = datetime(2026, 12, 1, tzinfo=timezone.utc)
    token = payquery.AccessToken("tok-secret-value", 7200, when, when)
    assert "tok-secret-value" not in repr(token)
    assert pickle.loads(pickle.dumps(token)) == token
    # copy.replace (3.13) and weak references, as dataclasses allowed them.
    assert money.__replace__(minor=30) == payquery.Money(30, "CNY")
    with pytest.raises(TypeError, match="no field 'cents'"):
        money.__replace__(cents=1)
    assert weakref.ref(money)() is money
    # A pickle written while the records were dataclasses (payquery 0.1.0's first build).
    old = (
        b"\x80\x04\x95A\x00\x00\x00\x00\x00\x00\x00\x8c\x10payquery._models\x94\x8c\x05Money\x94\x93\x94)"
        b"\x81\x94}\x94(\x8c\x05minor\x94K\x1d\x8c\x08currency\x94\x8c\x03CNY\x94ub."
    )
    assert pickle.loads(old) == money


def test_results_are_immutable_values() -> None:
    client = payquery.Client(CONFIGS["fubei"])
    body = '{"result_code":200,"data":{"merchant_order_sn":"A","trade_state":"SUCCESS","total_fee":"0.29"}}'
    result = client.parse_query(status=200, headers=[], body=body, query={"merchant_order_sn": "A"})
    again = client.parse_query(status=200, headers=[], body=body.encode(), query='{"merchant_order_sn": "A"}')
    assert result == again and result.order == again.order
    with pytest.raises(AttributeError, match="immutable"):
        result.order.status = "FAILED"  # type: ignore[misc]
    assert result.order.amount == payquery.Money(29, "CNY")
    assert result.order.status == "PAID" and str(result.order.status) == "PAID"
    assert "status='PAID'" in repr(result.order)


def test_headers_in_every_common_shape() -> None:
    import httpx
    import requests.structures

    client = payquery.Client(CONFIGS["fubei"])
    body = '{"result_code":400,"result_message":"x","sub_code":"ORDER_NOT_EXIST"}'
    for headers in [
        {"content-type": "application/json"},
        [("a", "1"), ("a", "2")],
        httpx.Headers([("a", "1"), ("a", "2")]),
        requests.structures.CaseInsensitiveDict({"A": "1"}),
        ((name, value) for name, value in [("a", "1"), ("b", "2")]),
        payquery.Headers([("a", "1")]),
        {},
    ]:
        raws: list[payquery.BodyInput] = [body, body.encode(), bytearray(body.encode()), memoryview(body.encode())]
        for raw in raws:
            with pytest.raises(payquery.OrderNotFoundError):
                client.parse_query(status=200, headers=cast(Any, headers), body=raw, query=QUERIES["fubei"])


def test_no_secret_in_repr_str_or_traceback() -> None:
    shown: list[str] = []
    for provider, config in CONFIGS.items():
        client = payquery.Client(config)
        request = client.build_query(QUERIES[provider])
        shown += [repr(client), str(client), repr(request), str(request), repr([request])]
        try:
            client.parse_query(status=500, headers={}, body="<html>", query=QUERIES[provider])
        except payquery.PayqueryError as e:
            shown += [str(e), repr(e), "".join(traceback.format_exception(type(e), e, e.__traceback__))]
        # What loggers print: the headers alone, and the redacted form as JSON.
        shown += [repr(request.headers), json.dumps(request.redacted()), str(request.redacted())]
    mini = payquery.Client(CONFIGS["wechat_mini_charge"])
    for token_request in [mini.build_token_request("classic"), mini.build_token_request("stable")]:
        shown += [repr(token_request), repr(token_request.headers), json.dumps(token_request.redacted())]
    token = mini.parse_token_response(
        status=200, headers={}, body=f'{{"access_token":"{SECRETS["token"]}","expires_in":7200}}', now=1
    )
    assert token.access_token == SECRETS["token"]
    shown.append(repr(token))
    bad: Any
    for bad in [
        {**CONFIGS["fubei"], "app_secret": SECRETS["fubei"] + "\n"},
        {**CONFIGS["dingshang_vending"], "extra": SECRETS["vending"]},
        {
            **WECHATPAY,
            "merchant_private_key_pem": f"-----BEGIN PRIVATE KEY-----\n{PRIVATE_KEY_LINE}\n-----END PRIVATE KEY-----",
        },
        {**CONFIGS["wechat_mini_charge"], "access_token": [SECRETS["token"]]},
    ]:
        try:
            payquery.Client(bad)
        except payquery.PayqueryError as e:
            shown += [str(e), repr(e), "".join(traceback.format_exception(type(e), e, e.__traceback__))]
        else:
            raise AssertionError(f"accepted {bad}")
    text = "\n".join(shown)
    for secret in [*SECRETS.values(), PRIVATE_KEY_LINE]:
        assert secret not in text, f"{secret[:12]}… leaked"
    assert "[redacted]" in text


def test_pending_requests_park_as_json_and_are_validated_again() -> None:
    keyless: Any = {k: v for k, v in WECHATPAY.items() if k != "merchant_private_key_pem"}
    client = payquery.Client(keyless)
    pending = client.prepare_query({"out_trade_no": "A1"}, timestamp=1_700_000_000, nonce="abc")
    assert pending.string_to_sign == "GET\n/v3/edu-papay/transactions/out-trade-no/A1\n1700000000\nabc\n\n"
    restored = payquery.PendingRequest.from_json(pending.to_json())
    assert restored.string_to_sign == pending.string_to_sign and restored.timestamp == 1_700_000_000
    with pytest.raises(payquery.InvalidInputError) as error:
        payquery.PendingRequest.from_json(pending.to_json().replace('"abc"', '"abd"'))
    assert error.value.field == "string_to_sign"
    with pytest.raises(payquery.InvalidInputError):
        restored.finish("bm90IGEgc2lnbmF0dXJl")
    with pytest.raises(payquery.InvalidConfigError):
        client.build_query({"out_trade_no": "A1"})
    with pytest.raises(payquery.InvalidConfigError):
        payquery.Client(CONFIGS["fubei"]).prepare_query(QUERIES["fubei"])


def test_one_client_shared_by_8_threads_gives_single_thread_results() -> None:
    """8 threads x 10,000 mixed builds and parses on one client equal one thread's results. The
    GIL is released while signing and verifying, so the threads really overlap."""
    edu = dict(vector_files())["wechatpay_edu_papay.json"]
    client = payquery.Client(edu["configs"]["edu"], base_dir=VECTORS)
    parses = [
        (
            response_input(c["parse"]["response"]),
            c["parse"].get("query") or query_for(c["parse"]["expect"], client.provider),
            c["parse"]["now"],
        )
        for c in edu["cases"]
        if c["config"] == "edu" and "parse" in c
    ]
    assert len(parses) >= 40

    def work(i: int) -> tuple[object, object]:
        built = outcome(
            lambda: client.build_query({"out_trade_no": f"ORDER_{i % 97}"}, timestamp=1_700_000_000 + i, nonce=f"n{i}")
        )
        response, query, now = parses[i % len(parses)]
        parsed = outcome(lambda: client.parse_query(**response, query=cast(Any, query), now=now))
        return (
            (built.method, built.url, built.headers.pairs(), built.body)
            if isinstance(built, payquery.HttpRequest)
            else repr(built),
            parsed.to_dict() if isinstance(parsed, payquery.QueryResult) else (type(parsed), str(parsed), parsed.code),
        )

    jobs = range(10_000)
    single = [work(i) for i in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(work, jobs))
    assert threaded == single
    assert len({r[0] for r in single}) == len(jobs)
    assert any(isinstance(r[1], dict) for r in single) and any(isinstance(r[1], tuple) for r in single)


def test_the_wheel_has_no_runtime_dependencies_and_ships_types() -> None:
    from importlib import metadata

    assert metadata.requires("payquery") in (None, [])
    package = Path(payquery.__file__).parent
    assert (package / "py.typed").exists() and (package / "_native.pyi").exists()
    assert not (ROOT / "bindings-python" / "python" / "payquery").samefile(package), (
        "tests run against the installed wheel"
    )


def test_headers_none_is_refused_not_taken_for_no_headers() -> None:
    client = payquery.Client(CONFIGS["fubei"])
    for bad in [None, "content-type: x", b"a", 5, [("a",)], [("a", 1)]]:
        with pytest.raises(payquery.InvalidInputError) as error:
            client.parse_query(status=200, headers=cast(Any, bad), body="{}", query=QUERIES["fubei"])
        assert error.value.field == "headers"


def test_requests_are_frozen_hashable_values_whose_headers_are_a_mapping() -> None:
    client = payquery.Client(CONFIGS["dingshang_vending"])
    request = client.build_query(QUERIES["dingshang_vending"], timestamp=1_700_000_000, nonce="n")
    again = client.build_query(QUERIES["dingshang_vending"], timestamp=1_700_000_000, nonce="n")
    assert request == again and hash(request) == hash(again) and len({request, again}) == 1
    assert isinstance(request.headers, Mapping) and isinstance(request.headers, payquery.Headers)
    assert request.headers["appsecret"] == request.headers["AppSecret"] == SECRETS["vending"]
    assert [name for name, _ in request.headers.pairs()] == list(request.headers)
    assert len(set(name.lower() for name in request.headers)) == len(request.headers), "names never repeat"
    with pytest.raises(TypeError):
        request.headers["AppSecret"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError, match="immutable"):
        request.headers = payquery.Headers()  # type: ignore[misc]
    # Built from pairs, a dict or Headers alike (a program re-routing a request).
    for headers in [list(request.headers.pairs()), dict(request.headers), request.headers]:
        copy = payquery.HttpRequest(request.method, request.url, headers, request.body)  # type: ignore[arg-type]
        assert copy == request


def test_detail_is_parsed_once() -> None:
    client = payquery.Client(CONFIGS["fubei"])
    body = '{"result_code":200,"data":{"merchant_order_sn":"A","trade_state":"SUCCESS","total_fee":"0.29"}}'
    result = client.parse_query(status=200, headers={}, body=body, query=QUERIES["fubei"])
    assert result.detail is result.detail
    assert typing.cast(payquery.FubeiOrder, result.detail)["trade_state"] == "SUCCESS"


@pytest.mark.parametrize(
    "cls", [payquery.Order, payquery.QueryResult, payquery.HttpRequest, payquery.Money, payquery.AccessToken]
)
def test_type_hints_resolve_at_run_time(cls: type) -> None:
    """pydantic-style introspection evaluates the annotations: they must resolve on 3.9 too
    (the fresh-venv check runs this module's hints on the oldest CPython)."""
    hints = typing.get_type_hints(cls)
    assert hints, cls


def test_the_token_query_refusal_names_the_python_method() -> None:
    mini = payquery.Client(CONFIGS["wechat_mini_charge"])
    with pytest.raises(payquery.InvalidInputError) as error:
        mini.build_query({"token": "stable"})  # type: ignore[arg-type]
    assert "build_token_request" in error.value.message and "buildTokenRequest" not in error.value.message
    assert error.value.field == "token"


def test_a_str_with_a_lone_surrogate_is_invalid_input_that_says_so() -> None:
    client = payquery.Client(CONFIGS["fubei"])
    queries: list[Any] = [{"merchant_order_sn": "A\ud800"}, '{"merchant_order_sn": "A\ud800"}', {"A\udc00": "x"}]
    for query in queries:
        with pytest.raises(payquery.InvalidInputError) as error:
            client.build_query(query)
        assert "lone UTF-16 surrogate" in error.value.message, error.value.message
    with pytest.raises(payquery.InvalidConfigError) as config_error:
        payquery.Client(cast(Any, {**CONFIGS["fubei"], "app_secret": "s\ud800"}))
    assert "lone UTF-16 surrogate" in config_error.value.message


def test_config_and_key_files_are_read_up_to_1_mib(tmp_path: Path) -> None:
    big = tmp_path / "big.pem"
    big.write_bytes(b"a" * (1024 * 1024 + 1))
    for path in ["/dev/zero", str(big)]:
        # /dev/zero is a device, refused as not a regular file before it is read.
        expected = "not a regular file" if path == "/dev/zero" else "larger than 1048576 bytes"
        with pytest.raises(payquery.InvalidConfigError) as error:
            payquery.Client.from_config_file(path)
        assert error.value.field == "path" and expected in error.value.message
        config: Any = {k: v for k, v in WECHATPAY.items() if k != "merchant_private_key_pem"}
        with pytest.raises(payquery.InvalidConfigError) as key_error:
            payquery.Client(cast(Any, {**config, "merchant_private_key_path": path}))
        assert key_error.value.field == "merchant_private_key_path"
        assert expected in key_error.value.message


def test_a_lone_surrogate_in_a_nonce_or_a_str_body_is_invalid_input_naming_it() -> None:
    client = payquery.Client(CONFIGS["fubei"])
    for call in (client.build_query, client.prepare_query):
        with pytest.raises(payquery.InvalidInputError) as nonce:
            call({"merchant_order_sn": "A"}, nonce="n\ud800")
        assert nonce.value.field == "nonce" and "lone UTF-16 surrogate" in nonce.value.message
    with pytest.raises(payquery.InvalidInputError) as body:
        client.parse_query(status=200, headers={}, body="{}\udc00", query={"merchant_order_sn": "A"})
    assert body.value.field == "body" and "lone UTF-16 surrogate" in body.value.message
    # Every other str that crosses to the native half: INVALID_INPUT naming it, never UnicodeEncodeError.
    query: Any = {"merchant_order_sn": "A"}
    crossing: list[tuple[Callable[[], object], str]] = [
        (lambda: client.parse_query(status=200, headers={"X": "\ud800"}, body=b"{}", query=query), "headers"),
        (lambda: client.parse_query(status=200, headers=[("X\udc00", "v")], body=b"{}", query=query), "headers"),
        (lambda: client.parse_token_response(status=200, headers={"X": "\ud800"}, body=b"{}"), "headers"),
        (lambda: client.build_token_request(cast(Any, "stable\ud800")), "kind"),
        (lambda: payquery.PendingRequest.from_json("\ud800"), "pending"),
        (lambda: payquery.Client(WECHATPAY).prepare_query({"out_trade_no": "A"}).finish("\ud800"), "signature"),
        (lambda: client.failover_request(payquery.HttpRequest("GET", "https://h/\ud800", {}, None)), "request"),
    ]
    for cross, field in crossing:
        with pytest.raises(payquery.InvalidInputError) as crossed:
            cross()
        assert crossed.value.field == field and "lone UTF-16 surrogate" in crossed.value.message, field
    with pytest.raises(payquery.InvalidConfigError) as base_dir:
        payquery.Client(CONFIGS["fubei"], base_dir="/tmp/\ud800")
    assert base_dir.value.field == "base_dir"
    # repr never raises: a lone surrogate is shown as "?".
    odd = payquery.HttpRequest("GET", "https://h/\ud800", {"AppSecret": "s", "X": "\udc00"}, None)
    assert "?" in repr(odd) and "[redacted]" in repr(odd) and "?" in repr(odd.headers)


def test_a_config_path_that_is_not_a_path_is_invalid_input_naming_it() -> None:
    for path in [3, None, b"config.json", ["config.json"]]:
        with pytest.raises(payquery.InvalidInputError) as error:
            payquery.Client.from_config_file(path)  # type: ignore[arg-type]
        assert error.value.field == "path" and "expected a path (str or os.PathLike)" in error.value.message


def test_a_fifo_or_a_directory_is_refused_not_read(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes: a writer process stands by, so that a reader
    that opens it gets an empty file (and a wrong error) rather than hanging the test."""
    fifo = tmp_path / "key.pem"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", ': > "$0"', str(fifo)])
    config: Any = {k: v for k, v in WECHATPAY.items() if k != "merchant_private_key_pem"}
    try:
        for path in [str(fifo), str(tmp_path)]:
            with pytest.raises(payquery.InvalidConfigError) as key_error:
                payquery.Client(cast(Any, {**config, "merchant_private_key_path": path}))
            assert key_error.value.field == "merchant_private_key_path"
            assert "not a regular file" in key_error.value.message
            with pytest.raises(payquery.InvalidConfigError) as file_error:
                payquery.Client.from_config_file(path)
            assert file_error.value.field == "path" and "not a regular file" in file_error.value.message
    finally:
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # releases the writer if nobody read
        writer.wait()
        os.close(reader)

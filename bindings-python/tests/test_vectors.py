"""Every shared vector (tests/vectors/*.json, read in place) through the installed wheel: the same
bytes for every request, the same orders, details and error codes as the Rust core."""

from __future__ import annotations

import base64
import typing
from datetime import datetime, timezone
from typing import Any, Callable, Literal, TypeVar, Union, cast

import payquery
import pytest
from conftest import VECTORS, response_input, vector_files

T = TypeVar("T")

# The package always checks that an answer is for the queried order (the query is required);
# vectors without a query are answered for the order their expectation names, or for their
# file's seed order when they expect an error, so the same check runs.
SEED_IDS = {
    "wechatpay_edu_papay": "201407033233368018",
    "wechatpay_payscore_oversea": "1234323JKHDFE1243252",
    "wechat_mini_charge": "DD2981741311549200000",
    "fubei": "201706011496325244549",
    "dingshang_vending": "54",
}


def is_typeddict(annotation: Any) -> bool:
    """`typing.is_typeddict`, which Python 3.9 lacks (a TypedDict class is a dict subclass with
    `__total__`)."""
    return isinstance(annotation, type) and issubclass(annotation, dict) and hasattr(annotation, "__total__")


def conforms(path: str, value: Any, annotation: Any) -> None:
    """`value` (a decoded JSON value) is of `annotation`, one of the generated types."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any:
        return
    if origin is Union:
        assert any(matches(value, a) for a in args), f"{path}: {value!r} is none of {args}"
        return
    if origin is Literal:
        assert value in args, f"{path}: {value!r} not in {args}"
        return
    if origin is list:
        assert isinstance(value, list), f"{path}: {value!r} is not a list"
        for i, item in enumerate(value):
            conforms(f"{path}[{i}]", item, args[0])
        return
    if is_typeddict(annotation):
        assert isinstance(value, dict), f"{path}: {value!r} is not a dict"
        hints = typing.get_type_hints(annotation)
        missing = annotation.__required_keys__ - value.keys()
        unknown = value.keys() - hints.keys()
        assert not missing and not unknown, f"{path}: missing {missing}, unknown {unknown}"
        for key, item in value.items():
            conforms(f"{path}.{key}", item, hints[key])
        return
    if annotation is type(None):
        assert value is None, f"{path}: {value!r} is not None"
        return
    assert isinstance(value, annotation) and not (annotation is int and isinstance(value, bool)), (
        f"{path}: {value!r} is not {annotation}"
    )


def matches(value: Any, annotation: Any) -> bool:
    try:
        conforms("", value, annotation)
    except AssertionError:
        return False
    return True


def query_for(expect: dict[str, Any], provider: str) -> dict[str, str]:
    order = expect.get("order") or {}
    merchant = order.get("merchant_order_no") or SEED_IDS[provider]
    provider_id = order.get("provider_order_id") or SEED_IDS[provider]
    return {
        "wechatpay_edu_papay": {"out_trade_no": merchant},
        "wechatpay_payscore_oversea": {
            "service_id": "2002000000000558128851361561536",
            "sub_mchid": "1900000109",
            "out_order_no": merchant,
        },
        "wechat_mini_charge": {"order_id": provider_id},
        "fubei": {"merchant_order_sn": merchant},
        "dingshang_vending": {"order_id": provider_id, "machine_no": "16327129"},
    }[provider]


def outcome(fn: Callable[[], T]) -> T | payquery.PayqueryError:
    try:
        return fn()
    except payquery.PayqueryError as error:
        return error


def check_error(name: str, actual: object, expected: dict[str, Any]) -> None:
    assert isinstance(actual, payquery.PayqueryError), f"{name}: expected an error, got {actual!r}"
    assert type(actual).code == actual.code == expected["code"], f"{name}: {actual!r}"
    fields = {
        "code": actual.code,
        "field": actual.field,
        "provider_code": actual.provider_code,
        "provider_message": actual.provider_message,
        "http_status": actual.http_status,
        "retryable": actual.retryable,
        "backup_host_applies": actual.backup_host_applies,
    }
    for key, want in expected.items():
        if key == "message_contains":
            assert want in actual.message, f"{name}: the message lacks {want!r}: {actual}"
            continue
        assert fields[key] == want, f"{name}: error.{key} = {fields[key]!r}, want {want!r} ({actual})"


def check_certificates(
    name: str, client: payquery.Client, response: dict[str, Any], now: int, expect: dict[str, Any]
) -> None:
    """A platform-certificate download answer through parse_certificates: the certificates held
    afterwards exactly (same order: newest first), or the error."""
    download = outcome(
        lambda: client.parse_certificates(
            status=response["status"], headers=response["headers"], body=response["body"], now=now
        )
    )
    if "error" in expect:
        check_error(name, download, expect["error"])
        return
    assert isinstance(download, payquery.CertificateDownload), f"{name}: {download!r}"
    want = [payquery.PlatformCertificate(**c) for c in expect["certificates"]]
    assert list(download.certificates) == want, f"{name}: {download.certificates!r}"
    assert download.attempts == (), f"{name}: an answer parsed by hand has no attempts"
    for certificate in download.certificates:
        assert type(certificate.not_before) is int and type(certificate.not_after) is int, name


def notification_request(request: dict[str, Any]) -> payquery.NotificationRequest:
    """A vector's notification as received (`body_base64` carries bytes that are not UTF-8)."""
    body = base64.b64decode(request["body_base64"]) if "body_base64" in request else request["body"].encode()
    return payquery.NotificationRequest(request["method"], [(n, v) for n, v in request["headers"]], body)


def check_notification(name: str, client: payquery.Client, step: dict[str, Any]) -> None:
    """A notification through check_notification (sans-IO) at the vector's `now`: the reply
    exactly, and the notification in the CLI's JSON shape, or the error's code and field."""
    expect = step["expect"]
    want_reply = payquery.NotificationReply(
        expect["reply"]["status"], tuple((n, v) for n, v in expect["reply"]["headers"]), expect["reply"]["body"]
    )
    handled = outcome(lambda: client.check_notification(notification_request(step["request"]), now=step["now"]))
    if "error" in expect:
        check_error(name, handled, expect["error"])
        assert isinstance(handled, payquery.PayqueryError)
        assert handled.reply == want_reply, f"{name}: {handled.reply!r}"
        return
    assert isinstance(handled, payquery.HandledNotification), f"{name}: {handled!r}"
    assert handled.reply == want_reply, f"{name}: {handled.reply!r}"
    notification = handled.notification
    assert notification.to_dict() == expect["notification"], name
    assert notification.id == expect["notification"]["id"] and notification.provider == client.provider
    if notification.order is not None:
        assert notification.order.status == expect["notification"]["order"]["status"]
    # The detail matches its generated type (a union of the provider's notices).
    detail_type = {
        "wechatpay_edu_papay": payquery.EduPapayNotice,
        "wechatpay_payscore_oversea": payquery.PayscoreNotice,
        "fubei": payquery.FubeiPaymentNotice,
        "dingshang_vending": payquery.DingshangDeliveryNotice,
    }[notification.provider]
    conforms(name, notification.detail, detail_type)


CASES = [(file, doc, case) for file, doc in vector_files() for case in doc["cases"]]


def test_the_vectors_are_all_here() -> None:
    assert len(CASES) >= 500
    assert sum("notification" in case for _, _, case in CASES) >= 50


@pytest.mark.parametrize(("file", "doc", "case"), CASES, ids=[f"{f}: {c['name']}" for f, _, c in CASES])
def test_vector(file: str, doc: dict[str, Any], case: dict[str, Any]) -> None:
    name = f"{file}: {case['name']}"
    step = (
        case.get("build") or case.get("parse") or case.get("finish") or case.get("notification") or case["certificates"]
    )
    made = outcome(lambda: payquery.Client(doc["configs"][case["config"]], base_dir=VECTORS))
    if isinstance(made, payquery.PayqueryError):
        check_error(name, made, step["expect"]["error"])
        return
    client = made
    if "finish" in case:
        finished = outcome(lambda: payquery.PendingRequest.from_json(step["pending"]).finish(step["signature"]))
        check_error(name, finished, step["expect"]["error"])
        return
    if "build" in case:
        query, expect = step["query"], step["expect"]
        is_token = isinstance(query, dict) and "token" in query and "order_id" not in query
        built = outcome(
            lambda: (
                client.build_token_request(query["token"], query.get("force_refresh", False))
                if is_token
                else client.build_query(query, timestamp=step["timestamp"], nonce=step["nonce"])
            )
        )
        if "error" in expect:
            check_error(name, built, expect["error"])
            return
        assert isinstance(built, payquery.HttpRequest), f"{name}: {built!r}"
        assert built.method == expect["method"]
        assert built.url == expect["url"]
        assert [list(h) for h in built.headers.pairs()] == expect["headers"]
        assert (built.body.decode() if built.body is not None else None) == expect["body"]
        if "string_to_sign" in expect:
            pending = client.prepare_query(query, timestamp=step["timestamp"], nonce=step["nonce"])
            assert pending.string_to_sign == expect["string_to_sign"]
        return
    if "notification" in case:
        check_notification(name, client, step)
        return
    response, expect = response_input(step["response"]), step["expect"]
    if "certificates" in case:
        check_certificates(name, client, response, step["now"], expect)
        return
    query = step.get("query")
    if isinstance(query, dict) and "token" in query:
        token = outcome(
            lambda: client.parse_token_response(
                status=response["status"], headers=response["headers"], body=response["body"], now=step["now"]
            )
        )
        if "error" in expect:
            check_error(name, token, expect["error"])
            return
        assert isinstance(token, payquery.AccessToken), f"{name}: {token!r}"
        want = expect["access_token"]
        assert token.access_token == want["access_token"]
        assert token.expires_in == want["expires_in"]
        assert int(token.expires_at.timestamp()) == want["expires_at"]
        assert int(token.refresh_at.timestamp()) == want["refresh_at"]
        return
    result = outcome(
        lambda: client.parse_query(
            status=response["status"],
            headers=response["headers"],
            body=response["body"],
            query=cast(Any, query or query_for(expect, client.provider)),
            now=step["now"],
        )
    )
    if "error" in expect:
        check_error(name, result, expect["error"])
        return
    assert isinstance(result, payquery.QueryResult), f"{name}: {result!r}"
    as_dict = result.to_dict()
    assert as_dict["order"] == expect["order"]
    assert result.provider == result.order.provider == file.removesuffix(".json") or file == "bad_inputs.json"
    if "detail" in expect:
        assert result.detail == expect["detail"]
    # What the package returns matches its generated type: every key the TypedDict's, the
    # required ones present, every value of the declared type.
    detail_type = {
        "wechatpay_edu_papay": payquery.EduPapayTransaction,
        "wechatpay_payscore_oversea": payquery.PayscoreServiceOrder,
        "wechat_mini_charge": payquery.MiniChargeOrder,
        "fubei": payquery.FubeiOrder,
        "dingshang_vending": payquery.DingshangOrder,
    }[result.provider]
    conforms(name, result.detail, detail_type)
    if "signature_serial" in expect:
        assert result.signature_serial == expect["signature_serial"]
    # The typed order agrees with its dict form.
    order = result.order
    assert order.status == expect["order"]["status"] and order.status in typing.get_args(payquery.OrderStatus)
    want_amount = expect["order"]["amount"]
    assert (order.amount and {"minor": order.amount.minor, "currency": order.amount.currency}) == want_amount
    for attribute, key in [(order.paid_at, "paid_at"), (order.created_at, "created_at")]:
        text = expect["order"][key]
        assert attribute == (datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None)
        assert attribute is None or attribute.tzinfo == timezone.utc
    assert list(order.flags) == expect["order"]["flags"]

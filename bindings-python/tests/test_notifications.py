"""Notifications (issue 31, NOTIFICATIONS.md §7) through the wheel: WeChat Pay callbacks signed
and sealed here with Python ``cryptography`` as WeChat Pay does, Fubei's signed forms, the
vendor's unsigned callback and the Mini Program's refusal; handle_notification (sync and async,
on the query's driver: an unknown serial downloads the certificates from the sandbox once) and
check_notification (no I/O); every bad input a typed error with the reply to send, and no
secret in any message."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import pickle
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import payquery
import pytest
from conftest import VECTORS, Sandbox, running_sandbox
from notify_helpers import (
    API_V3_KEY,
    FORM,
    FUBEI_SECRET,
    KEY_B,
    SERIAL_A,
    SERIAL_B,
    envelope,
    fubei_form,
    seal,
    signed,
    transaction,
)

PROVIDER = "wechatpay_edu_papay"
FUBEI_DATA = (
    '{"order_sn":"2021001","merchant_order_sn":"M1","order_status":"SUCCESS","total_amount":"20.10",'
    '"buyer_pay_amount":0.01,"finish_time":"20231114221320"}'
)
FAIL_JSON = ("Content-Type", "application/json; charset=utf-8")
FAIL_TEXT = ("Content-Type", "text/plain; charset=utf-8")


def auto(sandbox: Sandbox) -> payquery.Client:
    """The sandbox's auto config: api_v3_key and no platform key; it downloads certificates."""
    return payquery.Client.from_config_file(sandbox.configs / f"{PROVIDER}.auto.json")


def holding_a(sandbox: Sandbox) -> payquery.Client:
    """The auto config holding certificate A already: nothing to download."""
    config = sandbox.read(f"{PROVIDER}.auto.json")
    config["platform_certificates"] = [{"serial_no": SERIAL_A, "certificate_path": "keys/platform_certificate.pem"}]
    return payquery.Client(config, base_dir=VECTORS)


def fubei(sandbox: Sandbox) -> payquery.Client:
    return payquery.Client.from_config_file(sandbox.configs / "fubei.json")


def wechat(body: bytes, **signing: Any) -> payquery.NotificationRequest:
    return payquery.NotificationRequest("POST", signed(body, **signing), body)


def paid() -> payquery.NotificationRequest:
    return wechat(envelope(transaction()))


def fubei_paid(*extra: tuple[str, str]) -> payquery.NotificationRequest:
    body = fubei_form([("result_code", "200"), ("result_message", ""), ("data", FUBEI_DATA), *extra])
    return payquery.NotificationRequest("POST", FORM, body)


def downloads(sandbox: Sandbox) -> int:
    return sandbox.stats()["certificate_requests"]


def everything_shown(error: BaseException) -> str:
    """What a log could show of an error: str, repr, the traceback (with causes) and .reply."""
    shown = [str(error), repr(error), *traceback.format_exception(type(error), error, error.__traceback__)]
    return "".join([*shown, repr(getattr(error, "reply", None))])


def rejected(call: Callable[[], object]) -> payquery.PayqueryError:
    with pytest.raises(payquery.PayqueryError) as caught:
        call()
    return caught.value


def handled_both_ways(
    client: payquery.Client, request: payquery.NotificationRequest, mode: str
) -> payquery.HandledNotification:
    if mode == "sync":
        return client.handle_notification(request)
    if mode == "async":
        return asyncio.run(client.handle_notification_async(request))
    return client.check_notification(request)


# ------------------------------------------------------------------------------ WeChat Pay


@pytest.mark.parametrize("mode", ["sync", "async", "check"])
def test_a_wechatpay_transaction_is_verified_decrypted_typed_and_answered_204(sandbox: Sandbox, mode: str) -> None:
    handled = handled_both_ways(holding_a(sandbox), paid(), mode)
    assert isinstance(handled, payquery.HandledNotification)
    n = handled.notification
    assert isinstance(n, payquery.Notification)
    assert (n.provider, n.verified, n.id, n.event_type) == (PROVIDER, True, "EV-2018-0001", "TRANSACTION.SUCCESS")
    assert n.signature_serial == SERIAL_A and n.confirm_query is None
    assert n.order is not None and isinstance(n.order, payquery.Order)
    assert (n.order.status, n.order.merchant_order_no) == ("PAID", "T1")
    assert n.order.amount == payquery.Money(100, "CNY")
    assert handled.reply == payquery.NotificationReply(204, (), "")
    assert handled.attempts == ()
    assert handled == handled_both_ways(holding_a(sandbox), paid(), mode) and hash(handled) == hash(handled)


def test_the_first_notification_downloads_the_certificates_once_then_none(sandbox: Sandbox) -> None:
    client = auto(sandbox)
    before = downloads(sandbox)
    first = client.handle_notification(paid())
    assert first.notification.signature_serial == SERIAL_A and first.reply.status == 204
    assert [(a.purpose, a.http_status, a.error) for a in first.attempts] == [("certificates", 200, None)]
    assert first.attempts[0].url.endswith("/v3/certificates")
    assert downloads(sandbox) - before == 1
    second = asyncio.run(client.handle_notification_async(paid()))
    assert second.notification.id == "EV-2018-0001" and second.attempts == ()
    assert downloads(sandbox) - before == 1


def test_check_notification_never_downloads_an_unknown_serial_is_500(sandbox: Sandbox) -> None:
    client = auto(sandbox)
    before = downloads(sandbox)
    error = rejected(lambda: client.check_notification(paid()))
    assert isinstance(error, payquery.SignatureInvalidError) and error.field == "Wechatpay-Serial"
    assert error.reply is not None and error.reply.status == 500
    assert downloads(sandbox) == before


def test_a_rotation_is_verified_by_handle_notification_after_one_download(tmp_path: Path) -> None:
    """A sandbox of its own (a rotation lasts for the rest of its life); a client that holds A
    (an unknown serial's download is the keeper's on-demand one, at most once a minute)."""
    with running_sandbox(tmp_path) as own:
        client = holding_a(own)
        assert client.handle_notification(paid()).notification.signature_serial == SERIAL_A
        own.rotate()
        signed_by_b = wechat(envelope(transaction(), event_id="EV-B"), key=KEY_B, serial=SERIAL_B)
        # The sans-IO check cannot know B: 500, so that WeChat Pay sends it again.
        unknown = rejected(lambda: client.check_notification(signed_by_b))
        assert isinstance(unknown, payquery.SignatureInvalidError) and unknown.field == "Wechatpay-Serial"
        assert unknown.reply is not None and unknown.reply.status == 500
        assert downloads(own) == 0
        handled = client.handle_notification(signed_by_b)
        assert (handled.notification.id, handled.notification.signature_serial) == ("EV-B", SERIAL_B)
        assert [a.purpose for a in handled.attempts] == ["certificates"]
        assert handled.reply.status == 204
        assert downloads(own) == 1
        # B is held now: the sans-IO check verifies it, and nothing more is downloaded.
        assert client.check_notification(signed_by_b).notification.signature_serial == SERIAL_B
        assert asyncio.run(client.handle_notification_async(paid())).reply.status == 204
        assert downloads(own) == 1


def test_a_forged_serial_costs_one_download_a_minute_and_is_500(tmp_path: Path) -> None:
    with running_sandbox(tmp_path) as own:
        client = holding_a(own)
        forged = wechat(envelope(transaction()), key="attacker_private_key.pem", serial="5E7A1D" + "0" * 34)
        for i in range(3):
            error = rejected(lambda: client.handle_notification(forged))
            assert isinstance(error, payquery.SignatureInvalidError), error
            assert error.reply is not None and error.reply.status == 500
            # The first one's download is its attempt; later ones within the minute make none.
            assert [a.purpose for a in error.attempts] == (["certificates"] if i == 0 else [])
        assert downloads(own) == 1


def resealed(**resource: Any) -> bytes:
    sealed = {
        "original_type": "transaction",
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": seal(json.dumps(transaction())),
        "associated_data": "transaction",
        "nonce": "fdasflkja484",
        **resource,
    }
    return envelope({}, sealed=sealed)


def reordered(body: bytes) -> bytes:
    """The same JSON with its keys in reverse order: what a framework's parse and dump makes."""
    return json.dumps(dict(reversed(list(json.loads(body).items()))), separators=(",", ":")).encode()


def edited(request: payquery.NotificationRequest, **changes: Any) -> payquery.NotificationRequest:
    return payquery.NotificationRequest(
        changes.get("method", request.method),
        changes.get("headers", request.headers),
        changes.get("body", request.body),
    )


def with_header(request: payquery.NotificationRequest, name: str, value: str) -> payquery.NotificationRequest:
    return edited(request, headers=[(n, value if n == name else v) for n, v in request.headers.pairs()])


def bad_wechat() -> dict[str, tuple[payquery.NotificationRequest, type[payquery.PayqueryError], int]]:
    ok = paid()
    now = int(time.time())
    return {
        "tampered body": (
            edited(ok, body=ok.body.replace(b"EV-2018", b"EV-2019")),
            payquery.SignatureInvalidError,
            401,
        ),
        "re-ordered JSON": (edited(ok, body=reordered(ok.body)), payquery.SignatureInvalidError, 401),
        "unescaped slashes": (edited(ok, body=ok.body.replace(b"\\/", b"/")), payquery.SignatureInvalidError, 401),
        "header missing": (
            edited(ok, headers=[(n, v) for n, v in ok.headers.pairs() if n != "Wechatpay-Nonce"]),
            payquery.SignatureInvalidError,
            401,
        ),
        "header doubled": (
            edited(ok, headers=[*ok.headers.pairs(), ("wechatpay-serial", SERIAL_A)]),
            payquery.SignatureInvalidError,
            401,
        ),
        "probe": (
            with_header(ok, "Wechatpay-Signature", "WECHATPAY/SIGNTEST/abc"),
            payquery.SignatureInvalidError,
            401,
        ),
        "stale": (wechat(ok.body, ts=now - 400), payquery.TimestampSkewError, 401),
        "future": (wechat(ok.body, ts=now + 400), payquery.TimestampSkewError, 401),
        "wrong key": (
            wechat(envelope(transaction(), key="AnotherApiV3Key00000000000000001")),
            payquery.DecryptError,
            400,
        ),
        "truncated ciphertext": (wechat(resealed(ciphertext="AAAA")), payquery.DecodeError, 400),
        "cut tag": (wechat(resealed(ciphertext=seal(json.dumps(transaction()))[:-8])), payquery.DecryptError, 400),
        "other algorithm": (wechat(resealed(algorithm="AEAD_SM4_GCM")), payquery.DecodeError, 400),
        "10 MB body (capped)": (edited(ok, body=b" " * (10 * 1024 * 1024)), payquery.InvalidInputError, 400),
        "non-UTF-8 bytes": (wechat(b'{"id":"\xff\xfe"}'), payquery.DecodeError, 400),
        "another merchant": (
            wechat(envelope(transaction(sp_mchid="1900000999"))),
            payquery.InvalidInputError,
            400,
        ),
        "GET": (edited(ok, method="GET"), payquery.InvalidInputError, 400),
    }


BAD_WECHAT = list(bad_wechat())


@pytest.mark.parametrize("mode", ["sync", "async", "check"])
@pytest.mark.parametrize("case", BAD_WECHAT)
def test_every_bad_wechatpay_notification_is_a_typed_error_with_its_reply(
    sandbox: Sandbox, case: str, mode: str
) -> None:
    request, error_class, status = bad_wechat()[case]
    client = holding_a(sandbox)
    before = downloads(sandbox)
    error = rejected(lambda: handled_both_ways(client, request, mode))
    assert type(error) is error_class, f"{case}: {error!r}"
    assert error.reply is not None and error.reply.status == status, f"{case}: {error.reply!r}"
    assert error.reply.headers == (FAIL_JSON,)
    # The code alone: the reason stays in the error (a provider's logs are no place for it).
    # (A 500 names no cause: SYSTEM_ERROR, "try later".)
    message = "SYSTEM_ERROR" if status == 500 else error.code
    assert json.loads(error.reply.body) == {"code": "FAIL", "message": message}
    shown = everything_shown(error)
    assert API_V3_KEY not in shown and "PRIVATE KEY" not in shown, case
    assert downloads(sandbox) == before, f"{case}: nothing is downloaded for a held serial"


def test_the_cap_is_checked_before_reading(sandbox: Sandbox) -> None:
    client = holding_a(sandbox)
    at_cap = edited(paid(), body=b" " * payquery._native.MAX_NOTIFICATION_BYTES)
    # At the cap the body is read (and fails its signature); one byte more is refused unread.
    assert rejected(lambda: client.check_notification(at_cap)).field == "Wechatpay-Signature"
    over = edited(at_cap, body=at_cap.body + b" ")
    assert rejected(lambda: client.check_notification(over)).field == "body"


def test_without_an_api_v3_key_a_notification_is_invalid_config_and_500(sandbox: Sandbox) -> None:
    client = payquery.Client.from_config_file(sandbox.configs / f"{PROVIDER}.json")
    error = rejected(lambda: client.handle_notification(paid()))
    assert isinstance(error, payquery.InvalidConfigError) and error.field == "api_v3_key"
    assert error.reply is not None and error.reply.status == 500


def test_other_events_keep_their_decrypted_json(sandbox: Sandbox) -> None:
    body = envelope({"refund_id": "r1", "mchid": "1900000109"}, event_type="REFUND.SUCCESS", event_id="EV-R")
    n = holding_a(sandbox).check_notification(wechat(body)).notification
    assert (n.id, n.event_type, n.order) == ("EV-R", "REFUND.SUCCESS", None)


# ------------------------------------------------------------------------------ Fubei, vending, Mini


@pytest.mark.parametrize("mode", ["sync", "async", "check"])
def test_a_fubei_form_verifies_with_money_exact_and_is_answered_success(sandbox: Sandbox, mode: str) -> None:
    handled = handled_both_ways(fubei(sandbox), fubei_paid(), mode)
    n = handled.notification
    assert (n.provider, n.verified, n.id) == ("fubei", True, "fubei:pay:2021001:SUCCESS")
    assert n.order is not None and n.order.status == "PAID"
    assert (n.order.amount, n.order.paid_amount) == (payquery.Money(2010, "CNY"), payquery.Money(1, "CNY"))
    assert handled.reply == payquery.NotificationReply(200, (FAIL_TEXT,), "SUCCESS")


@pytest.mark.parametrize(
    ("case", "body", "error_class", "status"),
    [
        ("field doubled", fubei_paid(("result_code", "500")).body, payquery.InvalidInputError, 400),
        ("wrong secret", fubei_form([("data", FUBEI_DATA)], "another-secret"), payquery.SignatureInvalidError, 401),
        ("non-UTF-8 bytes", b"data=%FF%FE&sign=x", payquery.InvalidInputError, 400),
        ("raw non-UTF-8", b"data=\xff&sign=x", payquery.InvalidInputError, 400),
        ("tampered", fubei_paid().body.replace(b"20.10", b"20.11"), payquery.SignatureInvalidError, 401),
    ],
)
def test_bad_fubei_forms_are_refused_with_fail(
    sandbox: Sandbox, case: str, body: bytes, error_class: type[payquery.PayqueryError], status: int
) -> None:
    client = fubei(sandbox)
    error = rejected(lambda: client.handle_notification(payquery.NotificationRequest("POST", FORM, body)))
    assert type(error) is error_class, f"{case}: {error!r}"
    assert error.reply == payquery.NotificationReply(status, (FAIL_TEXT,), "FAIL"), case
    assert FUBEI_SECRET not in everything_shown(error)


def test_the_vending_callback_is_unverified_and_confirmed_by_the_signed_query(sandbox: Sandbox) -> None:
    client = payquery.Client.from_config_file(sandbox.configs / "dingshang_vending.json")
    query = sandbox.read("dingshang_vending.query.json")
    body = json.dumps(
        {
            "method": "device.delivery.response",
            "order_id": int(query["order_id"]),
            "record_id": 7,
            "deliver_status": "1",
        }
    ).encode()
    handled = client.handle_notification(
        payquery.NotificationRequest("POST", {"Content-Type": "application/json"}, body)
    )
    n = handled.notification
    assert (n.verified, n.id) == (False, f"dingshang:delivery:{query['order_id']}:7:1")
    assert json.loads(n.confirm_query or "null") == {"order_id": query["order_id"]}
    assert handled.reply.status == 200
    result = client.confirm_notification(n, machine_no=query["machine_no"])
    assert result.order.status == "PAID" and result.order.provider_order_id == query["order_id"]
    result = asyncio.run(client.confirm_notification_async(n, machine_no=query["machine_no"]))
    assert result.order.status == "PAID"
    # A signed notification needs no confirming.
    signed_one = fubei(sandbox).check_notification(fubei_paid()).notification
    assert rejected(lambda: client.confirm_notification(signed_one)).field == "notification"


def test_the_mini_program_sends_no_notifications(sandbox: Sandbox) -> None:
    client = payquery.Client.from_config_file(sandbox.configs / "wechat_mini_charge.json")
    error = rejected(lambda: client.handle_notification(payquery.NotificationRequest("POST", {}, b"{}")))
    assert isinstance(error, payquery.InvalidInputError)
    assert error.reply is not None and error.reply.status == 400 and error.reply.body == "FAIL"


def test_the_retry_reply_makes_each_provider_send_again(sandbox: Sandbox) -> None:
    wechat_retry = holding_a(sandbox).notification_retry_reply()
    assert (wechat_retry.status, wechat_retry.headers) == (500, (FAIL_JSON,))
    assert json.loads(wechat_retry.body)["code"] == "FAIL"
    assert fubei(sandbox).notification_retry_reply() == payquery.NotificationReply(500, (FAIL_TEXT,), "FAIL")
    vending = payquery.Client.from_config_file(sandbox.configs / "dingshang_vending.json")
    assert vending.notification_retry_reply().status == 500


# ------------------------------------------------------------------------------ sent by the sandbox


@contextlib.contextmanager
def receiver(clients: dict[str, payquery.Client]) -> Iterator[tuple[str, list[payquery.HandledNotification]]]:
    """A merchant's notify endpoint on 127.0.0.1 (the standard library's HTTP server): `POST
    /<name>` handles the notification with `clients[name]` and sends the reply it says. Yields
    its base URL and the notifications it accepted."""
    accepted: list[payquery.HandledNotification] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            request = payquery.NotificationRequest(self.command, self.headers.items(), body)
            try:
                handled = clients[self.path.strip("/")].handle_notification(request)
                accepted.append(handled)
                reply = handled.reply
            except payquery.PayqueryError as e:
                assert e.reply is not None
                reply = e.reply
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body.encode())))
            self.end_headers()
            self.wfile.write(reply.body.encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", accepted
    finally:
        server.shutdown()
        server.server_close()


def receivers(sandbox: Sandbox) -> dict[str, payquery.Client]:
    """A client for each config the sandbox notifies from; the plain WeChat Pay configs (the
    public key) with the sandbox's api_v3_key added."""
    clients = {
        f"{p}.auto": payquery.Client.from_config_file(sandbox.configs / f"{p}.auto.json")
        for p in ("wechatpay_edu_papay", "wechatpay_payscore_oversea")
    }
    for p in ("wechatpay_edu_papay", "wechatpay_payscore_oversea"):
        config: Any = {**sandbox.read(f"{p}.json"), "api_v3_key": API_V3_KEY}
        clients[p] = payquery.Client(config)
    clients["fubei"] = fubei(sandbox)
    clients["dingshang_vending"] = payquery.Client.from_config_file(sandbox.configs / "dingshang_vending.json")
    return clients


ORDER_ID = {
    "wechatpay_edu_papay": "out_trade_no",
    "wechatpay_payscore_oversea": "out_order_no",
    "fubei": "merchant_order_sn",
    "dingshang_vending": "order_id",
}
#: What each kind of notification the sandbox sends is answered: status and error code.
SENT = [
    ("wechatpay_edu_papay", "ok", 204, None),
    ("wechatpay_edu_papay.auto", "ok", 204, None),
    ("wechatpay_payscore_oversea", "ok", 204, None),
    ("wechatpay_payscore_oversea.auto", "ok", 204, None),
    ("wechatpay_edu_papay", "probe", 401, "SIGNATURE_INVALID"),
    ("wechatpay_edu_papay", "stale", 401, "TIMESTAMP_SKEW"),
    ("wechatpay_edu_papay", "tampered", 401, "SIGNATURE_INVALID"),
    ("wechatpay_edu_papay.auto", "unknown_serial", 500, "SIGNATURE_INVALID"),
    ("wechatpay_edu_papay", "wrong_key", 400, "DECRYPT_ERROR"),
    ("wechatpay_payscore_oversea.auto", "wrong_key", 400, "DECRYPT_ERROR"),
    ("fubei", "ok", 200, None),
    ("fubei", "tampered", 401, "SIGNATURE_INVALID"),
    ("fubei", "wrong_key", 401, "SIGNATURE_INVALID"),
    ("dingshang_vending", "ok", 200, None),
]


@pytest.mark.parametrize(("config", "kind", "status", "code"), SENT, ids=[f"{c} {k}" for c, k, _, _ in SENT])
def test_what_the_sandbox_sends_is_handled_and_answered(
    sandbox: Sandbox, config: str, kind: str, status: int, code: str | None
) -> None:
    provider = config.split(".")[0]
    order = sandbox.read(f"{provider}.query.json")[ORDER_ID[provider]]
    with receiver(receivers(sandbox)) as (url, accepted):
        answer = sandbox.notify(config, order, f"{url}/{config}", kind)
    assert answer["reply_status"] == status, answer
    if code is None:
        [handled] = accepted
        assert handled.notification.provider == provider
        assert json.loads(handled.notification.confirm_query or "{}").get("order_id", order) == order
        if handled.notification.order is not None:
            assert handled.notification.order.status == "PAID"
            assert order in (handled.notification.order.merchant_order_no, handled.notification.order.provider_order_id)
    else:
        assert accepted == []
        if provider.startswith("wechatpay"):
            message = "SYSTEM_ERROR" if status == 500 else code
            assert json.loads(answer["reply_body"]) == {"code": "FAIL", "message": message}


# ------------------------------------------------------------------------------ the request type


@pytest.mark.parametrize("body", ["{}", {"id": "EV"}, ["x"], None, 1])
def test_a_body_that_is_not_raw_bytes_is_refused(body: Any) -> None:
    with pytest.raises(payquery.InvalidInputError) as caught:
        payquery.NotificationRequest("POST", {}, body)
    assert caught.value.field == "body" and "raw bytes" in caught.value.message


def test_anything_but_a_notification_request_is_refused_with_the_retry_reply(sandbox: Sandbox) -> None:
    client = holding_a(sandbox)
    parsed: Any = {"method": "POST", "headers": {}, "body": b""}
    for error in (
        rejected(lambda: client.handle_notification(parsed)),
        rejected(lambda: client.check_notification(parsed)),
    ):
        assert isinstance(error, payquery.InvalidInputError) and error.field == "request"
        assert error.reply == client.notification_retry_reply()


def test_a_bad_option_is_refused_in_the_callers_names_with_the_retry_reply(sandbox: Sandbox) -> None:
    client = holding_a(sandbox)
    bad: Any = "not a client"
    for call, field in [
        (lambda: client.handle_notification(paid(), timeout=0), "timeout"),
        (lambda: client.handle_notification(paid(), deadline=10**6), "deadline"),
        (lambda: client.handle_notification(paid(), http=bad), "http"),
        (lambda: asyncio.run(client.handle_notification_async(paid(), http=bad)), "http"),
        (lambda: client.handle_notification(paid(), token_store=bad), "token_store"),
    ]:
        error = rejected(call)
        assert isinstance(error, payquery.InvalidInputError) and error.field == field, error
        assert error.reply == client.notification_retry_reply()


def test_a_request_takes_any_header_shape_keeps_repeats_and_hides_its_body_in_repr() -> None:
    body = bytearray(b"x" * 1000)
    request = payquery.NotificationRequest("POST", [("A", "1"), ("a", "2")], body)
    assert request.body == bytes(body) and type(request.body) is bytes
    assert request.headers.pairs() == (("A", "1"), ("a", "2"))
    assert payquery.NotificationRequest("POST", {"A": "1"}, memoryview(b"x")).headers.pairs() == (("A", "1"),)
    assert "xxx" not in repr(request) and "<1000 bytes>" in repr(request)
    assert pickle.loads(pickle.dumps(request)) == request and hash(request) == hash(pickle.loads(pickle.dumps(request)))
    with pytest.raises(AttributeError):
        request.body = b""  # type: ignore[misc]
    with pytest.raises(payquery.InvalidInputError):
        payquery.NotificationRequest("POST", "Content-Type: x", b"")  # type: ignore[arg-type]
    with pytest.raises(payquery.InvalidInputError):
        payquery.NotificationRequest(b"POST", {}, b"")  # type: ignore[arg-type]


def test_decrypt_error_is_a_typed_code() -> None:
    assert "DECRYPT_ERROR" in payquery.ERROR_CODES
    assert payquery.DecryptError.code == "DECRYPT_ERROR"
    assert issubclass(payquery.DecryptError, payquery.PayqueryError)

"""Mistakes the generated types must catch, checked by mypy --strict (make test), which warns
about an unused `# type: ignore`: each ignore below must still have its error to silence, so a
type that got looser fails make test. The unmarked lines are the correct forms. Not a test
module: pytest never imports it."""

from __future__ import annotations

from typing import cast

import httpx
import payquery
import requests

fubei = payquery.Client({"provider": "fubei", "app_id": "1", "app_secret": "s"})

# A misspelt config key, a required key left out, a provider that does not exist, a number
# where the config takes text.
payquery.Client({"provider": "fubei", "app_id": "1", "app_secret": "s", "app_secert": "s"})  # type: ignore[arg-type]
payquery.Client({"provider": "fubei", "app_id": "1"})  # type: ignore[arg-type]
payquery.Client({"provider": "alipay", "app_id": "1", "app_secret": "s"})  # type: ignore[arg-type]
payquery.Client({"provider": "fubei", "app_id": 1, "app_secret": "s"})  # type: ignore[arg-type]

fubei.build_query({"merchant_order_sn": "A1"})
fubei.build_query({"order_sn": "F1", "device_no": "D1"})
# A number for an order id; both of Fubei's order numbers, or neither (it takes exactly one);
# the vending order id as a number (it is text, so no host rounds it); a misspelt query key.
fubei.build_query({"merchant_order_sn": 1})  # type: ignore[arg-type]
fubei.build_query({"merchant_order_sn": "A1", "order_sn": "F1"})  # type: ignore[arg-type]
fubei.build_query({"device_no": "D1"})  # type: ignore[arg-type]
fubei.build_query({"order_id": 54, "machine_no": "16327129"})  # type: ignore[arg-type]
fubei.build_query({"out_trade_no": "A1", "sub_mchidd": "1"})  # type: ignore[arg-type]


def detail_without_narrowing(result: payquery.QueryResult) -> object:
    # `detail` is one TypedDict per provider: a member only some have needs the provider's type.
    return result.detail["trade_state"]  # type: ignore[typeddict-item]


def detail_of_a_provider(result: payquery.QueryResult) -> payquery.FubeiTradeState | None:
    if result.provider == "fubei":
        detail = cast(payquery.FubeiOrder, result.detail)  # the provider says which TypedDict it is
        return detail["trade_state"]
    return None


def money(order: payquery.Order) -> int:
    status: payquery.OrderStatus = "SUCCESS"  # type: ignore[assignment]
    assert status
    payquery.Money(minor=1.5, currency="CNY")  # type: ignore[arg-type]
    return order.amount.minor if order.amount else 0


def code(error: payquery.PayqueryError) -> bool:
    # `code` is an ErrorCode: a misspelt code is no code at all.
    assert error.code == "RATE_LIMITED"
    return error.code == "RATE_LIMIT"  # type: ignore[comparison-overlap]


def senders() -> None:
    # `http`: an httpx.Client or a requests.Session; not a module name, not an async client.
    fubei.query({"merchant_order_sn": "A1"}, http=httpx.Client())
    fubei.query({"merchant_order_sn": "A1"}, http=requests.Session())
    fubei.query({"merchant_order_sn": "A1"}, http="requests")  # type: ignore[arg-type]
    fubei.query({"merchant_order_sn": "A1"}, http=object())  # type: ignore[arg-type]
    fubei.query({"merchant_order_sn": "A1"}, http=httpx.AsyncClient())  # type: ignore[arg-type]


async def async_senders() -> None:
    await fubei.query_async({"merchant_order_sn": "A1"}, http=httpx.AsyncClient())
    await fubei.query_async({"merchant_order_sn": "A1"}, http=httpx.Client())  # type: ignore[arg-type]
    await fubei.query_async({"merchant_order_sn": "A1"}, http=requests.Session())  # type: ignore[arg-type]


def notifications(client: payquery.Client, raw: bytes) -> payquery.Notification:
    # A notification's body is the raw bytes as received: text or parsed JSON does not type-check
    # (and is refused at run time: decoded or re-serialised bodies may no longer verify).
    request = payquery.NotificationRequest("POST", {"Content-Type": "application/json"}, raw)
    payquery.NotificationRequest("POST", {}, raw.decode())  # type: ignore[arg-type]
    payquery.NotificationRequest("POST", {}, {"id": "EV"})  # type: ignore[arg-type]
    handled = client.handle_notification(request, timeout=3)
    reply: payquery.NotificationReply = handled.reply
    assert reply.status in (200, 204)
    handled.reply = reply  # type: ignore[misc]
    # The detail is a union of the providers' notices: narrow it on `kind` for WeChat Pay.
    detail = handled.notification.detail
    detail["transaction"]  # type: ignore[typeddict-item]
    edu = cast(payquery.EduPapayNotice, detail)
    if edu["kind"] == "transaction":
        assert edu["transaction"]["out_trade_no"]
    try:
        client.check_notification(request, now="now")  # type: ignore[arg-type]
    except payquery.PayqueryError as error:
        assert error.reply is None or error.reply.status >= 400
    return handled.notification

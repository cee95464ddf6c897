"""The README's notification recipes (tests/readme_notify_asgi.py, tests/readme_notify_wsgi.py)
run as a host runs them: the Starlette app through httpx's ASGI transport with a Redis of its own
(tools/with-redis.sh) deduplicating on the notification's id, the Flask app through its test
client and served over real HTTP to the sandbox's notifications; README.md shows exactly these
files."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import threading
import wsgiref.simple_server
from collections.abc import Awaitable
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, TypeVar

import httpx
import payquery
import pytest
import redis
from conftest import ROOT, Sandbox
from notify_helpers import FORM, envelope, fubei_form, signed, transaction

HERE = Path(__file__).resolve().parent
RECIPES = ["readme_notify_asgi.py", "readme_notify_wsgi.py"]
REDIS_URL = os.environ.get("PAYQUERY_REDIS_URL")
FUBEI_DATA = '{"order_sn":"2021001","merchant_order_sn":"M1","order_status":"SUCCESS","total_amount":"20.10"}'


@pytest.mark.parametrize("recipe", RECIPES)
def test_readme_shows_the_recipe_verbatim(recipe: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```python\n{(HERE / recipe).read_text(encoding='utf-8')}```" in readme


def load(recipe: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The recipe imported as a host imports its app: from a directory with the sandbox's
    configs, with REDIS_URL set."""
    shutil.copytree(sandbox.configs, tmp_path / "sandbox-configs")
    monkeypatch.chdir(tmp_path)
    if REDIS_URL:
        monkeypatch.setenv("REDIS_URL", REDIS_URL)
    spec = importlib.util.spec_from_file_location(recipe.removesuffix(".py"), HERE / recipe)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def asgi(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    assert REDIS_URL, "PAYQUERY_REDIS_URL is not set: run this test through make test (tools/with-redis.sh)"
    redis.Redis.from_url(REDIS_URL).flushdb()
    return load("readme_notify_asgi.py", sandbox, tmp_path, monkeypatch)


T = TypeVar("T")


def on_the_app(recipe: Any, scenario: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    """`scenario` POSTs to the recipe's app through httpx's ASGI transport, on one event loop
    as a server has (the recipe's Redis client is bound to it, and closed at its end)."""

    async def run() -> T:
        transport = httpx.ASGITransport(app=recipe.app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://merchant.test") as http:
                return await scenario(http)
        finally:
            await recipe.seen.aclose()

    return asyncio.run(run())


async def deliver(http: httpx.AsyncClient, body: bytes) -> httpx.Response:
    """One delivery of `body`, signed now."""
    return await http.post("/notify/wechatpay", content=body, headers=signed(body))


def test_the_asgi_recipe_processes_a_notification_once_and_acknowledges_every_delivery(
    asgi: Any, sandbox: Sandbox
) -> None:
    body = envelope(transaction("ORDER-1"), event_id="EV-ONCE")
    before = sandbox.stats()["certificate_requests"]

    async def twice(http: httpx.AsyncClient) -> list[httpx.Response]:
        return [await deliver(http, body), await deliver(http, body)]

    # WeChat Pay delivers the same event twice: both acknowledged, processed once.
    first, again = on_the_app(asgi, twice)
    assert (first.status_code, first.content) == (204, b"")
    assert (again.status_code, again.content) == (204, b"")
    assert asgi.paid_orders == ["ORDER-1"]
    assert sandbox.stats()["certificate_requests"] - before == 1  # the auto config's first download
    ttl = redis.Redis.from_url(REDIS_URL or "").ttl("notified:EV-ONCE")
    assert 86000 < ttl <= 86400


def test_the_asgi_recipe_answers_a_forged_notification_with_its_reply(asgi: Any) -> None:
    body = envelope(transaction("ORDER-2"))

    async def tampered(http: httpx.AsyncClient) -> httpx.Response:
        return await http.post("/notify/wechatpay", content=body.replace(b"EV-2018", b"EV-2019"), headers=signed(body))

    refused = on_the_app(asgi, tampered)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/json")
    assert refused.json()["code"] == "FAIL"
    assert asgi.paid_orders == []


def test_the_asgi_recipe_asks_for_a_resend_when_the_host_fails_and_processes_the_resend(asgi: Any) -> None:
    body = envelope(transaction("ORDER-3"), event_id="EV-RETRY")
    fulfil = asgi.fulfil

    async def down(notification: payquery.Notification) -> None:
        raise ConnectionError("the database is down")

    async def fail_then_resend(http: httpx.AsyncClient) -> list[httpx.Response]:
        asgi.fulfil = down
        failed = await deliver(http, body)
        asgi.fulfil = fulfil
        return [failed, await deliver(http, body)]

    failed, resent = on_the_app(asgi, fail_then_resend)
    assert failed.status_code == 500 and failed.json()["code"] == "FAIL"
    assert failed.text == asgi.client.notification_retry_reply().body
    # The re-send is processed: the failed delivery did not keep the id.
    assert resent.status_code == 204
    assert asgi.paid_orders == ["ORDER-3"]


def test_the_wsgi_recipe_verifies_a_fubei_form_and_refuses_a_doubled_field(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = load("readme_notify_wsgi.py", sandbox, tmp_path, monkeypatch)
    http = recipe.app.test_client()
    body = fubei_form([("result_code", "200"), ("result_message", ""), ("data", FUBEI_DATA)])
    for _ in range(2):
        ok = http.post("/notify/fubei", data=body, headers=FORM)
        assert (ok.status_code, ok.data, ok.content_type) == (200, b"SUCCESS", "text/plain; charset=utf-8")
    assert list(recipe.stored) == ["fubei:pay:2021001:SUCCESS"]
    doubled = http.post("/notify/fubei", data=body + b"&result_code=500", headers=FORM)
    assert (doubled.status_code, doubled.data) == (400, b"FAIL")
    non_utf8 = http.post("/notify/fubei", data=b"data=\xff&sign=x", headers=FORM)
    assert (non_utf8.status_code, non_utf8.data) == (400, b"FAIL")


def test_the_wsgi_recipe_served_over_http_answers_what_the_sandbox_sends(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = load("readme_notify_wsgi.py", sandbox, tmp_path, monkeypatch)

    class Quiet(wsgiref.simple_server.WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = wsgiref.simple_server.make_server("127.0.0.1", 0, recipe.app, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/notify/fubei"
        order = sandbox.read("fubei.query.json")["merchant_order_sn"]
        answer = sandbox.notify("fubei", order, url)
        assert (answer["reply_status"], answer["reply_body"]) == (200, "SUCCESS")
        [notification] = recipe.stored.values()
        assert notification.order is not None and notification.order.merchant_order_no == order
        forged = sandbox.notify("fubei", order, url, kind="wrong_key")
        assert (forged["reply_status"], forged["reply_body"]) == (401, "FAIL")
    finally:
        server.shutdown()
        server.server_close()

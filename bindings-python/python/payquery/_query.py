"""The one-call query's drivers: loops over the core's steps (``_native.NativeQueryFlow``) with
no provider branch and no policy of their own — every decision (failover, retries, waits,
tokens, polling) is the core's, the same in every language. The drivers do the I/O: HTTP with
urllib (no dependency), an ``httpx`` client or a ``requests`` session; sleeping; the token store.

The async driver runs each core step in a worker thread (``asyncio.to_thread``): signing and
verifying RSA take ~0.2 ms, which would otherwise stall the event loop once per request.

``import payquery`` must stay cheap (a CLI or a serverless function pays it on every start), so
what only one path needs is imported on that path: asyncio by the async driver, urllib (and with
it http.client, ssl and email) by the default sender, the exception classes of socket, ssl and
http.client when a failure is classified.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import Any, Callable, Optional, Protocol, TypeVar, Union, runtime_checkable

from . import _native

Request = tuple[str, str, list[tuple[str, str]], Optional[bytes]]
Response = tuple[int, list[tuple[str, str]], bytes]
T = TypeVar("T")


@runtime_checkable
class TokenStore(Protocol):
    """Where Mini Program access tokens are shared between processes (Redis, a database).

    Values are opaque text holding the token: keep them as private as the token. Methods may
    be coroutines for :meth:`Client.query_async`. ``lock`` is optional: with it, one process of
    a fleet fetches a token while the others wait for it.
    """

    def get(self, key: str) -> Any:
        """The value under ``key``, or ``None``."""

    def put(self, key: str, value: str, ttl_ms: int) -> Any:
        """Store ``value`` under ``key`` for ``ttl_ms`` milliseconds."""

    def invalidate(self, key: str, value: str) -> Any:
        """Delete ``key`` if it still holds exactly ``value`` (compare-and-delete)."""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _random() -> bytes:
    return os.urandom(32)  # what secrets.token_bytes is, without importing secrets


def transport_kind(error: BaseException) -> str:
    """How a request failed to complete, in the flow's words, whichever client raised it (the
    system error is found in the chain: ``reason``, ``__cause__``, ``__context__``)."""
    import http.client
    import socket
    import ssl

    seen: set[int] = set()
    queue: list[Any] = [error]
    while queue:
        e = queue.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, (TimeoutError, socket.timeout)):
            return "timeout"
        if isinstance(e, socket.gaierror):
            return "dns"
        if isinstance(e, ConnectionRefusedError):
            return "connect"
        if isinstance(e, ssl.SSLError):
            return "tls"
        if isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, http.client.IncompleteRead)):
            return "reset"
        name = type(e).__name__
        for marker, kind in (("Timeout", "timeout"), ("SSL", "tls"), ("Connect", "connect"), ("Protocol", "reset")):
            if marker in name:
                return kind
        queue.extend([getattr(e, "reason", None), e.__cause__, e.__context__])
    return "other"


_opener: Any = None


def _urllib_opener() -> Any:
    """urllib's opener without redirects (a signed request goes where it was built for, or
    nowhere), built on first use."""
    global _opener
    if _opener is None:
        import urllib.request

        def refuse(*args: Any, **kwargs: Any) -> None:
            return None

        no_redirects = type("NoRedirects", (urllib.request.HTTPRedirectHandler,), {"redirect_request": refuse})
        _opener = urllib.request.build_opener(no_redirects)
    return _opener


def _read(stream: Any, limit: int) -> bytes:
    data: bytes = stream.read(limit + 1)
    return data


def _send_urllib(request: Request, timeout: float, limit: int) -> Response:
    import urllib.error
    import urllib.request

    method, url, headers, body = request
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    try:
        with _urllib_opener().open(req, timeout=timeout) as resp:
            return resp.status, list(resp.headers.items()), _read(resp, limit)
    except urllib.error.HTTPError as answer:
        # A non-2xx status is an answer, not a failure to complete the request.
        with answer:
            return answer.code, list(answer.headers.items()), _read(answer, limit)


def _send_with(http: Any, request: Request, timeout: float, limit: int) -> Response:
    method, url, headers, body = request
    module = type(http).__module__
    if module.startswith("httpx"):
        with http.stream(method, url, headers=headers, content=body, timeout=timeout) as resp:
            data = b""
            for chunk in resp.iter_bytes():
                data += chunk
                if len(data) > limit:
                    break
            return resp.status_code, list(resp.headers.multi_items()), data[: limit + 1]
    resp = http.request(
        method, url, headers=dict(headers), data=body, timeout=timeout, stream=True, allow_redirects=False
    )
    try:
        data = b""
        for chunk in resp.iter_content(chunk_size=65536):
            data += chunk
            if len(data) > limit:
                break
        return resp.status_code, list(resp.headers.items()), data[: limit + 1]
    finally:
        resp.close()


async def _send_async(http: Any, request: Request, timeout: float, limit: int) -> Response:
    method, url, headers, body = request
    async with http.stream(method, url, headers=headers, content=body, timeout=timeout) as resp:
        data = b""
        async for chunk in resp.aiter_bytes():
            data += chunk
            if len(data) > limit:
                break
        return resp.status_code, list(resp.headers.multi_items()), data[: limit + 1]


def _store_call(store: Any, op: str, key: str, value: Optional[str], ttl_ms: Optional[int]) -> Any:
    if op == "load":
        return store.get(key)
    if op == "lock":
        lock = getattr(store, "lock", None)
        return True if lock is None else lock(key, ttl_ms)
    if op == "save":
        return store.put(key, value, ttl_ms)
    return store.invalidate(key, value)


def _store_reply(op: str, outcome: Any) -> tuple[str, Optional[str]]:
    if op == "load":
        return "loaded", outcome if isinstance(outcome, str) else (
            outcome.decode() if isinstance(outcome, bytes) else None
        )
    if op == "lock":
        return ("locked" if outcome else "busy"), None
    return "done", None


def _network_cause(flow: _native.NativeQueryFlow, error: Optional[BaseException]) -> Optional[BaseException]:
    """The HTTP client's own error as the cause of a NETWORK_ERROR, unless its message quotes a
    credential (``requests`` puts the URL, and so a Mini Program access token, in its
    messages): then a ``ConnectionError`` with the same message redacted."""
    if error is None:
        return None
    text = str(error)
    shown = flow.redact(text)
    return error if shown == text else ConnectionError(f"{type(error).__name__}: {shown}")


def run(flow: _native.NativeQueryFlow, http: Any, token_store: Any) -> str:
    """Drives ``flow`` to its end; the result's JSON, or raises the core's error."""
    cause: Optional[BaseException] = None
    while True:
        step = flow.next(_now_ms(), _random())
        kind = step[0]
        if kind == "done":
            try:
                return flow.result()
            except _native.NativeError as e:
                e.__cause__ = _network_cause(flow, cause) if e.args[0] == "NETWORK_ERROR" else None
                raise
        if kind == "sleep":
            time.sleep(max(0.0, (step[1] - _now_ms()) / 1000))
        elif kind == "send":
            _, timeout_ms, limit, request = step
            try:
                if http is None:
                    status, headers, body = _send_urllib(request, timeout_ms / 1000, limit)
                else:
                    status, headers, body = _send_with(http, request, timeout_ms / 1000, limit)
            except Exception as e:  # noqa: BLE001 - every HTTP client's failure is classified
                cause = e
                flow.receive_failure(transport_kind(e), f"{type(e).__name__}: {e}", _now_ms())
            else:
                flow.receive(status, headers, body, _now_ms())
        else:
            _, op, key, value, ttl_ms = step
            try:
                reply = _store_reply(op, _store_call(token_store, op, key, value, ttl_ms))
            except Exception:  # noqa: BLE001 - a failing store costs its sharing, not the query
                reply = ("failed", None)
            flow.store_reply(reply[0], reply[1], _now_ms())


async def run_async(flow: _native.NativeQueryFlow, http: Any, token_store: Any, convert: Callable[[str], T]) -> T:
    """Drives ``flow`` on the event loop: core steps in worker threads, HTTP with an
    ``httpx.AsyncClient`` (or urllib in a worker thread), sleeping with ``asyncio.sleep``.
    ``convert`` (the result's JSON text to its record, ~30 µs) runs in the worker thread too:
    with hundreds of queries in flight, every microsecond on the loop delays all of them."""
    import asyncio
    import inspect

    cause: Optional[BaseException] = None
    while True:
        step = await asyncio.to_thread(flow.next, _now_ms(), _random())
        kind = step[0]
        if kind == "done":
            try:
                return await asyncio.to_thread(lambda: convert(flow.result()))
            except _native.NativeError as e:
                e.__cause__ = _network_cause(flow, cause) if e.args[0] == "NETWORK_ERROR" else None
                raise
        if kind == "sleep":
            await asyncio.sleep(max(0.0, (step[1] - _now_ms()) / 1000))
        elif kind == "send":
            _, timeout_ms, limit, request = step
            try:
                if http is None:
                    answer = await asyncio.to_thread(_send_urllib, request, timeout_ms / 1000, limit)
                else:
                    answer = await asyncio.wait_for(
                        _send_async(http, request, timeout_ms / 1000, limit), timeout_ms / 1000
                    )
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - every HTTP client's failure is classified
                cause = e
                flow.receive_failure(transport_kind(e), f"{type(e).__name__}: {e}", _now_ms())
            else:
                status, headers, body = answer
                await asyncio.to_thread(flow.receive, status, headers, body, _now_ms())
        else:
            _, op, key, value, ttl_ms = step
            try:
                outcome = _store_call(token_store, op, key, value, ttl_ms)
                if inspect.isawaitable(outcome):
                    outcome = await outcome
                reply = _store_reply(op, outcome)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a failing store costs its sharing, not the query
                reply = ("failed", None)
            flow.store_reply(reply[0], reply[1], _now_ms())


def options_json(
    *,
    timeout: Optional[float],
    deadline: Optional[float],
    max_attempts: Optional[int],
    poll: bool,
    poll_intervals: Optional[Any],
    not_found_grace: Optional[float],
    token_store: Any,
    invalid: Any,
) -> str:
    """The core's ``QueryOptions`` from Python's keyword arguments (seconds as floats)."""

    def ms(name: str, value: Optional[float]) -> Optional[int]:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value != value:
            raise invalid(name, f"`{name}` must be a positive number of seconds")
        return max(1, round(value * 1000))

    if not isinstance(poll, bool):
        raise invalid("poll", "`poll` must be a bool")
    if max_attempts is not None and (isinstance(max_attempts, bool) or not isinstance(max_attempts, int)):
        raise invalid("max_attempts", "`max_attempts` must be an int")
    intervals = None
    if poll_intervals is not None:
        if isinstance(poll_intervals, (str, bytes, Mapping)) or not hasattr(poll_intervals, "__iter__"):
            raise invalid("poll_intervals", "`poll_intervals` must be a list of seconds")
        intervals = [ms("poll_intervals", v) for v in poll_intervals]
    if token_store is not None and not all(
        callable(getattr(token_store, m, None)) for m in ("get", "put", "invalidate")
    ):
        raise invalid("token_store", "`token_store` must have get, put and invalidate methods")
    options: dict[str, Union[int, bool, list[Optional[int]], None]] = {
        "timeout_ms": ms("timeout", timeout),
        "deadline_ms": ms("deadline", deadline),
        "max_attempts": max_attempts,
        "poll": poll,
        "poll_intervals_ms": intervals,
        "not_found_grace_ms": ms("not_found_grace", not_found_grace),
        "token_store": token_store is not None,
    }
    return json.dumps({k: v for k, v in options.items() if v is not None})


__all__ = ["TokenStore", "options_json", "run", "run_async", "transport_kind"]

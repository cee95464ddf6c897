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

import io
import json
import os
import re  # json imports it anyway
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol, TypeVar, Union, runtime_checkable

from . import _native

if TYPE_CHECKING:  # annotations only: contextlib is not worth an import at run time
    import logging
    from contextlib import AbstractAsyncContextManager, AbstractContextManager

Request = tuple[str, str, list[tuple[str, str]], Optional[bytes]]
Response = tuple[int, list[tuple[str, str]], bytes]
T = TypeVar("T")
Invalid = Callable[[str, str], Exception]
#: How a finished flow's answer is read, as JSON text: ``NativeQueryFlow.result`` for a query,
#: ``NativeQueryFlow.certificates_result`` for a certificate download. Both are driven by the
#: same loops (:func:`run`, :func:`run_async`): the core decides every step of either.
Answer = Callable[[_native.NativeQueryFlow], str]


class HttpxClient(Protocol):
    """What :meth:`Client.query` uses of an ``httpx.Client``."""

    def stream(
        self, method: str, url: str, *, content: Optional[bytes], headers: list[tuple[str, str]], timeout: float
    ) -> AbstractContextManager[Any]: ...


class RequestsSession(Protocol):
    """What :meth:`Client.query` uses of a ``requests.Session``."""

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        data: Optional[bytes],
        timeout: float,
        stream: bool,
        allow_redirects: bool,
    ) -> Any: ...


class AsyncHttpxClient(Protocol):
    """What :meth:`Client.query_async` uses of an ``httpx.AsyncClient``."""

    def stream(
        self, method: str, url: str, *, content: Optional[bytes], headers: list[tuple[str, str]], timeout: float
    ) -> AbstractAsyncContextManager[Any]: ...


#: The ``http`` argument of :meth:`Client.query`: an ``httpx.Client``, a ``requests.Session``,
#: or ``None`` for urllib.
HttpClient = Union[HttpxClient, RequestsSession]
#: The ``http`` argument of :meth:`Client.query_async`: an ``httpx.AsyncClient``, or ``None``.
AsyncHttpClient = AsyncHttpxClient


@runtime_checkable
class TokenStore(Protocol):
    """Where Mini Program access tokens and WeChat Pay platform-certificate listings are shared
    between processes (Redis, a database), so that a fleet fetches each once.

    Values are opaque text: a token's holds the token, so keep them as private as the token (a
    certificate listing is WeChat Pay's answer as received, still encrypted with the APIv3 key:
    every process decrypts and checks it itself, so a tampered entry cannot inject a key).
    Methods may be coroutines for :meth:`Client.query_async` and
    :meth:`Client.download_certificates_async`. ``lock`` is optional: with it, one process of a
    fleet fetches a token while the others wait for it.
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
        if not isinstance(e, BaseException) or id(e) in seen:  # a URLError's reason may be a str
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
        import socket
        import urllib.request

        def refuse(*args: Any, **kwargs: Any) -> None:
            return None

        def do_open(self: Any, http_class: Any, req: Any, **kwargs: Any) -> Any:
            deadline: Optional[_Deadline] = getattr(req, "payquery_deadline", None)
            if deadline is None:
                return urllib.request.AbstractHTTPHandler.do_open(self, http_class, req, **kwargs)

            def connect(address: Any, timeout: Any = None, source_address: Any = None) -> Any:
                sock = socket.create_connection(address, deadline.left(), source_address)
                sock.settimeout(deadline.left())  # the TLS handshake and the request: what is left
                return sock

            def connection(host: str, **kw: Any) -> Any:
                kw["timeout"] = deadline.left()
                conn = http_class(host, **kw)
                conn._create_connection = connect
                response_class = conn.response_class

                def response(sock: Any, *args: Any, **kwargs: Any) -> Any:
                    # Its status line, headers and body are read within the deadline.
                    resp = response_class(sock, *args, **kwargs)
                    _bounded(resp, deadline)
                    return resp

                conn.response_class = response
                return conn

            return urllib.request.AbstractHTTPHandler.do_open(self, connection, req, **kwargs)

        no_redirects = type("NoRedirects", (urllib.request.HTTPRedirectHandler,), {"redirect_request": refuse})
        handlers: list[Any] = [no_redirects]
        for base in (urllib.request.HTTPHandler, getattr(urllib.request, "HTTPSHandler", None)):
            if base is not None:  # HTTPSHandler: when Python has ssl
                handlers.append(type(f"Bounded{base.__name__}", (base,), {"do_open": do_open}))
        _opener = urllib.request.build_opener(*handlers)
    return _opener


def _read(stream: Any, limit: int) -> bytes:
    data: bytes = stream.read(limit + 1)
    return data


class _Deadline:
    """The end of one exchange (connect, request, status line, headers, body): a step's
    ``timeout`` bounds all of it, not each socket read (a body dripping a byte per read would
    otherwise hold the query for as long as the server likes)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.end = time.monotonic() + timeout

    def expired(self) -> BaseException:
        import socket

        return socket.timeout(f"no complete answer within {self.timeout:g} s")

    def left(self) -> float:
        """The seconds left, or the timeout raised once there are none."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise self.expired()
        return left

    def passed(self) -> bool:
        return time.monotonic() >= self.end


class _DeadlineReader(io.RawIOBase):
    """A response's buffered socket reader whose every read waits at most what is left of the
    deadline (the socket's timeout shrinks to it before each read)."""

    def __init__(self, inner: Any, sock: Any, deadline: _Deadline) -> None:
        super().__init__()
        self._inner, self._sock, self._deadline = inner, sock, deadline
        self._restore = sock.gettimeout() if sock is not None else None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline.left()
        if self._sock is not None:
            self._sock.settimeout(left)
        data: bytes = self._inner.read1(len(buffer))
        buffer[: len(data)] = data
        if not data:
            self.restore()
        return len(data)

    def restore(self) -> None:
        """The socket's own timeout back, once: at the end of the body or when the response
        closes, before a pool takes the connection back for other requests."""
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.settimeout(self._restore)
            except OSError:  # already closed
                pass

    def close(self) -> None:
        try:
            self.restore()
            self._inner.close()
        finally:
            super().close()


def _bounded(owner: Any, deadline: _Deadline) -> Optional[_DeadlineReader]:
    """Bounds the reads of ``owner`` (an ``http.client.HTTPResponse``) by ``deadline``: its
    ``fp`` is wrapped. None when ``owner`` is not built that way."""
    fp = getattr(owner, "fp", None)
    if not isinstance(fp, io.BufferedReader):
        return None
    reader = _DeadlineReader(fp, getattr(fp.raw, "_sock", None), deadline)
    owner.fp = io.BufferedReader(reader)
    return reader


def _send_urllib(request: Request, timeout: float, limit: int) -> Response:
    import urllib.error
    import urllib.request

    method, url, headers, body = request
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    marked: Any = req
    marked.payquery_deadline = deadline = _Deadline(timeout)  # read by the opener's handlers
    try:
        with _urllib_opener().open(req, timeout=timeout) as resp:
            return resp.status, list(resp.headers.items()), _read(resp, limit)
    except urllib.error.HTTPError as answer:
        # A non-2xx status is an answer, not a failure to complete the request.
        with answer:
            return answer.code, list(answer.headers.items()), _read(answer, limit)
    except urllib.error.URLError as e:
        if deadline.passed() and is_transport_failure(e):
            raise deadline.expired() from e
        raise


def _send_httpx(http: Any, request: Request, timeout: float, limit: int) -> Response:
    method, url, headers, body = request
    deadline = _Deadline(timeout)
    with http.stream(method, url, headers=headers, content=body, timeout=timeout) as resp:
        # httpx's timeouts are per read: each read of the body waits at most what is left. Only
        # on HTTP/1 (an HTTP/2 connection's stream is shared by concurrent requests).
        found = getattr(resp, "extensions", None)
        extensions: dict[str, Any] = found if isinstance(found, dict) else {}
        version: Any = extensions.get("http_version")
        stream: Any = extensions.get("network_stream")
        one = isinstance(version, bytes) and version.startswith(b"HTTP/1")
        read = getattr(stream, "read", None) if one else None
        patched = False
        if callable(read):

            def bounded_read(max_bytes: int, timeout: Optional[float] = None) -> Any:
                left = deadline.left()
                return read(max_bytes, left if timeout is None else min(timeout, left))

            try:
                stream.read = bounded_read
                patched = True
            except (AttributeError, TypeError):  # a stream that takes no attributes
                pass
        try:
            data = b""
            for chunk in resp.iter_bytes():
                data += chunk
                if len(data) > limit:
                    break
                deadline.left()
            return resp.status_code, list(resp.headers.multi_items()), data[: limit + 1]
        except Exception as e:
            if deadline.passed() and is_transport_failure(e):
                raise deadline.expired() from e
            raise
        finally:
            if patched and getattr(stream, "__dict__", {}).get("read") is bounded_read:
                del stream.read  # the pooled connection's stream is its own again


def _send_requests(http: Any, request: Request, timeout: float, limit: int) -> Response:
    method, url, headers, body = request
    deadline = _Deadline(timeout)
    resp = http.request(
        method, url, headers=dict(headers), data=body, timeout=timeout, stream=True, allow_redirects=False
    )
    # urllib3's http.client response: each read of the body waits at most what is left.
    reader = _bounded(getattr(getattr(resp, "raw", None), "_fp", None), deadline)
    try:
        data = b""
        for chunk in resp.iter_content(chunk_size=65536):
            data += chunk
            if len(data) > limit:
                break
            deadline.left()
        return resp.status_code, list(resp.headers.items()), data[: limit + 1]
    except Exception as e:
        # requests reports urllib3's read timeout as a ConnectionError: a timeout here.
        if deadline.passed() and is_transport_failure(e):
            raise deadline.expired() from e
        raise
    finally:
        if reader is not None:
            reader.restore()
        resp.close()


def _httpx_class(name: str) -> Any:
    """``httpx.<name>`` when httpx is imported (an httpx client exists only then), else None."""
    httpx = sys.modules.get("httpx")
    return None if httpx is None else getattr(httpx, name, None)


def _is(value: object, cls: Any) -> bool:
    return cls is not None and isinstance(value, cls)


def sender(http: object, asynchronous: bool, invalid: Invalid) -> Any:
    """The ``http`` argument checked before the first request (a wrong one is INVALID_INPUT
    naming ``http``, never a network failure retried three times) and its send function:
    an httpx client or anything with its ``stream`` method, a requests session or anything
    with its ``request`` method (the Protocols above)."""
    if http is None:
        return None
    sync_client, async_client = _httpx_class("Client"), _httpx_class("AsyncClient")
    streams = not isinstance(http, (str, bytes)) and callable(getattr(http, "stream", None))
    if asynchronous:
        if _is(http, async_client) or (streams and not _is(http, sync_client)):
            _hide_tokens_in_logs()
            return _send_async
        raise invalid("http", "`http` for query_async must be an httpx.AsyncClient (or None for urllib)")
    if _is(http, async_client):
        raise invalid("http", "`http` is an httpx.AsyncClient: pass it to query_async, or an httpx.Client here")
    # A callable `stream` first: a wrapper around an httpx client has `request` too, and
    # requests.Session's `stream` is a bool attribute, not a method.
    if _is(http, sync_client) or streams:
        _hide_tokens_in_logs()
        return _send_httpx
    if not isinstance(http, (str, bytes)) and callable(getattr(http, "request", None)):
        _hide_tokens_in_logs()
        return _send_requests
    raise invalid("http", "`http` must be an httpx.Client or a requests.Session (or None for urllib)")


def is_transport_failure(error: BaseException) -> bool:
    """Whether ``error`` says the request did not complete (connect, DNS, TLS, timeout, reset),
    in the HTTP client's own exception types. Anything else (a ``TypeError`` in the caller's
    client, a wrong argument) is a programming error: raised at once, never retried."""
    import http.client

    if isinstance(error, (OSError, http.client.HTTPException)):
        # requests' exceptions are all IOErrors; only these say the request did not complete.
        exceptions = sys.modules.get("requests.exceptions")
        if exceptions is not None and isinstance(error, exceptions.RequestException):
            return isinstance(error, (exceptions.ConnectionError, exceptions.Timeout, exceptions.ChunkedEncodingError))
        return True
    if _is(error, _httpx_class("TransportError")):
        return True
    urllib3 = sys.modules.get("urllib3.exceptions")
    if urllib3 is not None and isinstance(
        error, (urllib3.ProtocolError, urllib3.TimeoutError, urllib3.SSLError, urllib3.NewConnectionError)
    ):
        return True
    asyncio = sys.modules.get("asyncio")  # asyncio.TimeoutError is not TimeoutError before 3.11
    return asyncio is not None and isinstance(error, asyncio.TimeoutError)


def _text_of(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:  # noqa: BLE001 - a broken __str__ is shown as such, never raised
        return "<exception str() failed>"


def _printing_copy(cls: type[BaseException], shown: str) -> Optional[BaseException]:
    """An instance of ``cls`` holding only ``shown``, if it prints as that."""
    try:
        copy = cls.__new__(cls, shown)
        copy.args = (shown,)
        return copy if str(copy) == shown and repr(copy) else None  # both may read missing attributes
    except Exception:  # noqa: BLE001 - a class that cannot be built this way: None
        return None


def sanitized(flow: _native.NativeQueryFlow, error: BaseException) -> BaseException:
    """``error`` when nothing it prints (message, causes, contexts) quotes a credential of this
    flow; else a stand-in of the same class name whose message is redacted by the core (with
    no cause or context: those may quote the URL too). The flow's ``redact`` knows every
    credential it put into a request (a Mini Program ``access_token``, ``AppSecret``,
    ``Authorization``)."""
    import traceback

    try:
        printed = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    except Exception:  # noqa: BLE001 - what cannot be printed is replaced, to be safe
        printed = ""
    if printed and flow.redact(printed) == printed:
        return error
    shown = flow.redact(_text_of(error))
    cls = type(error)
    # The same class (`except httpx.ConnectError` still matches), built without its __init__:
    # none of its attributes (a request and its URL) are copied.
    clean = _printing_copy(cls, shown)
    names = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
    if clean is None:
        # A class that prints attributes (URLError its `reason`): a subclass that prints its args.
        try:
            printing = {"__str__": BaseException.__str__, "__repr__": BaseException.__repr__}
            clean = _printing_copy(type(cls.__name__, (cls,), {**names, **printing}), shown)
        except Exception:  # noqa: BLE001 - a class that cannot be subclassed gets a plain stand-in
            clean = None
    if clean is None:
        clean = type(cls.__name__, (Exception,), names)(shown)
    clean.__cause__ = None
    clean.__context__ = None
    clean.__suppress_context__ = True
    return clean.with_traceback(error.__traceback__)


class _TokenFilter:
    """A logging filter that replaces the value of an ``access_token`` (or ``secret``) query
    parameter in a record's message with ``[redacted]``: httpx logs every request's URL at INFO,
    urllib3 at DEBUG, and a Mini Program URL carries its access token."""

    _pattern = re.compile(r"([?&](?:access_token|secret)=)[^&\s\"'#]*")

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is left to logging
            return True
        shown = self._pattern.sub(r"\1[redacted]", message)
        if shown != message:
            record.msg, record.args = shown, None
        return True


_token_filter = _TokenFilter()
#: The loggers that print a request's URL: httpx's request log (INFO), urllib3's (DEBUG, under
#: requests) and its retry log.
LOGGERS_WITH_URLS = ("httpx", "urllib3.connectionpool", "urllib3.util.retry")


def _hide_tokens_in_logs() -> None:
    """Installs the filter on the loggers that print URLs (``addFilter`` is idempotent). Only
    when an httpx or requests client is given, which imports logging anyway."""
    import logging

    for name in LOGGERS_WITH_URLS:
        logging.getLogger(name).addFilter(_token_filter)


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


def _is_async_store(store: Any, op: str) -> bool:
    """Whether the store's method for ``op`` is a coroutine function (an asyncio store)."""
    import inspect

    name = {"load": "get", "lock": "lock", "save": "put"}.get(op, "invalidate")
    return inspect.iscoroutinefunction(getattr(store, name, None))


class _StoreTimeout(Exception):
    """A sync store call that did not return within its step's timeout."""


def _within(timeout_s: float, call: Callable[..., Any], *args: Any) -> Any:
    """Runs a sync token-store call within ``timeout_s`` (the step's timeout: the request
    timeout, capped by the deadline). A call that hangs (Redis down, a client retrying its
    connection) is abandoned to a daemon thread, which ends on its own, and the operation fails
    as ``Timeout``: the query goes on and never outlives its deadline."""
    import threading

    outcome: list[tuple[bool, Any]] = []
    finished = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, call(*args)))
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread as it is
            outcome.append((False, e))
        finally:
            finished.set()

    threading.Thread(target=run, name="payquery-token-store", daemon=True).start()
    if not finished.wait(timeout_s):
        raise _StoreTimeout()
    ok, value = outcome[0]
    if ok:
        return value
    raise value


def _store_reply(op: str, outcome: Any) -> tuple[str, Optional[str]]:
    if op == "load":
        return "loaded", outcome if isinstance(outcome, str) else (
            outcome.decode() if isinstance(outcome, bytes) else None
        )
    if op == "lock":
        return ("locked" if outcome else "busy"), None
    return "done", None


def _failed_store(error: BaseException) -> tuple[str, Optional[str]]:
    """A store that raised: the query goes on without it; the core records an attempt with the
    error's kind (its class name, never its message: it may quote a key or a token)."""
    return "failed", type(error).__name__


def _not_awaited(outcome: Any) -> tuple[str, Optional[str]]:
    """A store method that returned an awaitable (an ``async def`` store) to the sync driver,
    which cannot await it: a failed store operation, an attempt whose ``store_error`` names
    the awaitable's class (``coroutine``), never a miss or a lock read from it. A coroutine is
    closed, so no "never awaited" warning is left behind."""
    close = getattr(outcome, "close", None)
    if callable(close):
        close()
    return "failed", type(outcome).__name__


def _done(flow: _native.NativeQueryFlow, cause: Optional[BaseException], answer: Answer) -> str:
    try:
        return answer(flow)
    except _native.NativeError as e:
        # A NETWORK_ERROR's cause is the HTTP client's own error, credentials redacted.
        e.__cause__ = sanitized(flow, cause) if cause is not None and e.args[0] == "NETWORK_ERROR" else None
        raise


def _converted(
    flow: _native.NativeQueryFlow, cause: Optional[BaseException], answer: Answer, convert: Callable[[str], T]
) -> T:
    return convert(_done(flow, cause, answer))


def run(flow: _native.NativeQueryFlow, http: Any, send: Any, token_store: Any, answer: Answer) -> str:
    """Drives ``flow`` to its end; its ``answer``'s JSON, or raises the core's error. ``send``
    is what :func:`sender` chose for ``http``. An error of the HTTP client that is not a
    transport failure is raised at once (credentials redacted), not retried."""
    cause: Optional[BaseException] = None
    while True:
        step = flow.next(_now_ms(), _random())
        kind = step[0]
        if kind == "done":
            return _done(flow, cause, answer)
        if kind == "sleep":
            time.sleep(max(0.0, (step[1] - _now_ms()) / 1000))
        elif kind == "send":
            _, timeout_ms, limit, request = step
            bug: Optional[BaseException] = None
            try:
                if send is None:
                    status, headers, body = _send_urllib(request, timeout_ms / 1000, limit)
                else:
                    status, headers, body = send(http, request, timeout_ms / 1000, limit)
            except Exception as e:  # noqa: BLE001 - every HTTP client's failure is classified
                if is_transport_failure(e):
                    cause = e
                    flow.receive_failure(transport_kind(e), f"{type(e).__name__}: {e}", _now_ms())
                else:
                    bug = sanitized(flow, e)
            else:
                flow.receive(status, headers, body, _now_ms())
            if bug is not None:
                raise bug  # outside the except block: no __context__ quoting the raw error
        else:
            _, op, key, value, ttl_ms, store_timeout_ms = step
            try:
                outcome = _within(store_timeout_ms / 1000, _store_call, token_store, op, key, value, ttl_ms)
                reply = _not_awaited(outcome) if hasattr(outcome, "__await__") else _store_reply(op, outcome)
            except _StoreTimeout:
                reply = ("failed", "Timeout")
            except Exception as e:  # noqa: BLE001 - a failing store costs its sharing, not the query
                reply = _failed_store(e)
            flow.store_reply(reply[0], reply[1], _now_ms())


async def run_async(
    flow: _native.NativeQueryFlow, http: Any, send: Any, token_store: Any, answer: Answer, convert: Callable[[str], T]
) -> T:
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
            return await asyncio.to_thread(_converted, flow, cause, answer, convert)
        if kind == "sleep":
            await asyncio.sleep(max(0.0, (step[1] - _now_ms()) / 1000))
        elif kind == "send":
            _, timeout_ms, limit, request = step
            bug: Optional[BaseException] = None
            try:
                if send is None:
                    # The worker thread stops at the deadline on its own; the wait does too.
                    received = await asyncio.wait_for(
                        asyncio.to_thread(_send_urllib, request, timeout_ms / 1000, limit), timeout_ms / 1000
                    )
                else:
                    received = await asyncio.wait_for(send(http, request, timeout_ms / 1000, limit), timeout_ms / 1000)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - every HTTP client's failure is classified
                if is_transport_failure(e):
                    cause = e
                    flow.receive_failure(transport_kind(e), f"{type(e).__name__}: {e}", _now_ms())
                else:
                    bug = sanitized(flow, e)
            else:
                status, headers, body = received
                await asyncio.to_thread(flow.receive, status, headers, body, _now_ms())
            if bug is not None:
                raise bug
        else:
            _, op, key, value, ttl_ms, store_timeout_ms = step
            try:
                if _is_async_store(token_store, op):
                    call = _store_call(token_store, op, key, value, ttl_ms)
                else:
                    # A sync store (redis-py) runs in a worker thread: on the loop it would block
                    # every other query, and nothing could bound it.
                    call = asyncio.to_thread(_store_call, token_store, op, key, value, ttl_ms)
                outcome = await asyncio.wait_for(call, store_timeout_ms / 1000)
                if inspect.isawaitable(outcome):
                    outcome = await asyncio.wait_for(outcome, store_timeout_ms / 1000)
                reply = _store_reply(op, outcome)
            except asyncio.CancelledError:
                raise
            except asyncio.TimeoutError:
                # A store that hangs (Redis down, a client retrying its connection) is a failed
                # operation once the step's timeout (the request timeout, capped by the
                # deadline) is over, never a query held past its deadline.
                reply = ("failed", "Timeout")
            except Exception as e:  # noqa: BLE001 - a failing store costs its sharing, not the query
                reply = _failed_store(e)
            flow.store_reply(reply[0], reply[1], _now_ms())


# The core's limits (core/src/flow/mod.rs, `QueryOptions::resolve`), in the caller's names and
# units, so that an error names `timeout` in seconds rather than `timeout_ms`.
_DAY_S = 86_400
_MAX_TIMEOUT_S = 600
_MAX_ATTEMPTS = 20
_MAX_POLL_INTERVALS = 32


def options_json(
    *,
    timeout: Optional[float],
    deadline: Optional[float],
    max_attempts: Optional[int],
    poll: bool,
    poll_intervals: Optional[Any],
    not_found_grace: Optional[float],
    token_store: Any,
    invalid: Invalid,
) -> str:
    """The core's ``QueryOptions`` from Python's keyword arguments (seconds as floats), checked
    against the core's limits in the caller's names and units."""

    def ms(name: str, value: Optional[float], limit: str, most: int, zero: bool = False) -> Optional[int]:
        if value is None:
            return None
        number = not isinstance(value, bool) and isinstance(value, (int, float))
        # NaN and infinities fail these comparisons: refused, never an OverflowError. The core
        # counts milliseconds: below 0.001 s is refused, never rounded up to 1 ms.
        if not (number and ((zero and value == 0) or 0.001 <= value <= most)):
            # Not a huge int's digits (beyond 4300 of them, repr itself raises).
            shown = f", not {value!r}" if number and (isinstance(value, float) or abs(value) < 10**15) else ""
            least = "0, or a number of seconds from 0.001" if zero else "a number of seconds from 0.001"
            raise invalid(name, f"`{name}` must be {least} to {limit}{shown}")
        return 0 if value == 0 else max(1, round(value * 1000))

    if not isinstance(poll, bool):
        raise invalid("poll", "`poll` must be a bool")
    if max_attempts is not None and (
        isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or not 1 <= max_attempts <= _MAX_ATTEMPTS
    ):
        raise invalid("max_attempts", f"`max_attempts` must be an int from 1 to {_MAX_ATTEMPTS}")
    intervals = None
    if poll_intervals is not None:
        waits = None
        if not isinstance(poll_intervals, (str, bytes, Mapping)) and hasattr(poll_intervals, "__iter__"):
            waits = list(poll_intervals)
        if waits is None or not 1 <= len(waits) <= _MAX_POLL_INTERVALS:
            raise invalid(
                "poll_intervals",
                f"`poll_intervals` must be a list of 1 to {_MAX_POLL_INTERVALS} waits in seconds, the last repeated",
            )
        intervals = [ms("poll_intervals", v, "86400 (1 day) each", _DAY_S) for v in waits]
    if token_store is not None and not all(
        callable(getattr(token_store, m, None)) for m in ("get", "put", "invalidate")
    ):
        raise invalid("token_store", "`token_store` must have get, put and invalidate methods")
    options: dict[str, Union[int, bool, list[Optional[int]], None]] = {
        "timeout_ms": ms("timeout", timeout, f"{_MAX_TIMEOUT_S} per request", _MAX_TIMEOUT_S),
        "deadline_ms": ms("deadline", deadline, "86400 (1 day)", _DAY_S),
        "max_attempts": max_attempts,
        "poll": poll,
        "poll_intervals_ms": intervals,
        "not_found_grace_ms": ms("not_found_grace", not_found_grace, "86400 (1 day)", _DAY_S, zero=True),
        "token_store": token_store is not None,
    }
    return json.dumps({k: v for k, v in options.items() if v is not None})


__all__ = [
    "AsyncHttpClient",
    "AsyncHttpxClient",
    "HttpClient",
    "HttpxClient",
    "RequestsSession",
    "TokenStore",
    "is_transport_failure",
    "options_json",
    "run",
    "run_async",
    "sanitized",
    "sender",
    "transport_kind",
]

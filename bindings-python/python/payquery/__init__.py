"""payquery: ask five Chinese payment providers "what happened to this order?".

One Rust core (compiled into ``payquery._native``) builds signed request descriptors and turns
the responses into verified, typed provider answers plus one normalized :class:`Order`. This
module is the thin Python layer over it: argument checks, ``time.time()`` and ``secrets``
defaults, immutable result types and the :class:`PayqueryError` hierarchy. Send the requests
with ``httpx``, ``requests`` or ``urllib``; payquery never opens a socket.
"""

# The public records' field annotations are written so that Python 3.9 can evaluate them
# (`Optional[str]`, not `str | None`): `typing.get_type_hints` and pydantic-style introspection
# must work on every supported version (ruff.toml exempts this package from UP007/UP045).
from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, Optional, Protocol, Union, cast

from . import _models, _native, _query
from ._errors import PayqueryError
from ._models import *  # noqa: F403 (every generated model is public, as _models.__all__ lists)
from ._models import (
    ERROR_CLASSES,
    AccessToken,
    Attempt,
    CertificateDownload,
    Config,
    DecodeError,
    InvalidConfigError,
    InvalidInputError,
    Notification,
    NotificationReply,
    OrderQuery,
    ProviderId,
    QueryResult,
    TokenKind,
    _Record,
    _set,
)
from ._query import AsyncHttpClient, HttpClient, TokenStore

__all__ = [
    "AsyncHttpClient",
    "Client",
    "ERROR_CODES",
    "HttpClient",
    "TokenStore",
    "HandledNotification",
    "Headers",
    "HttpRequest",
    "NotificationRequest",
    "PayqueryError",
    "PendingRequest",
]
__all__ += _models.__all__

__version__: str = _native.VERSION
"""This package's version (the Rust core's: one version for every package)."""

ERROR_CODES: tuple[str, ...] = tuple(_native.error_codes())
"""The core's stable error codes, in its order."""

_INT64 = range(-(2**63), 2**63)
# The native half's words for a str that cannot become UTF-8 (`"A\ud800"` is a valid str).
_LONE_SURROGATE = "a lone UTF-16 surrogate (\\ud800-\\udfff), which is not Unicode text"


def _query_result(text: str) -> QueryResult:
    return QueryResult._from_json(json.loads(text), text)


def _certificate_download(text: str) -> CertificateDownload:
    return CertificateDownload._from_json(json.loads(text))


def _handled(text: str) -> HandledNotification:
    """A notification flow's outcome (the JSON of ``payquery notify``): the accepted
    notification with its reply, or its error's class raised with the reply as ``.reply``."""
    outcome = json.loads(text)
    reply = NotificationReply._from_json(outcome["reply"])
    if "error" in outcome:
        raise _error_from_json(outcome["error"], reply)
    notification = outcome["notification"]
    # Its own JSON text, for `Notification.to_dict()` (the CLI's shape, as the core wrote it).
    own_text = json.dumps(notification, ensure_ascii=False, separators=(",", ":"))
    attempts = tuple(Attempt._from_json(a) for a in outcome.get("attempts", ()))
    return HandledNotification(Notification._from_json(notification, own_text), reply, attempts)


def _error_from_json(error: Any, reply: Optional[NotificationReply]) -> PayqueryError:
    """The core's error as JSON (what the CLI prints under ``"error"``) as its class."""
    return ERROR_CLASSES[error["code"]](
        error["message"],
        field=error.get("field"),
        provider_code=error.get("provider_code"),
        provider_message=error.get("provider_message"),
        http_status=error.get("http_status"),
        retryable=error["retryable"],
        backup_host_applies=error["backup_host_applies"],
        attempts=tuple(Attempt._from_json(a) for a in error.get("attempts", ())),
        reply=reply,
    )


def _raise_from_native(error: _native.NativeError) -> PayqueryError:
    code, message, field_name, provider_code, provider_message, http_status, retryable, backup, tried = error.args
    attempts = () if tried is None else tuple(Attempt._from_json(a) for a in json.loads(tried))
    return ERROR_CLASSES[code](
        message,
        field=field_name,
        provider_code=provider_code,
        provider_message=provider_message,
        http_status=http_status,
        retryable=retryable,
        backup_host_applies=backup,
        attempts=attempts,
    )


def _invalid(field_name: str, message: str) -> PayqueryError:
    return InvalidInputError(message, field=field_name)


def _not_text(field_name: str) -> PayqueryError:
    """A str argument that cannot cross to the native half as UTF-8 (PyO3 raises
    UnicodeEncodeError for it): INVALID_INPUT naming the argument."""
    return _invalid(field_name, f"`{field_name}` is a str that holds {_LONE_SURROGATE}")


def _shown(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Header pairs that ``repr`` can show: a lone surrogate becomes ``?`` (repr never raises)."""
    return [(n.encode("utf-8", "replace").decode(), v.encode("utf-8", "replace").decode()) for n, v in pairs]


class _HeaderItems(Protocol):
    """Headers that give their lines with ``items()``: urllib's ``HTTPMessage`` (iterating it
    yields the names only), requests' dict, any Mapping."""

    def items(self) -> Iterable[tuple[str, str]]: ...


# ---------------------------------------------------------------------------------- values


class Headers(Mapping[str, str]):
    """A request's headers in send order: a read-only mapping with case-insensitive lookup.

    ``httpx`` and ``requests`` (and ``urllib``) take it as ``headers=`` as it is, without loss:
    payquery never builds a request that repeats a header name. It holds **live credentials**
    (``Authorization``, ``AppSecret``) — ``request.headers["AppSecret"]`` is the value that is
    sent — but its ``repr()`` redacts them, so printing or logging it shows ``[redacted]``.
    ``dict(headers)`` and ``headers.items()`` are the raw values; :meth:`pairs` the tuple of pairs.
    """

    __slots__ = ("_pairs",)

    def __init__(self, pairs: Union[Mapping[str, str], _HeaderItems, Iterable[tuple[str, str]]] = ()) -> None:
        self._pairs: tuple[tuple[str, str], ...] = _header_pairs(pairs)

    def __getitem__(self, name: str) -> str:
        if isinstance(name, str):
            folded = name.lower()
            for key, value in self._pairs:
                if key.lower() == folded:
                    return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __hash__(self) -> int:
        return hash(self._pairs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._pairs == other._pairs
        return super().__eq__(other)

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The headers as ``(name, value)`` pairs, in send order."""
        return self._pairs

    def __repr__(self) -> str:
        try:
            shown = _native.redact_request("GET", "http://h/", list(self._pairs), None)[2]
        except UnicodeEncodeError:
            shown = _native.redact_request("GET", "http://h/", _shown(self._pairs), None)[2]
        return f"Headers({shown!r})"


class HttpRequest(_Record):
    """A signed request to send unchanged.

    ``url``, ``headers`` and ``body`` hold live credentials (an ``access_token`` in a Mini
    Program URL, the vending ``AppSecret`` header, the AppSecret in a token request's body):
    they are what is sent. ``repr()`` redacts them, and :meth:`redacted` gives the form that may
    be logged. ``headers`` may be given as any pairs; it is always kept as :class:`Headers`.
    Immutable and hashable, like every payquery record.
    """

    __slots__ = ("method", "url", "headers", "body")
    __match_args__ = ("method", "url", "headers", "body")
    _fields = __slots__
    _hashed = __slots__

    method: Literal["GET", "POST"]
    url: str
    headers: Headers
    body: Optional[bytes]

    def __init__(
        self,
        method: Literal["GET", "POST"],
        url: str,
        headers: Union[Mapping[str, str], Iterable[tuple[str, str]]],
        body: Optional[bytes],
    ) -> None:
        _set(self, "method", method)
        _set(self, "url", url)
        _set(self, "headers", headers if isinstance(headers, Headers) else Headers(headers))
        _set(self, "body", body)

    def redacted(self) -> dict[str, Any]:
        """What may be logged: credentials replaced by ``[redacted]`` (by the core), the body as
        its length. A plain dict, so structured loggers and ``json.dumps`` take it as it is."""
        pairs = list(self.headers.pairs())
        try:
            method, url, headers, body_len = _native.redact_request(self.method, self.url, pairs, self.body)
        except UnicodeEncodeError:
            url = self.url.encode("utf-8", "replace").decode()
            method, url, headers, body_len = _native.redact_request(self.method, url, _shown(pairs), self.body)
        body = None if body_len is None else f"<{body_len} bytes>"
        return {"method": method, "url": url, "headers": [list(pair) for pair in headers], "body": body}

    def __repr__(self) -> str:
        shown = self.redacted()
        body = "None" if shown["body"] is None else shown["body"]
        headers = [tuple(pair) for pair in shown["headers"]]
        return f"HttpRequest(method={shown['method']!r}, url={shown['url']!r}, headers={headers!r}, body={body})"


def _request(native: tuple[str, str, list[tuple[str, str]], Optional[bytes]]) -> HttpRequest:
    method, url, headers, body = native
    return HttpRequest(cast("Literal['GET', 'POST']", method), url, Headers(headers), body)


class PendingRequest:
    """A WeChat Pay request waiting for its signature (keys in a KMS, an HSM, elsewhere)."""

    __slots__ = ("_native",)

    def __init__(self, native: _native.NativePending) -> None:
        self._native = native

    @classmethod
    def from_json(cls, text: str) -> PendingRequest:
        """Reads a parked pending request (the output of :meth:`to_json`); validated again."""
        if not isinstance(text, str):
            raise _invalid("pending", "a pending request is read from its JSON text")
        try:
            return cls(_native.NativePending.from_json(text))
        except UnicodeEncodeError:
            raise _not_text("pending") from None
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    @property
    def string_to_sign(self) -> str:
        """The exact UTF-8 message to sign with RSASSA-PKCS1-v1_5 / SHA-256."""
        return self._native.string_to_sign

    @property
    def timestamp(self) -> int:
        return self._native.timestamp

    @property
    def nonce(self) -> str:
        return self._native.nonce

    def to_json(self) -> str:
        """The pending request as JSON, to park while an external signer works."""
        return self._native.to_json()

    def finish(self, signature_base64: str) -> HttpRequest:
        """Attaches the standard-base64 signature of :attr:`string_to_sign`."""
        if not isinstance(signature_base64, str):
            raise _invalid("signature", "the signature must be a base64 str")
        try:
            return _request(self._native.finish(signature_base64))
        except UnicodeEncodeError:
            raise _not_text("signature") from None
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    def __repr__(self) -> str:
        return f"PendingRequest(string_to_sign={self.string_to_sign!r})"


class NotificationRequest(_Record):
    r"""A provider's notification (callback) exactly as your web server received it: the
    method, every header line in order (a repeated name kept: a doubled signature header is
    refused, never resolved by picking one), and the **raw body bytes**.

    Read the body as bytes — Starlette/FastAPI ``await request.body()``, Flask
    ``request.get_data()``, Django ``request.body`` — never as parsed JSON or decoded text:
    WeChat Pay signs the exact bytes it sent, and a body re-serialised (keys reordered, ``\/``
    unescaped, numbers reformatted) no longer verifies. A ``str``, dict or list body is refused
    (``InvalidInputError`` naming ``body``). ``headers``: any Mapping (Starlette's and Flask's
    keep repeated lines in ``items()``) or (name, value) pairs. Immutable and hashable.
    """

    __slots__ = ("method", "headers", "body")
    __match_args__ = ("method", "headers", "body")
    _fields = __slots__
    _hashed = __slots__

    method: str
    headers: Headers
    body: bytes

    def __init__(
        self,
        method: str,
        headers: Union[Mapping[str, str], Iterable[tuple[str, str]]],
        body: Union[bytes, bytearray, memoryview],
    ) -> None:
        if not isinstance(method, str):
            raise _invalid("method", "`method` must be a str (the request's HTTP method)")
        if isinstance(body, (bytearray, memoryview)):
            body = bytes(body)
        if not isinstance(body, bytes):
            what = "a str" if isinstance(body, str) else f"a {type(body).__name__}"
            raise _invalid(
                "body",
                f"`body` must be the raw bytes as received (`await request.body()`, `request.get_data()`), "
                f"not {what}: the provider signs the exact bytes it sent, and decoded or re-serialised "
                "text may no longer verify",
            )
        _set(self, "method", method)
        _set(self, "headers", headers if isinstance(headers, Headers) else Headers(headers))
        _set(self, "body", body)

    def __repr__(self) -> str:
        # The body as its length: notifications are up to 256 KiB (a log line needs no more).
        return f"NotificationRequest(method={self.method!r}, headers={self.headers!r}, body=<{len(self.body)} bytes>)"


class HandledNotification(_Record):
    """An accepted notification and the reply that tells the provider so.

    Store the notification (deduplicated on ``notification.id``: providers send one again until
    they get the success reply, and sometimes after it), then send ``reply``. If storing fails,
    send :meth:`Client.notification_retry_reply` instead, so that the provider sends it again.
    """

    __slots__ = ("notification", "reply", "attempts")
    __match_args__ = ("notification", "reply", "attempts")
    _fields = __slots__
    _shown = __slots__
    _hashed = __slots__

    notification: Notification
    #: The exact HTTP reply to send once the notification is stored.
    reply: NotificationReply
    #: The requests :meth:`Client.handle_notification` made for it: a certificate download for
    #: a WeChat Pay serial the client did not hold, or none.
    attempts: tuple[Attempt, ...]

    def __init__(
        self, notification: Notification, reply: NotificationReply, attempts: tuple[Attempt, ...] = ()
    ) -> None:
        _set(self, "notification", notification)
        _set(self, "reply", reply)
        _set(self, "attempts", attempts)


# ---------------------------------------------------------------------------------- inputs

#: A config: a dict (checked key by key by mypy against the provider's ``TypedDict``) or JSON text.
ConfigDocument = Union[Config, str]
#: An order query: a dict (checked against the provider's ``TypedDict``) or JSON text.
QueryDocument = Union[OrderQuery, str]
HeadersInput = Union[Mapping[str, str], _HeaderItems, Iterable[tuple[str, str]]]
"""Response headers: httpx's ``Headers``, requests' dict, urllib's ``HTTPMessage``, any Mapping,
or (name, value) pairs."""
BodyInput = Union[bytes, bytearray, memoryview, str]


def _document(value: object, name: str, error: type[PayqueryError]) -> str | dict[str, Any]:
    """A config or query document for the native half: JSON text, or a dict, which the native
    half writes as JSON itself (faster than json.dumps); any other Mapping goes through json.dumps."""
    if isinstance(value, (str, dict)):
        return value
    if isinstance(value, Mapping):
        try:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            raise error(f"`{name}` holds a value that is not JSON (bytes, a set, NaN …)", field=name) from None
    raise error(f"`{name}` must be a dict or JSON text", field=name)


def _int64(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(name, f"`{name}` must be an int")
    if value not in _INT64:
        raise _invalid(name, f"`{name}` does not fit in 64 bits")
    return value


def _header_pairs(value: object) -> tuple[tuple[str, str], ...]:
    """Any common header shape as pairs: httpx.Headers (one pair per header line, repeats kept),
    anything with ``items()`` (any Mapping, requests' dict, urllib's ``HTTPMessage``, whose
    iteration yields names only and whose ``items()`` keeps repeats), or any iterable of
    (name, value) pairs, a generator included. ``None`` is refused, not taken for "no
    headers": pass ``{}`` for that."""
    if value is None or isinstance(value, (str, bytes, bytearray)):
        raise _invalid("headers", "`headers` must be a mapping or an iterable of (name, value) pairs")
    multi_items = getattr(value, "multi_items", None)  # httpx.Headers
    items = getattr(value, "items", None)  # a Mapping, an HTTPMessage, requests' dict
    if isinstance(value, Headers):
        return value.pairs()
    if callable(multi_items):
        pairs: object = multi_items()
    elif callable(items):
        pairs = items()
    else:
        pairs = value
    if not isinstance(pairs, Iterable):
        raise _invalid("headers", "`headers` must be a mapping or an iterable of (name, value) pairs")
    out: list[tuple[str, str]] = []
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise _invalid("headers", "header pairs must be (name, value)")
        name, text = pair
        if not isinstance(name, str) or not isinstance(text, str):
            raise _invalid("headers", "header names and values must be str")
        out.append((name, text))
    return tuple(out)


def _headers(value: object) -> list[tuple[str, str]]:
    return list(_header_pairs(value))


def _body(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError:
            raise _not_text("body") from None
    raise _invalid("body", "`body` must be bytes or str")


def _status(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 999:
        raise _invalid("status", "`status` must be an int HTTP status")
    return value


def _context(timestamp: int | None, nonce: str | None) -> tuple[int, str | None, bytes | None]:
    ts = int(time.time()) if timestamp is None else _int64(timestamp, "timestamp")
    if nonce is None:
        return ts, None, _query._random()
    if not isinstance(nonce, str):
        raise _invalid("nonce", "`nonce` must be a str")
    try:
        nonce.encode("utf-8")
    except UnicodeEncodeError:
        raise _not_text("nonce") from None
    return ts, nonce, None


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else _int64(now, "now")


# ---------------------------------------------------------------------------------- client


class Client:
    """One configured provider client. Keys are parsed once; share it across threads.

    ``config`` is the same config document as the CLI's (a dict or JSON text); ``*_path`` keys
    are read relative to ``base_dir`` (default: the working directory).
    """

    __slots__ = ("_native",)

    def __init__(self, config: ConfigDocument, base_dir: str | os.PathLike[str] | None = None) -> None:
        text = _document(config, "config", InvalidConfigError)
        if base_dir is not None and not isinstance(base_dir, (str, os.PathLike)):
            raise InvalidConfigError("`base_dir` must be a path", field="base_dir")
        try:
            self._native = _native.NativeClient(text, os.fspath(base_dir) if base_dir is not None else os.getcwd())
        except UnicodeEncodeError:
            raise InvalidConfigError(f"`base_dir` is a str that holds {_LONE_SURROGATE}", field="base_dir") from None
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    @classmethod
    def from_config_file(cls, path: str | os.PathLike[str]) -> Client:
        """Reads a config file; its ``*_path`` keys are relative to the file, as the CLI does."""
        # Read through the core's cap: one byte more than it at most, so a huge file is
        # refused, not read whole.
        limit = _native.MAX_DOCUMENT_BYTES
        if not isinstance(path, (str, os.PathLike)):
            raise _invalid("path", "`path`: expected a path (str or os.PathLike)")
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                # A FIFO would block the open forever; a directory or a device is no config file.
                raise InvalidConfigError(
                    f"cannot read config file {path}: it is not a regular file (a FIFO, a device, a directory)",
                    field="path",
                )
            with open(path, "rb") as f:
                data = f.read(limit + 1)
            if len(data) > limit:
                raise InvalidConfigError(
                    f"cannot read config file {path}: it is larger than {limit} bytes, which no config file is",
                    field="path",
                )
            text = data.decode("utf-8")
        except (OSError, TypeError, UnicodeDecodeError) as e:
            raise InvalidConfigError(f"cannot read config file {path}: {e}", field="path") from None
        return cls(text, base_dir=os.path.dirname(os.path.abspath(path)))

    @property
    def provider(self) -> ProviderId:
        """The provider id, e.g. ``"wechatpay_edu_papay"`` (a ``ProviderId``: mypy checks comparisons)."""
        return cast(ProviderId, self._native.provider)

    def query(
        self,
        query: QueryDocument,
        *,
        http: Optional[HttpClient] = None,
        timeout: float = 10.0,
        deadline: float | None = None,
        max_attempts: int | None = None,
        poll: bool = False,
        poll_intervals: Iterable[float] | None = None,
        not_found_grace: float | None = None,
        token_store: TokenStore | None = None,
    ) -> QueryResult:
        """The one-call query: signs, sends, verifies and parses, failing over, retrying,
        waiting, fetching Mini Program tokens and (with ``api_v3_key``) downloading WeChat
        Pay platform certificates as payquery's policy says — the same in every language.
        Returns the result with its ``attempts``; a failure raises the error's class, with
        ``attempts`` (a ``NetworkError``'s ``__cause__`` is the HTTP client's own).

        ``http``: an ``httpx.Client`` or ``requests.Session`` (default: urllib, no dependency).
        Times are in seconds: ``timeout`` per request, ``deadline`` for the whole query (30 s;
        with ``poll``, 600 s). ``poll`` queries again until the status is final, waiting
        ``poll_intervals`` (5, 10, 20, 30, then 60 s); at the deadline the result has
        ``settled=False``. ``token_store`` shares Mini Program tokens and WeChat Pay platform
        certificates between processes.
        """
        send = _query.sender(http, False, _invalid)
        flow = self._start_query(
            query, timeout, deadline, max_attempts, poll, poll_intervals, not_found_grace, token_store
        )
        try:
            text = _query.run(flow, http, send, token_store, _native.NativeQueryFlow.result)
        except _native.NativeError as e:
            raise _raise_from_native(e) from e.__cause__
        return _query_result(text)

    async def query_async(
        self,
        query: QueryDocument,
        *,
        http: Optional[AsyncHttpClient] = None,
        timeout: float = 10.0,
        deadline: float | None = None,
        max_attempts: int | None = None,
        poll: bool = False,
        poll_intervals: Iterable[float] | None = None,
        not_found_grace: float | None = None,
        token_store: TokenStore | None = None,
    ) -> QueryResult:
        """:meth:`query` for asyncio: ``http`` is an ``httpx.AsyncClient`` (default: urllib in a
        worker thread); signing and verifying run in worker threads, so the event loop is never
        held for an RSA operation; ``token_store`` methods may be coroutines. Cancelling the
        task cancels the query."""
        send = _query.sender(http, True, _invalid)
        flow = self._start_query(
            query, timeout, deadline, max_attempts, poll, poll_intervals, not_found_grace, token_store
        )
        try:
            return await _query.run_async(flow, http, send, token_store, _native.NativeQueryFlow.result, _query_result)
        except _native.NativeError as e:
            raise _raise_from_native(e) from e.__cause__

    def download_certificates(
        self,
        *,
        http: Optional[HttpClient] = None,
        timeout: float = 10.0,
        deadline: float | None = None,
        token_store: TokenStore | None = None,
    ) -> CertificateDownload:
        """Downloads WeChat Pay's platform certificates now (a WeChat Pay config with
        ``api_v3_key``): for a central job that refreshes them, or to write them into a
        fixed-certificate config. :meth:`query` needs no call to it: the query downloads them
        itself, before the first query, on refresh and for an unknown serial.

        Returns every certificate this client now holds, newest first (downloaded ones merged
        with those still valid; empty for a merchant on WeChat Pay's public key only), with the
        request's ``attempts``. A failed download raises its error class with ``attempts``; the
        certificates already held stay in use. ``http``, ``timeout``, ``deadline`` and
        ``token_store`` are :meth:`query`'s (with a store, the listing is saved for the fleet's
        other processes). Without ``api_v3_key``: ``InvalidConfigError`` naming it.
        """
        send = _query.sender(http, False, _invalid)
        flow = self._start_download(timeout, deadline, token_store)
        try:
            text = _query.run(flow, http, send, token_store, _native.NativeQueryFlow.certificates_result)
        except _native.NativeError as e:
            raise _raise_from_native(e) from e.__cause__
        return _certificate_download(text)

    async def download_certificates_async(
        self,
        *,
        http: Optional[AsyncHttpClient] = None,
        timeout: float = 10.0,
        deadline: float | None = None,
        token_store: TokenStore | None = None,
    ) -> CertificateDownload:
        """:meth:`download_certificates` for asyncio, as :meth:`query_async` is :meth:`query`'s
        (``http``: an ``httpx.AsyncClient``; ``token_store`` methods may be coroutines)."""
        send = _query.sender(http, True, _invalid)
        flow = self._start_download(timeout, deadline, token_store)
        try:
            return await _query.run_async(
                flow, http, send, token_store, _native.NativeQueryFlow.certificates_result, _certificate_download
            )
        except _native.NativeError as e:
            raise _raise_from_native(e) from e.__cause__

    def handle_notification(
        self,
        request: NotificationRequest,
        *,
        http: Optional[HttpClient] = None,
        timeout: float = 3.0,
        deadline: float = 4.0,
        token_store: TokenStore | None = None,
    ) -> HandledNotification:
        """Verifies, decrypts and types one notification (a provider's callback) as your web
        server received it, and says exactly what to answer.

        Returns the :class:`Notification` (``id`` is the idempotency key, ``order`` the same
        normalized :class:`Order` as a query's) with the reply to send once it is stored. A
        rejected one raises its error's class (``SignatureInvalidError``,
        ``TimestampSkewError``, ``DecryptError``, ``InvalidInputError`` …) with ``.reply``, the
        reply to send all the same: its status tells the provider whether to send it again. A
        bad argument or option (a host's bug) is an ``InvalidInputError`` naming it, with
        :meth:`notification_retry_reply` as ``.reply``.

        It sends nothing, except for a WeChat Pay notification signed with a platform
        certificate this client does not hold (a rotation): then one certificate download (at
        most one per client per minute; with ``api_v3_key``) and the same notification checked
        again — the steps of :meth:`query`, run by the same driver, with ``http``, ``timeout``
        and ``token_store`` as there. ``deadline`` (4 s) keeps the answer within the 5 s the
        providers wait. The unsigned vending callback comes back with ``verified=False``:
        confirm it with :meth:`confirm_notification`.
        """
        send = _query.sender(http, False, self._refused)
        flow = self._start_notification(request, timeout, deadline, token_store)
        try:
            text = _query.run(flow, http, send, token_store, _native.NativeQueryFlow.notification_result)
        except _native.NativeError as e:
            raise _raise_from_native(e) from e.__cause__
        return _handled(text)

    async def handle_notification_async(
        self,
        request: NotificationRequest,
        *,
        http: Optional[AsyncHttpClient] = None,
        timeout: float = 3.0,
        deadline: float = 4.0,
        token_store: TokenStore | None = None,
    ) -> HandledNotification:
        """:meth:`handle_notification` for asyncio, as :meth:`query_async` is :meth:`query`'s:
        verifying and decrypting run in a worker thread, never on the event loop (``http``: an
        ``httpx.AsyncClient``; ``token_store`` methods may be coroutines)."""
        send = _query.sender(http, True, self._refused)
        flow = self._start_notification(request, timeout, deadline, token_store)
        try:
            return await _query.run_async(
                flow, http, send, token_store, _native.NativeQueryFlow.notification_result, _handled
            )
        except _native.NativeError as e:
            raise _raise_from_native(e) from e.__cause__

    def check_notification(self, request: NotificationRequest, now: int | None = None) -> HandledNotification:
        """:meth:`handle_notification` without any I/O, with the keys this client holds, at
        ``now`` (Unix seconds; default: the clock): a WeChat Pay notification signed with an
        unknown certificate serial is refused (``SignatureInvalidError`` naming
        ``Wechatpay-Serial``, reply 500, so WeChat Pay sends it again later)."""
        method, headers, body = self._notification_args(request)
        when = _now(now)
        try:
            text = self._native.check_notification(method, headers, body, when)
        except UnicodeEncodeError:
            raise self._refused("request", f"`request` holds a str that holds {_LONE_SURROGATE}") from None
        return _handled(text)

    def notification_retry_reply(self) -> NotificationReply:
        """The reply that makes this client's provider send a notification again (WeChat Pay
        500 with a ``FAIL`` JSON body, Fubei 500 ``FAIL``, vending 500): for a host that
        verified a notification but could not store it. Never answer success for a
        notification that is not stored."""
        return NotificationReply._from_json(json.loads(self._native.notification_retry_reply()))

    def confirm_notification(
        self,
        notification: Notification,
        *,
        http: Optional[HttpClient] = None,
        timeout: float = 10.0,
        deadline: float | None = None,
        token_store: TokenStore | None = None,
        **query_fields: str,
    ) -> QueryResult:
        """Confirms an unsigned notification (``verified=False``) with the signed order query
        its ``confirm_query`` names, completed with ``query_fields`` (what the callback does not
        carry, such as the vending ``machine_no``): ``query(confirm_query | query_fields)``.
        Trust the query's answer, not the notification. ``http``, ``timeout``, ``deadline`` and
        ``token_store`` are :meth:`query`'s."""
        return self.query(
            self._confirm_query(notification, query_fields),
            http=http,
            timeout=timeout,
            deadline=deadline,
            token_store=token_store,
        )

    async def confirm_notification_async(
        self,
        notification: Notification,
        *,
        http: Optional[AsyncHttpClient] = None,
        timeout: float = 10.0,
        deadline: float | None = None,
        token_store: TokenStore | None = None,
        **query_fields: str,
    ) -> QueryResult:
        """:meth:`confirm_notification` for asyncio (:meth:`query_async`)."""
        return await self.query_async(
            self._confirm_query(notification, query_fields),
            http=http,
            timeout=timeout,
            deadline=deadline,
            token_store=token_store,
        )

    @staticmethod
    def _confirm_query(notification: Notification, query_fields: Mapping[str, str]) -> str:
        if not isinstance(notification, Notification):
            raise _invalid("notification", "`notification` must be a Notification (handle_notification's)")
        if notification.confirm_query is None:
            raise _invalid(
                "notification",
                "this notification is verified (signed by its provider): it needs no confirming query",
            )
        query: dict[str, Any] = {**json.loads(notification.confirm_query), **query_fields}
        return json.dumps(query, separators=(",", ":"), ensure_ascii=False)

    def _refused(self, field_name: str, message: str) -> PayqueryError:
        """A notification argument this package refuses before the core sees it (a host's bug):
        ``InvalidInputError`` with the provider's retry reply, so that the notification comes
        again once the host is fixed."""
        return InvalidInputError(message, field=field_name, reply=self.notification_retry_reply())

    def _notification_args(self, request: object) -> tuple[str, list[tuple[str, str]], bytes]:
        if not isinstance(request, NotificationRequest):
            raise self._refused(
                "request",
                "`request` must be a payquery.NotificationRequest(method, headers, body) built from "
                "the raw request (the body as bytes)",
            )
        return request.method, list(request.headers.pairs()), request.body

    def _start_notification(
        self, request: NotificationRequest, timeout: float, deadline: float, token_store: TokenStore | None
    ) -> _native.NativeQueryFlow:
        method, headers, body = self._notification_args(request)
        # The query's checks and limits; a notification's flow sends at most one request (a
        # certificate download), never retried. A bad option is the host's bug: refused with
        # the retry reply, like a bad argument.
        options = _query.options_json(
            timeout=timeout,
            deadline=deadline,
            max_attempts=None,
            poll=False,
            poll_intervals=None,
            not_found_grace=None,
            token_store=token_store,
            invalid=self._refused,
        )
        try:
            return self._native.start_notification(method, headers, body, options, time.time_ns() // 1_000_000)
        except UnicodeEncodeError:
            raise self._refused("request", f"`request` holds a str that holds {_LONE_SURROGATE}") from None
        except _native.NativeError as e:
            error = _raise_from_native(e)
            error.reply = self.notification_retry_reply()
            raise error from None

    def _start_download(
        self, timeout: float, deadline: float | None, token_store: TokenStore | None
    ) -> _native.NativeQueryFlow:
        # The query's checks and limits; poll, not_found_grace and max_attempts are the
        # order's, which a download does not have (it is one request, never retried).
        options = _query.options_json(
            timeout=timeout,
            deadline=deadline,
            max_attempts=None,
            poll=False,
            poll_intervals=None,
            not_found_grace=None,
            token_store=token_store,
            invalid=_invalid,
        )
        try:
            return self._native.start_certificate_download(options, time.time_ns() // 1_000_000)
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    def _start_query(
        self,
        query: QueryDocument,
        timeout: float,
        deadline: float | None,
        max_attempts: int | None,
        poll: bool,
        poll_intervals: Iterable[float] | None,
        not_found_grace: float | None,
        token_store: TokenStore | None,
    ) -> _native.NativeQueryFlow:
        text = _document(query, "query", InvalidInputError)
        options = _query.options_json(
            timeout=timeout,
            deadline=deadline,
            max_attempts=max_attempts,
            poll=poll,
            poll_intervals=poll_intervals,
            not_found_grace=not_found_grace,
            token_store=token_store,
            invalid=_invalid,
        )
        try:
            return self._native.start_query(text, options, time.time_ns() // 1_000_000)
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    def build_query(self, query: QueryDocument, timestamp: int | None = None, nonce: str | None = None) -> HttpRequest:
        """The signed request for an order query (now, with a fresh CSPRNG nonce, by default)."""
        text = _document(query, "query", InvalidInputError)
        ts, nonce_text, random = _context(timestamp, nonce)
        try:
            return _request(self._native.build_query(text, ts, nonce_text, random))
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    def prepare_query(
        self, query: QueryDocument, timestamp: int | None = None, nonce: str | None = None
    ) -> PendingRequest:
        """Two-phase signing, phase one (WeChat Pay): sign ``string_to_sign`` elsewhere, then ``finish``."""
        text = _document(query, "query", InvalidInputError)
        ts, nonce_text, random = _context(timestamp, nonce)
        try:
            return PendingRequest(self._native.prepare_query(text, ts, nonce_text, random))
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    def parse_query(
        self,
        *,
        status: int,
        headers: HeadersInput,
        body: BodyInput,
        query: QueryDocument,
        now: int | None = None,
    ) -> QueryResult:
        """Verifies and parses the answer to ``query``; an answer for another order is refused."""
        text = _document(query, "query", InvalidInputError)
        args = (_status(status), _headers(headers), _body(body), text, _now(now))
        try:
            result_json = self._native.parse_query(*args)
        except UnicodeEncodeError:
            raise _not_text("headers") from None
        except _native.NativeError as e:
            raise _raise_from_native(e) from None
        return QueryResult._from_json(json.loads(result_json), result_json)

    def parse_certificates(
        self, *, status: int, headers: HeadersInput, body: BodyInput, now: int | None = None
    ) -> CertificateDownload:
        """Checks a platform-certificate download answer (``GET /v3/certificates`` or
        ``/v3/global/certificates``, sent by hand) and merges its certificates into those this
        client verifies answers with. Returns every certificate held, newest first (empty for
        a merchant on WeChat Pay's public key only). Each entry is decrypted with the
        ``api_v3_key`` (AEAD_AES_256_GCM), its certificate's serial checked against
        ``serial_no`` and its validity against ``now``; the answer's signature is verified when
        its signer is known, else trust rests on the AEAD."""
        args = (_status(status), _headers(headers), _body(body), _now(now))
        try:
            download_json = self._native.parse_certificates(*args)
        except UnicodeEncodeError:
            raise _not_text("headers") from None
        except _native.NativeError as e:
            raise _raise_from_native(e) from None
        return _certificate_download(download_json)

    def failover_request(self, request: HttpRequest) -> HttpRequest | None:
        """The same request for the provider's backup host, or None when this client has none."""
        if not isinstance(request, HttpRequest):
            raise _invalid("request", "`request` must be an HttpRequest this client built")
        try:
            backup = self._native.failover_request(
                request.method, request.url, list(request.headers.pairs()), request.body
            )
        except UnicodeEncodeError:
            raise _not_text("request") from None
        except _native.NativeError as e:
            raise _raise_from_native(e) from None
        return None if backup is None else _request(backup)

    def build_token_request(self, kind: TokenKind = "stable", force_refresh: bool = False) -> HttpRequest:
        """A Mini Program access-token request (``stable`` is recommended)."""
        if not isinstance(kind, str):
            raise _invalid("kind", "`kind` must be 'stable' or 'classic'")
        if not isinstance(force_refresh, bool):
            raise _invalid("force_refresh", "`force_refresh` must be a bool")
        try:
            return _request(self._native.build_token_request(kind, force_refresh))
        except UnicodeEncodeError:
            raise _not_text("kind") from None
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    def parse_token_response(
        self, *, status: int, headers: HeadersInput, body: BodyInput, now: int | None = None
    ) -> AccessToken:
        """Parses an access-token answer."""
        args = (_status(status), _headers(headers), _body(body), _now(now))
        try:
            token_json = self._native.parse_token_response(*args)
        except UnicodeEncodeError:
            raise _not_text("headers") from None
        except _native.NativeError as e:
            raise _raise_from_native(e) from None
        try:
            return AccessToken._from_json(json.loads(token_json))
        except OverflowError:
            raise DecodeError(
                "the token's expiry is beyond the dates Python can represent", field="expires_in"
            ) from None

    def __repr__(self) -> str:
        return f"Client(provider={self.provider!r})"

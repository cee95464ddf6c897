"""payquery: ask five Chinese payment providers "what happened to this order?".

One Rust core (compiled into ``payquery._native``) builds signed request descriptors and turns
the responses into verified, typed provider answers plus one normalized :class:`Order`. This
module is the thin Python layer over it: argument checks, ``time.time()`` and ``secrets``
defaults, immutable result types and the :class:`PayqueryError` hierarchy. Send the requests
with ``httpx``, ``requests`` or ``urllib``; payquery never opens a socket.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Literal, Union, cast

from . import _native
from ._details import (
    DingshangOrder,
    EduPapayTransaction,
    FubeiOrder,
    MiniChargeOrder,
    PayscoreServiceOrder,
    ProviderDetail,
)

__all__ = [
    "AccessToken",
    "Client",
    "DecodeError",
    "DingshangOrder",
    "EduPapayTransaction",
    "ERROR_CODES",
    "FubeiOrder",
    "HttpRequest",
    "InvalidConfigError",
    "InvalidInputError",
    "MiniChargeOrder",
    "Money",
    "Order",
    "OrderFlag",
    "OrderNotFoundError",
    "OrderStatus",
    "PayqueryError",
    "PayscoreServiceOrder",
    "PendingRequest",
    "ProviderDetail",
    "ProviderError",
    "QueryResult",
    "RateLimitedError",
    "SignatureInvalidError",
    "TimestampSkewError",
    "TokenExpiredError",
]

ERROR_CODES: tuple[str, ...] = tuple(_native.error_codes())
"""The core's stable error codes, in its order."""

_INT64 = range(-(2**63), 2**63)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# ---------------------------------------------------------------------------------- errors


class PayqueryError(Exception):
    """Every failure payquery reports: a stable ``code`` and what is needed to react to it.

    Catch a subclass (``SignatureInvalidError``, ``RateLimitedError`` …) or switch on
    ``code``. Messages never contain a secret.
    """

    code: str = ""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        provider_code: str | None = None,
        provider_message: str | None = None,
        http_status: int | None = None,
        retryable: bool = False,
        backup_host_applies: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: The input or response field concerned (``out_trade_no``, ``Wechatpay-Signature``).
        self.field = field
        #: The provider's own code (``SYSTEM_ERROR``, ``42001``, …).
        self.provider_code = provider_code
        self.provider_message = provider_message
        self.http_status = http_status
        #: Sending the same request again later is safe and may succeed.
        self.retryable = retryable
        #: The provider's backup host may answer: see :meth:`Client.failover_request`.
        self.backup_host_applies = backup_host_applies

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, field={self.field!r})"


def _class_name(code: str) -> str:
    name = "".join(part.capitalize() for part in code.split("_"))
    return name if name.endswith("Error") else name + "Error"


# A wrong argument is also a ValueError, as Python code expects of a bad value.
_EXTRA_BASES: dict[str, tuple[type, ...]] = {"INVALID_INPUT": (ValueError,), "INVALID_CONFIG": (ValueError,)}

# One subclass per stable code, generated from the core's list so they cannot drift; the names
# below are what the package exports (the stub and a test check both against ERROR_CODES).
_ERROR_CLASSES: dict[str, type[PayqueryError]] = {
    code: cast(
        "type[PayqueryError]",
        type(
            _class_name(code),
            (PayqueryError, *_EXTRA_BASES.get(code, ())),
            {"code": code, "__module__": __name__, "__doc__": f"A PayqueryError with code ``{code}``."},
        ),
    )
    for code in ERROR_CODES
}
InvalidInputError = _ERROR_CLASSES["INVALID_INPUT"]
InvalidConfigError = _ERROR_CLASSES["INVALID_CONFIG"]
SignatureInvalidError = _ERROR_CLASSES["SIGNATURE_INVALID"]
TimestampSkewError = _ERROR_CLASSES["TIMESTAMP_SKEW"]
ProviderError = _ERROR_CLASSES["PROVIDER_ERROR"]
RateLimitedError = _ERROR_CLASSES["RATE_LIMITED"]
TokenExpiredError = _ERROR_CLASSES["TOKEN_EXPIRED"]
OrderNotFoundError = _ERROR_CLASSES["ORDER_NOT_FOUND"]
DecodeError = _ERROR_CLASSES["DECODE_ERROR"]


def _raise_from_native(error: _native.NativeError) -> PayqueryError:
    code, message, field_name, provider_code, provider_message, http_status, retryable, backup = error.args
    return _ERROR_CLASSES[code](
        message,
        field=field_name,
        provider_code=provider_code,
        provider_message=provider_message,
        http_status=http_status,
        retryable=retryable,
        backup_host_applies=backup,
    )


def _invalid(field_name: str, message: str) -> PayqueryError:
    return InvalidInputError(message, field=field_name)


# ---------------------------------------------------------------------------------- values


class OrderStatus(str, Enum):
    """The unified order status (a ``str``: ``OrderStatus.PAID == "PAID"``)."""

    PENDING = "PENDING"
    PAYING = "PAYING"
    PAID = "PAID"
    REFUNDING = "REFUNDING"
    REFUNDED = "REFUNDED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return self.value


class OrderFlag(str, Enum):
    """Qualifiers of a status."""

    REFUND_FAILED = "refund_failed"
    PICKUP_CODE = "pickup_code"
    TEST_ORDER = "test_order"

    def __str__(self) -> str:
        return self.value


_STATUSES = {s.value: s for s in OrderStatus}
_FLAGS = {f.value: f for f in OrderFlag}


@dataclass(frozen=True)
class Money:
    """An exact amount: integer minor units (fen, cents) of an ISO 4217 currency."""

    minor: int
    currency: str


def _money(value: tuple[int, str] | None) -> Money | None:
    return None if value is None else Money(value[0], value[1])


def _datetime(value: tuple[int, int] | None) -> datetime | None:
    if value is None:
        return None
    seconds, nanos = value
    return _EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000)


@dataclass(frozen=True)
class Order:
    """The normalized view of one provider order. Times are timezone-aware UTC datetimes."""

    provider: str
    provider_order_id: str | None
    merchant_order_no: str | None
    status: OrderStatus
    #: The provider's own status value, verbatim (numbers as decimal text).
    raw_status: str
    #: The total price; None when the provider did not state the amount and its currency.
    amount: Money | None
    #: What the payer paid; only in PAID, REFUNDING and REFUNDED.
    paid_amount: Money | None
    paid_at: datetime | None
    created_at: datetime | None
    flags: tuple[OrderFlag, ...]
    _result_json: str = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The order in the CLI's JSON shape (times as RFC 3339 text, money as dicts)."""
        return cast("dict[str, Any]", json.loads(self._result_json)["order"])


@dataclass(frozen=True)
class QueryResult:
    """A parsed, verified order answer."""

    order: Order
    #: The serial of the key that verified the answer (WeChat Pay), else None.
    signature_serial: str | None
    _json: str = field(repr=False, compare=False)

    @property
    def detail(self) -> ProviderDetail:
        """The provider's full typed response (``order.provider`` says which TypedDict)."""
        return cast("ProviderDetail", json.loads(self._json)["detail"])

    def to_dict(self) -> dict[str, Any]:
        """``{"order", "detail", "signature_serial"}`` in the CLI's JSON shape."""
        return cast("dict[str, Any]", json.loads(self._json))


def _result(native: tuple[Any, str | None, str]) -> QueryResult:
    order, serial, text = native
    provider, provider_id, merchant_no, status, raw, amount, paid, paid_at, created_at, flags = order
    return QueryResult(
        Order(
            provider,
            provider_id,
            merchant_no,
            _STATUSES[status],
            raw,
            _money(amount),
            _money(paid),
            _datetime(paid_at),
            _datetime(created_at),
            tuple(_FLAGS[f] for f in flags),
            text,
        ),
        serial,
        text,
    )


@dataclass(frozen=True)
class HttpRequest:
    """A signed request to send unchanged. ``repr()`` redacts credentials."""

    method: Literal["GET", "POST"]
    url: str
    headers: list[tuple[str, str]]
    body: bytes | None

    def __repr__(self) -> str:
        method, url, headers, body_len = _native.redact_request(self.method, self.url, self.headers, self.body)
        body = "None" if body_len is None else f"<{body_len} bytes>"
        return f"HttpRequest(method={method!r}, url={url!r}, headers={headers!r}, body={body})"


def _request(native: tuple[str, str, list[tuple[str, str]], bytes | None]) -> HttpRequest:
    method, url, headers, body = native
    return HttpRequest(cast("Literal['GET', 'POST']", method), url, headers, body)


@dataclass(frozen=True)
class AccessToken:
    """A WeChat Mini Program access token; ``repr()`` hides the token."""

    access_token: str = field(repr=False)
    expires_in: int
    expires_at: datetime
    #: When to fetch a new one.
    refresh_at: datetime


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
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    def __repr__(self) -> str:
        return f"PendingRequest(string_to_sign={self.string_to_sign!r})"


# ---------------------------------------------------------------------------------- inputs

Document = Union[Mapping[str, Any], str]
HeadersInput = Union[Mapping[str, str], Iterable[tuple[str, str]], Any]
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


def _headers(value: object) -> list[tuple[str, str]]:
    """Any common header shape: httpx.Headers (repeats kept), requests' dict, a Mapping, pairs."""
    if value is None:
        return []
    multi_items = getattr(value, "multi_items", None)  # httpx.Headers: one pair per header line
    if callable(multi_items):
        pairs = multi_items()
    elif isinstance(value, Mapping):
        pairs = value.items()
    elif isinstance(value, (list, tuple)):
        pairs = value
    else:
        raise _invalid("headers", "`headers` must be a mapping or a list of (name, value) pairs")
    out: list[tuple[str, str]] = []
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise _invalid("headers", "header pairs must be (name, value)")
        name, text = pair
        if not isinstance(name, str) or not isinstance(text, str):
            raise _invalid("headers", "header names and values must be str")
        out.append((name, text))
    return out


def _body(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    raise _invalid("body", "`body` must be bytes or str")


def _status(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 999:
        raise _invalid("status", "`status` must be an int HTTP status")
    return value


def _context(timestamp: int | None, nonce: str | None) -> tuple[int, str | None, bytes | None]:
    ts = int(time.time()) if timestamp is None else _int64(timestamp, "timestamp")
    if nonce is None:
        return ts, None, secrets.token_bytes(32)
    if not isinstance(nonce, str):
        raise _invalid("nonce", "`nonce` must be a str")
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

    def __init__(self, config: Document, base_dir: str | os.PathLike[str] | None = None) -> None:
        text = _document(config, "config", InvalidConfigError)
        if base_dir is not None and not isinstance(base_dir, (str, os.PathLike)):
            raise InvalidConfigError("`base_dir` must be a path", field="base_dir")
        try:
            self._native = _native.NativeClient(text, os.fspath(base_dir) if base_dir is not None else os.getcwd())
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    @classmethod
    def from_config_file(cls, path: str | os.PathLike[str]) -> Client:
        """Reads a config file; its ``*_path`` keys are relative to the file, as the CLI does."""
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, TypeError, UnicodeDecodeError) as e:
            raise InvalidConfigError(f"cannot read config file {path}: {e}", field="path") from None
        return cls(text, base_dir=os.path.dirname(os.path.abspath(path)))

    @property
    def provider(self) -> str:
        """The provider id, e.g. ``"wechatpay_edu_papay"``."""
        return self._native.provider

    def build_query(self, query: Document, timestamp: int | None = None, nonce: str | None = None) -> HttpRequest:
        """The signed request for an order query (now, with a fresh CSPRNG nonce, by default)."""
        text = _document(query, "query", InvalidInputError)
        ts, nonce_text, random = _context(timestamp, nonce)
        try:
            return _request(self._native.build_query(text, ts, nonce_text, random))
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    def prepare_query(self, query: Document, timestamp: int | None = None, nonce: str | None = None) -> PendingRequest:
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
        query: Document,
        now: int | None = None,
    ) -> QueryResult:
        """Verifies and parses the answer to ``query``; an answer for another order is refused."""
        text = _document(query, "query", InvalidInputError)
        args = (_status(status), _headers(headers), _body(body), text, _now(now))
        try:
            return _result(self._native.parse_query(*args))
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    def failover_request(self, request: HttpRequest) -> HttpRequest | None:
        """The same request for the provider's backup host, or None when this client has none."""
        if not isinstance(request, HttpRequest):
            raise _invalid("request", "`request` must be an HttpRequest this client built")
        try:
            backup = self._native.failover_request(request.method, request.url, request.headers, request.body)
        except _native.NativeError as e:
            raise _raise_from_native(e) from None
        return None if backup is None else _request(backup)

    def build_token_request(
        self, kind: Literal["stable", "classic"] = "stable", force_refresh: bool = False
    ) -> HttpRequest:
        """A Mini Program access-token request (``stable`` is recommended)."""
        if not isinstance(kind, str):
            raise _invalid("kind", "`kind` must be 'stable' or 'classic'")
        if not isinstance(force_refresh, bool):
            raise _invalid("force_refresh", "`force_refresh` must be a bool")
        try:
            return _request(self._native.build_token_request(kind, force_refresh))
        except _native.NativeError as e:
            raise _raise_from_native(e) from None

    def parse_token_response(
        self, *, status: int, headers: HeadersInput, body: BodyInput, now: int | None = None
    ) -> AccessToken:
        """Parses an access-token answer."""
        args = (_status(status), _headers(headers), _body(body), _now(now))
        try:
            token, expires_in, expires_at, refresh_at = self._native.parse_token_response(*args)
        except _native.NativeError as e:
            raise _raise_from_native(e) from None
        try:
            return AccessToken(
                token, expires_in, _EPOCH + timedelta(seconds=expires_at), _EPOCH + timedelta(seconds=refresh_at)
            )
        except OverflowError:
            raise DecodeError(
                "the token's expiry is beyond the dates Python can represent", field="expires_in"
            ) from None

    def __repr__(self) -> str:
        return f"Client(provider={self.provider!r})"

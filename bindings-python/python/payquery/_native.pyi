"""Stub for payquery._native, the compiled core (bindings-python/src/lib.rs)."""

from typing import Any, final

__all__ = [
    "NativeClient",
    "NativeError",
    "NativePending",
    "MAX_DOCUMENT_BYTES",
    "USER_AGENT",
    "error_codes",
    "order_statuses",
    "redact_request",
]

_Request = tuple[str, str, list[tuple[str, str]], bytes | None]
USER_AGENT: str
MAX_DOCUMENT_BYTES: int

class NativeError(Exception):
    """A core error; payquery re-raises it as the PayqueryError subclass of its code."""

def error_codes() -> list[str]: ...
def order_statuses() -> list[str]: ...
def redact_request(
    method: str, url: str, headers: list[tuple[str, str]], body: bytes | None
) -> tuple[str, str, list[tuple[str, str]], int | None]: ...

@final
class NativeClient:
    def __new__(cls, config: str | dict[str, Any], base_dir: str) -> NativeClient: ...
    @property
    def provider(self) -> str: ...
    def build_query(
        self, query: str | dict[str, Any], timestamp: int, nonce: str | None, random: bytes | None
    ) -> _Request: ...
    def prepare_query(
        self, query: str | dict[str, Any], timestamp: int, nonce: str | None, random: bytes | None
    ) -> NativePending: ...
    def parse_query(
        self, status: int, headers: list[tuple[str, str]], body: bytes, query: str | dict[str, Any], now: int
    ) -> str: ...
    def failover_request(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None
    ) -> _Request | None: ...
    def build_token_request(self, kind: str, force_refresh: bool) -> _Request: ...
    def parse_token_response(self, status: int, headers: list[tuple[str, str]], body: bytes, now: int) -> str: ...

@final
class NativePending:
    @staticmethod
    def from_json(json: str) -> NativePending: ...
    @property
    def string_to_sign(self) -> str: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def nonce(self) -> str: ...
    def to_json(self) -> str: ...
    def finish(self, signature_base64: str) -> _Request: ...

"""Stub for payquery._native, the compiled core (bindings-python/src/lib.rs)."""

from typing import Optional

_Request = tuple[str, str, list[tuple[str, str]], Optional[bytes]]
_Money = tuple[int, str]
_Time = tuple[int, int]
_Order = tuple[
    str,
    Optional[str],
    Optional[str],
    str,
    str,
    Optional[_Money],
    Optional[_Money],
    Optional[_Time],
    Optional[_Time],
    list[str],
]

USER_AGENT: str

class NativeError(Exception):
    """A core error; payquery re-raises it as the PayqueryError subclass of its code."""

def error_codes() -> list[str]: ...
def order_statuses() -> list[str]: ...
def redact_request(
    method: str, url: str, headers: list[tuple[str, str]], body: Optional[bytes]
) -> tuple[str, str, list[tuple[str, str]], Optional[int]]: ...

class NativeClient:
    def __new__(cls, config_json: str, base_dir: str) -> NativeClient: ...
    @property
    def provider(self) -> str: ...
    def build_query(
        self, query_json: str, timestamp: int, nonce: Optional[str], random: Optional[bytes]
    ) -> _Request: ...
    def prepare_query(
        self, query_json: str, timestamp: int, nonce: Optional[str], random: Optional[bytes]
    ) -> NativePending: ...
    def parse_query(
        self, status: int, headers: list[tuple[str, str]], body: bytes, query_json: str, now: int
    ) -> tuple[_Order, Optional[str], str]: ...
    def failover_request(
        self, method: str, url: str, headers: list[tuple[str, str]], body: Optional[bytes]
    ) -> Optional[_Request]: ...
    def build_token_request(self, kind: str, force_refresh: bool) -> _Request: ...
    def parse_token_response(
        self, status: int, headers: list[tuple[str, str]], body: bytes, now: int
    ) -> tuple[str, int, int, int]: ...

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

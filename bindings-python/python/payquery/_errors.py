"""The base of payquery's exceptions; one subclass per error code is generated from the core's
list (``_models.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, cast

if TYPE_CHECKING:
    from ._models import Attempt, ErrorCode, NotificationReply


class PayqueryError(Exception):
    """Every failure payquery reports: a stable ``code`` and what is needed to react to it.

    Catch a subclass (``SignatureInvalidError``, ``RateLimitedError`` …) or switch on
    ``code``. Messages never contain a secret.
    """

    #: The error's code (an ``ErrorCode``: mypy checks comparisons). Every error payquery raises
    #: is a subclass, which sets its own.
    code: ErrorCode = cast("ErrorCode", "")

    def __init__(
        self,
        message: str,
        *,
        field: Optional[str] = None,
        provider_code: Optional[str] = None,
        provider_message: Optional[str] = None,
        http_status: Optional[int] = None,
        retryable: bool = False,
        backup_host_applies: bool = False,
        attempts: tuple[Attempt, ...] = (),
        reply: Optional[NotificationReply] = None,
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
        #: The requests :meth:`Client.query` made before it gave up (empty for other errors).
        self.attempts = attempts
        #: For a rejected notification (:meth:`Client.handle_notification`): the HTTP reply
        #: the host must send, whose status tells the provider whether to send it again.
        #: ``None`` for every other error.
        self.reply = reply

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, field={self.field!r})"

"""Checked by mypy --strict (make test): the exception classes are real classes to mypy — usable
as annotations, and `except` narrows to them — and run by pytest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import payquery
import pytest

if TYPE_CHECKING:
    from typing_extensions import assert_type
else:  # typing.assert_type is 3.11+; at run time it only returns its argument.
    T = TypeVar("T")

    def assert_type(value: T, _: Any) -> T:
        return value


def retry_later(error: payquery.RateLimitedError) -> bool:
    return error.retryable


def test_exception_classes_are_types_mypy_knows() -> None:
    client = payquery.Client({"provider": "fubei", "app_id": "1", "app_secret": "s"})
    body = '{"result_code":400,"result_message":"x","sub_code":"FREQUENCY_LIMITED"}'
    try:
        client.parse_query(status=200, headers={}, body=body, query={"merchant_order_sn": "A"})
    except payquery.RateLimitedError as e:
        assert_type(e, payquery.RateLimitedError)
        assert retry_later(e)
    else:
        pytest.fail("expected RateLimitedError")
    invalid: type[ValueError] = payquery.InvalidInputError
    assert issubclass(invalid, payquery.PayqueryError)

"""tests/vectors/host_types.json: arguments of the wrong Python type raise the expected
PayqueryError subclass (never a crash), and the client keeps answering afterwards."""

from __future__ import annotations

import json
from typing import Any, Callable

import payquery
import pytest
from conftest import VECTORS

CASES = [
    c for c in json.loads((VECTORS / "host_types.json").read_text(encoding="utf-8"))["cases"] if "python" in c["expect"]
]
_MISSING = object()


def host_value(value: Any) -> Any:
    """A tagged value as the Python value it stands for (`undefined` is an omitted argument)."""
    if isinstance(value, list):
        return [host_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get("$")
    if tag == "undefined":
        return _MISSING
    if tag == "bytes":
        return value["value"].encode()
    if tag in ("float",):
        return float(value["value"])
    if tag in ("bigint", "unsafe_integer"):
        return int(value["value"])
    return {k: host_value(v) for k, v in value.items()}


def test_there_are_python_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_host_type(case: dict[str, Any]) -> None:
    args = host_value(case["args"])
    client = payquery.Client(case["config"], base_dir=VECTORS)

    def kwargs(*names: str) -> dict[str, Any]:
        return {n: args[n] for n in names if n in args and args[n] is not _MISSING}

    calls: dict[str, Callable[[], object]] = {
        "build_query": lambda: client.build_query(args["query"], **kwargs("timestamp", "nonce")),
        "parse_query": lambda: client.parse_query(**args["response"], query=args["query"], **kwargs("now")),
        "client": lambda: payquery.Client(args["config"]),
        "failover_request": lambda: client.failover_request(
            args["request"] if not isinstance(args["request"], dict) else payquery.HttpRequest(**args["request"])
        ),
        "finish": lambda: client.prepare_query({"out_trade_no": "A1"}).finish(args["signature"]),
    }
    run = calls[case["call"]]
    if args.get("query") is _MISSING:
        with pytest.raises(payquery.InvalidInputError):
            run()
        return
    expected = case["expect"]["python"]
    if expected is None:
        run()
    else:
        with pytest.raises(payquery.PayqueryError) as error:
            run()
        assert error.value.code == expected, error.value
    good: Any = {"merchant_order_sn": "A"} if client.provider == "fubei" else {"out_trade_no": "A1"}
    assert client.build_query(good).url

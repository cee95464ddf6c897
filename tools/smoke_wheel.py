"""An installed payquery, tried as a user would (make dist): from a venv holding only it, the
public types' annotations resolve (`typing.get_type_hints`, which Python 3.9 is strictest about),
and one query per signing scheme (WeChat Pay RSA through aws-lc-rs, Fubei MD5) runs against
`payquery sandbox`.

Usage: PAYQUERY_BIN=target/debug/payquery <venv>/bin/python tools/smoke_wheel.py
Run from anywhere: the package must come from the venv's site-packages, never from the tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import typing
from pathlib import Path

import payquery


def main() -> None:
    where = Path(payquery.__file__).resolve()
    if "site-packages" not in where.parts:
        sys.exit(f"payquery was imported from {where}, not from an installed package")
    public = (
        payquery.Order,
        payquery.QueryResult,
        payquery.HttpRequest,
        payquery.Money,
        payquery.AccessToken,
        payquery.FubeiConfig,
        payquery.WechatPayConfig,
        payquery.EduPapayTransaction,
        payquery.PayscoreOverseaQueryByQueryId,
    )
    hints = sum(len(typing.get_type_hints(t)) for t in public)
    client = payquery.Client({"provider": "fubei", "app_id": "1", "app_secret": "s"})
    print(f"{client}: {len(payquery.ERROR_CODES)} error codes, {hints} type hints resolved")
    binary = os.environ["PAYQUERY_BIN"]
    with tempfile.TemporaryDirectory() as configs:
        sandbox = subprocess.Popen(
            [binary, "sandbox", "--port", "0", "--write-configs", configs],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert sandbox.stdout is not None
            line = sandbox.stdout.readline()
            if "listening on" not in line:
                sys.exit(f"unexpected sandbox output: {line!r}")
            statuses = []
            for provider in ("wechatpay_edu_papay", "fubei"):
                client = payquery.Client.from_config_file(f"{configs}/{provider}.json")
                query = json.loads(Path(configs, f"{provider}.query.json").read_text(encoding="utf-8"))
                result = client.query(query, timeout=10)
                statuses.append(f"{provider}={result.order.status}")
                if result.order.status != "PAID":
                    sys.exit(f"{provider}: expected PAID, got {result.order.status}")
        finally:
            sandbox.terminate()
            sandbox.wait()
    print(f"payquery {payquery.__version__} on CPython {sys.version.split()[0]} from {where.parent}:", *statuses)


if __name__ == "__main__":
    main()

"""Shared fixtures: the shared vectors (read in place) and `payquery sandbox` on 127.0.0.1."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
PAYQUERY_BIN = os.environ.get("PAYQUERY_BIN", str(ROOT / "target" / "debug" / "payquery"))
PROVIDERS = ["wechat_mini_charge", "fubei", "wechatpay_edu_papay", "dingshang_vending", "wechatpay_payscore_oversea"]


def vector_files() -> list[tuple[str, dict[str, Any]]]:
    files = sorted(p for p in VECTORS.glob("*.json") if p.name != "host_types.json")
    return [(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in files]


def response_input(response: dict[str, Any]) -> dict[str, Any]:
    """A vector's response as parse_query takes it (`body_base64` carries bytes that are not UTF-8)."""
    out = {k: v for k, v in response.items() if k != "body_base64"}
    if "body_base64" in response:
        out["body"] = base64.b64decode(response["body_base64"])
    return out


@dataclass
class Sandbox:
    base_url: str
    configs: Path

    def read(self, name: str) -> Any:
        return json.loads((self.configs / name).read_text(encoding="utf-8"))

    def stats(self) -> dict[str, int]:
        """`GET /__sandbox/stats`: token, certificate and notification requests since the
        sandbox started."""
        with urllib.request.urlopen(f"{self.base_url}/__sandbox/stats", timeout=5) as resp:
            return {k: int(v) for k, v in json.load(resp).items()}

    def notify(self, config: str, order: str, to: str, kind: str = "ok") -> dict[str, Any]:
        """`POST /__sandbox/notify`: the sandbox sends `config`'s provider's notification about
        `order` to `to` now, and answers what it sent and what the receiver replied."""
        ask = json.dumps({"config": config, "order": order, "to": to, "kind": kind}).encode()
        request = urllib.request.Request(f"{self.base_url}/__sandbox/notify", data=ask, method="POST")
        with urllib.request.urlopen(request, timeout=30) as resp:
            answer: dict[str, Any] = json.load(resp)
            return answer

    def rotate(self) -> None:
        """`POST /__sandbox/rotate`: a new platform certificate listed beside the old, then the
        auto configs' answers signed with it (for the rest of this sandbox's life)."""
        request = urllib.request.Request(f"{self.base_url}/__sandbox/rotate", method="POST")
        with urllib.request.urlopen(request, timeout=5) as resp:
            assert resp.status == 200


@contextlib.contextmanager
def running_sandbox(configs: Path) -> Iterator[Sandbox]:
    """A `payquery sandbox` of its own, its configs written into `configs`; stopped at the end."""
    proc = subprocess.Popen(
        [PAYQUERY_BIN, "sandbox", "--port", "0", "--write-configs", str(configs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("payquery sandbox listening on http://127.0.0.1:"), line
        yield Sandbox(line.split()[-1], configs)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox-configs")) as running:
        yield running

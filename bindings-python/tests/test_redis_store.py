"""A shared token store for fleets, tested for real: separate Python processes, one Redis (the
one make test starts, PAYQUERY_REDIS_URL), one sandbox — exactly one token request between
them, and one platform-certificate download."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import redis
from conftest import ROOT, Sandbox

HERE = Path(__file__).resolve().parent
REDIS_URL = os.environ.get("PAYQUERY_REDIS_URL")


def token_requests(sandbox: Sandbox) -> int:
    return sandbox.stats()["token_requests"]


def test_two_processes_sharing_a_redis_token_store_make_one_token_request(sandbox: Sandbox) -> None:
    assert REDIS_URL, "PAYQUERY_REDIS_URL is not set: run this test through make test (tools/with-redis.sh)"
    redis.Redis.from_url(REDIS_URL).flushdb()
    config = str(sandbox.configs / "wechat_mini_charge.no_token.json")
    query = (sandbox.configs / "wechat_mini_charge.query.json").read_text(encoding="utf-8")
    before = token_requests(sandbox)

    def start() -> subprocess.Popen[str]:
        args = [sys.executable, str(HERE / "redis_child.py"), config, query, REDIS_URL or ""]
        return subprocess.Popen(args, cwd=HERE, stdout=subprocess.PIPE, text=True)

    children = [start(), start()]
    results = [json.loads(child.communicate(timeout=60)[0]) for child in children]
    assert all(r["status"] == "PAID" for r in results), results
    assert token_requests(sandbox) - before == 1, results
    assert sorted(r["purposes"].count("token") for r in results) == [0, 1]
    # A third process later finds the token in Redis and fetches nothing.
    third = json.loads(start().communicate(timeout=60)[0])
    assert third["purposes"] == ["query"]


def run_child(config: str, query: str) -> dict[str, Any]:
    """One process of the fleet, run to its end: its result's status and attempt purposes."""
    args = [sys.executable, str(HERE / "redis_child.py"), config, query, REDIS_URL or ""]
    out = subprocess.run(args, cwd=HERE, capture_output=True, text=True, timeout=60, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def test_a_second_process_finds_the_platform_certificates_in_redis_and_downloads_nothing(sandbox: Sandbox) -> None:
    """WeChat Pay platform certificates shared through the same store (QUERY-FLOW.md §7): the
    first process downloads and saves the listing, the next ones load it (both APIs)."""
    assert REDIS_URL, "PAYQUERY_REDIS_URL is not set: run this test through make test (tools/with-redis.sh)"
    redis.Redis.from_url(REDIS_URL).flushdb()
    for provider in ("wechatpay_edu_papay", "wechatpay_payscore_oversea"):
        config = str(sandbox.configs / f"{provider}.auto.json")
        query = (sandbox.configs / f"{provider}.query.json").read_text(encoding="utf-8")
        before = sandbox.stats()["certificate_requests"]
        first, second, third = (run_child(config, query) for _ in range(3))
        assert [r["status"] for r in (first, second, third)] == ["PAID"] * 3
        assert first["purposes"] == ["certificates", "query"], first
        assert second["purposes"] == third["purposes"] == ["query"], (second, third)
        assert sandbox.stats()["certificate_requests"] - before == 1, provider
        keys = redis.Redis.from_url(REDIS_URL, decode_responses=True).keys("payquery:wechatpay_certificates:*")
        assert any(str(k).endswith("/certificates") for k in keys), keys


def test_the_readme_shows_the_redis_recipe_verbatim() -> None:
    recipe = (HERE / "redis_token_store.py").read_text(encoding="utf-8")
    assert recipe in (ROOT / "README.md").read_text(encoding="utf-8"), "README.md lacks redis_token_store.py verbatim"

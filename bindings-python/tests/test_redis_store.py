"""A shared token store for fleets, tested for real: two separate Python processes, one Redis
(the one make test starts, PAYQUERY_REDIS_URL), one sandbox — exactly one token request
between them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import redis
from conftest import ROOT, Sandbox

HERE = Path(__file__).resolve().parent
REDIS_URL = os.environ.get("PAYQUERY_REDIS_URL")


def token_requests(sandbox: Sandbox) -> int:
    with urllib.request.urlopen(f"{sandbox.base_url}/__sandbox/stats", timeout=5) as resp:
        return int(json.load(resp)["token_requests"])


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


def test_the_readme_shows_the_redis_recipe_verbatim() -> None:
    recipe = (HERE / "redis_token_store.py").read_text(encoding="utf-8")
    assert recipe in (ROOT / "README.md").read_text(encoding="utf-8"), "README.md lacks redis_token_store.py verbatim"

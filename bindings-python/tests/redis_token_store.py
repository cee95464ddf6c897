"""Mini Program access tokens and WeChat Pay platform certificates shared by every process of a
fleet, in Redis (redis-py)."""

from __future__ import annotations

import redis

# Compare-and-delete: only the token that was rejected, never a newer one.
_INVALIDATE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class RedisTokenStore:
    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(url, decode_responses=True)

    def get(self, key: str) -> str | None:
        value = self.redis.get(key)
        return value if isinstance(value, str) else None

    def put(self, key: str, value: str, ttl_ms: int) -> None:
        self.redis.set(key, value, px=ttl_ms)

    def invalidate(self, key: str, value: str) -> None:
        self.redis.eval(_INVALIDATE, 1, key, value)

    # One process fetches; the others wait for it and read the store again.
    def lock(self, key: str, ttl_ms: int) -> bool:
        return bool(self.redis.set(f"{key}:lock", "1", nx=True, px=ttl_ms))

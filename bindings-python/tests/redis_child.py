"""One process of a "fleet" for test_redis_store.py: a cold query (a Mini Program one that needs
a token, a WeChat Pay one that needs platform certificates) with the Redis token store; prints
the purposes of its attempts."""

from __future__ import annotations

import json
import sys

import payquery
from redis_token_store import RedisTokenStore

config, query, url = sys.argv[1:4]
result = payquery.Client.from_config_file(config).query(json.loads(query), token_store=RedisTokenStore(url))
print(json.dumps({"status": result.order.status, "purposes": [a.purpose for a in result.attempts]}))

#!/usr/bin/env python3
"""Seeds the fuzz corpora from the shared vectors (every parse response, every build query)."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROVIDERS = ["wechatpay_edu_papay", "wechatpay_payscore_oversea", "wechat_mini_charge", "fubei", "dingshang_vending"]


def main() -> None:
    out = {name: ROOT / "fuzz" / "corpus" / name for name in ("parse_response", "build_request")}
    for path in out.values():
        path.mkdir(parents=True, exist_ok=True)
    count = 0
    for selector, provider in enumerate(PROVIDERS):
        doc = json.loads((ROOT / "tests" / "vectors" / f"{provider}.json").read_text(encoding="utf-8"))
        for case in doc["cases"]:
            if "parse" in case:
                response = case["parse"]["response"]
                data = bytes([selector]) + response["status"].to_bytes(2, "little") + response["body"].encode()
                (out["parse_response"] / f"{provider}-{count}").write_bytes(data)
            if "build" in case:
                data = bytes([selector]) + json.dumps(case["build"]["query"]).encode()
                (out["build_request"] / f"{provider}-{count}").write_bytes(data)
            count += 1
    print(f"seeded {count} inputs")


if __name__ == "__main__":
    main()

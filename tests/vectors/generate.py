#!/usr/bin/env python3
"""Generates payquery's shared test vectors with implementations we did not write.

Signatures come from Python `cryptography` (RSA PKCS#1 v1.5 / SHA-256) and `hashlib` (MD5);
canonical strings are rebuilt here from the provider specs, independently of the Rust core.
Expected normalized orders are written out by hand from PROVIDERS.md's mapping tables.

    python3 tests/vectors/generate.py          # rewrite the vector files
    python3 tests/vectors/generate.py --check  # fail if the committed files differ (CI)

Every language's tests read the resulting *.json files in place.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

HERE = Path(__file__).resolve().parent
KEYS = HERE / "keys"

MCHID = "1900000001"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUB_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000001"
PLATFORM_SERIAL = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92"
NOW = 1_700_000_000
NONCE = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
USER_AGENT = "payquery/0.1.0"


def load_key(name: str):
    return serialization.load_pem_private_key((KEYS / name).read_bytes(), password=None)


MERCHANT_KEY = load_key("merchant_private_key.pem")
WECHATPAY_KEY = load_key("wechatpay_private_key.pem")
PLATFORM_CERT_KEY = load_key("platform_cert_private_key.pem")
ATTACKER_KEY = load_key("attacker_private_key.pem")


def rsa_sign(key, message: str) -> str:
    sig = key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(sig).decode("ascii")


def compact(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- WeChat Pay APIv3

WECHATPAY_CONFIG = {
    "mchid": MCHID,
    "merchant_serial_no": MERCHANT_SERIAL,
    "merchant_private_key_path": "keys/merchant_private_key.pem",
    "wechatpay_public_key_id": PUB_KEY_ID,
    "wechatpay_public_key_path": "keys/wechatpay_public_key.pem",
    "platform_certificates": [
        {"serial_no": PLATFORM_SERIAL, "certificate_path": "keys/platform_certificate.pem"}
    ],
}


def wechatpay_request(host: str, target: str, timestamp=NOW, nonce=NONCE) -> dict:
    """The request WeChat Pay expects: Authorization over METHOD\\nURL\\nTS\\nNONCE\\nBODY\\n."""
    message = f"GET\n{target}\n{timestamp}\n{nonce}\n\n"
    signature = rsa_sign(MERCHANT_KEY, message)
    auth = (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{MCHID}",nonce_str="{nonce}",'
        f'timestamp="{timestamp}",serial_no="{MERCHANT_SERIAL}",signature="{signature}"'
    )
    return {
        "method": "GET",
        "url": host + target,
        "headers": [
            ["Authorization", auth],
            ["Accept", "application/json"],
            ["User-Agent", USER_AGENT],
            ["Wechatpay-Serial", PUB_KEY_ID],
        ],
        "body": None,
        "string_to_sign": message,
    }


def signed_response(body: str, *, status=200, key=WECHATPAY_KEY, serial=PUB_KEY_ID,
                    timestamp=NOW, nonce="fdasflkja484w", sign_body=None, sign_ts=None,
                    sign_nonce=None, drop=(), signature=None) -> dict:
    """A WeChat Pay response signed over TS\\nNONCE\\nBODY\\n (optionally tampered after signing)."""
    ts = str(timestamp)
    msg = f"{sign_ts or ts}\n{sign_nonce or nonce}\n{sign_body if sign_body is not None else body}\n"
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Request-ID": "08F78BB5AF0610D302A6DE8C0A",
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature": signature if signature is not None else rsa_sign(key, msg),
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        "Wechatpay-Timestamp": ts,
    }
    for name in drop:
        headers.pop(name)
    return {"status": status, "headers": headers, "body": body}


def error_response(status: int, code: str, message: str) -> dict:
    return {"status": status, "headers": {"Content-Type": "application/json"},
            "body": compact({"code": code, "message": message})}


def err(code, **extra):
    return {"error": {"code": code, **extra}}


EDU_PAID = {
    "sp_mchid": "1230000109",
    "appid": "wx8888888888888888",
    "out_trade_no": "201407033233368018",
    "transaction_id": "25012014070332333018",
    "attach": "自定义数据",
    "bank_type": "CMC",
    "success_time": "2020-03-26T10:43:39+08:00",
    "trade_state": "SUCCESS",
    "trade_state_description": "支付成功",
    "payer": {"openid": "oUpF8uMuAJOM2pxb1Q"},
    "amount": {"total": 888, "payer_total": 888, "discount_total": 100, "currency": "CNY"},
    "device_information": {"device_id": "12343232", "device_ip": "123.12.12.123"},
    "promotion_detail": [{
        "coupon_id": "109519", "name": "单品惠-6", "scope": "GLOBAL", "type": "DISCOUNT",
        "amount": 5, "stock_id": "931386", "wechatpay_contribute": 0,
        "merchant_contribute": 0, "other_contribute": 0,
    }],
}
# The seed doc's example, pretty-printed exactly as the doc shows it (raw bytes are signed).
EDU_PAID_BODY = json.dumps(EDU_PAID, ensure_ascii=False, indent=2)


def edu_order(status, raw, *, paid=True, total=888, payer_total=888, currency="CNY"):
    return {
        "provider": "wechatpay_edu_papay",
        "provider_order_id": "25012014070332333018" if paid else None,
        "merchant_order_no": "201407033233368018",
        "status": status,
        "raw_status": raw,
        "amount": {"minor": total, "currency": currency},
        "paid_amount": {"minor": payer_total, "currency": currency} if payer_total is not None else None,
        "paid_at": "2020-03-26T02:43:39Z" if paid else None,
        "created_at": None,
        "flags": [],
    }


def edu_variant(**changes):
    body = copy.deepcopy(EDU_PAID)
    for k, v in changes.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v
    return compact(body)


def wechatpay_edu_papay() -> dict:
    host = "https://api.mch.weixin.qq.com"
    cases = []
    add = cases.append
    q = {"out_trade_no": "201407033233368018"}
    add({"name": "build: seed example, public-key mode", "config": "edu", "build": {
        "query": q, "timestamp": NOW, "nonce": NONCE,
        "expect": wechatpay_request(host, "/v3/edu-papay/transactions/out-trade-no/201407033233368018")}})
    add({"name": "build: partner mode adds sub_mchid", "config": "edu", "build": {
        "query": {"out_trade_no": "A_B-C|D*E", "sub_mchid": "1900000109"}, "timestamp": NOW + 1,
        "nonce": "abc123",
        "expect": wechatpay_request(
            host, "/v3/edu-papay/transactions/out-trade-no/A_B-C%7CD%2AE?sub_mchid=1900000109",
            timestamp=NOW + 1, nonce="abc123")}})
    for name, value in [("slash", "12/../34"), ("CR/LF", "12\r\nX-Evil: 1"), ("space", "12 34"),
                        ("question mark", "12?a=b"), ("too long", "1" * 33), ("empty", ""),
                        ("non-ASCII", "订单1")]:
        add({"name": f"build: out_trade_no with {name} is rejected", "config": "edu", "build": {
            "query": {"out_trade_no": value}, "timestamp": NOW, "nonce": NONCE,
            "expect": err("INVALID_INPUT", field="out_trade_no")}})
    add({"name": "build: sub_mchid must be digits", "config": "edu", "build": {
        "query": {"out_trade_no": "1", "sub_mchid": "19&x=1"}, "timestamp": NOW, "nonce": NONCE,
        "expect": err("INVALID_INPUT", field="sub_mchid")}})
    add({"name": "build: bad nonce", "config": "edu", "build": {
        "query": q, "timestamp": NOW, "nonce": "has space", "expect": err("INVALID_INPUT", field="nonce")}})
    add({"name": "build: unknown query key", "config": "edu", "build": {
        "query": {"out_trade_no": "1", "out_order_no": "2"}, "timestamp": NOW, "nonce": NONCE,
        "expect": err("INVALID_INPUT")}})

    P = lambda name, response, expect, now=NOW, config="edu": add(  # noqa: E731
        {"name": name, "config": config, "parse": {"now": now, "response": response, "expect": expect}})
    P("parse: seed example (SUCCESS) verified with the public key",
      signed_response(EDU_PAID_BODY), {"order": edu_order("PAID", "SUCCESS")})
    P("parse: verified with a platform certificate",
      signed_response(EDU_PAID_BODY, key=PLATFORM_CERT_KEY, serial=PLATFORM_SERIAL),
      {"order": edu_order("PAID", "SUCCESS")})
    P("parse: ACCEPTED is PENDING",
      signed_response(edu_variant(trade_state="ACCEPTED", transaction_id=None, success_time=None,
                                  bank_type=None, payer=None, promotion_detail=None,
                                  amount={"total": 888})),
      {"order": edu_order("PENDING", "ACCEPTED", paid=False, payer_total=None)})
    P("parse: PAY_FAIL is FAILED",
      signed_response(edu_variant(trade_state="PAY_FAIL", transaction_id=None, success_time=None)),
      {"order": edu_order("FAILED", "PAY_FAIL", paid=False)})
    P("parse: REFUND is REFUNDING",
      signed_response(edu_variant(trade_state="REFUND")), {"order": edu_order("REFUNDING", "REFUND")})
    P("parse: undocumented trade_state is UNKNOWN, raw value kept",
      signed_response(edu_variant(trade_state="CLOSED")), {"order": edu_order("UNKNOWN", "CLOSED")})
    P("parse: missing currency defaults to CNY",
      signed_response(edu_variant(amount={"total": 1, "payer_total": 1})),
      {"order": edu_order("PAID", "SUCCESS", total=1, payer_total=1)})
    P("parse: Signature-Test probe fails verification",
      signed_response(EDU_PAID_BODY, signature="WECHATPAY/SIGNTEST/" + "A" * 340),
      err("SIGNATURE_INVALID"))
    P("parse: tampered body", signed_response(EDU_PAID_BODY.replace("888", "1"), sign_body=EDU_PAID_BODY),
      err("SIGNATURE_INVALID"))
    P("parse: tampered timestamp (inside the window)",
      signed_response(EDU_PAID_BODY, timestamp=NOW - 10, sign_ts=str(NOW)), err("SIGNATURE_INVALID"))
    P("parse: tampered nonce", signed_response(EDU_PAID_BODY, nonce="other", sign_nonce="fdasflkja484w"),
      err("SIGNATURE_INVALID"))
    P("parse: signed with the wrong key", signed_response(EDU_PAID_BODY, key=ATTACKER_KEY),
      err("SIGNATURE_INVALID"))
    P("parse: platform-certificate serial with the public key's signature",
      signed_response(EDU_PAID_BODY, serial=PLATFORM_SERIAL), err("SIGNATURE_INVALID"))
    P("parse: unknown serial", signed_response(EDU_PAID_BODY, serial="PUB_KEY_ID_999"),
      err("SIGNATURE_INVALID", field="Wechatpay-Serial"))
    P("parse: signature not base64", signed_response(EDU_PAID_BODY, signature="%%%not base64%%%"),
      err("SIGNATURE_INVALID"))
    for header in ["Wechatpay-Serial", "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce"]:
        P(f"parse: missing {header}", signed_response(EDU_PAID_BODY, drop=[header]),
          err("SIGNATURE_INVALID", field=header))
    P("parse: stale timestamp (301 s)", signed_response(EDU_PAID_BODY, timestamp=NOW - 301),
      err("TIMESTAMP_SKEW"))
    P("parse: future timestamp (301 s)", signed_response(EDU_PAID_BODY, timestamp=NOW + 301),
      err("TIMESTAMP_SKEW"))
    P("parse: 300 s old is still fresh", signed_response(EDU_PAID_BODY, timestamp=NOW - 300),
      {"order": edu_order("PAID", "SUCCESS")})
    P("parse: extreme timestamp does not overflow",
      signed_response(EDU_PAID_BODY, timestamp=-9223372036854775808), err("TIMESTAMP_SKEW"))
    P("parse: non-numeric timestamp", signed_response(EDU_PAID_BODY, timestamp="soon"),
      err("SIGNATURE_INVALID"))
    P("parse: malformed JSON (signed)", signed_response('{"sp_mchid": '), err("DECODE_ERROR"))
    P("parse: wrong field type (signed)", signed_response(edu_variant(amount={"total": "888"})),
      err("DECODE_ERROR"))
    P("parse: missing required field (signed)", signed_response(edu_variant(trade_state=None)),
      err("DECODE_ERROR"))
    P("parse: negative amount (signed)", signed_response(edu_variant(amount={"total": -1})),
      err("DECODE_ERROR", field="amount.total"))
    P("parse: bad success_time (signed)", signed_response(edu_variant(success_time="yesterday")),
      err("DECODE_ERROR", field="success_time"))
    P("parse: deeply nested body", signed_response('{"a":' * 64 + "1" + "}" * 64), err("DECODE_ERROR"))
    P("parse: 400 PARAM_ERROR", error_response(400, "PARAM_ERROR", "参数错误"),
      err("PROVIDER_ERROR", provider_code="PARAM_ERROR", http_status=400, retryable=False))
    P("parse: 401 SIGN_ERROR", error_response(401, "SIGN_ERROR", "签名错误"),
      err("PROVIDER_ERROR", provider_code="SIGN_ERROR", http_status=401, retryable=False))
    P("parse: 403 NO_AUTH", error_response(403, "NO_AUTH", "商户无权限"),
      err("PROVIDER_ERROR", provider_code="NO_AUTH", http_status=403, retryable=False))
    P("parse: 404 NOT_FOUND", error_response(404, "NOT_FOUND", "订单不存在"),
      err("ORDER_NOT_FOUND", provider_code="NOT_FOUND", http_status=404, retryable=False))
    P("parse: 429 RATELIMIT_EXCEEDED", error_response(429, "RATELIMIT_EXCEEDED", "频率限制"),
      err("RATE_LIMITED", provider_code="RATELIMIT_EXCEEDED", http_status=429, retryable=True))
    P("parse: 500 SYSTEM_ERROR", error_response(500, "SYSTEM_ERROR", "系统错误"),
      err("PROVIDER_ERROR", provider_code="SYSTEM_ERROR", http_status=500, retryable=True,
          backup_host_applies=True))
    P("parse: 502 with an HTML body",
      {"status": 502, "headers": {"Content-Type": "text/html"}, "body": "<html>Bad Gateway</html>"},
      err("PROVIDER_ERROR", http_status=502, retryable=True))
    return {"provider": "wechatpay_edu_papay",
            "configs": {"edu": {"provider": "wechatpay_edu_papay", **WECHATPAY_CONFIG}},
            "cases": cases}


PAYSCORE_SEED = {
    "out_order_no": "1234323JKHDFE1243252", "service_id": "2002000000000558128851361561536",
    "appid": "wxd678efh567hg6787", "mchid": "1230000109", "sub_appid": "wxd678efh567hg6999",
    "sub_mchid": "1900000109", "service_introduction": "XX充电宝", "state": "CREATED",
    "state_description": "MCH_COMPLETE",
    "post_payments": [{"name": "就餐费用", "amount": 40000, "description": "就餐人均100元", "count": 4}],
    "post_discounts": [{"name": "满20减1元", "description": "不与其他优惠叠加", "amount": 100, "count": 2}],
    "risk_fund": {"name": "DEPOSIT", "amount": 10000, "description": "就餐的预估费用"},
    "total_amount": 40000, "need_collection": True,
    "collection": {
        "state": "USER_PAID", "total_amount": 50000, "paying_amount": 40000, "paid_amount": 10000,
        "details": [{
            "seq": 1, "amount": 10000, "paid_type": "NEWTON", "paid_time": "2019-11-11T16:24:05+08:00",
            "transaction_id": "15646546545165651651",
            "promotion_detail": [{
                "coupon_id": "123456", "name": "单品优惠-6", "scope": "GLOBAL", "type": "CASH",
                "amount": 100, "stock_id": "activity_id", "wechatpay_contribute": 100,
                "merchant_contribute": 100, "other_contribute": 100, "currency": "CNY",
                "goods_detail": [{"goods_id": "M1006", "quantity": 1, "unit_price": 1,
                                  "discount_amount": 100, "goods_remark": "商品备注信息"}]}]}],
        "bank_type": "example_bank_type"},
    "time_range": {"start_time": "2019-11-11T16:24:05+08:00", "end_time": "2019-11-11T16:24:05+08:00",
                   "start_time_remark": "备注1", "end_time_remark": "备注2"},
    "location": {"start_location": "嗨客时尚主题展餐厅", "end_location": "嗨客时尚主题展餐厅"},
    "attach": "Easdfowealsdkjfnlaksjdlfkwqoi&wl3l2sald", "notify_url": "https://api.test.com",
    "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "sub_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    "order_id": "0000300001201908301055157220022", "currency": "HKD", "currency_price": 90000000,
    "currency_rate_info": "1HKD=0.90CNY",
}


def payscore_order(status, raw, *, paid_amount=10000, paid_at=None):
    return {
        "provider": "wechatpay_payscore_oversea",
        "provider_order_id": "0000300001201908301055157220022",
        "merchant_order_no": "1234323JKHDFE1243252",
        "status": status, "raw_status": raw,
        "amount": {"minor": 40000, "currency": "HKD"},
        "paid_amount": {"minor": paid_amount, "currency": "HKD"} if paid_amount is not None else None,
        "paid_at": paid_at, "created_at": None, "flags": [],
    }


def payscore_variant(state, collection_state=None, need_collection=True, **extra):
    body = copy.deepcopy(PAYSCORE_SEED)
    body["state"] = state
    body["need_collection"] = need_collection
    if collection_state is None:
        body.pop("collection")
    else:
        body["collection"]["state"] = collection_state
    body.update(extra)
    return compact(body)


def wechatpay_payscore_oversea() -> dict:
    host = "https://apihk.mch.weixin.qq.com"
    cases = []
    add = cases.append
    base = {"service_id": "2002000000000558128851361561536", "sub_mchid": "1900000109"}
    add({"name": "build: by out_order_no", "config": "payscore", "build": {
        "query": {**base, "out_order_no": "1234323JKHDFE1243252"}, "timestamp": NOW, "nonce": NONCE,
        "expect": wechatpay_request(host, "/v3/payscore/oversea/partner/serviceorder?service_id="
                                    "2002000000000558128851361561536&sub_mchid=1900000109"
                                    "&out_order_no=1234323JKHDFE1243252")}})
    add({"name": "build: by query_id, percent-encoded before signing", "config": "payscore", "build": {
        "query": {**base, "query_id": "15646/54+65=45&x"}, "timestamp": NOW, "nonce": NONCE,
        "expect": wechatpay_request(host, "/v3/payscore/oversea/partner/serviceorder?service_id="
                                    "2002000000000558128851361561536&sub_mchid=1900000109"
                                    "&query_id=15646%2F54%2B65%3D45%26x")}})
    add({"name": "build: both out_order_no and query_id", "config": "payscore", "build": {
        "query": {**base, "out_order_no": "1", "query_id": "2"}, "timestamp": NOW, "nonce": NONCE,
        "expect": err("INVALID_INPUT")}})
    add({"name": "build: neither out_order_no nor query_id", "config": "payscore", "build": {
        "query": base, "timestamp": NOW, "nonce": NONCE, "expect": err("INVALID_INPUT")}})
    add({"name": "build: query_id with a newline", "config": "payscore", "build": {
        "query": {**base, "query_id": "a\nb"}, "timestamp": NOW, "nonce": NONCE,
        "expect": err("INVALID_INPUT", field="query_id")}})
    add({"name": "build: service_id with a slash", "config": "payscore", "build": {
        "query": {**base, "service_id": "1/2", "out_order_no": "1"}, "timestamp": NOW, "nonce": NONCE,
        "expect": err("INVALID_INPUT", field="service_id")}})

    P = lambda name, response, expect, now=NOW: add(  # noqa: E731
        {"name": name, "config": "payscore", "parse": {"now": now, "response": response, "expect": expect}})
    seed = json.dumps(PAYSCORE_SEED, ensure_ascii=False, indent=2)
    P("parse: seed example (CREATED)", signed_response(seed), {"order": payscore_order("PENDING", "CREATED")})
    P("parse: DOING without collection", signed_response(payscore_variant("DOING")),
      {"order": payscore_order("PENDING", "DOING", paid_amount=None)})
    P("parse: DOING while USER_PAYING", signed_response(payscore_variant("DOING", "USER_PAYING")),
      {"order": payscore_order("PAYING", "DOING")})
    P("parse: DONE and USER_PAID", signed_response(payscore_variant("DONE", "USER_PAID")),
      {"order": payscore_order("PAID", "DONE", paid_at="2019-11-11T08:24:05Z")})
    P("parse: DONE and USER_PAYING", signed_response(payscore_variant("DONE", "USER_PAYING")),
      {"order": payscore_order("PAYING", "DONE")})
    P("parse: DONE without collection needed", signed_response(payscore_variant("DONE", None, False)),
      {"order": payscore_order("CLOSED", "DONE", paid_amount=None)})
    P("parse: DONE needing collection but without collection info is UNKNOWN",
      signed_response(payscore_variant("DONE", None, True)),
      {"order": payscore_order("UNKNOWN", "DONE", paid_amount=None)})
    P("parse: REVOKED", signed_response(payscore_variant("REVOKED")),
      {"order": payscore_order("CANCELLED", "REVOKED", paid_amount=None)})
    P("parse: EXPIRED", signed_response(payscore_variant("EXPIRED")),
      {"order": payscore_order("EXPIRED", "EXPIRED", paid_amount=None)})
    P("parse: missing currency is refused", signed_response(payscore_variant("CREATED", currency=None)),
      err("DECODE_ERROR", field="currency"))
    P("parse: tampered body", signed_response(seed.replace("40000", "1"), sign_body=seed), err("SIGNATURE_INVALID"))
    P("parse: stale", signed_response(seed, timestamp=NOW - 3600), err("TIMESTAMP_SKEW"))
    P("parse: 400 INVALID_REQUEST", error_response(400, "INVALID_REQUEST", "bad"),
      err("PROVIDER_ERROR", provider_code="INVALID_REQUEST", http_status=400))
    P("parse: 500 SYSTEM_ERROR", error_response(500, "SYSTEM_ERROR", "系统异常"),
      err("PROVIDER_ERROR", provider_code="SYSTEM_ERROR", retryable=True))
    return {"provider": "wechatpay_payscore_oversea",
            "configs": {"payscore": {"provider": "wechatpay_payscore_oversea", **WECHATPAY_CONFIG}},
            "cases": cases}


GENERATORS = {
    "wechatpay_edu_papay.json": wechatpay_edu_papay,
    "wechatpay_payscore_oversea.json": wechatpay_payscore_oversea,
}


def render(doc: dict) -> str:
    header = {"_comment": "Generated by tests/vectors/generate.py from Python cryptography/hashlib "
                          "and the provider specs. Do not edit by hand. Keys under keys/ are test "
                          "keys, never used by any real merchant."}
    return json.dumps({**header, **doc}, ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for name, generate in GENERATORS.items():
        text = render(generate())
        path = HERE / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("vectors differ from what the independent generator produces: " + ", ".join(stale))
        print("run: python3 tests/vectors/generate.py")
        return 1
    total = sum(len(g()["cases"]) for g in GENERATORS.values())
    print(f"vectors: {len(GENERATORS)} files, {total} cases, {'checked' if check else 'written'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

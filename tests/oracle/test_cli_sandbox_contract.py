"""The CLI contract end to end, with a host we did not write: `payquery sandbox --write-configs`,
`payquery build`, Python's urllib sending the descriptor, `payquery parse` on the response
document. Also checks that `payquery curl` prints a command curl accepts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("PAYQUERY_BIN", str(ROOT / "target" / "debug" / "payquery"))
PROVIDERS = ["wechat_mini_charge", "fubei", "wechatpay_edu_papay", "dingshang_vending", "wechatpay_payscore_oversea"]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    configs = tmp_path_factory.mktemp("configs")
    proc = subprocess.Popen(
        [BIN, "sandbox", "--port", "0", "--write-configs", str(configs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("payquery sandbox listening on http://127.0.0.1:"), line
        yield line.split()[-1], configs
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


def send(request: dict, *, pairs: bool = False) -> dict:
    """Sends a CLI descriptor with urllib; headers come back as an object, or as the list of
    [name, value] pairs received (repeats kept) with `pairs`."""
    body = request["body"].encode() if request["body"] is not None else None
    req = urllib.request.Request(request["url"], data=body, method=request["method"])
    for name, value in request["headers"]:
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, headers, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        status, headers, raw = e.code, e.headers, e.read()
    header_doc = [[k, v] for k, v in headers.items()] if pairs else dict(headers.items())
    return {"status": status, "headers": header_doc, "body": raw.decode("utf-8", errors="replace")}


FAULT_CODES = {
    "rate_limit": "RATE_LIMITED",
    "system_error": "PROVIDER_ERROR",
    "truncated": "DECODE_ERROR",
    "bad_signature": "SIGNATURE_INVALID",
    "stale_timestamp": "TIMESTAMP_SKEW",
    "unavailable": "PROVIDER_ERROR",
}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_fault_order_ids_work_through_the_cli(sandbox, tmp_path, provider):
    """The sandbox's fault ids (`<provider>.faults.json`) give the advertised error through
    `payquery build` → urllib → `payquery parse --query`, for every provider."""
    _, configs = sandbox
    config = configs / f"{provider}.json"
    faults = json.loads((configs / f"{provider}.faults.json").read_text(encoding="utf-8"))
    expected = {"rate_limit", "system_error", "truncated", "slow", "unavailable"}
    if provider.startswith("wechatpay_"):
        expected |= {"bad_signature", "stale_timestamp"}
    assert set(faults) == expected
    for fault, query in faults.items():
        if fault == "slow":
            continue  # answers normally after a delay; the Rust round-trip test covers it
        query_path = tmp_path / f"{fault}.query.json"
        query_path.write_text(json.dumps(query), encoding="utf-8")
        built = cli("build", "--config", str(config), "--query", str(query_path))
        assert built.returncode == 0, built.stdout
        response_path = tmp_path / f"{fault}.response.json"
        response_path.write_text(json.dumps(send(json.loads(built.stdout), pairs=True)), encoding="utf-8")
        parsed = cli("parse", "--config", str(config), "--response", str(response_path), "--query", str(query_path))
        assert parsed.returncode == 1, (fault, parsed.stdout)
        assert json.loads(parsed.stdout)["error"]["code"] == FAULT_CODES[fault], (fault, parsed.stdout)


def test_parse_takes_headers_as_pairs_and_refuses_a_repeated_signature_header(sandbox, tmp_path):
    _, configs = sandbox
    config = configs / "wechatpay_edu_papay.json"
    query = configs / "wechatpay_edu_papay.query.json"
    response = send(json.loads(cli("build", "--config", str(config), "--query", str(query)).stdout), pairs=True)
    path = tmp_path / "response.json"
    path.write_text(json.dumps(response), encoding="utf-8")
    parsed = cli("parse", "--config", str(config), "--response", str(path), "--query", str(query))
    assert parsed.returncode == 0, parsed.stdout
    assert json.loads(parsed.stdout)["order"]["status"] == "PAID"
    signature = next(v for k, v in response["headers"] if k.lower() == "wechatpay-signature")
    response["headers"].append(["Wechatpay-Signature", signature])
    path.write_text(json.dumps(response), encoding="utf-8")
    parsed = cli("parse", "--config", str(config), "--response", str(path), "--query", str(query))
    assert parsed.returncode == 1
    error = json.loads(parsed.stdout)["error"]
    assert (error["code"], error["field"]) == ("SIGNATURE_INVALID", "Wechatpay-Signature")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_build_send_parse_through_the_sandbox(sandbox, tmp_path, provider):
    _, configs = sandbox
    config, query = configs / f"{provider}.json", configs / f"{provider}.query.json"
    built = cli("build", "--config", str(config), "--query", str(query))
    assert built.returncode == 0, built.stdout + built.stderr
    request = json.loads(built.stdout)
    assert set(request) == {"method", "url", "headers", "body"}
    response_path = tmp_path / "response.json"
    response_path.write_text(json.dumps(send(request)), encoding="utf-8")
    parsed = cli("parse", "--config", str(config), "--response", str(response_path))
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    result = json.loads(parsed.stdout)
    assert result["order"]["provider"] == provider
    assert result["order"]["status"] == "PAID"
    assert isinstance(result["order"]["amount"]["minor"], int)
    assert result["order"]["amount"]["currency"] in ("CNY", "HKD")
    assert "detail" in result
    expected_serial = "PUB_KEY_ID_0119000000012025010100000000000001" if provider.startswith("wechatpay_") else None
    assert result["signature_serial"] == expected_serial


def test_tampered_wechatpay_response_is_rejected_by_parse(sandbox, tmp_path):
    _, configs = sandbox
    config = configs / "wechatpay_edu_papay.json"
    built = cli("build", "--config", str(config), "--query", str(configs / "wechatpay_edu_papay.query.json"))
    response = send(json.loads(built.stdout))
    response["body"] = response["body"].replace("888", "1")
    path = tmp_path / "response.json"
    path.write_text(json.dumps(response), encoding="utf-8")
    parsed = cli("parse", "--config", str(config), "--response", str(path))
    assert parsed.returncode == 1
    assert json.loads(parsed.stdout)["error"]["code"] == "SIGNATURE_INVALID"


def test_token_query_through_the_cli(sandbox, tmp_path):
    _, configs = sandbox
    config = configs / "wechat_mini_charge.json"
    query = tmp_path / "token.json"
    query.write_text('{"token": "stable"}', encoding="utf-8")
    built = json.loads(cli("build", "--config", str(config), "--query", str(query)).stdout)
    assert built["method"] == "POST" and built["url"].endswith("/cgi-bin/stable_token")
    path = tmp_path / "response.json"
    path.write_text(json.dumps(send(built)), encoding="utf-8")
    parsed = cli("parse", "--config", str(config), "--response", str(path), "--query", str(query))
    assert parsed.returncode == 0, parsed.stdout
    token = json.loads(parsed.stdout)["access_token"]
    assert token["expires_in"] == 7200 and token["refresh_at"] == token["expires_at"] - 300


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_command_runs(sandbox):
    _, configs = sandbox
    out = cli("curl", "--config", str(configs / "fubei.json"), "--query", str(configs / "fubei.query.json"))
    assert out.returncode == 0 and out.stdout.startswith("curl ")
    ran = subprocess.run(["bash", "-c", out.stdout], capture_output=True, text=True, timeout=30)
    assert json.loads(ran.stdout)["result_code"] == 200

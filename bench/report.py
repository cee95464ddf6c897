#!/usr/bin/env python3
"""Writes BENCHMARKS.md from one `make bench` run: the rows each language's bench wrote to
target/bench/<language>.json (every round's µs/op), the package sizes, the machine and the
commands. Ratios between two paths measured round-robin in one process are taken round by
round (median and interquartile range of the per-round ratios), so the shared machine's load
drift cancels; ratios across processes or groups use medians and say so.

The hand-written analysis below the ANALYSIS marker in BENCHMARKS.md (profiles, explanations
of the gaps) is kept as it is; everything above it is regenerated.
"""

from __future__ import annotations

import datetime
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "target" / "bench"
REPORT = ROOT / "BENCHMARKS.md"
MARKER = "<!-- ANALYSIS: hand-written below this line; bench/report.py keeps it -->"
ROUNDS_NOTE = "15 rounds"


@dataclass
class Row:
    language: str
    id: str
    label: str
    rounds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.rounds)


def load() -> tuple[dict[str, Row], dict[str, str]]:
    rows: dict[str, Row] = {}
    runtimes: dict[str, str] = {}
    for language in ["rust", "node", "python", "kotlin"]:
        path = RESULTS / f"{language}.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        runtimes[language] = doc["runtime"]
        for row in doc["rows"]:
            rows[f"{language}:{row['id']}"] = Row(language, row["id"], row["label"], row["rounds_us"])
    return rows, runtimes


def paired(subject: Row, floor: Row) -> tuple[float, float, float]:
    """Median and interquartile range of the per-round ratios subject/floor."""
    ratios = sorted(s / f for s, f in zip(subject.rounds, floor.rounds))
    q = statistics.quantiles(ratios, n=4)
    return statistics.median(ratios), q[0], q[2]


def us(value: float) -> str:
    return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"


def verdict(value: float, goal: float | None) -> str:
    if goal is None:
        return ""
    return "met" if value <= goal else "**missed**"


def ratio_table(rows: dict[str, Row], specs: list[tuple[str, str, str, float | None]]) -> list[str]:
    out = [
        "| comparison | subject µs | floor µs | ratio (median, IQR of rounds) | goal | |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, subject_id, floor_id, goal in specs:
        subject, floor = rows[subject_id], rows[floor_id]
        median, q1, q3 = paired(subject, floor)
        out.append(
            f"| {label} | {us(subject.median)} | {us(floor.median)} | **{median:.2f}×** ({q1:.2f}–{q3:.2f}) | "
            f"{'' if goal is None else f'≤ {goal:.2f}×'} | {verdict(median, goal)} |"
        )
    return out


def rows_table(rows: list[Row]) -> list[str]:
    out = ["| id | path | µs/op (median) | spread (min–max) |", "|---|---|---:|---:|"]
    for row in rows:
        out.append(f"| `{row.id}` | {row.label} | {us(row.median)} | {us(min(row.rounds))}–{us(max(row.rounds))} |")
    return out


def sizes() -> list[str]:
    wasm = ROOT / "bindings-wasm/pkg/native/payquery_wasm_bg.wasm"
    wasm_bytes = wasm.read_bytes()
    gz = len(gzip.compress(wasm_bytes, 9))
    pack = json.loads(
        subprocess.run(
            ["npm", "pack", "--dry-run", "--json", "./bindings-wasm/pkg"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )[0]
    wheel = next((ROOT / "dist/python").glob("payquery-*manylinux*x86_64.whl"))
    lib = ROOT / "target/release/libpayquery_uniffi.so"
    stripped = RESULTS / "libpayquery_uniffi.stripped.so"
    subprocess.run(["strip", "-o", str(stripped), str(lib)], check=True)
    kib = lambda n: f"{n / 1024:,.1f} KiB"  # noqa: E731
    return [
        "| artifact | size | goal | |",
        "|---|---:|---:|---|",
        f"| .wasm (`payquery_wasm_bg.wasm`, raw) | {kib(len(wasm_bytes))} | | |",
        f"| .wasm gzipped (-9) | {kib(gz)} | ≤ 97.7 KiB (100 KB) | {'met' if gz <= 100_000 else '**missed**'} |",
        f"| npm tarball (`npm pack`: {pack['entryCount']} files) | {kib(pack['size'])} "
        f"(unpacked {kib(pack['unpackedSize'])}) | | |",
        f"| Python wheel (`{wheel.name}`) | {kib(wheel.stat().st_size)} | | |",
        f"| UniFFI library (`libpayquery_uniffi.so`, release) | {kib(lib.stat().st_size)} "
        f"(stripped {kib(stripped.stat().st_size)}) | | |",
    ]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()
    return (
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"commit `{commit}`{' (+ local changes)' if dirty else ''}; "
        f"{os.cpu_count()} × {cpu}, Linux {platform.release()}; load average before the report "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"
    )


def main() -> int:
    rows, runtimes = load()
    r = lambda key: rows[key]  # noqa: E731
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (bench/report.py); do not edit above the analysis marker. "
        "Every row is the median of 15 rounds; paths compared with each other were measured "
        "round-robin in one process, and their ratio is taken round by round (median, and the "
        "interquartile range of the 15 per-round ratios), so the shared machine's load drift "
        "cancels. Never compare absolute numbers across runs; compare ratios.",
        "",
        f"Run: {machine()}.",
        "",
        "Runtimes: " + "; ".join(f"**{k}**: {v}" for k, v in runtimes.items()) + ".",
        "",
        "Commands (what `make bench` runs):",
        "",
        "```",
        "make npm wheel kotlin-sources        # the packages as users install them (release builds)",
        "PAYQUERY_BENCH_JSON=target/bench/rust.json \\",
        "  cargo bench -p payquery-core --bench query_paths --features pure-rust-rsa",
        "(cd bench/node && npm ci) && node bench/node/bench.mjs target/bench/node.json",
        "target/py-venv/bin/python bench/python/bench.py target/bench/python.json   # wheel, cryptography, wechatpayv3",
        "cargo build --release -p payquery-uniffi && (cd bench/kotlin && mvn -B -ntp compile exec:exec)",
        "python3 bench/report.py",
        "```",
        "",
        "## Goals",
        "",
    ]
    lines += ratio_table(
        rows,
        [
            (
                "Rust: edu-papay build+sign / bare aws-lc-rs sign",
                "rust:aws-lc-rs.edu_build",
                "rust:aws-lc-rs.rsa_sign",
                1.05,
            ),
            ("Node: `buildQuery` / bare `crypto.sign` (cached KeyObject)", "node:build_edu", "node:sign_floor", 1.05),
            ("Node: peer wechatpay-node-v3 / bare `crypto.sign`", "node:peer_build", "node:sign_floor", None),
            ("Node: `buildQuery` / peer wechatpay-node-v3", "node:build_edu_default", "node:peer_build", 1.0),
            ("Node: `parseQuery` / `JSON.parse` + `crypto.verify`", "node:parse_edu", "node:parse_floor", 1.5),
            ("Python: `build_query` / bare `cryptography` sign", "python:build_edu", "python:sign_floor", 1.02),
            ("Python: peer wechatpayv3 / bare `cryptography` sign", "python:peer_build", "python:sign_floor", None),
            (
                "Python: `build_query` (clock + nonce) / peer wechatpayv3",
                "python:build_edu_default",
                "python:peer_build",
                1.0,
            ),
            ("Python: `parse_query` / `json.loads` + verify", "python:parse_edu", "python:parse_floor", 1.5),
            ("Kotlin: `buildQuery` / bare JDK `Signature` sign", "kotlin:build_edu", "kotlin:sign_floor", 1.10),
            (
                "Kotlin: `buildQuery` (clock + nonce) / peer wechatpay-java",
                "kotlin:build_edu_default",
                "kotlin:peer_build",
                1.0,
            ),
            ("Kotlin: `parseQuery` / kotlinx JSON parse + JDK verify", "kotlin:parse_edu", "kotlin:parse_floor", 1.5),
            (
                "Rust: `check_notification` / serde_json + aws-lc-rs verify + AES-256-GCM open + serde_json",
                "rust:notify.edu",
                "rust:notify_floor.edu",
                1.3,
            ),
            (
                "Node: `checkNotification` / `JSON.parse` + `crypto.verify` + aes-256-gcm decipher + `JSON.parse`",
                "node:notify_check",
                "node:notify_floor",
                1.3,
            ),
            (
                "Node: peer wechatpay-node-v3 `verifySign` + `decipher_gcm` / the same floor (both awaited)",
                "node:peer_notify",
                "node:notify_floor_awaited",
                None,
            ),
            (
                "Node: `checkNotification` / peer wechatpay-node-v3 (both awaited)",
                "node:notify_check_awaited",
                "node:peer_notify",
                None,
            ),
            (
                "Python: `check_notification` / `json.loads` + `cryptography` verify + AESGCM + `json.loads`",
                "python:notify_check",
                "python:notify_floor",
                1.3,
            ),
            (
                "Python: peer wechatpayv3 `callback()` / the same floor",
                "python:peer_notify",
                "python:notify_floor",
                None,
            ),
            (
                "Python: `check_notification` / peer wechatpayv3 `callback()`",
                "python:notify_check",
                "python:peer_notify",
                None,
            ),
            (
                "Kotlin: `checkNotification` / kotlinx JSON parse + JDK verify + JDK AES/GCM + JSON parse",
                "kotlin:notify_check",
                "kotlin:notify_floor",
                1.3,
            ),
            (
                "Kotlin: peer wechatpay-java `NotificationParser` / the same floor",
                "kotlin:peer_notify",
                "kotlin:notify_floor",
                None,
            ),
            (
                "Kotlin: `checkNotification` / peer wechatpay-java `NotificationParser`",
                "kotlin:notify_check",
                "kotlin:peer_notify",
                None,
            ),
            (
                "Kotlin: Fubei `buildQuery` / the same bytes through a bare UniFFI method",
                "kotlin:build_fubei",
                "kotlin:floor_round_trip",
                2.0,
            ),
            (
                "Node: `client.query` / build → fetch → parse by hand (sandbox)",
                "node:query_flow",
                "node:query_by_hand",
                1.05,
            ),
            (
                "Python: `client.query` / build → httpx → parse by hand (sandbox)",
                "python:query_flow",
                "python:query_by_hand",
                1.05,
            ),
            (
                "Kotlin: `client.queryBlocking` / build → java.net.http → parse by hand (sandbox)",
                "kotlin:query_flow",
                "kotlin:query_by_hand",
                1.05,
            ),
        ],
    )
    stall_ms = r("python:async_stall").median / 1000
    lines += [
        "",
        f"Python `query_async`: the event loop's longest stall while 200 RSA queries (sign + verify) run "
        f"concurrently, median of {ROUNDS_NOTE}: **{stall_ms:.3f} ms** (goal ≤ 1 ms: {verdict(stall_ms, 1.0)}). "
        "The HTTP client is a stand-in that answers at once with one recorded sandbox answer, so what "
        "runs on the loop is payquery's own code; signing and verifying run in worker threads. "
        f"One loop callback (every one timed): p99 **{r('python:async_callback_p99').median:.0f} µs**, "
        f"longest **{r('python:async_callback_max').median / 1000:.3f} ms** (goal for one call ~50 µs). "
        "The stall is the launch (asyncio runs the first step of all 200 tasks in one loop iteration) "
        "and the OS descheduling the loop's thread while RSA threads hold both cores: see the analysis.",
    ]
    rss_mb = r("kotlin:rss_200k_kib").median / 1024
    lines += [
        "",
        "Kotlin: 200,000 Fubei build + parse calls in one loop, in a JVM of its own with the default heap "
        f"(bench/kotlin Rss.kt, one run): peak RSS **{rss_mb:,.0f} MiB** "
        f"(goal ≤ 512 MB: {verdict(rss_mb, 512 / 1.048576)}).",
    ]
    md5 = [
        ("Rust", r("rust:build.fubei"), 3.0),
        ("Rust (Dingshang vending)", r("rust:build.ds"), 3.0),
        ("Python", r("python:build_fubei"), 6.0),
        ("Node", r("node:build_fubei"), 10.0),
        ("Kotlin", r("kotlin:build_fubei"), None),
    ]
    lines += [
        "",
        "MD5 providers' build (Fubei unless named):",
        "",
        "| language | µs/op | goal | |",
        "|---|---:|---:|---|",
    ]
    for name, row, goal in md5:
        lines.append(
            f"| {name} | {us(row.median)} | {'' if goal is None else f'≤ {goal:g} µs'} | {verdict(row.median, goal)} |"
        )
    cold = [
        ("Node: `require('payquery')` − `node -e 0`", r("node:require_payquery"), 6.0),
        ("Node: compiling the .wasm alone − `node -e 0`", r("node:require_wasm_compile"), None),
        ("Python: `import payquery` − `python -c 0`", r("python:import_payquery"), 12.0),
        ("Python: `import json, typing, datetime` (the models' needs) − `python -c 0`", r("python:import_floor"), None),
    ]
    lines += [
        "",
        f"Cold starts (a new process each; medians of {ROUNDS_NOTE}, interleaved with the bare start):",
        "",
        "| start | ms | goal | |",
        "|---|---:|---:|---|",
    ]
    for name, row, goal in cold:
        ms = row.median / 1000
        lines.append(f"| {name} | {ms:.1f} | {'' if goal is None else f'≤ {goal:g} ms'} | {verdict(ms, goal)} |")
    growth = [(k, r(f"rust:growth.{k}k"), r(f"rust:growth_floor.{k}k")) for k in (10, 100, 1024)]
    lines += [
        "",
        "Growth (Rust, aws-lc-rs; signed edu-papay answers with many promotion details):",
        "",
        "| body | parse_response µs | µs per KiB | floor (`Value` decode + verify) µs | ratio (median, IQR) |",
        "|---|---:|---:|---:|---:|",
    ]
    for kib, row, floor in growth:
        median, q1, q3 = paired(row, floor)
        lines.append(
            f"| {row.label.split(':')[0]} | {us(row.median)} | {row.median / kib:.2f} | {us(floor.median)} "
            f"| {median:.2f}× ({q1:.2f}–{q3:.2f}) |"
        )
    one_mib_ms = growth[2][1].median / 1000
    per_kib_change = (growth[2][1].median / 1024) / (growth[1][1].median / 100)
    lines += [
        "",
        f"A 1 MiB answer parses in **{one_mib_ms:.2f} ms** (goal ≤ 20 ms: {verdict(one_mib_ms, 20.0)}); "
        f"µs per KiB from 100 KiB to 1 MiB changes by {per_kib_change:.2f}× (1.00× is linear).",
        "",
        "## Crossing the boundary",
        "",
        "The same Fubei build (no RSA: canonical string, MD5, JSON envelope) and a call that does no "
        "work at all, per host, against the Rust core's own cost (medians; different processes).",
        "",
        "| host | Fubei build µs | vs Rust | no-op call µs |",
        "|---|---:|---:|---:|",
        f"| Rust (core) | {us(r('rust:build.fubei').median)} | 1.00× | — |",
    ]
    for language, name in [("node", "Node (wasm)"), ("python", "Python (pyo3)"), ("kotlin", "Kotlin (UniFFI/JNA)")]:
        build = r(f"{language}:build_fubei").median
        lines.append(
            f"| {name} | {us(build)} | {build / r('rust:build.fubei').median:.1f}× "
            f"| {us(r(f'{language}:noop_call').median)} |"
        )
    lines += [
        "",
        "## Package sizes",
        "",
        *sizes(),
        "",
        "## Every row",
        "",
    ]
    for language in ["rust", "node", "python", "kotlin"]:
        timed = [v for v in rows.values() if v.language == language and not v.id.endswith("_kib")]
        lines += [f"### {language}", "", *rows_table(timed), ""]
    lines += ["## Rust: parse vs the serde_json floor, per provider", ""]
    lines += ratio_table(
        rows,
        [
            (f"{p}: parse_response / floor", f"rust:parse.{p}", f"rust:floor_parse.{p}", None)
            for p in ["edu", "payscore", "mini", "fubei", "ds"]
        ]
        + [
            ("pure-Rust `rsa` crate: edu build / its bare sign", "rust:rsa.edu_build", "rust:rsa.rsa_sign", None),
            ("pure-Rust `rsa` crate: edu parse / its bare verify", "rust:rsa.edu_parse", "rust:rsa.rsa_verify", None),
            ("aws-lc-rs: edu parse / its bare verify", "rust:aws-lc-rs.edu_parse", "rust:aws-lc-rs.rsa_verify", None),
        ],
    )
    rsa_crate = r("rust:rsa.rsa_sign").median / r("rust:aws-lc-rs.rsa_sign").median
    lines += [
        "",
        f"The pure-Rust `rsa` crate signs {rsa_crate:.1f}× slower than aws-lc-rs (medians, same process).",
        "",
    ]

    old = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
    analysis = old.split(MARKER, 1)[1] if MARKER in old else "\n\n## Analysis\n\n(none yet)\n"
    REPORT.write_text("\n".join(lines) + "\n" + MARKER + analysis, encoding="utf-8")
    print(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Summarizes the last `fuzz/run.sh` into FUZZING.md: per target, from libFuzzer's logs in
fuzz/logs/, the seconds fuzzed, executions, edge coverage (of the instrumented PCs), features,
corpus size before and after `cargo fuzz cmin`, and findings (files in fuzz/artifacts/<target>).
Everything between the two markers in FUZZING.md is rewritten; the rest is hand-written."""

from __future__ import annotations

import re
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
REPORT = ROOT / "FUZZING.md"
BEGIN = "<!-- BEGIN last run: written by fuzz/summarize.py -->"
END = "<!-- END last run -->"


def stat(log: str, name: str) -> str:
    match = re.search(rf"^stat::{name}:\s+(\d+)", log, re.M)
    return match.group(1) if match else "?"


def target_row(log_path: Path) -> tuple[str, list[str], bool]:
    target = log_path.stem
    log = log_path.read_text(encoding="utf-8", errors="replace")
    done = re.search(r"^#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/", log, re.M)
    seconds = re.search(r"^Done \d+ runs in (\d+) second", log, re.M)
    pcs = re.search(r"Loaded 1 PC tables \((\d+) PCs\)", log)
    seeds = re.search(r"INFO:\s+(\d+) files found in corpus", log)
    corpus = FUZZ / "corpus" / target
    kept = len(list(corpus.iterdir())) if corpus.is_dir() else 0
    artifacts = FUZZ / "artifacts" / target
    findings = sorted(p.name for p in artifacts.iterdir()) if artifacts.is_dir() else []
    crashed = "==ERROR" in log or "panicked at" in log or bool(findings)
    runs = int(stat(log, "number_of_executed_units")) if stat(log, "number_of_executed_units") != "?" else 0
    row = [
        f"`{target}`",
        seconds.group(1) if seconds else "?",
        f"{runs:,}",
        stat(log, "average_exec_per_sec"),
        f"{done.group(2)} / {pcs.group(1)}" if done and pcs else "?",
        done.group(3) if done else "?",
        f"{seeds.group(1) if seeds else '?'} → {done.group(4) if done else '?'} → {kept}",
        ", ".join(findings) if findings else ("crash (see log)" if crashed else "none"),
    ]
    return target, row, crashed


def main() -> int:
    logs = sorted(p for p in (FUZZ / "logs").glob("*.log") if ".cmin" not in p.name)
    if not logs:
        print("no fuzz logs; run fuzz/run.sh first", file=sys.stderr)
        return 1
    lines = [
        BEGIN,
        "",
        "| target | seconds | executions | exec/s | edges covered / instrumented | features "
        "| corpus: seeds → found → kept after cmin | findings |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    any_crash = False
    for log in logs:
        _, row, crashed = target_row(log)
        any_crash |= crashed
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", END]
    text = REPORT.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    REPORT.write_text(text[:start] + "\n".join(lines) + text[end:], encoding="utf-8")
    print(f"wrote {REPORT.relative_to(ROOT)} ({len(logs)} targets{', FINDINGS' if any_crash else ''})")
    return 1 if any_crash else 0


if __name__ == "__main__":
    sys.exit(main())

"""make architecture-check: the rules ARCHITECTURE.md states that a grep can hold, and its map.

1. Every path ARCHITECTURE.md and CONTRIBUTING.md name exists (a template such as
   `core/src/providers/<name>.rs` needs its folder; a glob needs a match; a build output must
   be one .gitignore declares, as a fresh clone has none), and every
   `make <target>` they name is a Makefile target. A map with a dangling path misleads the next
   engineer more than no map.
2. No per-provider branch outside `core/src/providers`: the core's other modules and every
   binding's hand-written code never name a provider. The type unions with one variant per
   provider (`provider.rs`, `config.rs`, `query.rs`, `result.rs`) and the crate root's
   re-exports are where the names belong; the allowlist below gives the reason for each other
   mention.
3. Bindings import only the crate root of payquery-core, plus `crypto` (an RSA backend) and
   `uniffi_api` (the Kotlin/Swift surface).

Usage: python3 tools/check_architecture.py   (exit 1 and one line per problem on failure)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DOCS = ["ARCHITECTURE.md", "CONTRIBUTING.md"]

PROVIDER = re.compile(r"fubei|mini_?charge|dingshang|edu_?papay|payscore", re.IGNORECASE)
# What may name a provider outside its module, and why (file, text on the line).
ALLOWED = [
    # The access-token types are the Mini Program module's; the flow and the client keep and
    # request tokens for whichever provider's TokenSource asks, with no branch on which.
    ("core/src/flow/mod.rs", "use crate::providers::wechat_mini_charge::{AccessToken, TokenKind};"),
    ("core/src/flow/mod.rs", "crate::providers::wechat_mini_charge::ACCESS_TOKEN_MAX_LEN"),
    ("core/src/flow/tokens.rs", "use crate::providers::wechat_mini_charge::AccessToken;"),
    ("core/src/client.rs", "use crate::providers::wechat_mini_charge::{AccessToken, TokenKind};"),
    ("core/src/client.rs", "crate::providers::wechat_mini_charge::MiniChargeQuery::token(kind, force_refresh)"),
    # The message of the error a token request on another provider gets.
    ("core/src/client.rs", "they belong to `wechat_mini_charge`"),
]
# The core's modules that are the per-provider type unions, the registry or the re-exports.
CORE_EXEMPT = {"provider.rs", "config.rs", "query.rs", "result.rs", "lib.rs"}
BINDING_SOURCES = [
    "bindings-wasm/src/*.rs",
    "bindings-wasm/npm/layer.cjs",
    "bindings-wasm/npm/index.cjs",
    "bindings-wasm/npm/index.mjs",
    "bindings-wasm/npm/index.d.ts",
    "bindings-python/src/*.rs",
    "bindings-python/python/payquery/__init__.py",
    "bindings-python/python/payquery/_query.py",
    "bindings-python/python/payquery/_errors.py",
    "bindings-python/python/payquery/_native.pyi",
    "bindings-uniffi/src/*.rs",
    "bindings-uniffi/kotlin/src/main/kotlin/payquery/*.kt",
    "bindings-uniffi/swift/Sources/Payquery/*.swift",
]
GENERATED = {"bindings-uniffi/swift/Sources/Payquery/Payquery.swift"}
CRATE_MODULES_FOR_BINDINGS = {"crypto", "uniffi_api", "uniffi_reexport_scaffolding"}


def tracked() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z0-9-]*)\s*:(?!=)", text, flags=re.M))


def ignored(path: str) -> bool:
    return subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False).returncode == 0


def looks_like_path(token: str) -> bool:
    if any(c in token for c in " ()=,:;'\"") or token.startswith(("-", "$", "~", "@", ".ci")):
        return False
    if not re.fullmatch(r"(\.\./)?[\w.<>*+-]+(/[\w.<>*+-]*)*", token):
        return False
    extension = re.search(r"\.(md|rs|py|pyi|toml|json|kt|swift|mjs|cjs|ts|sh|txt)$", token)
    return "/" in token or token == "Makefile" or extension is not None


def resolve(token: str, names: set[str]) -> bool:
    base = ROOT
    if "<" in token:  # a template: the folder a new file goes into must exist
        folder = token[: token.index("<")].rsplit("/", 1)[0]
        return (base / folder).is_dir()
    if "*" in token:
        return any(base.glob(token))
    if "/" in token:
        path = (base / token.rstrip("/")).resolve()
        # A build output (`bindings-wasm/pkg/`, `target/m2`) is absent from a fresh clone; it
        # counts when .gitignore declares it, so a typo still fails.
        return path.exists() or (not token.startswith("../") and ignored(token.rstrip("/")))
    return token in names  # a bare file name: some tracked file (or shared doc) has it


def check_docs(problems: list[str]) -> None:
    names = {Path(f).name for f in tracked()} | {p.name for p in ROOT.iterdir()}
    names |= {p.name for p in SHARED.iterdir()} if SHARED.is_dir() else set()
    targets = make_targets()
    for doc in DOCS:
        path = ROOT / doc
        if not path.exists():
            problems.append(f"{doc}: missing")
            continue
        text = path.read_text(encoding="utf-8")
        fenced = False
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith("```"):
                fenced = not fenced
                continue
            commands = [line.strip()] if fenced else re.findall(r"`(make [^`]+)`", line)
            for command in commands:
                words = command.split()
                for name in words[1:] if words[:1] == ["make"] else []:
                    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
                        break  # a variable assignment or a comment ends the targets
                    if name not in targets:
                        problems.append(f"{doc}:{number}: `make {name}` is not a Makefile target")
            if fenced:
                continue
            for token in re.findall(r"`([^`\n]+)`", line):
                token = token.strip()
                if looks_like_path(token) and not resolve(token, names):
                    problems.append(f"{doc}:{number}: `{token}` does not exist")


def code_lines(path: Path):
    """(number, line) of the code in a source file: comments, Python docstrings and a Rust file's
    unit tests (from its `#[cfg(test)]` on, by convention the end of the file) left out."""
    in_doc = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if path.suffix == ".rs" and stripped == "#[cfg(test)]":
            return
        if path.suffix in {".py", ".pyi"}:
            quotes = stripped.count('"""') + stripped.count("'''")
            if in_doc:
                in_doc = quotes % 2 == 0
                continue
            if stripped.startswith(('"""', "'''")):
                in_doc = quotes % 2 == 1
                continue
            if stripped.startswith("#"):
                continue
        elif stripped.startswith(("//", "/*", "*")):
            continue
        yield number, line


def check_provider_names(problems: list[str]) -> None:
    core = ROOT / "core/src"
    sources = [p for p in core.rglob("*.rs") if "providers" not in p.relative_to(core).parts]
    sources = [p for p in sources if p.parent != core or p.name not in CORE_EXEMPT]
    for pattern in BINDING_SOURCES:
        sources += sorted(ROOT.glob(pattern))
    for path in sources:
        rel = path.relative_to(ROOT).as_posix()
        if rel in GENERATED:
            continue
        for number, line in code_lines(path):
            if PROVIDER.search(line) and not any(rel == f and text in line for f, text in ALLOWED):
                problems.append(f"{rel}:{number}: names a provider outside core/src/providers: {line.strip()}")
            if rel.startswith("bindings-") and rel.endswith(".rs"):
                for module in re.findall(r"payquery_core::([a-z_]+)\b", line):
                    if module not in CRATE_MODULES_FOR_BINDINGS:
                        problems.append(f"{rel}:{number}: imports payquery_core::{module}, not the crate root")


def main() -> int:
    problems: list[str] = []
    check_docs(problems)
    check_provider_names(problems)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print("architecture-check: every path the map names exists; no provider named outside its module")
    return 0


if __name__ == "__main__":
    sys.exit(main())

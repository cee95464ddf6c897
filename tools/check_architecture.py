"""make architecture-check: the rules ARCHITECTURE.md states that a grep can hold, and its map.

1. Every path ARCHITECTURE.md and CONTRIBUTING.md name exists (a template such as
   `core/src/providers/<name>.rs` needs its folder; a glob needs a match; a build output must
   be one .gitignore declares, as a fresh clone has none), and every
   `make <target>` they name is a Makefile target. A map with a dangling path misleads the next
   engineer more than no map.
2. No per-provider branch outside `core/src/providers`: the core's other modules and every
   binding's hand-written code never name a provider. The one list (`provider_list.rs`) and
   the crate root's re-exports are where the names belong: the unions (`Config`, `Query`,
   `ProviderDetail`, `ProviderId`) and the dispatch expand from the list, so a new provider is
   its module plus one entry there (plus its re-exports).
3. Bindings import only the crate root of payquery-core, plus `crypto` (an RSA backend) and
   `uniffi_api` (the Kotlin/Swift surface).
4. The core's floors: every module of core/src is on one floor (FLOORS below, as ARCHITECTURE.md
   draws them), imports only from its own floor or below, and no group of modules imports
   itself round in a cycle. An import is any `crate::`/`super::`/`self::` path in a module's
   code (its unit tests left out), resolved through re-exports to the module that defines the
   item, so `crate::Query` counts as an import of `query`.

Usage: python3 tools/check_architecture.py            (exit 1 and one line per problem on failure)
       python3 tools/check_architecture.py --imports  (the core's import graph: counts, cycles,
                                                       upward imports, and every edge)
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DOCS = ["ARCHITECTURE.md", "CONTRIBUTING.md"]

PROVIDER = re.compile(r"fubei|mini_?charge|dingshang|edu_?papay|payscore|wechat_?pay", re.IGNORECASE)
# What may name a provider outside its module, and why (file, text on the line). The flow and
# the client reach every provider through `registry::ProviderApi`; the one exception is the
# type of two-phase signing's first phase, `PendingRequest`: WeChat Pay's APIv3 wire format (the
# only provider family signed with a key that may live elsewhere), which `prepare_query` returns
# for every provider (the others refuse) and `Client::prepare_request` hands to the bindings.
ALLOWED: list[tuple[str, str]] = [
    ("core/src/registry.rs", "use crate::providers::wechatpay::PendingRequest;"),
    ("core/src/client.rs", "use crate::providers::wechatpay::PendingRequest;"),
]
# The one list of providers, and the crate root's re-exports of each provider's public types
# (a `pub use` cannot come from a list without hiding the items from rustdoc's index).
CORE_EXEMPT = {"provider_list.rs", "lib.rs"}
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


# The core's floors, bottom (0) to top. A module not listed is a problem: a new module says
# where it stands.
FLOORS = {
    # Primitives: no provider, no union.
    0: [
        "error",
        "secret",
        "money",
        "open_enum",
        "http",
        "context",
        "validate",
        "json",
        "json_object",
        "document",
        "crypto",
        "crypto::*",
        "hosts",
        "order",
        "access_token",
        "platform_certificate",
        "notification_request",
        "provider_list",
        "provider",
    ],
    # The contract a provider implements.
    1: ["provider_client"],
    # One module per provider (and what several share).
    2: ["providers", "providers::*"],
    # The per-provider unions and their dispatch, expanded from the one list.
    3: ["config", "query", "result", "notification", "registry"],
    # The one-call query and the client.
    4: ["flow", "flow::*", "client"],
    # The Kotlin/Swift surface and the crate root.
    5: ["uniffi_api", "uniffi_api::*", "crate"],
}
CORE = ROOT / "core/src"


def core_module(path: Path) -> str:
    parts = list(path.relative_to(CORE).with_suffix("").parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return "::".join(parts) or "crate"


def use_paths(text: str) -> list[list[str]]:
    """Every path a `use` item names, its braces expanded: `use a::{b, c::d};` is a::b, a::c::d."""
    paths: list[list[str]] = []

    def expand(prefix: str, body: str) -> None:
        depth, item, items = 0, "", []
        for ch in body:
            depth += ch == "{"
            depth -= ch == "}"
            if ch == "," and depth == 0:
                items.append(item)
                item = ""
            else:
                item += ch
        items.append(item)
        for item in filter(None, items):
            if "{" in item:
                head, rest = item.split("{", 1)
                expand(prefix + head, rest[: rest.rindex("}")])
            else:
                paths.append([s for s in re.sub(r"@as@.*", "", prefix + item).split("::") if s])

    for match in re.finditer(r"\buse\s+([^;]+);", text):
        # `x as y` keeps x; the marker survives the whitespace removal (names may contain "as").
        expand("", re.sub(r"\s+", "", re.sub(r"\s+as\s+", "@as@", match.group(1))))
    return paths


def macro_bodies(text: str) -> dict[str, str]:
    """Every `macro_rules! name { … }` of a module's code: name -> body."""
    bodies = {}
    for match in re.finditer(r"macro_rules!\s*(\w+)\s*\{", text):
        depth, end = 1, match.end()
        while depth and end < len(text):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        bodies[match.group(1)] = text[match.end() : end - 1]
    return bodies


class CoreGraph:
    """The core's module-to-module imports, from each module's code (unit tests left out)."""

    def __init__(self) -> None:
        self.files = {core_module(p): p for p in sorted(CORE.rglob("*.rs"))}
        self.code = {m: self._code(p) for m, p in self.files.items()}
        self._exports: dict[str, dict[str, str]] = {}
        # Every macro's `$crate::` paths, by macro name, charged to the modules that call it.
        self.macro_paths = {
            name: [["crate", *m.group(1).split("::")] for m in re.finditer(r"\$crate::(\w+(?:::\w+)*)", body)]
            for text in self.code.values()
            for name, body in macro_bodies(text).items()
        }
        # The one list's type paths (`client: fubei::FubeiClient`, …), under `crate::providers`.
        listed = re.findall(
            r"\b(?:client|config|query|detail):\s*(?:\w+:\s*)?(\w+(?:::\w+)+)", self.code.get("provider_list", "")
        )
        self.list_paths = [["crate", "providers", *path.split("::")] for path in listed]
        self.edges = {m: self._imports(m) for m in self.files}

    @staticmethod
    def _code(path: Path) -> str:
        return "\n".join(re.sub(r"//.*", "", line) for _, line in code_lines(path))

    def _reexports(self, module: str) -> dict[str, str]:
        """What `module` re-exports (`pub use`, `pub(crate) use`): name -> defining module."""
        if module not in self._exports:
            self._exports[module] = {}
            for path in use_paths(self.code.get(module, "")):
                target = self.resolve(module, path, follow=False)
                if target and target != module:
                    self._exports[module][path[-1]] = target
        return self._exports[module]

    def resolve(self, module: str, path: list[str], follow: bool = True) -> str | None:
        here = [] if module == "crate" else module.split("::")
        if path[0] == "crate":
            at, rest = [], path[1:]
        elif path[0] in ("super", "self"):
            at, rest = (here[:-1] if path[0] == "super" else here), path[1:]
            while rest and rest[0] == "super":
                at, rest = at[:-1], rest[1:]
        elif "::".join([*here, path[0]]) in self.files:
            at, rest = here, path
        else:
            return None  # another crate (std, serde, ...)
        target = "::".join(at) or "crate"
        for name in rest:
            child = "::".join([*at, name])
            if child in self.files:
                at, target = [*at, name], child
                continue
            if follow:
                target = self._reexports(target).get(name, target)
            break
        return target

    def _imports(self, module: str) -> set[str]:
        text = self.code[module]
        paths = use_paths(text)
        # A macro body's `$crate::` paths are not the defining module's imports but the calling
        # module's: they are expanded there (below).
        paths += [m.group(1).split("::") for m in re.finditer(r"(?<!\$)\b((?:crate|super|self)(?:::\w+)+)", text)]
        own_macros = macro_bodies(text)
        for name, crate_paths in self.macro_paths.items():
            if name != "each_provider" and name not in own_macros and re.search(rf"\b{name}!\s*[(\[{{]", text):
                paths += crate_paths
        # `each_provider!(callback)` hands the one list's entries (every provider's types) to
        # `callback`: its module imports those providers, unless the callback ignores them.
        for callback in re.findall(r"\beach_provider!\s*\(\s*(\w+)\s*\)", text):
            if "entries: [$($entries:tt)*]" not in re.sub(r"\s+", " ", own_macros.get(callback, "")):
                paths += self.list_paths
        found = {self.resolve(module, p) for p in paths if p}
        return {t for t in found if t and t != module}

    def cycles(self) -> list[list[str]]:
        """Strongly connected components of more than one module (Tarjan)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        found: list[list[str]] = []

        def visit(v: str) -> None:
            index[v] = low[v] = len(index)
            stack.append(v)
            for w in sorted(self.edges[v]):
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in stack:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

        sys.setrecursionlimit(10_000)
        for v in sorted(self.edges):
            if v not in index:
                visit(v)
        return found


def floor_of(module: str) -> int | None:
    for floor, patterns in FLOORS.items():
        for pattern in patterns:
            if module == pattern or (pattern.endswith("::*") and module.startswith(pattern[:-1])):
                return floor
    return None


def check_floors(problems: list[str], report: bool = False) -> None:
    graph = CoreGraph()
    upward = []
    for module, targets in sorted(graph.edges.items()):
        if floor_of(module) is None:
            problems.append(f"core/src: module `{module}` is on no floor (add it to FLOORS)")
            continue
        for target in sorted(targets):
            if (floor_of(target) or 0) > floor_of(module):
                upward.append(f"{module} (floor {floor_of(module)}) imports {target} (floor {floor_of(target)})")
    cycles = graph.cycles()
    for cycle in cycles:
        problems.append(f"core/src: {len(cycle)} modules import each other in a cycle: {', '.join(cycle)}")
    problems += [f"core/src: upward import: {line}" for line in upward]
    if report:
        imports = sum(len(t) for t in graph.edges.values())
        in_cycles = sum(len(c) for c in cycles)
        print(
            f"{len(graph.files)} modules, {imports} module-to-module imports, "
            f"{len(cycles)} cycles ({in_cycles} modules in them), {len(upward)} upward imports"
        )
        for cycle in cycles:
            print(f"cycle of {len(cycle)}: {', '.join(cycle)}")
        for line in upward:
            print(f"upward: {line}")
        for module, targets in sorted(graph.edges.items()):
            print(f"{module} -> {', '.join(sorted(targets))}")


def main() -> int:
    problems: list[str] = []
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `… | head` ends quietly
    if "--imports" in sys.argv:
        check_floors(problems, report=True)
        return 0
    check_docs(problems)
    check_provider_names(problems)
    check_floors(problems)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(
        "architecture-check: every path the map names exists; no provider named outside its module and the list;"
        " core floors hold, no module cycle"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

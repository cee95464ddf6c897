"""Writes a package's README, what npm and PyPI show, from the repository README: one text,
never two.

    python3 tools/package_readme.py node   bindings-wasm/pkg/README.md   (make npm)
    python3 tools/package_readme.py python bindings-python/README.md     (make wheel)

A package README is what a user of that package needs without the repository: what payquery
is, the language's own section, the one-call query with its policy table and token store,
config documents, the error codes, the sandbox. Other languages' sections and the build are
left out. Relative links are made absolute (the registry shows no repository files). It fails
when the README no longer has a section it takes, so a renamed heading cannot silently drop
a part of a registry page.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = {
    "node": ("## Node (npm package `payquery`)", "Node"),
    "python": ("## Python (wheel `payquery`)", "Python"),
}


def section(readme: str, heading: str) -> str:
    """The section under `heading`, up to the next heading of the same or a higher level."""
    start = readme.find(f"\n{heading}\n")
    if start < 0:
        sys.exit(f"package_readme.py: README.md has no section {heading!r}")
    level = heading.split(" ", 1)[0]
    body_start = start + len(heading) + 2
    ends = [m.start() for m in re.finditer(rf"\n#{{1,{len(level)}}} ", readme[body_start:])]
    # A `#` line inside a fenced code block is a comment, not a heading.
    for end in ends:
        if readme[body_start : body_start + end].count("```") % 2 == 0:
            return readme[body_start : body_start + end].strip("\n")
    return readme[body_start:].strip("\n")


def between(readme: str, first: str, before: str) -> str:
    start = readme.find(first)
    end = readme.find(before, start)
    if start < 0 or end < 0:
        sys.exit(f"package_readme.py: README.md has no text from {first!r} to {before!r}")
    return readme[start:end].strip("\n")


def absolute_links(text: str, repository: str) -> str:
    """`[x](CHANGELOG.md)` → `[x](<repository>/blob/main/CHANGELOG.md)`; URLs and anchors stay."""
    return re.sub(
        r"\]\((?!https?://|#|mailto:)([^)\s]+)\)",
        lambda m: f"]({repository}/blob/main/{m.group(1)})",
        text,
    )


def package_readme(language: str) -> str:
    heading, name = LANGUAGES[language]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    repository = re.search(r'^repository = "([^"]+)"', cargo, re.M)
    if repository is None:
        sys.exit("package_readme.py: Cargo.toml has no repository")
    overview = between(readme, "Ask five Chinese payment providers", "\n## ")
    parts = [
        "# payquery",
        f"{overview}\n\nThis is payquery's {name} package; the same core ships to Node, Python, "
        "Kotlin and Swift, with the same policy and the same errors.",
        f"## Using it from {name}",
        section(readme, heading),
        "## The one-call query",
        section(readme, "### The one-call query"),
        "## Errors",
        between(readme, "Error codes: ", "### Config documents"),
        "## Config documents",
        section(readme, "### Config documents"),
        "## The sandbox",
        section(readme, "## The sandbox"),
    ]
    return absolute_links("\n\n".join(parts), repository.group(1)) + "\n"


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in LANGUAGES:
        sys.exit(f"usage: package_readme.py {'|'.join(LANGUAGES)} OUT")
    Path(sys.argv[2]).write_text(package_readme(sys.argv[1]), encoding="utf-8")


if __name__ == "__main__":
    main()

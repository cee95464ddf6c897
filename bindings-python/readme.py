"""Writes bindings-python/README.md (the wheel's long description, `make wheel`) from the
repository README's Python section: one text, never two."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
README = (HERE.parent / "README.md").read_text(encoding="utf-8")
START = README.index("## Python (wheel `payquery`)")
END = README.index("\n## ", START + 1)
INTRO = (
    "# payquery\n\n"
    'Ask five Chinese payment providers "what happened to this order?" — signed request descriptors '
    "and verified, normalized answers, from one Rust core. This is its Python package.\n\n"
)
(HERE / "README.md").write_text(
    INTRO + README[START : END + 1].replace("## ", "## Using it from ", 1), encoding="utf-8"
)

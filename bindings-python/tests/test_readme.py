"""The README's Python examples (tests/readme_example.py and tests/readme_certificates.py,
type-checked by mypy --strict in make test) run against the sandbox, and README.md shows
exactly those files."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, Sandbox

HERE = Path(__file__).resolve().parent
#: Each example and what it prints.
EXAMPLES = {
    "readme_example.py": (
        "PAID Money(minor=888, currency='CNY') 2024-05-20 05:14:15+00:00 PUB_KEY_ID_0119000000012025010100000000000001"
    ),
    "readme_certificates.py": "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92 4733510400",
}


@pytest.mark.parametrize("example", EXAMPLES)
def test_readme_shows_the_example_verbatim(example: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```python\n{(HERE / example).read_text(encoding='utf-8')}```" in readme


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_example_runs_against_the_sandbox(sandbox: Sandbox, tmp_path: Path, example: str) -> None:
    shutil.copytree(sandbox.configs, tmp_path / "sandbox-configs")
    out = subprocess.run(
        [sys.executable, str(HERE / example)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == EXAMPLES[example]
    # The comment at its end says what it prints.
    assert (HERE / example).read_text(encoding="utf-8").rstrip().endswith(f"# → {EXAMPLES[example]}")

"""The README's Python example (tests/readme_example.py, type-checked by mypy --strict in make
test) runs against the sandbox, and README.md shows exactly that file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, Sandbox

EXAMPLE = Path(__file__).with_name("readme_example.py")


def test_readme_shows_the_example_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```python\n{EXAMPLE.read_text(encoding='utf-8')}```" in readme


def test_the_example_runs_against_the_sandbox(sandbox: Sandbox, tmp_path: Path) -> None:
    shutil.copytree(sandbox.configs, tmp_path / "sandbox-configs")
    out = subprocess.run([sys.executable, str(EXAMPLE)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (
        "PAID Money(minor=888, currency='CNY') 2024-05-20 05:14:15+00:00 PUB_KEY_ID_0119000000012025010100000000000001"
    )

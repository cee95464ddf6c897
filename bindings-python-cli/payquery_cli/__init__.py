"""The `payquery` command, a static Linux binary, as a Python distribution.

`pip install payquery-cli` puts `payquery` on PATH (pip installs the binary as one of the
environment's scripts); `pipx run payquery-cli sandbox` and `python -m payquery_cli ARGS` run it
through `payquery_cli.__main__`, which replaces its own process with the binary.
"""

from __future__ import annotations

import os
import sysconfig
from importlib import metadata
from pathlib import Path

__all__ = ["__version__", "binary_path"]

# tools/cli_wheels.py writes the workspace's version here when it builds the wheel.
__version__ = "0.0.0.dev0"


def binary_path() -> Path:
    """The installed `payquery` binary: where pip put this distribution's script (its RECORD
    names it), else `bin/` beside the package (`pip install --target DIR`), else the
    interpreter's scripts directory. FileNotFoundError when it is in none of them (the wheels
    exist for Linux x86_64 and aarch64 only)."""
    try:
        files = metadata.distribution("payquery_cli").files or []
    except metadata.PackageNotFoundError:
        files = []
    candidates = [Path(os.path.normpath(file.locate())) for file in files if file.name == "payquery"]
    candidates.append(Path(__file__).resolve().parent.parent / "bin" / "payquery")
    candidates.append(Path(sysconfig.get_path("scripts"), "payquery"))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("payquery-cli: the payquery binary is not installed (wheels: Linux x86_64 and aarch64)")

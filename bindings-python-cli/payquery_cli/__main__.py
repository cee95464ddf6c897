"""`payquery-cli ARGS` and `python -m payquery_cli ARGS`: the installed `payquery` binary with ARGS.

The binary replaces this process (`os.execv`), so its exit code, signals and stdio are the
caller's own: `pipx run payquery-cli sandbox` is `payquery sandbox`.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from payquery_cli import binary_path


def main() -> NoReturn:
    try:
        binary = binary_path()
    except FileNotFoundError as error:
        sys.exit(str(error))
    try:
        os.execv(binary, [str(binary), *sys.argv[1:]])
    except OSError as error:
        sys.exit(f"payquery-cli: cannot run {binary}: {error}")


if __name__ == "__main__":
    main()

"""The `payquery-cli` wheel, tried as a user would (make dist-python-cli): from a venv holding only
it and the `payquery` wheel, `payquery` and `payquery-cli` run from the venv's bin (the binary
pip installed, and the console script that `pipx run payquery-cli` runs), `payquery sandbox`
starts from there, and the payquery package's one-call query gets PAID from it (Fubei MD5 and
WeChat Pay RSA). The sandbox is stopped however the test ends.

Usage: <venv>/bin/python tools/smoke_cli_wheel.py [DIST_BINARY]
DIST_BINARY (dist/cli/payquery-<v>-linux-x86_64): the installed binary must be byte-identical.
Run from anywhere: both packages must come from the venv's site-packages, never from the tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import payquery
import payquery_cli


def run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    for module in (payquery, payquery_cli):
        where = Path(module.__file__ or "").resolve()
        if "site-packages" not in where.parts:
            sys.exit(f"{module.__name__} was imported from {where}, not from an installed package")
    scripts = Path(sysconfig.get_path("scripts"))
    binary = shutil.which("payquery", path=str(scripts))
    launcher = shutil.which("payquery-cli", path=str(scripts))
    if binary is None or launcher is None:
        sys.exit(f"{scripts} lacks payquery or payquery-cli: {sorted(p.name for p in scripts.iterdir())}")
    if Path(binary) != payquery_cli.binary_path():
        sys.exit(f"payquery_cli.binary_path() is {payquery_cli.binary_path()}, pip installed {binary}")
    mode = stat.S_IMODE(os.stat(binary).st_mode)
    if mode & 0o111 != 0o111:
        sys.exit(f"{binary} has mode {mode:o}: pip did not install it executable")
    if len(sys.argv) > 1 and sha256(Path(binary)) != sha256(Path(sys.argv[1])):
        sys.exit(f"{binary} is not {sys.argv[1]}")
    expected = f"payquery {payquery_cli.__version__}"
    as_module = [sys.executable, "-m", "payquery_cli"]
    for command in ([binary, "--version"], [launcher, "--version"], [*as_module, "--version"]):
        version = run(*command).strip()
        if version != expected:
            sys.exit(f"{' '.join(command)} printed {version!r}, expected {expected!r}")
    if payquery_cli.__version__ != payquery.__version__:
        sys.exit(f"payquery-cli {payquery_cli.__version__} beside payquery {payquery.__version__}")
    if "sandbox" not in run(launcher, "--help"):
        sys.exit("payquery-cli --help does not list the sandbox")
    statuses = []
    with tempfile.TemporaryDirectory() as configs:
        sandbox = subprocess.Popen(
            [binary, "sandbox", "--port", "0", "--write-configs", configs],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert sandbox.stdout is not None
            ready, _, _ = select.select([sandbox.stdout], [], [], 30)
            line = sandbox.stdout.readline() if ready else ""
            if "listening on" not in line:
                sys.exit(f"payquery sandbox from {scripts}: unexpected output {line!r} (exit {sandbox.poll()})")
            for provider in ("fubei", "wechatpay_edu_papay"):
                client = payquery.Client.from_config_file(f"{configs}/{provider}.json")
                query = json.loads(Path(configs, f"{provider}.query.json").read_text(encoding="utf-8"))
                result = client.query(query, timeout=10)
                statuses.append(f"{provider}={result.order.status}")
                if result.order.status != "PAID":
                    sys.exit(f"{provider}: expected PAID, got {result.order.status}")
        finally:
            sandbox.terminate()
            try:
                sandbox.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sandbox.kill()
                sandbox.wait()
    print(
        f"payquery-cli {payquery_cli.__version__} on CPython {sys.version.split()[0]}: {binary} (mode {mode:o}),",
        f"{launcher} and -m payquery_cli run it; sandbox from the venv:",
        *statuses,
    )


if __name__ == "__main__":
    main()

"""Writes the `payquery-cli` wheels (make dist-python-cli): dist/cli's static binaries as PyPI
ships native tools, one wheel per architecture, nothing compiled.

A wheel is a zip (PEP 427, the binary distribution format): the binary as the script
`payquery_cli-<v>.data/scripts/payquery` (mode 0755: pip installs it onto PATH, executable), the
package `payquery_cli` from bindings-python-cli/ (its `__version__` set here) with the console
script `payquery-cli` (`pipx run payquery-cli sandbox`), and the .dist-info: METADATA (the
README bindings-python-cli/README.md), WHEEL, entry_points.txt, the licence files and RECORD
(sha256 of every file, PEP 376). The binary is static musl, so one wheel serves glibc and musl
Linux: py3-none with the manylinux2014 (glibc >= 2.17) and musllinux_1_1 tags of its
architecture. The binaries must match dist/cli/SHA256SUMS. Entries are written in a fixed order
with a fixed date, so the same inputs give the same bytes.

Usage: python3 tools/cli_wheels.py CLI_DIR VERSION OUT_DIR
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bindings-python-cli"
LICENSES = ("LICENSE-MIT", "LICENSE-APACHE")
# ELF e_machine of each architecture's binary.
ARCHES = {"x86_64": 62, "aarch64": 183}
VERSION_LINE = '__version__ = "0.0.0.dev0"'
DATE = (1980, 1, 1, 0, 0, 0)


def platform_tags(arch: str) -> list[str]:
    """The platform tags of one architecture's wheel, sorted as in its file name."""
    return sorted([f"manylinux2014_{arch}", f"manylinux_2_17_{arch}", f"musllinux_1_1_{arch}"])


def wheel_name(version: str, arch: str) -> str:
    return f"payquery_cli-{version}-py3-none-{'.'.join(platform_tags(arch))}.whl"


def metadata(version: str, repository: str) -> str:
    readme = (PACKAGE / "README.md").read_text(encoding="utf-8")
    headers = [
        ("Metadata-Version", "2.4"),
        ("Name", "payquery-cli"),
        ("Version", version),
        (
            "Summary",
            "The payquery command as a static Linux binary: `payquery sandbox`, a local fake of five "
            "Chinese payment providers' order-query APIs, and the one-call `payquery query`.",
        ),
        ("Keywords", "wechatpay,wechat-pay,payments,fubei,sandbox,cli"),
        ("License-Expression", "MIT OR Apache-2.0"),
        *(("License-File", name) for name in LICENSES),
        ("Classifier", "Environment :: Console"),
        ("Classifier", "Operating System :: POSIX :: Linux"),
        ("Classifier", "Programming Language :: Python :: 3 :: Only"),
        ("Classifier", "Programming Language :: Rust"),
        ("Classifier", "Topic :: Software Development :: Testing"),
        ("Classifier", "Typing :: Typed"),
        ("Project-URL", f"Repository, {repository}"),
        ("Requires-Python", ">=3.9"),
        ("Description-Content-Type", "text/markdown; charset=UTF-8; variant=GFM"),
    ]
    return "".join(f"{key}: {value}\n" for key, value in headers) + "\n" + readme


def package_files(version: str) -> list[tuple[str, bytes]]:
    """The `payquery_cli` package, its version written in."""
    files = []
    for path in sorted((PACKAGE / "payquery_cli").iterdir()):
        if path.suffix not in (".py", ".typed"):
            continue
        data = path.read_bytes()
        if path.name == "__init__.py":
            text = data.decode()
            if text.count(VERSION_LINE) != 1:
                sys.exit(f"cli_wheels.py: {path} lacks the line {VERSION_LINE!r}")
            data = text.replace(VERSION_LINE, f'__version__ = "{version}"').encode()
        files.append((f"payquery_cli/{path.name}", data))
    return files


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def write_wheel(out: Path, version: str, arch: str, binary: bytes, repository: str) -> Path:
    info = f"payquery_cli-{version}.dist-info"
    wheel_meta = "Wheel-Version: 1.0\nGenerator: payquery tools/cli_wheels.py\nRoot-Is-Purelib: false\n"
    wheel_meta += "".join(f"Tag: py3-none-{tag}\n" for tag in platform_tags(arch))
    entries: list[tuple[str, bytes, int]] = [(name, data, 0o644) for name, data in package_files(version)]
    entries.append((f"payquery_cli-{version}.data/scripts/payquery", binary, 0o755))
    entries += [
        (f"{info}/METADATA", metadata(version, repository).encode(), 0o644),
        (f"{info}/WHEEL", wheel_meta.encode(), 0o644),
        (f"{info}/entry_points.txt", b"[console_scripts]\npayquery-cli = payquery_cli.__main__:main\n", 0o644),
        *((f"{info}/licenses/{name}", (ROOT / name).read_bytes(), 0o644) for name in LICENSES),
    ]
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data, _ in entries:
        writer.writerow([name, record_hash(data), len(data)])
    writer.writerow([f"{info}/RECORD", "", ""])
    entries.append((f"{info}/RECORD", record.getvalue().encode(), 0o644))
    path = out / wheel_name(version, arch)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data, mode in entries:
            member = zipfile.ZipInfo(name, DATE)
            member.create_system = 3  # Unix: the mode below is what pip applies
            member.external_attr = (0o100000 | mode) << 16
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, data)
    return path


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit("usage: cli_wheels.py CLI_DIR VERSION OUT_DIR")
    cli, version, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    repository = re.search(r'^repository = "([^"]+)"', cargo, re.M)
    if repository is None:
        sys.exit("cli_wheels.py: Cargo.toml has no repository")
    sums = {}
    for line in (cli / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*")] = digest
    out.mkdir(parents=True, exist_ok=True)
    for arch, machine in ARCHES.items():
        name = f"payquery-{version}-linux-{arch}"
        binary = (cli / name).read_bytes()
        if sums.get(name) != hashlib.sha256(binary).hexdigest():
            sys.exit(f"cli_wheels.py: {cli / name} does not match SHA256SUMS")
        found = int.from_bytes(binary[18:20], "little") if binary.startswith(b"\x7fELF") else None
        if found != machine:
            sys.exit(f"cli_wheels.py: {name} is for ELF machine {found}, not {arch} ({machine})")
        wheel = write_wheel(out, version, arch, binary, repository.group(1))
        print(f"{wheel.name}: {wheel.stat().st_size} bytes ({len(binary)} bytes of binary)")


if __name__ == "__main__":
    main()

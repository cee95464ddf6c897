"""Checks dist/ as a user's machine would see it (make dist), including what cannot run here.

The aarch64 and musl artifacts cannot be executed on this x86_64 glibc machine, so they are
checked structurally: every shared library's ELF machine, that it is stripped, that it needs no
library beyond the platform's C runtime, and (glibc) no symbol version newer than the platform
tag allows. Every package must carry the workspace's version, the two license files, and the
artifacts a user's installer expects (wheel tags, the JNA resource paths inside the JAR, the pom's
dependencies). Runs in target/dist-venv, where auditwheel brings pyelftools.

Usage: python tools/check_dist.py DIST_DIR VERSION
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

ROOT = Path(__file__).resolve().parent.parent
LICENSES = ("LICENSE-MIT", "LICENSE-APACHE")


@dataclass(frozen=True)
class Platform:
    """What a shared library for one platform may look like."""

    machine: str  # pyelftools' e_machine name
    libc: str  # "glibc" or "musl"
    allowed_needed: frozenset[str]
    max_glibc: tuple[int, int] | None = None


GLIBC_LIBS = frozenset({"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libgcc_s.so.1"})
GLIBC_X86_64 = Platform("EM_X86_64", "glibc", GLIBC_LIBS | {"ld-linux-x86-64.so.2"}, (2, 17))
GLIBC_AARCH64 = Platform("EM_AARCH64", "glibc", GLIBC_LIBS | {"ld-linux-aarch64.so.1"}, (2, 17))
# zig links musl's libc as `libc.so`; the loader (ld-musl-<arch>.so.1) provides it.
MUSL_X86_64 = Platform("EM_X86_64", "musl", frozenset({"libc.so", "libc.musl-x86_64.so.1"}))
MUSL_AARCH64 = Platform("EM_AARCH64", "musl", frozenset({"libc.so", "libc.musl-aarch64.so.1"}))

WHEELS = {
    "manylinux2014_x86_64.manylinux_2_17_x86_64": GLIBC_X86_64,
    "manylinux2014_aarch64.manylinux_2_17_aarch64": GLIBC_AARCH64,
    "musllinux_1_2_x86_64": MUSL_X86_64,
    "musllinux_1_2_aarch64": MUSL_AARCH64,
}
JNA_NATIVES = {"linux-x86-64": GLIBC_X86_64, "linux-aarch64": GLIBC_AARCH64}

problems: list[str] = []


def check(condition: bool, what: str) -> None:
    if not condition:
        problems.append(what)


def check_library(name: str, data: bytes, platform: Platform) -> str:
    """Checks one shared library; returns a one-line summary."""
    elf = ELFFile(io.BytesIO(data))
    machine = elf["e_machine"]
    check(machine == platform.machine, f"{name}: ELF machine {machine}, expected {platform.machine}")
    check(elf["e_type"] == "ET_DYN", f"{name}: not a shared library ({elf['e_type']})")
    sections = {section.name for section in elf.iter_sections()}
    check(".symtab" not in sections, f"{name}: not stripped (has .symtab)")
    debug = sorted(s for s in sections if s.startswith(".debug"))
    check(not debug, f"{name}: carries debug sections {debug}")
    needed: list[str] = []
    for section in elf.iter_sections():
        if isinstance(section, DynamicSection):
            needed += [tag.needed for tag in section.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
    unexpected = sorted(set(needed) - platform.allowed_needed)
    check(not unexpected, f"{name}: needs {unexpected}, beyond the {platform.libc} C runtime")
    newest = (0, 0)
    for section in elf.iter_sections():
        if isinstance(section, GNUVerNeedSection):
            for _, auxiliaries in section.iter_versions():
                for aux in auxiliaries:
                    match = re.fullmatch(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?", aux.name)
                    if match:
                        newest = max(newest, (int(match[1]), int(match[2])))
    if platform.libc == "musl":
        check(newest == (0, 0), f"{name}: a musl library that asks for glibc symbol versions")
    elif platform.max_glibc is not None:
        check(newest <= platform.max_glibc, f"{name}: needs GLIBC_{newest[0]}.{newest[1]}, newer than the tag allows")
    glibc = f", newest GLIBC_{newest[0]}.{newest[1]}" if newest != (0, 0) else ""
    size = f"{len(data) / 2**20:.1f} MiB"
    stripped = "stripped" if ".symtab" not in sections and not debug else "NOT stripped"
    return f"{machine.removeprefix('EM_').lower()} {platform.libc}, {stripped}, {size}, needs {sorted(needed)}{glibc}"


# What a registry page must show (tools/package_readme.py writes it from README.md).
PACKAGE_README_PARTS = (
    "## The one-call query",
    "| what happened | what the query does |",
    "## Errors",
    "`NETWORK_ERROR`",
    "token store",
    "## Config documents",
    "## The sandbox",
)


def check_package_readme(name: str, text: str, language: str) -> None:
    check(f"## Using it from {language}" in text, f"{name}: the README lacks the {language} section")
    for part in PACKAGE_README_PARTS:
        check(part in text, f"{name}: the README lacks {part!r}")
    check("](CHANGELOG.md)" not in text, f"{name}: the README has relative links")


def check_schemas(dist: Path, version: str) -> None:
    """The config documents' JSON Schemas: in dist/schemas/, the npm package and every wheel,
    each the same bytes as schemas/ (make types writes them)."""
    expected = {p.name: p.read_bytes() for p in sorted((ROOT / "schemas").glob("*.json"))}
    check(len(expected) >= 2, "schemas/ holds no config schemas")
    shipped = {p.name: p.read_bytes() for p in sorted((dist / "schemas").glob("*.json"))}
    check(shipped == expected, f"dist/schemas/ holds {sorted(shipped)}, not schemas/'s {sorted(expected)}")
    package = dist / "npm" / f"payquery-{version}.tgz"
    if package.is_file():
        with tarfile.open(package) as tar:
            for name, data in expected.items():
                member = f"package/schemas/{name}"
                found = tar.extractfile(member) if member in tar.getnames() else None
                check(found is not None and found.read() == data, f"{package.name}: {member} missing or stale")
    for wheel in sorted((dist / "python").glob(f"payquery-{version}-*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
            for name, data in expected.items():
                member = f"payquery/schemas/{name}"
                ok = member in names and archive.read(member) == data
                check(ok, f"{wheel.name}: {member} missing or stale")
    print(f"schemas {len(expected)} config schemas in dist/schemas, the npm package and every wheel")


def check_cli(dist: Path, version: str) -> None:
    """The static `payquery` binaries and their SHA256SUMS (make dist-cli)."""
    folder = dist / "cli"
    sums_file = folder / "SHA256SUMS"
    check(sums_file.is_file(), f"missing {sums_file}")
    sums = {}
    if sums_file.is_file():
        for line in sums_file.read_text(encoding="utf-8").splitlines():
            digest, name = line.split(maxsplit=1)
            sums[name.lstrip("*")] = digest
    for arch, machine in (("x86_64", "EM_X86_64"), ("aarch64", "EM_AARCH64")):
        binary = folder / f"payquery-{version}-linux-{arch}"
        check(binary.is_file(), f"missing {binary}")
        if not binary.is_file():
            continue
        data = binary.read_bytes()
        check(binary.stat().st_mode & 0o111 != 0, f"{binary.name}: not executable")
        check(sums.get(binary.name) == hashlib.sha256(data).hexdigest(), f"{binary.name}: SHA256SUMS does not match")
        elf = ELFFile(io.BytesIO(data))
        check(elf["e_machine"] == machine, f"{binary.name}: ELF machine {elf['e_machine']}, expected {machine}")
        check(elf["e_type"] in ("ET_EXEC", "ET_DYN"), f"{binary.name}: not an executable ({elf['e_type']})")
        interpreter = any(segment["p_type"] == "PT_INTERP" for segment in elf.iter_segments())
        check(not interpreter, f"{binary.name}: dynamically linked (has PT_INTERP)")
        needed = [
            tag.needed
            for section in elf.iter_sections()
            if isinstance(section, DynamicSection)
            for tag in section.iter_tags()
            if tag.entry.d_tag == "DT_NEEDED"
        ]
        check(not needed, f"{binary.name}: needs shared libraries {needed}")
        sections = {section.name for section in elf.iter_sections()}
        check(".symtab" not in sections, f"{binary.name}: not stripped (has .symtab)")
        kind = machine.removeprefix("EM_").lower()
        print(f"cli    {binary.name}: {kind} static, stripped, {len(data) / 2**20:.1f} MiB")
    expected = {f"payquery-{version}-linux-{arch}" for arch in ("x86_64", "aarch64")}
    check(set(sums) == expected, f"SHA256SUMS lists {sorted(sums)}")


def check_npm(dist: Path, version: str) -> None:
    tarball = dist / "npm" / f"payquery-{version}.tgz"
    check(tarball.is_file(), f"missing {tarball}")
    if not tarball.is_file():
        return
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
        manifest = tar.extractfile("package/package.json")
        assert manifest is not None
        declared = re.search(r'"version":\s*"([^"]+)"', manifest.read().decode())
        readme = tar.extractfile("package/README.md") if "package/README.md" in names else None
        check_package_readme(tarball.name, readme.read().decode() if readme else "", "Node")
    check(declared is not None and declared[1] == version, f"{tarball.name}: package.json version is not {version}")
    for required in (*LICENSES, "native/payquery_wasm_bg.wasm", "index.d.ts", "index.d.mts", "README.md"):
        check(f"package/{required}" in names, f"{tarball.name}: lacks {required}")
    print(f"npm    {tarball.name}: {len(names)} files, {tarball.stat().st_size / 1024:.0f} KiB")


# The npm platform packages of the `payquery` command: npm's `cpu` → the binary's ELF machine.
NPM_CLI_PACKAGES = {"x64": ("x86_64", "EM_X86_64"), "arm64": ("aarch64", "EM_AARCH64")}


def check_npm_cli(dist: Path, version: str) -> None:
    """payquery's `payquery` bin, and the platform packages it runs (make dist-npm-cli)."""
    package = dist / "npm" / f"payquery-{version}.tgz"
    if package.is_file():
        with tarfile.open(package) as tar:
            names = set(tar.getnames())
            manifest = tar.extractfile("package/package.json")
            assert manifest is not None
            declared = json.loads(manifest.read())
            check("package/bin/payquery.cjs" in names, f"{package.name}: lacks bin/payquery.cjs")
            if "package/bin/payquery.cjs" in names:
                script = tar.getmember("package/bin/payquery.cjs")
                check(script.mode & 0o111 != 0, f"{package.name}: bin/payquery.cjs is not executable")
        bin_field = declared.get("bin")
        check(bin_field == {"payquery": "bin/payquery.cjs"}, f"{package.name}: bin is {bin_field}")
        optional = declared.get("optionalDependencies")
        expected = {f"@payquery/cli-linux-{cpu}": version for cpu in NPM_CLI_PACKAGES}
        check(optional == expected, f"{package.name}: optionalDependencies {optional}, expected {expected}")
    for cpu, (arch, machine) in NPM_CLI_PACKAGES.items():
        tarball = dist / "npm" / f"payquery-cli-linux-{cpu}-{version}.tgz"
        check(tarball.is_file(), f"missing {tarball}")
        if not tarball.is_file():
            continue
        with tarfile.open(tarball) as tar:
            names = set(tar.getnames())
            manifest = tar.extractfile("package/package.json")
            assert manifest is not None
            declared = json.loads(manifest.read())
            for required in (*LICENSES, "README.md", "bin/payquery"):
                check(f"package/{required}" in names, f"{tarball.name}: lacks {required}")
            binary = b""
            if "package/bin/payquery" in names:
                member = tar.getmember("package/bin/payquery")
                check(member.mode & 0o111 != 0, f"{tarball.name}: bin/payquery is not executable ({member.mode:o})")
                extracted = tar.extractfile(member)
                assert extracted is not None
                binary = extracted.read()
        fields = {key: declared.get(key) for key in ("name", "version", "os", "cpu")}
        expected = {"name": f"@payquery/cli-linux-{cpu}", "version": version, "os": ["linux"], "cpu": [cpu]}
        check(fields == expected, f"{tarball.name}: package.json says {fields}, expected {expected}")
        summary = "no binary"
        if binary:
            elf = ELFFile(io.BytesIO(binary))
            found = elf["e_machine"]
            check(found == machine, f"{tarball.name}: bin/payquery is for ELF machine {found}, expected {machine}")
            interpreter = any(segment["p_type"] == "PT_INTERP" for segment in elf.iter_segments())
            check(not interpreter, f"{tarball.name}: bin/payquery is dynamically linked (has PT_INTERP)")
            shipped = dist / "cli" / f"payquery-{version}-linux-{arch}"
            if shipped.is_file():
                check(shipped.read_bytes() == binary, f"{tarball.name}: bin/payquery is not dist/cli/{shipped.name}")
            linked = "dynamic" if interpreter else "static"
            summary = f"{found.removeprefix('EM_').lower()} {linked}, {len(binary) / 2**20:.1f} MiB binary"
        print(f"npm    {tarball.name}: {summary}, {tarball.stat().st_size / 2**20:.1f} MiB")


def check_python(dist: Path, version: str) -> None:
    folder = dist / "python"
    for tag, platform in WHEELS.items():
        wheel = folder / f"payquery-{version}-cp39-abi3-{tag}.whl"
        check(wheel.is_file(), f"missing {wheel.name}")
        if not wheel.is_file():
            continue
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            info = f"payquery-{version}.dist-info"
            wheel_meta = archive.read(f"{info}/WHEEL").decode()
            metadata = archive.read(f"{info}/METADATA").decode()
            tags = sorted(re.findall(r"^Tag: (.+)$", wheel_meta, re.M))
            expected = sorted(f"cp39-abi3-{t}" for t in tag.split("."))
            check(tags == expected, f"{wheel.name}: WHEEL tags {tags}, expected {expected}")
            check(f"\nVersion: {version}\n" in metadata, f"{wheel.name}: METADATA version is not {version}")
            check_package_readme(wheel.name, metadata, "Python")
            for license_file in LICENSES:
                check(f"{info}/licenses/{license_file}" in names, f"{wheel.name}: lacks {license_file}")
            check("payquery/py.typed" in names, f"{wheel.name}: lacks py.typed")
            libraries = [n for n in names if n.endswith(".so")]
            check(libraries == ["payquery/_native.abi3.so"], f"{wheel.name}: shared libraries {libraries}")
            summary = ""
            if libraries:
                summary = check_library(f"{wheel.name}:{libraries[0]}", archive.read(libraries[0]), platform)
        print(f"python {wheel.name}: {summary}")
    sdist = folder / f"payquery-{version}.tar.gz"
    check(sdist.is_file(), f"missing {sdist.name}")
    if sdist.is_file():
        with tarfile.open(sdist) as tar:
            names = set(tar.getnames())
        top = f"payquery-{version}"
        for required in ("pyproject.toml", "PKG-INFO", "Cargo.toml", "Cargo.lock", "core/src/lib.rs", *LICENSES):
            found = any(n == f"{top}/{required}" or n.endswith(f"/{required}") for n in names)
            check(found, f"{sdist.name}: lacks {required}")
        print(f"python {sdist.name}: {len(names)} files, {sdist.stat().st_size / 1024:.0f} KiB")
    expected = {f"payquery-{version}-cp39-abi3-{t}.whl" for t in WHEELS} | {sdist.name}
    expected |= {f"payquery_cli-{version}-py3-none-{tags}.whl" for tags, _ in CLI_WHEELS.values()}
    unexpected = sorted(p.name for p in folder.iterdir() if p.name not in expected)
    check(not unexpected, f"dist/python holds stray files: {unexpected}")


# The `payquery-cli` wheels (make dist-python-cli): dist/cli's binary as a script, per architecture.
CLI_WHEELS = {
    "x86_64": ("manylinux2014_x86_64.manylinux_2_17_x86_64.musllinux_1_1_x86_64", "EM_X86_64"),
    "aarch64": ("manylinux2014_aarch64.manylinux_2_17_aarch64.musllinux_1_1_aarch64", "EM_AARCH64"),
}


def check_python_cli(dist: Path, version: str) -> None:
    """Each wheel's tags, version, RECORD (every file, its sha256 and size), the console script,
    and the binary: mode 0755, ELF machine of the tag, static, stripped, dist/cli's own bytes."""
    for arch, (tags, machine) in CLI_WHEELS.items():
        wheel = dist / "python" / f"payquery_cli-{version}-py3-none-{tags}.whl"
        check(wheel.is_file(), f"missing {wheel.name}")
        if not wheel.is_file():
            continue
        info, script = f"payquery_cli-{version}.dist-info", f"payquery_cli-{version}.data/scripts/payquery"
        with zipfile.ZipFile(wheel) as archive:
            files = {i.filename: i for i in archive.infolist() if not i.is_dir()}
            contents = {name: archive.read(name) for name in files}
        wheel_meta = contents.get(f"{info}/WHEEL", b"").decode()
        metadata = contents.get(f"{info}/METADATA", b"").decode()
        found = sorted(re.findall(r"^Tag: (.+)$", wheel_meta, re.M))
        expected = sorted(f"py3-none-{t}" for t in tags.split("."))
        check(found == expected, f"{wheel.name}: WHEEL tags {found}, expected {expected}")
        check("Root-Is-Purelib: false" in wheel_meta, f"{wheel.name}: WHEEL does not say Root-Is-Purelib: false")
        check(metadata.startswith("Metadata-Version: "), f"{wheel.name}: no METADATA")
        check("\nName: payquery-cli\n" in metadata, f"{wheel.name}: METADATA does not name payquery-cli")
        check(f"\nVersion: {version}\n" in metadata, f"{wheel.name}: METADATA version is not {version}")
        init = contents.get("payquery_cli/__init__.py", b"").decode()
        check(f'__version__ = "{version}"' in init, f"{wheel.name}: payquery_cli.__version__ is not {version}")
        console = "[console_scripts]\npayquery-cli = payquery_cli.__main__:main"
        entry_points = contents.get(f"{info}/entry_points.txt", b"").decode()
        check(console in entry_points, f"{wheel.name}: entry_points.txt lacks the payquery-cli script")
        for license_file in LICENSES:
            check(f"{info}/licenses/{license_file}" in files, f"{wheel.name}: lacks {license_file}")
        record = list(csv.reader(io.StringIO(contents.get(f"{info}/RECORD", b"").decode())))
        listed = {row[0]: row[1:] for row in record if row}
        check(len(listed) == len(record), f"{wheel.name}: RECORD lists a file twice")
        check(set(listed) == set(files), f"{wheel.name}: RECORD lists {sorted(set(listed) ^ set(files))} wrongly")
        for name, fields in listed.items():
            if name == f"{info}/RECORD" or name not in contents:
                continue
            data = contents[name]
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            check(fields == [f"sha256={digest}", str(len(data))], f"{wheel.name}: RECORD is wrong for {name}")
        binary = contents.get(script, b"")
        check(bool(binary), f"{wheel.name}: lacks {script}")
        if not binary:
            continue
        mode = files[script].external_attr >> 16
        check(mode == 0o100755, f"{wheel.name}: {script} has mode {mode:o}, expected 100755")
        elf = ELFFile(io.BytesIO(binary))
        check(elf["e_machine"] == machine, f"{wheel.name}: the binary is for {elf['e_machine']}, the tag {machine}")
        interpreter = any(segment["p_type"] == "PT_INTERP" for segment in elf.iter_segments())
        check(not interpreter, f"{wheel.name}: the binary is dynamically linked (has PT_INTERP)")
        check(".symtab" not in {s.name for s in elf.iter_sections()}, f"{wheel.name}: the binary is not stripped")
        shipped = dist / "cli" / f"payquery-{version}-linux-{arch}"
        check(shipped.is_file() and shipped.read_bytes() == binary, f"{wheel.name}: the binary is not {shipped}")
        print(
            f"python {wheel.name}: {len(files)} files, {wheel.stat().st_size / 2**20:.1f} MiB;",
            f"bin/payquery {elf['e_machine'].removeprefix('EM_').lower()}",
            f"{'dynamic' if interpreter else 'static'}, mode {mode & 0o777:o}",
        )


def check_maven(dist: Path, version: str) -> None:
    folder = dist / "maven" / "dev" / "payquery" / "payquery-kotlin" / version
    base = folder / f"payquery-kotlin-{version}"
    jar, sources, pom = Path(f"{base}.jar"), Path(f"{base}-sources.jar"), Path(f"{base}.pom")
    for artifact in (jar, sources, pom):
        check(artifact.is_file(), f"missing {artifact.relative_to(dist)}")
    if not all(a.is_file() for a in (jar, sources, pom)):
        return
    with zipfile.ZipFile(jar) as archive:
        names = set(archive.namelist())
        for resource, platform in JNA_NATIVES.items():
            path = f"{resource}/libpayquery_uniffi.so"
            check(path in names, f"{jar.name}: lacks {path} (where JNA's resource loader looks)")
            if path in names:
                print(f"maven  {jar.name}:{path}: {check_library(path, archive.read(path), platform)}")
        for required in ("payquery/Client.class", *(f"META-INF/{name}" for name in LICENSES)):
            check(required in names, f"{jar.name}: lacks {required}")
        # One Kotlin module descriptor: a second one is a leftover of an earlier, unclean build.
        modules = sorted(n for n in names if n.endswith(".kotlin_module"))
        check(len(modules) == 1, f"{jar.name}: Kotlin module descriptors {modules} (stale classes from an old build?)")
    with zipfile.ZipFile(sources) as archive:
        names = set(archive.namelist())
        for required in ("payquery/payquery.kt", "payquery/Query.kt"):
            check(required in names, f"{sources.name}: lacks {required} (generated and hand-written sources)")
        binaries = sorted(n for n in names if not n.endswith((".kt", "/")) and not n.startswith("META-INF/"))
        check(not binaries, f"{sources.name}: holds what is not source: {binaries}")
    namespace = {"m": "http://maven.apache.org/POM/4.0.0"}
    model = ElementTree.parse(pom).getroot()
    coordinates = tuple(model.findtext(f"m:{k}", namespaces=namespace) for k in ("groupId", "artifactId", "version"))
    check(coordinates == ("dev.payquery", "payquery-kotlin", version), f"{pom.name}: coordinates {coordinates}")
    runtime = {
        d.findtext("m:artifactId", namespaces=namespace)
        for d in model.iterfind("m:dependencies/m:dependency", namespace)
        if d.findtext("m:scope", default="compile", namespaces=namespace) in ("compile", "runtime")
    }
    for dependency in ("jna", "kotlin-stdlib", "kotlinx-coroutines-core-jvm"):
        check(dependency in runtime, f"{pom.name}: does not declare {dependency}")
    print(f"maven  {pom.name}: {':'.join(c or '' for c in coordinates)}, depends on {sorted(runtime)}")


def check_version(version: str) -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    check(f"## [{version}]" in changelog, f"CHANGELOG.md has no section for {version}")
    pom = ElementTree.parse(ROOT / "bindings-uniffi/kotlin/pom.xml").getroot()
    declared = pom.findtext("{http://maven.apache.org/POM/4.0.0}version")
    check(declared == version, f"bindings-uniffi/kotlin/pom.xml says {declared}, the workspace {version}")


# ELF e_machine of each Swift library tarball's objects.
SWIFT_ARCHES = {"x86_64": 62, "aarch64": 183}


def check_swift(dist: Path, version: str) -> None:
    """The static library and its pkg-config file a Linux Swift user unpacks under a prefix."""
    for arch, machine in SWIFT_ARCHES.items():
        tarball = dist / "swift" / f"payquery-uniffi-{version}-linux-{arch}.tar.gz"
        check(tarball.is_file(), f"missing {tarball}")
        if not tarball.is_file():
            continue
        with tarfile.open(tarball) as tar:
            names = set(tar.getnames())
            for required in ("lib/libpayquery_uniffi.a", "lib/pkgconfig/payquery-uniffi.pc"):
                check(required in names, f"{tarball.name}: lacks {required}")
            if "lib/pkgconfig/payquery-uniffi.pc" in names and "lib/libpayquery_uniffi.a" in names:
                pc = tar.extractfile("lib/pkgconfig/payquery-uniffi.pc")
                library = tar.extractfile("lib/libpayquery_uniffi.a")
                assert pc is not None and library is not None
                text = pc.read().decode()
                check(f"\nVersion: {version}\n" in text, f"{tarball.name}: the .pc file is not version {version}")
                check("-lpayquery_uniffi" in text, f"{tarball.name}: the .pc file does not link the library")
                data = library.read()
                elf = data.find(b"\x7fELF")
                found = int.from_bytes(data[elf + 18 : elf + 20], "little") if elf >= 0 else None
                check(data.startswith(b"!<arch>\n"), f"{tarball.name}: the library is not a static archive")
                check(found == machine, f"{tarball.name}: objects for ELF machine {found}, expected {machine}")
            shared = any(n.endswith(".so") for n in names)
            check(not shared, f"{tarball.name}: holds a shared library (the link must be static)")
        print(f"swift  {tarball.name}: {tarball.stat().st_size / 1024:.0f} KiB")


def main() -> None:
    dist, version = Path(sys.argv[1]), sys.argv[2]
    check_version(version)
    check_cli(dist, version)
    check_schemas(dist, version)
    check_npm(dist, version)
    check_npm_cli(dist, version)
    check_python(dist, version)
    check_python_cli(dist, version)
    check_maven(dist, version)
    check_swift(dist, version)
    if problems:
        sys.exit("dist/ is not what users must get:\n  " + "\n  ".join(problems))
    print(f"dist/: every artifact is payquery {version}, stripped, for the platforms its tags name")


if __name__ == "__main__":
    main()

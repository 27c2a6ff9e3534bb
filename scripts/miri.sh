#!/usr/bin/env bash
# Runs weft's unit tests (the task cell and its protocol) under Miri.
# Without a nightly toolchain that has Miri, says so and skips.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo +nightly miri --version >/dev/null 2>&1; then
  rustup component add --toolchain nightly miri rust-src >/dev/null 2>&1 || true
fi
if ! cargo +nightly miri --version >/dev/null 2>&1; then
  echo "skipped: no nightly miri (install with: rustup component add --toolchain nightly miri rust-src)"
  exit 0
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/miri"
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"
echo "miri: $(cargo +nightly miri --version)"
cargo +nightly miri test -p weft --lib

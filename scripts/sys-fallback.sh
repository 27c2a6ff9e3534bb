#!/usr/bin/env bash
# Tests weft with its portable platform layer (weft/src/sys/fallback.rs,
# what macOS and the BSDs build) forced on Linux, so the fallback is
# compiled and tested on the machines weft is developed on.
#
#   scripts/sys-fallback.sh                # library unit tests and every integration test
#   scripts/sys-fallback.sh --test net_tcp # arguments go to `cargo test`
#
# Builds with `--cfg weft_sys_fallback` into its own target directory
# (default: target/fallback). Doc tests are not run: their examples
# show Linux's behaviour (peer pids, abstract socket names).
#
# Environment:
#   CARGO_TARGET_DIR   default: target/fallback
set -euo pipefail

cd "$(dirname "$0")/.."

export RUSTFLAGS="${RUSTFLAGS:-} --cfg weft_sys_fallback"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/fallback}"
if [ "$#" -eq 0 ]; then
    set -- --lib --tests
fi
cargo_test=(cargo test -p weft-rt --all-features "$@")

echo "+ RUSTFLAGS=\"$RUSTFLAGS\" CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
# The example tests run the example binaries, which `--tests` does not build.
echo "+ cargo build -p weft-rt --all-features --examples"
cargo build -p weft-rt --all-features --examples
echo "+ ${cargo_test[*]}"
"${cargo_test[@]}"

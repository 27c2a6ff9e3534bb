#!/usr/bin/env bash
# Runs the loom models of weft's lock-free protocols (task state machine,
# parker): every interleaving up to the preemption bound is explored.
set -euo pipefail
cd "$(dirname "$0")/.."
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
export RUSTFLAGS="${RUSTFLAGS:-} --cfg weft_loom"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/loom"
echo "loom: RUSTFLAGS='$RUSTFLAGS' LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS"
cargo test -p weft --lib --release loom -- --test-threads=2

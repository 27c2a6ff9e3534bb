#!/usr/bin/env bash
# Builds and runs the ecosystem workspace's tests (axum, tower-http, reqwest,
# hyper-util, tonic, sqlx, tokio-util, tokio-stream, tracing and user code,
# each against servers the tests start on 127.0.0.1), then checks that the
# tree has no code of the real tokio (check-no-real-tokio.sh), which fails
# if the drop-in patch in Cargo.toml is removed.
#
# A debug build into ecosystem/target; cargo chooses the number of jobs
# (set CARGO_BUILD_JOBS to limit it). .ci/run calls this script.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_INCREMENTAL=0

step() { printf '\n==> ecosystem: %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo test (the integration tests, debug build)"
cargo test --locked --workspace

step "no code of the real tokio in the tree"
bash check-no-real-tokio.sh

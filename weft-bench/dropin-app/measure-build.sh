#!/usr/bin/env bash
# Clean release builds of the drop-in app against the real tokio and against
# weft's tokio drop-in, one after the other in fresh target directories:
# prints each build's wall-clock time and the size of its binary (and of
# the binary stripped). Takes a few minutes; nothing else should be
# building meanwhile, or the times say nothing.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
printf '%-8s %10s %14s %16s\n' build seconds "binary bytes" "stripped bytes"
for variant in tokio weft; do
    target="$root/target/dropin-app-measure/$variant"
    rm -rf "$target"
    start=$(date +%s.%N)
    env -u RUSTFLAGS -u CARGO_TARGET_DIR cargo build --release --quiet \
        --manifest-path "$variant/Cargo.toml" --target-dir "$target"
    end=$(date +%s.%N)
    binary="$target/release/axum-hello"
    strip -o "$target/stripped" "$binary"
    printf '%-8s %10.1f %14d %16d\n' "$variant" "$(echo "$end - $start" | bc)" \
        "$(stat -c %s "$binary")" "$(stat -c %s "$target/stripped")"
    rm -rf "$target"
done

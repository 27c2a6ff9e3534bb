#!/usr/bin/env bash
# Clean release builds of the drop-in app against the real tokio and against
# weft's tokio drop-in, in fresh target directories: prints each build's
# wall-clock time and the size of its binary (and of the binary stripped),
# then the median time of each. `measure-build.sh [ROUNDS]` (default 1)
# runs ROUNDS pairs, the order flipping each round, since the second build
# of a pair finds the disk cache warmer. A round takes about a minute and a
# half; nothing else should be building meanwhile, or the times say nothing.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
rounds="${1:-1}"
declare -A times=([tokio]="" [weft]="")
printf '%-8s %10s %14s %16s\n' build seconds "binary bytes" "stripped bytes"
for round in $(seq "$rounds"); do
    order="tokio weft"
    if (( round % 2 == 0 )); then order="weft tokio"; fi
    for variant in $order; do
        target="$root/target/dropin-app-measure/$variant"
        rm -rf "$target"
        start=$(date +%s.%N)
        env -u RUSTFLAGS -u CARGO_TARGET_DIR cargo build --release --quiet \
            --manifest-path "$variant/Cargo.toml" --target-dir "$target"
        end=$(date +%s.%N)
        seconds=$(echo "$end - $start" | bc)
        times[$variant]+="$seconds "
        binary="$target/release/axum-hello"
        strip -o "$target/stripped" "$binary"
        printf '%-8s %10.1f %14d %16d\n' "$variant" "$seconds" \
            "$(stat -c %s "$binary")" "$(stat -c %s "$target/stripped")"
        rm -rf "$target"
    done
done
for variant in tokio weft; do
    # shellcheck disable=SC2086
    median=$(printf '%s\n' ${times[$variant]} | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}')
    printf 'median %-8s %6.1f s over %d builds\n' "$variant" "$median" "$rounds"
done

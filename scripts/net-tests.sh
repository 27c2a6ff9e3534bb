#!/usr/bin/env bash
# Prints the names of weft's integration test binaries that make sockets
# (weft/tests/*.rs that use `weft::net` or the `tcp_pair` helper, and
# examples_run, whose example servers are network programs), one a line:
# what `.ci/run` runs again with WEFT_IO_BACKEND=io-uring and
# scripts/valgrind-net.sh runs under valgrind. net_uring is not listed: it
# builds its runtimes with each backend itself.
set -euo pipefail

cd "$(dirname "$0")/.."

for test in weft/tests/*.rs; do
    name="$(basename "$test" .rs)"
    case "$name" in
        net_uring) continue ;;
        examples_run) ;;
        *) grep -qE 'weft::net|tcp_pair' "$test" || continue ;;
    esac
    echo "$name"
done

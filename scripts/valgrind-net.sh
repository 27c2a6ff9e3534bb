#!/usr/bin/env bash
# Runs the network tests with their sockets on io_uring under valgrind's
# memcheck, which fails on any access of weft's code to freed or
# unallocated memory: a receive's pool buffer read after it went back to
# the pool or after its ring was dropped, a send's bytes or an operation's
# data freed while a later poll still uses them (the buffers an operation
# lends the kernel must live until its completion, even when its future,
# its stream or the runtime is dropped first: rules 2 and 4 of
# weft/src/runtime/uring/mod.rs, and uring/stream.rs).
#
#   scripts/valgrind-net.sh                   # every binary of scripts/net-tests.sh,
#                                             # and net_uring's io_uring tests
#   scripts/valgrind-net.sh net_tcp           # one test binary
#   scripts/valgrind-net.sh net_uring uring:: # further arguments go to the binary
#
# What it cannot see: the kernel's own accesses. Its writes of received
# bytes land in memory valgrind never saw written, so memcheck would call
# them uninitialised: `--undef-value-errors=no` turns that check off. And
# a kernel write into a buffer weft freed too early is no error of a
# user-space instruction (valgrind keeps freed blocks out of reuse for a
# while, so it does not even corrupt another value): the tests that
# compare every byte catch that kind instead.
#
# Slow: every test runs 20-50 times slower, and valgrind runs one thread
# at a time (`--fair-sched=yes`, so that a thread that spins cannot keep
# the others out). The tests only time out on hangs, with 20 s margins.
# Exits non-zero if valgrind reports an error or a test fails (each is
# named at the end); the tests that fail on io_uring without valgrind fail
# here too.
#
# Environment:
#   VALGRIND_ARGS   more arguments for valgrind (e.g. --track-origins=yes)
#   CARGO_TARGET_DIR, CI   as for cargo test
set -euo pipefail

cd "$(dirname "$0")/.."

command -v valgrind >/dev/null || {
    echo "valgrind is not installed" >&2
    exit 1
}

if [ "$#" -eq 0 ]; then
    runs=()
    while read -r name; do
        case "$name" in
            # Starts the example servers as processes of their own, which
            # valgrind does not follow (network programs on the same code
            # as the tests).
            examples_run) ;;
            # Runs out of descriptors on purpose by lowering
            # RLIMIT_NOFILE, which valgrind emulates with descriptors of
            # its own: the accept never meets EMFILE there (on epoll too).
            net_accept_emfile) ;;
            *) runs+=("$name") ;;
        esac
    done < <(bash scripts/net-tests.sh)
    # A million one-byte reads take minutes under valgrind, past the
    # test's watchdog; the other one-byte reads of net_uring remain.
    runs+=("net_uring uring:: --skip a_one_byte_reader_over_a_mebibyte")
else
    runs=("$*")
fi

test_args=()
for run in "${runs[@]}"; do
    test_args+=(--test "${run%% *}")
done

# Builds the test binaries; cargo names each executable on stderr:
#   Executable tests/net_tcp.rs (target/debug/deps/net_tcp-0123abcd)
built="$(cargo test -p weft-rt --all-features --no-run "${test_args[@]}" 2>&1)" || {
    echo "$built" >&2
    exit 1
}

export WEFT_IO_BACKEND=io-uring
errors=()
failures=()
for run in "${runs[@]}"; do
    name="${run%% *}"
    args=()
    [ "$run" != "$name" ] && read -r -a args <<<"${run#* }"
    exe="$(sed -n "s|^ *Executable tests/$name\.rs (\(.*\))$|\1|p" <<<"$built")"
    if [ -z "$exe" ]; then
        echo "no executable for test binary $name" >&2
        exit 1
    fi
    echo "==> valgrind $name ${args[*]}"
    status=0
    # Known to hang with valgrind 3.19: a runtime thread that sleeps in
    # `io_uring_enter` (every idle thread of a runtime whose sockets are on
    # io_uring) keeps valgrind's other threads from running (measured: 0%
    # CPU, one thread in io_uring_enter, the rest waiting on valgrind's
    # lock; the same tests pass without valgrind), so a test whose peer
    # thread, blocking pool or second worker must run meanwhile never
    # ends. `--trace-syscalls=yes` shows why: valgrind 3.19 runs
    # `io_uring_enter` as `[sync]` (holding its lock), where a blocking
    # call such as `futex` is `[async]`. Current-thread tests hang too
    # once their peer thread must run while the runtime's thread waits
    # in its ring, also with `--test-threads=1`. Each binary is bounded,
    # and a hang is reported as one.
    # shellcheck disable=SC2086 # VALGRIND_ARGS is a list of words
    timeout -s KILL "${VALGRIND_TIMEOUT:-600}" valgrind --quiet --error-exitcode=99 \
        --undef-value-errors=no --fair-sched=yes ${VALGRIND_ARGS:-} "$exe" -q "${args[@]}" \
        || status=$?
    case "$status" in
        0) ;;
        99) errors+=("$name") ;;
        137) failures+=("$name (hung: killed after ${VALGRIND_TIMEOUT:-600} s; see the note above the valgrind call)") ;;
        *) failures+=("$name (exit status $status)") ;;
    esac
done

if [ "${#errors[@]}" -gt 0 ]; then
    echo "valgrind reported errors in: ${errors[*]}" >&2
fi
if [ "${#failures[@]}" -gt 0 ]; then
    echo "tests failed under valgrind in: ${failures[*]}" >&2
fi
if [ "${#errors[@]}" -gt 0 ] || [ "${#failures[@]}" -gt 0 ]; then
    exit 1
fi
echo "valgrind: no errors, every test passed"

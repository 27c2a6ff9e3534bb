#!/usr/bin/env bash
# Runs weft's unit tests (the task cell, its protocol, the cell_tests), a
# selection of task integration tests, and the unit tests of the adapter
# crates weft-tokio-io and weft-hyper (their `ReadBuf` conversions are
# unsafe code) under Miri, which must all pass. Miri
# reports undefined behaviour (use-after-free, dangling or protected
# references, data races between the test's threads) and, at exit, leaked
# memory.
#
#   scripts/miri.sh                   # unit tests + the selected integration tests
#   WEFT_MIRI_TESTS="task_abort" scripts/miri.sh    # choose the integration tests
#   WEFT_MIRI_TESTS="" scripts/miri.sh              # unit tests only
#   MIRIFLAGS="-Zmiri-disable-isolation -Zmiri-tree-borrows" scripts/miri.sh
#
# Without a nightly toolchain that has Miri, it tries to install it once,
# then says so and exits 0.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! cargo +nightly miri --version >/dev/null 2>&1; then
    echo "miri: not found; trying: rustup component add --toolchain nightly miri rust-src"
    rustup component add --toolchain nightly miri rust-src >/dev/null 2>&1 || true
fi
if ! cargo +nightly miri --version >/dev/null 2>&1; then
    echo "skipped: no nightly miri (install with: rustup component add --toolchain nightly miri rust-src)"
    exit 0
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/miri}"
# Isolation off: the tests read clocks and start threads; the runtime parks
# with timeouts.
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"

# Integration tests known to finish under Miri in a few minutes in all (each
# is run only if it exists). The stress tests among them (thousands of tasks,
# many threads) are far too slow under Miri, and their real-time watchdogs
# (tests/support `Watchdog`, `PATIENCE`) would abort the run: skip them by
# name (a `--skip` that matches nothing is harmless).
tests="${WEFT_MIRI_TESTS-task_lifecycle task_abort task_panic task_join_set io_read_buf}"
skips=(
    --skip a_million_tasks
    --skip abort_racing_with_completion
    --skip join_handles_dropped_on_another_thread_while_tasks_complete
    --skip join_handles_awaited_from_another_thread
    --skip waker_storm_from_many_threads
)

echo "miri: $(cargo +nightly miri --version)"
echo "+ MIRIFLAGS=\"$MIRIFLAGS\" CARGO_TARGET_DIR=$CARGO_TARGET_DIR"

failed=()
# run <name> <package> <cargo test arguments...>
run() {
    local name="$1"
    local package="$2"
    shift 2
    local start=$SECONDS
    echo "+ cargo +nightly miri test -p $package $*"
    if cargo +nightly miri test -p "$package" "$@"; then
        echo "miri: ok      $name ($((SECONDS - start))s)"
    else
        echo "miri: FAILED  $name ($((SECONDS - start))s)"
        failed+=("$name")
    fi
}

run "unit tests" weft-rt --lib --all-features
run "weft-tokio-io unit tests" weft-tokio-io --lib
run "weft-hyper unit tests" weft-hyper --lib
for test in $tests; do
    if [ -f "weft/tests/$test.rs" ]; then
        run "$test" weft-rt --test "$test" -- "${skips[@]}"
    else
        echo "miri: skip    $test (weft/tests/$test.rs not found)"
    fi
done

if [ "${#failed[@]}" -ne 0 ]; then
    echo "miri: failed: ${failed[*]}"
    exit 1
fi
echo "miri: all passed"

#!/usr/bin/env bash
# Runs tokio 1.54.1's own integration tests (its tests/*.rs, from the cargo
# registry) against tokio-dropin, that is against weft. It writes a scratch
# cargo package under target/tokio-suite/ (its own workspace, not a member
# of the repository's; nothing in it is committed) whose [[test]] targets
# are copies of those files (with tests/support/, which they include by
# `#[path]`), whose dev-dependencies are what the tests use (tokio-test and
# tokio-stream depend on tokio, and the patch gives them the drop-in too),
# and which patches crates.io's `tokio` with tokio-dropin. It builds the
# chosen test binaries, runs each under a timeout, and prints a summary:
# the binaries that did not compile, the failing tests (binary::test, with
# the panic's place and message) and the counts. Exits 1 if anything
# failed.
#
# The binaries are built first, all at once (`cargo build --keep-going
# --test <name>...`: the executables of `cargo test --no-run`), then run
# directly, as `cargo test --no-fail-fast` would run them, so that all of
# them test the same weft even if weft's sources change during the run.
#
#   scripts/tokio-suite.sh                          # every test binary
#   scripts/tokio-suite.sh tcp_shutdown sync_mpsc   # only these
#   scripts/tokio-suite.sh sync_mpsc -- --exact --nocapture   # arguments for the test binaries
#   TOKIO_SUITE_TIMEOUT=60 scripts/tokio-suite.sh   # seconds per binary (default 300)
#   TOKIO_SRC=/path/to/tokio-1.54.1 scripts/tokio-suite.sh   # another copy of the source
#
# The package mirrors how tokio runs these tests itself: features named as
# tokio's (`full` and the ones it enables, and `test-util`, which tokio-test
# turns on in tokio's workspace) are declared, empty, and on by default, so
# the files' `#![cfg(feature = "...")]` gates see what they do in tokio.
# `tokio_unstable` is not set: the tests gated on it compile to nothing (and
# pass). Each binary's output is kept in target/tokio-suite/logs/<name>.log.
#
# Without tokio 1.54.1 in the cargo registry it fetches it first (cargo
# fetch in a small package under target/tokio-suite/fetch/).
set -euo pipefail

cd "$(dirname "$0")/.."
repo="$PWD"

tokio_version=1.54.1
suite="$repo/target/tokio-suite"
timeout_secs="${TOKIO_SUITE_TIMEOUT:-300}"

# Test files that are not run, with the reason.
#   async_send_sync: asserts that some of tokio's futures are !Unpin or
#   !Sync, where weft's are Unpin and Sync, and names tokio's hidden
#   `tokio::macros::support`, which the drop-in does not have: it does not
#   compile, by design.
excluded=(async_send_sync)

# The test names and the binaries' arguments (after `--`).
selected=()
test_args=()
while [ "$#" -gt 0 ]; do
    if [ "$1" = "--" ]; then
        shift
        test_args=("$@")
        break
    fi
    selected+=("$1")
    shift
done

# --- tokio's source ---------------------------------------------------------

find_tokio_src() {
    local dir
    for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/tokio-"$tokio_version"; do
        if [ -d "$dir/tests" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

src="${TOKIO_SRC:-}"
if [ -z "$src" ]; then
    if ! src="$(find_tokio_src)"; then
        echo "tokio-suite: tokio $tokio_version is not in the cargo registry; fetching it"
        mkdir -p "$suite/fetch/src"
        cat >"$suite/fetch/Cargo.toml" <<EOF
[package]
name = "tokio-suite-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
tokio = "=$tokio_version"
EOF
        : >"$suite/fetch/src/lib.rs"
        (cd "$suite/fetch" && cargo fetch)
        src="$(find_tokio_src)" || {
            echo "tokio-suite: tokio $tokio_version still not found after cargo fetch" >&2
            exit 1
        }
    fi
fi
if [ ! -d "$src/tests" ]; then
    echo "tokio-suite: $src/tests not found" >&2
    exit 1
fi

# --- the scratch package ----------------------------------------------------

mkdir -p "$suite/src" "$suite/logs"
rm -f "$suite"/logs/*.log
# An empty library: the package's one non-test target.
[ -f "$suite/src/lib.rs" ] || : >"$suite/src/lib.rs"
# Copies keep the registry's timestamps (cp -p), so refreshing the package
# does not make cargo rebuild the test binaries.
rm -rf "$suite/tests"
cp -rp "$src/tests" "$suite/tests"

all_tests=()
for file in "$suite"/tests/*.rs; do
    name="$(basename "$file" .rs)"
    skip=0
    for ex in "${excluded[@]}"; do
        [ "$name" = "$ex" ] && skip=1
    done
    [ "$skip" -eq 1 ] && continue
    all_tests+=("$name")
done

manifest="$suite/Cargo.toml.new"
cat >"$manifest" <<EOF
# Written by scripts/tokio-suite.sh: tokio $tokio_version's tests/*.rs run
# against tokio-dropin. Regenerated on every run; do not edit.
[package]
name = "tokio-suite"
version = "0.0.0"
edition = "2021"
publish = false
autotests = false
# rt_handle_block_on's basic_fs reads ./Cargo.toml, tokio's, and looks for
# this.
homepage = "https://tokio.rs"

# Its own workspace: not a member of the repository's.
[workspace]

[features]
default = ["full", "test-util"]
# tokio's feature names, for the tests' cfg gates; they enable nothing (the
# tokio dependency has them all).
full = ["fs", "io-util", "io-std", "macros", "net", "parking_lot", "process", "rt", "rt-multi-thread", "signal", "sync", "time"]
fs = []
io-util = []
io-std = []
macros = []
net = []
parking_lot = []
process = []
rt = []
rt-multi-thread = []
signal = []
sync = []
time = []
test-util = []
# Only under tokio_unstable in these tests; declared, off.
io-uring = []
taskdump = []
schedule-latency = []
tracing = []

[dependencies]
tokio = { version = "1", features = ["full", "test-util"] }
# tokio's own dependencies that its tests name.
bytes = "1"
pin-project-lite = "0.2.11"

# What tokio $tokio_version's tests use of its [dev-dependencies] (mockall,
# proptest, async-stream and futures-concurrency serve only its unit tests;
# tracing-mock and backtrace only tests gated on tokio_unstable).
[dev-dependencies]
tokio-test = "0.4.0"
tokio-stream = "0.1"
futures = { version = "0.3.0", features = ["async-await"] }
futures-test = "0.3.31"
tempfile = "3.1.0"
rand = "0.9"
socket2 = { version = "0.6.0", features = ["all"] }
nix = { version = "0.31.0", default-features = false, features = ["aio", "fs", "socket"] }
libc = "0.2.168"

[patch.crates-io]
tokio = { path = "$repo/tokio-dropin" }

[lints.rust]
unexpected_cfgs = { level = "warn", check-cfg = [
    "cfg(fuzzing)",
    "cfg(loom)",
    "cfg(mio_unsupported_force_poll_poll)",
    "cfg(tokio_allow_from_blocking_fd)",
    "cfg(tokio_internal_mt_counters)",
    "cfg(tokio_no_parking_lot)",
    "cfg(tokio_no_tuning_tests)",
    "cfg(tokio_unstable)",
    'cfg(target_os, values("cygwin"))',
] }
EOF
for name in "${all_tests[@]}"; do
    printf '\n[[test]]\nname = "%s"\npath = "tests/%s.rs"\n' "$name" "$name" >>"$manifest"
done
# Replaced only when it changed, so cargo sees no change otherwise.
if cmp -s "$manifest" "$suite/Cargo.toml"; then
    rm "$manifest"
else
    mv "$manifest" "$suite/Cargo.toml"
fi

if [ "${#selected[@]}" -eq 0 ]; then
    selected=("${all_tests[@]}")
else
    for name in "${selected[@]}"; do
        found=0
        for t in "${all_tests[@]}"; do
            [ "$t" = "$name" ] && found=1
        done
        if [ "$found" -eq 0 ]; then
            echo "tokio-suite: no test binary '$name' (not in $src/tests, or excluded)" >&2
            exit 2
        fi
    done
fi

cd "$suite"
# Its own target directory, whatever CARGO_TARGET_DIR says.
export CARGO_TARGET_DIR="$suite/target"
echo "tokio-suite: tokio $tokio_version tests from $src"
echo "tokio-suite: package $suite, ${#selected[@]} test binaries, timeout ${timeout_secs}s each"

# --- build ------------------------------------------------------------------

# Every selected binary at once (in parallel). `cargo build --test` makes the
# same executables as `cargo test --no-run`, but has --keep-going: the others
# are built when one does not compile (cargo test's --no-fail-fast does not
# do that for the build). The JSON on stdout names each test executable; the
# diagnostics go to stderr.
test_flags=()
for name in "${selected[@]}"; do
    test_flags+=(--test "$name")
done
build_log="$suite/logs/build.log"
artifacts="$suite/logs/build.json"
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$repo" status --porcelain -- weft weft-macros tokio-dropin 2>/dev/null)" ]; then
    commit="$commit + uncommitted changes"
fi
echo "+ cargo build --keep-going --test ... (${#selected[@]} binaries; weft at $commit; log: $build_log)"
build_start=$SECONDS
set +e
# (stderr to tee, stdout to the JSON file.)
cargo build --keep-going --message-format=json-render-diagnostics "${test_flags[@]}" \
    2>&1 >"$artifacts" | tee "$build_log"
set -e
echo "tokio-suite: build took $((SECONDS - build_start))s"

# name<TAB>executable, from cargo's compiler-artifact messages.
declare -A exe=()
while IFS=$'\t' read -r name path; do
    exe["$name"]="$path"
done < <(sed -n 's/.*"reason":"compiler-artifact".*"target":{"kind":\["test"\],[^}]*"name":"\([^"]*\)".*"executable":"\([^"]*\)".*/\1\t\2/p' "$artifacts")

# A selected binary without an executable did not compile.
compile_failed=()
for name in "${selected[@]}"; do
    [ -n "${exe[$name]:-}" ] || compile_failed+=("$name")
done
if [ "${#compile_failed[@]}" -eq "${#selected[@]}" ] &&
    ! grep -q '^error: could not compile `tokio-suite` (test ' "$build_log"; then
    # Something else failed (resolution, weft, a dependency): nothing to run.
    echo "tokio-suite: the build failed before the test binaries (see $build_log)" >&2
    exit 1
fi

# --- run --------------------------------------------------------------------

# The executables are run as cargo test runs them (from the package's
# directory, with its CARGO_* variables), but directly, not through
# `cargo test`: cargo would rebuild a binary whose sources changed since the
# build above, so a run while weft is being edited would mix versions, or
# fail to compile midway.
export CARGO_MANIFEST_DIR="$suite" CARGO_PKG_NAME=tokio-suite CARGO_PKG_VERSION=0.0.0
passed=()
failed_bins=()
failed_tests=()
run_start=$SECONDS
for name in "${selected[@]}"; do
    [ -n "${exe[$name]:-}" ] || continue

    log="$suite/logs/$name.log"
    start=$SECONDS
    # timeout puts the binary in its own process group and signals the whole
    # group (children too); SIGKILL 10s after SIGTERM.
    echo "+ ${exe[$name]} ${test_args[*]+"${test_args[*]}"}" >"$log"
    # (In a subshell whose stderr is dropped: bash's "Aborted" notice for a
    # binary killed by a signal; the summary says it.)
    set +e
    (
        timeout --kill-after=10 "$timeout_secs" \
            "${exe[$name]}" "${test_args[@]+"${test_args[@]}"}" >>"$log" 2>&1
        exit $?
    ) 2>/dev/null
    status=$?
    set -e
    took=$((SECONDS - start))
    if [ "$status" -eq 0 ]; then
        echo "tokio-suite: ok      $name (${took}s)"
        passed+=("$name")
        continue
    fi
    failed_bins+=("$name")
    tests_here=()
    while IFS= read -r t; do
        tests_here+=("$t")
    done < <(
        # "test name ... FAILED", and libtest's closing list (after the
        # last "failures:"), in case a test's output split the first.
        {
            sed -n 's/^test \(.*\) \.\.\. FAILED$/\1/p' "$log" | sed 's/ - should panic$//'
            awk '/^failures:$/ { n = 0; list = 1; next } list && /^    [^ ]/ { names[++n] = $1; next } list { list = 0 }
                 END { for (i = 1; i <= n; i++) print names[i] }' "$log"
        } | sort -u
    )
    for t in "${tests_here[@]+"${tests_here[@]}"}"; do
        # With the place and first line of each of its panics (up to 3; a
        # later one can be the cause, e.g. a panic in a Drop), assert_eq's
        # left and right, and what a #[should_panic(expected)] wanted, from
        # the test's "---- name stdout ----" section.
        why="$(awk -v t="$t" '
            function add(x) { if (length(x) > 160) x = substr(x, 1, 160) "..."; out = out (out == "" ? "" : " | ") x }
            $0 == "---- " t " stdout ----" { in_t = 1; next }
            in_t && (/^---- .* stdout ----$/ || /^failures:$/) { exit }
            in_t && / panicked at / && n < 3 { sub(/^.* panicked at /, ""); at = $0; getline; add(at " " $0); n++ }
            in_t && /^ *(left|right|expected substring): / { sub(/^ */, ""); add($0) }
            in_t && /^note: test did not panic/ { add("did not panic") }
            END { print out }
        ' "$log")"
        if [ -z "$why" ] && { [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; }; then
            # libtest prints the failures' output at the end.
            why="output lost to the timeout; rerun: scripts/tokio-suite.sh $name -- --exact $t"
        fi
        failed_tests+=("$name::$t${why:+  [$why]}")
    done
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        echo "tokio-suite: TIMEOUT $name (${took}s; log: $log)"
        # libtest names the tests still running after 60s.
        hung=()
        while IFS= read -r t; do
            hung+=("$t")
        done < <(sed -n 's/^test \(.*\) has been running for over 60 seconds$/\1/p' "$log")
        for t in "${hung[@]+"${hung[@]}"}"; do
            failed_tests+=("$name::$t (still running at the timeout)")
        done
        if [ "${#hung[@]}" -eq 0 ]; then
            failed_tests+=("$name (timed out after ${timeout_secs}s)")
        fi
    elif [ "${#tests_here[@]}" -eq 0 ]; then
        # The binary died (a signal, an abort) with no test reported.
        if [ "$status" -gt 128 ]; then
            why="killed by signal $((status - 128))"
        else
            why="exit status $status"
        fi
        echo "tokio-suite: FAILED  $name (${took}s; $why, no failing test named; log: $log)"
        failed_tests+=("$name ($why)")
    else
        echo "tokio-suite: FAILED  $name (${took}s; ${#tests_here[@]} tests; log: $log)"
    fi
done

# --- summary ----------------------------------------------------------------

echo
echo "tokio-suite: summary (tokio $tokio_version tests on tokio-dropin, weft at $commit; run $((SECONDS - run_start))s)"
if [ "${#compile_failed[@]}" -ne 0 ]; then
    echo "did not compile (${#compile_failed[@]}; see $build_log):"
    printf '    %s\n' "${compile_failed[@]}"
fi
if [ "${#failed_tests[@]}" -ne 0 ]; then
    echo "failed tests (${#failed_tests[@]}):"
    printf '    %s\n' "${failed_tests[@]}"
fi
echo "binaries: ${#passed[@]} passed, ${#failed_bins[@]} failed, ${#compile_failed[@]} did not compile (of ${#selected[@]})"
if [ "${#failed_bins[@]}" -ne 0 ] || [ "${#compile_failed[@]}" -ne 0 ]; then
    exit 1
fi

#!/usr/bin/env bash
# Model-checks weft's lock-free protocols with loom (the models and what
# they cover: docs/ARCHITECTURE.md).
#
#   scripts/loom.sh                 # every loom model
#   scripts/loom.sh join_poll       # only the models whose name contains this
#
# Builds the weft library tests with `--cfg weft_loom` (the sync shim in
# weft/src/loom.rs then hands out loom's types) and debug assertions on (the
# state protocol's `debug_assert!`s are part of what is checked), in release
# mode, and runs each model in its own process so that one failing model
# (loom failures often abort the process while unwinding) cannot hide the
# others.
#
# Environment:
#   LOOM_MAX_PREEMPTIONS  preemption bound per model (default 5: the whole run
#                         takes 2-3 minutes on 2 cores; the models
#                         themselves default to 3 when run without this script,
#                         and the multi-thread models that race two real
#                         workers cap it at 2, see their file)
#   LOOM_LOG=1, LOOM_LOCATION=1, LOOM_CHECKPOINT_FILE=...  see loom's docs
#   CARGO_TARGET_DIR      default: target/loom (keeps loom builds apart)
set -euo pipefail

cd "$(dirname "$0")/.."

filter="${1:-loom}"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-5}"
export RUSTFLAGS="${RUSTFLAGS:-} --cfg weft_loom -C debug-assertions"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/loom}"
# The crates with loom models: weft, and weft-hyper (its connection
# tracker, `weft-hyper/src/tracker.rs`). Each model runs as
# `<package> <model>`.
packages=(weft-rt weft-hyper)

echo "+ RUSTFLAGS=\"$RUSTFLAGS\" LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
models=()
# `#[ignore]`d models are listed too; they are reported as ignored, never
# run (`--exact` on one would run nothing and pass).
ignored=" "
for package in "${packages[@]}"; do
    cargo_test=(cargo test -p "$package" --lib --release)
    echo "+ ${cargo_test[*]} $filter"
    "${cargo_test[@]}" --no-run
    while IFS= read -r line; do
        models+=("$package ${line%: test}")
    done < <("${cargo_test[@]}" -q "$filter" -- --list 2>/dev/null | grep ': test$' || true)
    while IFS= read -r line; do
        ignored+="$package:${line%: test} "
    done < <("${cargo_test[@]}" -q "$filter" -- --list --ignored 2>/dev/null | grep ': test$' || true)
done

if [ "${#models[@]}" -eq 0 ]; then
    echo "no loom model matches '$filter'" >&2
    exit 1
fi

failed=()
skipped=0
start_all=$SECONDS
for entry in "${models[@]}"; do
    package="${entry%% *}"
    model="${entry#* }"
    start=$SECONDS
    if [[ "$ignored" == *" $package:$model "* ]]; then
        printf 'ignored       %s (#[ignore]: see its comment)\n' "$entry"
        skipped=$((skipped + 1))
    elif cargo test -p "$package" --lib --release -q -- --exact "$model" \
        >"$CARGO_TARGET_DIR/loom-last.log" 2>&1; then
        printf 'ok      %4ss  %s\n' "$((SECONDS - start))" "$entry"
    else
        printf 'FAILED  %4ss  %s\n' "$((SECONDS - start))" "$entry"
        # The panic messages, without loom's backtraces.
        grep -E "panicked at|^[A-Za-z].*(violation|deadlock|leaked|use-after-free|assert)" \
            "$CARGO_TARGET_DIR/loom-last.log" | head -n 8 | sed 's/^/          /' || true
        cp "$CARGO_TARGET_DIR/loom-last.log" "$CARGO_TARGET_DIR/loom-failed-${model//::/-}.log"
        failed+=("$model")
    fi
done

echo
echo "$((${#models[@]} - skipped)) models run, $skipped ignored, ${#failed[@]} failed, $((SECONDS - start_all))s (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS)"
if [ "${#failed[@]}" -ne 0 ]; then
    echo "full output of each failure: $CARGO_TARGET_DIR/loom-failed-<model>.log"
    echo "rerun one with: scripts/loom.sh <name>   (add LOOM_LOG=1 LOOM_LOCATION=1 for a trace)"
    exit 1
fi

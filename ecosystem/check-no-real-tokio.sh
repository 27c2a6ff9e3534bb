#!/usr/bin/env bash
# Checks that nothing in the ecosystem workspace runs on the real tokio: with
# the drop-in patch enabled (see Cargo.toml), the only package named `tokio`
# is the drop-in (version 1.99.0, from a path), so every crate of the tree
# (axum, hyper, reqwest, tonic, sqlx, ...) runs on weft's engine.
#
#   1. Cargo.lock: every `tokio` package is 1.99.0 with no `source` (a path
#      package); a `source = "registry+..."` one is the real tokio.
#   2. `cargo tree`: every `tokio` in the dependency graph is the drop-in
#      from ../tokio-dropin.
#   3. The built test programs: none contains a source path of a released
#      tokio (`tokio-1.x.y/src/...`, left in the debug info and the panic
#      locations of any code compiled from it).
#
# Every check runs; each failure is printed; the exit status is 1 if any
# failed. Run from anywhere: `bash ecosystem/check-no-real-tokio.sh`.
set -uo pipefail
cd "$(dirname "$0")"

DROPIN_VERSION=1.99.0
failures=0
fail() {
    printf 'check-no-real-tokio: FAILED: %s\n' "$*" >&2
    failures=$((failures + 1))
}
pass() {
    printf 'check-no-real-tokio: ok: %s\n' "$*"
}

# 1. The lockfile.
tokio_packages=$(awk '
    function flush() {
        if (name == "tokio") print version " " (source == "" ? "path" : source)
        name = ""; version = ""; source = ""
    }
    /^\[\[package\]\]/ { flush() }
    /^name = /    { name = $3;    gsub(/"/, "", name) }
    /^version = / { version = $3; gsub(/"/, "", version) }
    /^source = /  { source = $3;  gsub(/"/, "", source) }
    END { flush() }
' Cargo.lock)
if [ -z "$tokio_packages" ]; then
    fail "Cargo.lock has no tokio package at all"
fi
lock_ok=1
while read -r version source; do
    [ -z "$version" ] && continue
    if [ "$version" != "$DROPIN_VERSION" ] || [ "$source" != "path" ]; then
        fail "Cargo.lock has tokio $version from $source (the real tokio; is the drop-in patch in Cargo.toml there, and Cargo.lock updated with `cargo update -p tokio`?)"
        lock_ok=0
    fi
done <<<"$tokio_packages"
[ "$lock_ok" = 1 ] && [ -n "$tokio_packages" ] && pass "Cargo.lock: tokio is only the drop-in ($DROPIN_VERSION, path)"

# 2. The dependency graph.
if tree=$(cargo tree --locked --workspace --edges normal,build,dev --prefix none 2>&1); then
    tokios=$(grep -E '^tokio v' <<<"$tree" | sed 's/ (\*)$//' | sort -u)
    tree_ok=1
    while read -r line; do
        [ -z "$line" ] && continue
        if ! grep -Eq "^tokio v${DROPIN_VERSION//./\\.} \(.*/tokio-dropin\)$" <<<"$line"; then
            fail "cargo tree has \"$line\", not the drop-in"
            tree_ok=0
        fi
    done <<<"$tokios"
    if [ -z "$tokios" ]; then
        fail "cargo tree shows no tokio at all"
    elif [ "$tree_ok" = 1 ]; then
        pass "cargo tree: every tokio is $(head -n1 <<<"$tokios")"
        # Who depends on it, for the log.
        cargo tree --locked --invert tokio --edges normal,build,dev --depth 1 2>/dev/null || true
    fi
else
    fail "cargo tree failed: $tree"
fi

# 3. The built programs (built here if the tests have not built them).
if build=$(cargo test --locked --workspace --no-run --message-format=json 2>/dev/null); then
    mapfile -t programs < <(grep -o '"executable":"[^"]*"' <<<"$build" | sed 's/^"executable":"//; s/"$//' | sort -u)
    if [ "${#programs[@]}" -eq 0 ]; then
        fail "no test program was built"
    fi
    binaries_ok=1
    for program in "${programs[@]}"; do
        found=$(grep -a -o -E '/tokio-1\.[0-9]+\.[0-9]+/src/[A-Za-z0-9_/]+\.rs' "$program" | sort -u | head -n 3)
        if [ -n "$found" ]; then
            fail "$(basename "$program") holds code compiled from a released tokio, e.g. $(tr '\n' ' ' <<<"$found")"
            binaries_ok=0
        fi
    done
    [ "$binaries_ok" = 1 ] && [ "${#programs[@]}" -gt 0 ] &&
        pass "${#programs[@]} test programs: no code from a released tokio"
else
    fail "building the test programs failed (cargo test --no-run)"
fi

if [ "$failures" -gt 0 ]; then
    printf '\ncheck-no-real-tokio: %d check(s) FAILED: the real tokio is in the tree\n' "$failures" >&2
    exit 1
fi
echo "check-no-real-tokio: the tree runs on the drop-in only"

//! Compile-time behaviour of `#[weft::main]` and `#[weft::test]`: every
//! misuse is a compile error with a clear message at the offending token
//! (`tests/ui/*.rs`, snapshots in the `.stderr` files next to them), and the
//! supported forms compile without warnings (`tests/ui/pass/*.rs`).
//!
//! After changing a message, regenerate the snapshots with
//! `TRYBUILD=overwrite cargo test -p weft-macros --test ui` and review the
//! diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}

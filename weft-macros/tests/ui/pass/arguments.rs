#![deny(warnings)]

#[weft::main(flavor = "current_thread", start_paused = false, crate = "weft")]
async fn every_accepted_argument() {}

#[weft::main(start_paused = false, flavor = "current_thread",)]
async fn trailing_comma_any_order() {}

// Outside `cargo test`, `#[test]` functions are compiled out: this checks
// that the arguments are accepted (tests/runtime.rs runs test expansions).
#[weft::test(start_paused = false, flavor = "current_thread")]
async fn explicit_test() {}

// Arguments passed through `macro_rules!` fragments arrive wrapped in
// invisible groups.
macro_rules! entry {
    ($name:ident, $flavor:literal, $paused:literal) => {
        #[weft::main(flavor = $flavor, start_paused = $paused)]
        async fn $name() {}
    };
}

entry!(from_macro, "current_thread", false);

// Each function blocks on its own runtime, so they are called from a plain
// `main`: one runtime cannot be started inside another.
fn main() {
    every_accepted_argument();
    trailing_comma_any_order();
    from_macro();
}

#![deny(warnings)]

/// Any name and visibility are allowed; the function becomes a blocking
/// call that returns the body's value.
#[weft::main]
#[allow(clippy::needless_return)]
pub(crate) async fn run() -> u32 {
    #![allow(unused_variables)]
    let unused = 1;
    let nested = async { 41 }.await;
    return nested + 1;
}

fn main() {
    assert_eq!(run(), 42);
}

//! `#[weft::test]` expansions, compiled as real tests and run: the body
//! runs on a weft runtime, its value is the test's result, and its panics
//! fail the test.
//!
//! The lints below are on so that `cargo clippy --all-targets -D warnings`
//! checks that the expansion brings no warning into a strict user crate.
#![warn(
    clippy::pedantic,
    clippy::expect_used,
    clippy::needless_return,
    clippy::diverging_sub_expression,
    unused_qualifications
)]

use std::io;
use std::num::ParseIntError;
use std::process::{ExitCode, Termination};

use std::future::ready;

async fn double(n: u32) -> u32 {
    ready(n * 2).await
}

async fn parse(text: &str) -> Result<u32, ParseIntError> {
    ready(text.parse()).await
}

#[weft::test]
async fn awaits_an_async_fn() {
    assert_eq!(double(21).await, 42);
}

#[weft::test]
async fn awaits_an_async_block() {
    let value = async { double(2).await + 1 }.await;
    assert_eq!(value, 5);
}

#[weft::test]
async fn returns_ok() -> Result<(), ParseIntError> {
    let n = parse("5").await?;
    assert_eq!(double(n).await, 10);
    Ok(())
}

#[weft::test]
async fn returns_io_result() -> io::Result<()> {
    let bytes = async { vec![1u8, 2, 3] }.await;
    assert_eq!(bytes.len(), 3);
    Ok(())
}

#[weft::test]
async fn question_mark_converts_into_box_dyn_error() -> Result<(), Box<dyn std::error::Error>> {
    let n = parse("7").await?;
    if n != 7 {
        return Err("wrong number".into());
    }
    Ok(())
}

#[weft::test]
async fn return_in_the_body_returns_the_result() -> Result<(), String> {
    let n = double(1).await;
    if n == 2 {
        return Ok(());
    }
    Err(format!("the early return was not taken: {n}"))
}

#[weft::test(flavor = "current_thread", start_paused = false)]
async fn accepts_explicit_arguments() {
    assert_eq!(double(1).await, 2);
}

#[weft::test]
#[should_panic(expected = "boom from the body")]
async fn a_panicking_body_fails_the_test() {
    double(1).await;
    panic!("boom from the body");
}

#[weft::test]
#[should_panic(expected = "assertion `left == right` failed")]
async fn a_failed_assertion_fails_the_test() {
    assert_eq!(double(1).await, 3);
}

// `#[should_panic]` only applies to tests returning `()`, so this checks the
// other way a test fails: the `Err` the body returns comes out of the
// generated function, and is reported as a failure exactly as libtest
// reports a test's result (`Termination::report`).
#[test]
#[allow(unnameable_test_items)] // `returns_err` is called, not collected.
fn returning_err_fails_the_test() {
    #[weft::test]
    async fn returns_err() -> Result<(), String> {
        parse("not a number")
            .await
            .map_err(|error| format!("the body's error: {error}"))?;
        Ok(())
    }

    assert_eq!(
        returns_err(),
        Err("the body's error: invalid digit found in string".to_owned())
    );
    assert_eq!(returns_err().report(), ExitCode::FAILURE);
}

// `#[weft::main]` may be put on any function: it becomes a blocking call.
#[weft::main]
async fn blocking_answer() -> u32 {
    double(21).await
}

#[test]
fn main_on_a_helper_blocks_until_the_body_is_done() {
    assert_eq!(blocking_answer(), 42);
}

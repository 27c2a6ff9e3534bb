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
use std::num::{NonZeroUsize, ParseIntError};
use std::process::{ExitCode, Termination};
use std::thread::{self, ThreadId};

use std::future::ready;

use weft::runtime::Handle;

async fn double(n: u32) -> u32 {
    ready(n * 2).await
}

async fn parse(text: &str) -> Result<u32, ParseIntError> {
    ready(text.parse()).await
}

/// The number of worker threads of the runtime the caller runs on.
fn num_workers() -> usize {
    Handle::current().metrics().num_workers()
}

/// The thread a newly spawned task runs on.
async fn spawned_task_thread() -> ThreadId {
    weft::spawn(async { thread::current().id() }).await.unwrap()
}

/// What the `multi_thread` flavor uses when `worker_threads` is not given:
/// weft's variable, then tokio's, else the CPUs (`Builder::worker_threads`).
fn default_worker_count() -> usize {
    ["WEFT_WORKER_THREADS", "TOKIO_WORKER_THREADS"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, NonZeroUsize::get))
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

// The flavor the attributes build: `#[weft::test]` defaults to
// `current_thread`, `#[weft::main]` to `multi_thread`, and `flavor` and
// `worker_threads` are honoured.

#[weft::test]
async fn test_defaults_to_current_thread() {
    assert_eq!(num_workers(), 1);
    // Tasks run on the test's own thread, between the body's steps.
    let test_thread = thread::current().id();
    assert_eq!(spawned_task_thread().await, test_thread);
}

#[weft::test(flavor = "current_thread")]
async fn test_on_explicit_current_thread() {
    assert_eq!(num_workers(), 1);
    assert_eq!(spawned_task_thread().await, thread::current().id());
}

#[weft::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_on_two_worker_threads() {
    assert_eq!(num_workers(), 2);
    // The body is driven by the test thread; tasks run on the workers.
    let test_thread = thread::current().id();
    assert_ne!(spawned_task_thread().await, test_thread);
}

#[weft::test(flavor = "multi_thread")]
async fn multi_thread_defaults_to_one_worker_per_cpu() {
    assert_eq!(num_workers(), default_worker_count());
}

#[weft::main]
async fn main_default_runtime() -> (usize, ThreadId) {
    (num_workers(), spawned_task_thread().await)
}

#[weft::main(worker_threads = 3)]
async fn main_with_three_workers() -> (usize, ThreadId) {
    (num_workers(), spawned_task_thread().await)
}

#[weft::main(flavor = "current_thread")]
async fn main_on_current_thread() -> (usize, ThreadId) {
    (num_workers(), spawned_task_thread().await)
}

#[test]
fn main_defaults_to_multi_thread() {
    let caller = thread::current().id();
    let (workers, task_thread) = main_default_runtime();
    assert_eq!(workers, default_worker_count());
    assert_ne!(task_thread, caller);

    let (workers, task_thread) = main_with_three_workers();
    assert_eq!(workers, 3);
    assert_ne!(task_thread, caller);

    let (workers, task_thread) = main_on_current_thread();
    assert_eq!(workers, 1);
    assert_eq!(task_thread, caller);
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

// `start_paused = true`: the clock is frozen from the start and auto-advances.

#[weft::test(start_paused = true)]
async fn start_paused_freezes_the_clock() {
    let start = weft::time::Instant::now();
    thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(start.elapsed(), std::time::Duration::ZERO);
    weft::time::sleep(std::time::Duration::from_secs(3600)).await;
    assert_eq!(start.elapsed(), std::time::Duration::from_secs(3600));
}

#[weft::main(flavor = "current_thread", start_paused = true)]
async fn paused_main() -> std::time::Duration {
    let start = weft::time::Instant::now();
    weft::time::sleep(std::time::Duration::from_secs(5)).await;
    start.elapsed()
}

#[test]
fn start_paused_main_auto_advances() {
    assert_eq!(paused_main(), std::time::Duration::from_secs(5));
}

// `flavor = "local"`: a `LocalRuntime`, where `spawn_local` needs no
// `LocalSet` and `!Send` values live across awaits.

#[weft::test(flavor = "local")]
async fn local_flavor_runs_spawn_local() {
    let shared = std::rc::Rc::new(std::cell::Cell::new(0));
    let handles: Vec<_> = (1..=3)
        .map(|i| {
            let shared = shared.clone();
            weft::task::spawn_local(async move {
                weft::task::yield_now().await;
                shared.set(shared.get() + i);
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    assert_eq!(shared.get(), 6);
    assert_eq!(
        Handle::current().runtime_flavor(),
        weft::runtime::RuntimeFlavor::CurrentThread
    );
}

#[weft::test(flavor = "local")]
async fn local_flavor_runs_send_tasks_on_the_same_thread() {
    let here = thread::current().id();
    assert_eq!(spawned_task_thread().await, here);
    assert_eq!(num_workers(), 1);
}

#[weft::test(flavor = "local", start_paused = true)]
async fn local_flavor_with_paused_clock() {
    let start = weft::time::Instant::now();
    weft::time::sleep(std::time::Duration::from_secs(60)).await;
    assert_eq!(start.elapsed(), std::time::Duration::from_secs(60));
}

#[weft::main(flavor = "local")]
async fn local_main() -> usize {
    let text = std::rc::Rc::new(String::from("local main"));
    weft::task::spawn_local(async move { text.len() })
        .await
        .unwrap()
}

#[test]
fn local_main_runs_spawn_local() {
    assert_eq!(local_main(), 10);
}

// `name = "..."`: the runtime's name.

#[weft::test(name = "named-test-runtime")]
async fn name_names_the_runtime() {
    assert_eq!(Handle::current().name(), Some("named-test-runtime"));
}

#[weft::test]
async fn no_name_by_default() {
    assert_eq!(Handle::current().name(), None);
}

#[weft::test(flavor = "multi_thread", worker_threads = 1, name = "mt")]
async fn name_with_multi_thread() {
    let name = weft::spawn(async { Handle::current().name().map(str::to_owned) })
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("mt"));
}

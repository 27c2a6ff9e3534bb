//! The entry-point attributes and the macros, written exactly as for
//! tokio: every argument of `#[tokio::main]`/`#[tokio::test]` (the crate
//! path included), `select!`, `join!`, `try_join!`, `pin!` and
//! `task_local!` with tokio's syntax.

use std::future::{pending, ready};
use std::time::Duration;

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::{mpsc, oneshot};

#[tokio::test]
async fn test_defaults_to_current_thread() {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::CurrentThread
    );
    assert_eq!(tokio::spawn(async { 1 + 1 }).await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_with_two_workers() {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::MultiThread
    );
    assert_eq!(Handle::current().metrics().num_workers(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn multi_thread_with_the_default_workers() {
    // weft's variable, then tokio's, else the CPUs (`Builder::worker_threads`).
    let expected = ["WEFT_WORKER_THREADS", "TOKIO_WORKER_THREADS"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    assert_eq!(Handle::current().metrics().num_workers(), expected);
}

#[tokio::test(start_paused = true)]
async fn start_paused_advances_the_clock_without_waiting() {
    let start = tokio::time::Instant::now();
    let wall = std::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(start.elapsed() >= Duration::from_secs(3600));
    assert!(
        wall.elapsed() < Duration::from_secs(600),
        "no real hour passed"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = false, name = "named")]
async fn a_named_runtime() {
    assert_eq!(Handle::current().name(), Some("named"));
}

#[tokio::test(flavor = "local")]
async fn local_flavor_spawns_non_send_tasks() {
    let shared = std::rc::Rc::new(5);
    let task = tokio::task::spawn_local({
        let shared = shared.clone();
        async move { *shared * 2 }
    });
    assert_eq!(task.await.unwrap(), 10);
}

#[tokio::test]
async fn returns_a_result() -> Result<(), std::num::ParseIntError> {
    let n: u32 = "7".parse()?;
    assert_eq!(n, 7);
    Ok(())
}

#[tokio::test]
#[should_panic(expected = "boom")]
async fn a_panicking_test_fails() {
    panic!("boom");
}

/// A library that re-exports tokio, as some do.
mod my_runtime {
    pub(crate) use tokio as rt;
}

#[tokio::test(crate = "my_runtime::rt")]
async fn crate_path_names_a_re_export() {
    assert_eq!(my_runtime::rt::spawn(async { 3 }).await.unwrap(), 3);
}

mod renamed {
    // `tokio` resolved where the attribute is written: a `use` that brings
    // a `tokio` into scope is found, as with tokio's own attribute.
    use crate::my_runtime::rt as tokio;

    #[tokio::test]
    async fn a_tokio_in_scope() {
        assert_eq!(tokio::spawn(async { 4 }).await.unwrap(), 4);
    }
}

/// `#[tokio::main]` on a function other than `main` makes it a blocking
/// call, parameters and generics allowed (as tokio allows them).
#[tokio::main(flavor = "current_thread")]
async fn sum_on_a_runtime<T: Into<u64> + Send + 'static>(values: Vec<T>) -> u64 {
    let values: Vec<u64> = values.into_iter().map(Into::into).collect();
    tokio::spawn(async move { values.iter().sum() })
        .await
        .unwrap()
}

#[tokio::main(worker_threads = 2)]
async fn workers_of_main() -> usize {
    Handle::current().metrics().num_workers()
}

#[test]
fn main_attribute_on_helpers() {
    assert_eq!(sum_on_a_runtime(vec![1u32, 2, 3]), 6);
    assert_eq!(workers_of_main(), 2);
}

#[tokio::test]
async fn select_with_tokio_syntax() {
    let (tx, rx) = oneshot::channel::<u32>();
    let (mtx, mut mrx) = mpsc::channel::<u32>(4);
    tx.send(7).unwrap();
    mtx.send(1).await.unwrap();
    drop(mtx);

    // Patterns, `else`, and a precondition (as in tokio, a disabled
    // branch's expression is still evaluated, its future not polled).
    let mut rx = rx;
    let mut rx_done = false;
    let mut seen = Vec::new();
    loop {
        tokio::select! {
            biased;
            Some(v) = mrx.recv() => seen.push(("mpsc", v)),
            v = &mut rx, if !rx_done => {
                seen.push(("oneshot", v.unwrap()));
                rx_done = true;
            }
            else => break,
        }
    }
    assert_eq!(seen, [("mpsc", 1), ("oneshot", 7)]);

    // The first ready branch wins; the others are dropped.
    let winner = tokio::select! {
        _ = pending::<()>() => "pending",
        v = ready("ready") => v,
    };
    assert_eq!(winner, "ready");

    // A timeout branch.
    let timed_out = tokio::select! {
        _ = pending::<()>() => false,
        _ = tokio::time::sleep(Duration::from_millis(1)) => true,
    };
    assert!(timed_out);
}

#[tokio::test]
async fn join_and_try_join() {
    let (a, b, c) = tokio::join!(ready(1), async { "two" }, tokio::spawn(async { 3.0 }));
    assert_eq!((a, b, c.unwrap()), (1, "two", 3.0));

    let ok: Result<(u8, u16), &str> = tokio::try_join!(async { Ok(1u8) }, async { Ok(2u16) });
    assert_eq!(ok, Ok((1, 2)));
    let err: Result<(u8, ()), &str> =
        tokio::try_join!(async { Ok(1u8) }, async { Err::<(), _>("failed") });
    assert_eq!(err, Err("failed"));

    let (x, y) = tokio::join!(biased; ready('x'), ready('y'));
    assert_eq!((x, y), ('x', 'y'));
}

#[tokio::test]
async fn pin_macro() {
    let future = async { 5 };
    tokio::pin!(future);
    assert_eq!((&mut future).await, 5);

    tokio::pin! {
        let sleep = tokio::time::sleep(Duration::from_millis(1));
    }
    (&mut sleep).await;
    assert!(sleep.is_elapsed());
}

tokio::task_local! {
    static REQUEST_ID: u32;
    /// A key with a visibility, as `task_local!` accepts.
    pub(crate) static NAME: String;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_local_follows_the_task() {
    let id = REQUEST_ID
        .scope(42, async {
            tokio::task::yield_now().await;
            REQUEST_ID.get()
        })
        .await;
    assert_eq!(id, 42);
    assert!(
        REQUEST_ID.try_with(|_| ()).is_err(),
        "unset outside the scope"
    );

    let name = NAME
        .scope("outer".to_owned(), async {
            let inner = NAME
                .scope("inner".to_owned(), async { NAME.with(Clone::clone) })
                .await;
            (inner, NAME.with(Clone::clone))
        })
        .await;
    assert_eq!(name, ("inner".to_owned(), "outer".to_owned()));

    // A task spawned inside a scope does not inherit it.
    let inherited = REQUEST_ID
        .scope(1, async {
            tokio::spawn(async { REQUEST_ID.try_with(|v| *v).is_ok() })
                .await
                .unwrap()
        })
        .await;
    assert!(!inherited);

    // `sync_scope` for synchronous code.
    assert_eq!(REQUEST_ID.sync_scope(9, || REQUEST_ID.get()), 9);
}

//! Panics in tasks: in `poll`, in the future's `Drop` (after `Ready`, during
//! abort, during runtime shutdown), in the output's `Drop`; `JoinError`'s
//! panic accessors.

mod support;

use std::panic::{self, AssertUnwindSafe};
use std::task::Poll;

use support::*;
use weft::task::{self, JoinError};

fn expect_panic<T: std::fmt::Debug>(result: Result<T, JoinError>) -> JoinError {
    match result {
        Err(err) if err.is_panic() => err,
        other => panic!("expected a panicked task, got {other:?}"),
    }
}

#[test]
fn panic_in_poll_is_a_join_error_and_the_runtime_keeps_running() {
    quiet_panics();
    let _watchdog = Watchdog::new("panic_in_poll_is_a_join_error");
    let rt = current_thread_rt();
    let bystander = Counters::new();
    let gate = Gate::new();
    let other = rt.spawn(gated(&bystander, &gate, "still here"));
    let counters = Counters::new();
    let handle = rt.spawn(panic_on_poll(&counters, "quiet: boom"));
    let id = handle.id();

    let err = expect_panic(rt.block_on(handle));
    assert!(!err.is_cancelled());
    assert_eq!(err.id(), id);
    let display = err.to_string();
    assert!(display.contains("quiet: boom"), "Display: {display}");
    assert!(display.contains("panicked"), "Display: {display}");
    // tokio's `Debug`, word for word.
    assert_eq!(
        format!("{err:?}"),
        format!("JoinError::Panic({id:?}, \"quiet: boom\", ...)")
    );
    let payload = err.into_panic();
    assert_eq!(panic_message(&*payload), Some("quiet: boom"));
    assert_eq!(counters.polls(), 1);
    assert_eq!(
        counters.drops(),
        1,
        "the future is dropped once after its panic"
    );

    // Tasks spawned before and after still run.
    gate.open();
    assert_eq!(rt.block_on(other).unwrap(), "still here");
    assert_eq!(rt.block_on(rt.spawn(async { 1 + 1 })).unwrap(), 2);
    assert_eq!(
        rt.block_on(async { weft::spawn(async { 3 }).await.unwrap() }),
        3
    );
}

#[test]
fn literal_panic_payload_downcasts_to_str() {
    quiet_panics();
    let rt = current_thread_rt();
    let err = expect_panic(rt.block_on(rt.spawn(async {
        panic!("quiet: literal");
    })));
    assert!(err.to_string().contains("quiet: literal"));
    assert_eq!(
        *err.into_panic().downcast::<&'static str>().unwrap(),
        "quiet: literal"
    );
}

#[test]
fn formatted_panic_payload_is_a_string() {
    quiet_panics();
    let rt = current_thread_rt();
    let n = 42;
    let err = expect_panic(rt.block_on(rt.spawn(async move {
        if n == 42 {
            panic!("quiet: formatted {n}");
        }
    })));
    assert!(err.to_string().contains("quiet: formatted 42"));
    let payload = err.try_into_panic().unwrap();
    assert_eq!(
        *payload.downcast::<String>().unwrap(),
        "quiet: formatted 42"
    );
}

#[test]
fn non_string_panic_payload() {
    quiet_panics();
    let rt = current_thread_rt();
    let err = expect_panic(rt.block_on(rt.spawn(async {
        panic::resume_unwind(Box::new(7_i32));
    })));
    let display = err.to_string();
    assert!(display.contains("panicked"), "Display: {display}");
    assert_eq!(
        format!("{err:?}"),
        format!("JoinError::Panic({:?}, ...)", err.id())
    );
    assert_eq!(*err.into_panic().downcast::<i32>().unwrap(), 7);
}

#[test]
fn panic_after_waking_itself_completes_the_task_once() {
    quiet_panics();
    let rt = current_thread_rt();
    let counters = Counters::new();
    let handle = rt.spawn(Counted::new(&counters, async {
        std::future::poll_fn(|cx| {
            cx.waker().wake_by_ref();
            Poll::<()>::Ready(())
        })
        .await;
        panic!("quiet: after self-wake");
    }));
    expect_panic(rt.block_on(handle));
    rt.block_on(async {
        for _ in 0..5 {
            task::yield_now().await;
        }
    });
    assert_eq!(
        counters.polls(),
        1,
        "the pending self-wake does not re-run a finished task"
    );
    assert_eq!(counters.drops(), 1);
}

#[test]
fn panic_in_drop_after_ready_is_a_join_error() {
    quiet_panics();
    let rt = current_thread_rt();
    let counters = Counters::new();
    let output_drops = DropCount::new();
    let output = output_drops.track(1u8);
    let handle = rt.spawn(PanicOnDrop::new(
        &counters,
        "quiet: drop after ready",
        async move { output },
    ));
    let err = expect_panic(rt.block_on(handle));
    assert_eq!(
        panic_message(&*err.into_panic()),
        Some("quiet: drop after ready")
    );
    assert_eq!(counters.polls(), 1);
    assert_eq!(counters.drops(), 1);
    assert_eq!(
        output_drops.get(),
        1,
        "the output that came with the panic is dropped once"
    );
}

#[test]
fn panic_in_drop_during_abort() {
    quiet_panics();
    let _watchdog = Watchdog::new("panic_in_drop_during_abort");
    let rt = current_thread_rt();

    // Never polled.
    let counters = Counters::new();
    let handle = rt.spawn(PanicOnDrop::new(
        &counters,
        "quiet: abort unpolled",
        std::future::pending::<()>(),
    ));
    handle.abort();
    assert_eq!(counters.drops(), 1);
    let err = expect_panic(rt.block_on(handle));
    assert_eq!(
        panic_message(&*err.into_panic()),
        Some("quiet: abort unpolled")
    );
    assert_eq!(counters.polls(), 0);

    // Polled, pending.
    let counters = Counters::new();
    let handle = rt.spawn(PanicOnDrop::new(
        &counters,
        "quiet: abort pending",
        std::future::pending::<()>(),
    ));
    rt.block_on(yield_until(|| counters.polls() == 1));
    handle.abort();
    let err = expect_panic(rt.block_on(handle));
    assert!(err.to_string().contains("quiet: abort pending"));
    assert_eq!(counters.drops(), 1);
}

#[test]
fn panic_in_drop_during_runtime_shutdown() {
    quiet_panics();
    let _watchdog = Watchdog::new("panic_in_drop_during_runtime_shutdown");
    let rt = current_thread_rt();
    let gate = Gate::new();
    let panicky: Vec<_> = (0..3).map(|_| Counters::new()).collect();
    let calm: Vec<_> = (0..5).map(|_| Counters::new()).collect();
    let mut handles = Vec::new();
    // Interleave them so calm tasks are shut down after panicking ones.
    for i in 0..5 {
        handles.push((false, rt.spawn(gated(&calm[i], &gate, ()))));
        if i < 3 {
            let future = PanicOnDrop::new(&panicky[i], "quiet: drop at shutdown", gate.wait());
            handles.push((true, rt.spawn(future)));
        }
    }
    // Poll some of them once; leave the rest queued.
    rt.block_on(yield_until(|| {
        calm[0].polls() == 1 && panicky[0].polls() == 1
    }));
    let late = Counters::new();
    handles.push((false, rt.spawn(gated(&late, &gate, ()))));

    let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(rt)));
    assert!(dropped.is_ok(), "dropping the runtime must not panic");
    for counters in panicky.iter().chain(&calm).chain([&late]) {
        assert_eq!(counters.drops(), 1, "every future dropped exactly once");
    }
    for (panics, mut handle) in handles {
        match poll_once(&mut handle) {
            Poll::Ready(Err(err)) if panics => {
                assert!(err.is_panic(), "{err:?}");
                assert!(err.to_string().contains("quiet: drop at shutdown"));
            }
            Poll::Ready(Err(err)) => assert!(err.is_cancelled(), "{err:?}"),
            other => panic!("every task is finished after shutdown, got {other:?}"),
        }
    }
}

#[test]
#[should_panic(expected = "`JoinError` is not a panic")]
fn into_panic_on_a_cancelled_error_panics() {
    let rt = current_thread_rt();
    let handle = rt.spawn(std::future::pending::<()>());
    handle.abort();
    let err = rt.block_on(handle).unwrap_err();
    assert!(err.is_cancelled());
    let _ = err.into_panic();
}

#[test]
fn try_into_panic_on_a_cancelled_error_gives_it_back() {
    let rt = current_thread_rt();
    let handle = rt.spawn(std::future::pending::<()>());
    let id = handle.id();
    handle.abort();
    let err = rt.block_on(handle).unwrap_err();
    let err = err
        .try_into_panic()
        .expect_err("a cancelled error is not a panic");
    assert!(err.is_cancelled());
    assert!(!err.is_panic());
    assert_eq!(err.id(), id);
    let display = err.to_string();
    assert!(display.contains("cancelled"), "Display: {display}");
    assert_eq!(format!("{err:?}"), format!("JoinError::Cancelled({id:?})"));
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::Other);
    assert_eq!(io.to_string(), "task was cancelled", "tokio's words");
}

#[test]
fn panic_in_the_outputs_drop_is_contained() {
    quiet_panics();
    let _watchdog = Watchdog::new("panic_in_the_outputs_drop_is_contained");
    struct PanicOnDropValue;
    impl Drop for PanicOnDropValue {
        fn drop(&mut self) {
            panic!("quiet: output drop");
        }
    }
    let rt = current_thread_rt();

    // Detached: the runtime drops the output when the task completes.
    drop(rt.spawn(async { PanicOnDropValue }));
    rt.block_on(yield_until(|| rt.handle().metrics().num_alive_tasks() == 0));

    // Unread: the join handle drops it.
    let handle = rt.spawn(async { PanicOnDropValue });
    rt.block_on(yield_until(|| handle.is_finished()));
    let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(handle)));
    assert!(
        dropped.is_ok(),
        "dropping a JoinHandle does not raise the output's panic"
    );

    assert_eq!(rt.block_on(rt.spawn(async { 5 })).unwrap(), 5);
}

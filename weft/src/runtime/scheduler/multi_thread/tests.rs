//! Unit tests of the multi-thread scheduler's shared state that need no
//! loom model.

use crate::loom::Ordering::Relaxed;
use crate::runtime::{Builder, Runtime};
use std::panic::{catch_unwind, AssertUnwindSafe};

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("a runtime")
}

/// Workers spin for remote work only while some thread is inside
/// `block_on` (`worker.rs`, "Spinning for remote work"): the count rises
/// when `Runtime::block_on` or `Handle::block_on` starts, and falls when
/// it returns or unwinds, so a panicking future cannot leave the workers
/// spinning for a caller that is gone.
#[test]
fn block_on_callers_are_counted_from_entry_to_return_or_unwind() {
    let rt = runtime();
    let scheduler = rt.handle().inner.as_multi_thread().clone();
    let callers = || scheduler.shared.block_on_callers.load(Relaxed);
    assert_eq!(callers(), 0);
    assert_eq!(rt.block_on(async { callers() }), 1);
    assert_eq!(callers(), 0);

    let unwound = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async { panic!("a future panics inside block_on") })
    }));
    assert!(unwound.is_err());
    assert_eq!(callers(), 0, "the unwind left block_on's count");

    // Two callers at once: this thread, and another in `Handle::block_on`
    // that waits until this one has seen both counted.
    let (seen_tx, seen_rx) = std::sync::mpsc::channel::<()>();
    let (counted_tx, counted_rx) = std::sync::mpsc::channel::<()>();
    let handle = rt.handle().clone();
    let other = std::thread::spawn(move || {
        handle.block_on(async move {
            counted_tx.send(()).unwrap();
            seen_rx.recv().unwrap();
        })
    });
    rt.block_on(async {
        counted_rx.recv().unwrap();
        assert_eq!(callers(), 2);
        seen_tx.send(()).unwrap();
    });
    other.join().unwrap();
    assert_eq!(callers(), 0);
}

// Where rings exist (the flag belongs to their wakes).
crate::sys::cfg_io_uring! {
    /// The wakes of an io_uring reap inside a poll run as I/O wakes
    /// (`Context::wake_from_ring`): the worker's flag that keeps them from
    /// asking a LIFO rescue is set for exactly their duration, nested calls
    /// included, and cleared after (so later plain wakes still ask one).
    /// Without it, a 1-connection echo on io_uring woke the idle worker for
    /// every message (`Core::waking_from_io`).
    #[test]
    fn wakes_from_a_ring_run_as_io_wakes() {
        use crate::runtime::context;
        use crate::runtime::scheduler::Context;
        fn flag() -> bool {
            context::with_scheduler(|cx| match cx {
                Some(Context::MultiThread(cx)) => cx.waking_from_io(),
                _ => unreachable!("a task of a multi-thread runtime runs on a worker"),
            })
        }
        fn from_ring(wake: impl FnOnce()) {
            context::with_scheduler(|cx| match cx {
                Some(cx) => cx.wake_from_ring(wake),
                None => unreachable!("on a worker"),
            });
        }
        let rt = runtime();
        rt.block_on(async {
            crate::spawn(async {
                assert!(!flag(), "a poll wakes plainly");
                from_ring(|| {
                    assert!(flag(), "set while the ring's wakes run");
                    from_ring(|| assert!(flag()));
                    assert!(flag(), "a nested call keeps it");
                });
                assert!(!flag(), "cleared after");
            })
            .await
            .unwrap();
        });
    }
}

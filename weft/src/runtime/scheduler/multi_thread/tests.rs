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

/// Tasks the driver wakes in one turn (here: timers, fired in deadline
/// order) run in that order: an I/O or timer wake takes no LIFO slot
/// (`Core::waking_from_io`), where the last one woken would run first.
#[test]
#[cfg_attr(
    miri,
    ignore = "real timers on a multi-thread runtime: under Miri this test did not finish in 10 minutes; it has no unsafe code of its own"
)]
fn tasks_woken_in_one_driver_turn_run_in_wake_order() {
    use std::future::Future;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .expect("a runtime");
    let order = Arc::new(Mutex::new(Vec::new()));
    let registered = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let mut sleepers = Vec::new();
        for i in 0..3u64 {
            let (order, registered) = (order.clone(), registered.clone());
            sleepers.push(crate::spawn(async move {
                let sleep = crate::time::sleep(Duration::from_millis(10 * (i + 1)));
                let mut sleep = std::pin::pin!(sleep);
                // The first poll registers the timer.
                let first =
                    std::future::poll_fn(|cx| std::task::Poll::Ready(sleep.as_mut().poll(cx)))
                        .await;
                assert!(first.is_pending(), "a 10 ms sleep ended at its first poll");
                registered.fetch_add(1, SeqCst);
                sleep.await;
                order.lock().unwrap().push(i);
            }));
        }
        let registered = registered.clone();
        crate::spawn(async move {
            while registered.load(SeqCst) < 3 {
                crate::task::yield_now().await;
            }
            // The worker is busy past every deadline: the three timers
            // fire in its next driver turn.
            std::thread::sleep(Duration::from_millis(60));
        })
        .await
        .unwrap();
        for sleeper in sleepers {
            sleeper.await.unwrap();
        }
    });
    assert_eq!(
        *order.lock().unwrap(),
        [0, 1, 2],
        "a later timer's task overtook an earlier one"
    );
}

// Where rings exist (the flag belongs to their wakes).
crate::sys::cfg_io_uring! {
    /// Runs `wake` as the wakes of an io_uring reap on this worker.
    fn from_ring(wake: impl FnOnce()) {
        crate::runtime::context::with_scheduler(|cx| match cx {
            Some(cx) => cx.wake_from_ring(wake),
            None => unreachable!("on a worker"),
        });
    }

    /// The wakes of an io_uring reap inside a poll run as I/O wakes
    /// (`Context::wake_from_ring`): the worker's flag that keeps them out of
    /// the LIFO slot (and from asking a LIFO rescue) is set for exactly
    /// their duration, nested calls included, and cleared after (so later
    /// plain wakes use the slot again).
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

    /// Tasks an io_uring reap wakes inside a poll (the polled task's own
    /// submission took their completions inline) run in the order the
    /// kernel completed them, after the tasks queued before them: none
    /// takes the LIFO slot, where each would push the one before it back
    /// and run first. That overtaking gave a fixed few connections of a
    /// 50-connection hyper server most of one worker's turns
    /// (`hyper_hello` on io_uring, one worker: p90 793 µs against 333 µs
    /// with the wakes in order).
    #[test]
    fn wakes_from_a_ring_inside_a_poll_run_in_completion_order() {
        use std::sync::{Arc, Mutex};
        use std::task::{Poll, Waker};
        let rt = runtime();
        let wakers: Arc<Mutex<Vec<Option<Waker>>>> = Arc::new(Mutex::new(vec![None, None, None]));
        let order = Arc::new(Mutex::new(Vec::new()));
        rt.block_on(async {
            let mut waiting = Vec::new();
            for i in 0..3 {
                let (wakers, order) = (wakers.clone(), order.clone());
                // Pending at its first poll (leaving its waker), done at its
                // second (recording its turn).
                waiting.push(crate::spawn(std::future::poll_fn(move |cx| {
                    let mut wakers = wakers.lock().unwrap();
                    if wakers[i].is_none() {
                        wakers[i] = Some(cx.waker().clone());
                        return Poll::Pending;
                    }
                    order.lock().unwrap().push(i);
                    Poll::Ready(())
                })));
            }
            let wakers = wakers.clone();
            crate::spawn(async move {
                while wakers.lock().unwrap().iter().any(Option::is_none) {
                    crate::task::yield_now().await;
                }
                let taken: Vec<Waker> = wakers.lock().unwrap().iter().flatten().cloned().collect();
                // One reap's wakes, in completion order.
                from_ring(|| taken.into_iter().for_each(Waker::wake));
            })
            .await
            .unwrap();
            for task in waiting {
                task.await.unwrap();
            }
        });
        assert_eq!(*order.lock().unwrap(), [0, 1, 2], "a later completion's task overtook an earlier one");
    }
}

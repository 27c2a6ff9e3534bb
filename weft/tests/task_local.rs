//! `task_local!`: scopes, access outside a scope, nesting, panics, drops,
//! and values that follow their task across workers.

mod support;

use std::cell::Cell;
use std::collections::HashSet;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use support::*;
use weft::task::{AccessError, LocalKey};

weft::task_local! {
    static NUMBER: u32;
    static NAME: String;
    static TRACKED: Tracked<u32>;
    /// A key with attributes and visibility, as the macro keeps them.
    #[allow(dead_code)]
    pub(crate) static UNUSED: u8
}

/// A future that is pending `times` times (waking itself), reading
/// `NUMBER` at every poll into `seen`, with the thread it ran on.
struct ReadEachPoll {
    remaining: usize,
    seen: Arc<Mutex<Vec<(u32, std::thread::ThreadId)>>>,
}

impl Future for ReadEachPoll {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.seen
            .lock()
            .unwrap()
            .push((NUMBER.get(), std::thread::current().id()));
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        self.remaining -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

rt_test! {
    fn value_survives_await(rt: &Runtime) {
        let out = rt.block_on(async {
            weft::spawn(NUMBER.scope(5, async {
                let before = NUMBER.get();
                weft::task::yield_now().await;
                weft::time::sleep(std::time::Duration::from_millis(1)).await;
                (before, NUMBER.get())
            }))
            .await
            .unwrap()
        });
        assert_eq!(out, (5, 5));
    }

    fn many_tasks_each_see_their_own_value(rt: &Runtime) {
        let sums = rt.block_on(async {
            let tasks: Vec<_> = (0..64u32)
                .map(|i| {
                    weft::spawn(NUMBER.scope(i, async move {
                        let mut seen = Vec::new();
                        for _ in 0..10 {
                            seen.push(NUMBER.get());
                            weft::task::yield_now().await;
                        }
                        (i, seen)
                    }))
                })
                .collect();
            let mut out = Vec::new();
            for task in tasks {
                out.push(task.await.unwrap());
            }
            out
        });
        for (i, seen) in sums {
            assert_eq!(seen, vec![i; 10]);
        }
    }

    fn value_follows_task_across_workers(rt: &Runtime, flavor: Flavor) {
        // Many self-waking tasks at once: on `multi_thread` with several
        // workers they get stolen, and every poll, on whichever thread,
        // must read the task's own value.
        let seen: Vec<_> = (0..32).map(|_| Arc::new(Mutex::new(Vec::new()))).collect();
        rt.block_on(async {
            let tasks: Vec<_> = seen
                .iter()
                .enumerate()
                .map(|(i, seen)| {
                    let future = ReadEachPoll { remaining: 50, seen: seen.clone() };
                    weft::spawn(NUMBER.scope(i as u32, future))
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        let mut threads = HashSet::new();
        for (i, seen) in seen.iter().enumerate() {
            let seen = seen.lock().unwrap();
            assert_eq!(seen.len(), 51);
            for (value, thread) in seen.iter() {
                assert_eq!(*value, i as u32);
                threads.insert(*thread);
            }
        }
        assert!(threads.len() <= flavor.workers());
        // Outside every scope, on this thread, the key is unset again.
        assert!(NUMBER.try_get().is_err());
    }

    fn spawn_inside_scope_does_not_inherit(rt: &Runtime) {
        let (inner, scoped) = rt.block_on(NUMBER.scope(1, async {
            let inner = weft::spawn(async { NUMBER.try_get() }).await.unwrap();
            let scoped = weft::spawn(NUMBER.scope(2, async { NUMBER.get() })).await.unwrap();
            assert_eq!(NUMBER.get(), 1);
            (inner, scoped)
        }));
        assert!(inner.is_err());
        assert_eq!(scoped, 2);
    }

    fn nested_scopes_restore_outer_value(rt: &Runtime) {
        rt.block_on(async {
            weft::spawn(NAME.scope("outer".to_owned(), async {
                NAME.scope("inner".to_owned(), async {
                    assert_eq!(NAME.get(), "inner");
                    weft::task::yield_now().await;
                    assert_eq!(NAME.get(), "inner");
                })
                .await;
                assert_eq!(NAME.get(), "outer");
                NAME.sync_scope("sync".to_owned(), || assert_eq!(NAME.get(), "sync"));
                assert_eq!(NAME.get(), "outer");
            }))
            .await
            .unwrap();
        });
    }

    fn panic_in_scoped_task_restores_the_thread(rt: &Runtime) {
        quiet_panics();
        rt.block_on(async {
            let err = weft::spawn(NUMBER.scope(9, async {
                weft::task::yield_now().await;
                panic!("{QUIET} boom in scope");
            }))
            .await
            .unwrap_err();
            assert!(err.is_panic());
            // The worker that polled the panicking task runs others without
            // the value.
            for _ in 0..8 {
                let unset = weft::spawn(async { NUMBER.try_get().is_err() }).await.unwrap();
                assert!(unset);
            }
        });
    }

    fn value_dropped_exactly_once_when_task_completes(rt: &Runtime) {
        let drops = DropCount::new();
        let value = drops.track(3);
        let out = rt.block_on(async {
            weft::spawn(TRACKED.scope(value, async {
                weft::task::yield_now().await;
                TRACKED.with(|t| t.value)
            }))
            .await
            .unwrap()
        });
        assert_eq!(out, 3);
        assert_eq!(drops.get(), 1);
    }

    fn aborted_task_drops_future_with_value_set(rt: Runtime) {
        // The inner future's destructor reads the key: it must still be set
        // when the task is aborted (and when the runtime shuts down).
        struct ReadsOnDrop(Arc<Mutex<Vec<Result<u32, AccessError>>>>);
        impl Drop for ReadsOnDrop {
            fn drop(&mut self) {
                self.0.lock().unwrap().push(NUMBER.try_get());
            }
        }
        let log = Arc::new(Mutex::new(Vec::new()));
        let drops = DropCount::new();
        let (l1, l2) = (log.clone(), log.clone());
        let (v1, v2) = (drops.track(()), drops.track(()));
        rt.block_on(async move {
            let (started, is_started) = weft::sync::oneshot::channel();
            let task = weft::spawn(NUMBER.scope(11, async move {
                let _guard = ReadsOnDrop(l1);
                let _v = v1;
                started.send(()).unwrap();
                std::future::pending::<()>().await;
            }));
            is_started.await.unwrap();
            task.abort();
            assert!(task.await.unwrap_err().is_cancelled());
            // Left running: cancelled by the runtime's shutdown.
            let (started, is_started) = weft::sync::oneshot::channel();
            weft::spawn(NUMBER.scope(12, async move {
                let _guard = ReadsOnDrop(l2);
                let _v = v2;
                started.send(()).unwrap();
                std::future::pending::<()>().await;
            }));
            is_started.await.unwrap();
        });
        drop(rt);
        let log = log.lock().unwrap();
        assert_eq!(*log, vec![Ok(11), Ok(12)]);
        assert_eq!(drops.get(), 2);
    }
}

#[test]
fn with_outside_scope_panics_with_tokios_message() {
    let message = panic_of(|| NUMBER.with(|n| *n));
    assert_eq!(
        message,
        "cannot access a task-local storage value without setting it first"
    );
    let message = panic_of(|| NUMBER.get());
    assert_eq!(
        message,
        "cannot access a task-local storage value without setting it first"
    );
}

#[test]
fn try_with_outside_scope_is_an_error() {
    let err = NUMBER.try_with(|n| *n).unwrap_err();
    assert_eq!(err.to_string(), "task-local value not set");
    assert_eq!(format!("{err:?}"), "AccessError");
    let _: &dyn std::error::Error = &err;
    assert_eq!(NUMBER.try_get(), Err(err));
}

#[test]
fn access_from_a_plain_future_outside_any_runtime() {
    // Task-locals need no runtime: any executor polls the scope.
    let out = block_on_thread(NUMBER.scope(4, async {
        let a = NUMBER.get();
        self_wake(3).await;
        a + NUMBER.get()
    }));
    assert_eq!(out, 8);
    assert!(NUMBER.try_get().is_err());
}

#[test]
fn sync_scope_restores_after_panic() {
    quiet_panics();
    NUMBER.sync_scope(1, || {
        let message = panic_of(|| NUMBER.sync_scope(2, || panic!("{QUIET} inner")));
        assert!(message.contains("inner"));
        assert_eq!(NUMBER.get(), 1);
    });
    assert!(NUMBER.try_get().is_err());
}

#[test]
fn poll_that_panics_restores_outer_value() {
    quiet_panics();
    NUMBER.sync_scope(1, || {
        let mut fut = pin!(NUMBER.scope(2, async {
            assert_eq!(NUMBER.get(), 2);
            panic!("{QUIET} poll panics");
        }));
        let message = panic_of(|| {
            fut.as_mut()
                .poll(&mut Context::from_waker(std::task::Waker::noop()))
        });
        assert!(message.contains("poll panics"));
        assert_eq!(NUMBER.get(), 1);
    });
}

#[test]
fn scope_inside_with_of_same_key_panics() {
    let message = NUMBER.sync_scope(1, || {
        NUMBER.with(|_| panic_of(|| NUMBER.sync_scope(2, || ())))
    });
    assert_eq!(
        message,
        "cannot enter a task-local scope while the task-local storage is borrowed"
    );
    // Nested shared access is fine.
    assert_eq!(
        NUMBER.sync_scope(3, || NUMBER.with(|a| NUMBER.with(|b| a + b))),
        6
    );
}

#[test]
fn polled_after_completion_panics() {
    let mut fut = Box::pin(NUMBER.scope(1, async { NUMBER.get() }));
    assert_eq!(poll_once(&mut fut), Poll::Ready(1));
    let message = panic_of(|| poll_once(&mut fut));
    assert_eq!(message, "`TaskLocalFuture` polled after completion");
}

#[test]
fn take_value_returns_the_value_and_unsets_the_key() {
    let drops = DropCount::new();
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    let mut fut = Box::pin(TRACKED.scope(drops.track(8), async move {
        // Returns the key's state at the first poll that finds it unset.
        while TRACKED.try_with(|t| t.value).is_ok() {
            p.fetch_add(1, SeqCst);
            self_wake(1).await;
        }
        p.fetch_add(1, SeqCst);
        TRACKED.try_with(|t| t.value)
    }));
    assert!(poll_once(&mut fut).is_pending());
    let taken = fut
        .as_mut()
        .take_value()
        .expect("the value is in the future between polls");
    assert_eq!(taken.value, 8);
    assert!(fut.as_mut().take_value().is_none());
    // Later polls run with the key unset.
    assert!(poll_once(&mut fut).is_ready());
    assert_eq!(polls.load(SeqCst), 2);
    drop(fut);
    assert_eq!(drops.get(), 0);
    drop(taken);
    assert_eq!(drops.get(), 1);
}

#[test]
fn dropping_unpolled_future_drops_value_and_future_once() {
    let drops = DropCount::new();
    let counters = Counters::new();
    let fut = TRACKED.scope(drops.track(1), Counted::new(&counters, async {}));
    drop(fut);
    assert_eq!(drops.get(), 1);
    assert_eq!(counters.drops(), 1);
    assert_eq!(counters.polls(), 0);
}

#[test]
fn debug_output() {
    let fut = NUMBER.scope(5, async {});
    assert_eq!(format!("{fut:?}"), "TaskLocalFuture { value: 5, .. }");
    let key: &'static LocalKey<u32> = &NUMBER;
    assert_eq!(format!("{key:?}"), "LocalKey { .. }");
}

#[test]
fn value_is_per_thread_between_polls() {
    // Thread-locals of other threads never see a scope of this one.
    thread_local!(static OBSERVED: Cell<bool> = const { Cell::new(false) });
    NUMBER.sync_scope(1, || {
        let other = std::thread::spawn(|| NUMBER.try_get().is_err())
            .join()
            .unwrap();
        assert!(other);
        OBSERVED.with(|o| o.set(true));
    });
    assert!(OBSERVED.with(Cell::get));
}

#[test]
fn scoped_future_is_send_when_value_and_future_are() {
    fn assert_send<T: Send>(_: &T) {}
    let fut = NUMBER.scope(1, async {});
    assert_send(&fut);
}

//! Shutting a runtime down: when `drop` (or `shutdown_timeout`) returns,
//! no runtime thread runs user code any more and the threads are gone;
//! dropping a runtime where blocking is forbidden panics as tokio does;
//! the park hooks may poll futures that yield.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use support::*;
use weft::runtime::{Builder, Runtime};

const FLAVORS: [Flavor; 3] = [
    Flavor::CurrentThread,
    Flavor::MultiThread(1),
    Flavor::MultiThread(4),
];

/// Threads of this process whose name starts with `prefix` (Linux's
/// `/proc/self/task/*/comm`; names are cut to 15 bytes there).
///
/// Read it through [`assert_no_thread_named`] after a join: see there.
fn threads_named(prefix: &str) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("comm")).ok())
        .filter(|name| name.trim_end().starts_with(prefix))
        .count()
}

/// Asserts that no thread named `prefix` is left.
///
/// A join returns once the kernel clears the thread's id (its
/// `CLONE_CHILD_CLEARTID` wake), which is a step *before* the kernel takes
/// the thread out of `/proc/self/task`: right after a correct join the
/// thread may still be listed for a moment. So this waits for the list to
/// catch up, for up to 10 s; a thread that was leaked and still runs (or
/// hangs) is listed for the whole wait and fails the test. That the
/// threads ran to their end is shown by the stop-hook and thread-local
/// counters the callers check first.
#[track_caller]
fn assert_no_thread_named(prefix: &str, context: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = threads_named(prefix);
        if left == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{context}: {left} thread(s) named {prefix:?} still live 10 s after the runtime was dropped"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A thread-local whose destructor (run as a pool thread exits, after its
/// last hook) counts, slowly.
struct SlowTlsDrop(Arc<AtomicUsize>);

impl Drop for SlowTlsDrop {
    fn drop(&mut self) {
        std::thread::sleep(Duration::from_millis(5));
        self.0.fetch_add(1, SeqCst);
    }
}

thread_local! {
    static TLS: std::cell::RefCell<Option<SlowTlsDrop>> = const { std::cell::RefCell::new(None) };
}

/// Builds a runtime whose threads are named `name`, count their starts,
/// and whose stop hook sleeps 20 ms before counting (the window in which
/// a shutdown that does not wait for the hook returns too early).
fn slow_stopping(
    flavor: Flavor,
    name: &'static str,
    starts: &Arc<AtomicUsize>,
    stops: &Arc<AtomicUsize>,
    tls_drops: &Arc<AtomicUsize>,
) -> Runtime {
    let (starts, stops, tls_drops) = (starts.clone(), stops.clone(), tls_drops.clone());
    flavor
        .builder()
        .thread_name(name)
        .on_thread_start(move || {
            starts.fetch_add(1, SeqCst);
            let counter = tls_drops.clone();
            TLS.with(|slot| *slot.borrow_mut() = Some(SlowTlsDrop(counter)));
        })
        .on_thread_stop(move || {
            std::thread::sleep(Duration::from_millis(20));
            stops.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap()
}

#[test]
fn drop_returns_after_every_thread_has_finished() {
    let _watchdog = Watchdog::new("drop_returns_after_every_thread_has_finished");
    for flavor in FLAVORS {
        for round in 0..5 {
            let name = "wft-drop-join";
            let (starts, stops, tls) = (
                Arc::new(AtomicUsize::new(0)),
                Arc::new(AtomicUsize::new(0)),
                Arc::new(AtomicUsize::new(0)),
            );
            let rt = slow_stopping(flavor, name, &starts, &stops, &tls);
            // Blocking threads besides the workers; each returns at once.
            rt.block_on(async {
                let handles: Vec<_> = (0..3)
                    .map(|i| weft::task::spawn_blocking(move || i))
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            });
            drop(rt);
            let started = starts.load(SeqCst);
            assert!(started >= 1, "{flavor:?} round {round}: threads started");
            assert_eq!(
                stops.load(SeqCst),
                started,
                "{flavor:?} round {round}: every stop hook finished before drop returned"
            );
            assert_eq!(
                tls.load(SeqCst),
                started,
                "{flavor:?} round {round}: every thread's thread-locals were destroyed"
            );
            assert_no_thread_named(name, &format!("{flavor:?} round {round}"));
        }
    }
}

#[test]
fn shutdown_timeout_joins_the_threads_that_finished_in_time() {
    let _watchdog = Watchdog::new("shutdown_timeout_joins_the_threads_that_finished_in_time");
    for flavor in FLAVORS {
        let name = "wft-sd-timeout";
        let (starts, stops, tls) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        let rt = slow_stopping(flavor, name, &starts, &stops, &tls);
        rt.block_on(async { weft::task::spawn_blocking(|| ()).await.unwrap() });
        // Generous: every thread is idle, so each needs only its 20 ms hook.
        rt.shutdown_timeout(Duration::from_secs(60));
        let started = starts.load(SeqCst);
        assert_eq!(stops.load(SeqCst), started, "{flavor:?}");
        assert_eq!(tls.load(SeqCst), started, "{flavor:?}");
        assert_no_thread_named(name, &format!("{flavor:?}"));
    }
}

#[test]
fn threads_that_retire_while_the_runtime_runs_are_joined_too() {
    let _watchdog = Watchdog::new("threads_that_retire_while_the_runtime_runs_are_joined_too");
    let name = "wft-retire";
    let (starts, stops, tls) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let (s, t, d) = (starts.clone(), stops.clone(), tls.clone());
    let rt = Builder::new_current_thread()
        .thread_name(name)
        .thread_keep_alive(Duration::from_millis(1))
        .enable_all()
        .on_thread_start(move || {
            s.fetch_add(1, SeqCst);
            let counter = d.clone();
            TLS.with(|slot| *slot.borrow_mut() = Some(SlowTlsDrop(counter)));
        })
        .on_thread_stop(move || {
            std::thread::sleep(Duration::from_millis(20));
            t.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    rt.block_on(async {
        for round in 1..=5 {
            weft::task::spawn_blocking(|| ()).await.unwrap();
            // The thread retires after its 1 ms keep-alive (and 20 ms hook);
            // the next round starts a new one.
            while stops.load(SeqCst) < round {
                weft::time::sleep(Duration::from_millis(1)).await;
            }
        }
    });
    assert!(starts.load(SeqCst) >= 5, "a thread per round");
    drop(rt);
    let started = starts.load(SeqCst);
    assert_eq!(stops.load(SeqCst), started);
    assert_eq!(tls.load(SeqCst), started);
    assert_no_thread_named(name, "the runtime");
}

const DROP_PANIC: &str = "Cannot drop a runtime in a context where blocking is not allowed";

#[test]
fn dropping_a_runtime_inside_block_on_panics() {
    quiet_panics();
    for flavor in FLAVORS {
        for inner_flavor in FLAVORS {
            let outer = flavor.build();
            let inner = inner_flavor.build();
            let message = panic_of(|| outer.block_on(async move { drop(inner) }));
            assert!(
                message.contains(DROP_PANIC),
                "{flavor:?}/{inner_flavor:?}: {message}"
            );
        }
    }
}

#[test]
fn dropping_a_runtime_inside_a_task_panics_the_task() {
    quiet_panics();
    for flavor in FLAVORS {
        let outer = flavor.build();
        let inner = Flavor::MultiThread(1).build();
        let err = outer
            .block_on(async move { weft::spawn(async move { drop(inner) }).await })
            .unwrap_err();
        assert!(err.is_panic(), "{flavor:?}");
        let payload = err.into_panic();
        let message = panic_message(&*payload).unwrap_or_default().to_owned();
        assert!(message.contains(DROP_PANIC), "{flavor:?}: {message}");
    }
}

#[test]
fn a_runtime_may_be_dropped_where_blocking_is_allowed() {
    let _watchdog = Watchdog::new("a_runtime_may_be_dropped_where_blocking_is_allowed");
    for flavor in FLAVORS {
        let outer = Flavor::MultiThread(2).build();
        let dropped = Arc::new(AtomicUsize::new(0));
        // In `shutdown_background` inside async code.
        let inner = flavor.build();
        outer.block_on(async move { inner.shutdown_background() });
        // In a blocking closure.
        let inner = flavor.build();
        let counter = dropped.clone();
        outer
            .block_on(async move {
                weft::task::spawn_blocking(move || {
                    drop(inner);
                    counter.fetch_add(1, SeqCst);
                })
                .await
            })
            .unwrap();
        // In `block_in_place` on a worker.
        let inner = flavor.build();
        let counter = dropped.clone();
        outer
            .block_on(async move {
                weft::spawn(async move {
                    weft::task::block_in_place(move || drop(inner));
                    counter.fetch_add(1, SeqCst);
                })
                .await
            })
            .unwrap();
        assert_eq!(dropped.load(SeqCst), 2, "{flavor:?}");
    }
}

#[test]
fn block_in_place_inside_a_local_set_panics() {
    quiet_panics();
    for workers in [1, 4] {
        let rt = Flavor::MultiThread(workers).build();
        let local = weft::task::LocalSet::new();
        // In a local task.
        let err = local.block_on(&rt, async {
            weft::task::spawn_local(async { weft::task::block_in_place(|| ()) })
                .await
                .unwrap_err()
        });
        let message = panic_message(&*err.into_panic())
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains("LocalSet"), "{workers}: {message}");
        // In the future the set runs until.
        let message = panic_of(|| {
            local.block_on(&rt, async { weft::task::block_in_place(|| ()) });
        });
        assert!(message.contains("LocalSet"), "{workers}: {message}");
    }
}

/// A strict executor: polls `future` on this thread and, after each
/// `Pending`, waits for its wake; fails the test if the wake does not come
/// within [`PATIENCE`] (a re-poll without a wake would hide a lost one).
fn poll_on_this_thread<F: Future>(future: F) -> F::Output {
    struct Flag(std::sync::Mutex<bool>, std::sync::Condvar);
    impl std::task::Wake for Flag {
        fn wake(self: Arc<Self>) {
            *self.0.lock().unwrap() = true;
            self.1.notify_all();
        }
    }
    let flag = Arc::new(Flag(
        std::sync::Mutex::new(false),
        std::sync::Condvar::new(),
    ));
    let waker = std::task::Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        let woken = flag.0.lock().unwrap();
        let (mut woken, _) = flag.1.wait_timeout_while(woken, PATIENCE, |w| !*w).unwrap();
        assert!(*woken, "a future polled inside a park hook was never woken");
        *woken = false;
    }
}

/// Returns `Pending` once (waking itself at once), then `Ready`.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn yield_now_inside_the_park_hooks_returns() {
    let _watchdog = Watchdog::new("yield_now_inside_the_park_hooks_returns");
    for flavor in FLAVORS {
        let parks = Arc::new(AtomicUsize::new(0));
        let unparks = Arc::new(AtomicUsize::new(0));
        let (p, u) = (parks.clone(), unparks.clone());
        let rt = flavor
            .builder()
            .on_thread_park(move || {
                poll_on_this_thread(async {
                    weft::task::yield_now().await;
                    YieldOnce(false).await;
                });
                p.fetch_add(1, SeqCst);
            })
            .on_thread_unpark(move || {
                poll_on_this_thread(weft::task::yield_now());
                u.fetch_add(1, SeqCst);
            })
            .build()
            .unwrap();
        rt.block_on(async {
            weft::spawn(async {
                for _ in 0..3 {
                    weft::time::sleep(Duration::from_millis(2)).await;
                    weft::task::yield_now().await;
                }
            })
            .await
            .unwrap();
        });
        drop(rt);
        assert!(parks.load(SeqCst) > 0, "{flavor:?}: the hook ran");
        assert!(unparks.load(SeqCst) > 0, "{flavor:?}: the hook ran");
    }
}

#[test]
fn a_panicking_stop_hook_does_not_hang_the_shutdown() {
    quiet_panics();
    let _watchdog = Watchdog::new("a_panicking_stop_hook_does_not_hang_the_shutdown");
    for flavor in FLAVORS {
        let name = "wft-stop-panic";
        let (starts, stops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (on_start, on_stop) = (starts.clone(), stops.clone());
        let rt = flavor
            .builder()
            .thread_name(name)
            .on_thread_start(move || {
                on_start.fetch_add(1, SeqCst);
            })
            .on_thread_stop(move || {
                on_stop.fetch_add(1, SeqCst);
                panic!("{QUIET}: stop hook")
            })
            .build()
            .unwrap();
        rt.block_on(async { weft::task::spawn_blocking(|| ()).await.unwrap() });
        drop(rt);
        let started = starts.load(SeqCst);
        assert!(started >= 1, "{flavor:?}: threads started");
        assert_eq!(
            stops.load(SeqCst),
            started,
            "{flavor:?}: drop waited for every stop hook"
        );
        assert_no_thread_named(name, &format!("{flavor:?}"));
    }
}

rt_test! {
    fn shutdown_timeout_of_duration_max_waits_without_overflow(rt: Runtime) {
        let _watchdog = Watchdog::new("shutdown_timeout_of_duration_max_waits_without_overflow");
        let done = Arc::new(AtomicUsize::new(0));
        let in_closure = done.clone();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        rt.block_on(async move {
            // A blocking closure still running at shutdown: a timeout of
            // `Duration::MAX` is no deadline, so shutdown waits for it.
            drop(weft::task::spawn_blocking(move || {
                started_tx.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(20));
                in_closure.fetch_add(1, SeqCst);
            }));
        });
        // Running, not merely queued (a queued closure is cancelled).
        started_rx.recv().unwrap();
        rt.shutdown_timeout(Duration::MAX);
        assert_eq!(done.load(SeqCst), 1);
    }
}

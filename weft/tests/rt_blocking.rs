//! The blocking pool: the thread cap, keep-alive, abort of queued and
//! running closures, shutdown with closures still running, and
//! `spawn_blocking` from everywhere. Every body runs on each runtime
//! flavor (`rt_test!`): the pool is the same, but on `multi_thread` it
//! also hosts the workers, which must not count against the cap.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use support::*;
use weft::runtime::Handle;
use weft::task;

/// Builds with hooks counting the pool threads that start and stop.
fn counting_thread_hooks(
    mut builder: weft::runtime::Builder,
    starts: &Arc<AtomicUsize>,
    stops: &Arc<AtomicUsize>,
) -> weft::runtime::Runtime {
    let (starts, stops) = (starts.clone(), stops.clone());
    builder
        .on_thread_start(move || {
            starts.fetch_add(1, SeqCst);
        })
        .on_thread_stop(move || {
            stops.fetch_add(1, SeqCst);
        })
        .enable_all()
        .build()
        .unwrap()
}

/// A closure still queued (the pool is at its cap) when the runtime shuts
/// down still runs once a thread is free, after `shutdown_timeout`
/// returned, and its handle gets the output, as in tokio (a closure handed
/// to `spawn_blocking` is not lost to a shutdown that races it); one
/// spawned after the shutdown is cancelled. Several rounds: the shutdown
/// races with the pool's threads.
mod a_queued_blocking_call_still_runs_after_shutdown {
    use super::*;

    fn body(flavor: Flavor) {
        let _watchdog = Watchdog::new("a_queued_blocking_call_still_runs_after_shutdown");
        for _round in 0..10 {
            round(flavor);
        }
    }

    fn round(flavor: Flavor) {
        let starts = Arc::new(AtomicUsize::new(0));
        let stops = Arc::new(AtomicUsize::new(0));
        let mut builder = builder(flavor);
        builder.max_blocking_threads(1);
        let rt = counting_thread_hooks(builder, &starts, &stops);
        let handle = rt.handle().clone();
        let started = Latch::new();
        let gate = Latch::new();
        let occupant = {
            let (started, gate) = (started.clone(), gate.clone());
            rt.spawn_blocking(move || {
                started.open();
                gate.wait()
            })
        };
        assert!(started.wait());
        let queued = rt.spawn_blocking(|| 42);
        rt.shutdown_timeout(Duration::from_millis(10));
        let late = handle.spawn_blocking(|| 7);
        gate.open();
        assert!(
            block_on_thread(occupant).unwrap(),
            "the running closure finished"
        );
        assert_eq!(
            block_on_thread(queued).unwrap(),
            42,
            "the queued closure ran"
        );
        let err = block_on_thread(late).unwrap_err();
        assert!(err.is_cancelled(), "{err}");
        wait_until("every pool thread exited", || {
            stops.load(SeqCst) == starts.load(SeqCst)
        });
    }

    #[test]
    fn current_thread() {
        body(Flavor::CurrentThread);
    }

    #[test]
    fn multi_thread_1() {
        body(Flavor::MultiThread(1));
    }

    #[test]
    fn multi_thread_4() {
        body(Flavor::MultiThread(4));
    }
}

/// tokio's `rt_handle_block_on::spawn_blocking_started_before_shutdown_continues`:
/// a closure spawned just before the shutdown (the pool may not have
/// started a thread for it yet) runs, and a `Handle::block_on` after the
/// shutdown gets its output.
#[test]
fn a_blocking_call_spawned_just_before_shutdown_gives_its_output() {
    let _watchdog = Watchdog::new("a_blocking_call_spawned_just_before_shutdown_gives_its_output");
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread(1)] {
        for _round in 0..20 {
            let rt = flavor.build();
            let _enter = rt.enter();
            let handle = task::spawn_blocking(|| 42);
            let current = Handle::current();
            rt.shutdown_timeout(Duration::from_secs(60));
            assert_eq!(current.block_on(handle).unwrap(), 42, "{flavor:?}");
        }
    }
}

rt_test! {
    fn more_blocking_calls_than_threads_wait_for_a_free_thread(rt: Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("more_blocking_calls_than_threads_wait_for_a_free_thread");
        drop(rt);
        const CALLS: usize = 20;
        const CAP: usize = 2;
        let rt = builder(flavor).max_blocking_threads(CAP).enable_all().build().unwrap();
        let metrics = rt.metrics();
        let gate = Latch::new();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let paired = Latch::new();
        let call = |i: usize| {
            let (gate, running, most, paired) =
                (gate.clone(), running.clone(), most.clone(), paired.clone());
            move || {
                assert!(gate.wait(), "the gate opened");
                let now = running.fetch_add(1, SeqCst) + 1;
                most.fetch_max(now, SeqCst);
                if now >= CAP {
                    paired.open();
                }
                // The first ones wait until CAP of them run at once.
                assert!(paired.wait(), "{CAP} blocking calls never ran at once");
                thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, SeqCst);
                i
            }
        };
        // Half from outside, half from inside the runtime.
        let mut handles: Vec<_> = (0..CALLS / 2).map(|i| rt.spawn_blocking(call(i))).collect();
        handles.extend(rt.block_on(async {
            (CALLS / 2..CALLS).map(|i| task::spawn_blocking(call(i))).collect::<Vec<_>>()
        }));
        // Threads start on demand up to the cap; the rest queue.
        assert_eq!(metrics.num_blocking_threads(), CAP);
        assert_eq!(metrics.num_idle_blocking_threads(), 0);
        gate.open();
        let mut results = rt.block_on(async {
            let mut results = Vec::new();
            for handle in handles {
                results.push(handle.await.unwrap());
            }
            results
        });
        results.sort_unstable();
        assert_eq!(results, (0..CALLS).collect::<Vec<_>>());
        assert_eq!(most.load(SeqCst), CAP, "at most {CAP} ran at once");
        assert!(metrics.num_blocking_threads() <= CAP);
        assert_eq!(metrics.num_workers(), flavor.workers(), "workers are not blocking threads");
    }

    fn idle_threads_retire_after_the_keep_alive(rt: Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("idle_threads_retire_after_the_keep_alive");
        drop(rt);
        let rt = builder(flavor)
            .thread_keep_alive(Duration::from_millis(50))
            .enable_all()
            .build()
            .unwrap();
        let metrics = rt.metrics();
        assert_eq!(metrics.num_blocking_threads(), 0);
        for _round in 0..2 {
            let gate = Latch::new();
            let theirs = gate.clone();
            let handle = rt.spawn_blocking(move || theirs.wait());
            assert_eq!(metrics.num_blocking_threads(), 1, "started on demand");
            gate.open();
            assert!(rt.block_on(handle).unwrap());
            // Idle, then gone after the keep-alive.
            wait_until("the idle thread retired", || metrics.num_blocking_threads() == 0);
            assert_eq!(metrics.num_idle_blocking_threads(), 0);
        }
    }

    fn an_idle_thread_is_reused_within_the_keep_alive(rt: Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("an_idle_thread_is_reused_within_the_keep_alive");
        drop(rt);
        let rt = builder(flavor)
            .thread_keep_alive(PATIENCE * 10)
            .enable_all()
            .build()
            .unwrap();
        let metrics = rt.metrics();
        let first = rt.block_on(rt.spawn_blocking(|| thread::current().id())).unwrap();
        wait_until("the thread went idle", || metrics.num_idle_blocking_threads() == 1);
        let second = rt.block_on(rt.spawn_blocking(|| thread::current().id())).unwrap();
        assert_eq!(first, second, "the idle thread took the call");
        assert_eq!(metrics.num_blocking_threads(), 1);
    }

    fn a_running_blocking_call_cannot_be_aborted(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_running_blocking_call_cannot_be_aborted");
        let started = Latch::new();
        let gate = Latch::new();
        let finished = Arc::new(AtomicBool::new(false));
        let handle = {
            let (started, gate, finished) = (started.clone(), gate.clone(), finished.clone());
            rt.spawn_blocking(move || {
                started.open();
                assert!(gate.wait());
                finished.store(true, SeqCst);
                42
            })
        };
        assert!(started.wait());
        handle.abort();
        assert!(!handle.is_finished(), "still running");
        gate.open();
        // Documented (task/blocking.rs): a started closure cannot be
        // aborted; it runs to completion and its output is delivered.
        assert_eq!(rt.block_on(handle).unwrap(), 42);
        assert!(finished.load(SeqCst));
    }

    fn a_queued_blocking_call_is_cancelled_by_abort(rt: Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("a_queued_blocking_call_is_cancelled_by_abort");
        drop(rt);
        let rt = builder(flavor).max_blocking_threads(1).enable_all().build().unwrap();
        let started = Latch::new();
        let gate = Latch::new();
        let occupant = {
            let (started, gate) = (started.clone(), gate.clone());
            rt.spawn_blocking(move || {
                started.open();
                gate.wait()
            })
        };
        assert!(started.wait());
        let queued_ran = Arc::new(AtomicBool::new(false));
        let drops = DropCount::new();
        let queued = {
            let queued_ran = queued_ran.clone();
            let tracked = drops.track(());
            rt.spawn_blocking(move || {
                let _tracked = tracked;
                queued_ran.store(true, SeqCst);
            })
        };
        let after = rt.spawn_blocking(|| "runs after");
        queued.abort();
        gate.open();
        assert!(rt.block_on(occupant).unwrap());
        let err = rt.block_on(queued).unwrap_err();
        assert!(err.is_cancelled(), "{err}");
        assert_eq!(rt.block_on(after).unwrap(), "runs after");
        assert!(!queued_ran.load(SeqCst), "the aborted closure never ran");
        assert_eq!(drops.get(), 1, "and was dropped once");
    }

    fn shutdown_timeout_does_not_wait_for_a_running_blocking_call(rt: Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("shutdown_timeout_does_not_wait_for_a_running_blocking_call");
        drop(rt);
        let starts = Arc::new(AtomicUsize::new(0));
        let stops = Arc::new(AtomicUsize::new(0));
        let rt = counting_thread_hooks(builder(flavor), &starts, &stops);
        let started = Latch::new();
        let gate = Latch::new();
        let finished = Arc::new(AtomicBool::new(false));
        {
            let (started, gate, finished) = (started.clone(), gate.clone(), finished.clone());
            drop(rt.spawn_blocking(move || {
                started.open();
                // Not opened until shutdown_timeout returned (or PATIENCE).
                gate.wait();
                finished.store(true, SeqCst);
            }));
        }
        assert!(started.wait());
        rt.shutdown_timeout(Duration::from_millis(50));
        assert!(!finished.load(SeqCst), "shutdown_timeout waited for the running closure");
        gate.open();
        wait_until("the running closure finished", || finished.load(SeqCst));
        wait_until("every pool thread exited", || stops.load(SeqCst) == starts.load(SeqCst));
    }

    fn dropping_the_runtime_waits_for_running_blocking_calls(rt: Runtime) {
        let _watchdog = Watchdog::new("dropping_the_runtime_waits_for_running_blocking_calls");
        let started = Latch::new();
        let finished = Arc::new(AtomicBool::new(false));
        {
            let (started, finished) = (started.clone(), finished.clone());
            drop(rt.spawn_blocking(move || {
                started.open();
                thread::sleep(Duration::from_millis(100));
                finished.store(true, SeqCst);
            }));
        }
        assert!(started.wait());
        drop(rt);
        assert!(finished.load(SeqCst), "drop returned before the closure finished");
    }

    fn spawn_blocking_from_tasks_and_from_blocking_calls(rt: &Runtime) {
        let _watchdog = Watchdog::new("spawn_blocking_from_tasks_and_from_blocking_calls");
        // From a task.
        let from_task = rt.block_on(rt.spawn(async {
            task::spawn_blocking(|| thread::current().id()).await.unwrap()
        }));
        assert_ne!(from_task.unwrap(), thread::current().id(), "ran on a pool thread");

        // From inside a blocking closure: the runtime is current there.
        let nested = rt.block_on(async {
            let outer = task::spawn_blocking(|| {
                let inner = task::spawn_blocking(|| 2);
                // A blocking thread may block on the runtime.
                let via_handle = Handle::current().block_on(task::spawn_blocking(|| 3)).unwrap();
                (inner, via_handle)
            });
            let (inner, via_handle) = outer.await.unwrap();
            inner.await.unwrap() + via_handle
        });
        assert_eq!(nested, 5);

        // A task spawned from a blocking closure runs on the runtime.
        let spawned = rt.block_on(async {
            let handle = task::spawn_blocking(|| weft::spawn(async { 7 })).await.unwrap();
            handle.await.unwrap()
        });
        assert_eq!(spawned, 7);

        // Many at once, from many tasks.
        let sum = rt.block_on(async {
            let tasks: Vec<_> = (0..20u64)
                .map(|i| weft::spawn(async move { task::spawn_blocking(move || i * 2).await.unwrap() }))
                .collect();
            let mut sum = 0;
            for task in tasks {
                sum += task.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, 380);
    }

    fn a_panicking_blocking_call_reports_the_panic_and_the_pool_survives(rt: &Runtime) {
        quiet_panics();
        let _watchdog = Watchdog::new("a_panicking_blocking_call_reports_the_panic");
        let err = rt
            .block_on(rt.spawn_blocking(|| -> u8 { panic!("quiet: blocking panic") }))
            .unwrap_err();
        assert!(err.is_panic());
        let payload = err.into_panic();
        assert_eq!(panic_message(&*payload), Some("quiet: blocking panic"));
        let seen = Arc::new(Mutex::new(None));
        let theirs = seen.clone();
        rt.block_on(rt.spawn_blocking(move || *theirs.lock().unwrap() = Some(1)))
            .unwrap();
        assert_eq!(*seen.lock().unwrap(), Some(1));
    }
}

#[test]
#[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
fn spawn_blocking_outside_a_runtime_panics() {
    drop(task::spawn_blocking(|| ()));
}

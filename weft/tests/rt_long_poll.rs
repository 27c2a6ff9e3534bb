//! Long-poll detection (`Builder::long_poll_threshold`): a poll that blocks
//! its worker is reported while it runs and when it returns, with the
//! task's id, name, spawn location and thread; quick polls, blocking-pool
//! closures and `block_in_place` are not reported; a panicking callback
//! does not reach the runtime.
//!
//! No test asserts how fast a report comes (the machine may be busy): a
//! report "while the poll runs" is checked by the poll itself still
//! running, which lasts far longer than any scheduling delay.

#![cfg(feature = "full")]

mod support;
use support::{rt_test, Flavor, PATIENCE};

use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use weft::runtime::{LongPoll, Runtime};

const THRESHOLD: Duration = Duration::from_millis(100);

/// A runtime of `flavor` with a long-poll threshold whose reports arrive on
/// the returned channel, each with whether the blocking poll had ended
/// (`done`) when the report was made, and when it was made.
fn watched(
    flavor: Flavor,
    threshold: Duration,
    done: Arc<AtomicBool>,
) -> (Runtime, mpsc::Receiver<(LongPoll, bool, Instant)>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let rt = flavor
        .builder()
        .long_poll_threshold(threshold)
        .on_long_poll(move |report| {
            let report = (report.clone(), done.load(SeqCst), Instant::now());
            let _ = tx.lock().unwrap().send(report);
        })
        .build()
        .unwrap();
    (rt, rx)
}

rt_test! {
    fn a_blocked_worker_is_reported_while_it_blocks_and_after(_rt: &Runtime, flavor: Flavor) {
        let done = Arc::new(AtomicBool::new(false));
        let (rt, reports) = watched(flavor, THRESHOLD, done.clone());
        let poll_started = Arc::new(Mutex::new(None::<Instant>));
        let (spawned_at, id) = rt.block_on(async {
            let flag = done.clone();
            let started = poll_started.clone();
            let spawned_at = Location::caller();
            let handle = weft::task::Builder::new()
                .name("hasher")
                .spawn(async move {
                    *started.lock().unwrap() = Some(Instant::now());
                    std::thread::sleep(Duration::from_secs(2));
                    flag.store(true, SeqCst);
                })
                .unwrap();
            let id = handle.id();
            handle.await.unwrap();
            (spawned_at, id)
        });
        let (running, done_then, seen_at) = reports.recv_timeout(PATIENCE).expect("a report while it runs");
        assert!(!done_then, "reported while the poll still ran: {running:?}");
        assert!(!running.is_finished());
        // Shown with --nocapture: how soon after the threshold it was seen
        // (by the precise clock: the report's own duration is coarse).
        let started = poll_started.lock().unwrap().expect("the poll started");
        println!(
            "reported {:?} after the poll started (threshold {THRESHOLD:?}; report says {:?})",
            seen_at.duration_since(started),
            running.duration()
        );
        // Never early (the coarse clock may be a tick behind, at most
        // 10 ms, on either side of the measurement), however busy the
        // machine: a late report is fine, an early one a bug.
        assert!(
            seen_at.duration_since(started) >= THRESHOLD - Duration::from_millis(20),
            "reported {:?} after the poll started",
            seen_at.duration_since(started)
        );
        assert_eq!(running.task_id(), id);
        assert_eq!(running.name(), Some("hasher"));
        let location = running.location().expect("the runtime tracks its tasks");
        assert_eq!((location.file(), location.line()), (spawned_at.file(), spawned_at.line() + 3));
        assert!(running.duration() >= THRESHOLD - Duration::from_millis(20), "{running:?}");
        let thread = running.thread_name().map(String::from);
        match flavor {
            Flavor::CurrentThread => assert_eq!(thread.as_deref(), std::thread::current().name()),
            Flavor::MultiThread(_) => assert_eq!(thread.as_deref(), Some("weft-runtime-worker")),
        }
        let (finished, done_then, _) = reports.recv_timeout(PATIENCE).expect("a report at its end");
        assert!(done_then && finished.is_finished(), "{finished:?}");
        assert_eq!(finished.task_id(), id);
        assert_eq!(finished.thread_name(), thread.as_deref());
        // The coarse clock may be a tick (at most 10 ms) behind.
        assert!(finished.duration() >= Duration::from_millis(1_990), "{finished:?}");
        assert!(reports.try_recv().is_err(), "one long poll, two reports");
        let text = finished.to_string();
        assert!(text.contains("\"hasher\"") && text.contains(spawned_at.file()), "{text}");
    }

    fn an_unnamed_task_is_reported_with_its_location(_rt: &Runtime, flavor: Flavor) {
        let done = Arc::new(AtomicBool::new(false));
        let (rt, reports) = watched(flavor, THRESHOLD, done.clone());
        let line = rt.block_on(async {
            let flag = done.clone();
            let line = line!() + 1;
            weft::spawn(async move {
                std::thread::sleep(THRESHOLD * 4);
                flag.store(true, SeqCst);
            })
            .await
            .unwrap();
            line
        });
        let (running, _, _) = reports.recv_timeout(PATIENCE).expect("a report");
        assert_eq!(running.name(), None);
        let location = running.location().expect("tracked");
        assert_eq!((location.file(), location.line()), (file!(), line));
    }

    fn quick_polls_and_blocking_closures_are_not_reported(_rt: &Runtime, flavor: Flavor) {
        // A threshold no quick poll reaches even on a loaded machine.
        let threshold = Duration::from_secs(5);
        let (rt, reports) = watched(flavor, threshold, Arc::default());
        rt.block_on(async {
            let mut set = weft::task::JoinSet::new();
            for i in 0..200u64 {
                set.spawn(async move {
                    for _ in 0..3 {
                        weft::task::yield_now().await;
                    }
                    i
                });
            }
            let mut sum = 0;
            while let Some(value) = set.join_next().await {
                sum += value.unwrap();
            }
            assert_eq!(sum, 199 * 200 / 2);
            // A blocking closure longer than... a short threshold would be
            // is not a poll: the pool is not watched.
            weft::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(50)))
                .await
                .unwrap();
        });
        drop(rt);
        assert!(reports.try_recv().is_err());
    }

    fn a_panicking_callback_does_not_reach_the_runtime(_rt: &Runtime, flavor: Flavor) {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let rt = flavor
            .builder()
            .long_poll_threshold(Duration::from_millis(50))
            .on_long_poll(move |_| {
                counted.fetch_add(1, SeqCst);
                panic!("a callback that panics");
            })
            .build()
            .unwrap();
        let sum = rt.block_on(async {
            let first = weft::spawn(async { std::thread::sleep(Duration::from_millis(400)); 1 });
            let second = weft::spawn(async { std::thread::sleep(Duration::from_millis(400)); 2 });
            first.await.unwrap() + second.await.unwrap()
        });
        assert_eq!(sum, 3);
        // Both polls reported (running and finished; the watchdog thread
        // survived the first panic to report the second poll).
        assert!(calls.load(SeqCst) >= 3, "calls: {}", calls.load(SeqCst));
        // And the runtime still runs tasks.
        assert_eq!(rt.block_on(async { weft::spawn(async { 5 }).await.unwrap() }), 5);
    }
}

#[test]
fn block_in_place_is_not_a_long_poll() {
    let done = Arc::new(AtomicBool::new(false));
    let (rt, reports) = watched(Flavor::MultiThread(2), THRESHOLD, done);
    rt.block_on(async {
        weft::spawn(async {
            weft::task::block_in_place(|| std::thread::sleep(THRESHOLD * 5));
        })
        .await
        .unwrap();
    });
    drop(rt);
    assert!(reports.try_recv().is_err(), "{:?}", reports.try_recv());
}

#[test]
fn without_a_callback_reports_go_to_stderr_and_the_runtime_runs_on() {
    let rt = weft::runtime::Builder::new_current_thread()
        .long_poll_threshold(Duration::from_millis(20))
        .build()
        .unwrap();
    let value = rt.block_on(async {
        weft::spawn(async {
            std::thread::sleep(Duration::from_millis(100));
            9
        })
        .await
        .unwrap()
    });
    assert_eq!(value, 9);
}

#[test]
#[should_panic(expected = "long poll threshold must be greater than zero")]
fn a_zero_threshold_is_refused() {
    weft::runtime::Builder::new_current_thread().long_poll_threshold(Duration::ZERO);
}

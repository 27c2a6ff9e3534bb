//! Aborting tasks: before the first poll, while idle, while running on
//! another thread, after completion; `AbortHandle`; destructors that panic.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::task::{Context, Poll};
use std::thread;

use support::*;
use weft::task::{self, AbortHandle, JoinError};

fn expect_cancelled<T: std::fmt::Debug>(result: Result<T, JoinError>) -> JoinError {
    match result {
        Err(err) if err.is_cancelled() => err,
        other => panic!("expected a cancelled task, got {other:?}"),
    }
}

#[test]
fn abort_before_first_poll_spawned_from_outside() {
    let _watchdog = Watchdog::new("abort_before_first_poll_spawned_from_outside");
    let rt = current_thread_rt();
    let counters = Counters::new();
    let handle = rt.spawn(yielding(&counters, 0, ()));
    assert!(!handle.is_finished());
    handle.abort();
    assert_eq!(
        counters.drops(),
        1,
        "an idle (queued) task's future is dropped at `abort`"
    );
    assert!(handle.is_finished());

    let err = expect_cancelled(rt.block_on(handle));
    assert!(!err.is_panic());
    // Let the stale run-queue entry be popped: it must not poll.
    rt.block_on(async {
        for _ in 0..5 {
            task::yield_now().await;
        }
    });
    assert_eq!(counters.polls(), 0, "never polled");
    assert_eq!(counters.drops(), 1);
}

#[test]
fn abort_before_first_poll_spawned_inside() {
    let _watchdog = Watchdog::new("abort_before_first_poll_spawned_inside");
    let rt = current_thread_rt();
    let counters = Counters::new();
    rt.block_on(async {
        let handle = weft::spawn(yielding(&counters, 0, ()));
        handle.abort();
        assert_eq!(counters.drops(), 1);
        expect_cancelled(handle.await);
        task::yield_now().await;
    });
    assert_eq!(counters.polls(), 0);
    assert_eq!(counters.drops(), 1);
}

#[test]
fn abort_while_idle_drops_the_future_at_the_abort_call() {
    let _watchdog = Watchdog::new("abort_while_idle_drops_the_future_at_the_abort_call");
    let rt = current_thread_rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let output_drops = DropCount::new();
    let handle = rt.spawn(gated(&counters, &gate, output_drops.track(())));
    rt.block_on(yield_until(|| counters.polls() == 1));
    assert!(!handle.is_finished(), "pending, waiting for the gate");
    assert_eq!(counters.drops(), 0);

    handle.abort();
    assert_eq!(
        counters.drops(),
        1,
        "dropped immediately, before anyone awaits the handle"
    );
    assert!(handle.is_finished());
    assert_eq!(
        counters.dropped_on(),
        Some(thread::current().id()),
        "an idle Send task is dropped by the aborting thread"
    );
    assert_eq!(rt.handle().metrics().num_alive_tasks(), 0);

    gate.open(); // a wake after the abort changes nothing
    expect_cancelled(rt.block_on(handle));
    assert_eq!(counters.polls(), 1);
    assert_eq!(counters.drops(), 1);
    assert_eq!(
        output_drops.get(),
        1,
        "the output captured by the future went with it"
    );
}

#[test]
fn abort_while_idle_from_another_thread() {
    let _watchdog = Watchdog::new("abort_while_idle_from_another_thread");
    let rt = current_thread_rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = rt.spawn(gated(&counters, &gate, ()));
    rt.block_on(yield_until(|| counters.polls() == 1));

    let abort = handle.abort_handle();
    let theirs = counters.clone();
    let aborter = thread::spawn(move || {
        abort.abort();
        (theirs.drops(), thread::current().id())
    });
    let (drops_after_abort, aborter_id) = aborter.join().unwrap();
    assert_eq!(drops_after_abort, 1);
    assert_eq!(counters.dropped_on(), Some(aborter_id));
    expect_cancelled(rt.block_on(handle));
}

#[test]
fn abort_of_a_queued_task_after_a_wake_drops_it_without_polling() {
    let _watchdog = Watchdog::new("abort_of_a_queued_task_after_a_wake_drops_it_without_polling");
    let rt = current_thread_rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = rt.spawn(gated(&counters, &gate, ()));
    rt.block_on(async {
        yield_until(|| counters.polls() == 1).await;
        gate.open(); // now queued (notified)
        handle.abort();
        assert_eq!(counters.drops(), 1);
        expect_cancelled(handle.await);
    });
    assert_eq!(counters.polls(), 1, "the queued run was skipped");
}

#[test]
fn abort_wakes_a_task_awaiting_the_handle_while_the_runtime_is_parked() {
    let _watchdog = Watchdog::new("abort_wakes_a_task_awaiting_the_handle");
    let rt = current_thread_rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let target = rt.spawn(gated(&counters, &gate, 1u32));
    let abort = target.abort_handle();
    // A second task joins the first (a `JoinHandle` is itself a future).
    let joiner = rt.spawn(target);
    let gate2 = gate.clone();
    let aborter = thread::spawn(move || {
        gate2.wait_registrations(1);
        // Give the runtime time to go idle and park.
        thread::sleep(std::time::Duration::from_millis(20));
        abort.abort();
    });
    let result = rt.block_on(joiner).unwrap();
    expect_cancelled(result);
    aborter.join().unwrap();
    assert_eq!(counters.drops(), 1);
}

/// A future whose first poll reports that it started and then blocks until
/// told to go on; it then returns `Ready(output)` if `ready`, else
/// `Pending` (without storing its waker: only a cancel can end it).
struct BlockingPoll {
    started: mpsc::Sender<()>,
    proceed: mpsc::Receiver<()>,
    ready: Option<Tracked<u32>>,
    counters: Arc<Counters>,
    drops_seen_in_poll: Arc<Mutex<Option<usize>>>,
}

impl Future for BlockingPoll {
    type Output = Tracked<u32>;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Tracked<u32>> {
        self.counters.record_poll();
        self.started.send(()).unwrap();
        self.proceed.recv().unwrap();
        *self.drops_seen_in_poll.lock().unwrap() = Some(self.counters.drops());
        match self.ready.take() {
            Some(output) => Poll::Ready(output),
            None => Poll::Pending,
        }
    }
}

impl Drop for BlockingPoll {
    fn drop(&mut self) {
        self.counters.record_drop();
    }
}

/// The join result, the task's counters, and what the aborting thread saw
/// right after `abort()`: (drops, is_finished).
type AbortDuringPoll = (
    Result<Tracked<u32>, JoinError>,
    Arc<Counters>,
    (usize, bool),
);

/// Runs a `BlockingPoll` task and aborts it from another thread during its
/// first poll.
fn abort_during_poll(ready: bool, output_drops: &DropCount) -> AbortDuringPoll {
    let rt = current_thread_rt();
    let counters = Counters::new();
    let (started_tx, started_rx) = mpsc::channel();
    let (proceed_tx, proceed_rx) = mpsc::channel();
    let seen = Arc::new(Mutex::new(None));
    let handle = rt.spawn(BlockingPoll {
        started: started_tx,
        proceed: proceed_rx,
        ready: ready.then(|| output_drops.track(9)),
        counters: counters.clone(),
        drops_seen_in_poll: seen.clone(),
    });
    let abort = handle.abort_handle();
    let theirs = counters.clone();
    let aborter = thread::spawn(move || {
        started_rx.recv().unwrap();
        abort.abort();
        let observed = (theirs.drops(), abort.is_finished());
        proceed_tx.send(()).unwrap();
        observed
    });
    let result = rt.block_on(handle);
    let observed = aborter.join().unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        Some(0),
        "not dropped while its poll runs"
    );
    (result, counters, observed)
}

#[test]
fn abort_while_running_on_another_thread_cancels_after_the_poll() {
    let _watchdog = Watchdog::new("abort_while_running_on_another_thread_cancels_after_the_poll");
    let output_drops = DropCount::new();
    let (result, counters, (drops_at_abort, finished_at_abort)) =
        abort_during_poll(false, &output_drops);
    assert_eq!(
        drops_at_abort, 0,
        "a running task is not dropped by `abort`"
    );
    assert!(!finished_at_abort, "a running task is not finished yet");
    expect_cancelled(result);
    assert_eq!(counters.polls(), 1);
    assert_eq!(
        counters.drops(),
        1,
        "dropped once its poll returned Pending"
    );
}

#[test]
fn abort_while_running_when_the_poll_returns_ready_keeps_the_output() {
    let _watchdog = Watchdog::new("abort_while_running_when_the_poll_returns_ready");
    let output_drops = DropCount::new();
    let (result, counters, (drops_at_abort, _)) = abort_during_poll(true, &output_drops);
    assert_eq!(drops_at_abort, 0);
    let output = result.expect("the task finished in the poll that raced with abort");
    assert_eq!(output.value, 9);
    assert_eq!(counters.drops(), 1);
    assert_eq!(output_drops.get(), 0);
    drop(output);
    assert_eq!(output_drops.get(), 1);
}

#[test]
fn task_aborting_itself() {
    let _watchdog = Watchdog::new("task_aborting_itself");
    let rt = current_thread_rt();
    let slot: Arc<Mutex<Option<AbortHandle>>> = Arc::new(Mutex::new(None));
    let counters = Counters::new();

    // Abort itself, then return Pending: cancelled after this poll.
    let theirs = slot.clone();
    let handle = rt.spawn(Counted::new(&counters, async move {
        let me = theirs.lock().unwrap().take().unwrap();
        me.abort();
        assert!(!me.is_finished());
        std::future::pending::<()>().await;
    }));
    *slot.lock().unwrap() = Some(handle.abort_handle());
    expect_cancelled(rt.block_on(handle));
    assert_eq!(counters.polls(), 1);
    assert_eq!(counters.drops(), 1);

    // Abort itself, then return Ready: the output wins.
    let theirs = slot.clone();
    let handle = rt.spawn(async move {
        theirs.lock().unwrap().take().unwrap().abort();
        17
    });
    *slot.lock().unwrap() = Some(handle.abort_handle());
    assert_eq!(rt.block_on(handle).unwrap(), 17);
}

#[test]
fn abort_after_completion_returns_the_output() {
    let _watchdog = Watchdog::new("abort_after_completion_returns_the_output");
    let rt = current_thread_rt();
    let counters = Counters::new();
    let handle = rt.spawn(yielding(&counters, 1, 5u32));
    let abort = handle.abort_handle();
    rt.block_on(yield_until(|| handle.is_finished()));
    handle.abort();
    abort.abort();
    assert!(handle.is_finished() && abort.is_finished());
    assert_eq!(rt.block_on(handle).unwrap(), 5);
    abort.abort(); // after the handle is gone too
    assert_eq!(counters.drops(), 1);
    assert_eq!(counters.polls(), 2);
}

#[test]
fn abort_handle_api() {
    let _watchdog = Watchdog::new("abort_handle_api");
    let rt = current_thread_rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = rt.spawn(gated(&counters, &gate, ()));
    let a = handle.abort_handle();
    let b = a.clone();
    assert_eq!(a.id(), handle.id());
    assert_eq!(b.id(), handle.id());
    assert!(!a.is_finished() && !b.is_finished());
    assert!(format!("{a:?}").contains("AbortHandle"));

    drop(a); // dropping an abort handle does nothing to the task
    rt.block_on(yield_until(|| counters.polls() == 1));
    assert_eq!(counters.drops(), 0);

    // Detach, then abort through the remaining abort handle.
    drop(handle);
    assert!(!b.is_finished());
    let b2 = b.clone();
    thread::spawn(move || b2.abort()).join().unwrap();
    assert!(b.is_finished());
    assert_eq!(counters.drops(), 1);
    b.abort(); // idempotent
    assert_eq!(counters.drops(), 1);
    assert_eq!(counters.polls(), 1);
}

#[test]
fn abort_twice_and_from_many_threads_drops_once() {
    let _watchdog = Watchdog::new("abort_twice_and_from_many_threads_drops_once");
    let rt = current_thread_rt();
    for _ in 0..50 {
        let counters = Counters::new();
        let gate = Gate::new();
        let handle = rt.spawn(gated(&counters, &gate, ()));
        rt.block_on(yield_until(|| counters.polls() == 1));
        let aborters: Vec<_> = (0..4)
            .map(|_| {
                let abort = handle.abort_handle();
                thread::spawn(move || {
                    abort.abort();
                    abort.abort();
                })
            })
            .collect();
        for aborter in aborters {
            aborter.join().unwrap();
        }
        assert_eq!(counters.drops(), 1);
        expect_cancelled(rt.block_on(handle));
    }
}

#[test]
fn aborting_a_task_whose_drop_panics_reports_the_panic() {
    quiet_panics();
    let _watchdog = Watchdog::new("aborting_a_task_whose_drop_panics_reports_the_panic");
    let rt = current_thread_rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = rt.spawn(PanicOnDrop::new(
        &counters,
        "quiet: drop during abort",
        gate.wait(),
    ));
    rt.block_on(yield_until(|| counters.polls() == 1));

    handle.abort(); // the destructor's panic is caught, not raised here
    assert_eq!(counters.drops(), 1);
    assert!(handle.is_finished());
    let err = rt.block_on(handle).unwrap_err();
    assert!(err.is_panic(), "{err:?}");
    assert!(!err.is_cancelled());
    let payload = err.into_panic();
    assert_eq!(panic_message(&*payload), Some("quiet: drop during abort"));

    // The runtime is fine afterwards.
    assert_eq!(rt.block_on(rt.spawn(async { 3 })).unwrap(), 3);
}

#[test]
fn is_finished_transitions() {
    let _watchdog = Watchdog::new("is_finished_transitions");
    let rt = current_thread_rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = rt.spawn(gated(&counters, &gate, ()));
    let abort = handle.abort_handle();
    assert!(!handle.is_finished(), "queued");
    rt.block_on(yield_until(|| counters.polls() == 1));
    assert!(!handle.is_finished(), "pending");
    gate.open();
    assert!(!handle.is_finished(), "woken, not run yet");
    rt.block_on(yield_until(|| counters.drops() == 1));
    assert!(handle.is_finished() && abort.is_finished(), "completed");
    rt.block_on(handle).unwrap();
    assert!(abort.is_finished(), "still finished once joined");
}

#[test]
fn abort_racing_with_completion_never_loses_an_output_or_drops_twice() {
    let _watchdog = Watchdog::new("abort_racing_with_completion");
    const N: usize = 2_000;
    for round in 0..3 {
        let rt = current_thread_rt();
        let counters = Counters::new();
        let returned: Vec<_> = (0..N).map(|_| Arc::new(AtomicBool::new(false))).collect();
        let handles: Vec<_> = returned
            .iter()
            .enumerate()
            .map(|(i, flag)| {
                let flag = flag.clone();
                rt.spawn(Counted::new(&counters, async move {
                    for _ in 0..(i + round) % 5 {
                        task::yield_now().await;
                    }
                    flag.store(true, SeqCst);
                    i
                }))
            })
            .collect();
        let aborts: Vec<_> = handles.iter().map(|h| h.abort_handle()).collect();
        let start = Arc::new(Barrier::new(2));
        let aborter = {
            let start = start.clone();
            thread::spawn(move || {
                start.wait();
                for (i, abort) in aborts.iter().enumerate() {
                    if i % 3 != 0 {
                        abort.abort();
                    }
                    if i % 64 == 0 {
                        thread::yield_now();
                    }
                }
            })
        };
        let results = rt.block_on(async {
            start.wait();
            let mut results = Vec::with_capacity(N);
            for handle in handles {
                results.push(handle.await);
            }
            results
        });
        aborter.join().unwrap();
        assert_eq!(counters.drops(), N, "every future dropped exactly once");
        for (i, result) in results.into_iter().enumerate() {
            let ran_to_the_end = returned[i].load(SeqCst);
            match result {
                Ok(value) => {
                    assert_eq!(value, i);
                    assert!(ran_to_the_end);
                }
                Err(err) => {
                    assert!(err.is_cancelled(), "{err:?}");
                    assert!(i % 3 != 0, "task {i} was never aborted");
                    assert!(
                        !ran_to_the_end,
                        "task {i} returned Ready, yet its output was lost"
                    );
                }
            }
        }
    }
}

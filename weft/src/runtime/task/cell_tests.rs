//! Unit tests of the real task cell, small enough for Miri
//! (`scripts/miri.sh`): every lifecycle path through `harness`, `waker` and
//! `join` once, on a current-thread runtime or on a test scheduler.
//!
//! Each test counts polls and drops, so a future or output dropped twice (or
//! never) fails here; Miri adds what counting cannot see: use-after-free,
//! a dangling reference, a leaked cell (Miri's leak check at exit), a data
//! race between the threads some tests start.

use super::list::OwnedTasks;
use super::test_probe::{ready_after, Counters};
use super::{bind, JoinHandle, Notified, Schedule, SpawnMeta, Task};
use crate::runtime::{Builder, Runtime};
use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

fn rt() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A current-thread runtime and fresh counters: where most tests start.
fn setup() -> (Runtime, Arc<Counters>) {
    (rt(), Counters::new())
}

/// Runs the future `test` makes from fresh counters on a fresh
/// current-thread runtime; returns the runtime (not shut down yet, so that
/// no shutdown has dropped anything the test checks) and the counters.
fn block_on_counted<F: Future<Output = ()>>(
    test: impl FnOnce(Arc<Counters>) -> F,
) -> (Runtime, Arc<Counters>) {
    let (rt, counts) = setup();
    rt.block_on(test(counts.clone()));
    (rt, counts)
}

impl Counters {
    /// Checks the polls, future drops and output drops so far.
    #[track_caller]
    fn assert_counts(&self, polls: usize, future_drops: usize, output_drops: usize) {
        assert_eq!(
            (self.polls(), self.future_drops(), self.output_drops()),
            (polls, future_drops, output_drops),
            "(polls, future drops, output drops)"
        );
    }
}

/// Awaits `handle` of an aborted task: it reports the cancellation.
async fn assert_aborted<T: std::fmt::Debug>(handle: JoinHandle<T>) {
    let err = handle.await.expect_err("aborted");
    assert!(err.is_cancelled());
}

/// Yields to the scheduler until `done()` or `max` yields.
async fn yield_until(mut done: impl FnMut() -> bool, max: usize) {
    for _ in 0..max {
        if done() {
            return;
        }
        crate::task::yield_now().await;
    }
    assert!(done(), "condition not reached after {max} yields");
}

#[test]
fn complete_output_read_once() {
    let (rt, counts) = setup();
    let output = rt
        .block_on(rt.spawn(ready_after(&counts, 2, true)))
        .expect("completes");
    assert_eq!(output.value, 42);
    // The reader owns the output.
    counts.assert_counts(3, 1, 0);
    drop(output);
    assert_eq!(counts.output_drops(), 1);
}

#[test]
fn abort_idle_task_drops_future_inline() {
    let (_rt, counts) = block_on_counted(|counts| async move {
        // Never ready, never woken: idle after its first poll.
        let handle = crate::spawn(ready_after(&counts, usize::MAX, false));
        yield_until(|| counts.polls() == 1, 10).await;
        handle.abort();
        // Rule 5: an idle `Send` task is cancelled on the aborting thread.
        assert_eq!(counts.future_drops(), 1);
        assert_aborted(handle).await;
    });
    counts.assert_counts(1, 1, 0);
}

#[test]
fn abort_queued_task_is_never_polled() {
    let (_rt, counts) = block_on_counted(|counts| async move {
        let handle = crate::spawn(ready_after(&counts, 0, false));
        // Still queued: the abort takes the stage; the queued entry later
        // finds the task complete and only drops its reference (rule 3).
        handle.abort();
        assert_eq!(counts.future_drops(), 1);
        assert!(handle.is_finished());
        crate::task::yield_now().await;
        assert_aborted(handle).await;
    });
    counts.assert_counts(0, 1, 0);
}

#[test]
fn abort_while_running_cancels_after_the_poll() {
    let (_rt, counts) = block_on_counted(|counts| async move {
        let slot: Arc<Mutex<Option<super::AbortHandle>>> = Arc::default();
        let slot2 = slot.clone();
        let counts2 = counts.clone();
        let handle = crate::spawn(poll_fn(move |_cx| {
            counts2.polls.fetch_add(1, SeqCst);
            // Abort ourselves mid-poll: the runner cancels once we return.
            if let Some(abort) = slot2.lock().unwrap().take() {
                abort.abort();
            }
            Poll::<()>::Pending
        }));
        *slot.lock().unwrap() = Some(handle.abort_handle());
        assert_aborted(handle).await;
    });
    assert_eq!(counts.polls(), 1);
}

#[test]
fn join_handle_dropped_before_completion() {
    let (_rt, counts) = block_on_counted(|counts| async move {
        drop(crate::spawn(ready_after(&counts, 1, true)));
        // Detached: the completing thread drops the output (rule 1).
        yield_until(|| counts.output_drops() == 1, 10).await;
    });
    counts.assert_counts(2, 1, 1);
}

#[test]
fn join_handle_dropped_after_completion() {
    let (_rt, counts) = block_on_counted(|counts| async move {
        let handle = crate::spawn(ready_after(&counts, 0, false));
        yield_until(|| handle.is_finished(), 10).await;
        assert_eq!(
            counts.output_drops(),
            0,
            "the handle owns the unread output"
        );
        drop(handle);
        assert_eq!(counts.output_drops(), 1);
    });
    counts.assert_counts(1, 1, 1);
}

#[test]
fn join_waker_replaced_then_woken() {
    let (_rt, counts) = block_on_counted(|counts| async move {
        let mut handle = crate::spawn(ready_after(&counts, 1, true));
        // Register a foreign waker first, then the task's own: the slot is
        // thawed and rewritten (rule J), and the second one is woken.
        let foreign = Waker::noop();
        assert!(Pin::new(&mut handle)
            .poll(&mut Context::from_waker(foreign))
            .is_pending());
        let output = handle.await.expect("completes");
        assert_eq!(output.value, 42);
    });
    counts.assert_counts(2, 1, 1);
}

#[test]
fn panic_in_poll_becomes_join_error() {
    let (rt, counts) = setup();
    let counts2 = counts.clone();
    let err = rt
        .block_on(rt.spawn(async move {
            let _guard = ready_after(&counts2, 0, false);
            if counts2.polls() == 0 {
                panic!("boom");
            }
        }))
        .expect_err("panicked");
    assert!(err.is_panic());
    assert_eq!(err.into_panic().downcast_ref::<&str>(), Some(&"boom"));
    assert_eq!(counts.future_drops(), 1);
}

#[test]
fn panic_in_future_drop_becomes_join_error() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop boom");
        }
    }
    let rt = rt();
    let err = rt
        .block_on(rt.spawn(async {
            let _bomb = PanicOnDrop;
            7
        }))
        .expect_err("the future's destructor panicked");
    assert!(err.is_panic());
}

#[test]
fn wakers_used_after_completion() {
    let (rt, counts) = setup();
    let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let slot2 = slot.clone();
    let counts2 = counts.clone();
    let output = rt
        .block_on(rt.spawn(poll_fn(move |cx| {
            counts2.polls.fetch_add(1, SeqCst);
            *slot2.lock().unwrap() = Some(cx.waker().clone());
            Poll::Ready(5)
        })))
        .expect("completes");
    assert_eq!(output, 5);
    let waker = slot.lock().unwrap().take().expect("stored");
    // Clone, wake by ref, wake by value, drop: all no-ops on a complete
    // task; the last one frees the cell (Miri's leak check sees it).
    let clone = waker.clone();
    clone.wake_by_ref();
    waker.wake_by_ref();
    clone.wake();
    drop(rt);
    waker.wake();
    assert_eq!(counts.polls(), 1);
}

#[test]
fn remote_wake_by_value_from_another_thread() {
    let (rt, counts) = setup();
    let flag = Arc::new(AtomicBool::new(false));
    let counts2 = counts.clone();
    let flag2 = flag.clone();
    let threads: Arc<Mutex<Vec<std::thread::JoinHandle<()>>>> = Arc::default();
    let threads2 = threads.clone();
    let output = rt.block_on(async move {
        let handle = crate::spawn(poll_fn(move |cx| {
            counts2.polls.fetch_add(1, SeqCst);
            if flag2.load(SeqCst) {
                return Poll::Ready(1);
            }
            let waker = cx.waker().clone();
            let flag = flag2.clone();
            threads2.lock().unwrap().push(std::thread::spawn(move || {
                flag.store(true, SeqCst);
                // By value, through the inject queue, unparking the driver.
                waker.wake();
            }));
            Poll::Pending
        }));
        handle.await.expect("completes")
    });
    for th in threads.lock().unwrap().drain(..) {
        th.join().unwrap();
    }
    assert_eq!(output, 1);
    assert_eq!(counts.polls(), 2);
    assert!(flag.load(SeqCst));
}

#[test]
fn abort_from_another_thread() {
    let (_rt, counts) = block_on_counted(|counts| async move {
        let handle = crate::spawn(ready_after(&counts, usize::MAX, false));
        let abort = handle.abort_handle();
        std::thread::spawn(move || abort.abort()).join().unwrap();
        assert_aborted(handle).await;
    });
    assert_eq!(counts.future_drops(), 1);
}

#[test]
fn runtime_drop_cancels_pending_tasks() {
    let (rt, counts) = setup();
    let mut kept = None;
    rt.block_on(async {
        let handle = crate::spawn(ready_after(&counts, usize::MAX, false));
        yield_until(|| counts.polls() == 1, 10).await;
        kept = Some(handle);
    });
    let handle = kept.expect("spawned");
    drop(rt);
    assert_eq!(counts.future_drops(), 1, "shutdown drops every future");
    assert!(handle.is_finished());
    drop(handle);
}

#[test]
fn local_set_task() {
    let rt = rt();
    let local = crate::task::LocalSet::new();
    let shared = Rc::new(RefCell::new(Vec::new()));
    let shared2 = shared.clone();
    let len = local.block_on(&rt, async move {
        let inner = shared2.clone();
        let handle = crate::task::spawn_local(async move {
            inner.borrow_mut().push(1);
            crate::task::yield_now().await;
            inner.borrow_mut().push(2);
            inner.borrow().len()
        });
        // A local task that is aborted is cancelled on its own thread.
        let aborted = crate::task::spawn_local(std::future::pending::<()>());
        aborted.abort();
        assert!(aborted.await.expect_err("aborted").is_cancelled());
        handle.await.expect("completes")
    });
    assert_eq!(len, 2);
    assert_eq!(*shared.borrow(), [1, 2]);
}

// ---------------------------------------------------------------------------
// A scheduler that runs a task *inside* `schedule`: a deterministic stand-in
// for another worker popping the entry and running the task to completion
// before `schedule` has returned. The cell holds the scheduler handle that
// `schedule` runs on, so the cell must stay alive until `schedule` returns
// (rules 2 and 4 of `task::state`); Miri reports a use-after-free or a
// deallocation under a protected `&self` otherwise.
// ---------------------------------------------------------------------------

struct InlineShared {
    owned: OwnedTasks<Inline>,
    runs: AtomicUsize,
}

struct Inline(Arc<InlineShared>);

impl Schedule for Inline {
    fn schedule(&self, task: Notified<Self>) {
        task.run();
        // Touch `self` afterwards, as real schedulers do (unpark a driver).
        self.0.runs.fetch_add(1, SeqCst);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.0.owned.remove(task)
    }
}

fn inline_shared() -> Arc<InlineShared> {
    Arc::new(InlineShared {
        owned: OwnedTasks::new(),
        runs: AtomicUsize::new(0),
    })
}

#[test]
fn wake_by_value_keeps_the_cell_alive_during_schedule() {
    let shared = inline_shared();
    let counts = Counters::new();
    let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let slot2 = slot.clone();
    let counts2 = counts.clone();
    let (handle, notified) = bind(
        &shared.owned,
        poll_fn(move |cx| {
            let n = counts2.polls.fetch_add(1, SeqCst);
            if n == 0 {
                *slot2.lock().unwrap() = Some(cx.waker().clone());
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        }),
        Inline(shared.clone()),
        None,
    );
    drop(handle); // detached: nothing else keeps the cell alive
    notified.expect("open").run();
    let waker = slot.lock().unwrap().take().expect("stored");
    // The entry runs and completes inside `schedule`.
    waker.wake();
    assert_eq!(counts.polls(), 2);
    assert_eq!(shared.runs.load(SeqCst), 1);
    assert_eq!(Arc::strong_count(&shared), 1, "the cell was freed");
}

#[test]
fn self_wake_keeps_the_cell_alive_during_yield_now() {
    let shared = inline_shared();
    let counts = Counters::new();
    let (handle, notified) = bind(
        &shared.owned,
        ready_after(&counts, 1, true),
        Inline(shared.clone()),
        None,
    );
    drop(handle);
    // Poll 1 wakes itself; `yield_now` runs poll 2 to completion inline.
    notified.expect("open").run();
    counts.assert_counts(2, 1, 1);
    assert_eq!(Arc::strong_count(&shared), 1, "the cell was freed");
}

#[test]
fn a_deferred_yield_keeps_the_cell_alive_during_its_delivery() {
    use crate::runtime::context;
    let shared = inline_shared();
    let counts = Counters::new();
    let counts2 = counts.clone();
    let (handle, notified) = bind(
        &shared.owned,
        async move {
            counts2.polls.fetch_add(1, SeqCst);
            crate::task::yield_now().await;
            counts2.polls.fetch_add(1, SeqCst);
        },
        Inline(shared.clone()),
        None,
    );
    drop(handle);
    // As a scheduler driving this thread would: yields wait for the
    // delivery. `Inline` keeps no list of its own, so the task goes to the
    // thread's deferred list (`task::yielded`).
    let defer = context::enable_defer();
    notified.expect("open").run();
    assert_eq!(counts.polls(), 1);
    assert!(context::has_deferred(), "the yield waits for the delivery");
    // The entry runs and completes inside `schedule`, and the cell is
    // freed once the delivery drops its second reference.
    assert!(context::wake_deferred());
    assert_eq!(counts.polls(), 2);
    assert_eq!(shared.runs.load(SeqCst), 1);
    assert_eq!(Arc::strong_count(&shared), 1, "the cell was freed");
    drop(defer);
}

/// A future whose cell is over-aligned, so a tracked cell has padding
/// between its `TaskMeta` and its header.
#[repr(align(64))]
struct OverAligned<F>(F);

impl<F: Future + Unpin> Future for OverAligned<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// A tracked task (its `TaskMeta` in front of the cell) is polled, woken,
/// completed and freed like any other, and its record is readable from
/// its pointer throughout; Miri checks the layout arithmetic.
fn tracked_task_records_its_polls<F>(
    wrap: impl FnOnce(Pin<Box<dyn Future<Output = ()> + Send>>) -> F,
) where
    F: Future<Output = ()> + Send + 'static,
{
    let shared = inline_shared();
    let counts = Counters::new();
    let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let slot2 = slot.clone();
    let counts2 = counts.clone();
    let future = wrap(Box::pin(poll_fn(move |cx| {
        let n = counts2.polls.fetch_add(1, SeqCst);
        if n == 0 {
            *slot2.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })));
    let spawn = SpawnMeta::named(Some("tracked"));
    let meta = spawn
        .task_meta(false, super::SpawnKind::Task)
        .expect("a named task is tracked");
    let (handle, notified) = bind(&shared.owned, future, Inline(shared.clone()), Some(meta));
    let raw = handle.raw();
    let meta = raw.meta().expect("tracked");
    assert_eq!(meta.name(), Some("tracked"));
    assert_eq!(meta.location().file(), file!());
    assert_eq!((meta.polls(), meta.last_poll_ns()), (0, None));
    notified.expect("open").run();
    let meta = raw.meta().expect("tracked");
    assert_eq!(meta.polls(), 1);
    assert!(meta.last_poll_ns().is_some());
    // The annex is made by the first wait recorded (here by hand, as a
    // leaf future does between polls of its task), emptied by the next
    // poll, and freed with the cell (Miri reports a leak otherwise).
    assert!(meta.wait_record().is_none(), "nothing recorded yet");
    let mutex =
        crate::runtime::waiting_on::WaitingOn::Sync(crate::runtime::waiting_on::SyncKind::Mutex);
    meta.wait_record_to_push().push(mutex);
    let waits = meta.wait_record().expect("made").read().expect("no writer");
    assert_eq!(waits.entries().collect::<Vec<_>>(), [mutex]);
    slot.lock().unwrap().take().expect("stored").wake();
    let meta = raw.meta().expect("tracked");
    assert_eq!(meta.polls(), 2);
    let waits = meta.wait_record().expect("kept").read().expect("no writer");
    assert_eq!(waits.entries().count(), 0, "the poll emptied it");
    assert_eq!(counts.polls(), 2);
    drop(handle);
    assert_eq!(Arc::strong_count(&shared), 1, "the cell was freed");
}

#[test]
fn tracked_task_is_polled_and_freed() {
    tracked_task_records_its_polls(|future| future);
}

#[test]
fn tracked_over_aligned_task_is_polled_and_freed() {
    tracked_task_records_its_polls(OverAligned);
}

#[test]
fn unnamed_untracked_task_has_no_record() {
    let shared = inline_shared();
    let spawn = SpawnMeta::here();
    assert!(spawn.task_meta(false, super::SpawnKind::Task).is_none());
    let (handle, notified) = bind(&shared.owned, async {}, Inline(shared.clone()), None);
    assert!(handle.raw().meta().is_none());
    notified.expect("open").run();
    drop(handle);
    assert_eq!(Arc::strong_count(&shared), 1, "the cell was freed");
}

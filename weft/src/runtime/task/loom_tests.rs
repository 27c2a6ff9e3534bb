//! Loom models of the task cell: the state word (`task::state`), the
//! harness (`task::harness`), the waker vtable and the join handle, driven by
//! a minimal test scheduler.
//!
//! Run with `scripts/loom.sh` (`RUSTFLAGS="--cfg weft_loom"`). Every model
//! runs in [`task_model`]: it spawns one task (a [`Probe`]) with [`bind`]
//! onto [`Sched`], races it against one or two loom threads, drains the run
//! queue, and returns how many outputs the task made; then the bookkeeping
//! is checked:
//!
//! * the future is dropped exactly once ([`Counters::future_drops`]);
//! * an output that was produced is dropped exactly once, by whoever owns it
//!   under rule 1 ([`Counters::output_drops`]);
//! * the cell is freed exactly once ([`Shared::freed`] counts drops of the
//!   scheduler handle `S`, which lives only inside the cell; loom itself
//!   reports a leaked cell, as the `Arc` inside `S` is a loom `Arc`);
//! * the cell is never freed while `Schedule::schedule` still runs on the
//!   `&S` stored *in* that cell (see [`Sched`]'s `Drop`);
//! * at most one run-queue entry exists per task (rule 2);
//! * every join waker is dropped exactly once ([`WakeCounter::live`]);
//! * what a thread did before dropping its reference happens-before the
//!   cell is freed ([`Shared::touch`], read back in [`Sched`]'s `Drop`; loom
//!   reports a causality violation otherwise).

use super::list::OwnedTasks;
use super::raw::RawTask;
use super::test_probe::{probe, ready_after, Counters, Output, Probe};
use super::{bind, bind_local, waker, JoinError, JoinHandle, Notified, Schedule, Task};
use crate::loom::{Arc, AtomicBool, AtomicUsize, Mutex, Ordering, Ordering::SeqCst, UnsafeCell};
use crate::util::loom_model::model;
use loom::thread;
use std::collections::VecDeque;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

// ---------------------------------------------------------------------------
// Harness: test scheduler, probe future, counting waker, the steps the
// models share.
// ---------------------------------------------------------------------------

/// What a test scheduler shares with the test and with its tasks.
struct Shared {
    queue: Mutex<VecDeque<Notified<Sched>>>,
    owned: OwnedTasks<Sched>,
    /// Calls of `Schedule::schedule` in progress.
    in_schedule: AtomicUsize,
    /// `Schedule::schedule` calls so far (initial entries are pushed by the
    /// test, not counted).
    scheduled: AtomicUsize,
    /// Drops of a `Sched`, i.e. cells freed.
    freed: AtomicUsize,
    /// Set if a cell was freed while `schedule` ran on its `S`.
    freed_during_schedule: AtomicBool,
    /// One slot per thread (0 = the main thread), written by [`Shared::touch`]
    /// just before the thread gives up a reference, read when the cell is
    /// freed.
    touched: [Touch; 2],
}

/// A loom-tracked cell: unsynchronised accesses to it are reported.
struct Touch(UnsafeCell<usize>);

// SAFETY: it is only accessed through loom's checked `with`/`with_mut`,
// which fail the model on any access that is not ordered by happens-before.
unsafe impl Sync for Touch {}

/// The scheduler handle `S`. Only task cells hold one (the test keeps an
/// `Arc<Shared>`), so dropping a `Sched` means a cell was freed.
struct Sched(Arc<Shared>);

impl Shared {
    fn new() -> Arc<Shared> {
        Arc::new(Shared {
            queue: Mutex::new(VecDeque::new()),
            owned: OwnedTasks::new(),
            in_schedule: AtomicUsize::new(0),
            scheduled: AtomicUsize::new(0),
            freed: AtomicUsize::new(0),
            freed_during_schedule: AtomicBool::new(false),
            touched: [Touch(UnsafeCell::new(0)), Touch(UnsafeCell::new(0))],
        })
    }

    /// Records a (non-atomic) write by thread `thread`, to be read when the
    /// cell is freed: the reference that thread drops next must carry it to
    /// the freeing thread (the Release/Acquire pair of `State::ref_dec_many`
    /// and of the other reference-dropping transitions).
    fn touch(&self, thread: usize) {
        // SAFETY: loom checks that the write is ordered with every read.
        self.touched[thread].0.with_mut(|p| unsafe { *p += 1 });
    }

    fn pop(&self) -> Option<Notified<Sched>> {
        // The guard is dropped before the entry runs: a run may schedule.
        let next = self.queue.lock().unwrap().pop_front();
        next
    }

    /// Runs queued entries until the queue is empty.
    fn run_all(&self) {
        while let Some(task) = self.pop() {
            task.run();
        }
    }

    /// The end-of-model checks every model shares: nothing queued, no task
    /// left in the owner list, the one cell freed exactly once.
    fn assert_done(&self) {
        assert!(
            self.queue.lock().unwrap().is_empty(),
            "entries left in the run queue"
        );
        assert_eq!(
            self.owned.len(),
            0,
            "a task was never released from the owner list"
        );
        assert!(
            !self.freed_during_schedule.load(SeqCst),
            "the cell was freed while `Schedule::schedule` ran on it"
        );
        assert_eq!(
            self.freed.load(SeqCst),
            1,
            "the task cell must be freed exactly once"
        );
    }
}

/// Spawns `future` onto `shared` and queues its first entry; returns the
/// join handle and the task's address (for making extra wakers).
fn spawn<F>(shared: &Arc<Shared>, future: F) -> (JoinHandle<F::Output>, RawTask)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (join, notified) = bind(&shared.owned, future, Sched(shared.clone()), None);
    let notified = notified.expect("the owner list is open");
    let raw = notified.0.raw();
    shared.queue.lock().unwrap().push_back(notified);
    (join, raw)
}

impl Schedule for Sched {
    fn schedule(&self, task: Notified<Self>) {
        // Work on our own handle: `self` lives in the task cell.
        let shared = self.0.clone();
        shared.in_schedule.fetch_add(1, SeqCst);
        {
            let mut queue = shared.queue.lock().unwrap();
            // Rule 2: one task, so at most one entry at any time.
            assert!(
                queue.is_empty(),
                "a second run-queue entry for the same task"
            );
            queue.push_back(task);
        }
        shared.scheduled.fetch_add(1, SeqCst);
        // A real scheduler still uses `self` after publishing the entry (the
        // current-thread scheduler unparks its driver, `LocalSet` wakes its
        // driving task). From here until we return, the cell must stay alive.
        shared.in_schedule.fetch_sub(1, SeqCst);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.0.owned.remove(task)
    }
}

impl Drop for Sched {
    fn drop(&mut self) {
        let shared = &self.0;
        for touch in &shared.touched {
            // SAFETY: loom checks that this read is ordered after every
            // `touch`; that is the property under test.
            touch.0.with(|p| unsafe { p.read() });
        }
        shared.freed.fetch_add(1, SeqCst);
        if shared.in_schedule.load(SeqCst) != 0 {
            shared.freed_during_schedule.store(true, SeqCst);
            panic!(
                "use-after-free: the task cell (which holds the scheduler handle `S`) was \
                 freed while `Schedule::schedule`/`yield_now` was still running on that `&S`; \
                 the caller of `schedule` must hold its own reference to the task"
            );
        }
    }
}

impl Counters {
    /// Outputs made so far (only the models check it).
    fn outputs_made(&self) -> usize {
        self.outputs_made.load(SeqCst)
    }
}

/// A new task waker for `raw`, with its own reference (as a clone of the
/// waker the task's `poll` receives).
fn task_waker(raw: RawTask) -> Waker {
    let borrowed: ManuallyDrop<Waker> = waker::borrowed(raw.header_ptr());
    (*borrowed).clone()
}

/// Counts wakes and live clones of a waker, to check that a join waker is
/// woken when it must be and dropped exactly once.
struct WakeCounter {
    wakes: AtomicUsize,
    /// Clones alive, the original included.
    live: AtomicUsize,
}

static COUNTING_VTABLE: RawWakerVTable = RawWakerVTable::new(
    counting_clone,
    counting_wake,
    counting_wake_by_ref,
    counting_drop,
);

fn counting_waker(counter: &std::sync::Arc<WakeCounter>) -> Waker {
    counter.live.fetch_add(1, SeqCst);
    let ptr = std::sync::Arc::into_raw(counter.clone()) as *const ();
    // SAFETY: the vtable functions treat `ptr` as an `Arc<WakeCounter>`
    // reference made by `into_raw`, which this waker owns.
    unsafe { Waker::from_raw(RawWaker::new(ptr, &COUNTING_VTABLE)) }
}

fn new_wake_counter() -> std::sync::Arc<WakeCounter> {
    std::sync::Arc::new(WakeCounter {
        wakes: AtomicUsize::new(0),
        live: AtomicUsize::new(0),
    })
}

unsafe fn counting_clone(ptr: *const ()) -> RawWaker {
    // SAFETY: `ptr` came from `Arc::into_raw` and its waker is alive.
    let counter = unsafe { &*(ptr as *const WakeCounter) };
    counter.live.fetch_add(1, SeqCst);
    // SAFETY: as above; the new waker owns the new count.
    unsafe { std::sync::Arc::increment_strong_count(ptr as *const WakeCounter) };
    RawWaker::new(ptr, &COUNTING_VTABLE)
}

unsafe fn counting_wake(ptr: *const ()) {
    // SAFETY: forwarded: a live waker of ours.
    unsafe {
        counting_wake_by_ref(ptr);
        counting_drop(ptr);
    }
}

unsafe fn counting_wake_by_ref(ptr: *const ()) {
    // SAFETY: `ptr` came from `Arc::into_raw` and its waker is alive.
    let counter = unsafe { &*(ptr as *const WakeCounter) };
    counter.wakes.fetch_add(1, SeqCst);
}

unsafe fn counting_drop(ptr: *const ()) {
    // SAFETY: `ptr` came from `Arc::into_raw` and its waker is alive.
    let counter = unsafe { &*(ptr as *const WakeCounter) };
    let prev = counter.live.fetch_sub(1, SeqCst);
    assert!(prev > 0, "a waker was dropped twice");
    // SAFETY: this waker's count, given up once.
    unsafe { std::sync::Arc::decrement_strong_count(ptr as *const WakeCounter) };
}

/// Polls a join handle once with `waker`.
fn poll_join<T>(join: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, JoinError>> {
    let mut cx = Context::from_waker(waker);
    Pin::new(join).poll(&mut cx)
}

/// Polls a join handle that must be finished.
fn join_now<T>(join: &mut JoinHandle<T>) -> Result<T, JoinError> {
    match poll_join(join, Waker::noop()) {
        Poll::Ready(result) => result,
        Poll::Pending => panic!("the task should be complete"),
    }
}

/// Runs `body` as a loom model. Each execution gets a new scheduler and the
/// counters of the one task `body` spawns on it, and ends with the checks
/// every model shares: the future was dropped exactly once, as many outputs
/// were made as `body` returns and each was dropped exactly once, and the
/// scheduler's own checks ([`Shared::assert_done`]) hold.
fn task_model<F>(body: F)
where
    F: Fn(&Arc<Shared>, &Arc<Counters>) -> usize + Sync + Send + 'static,
{
    model(move || {
        let shared = Shared::new();
        let counters = Counters::new();
        let outputs = body(&shared, &counters);
        assert_eq!(counters.future_drops(), 1, "the future is dropped once");
        assert_eq!(counters.outputs_made(), outputs, "outputs made");
        assert_eq!(counters.output_drops(), outputs, "each output dropped once");
        shared.assert_done();
    });
}

/// Starts `other` on a second loom thread, runs `main` on this one, and
/// waits for `other`.
fn race<R: 'static>(other: impl FnOnce() -> R + 'static, main: impl FnOnce()) -> R {
    let th = thread::spawn(other);
    main();
    th.join().unwrap()
}

/// Runs the queue while `other` runs on a second loom thread, then runs
/// what `other` left in the queue.
fn run_racing<R: 'static>(shared: &Shared, other: impl FnOnce() -> R + 'static) -> R {
    let result = race(other, || shared.run_all());
    shared.run_all();
    result
}

/// As [`run_racing`], with a [`Shared::touch`] by this thread once `other`
/// has started: `other` must touch slot 1 itself before it gives up its last
/// reference, so whoever frees the cell must have received both writes.
fn run_racing_touched(shared: &Shared, other: impl FnOnce() + 'static) {
    race(other, || {
        shared.touch(0);
        shared.run_all();
    });
    shared.run_all();
}

/// Where a [`parks_once`] probe leaves its waker.
struct WakerSlot(Arc<Mutex<Option<Waker>>>);

impl WakerSlot {
    /// The waker the first poll stored.
    fn take(&self) -> Waker {
        let waker = self.0.lock().unwrap().take();
        waker.expect("the first poll stored its waker")
    }
}

/// A probe that stores a clone of its waker and returns `Pending` on its
/// first poll, and is ready on its second.
fn parks_once(
    counters: &Arc<Counters>,
) -> (
    Probe<impl FnMut(&mut Context<'_>, usize) -> bool + Send + Unpin + 'static>,
    WakerSlot,
) {
    let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
    let slot2 = slot.clone();
    let future = probe(counters, move |cx, n| {
        if n == 0 {
            *slot2.lock().unwrap() = Some(cx.waker().clone());
            false
        } else {
            true
        }
    });
    (future, WakerSlot(slot))
}

/// Reads the output of a completed task through its handle, then drops the
/// output and the handle, in that order.
fn expect_completed(mut join: JoinHandle<Output>) {
    drop(join_now(&mut join).expect("completed normally"));
    drop(join);
}

/// Reads a cancellation through the handle of a finished task, then drops
/// the handle.
fn expect_cancelled(mut join: JoinHandle<Output>) {
    let err = join_now(&mut join).expect_err("the task never completes by itself");
    assert!(err.is_cancelled());
    drop(join);
}

// ---------------------------------------------------------------------------
// Models.
// ---------------------------------------------------------------------------

/// Concurrent wake + complete, detached task. The task stores its waker and
/// returns `Pending`; another thread wakes it *by value* while the main
/// thread runs the queue. The wake hands the waker's reference to the new
/// run-queue entry, and nobody else but the owner list holds one, so the
/// main thread may complete and free the cell while the waking thread is
/// still inside `Schedule::schedule` on the cell's own `&S`.
#[test]
fn wake_by_val_races_completion_detached() {
    task_model(|shared, counters| {
        let (future, slot) = parks_once(counters);
        let (join, _) = spawn(shared, future);
        drop(join);
        shared.run_all();
        let waker = slot.take();

        let other = shared.clone();
        run_racing_touched(shared, move || {
            other.touch(1);
            waker.wake();
        });

        assert_eq!(counters.polls(), 2);
        1
    });
}

/// As above with the join handle kept: the output reaches the handle.
#[test]
fn wake_by_val_races_completion_joined() {
    task_model(|shared, counters| {
        let (future, slot) = parks_once(counters);
        let (mut join, _) = spawn(shared, future);
        shared.run_all();
        let waker = slot.take();

        run_racing(shared, move || waker.wake());

        let output = join_now(&mut join).expect("completed normally");
        assert_eq!(counters.output_drops(), 0, "the handle owns the output");
        drop(output);
        drop(join);
        assert_eq!(counters.polls(), 2);
        1
    });
}

/// A by-value wake from another thread at any point (before the first poll,
/// during it, after it) is never lost, and what the waker wrote before
/// waking is visible to the poll it causes (the flag is `Relaxed`: only the
/// state word orders it). The join handle keeps the cell alive.
#[test]
fn wake_by_val_at_any_time_is_not_lost() {
    task_model(|shared, counters| {
        let flag = Arc::new(AtomicBool::new(false));
        let flag2 = flag.clone();
        let future = probe(counters, move |_cx, _n| flag2.load(Ordering::Relaxed));
        let (join, raw) = spawn(shared, future);
        let waker = task_waker(raw);

        run_racing(shared, move || {
            flag.store(true, Ordering::Relaxed);
            waker.wake();
        });

        assert_eq!(counters.outputs_made(), 1, "lost wakeup: never completed");
        assert!(counters.polls() <= 2);
        expect_completed(join);
        1
    });
}

/// `wake_by_ref` storm: two threads wake the task by reference (each after
/// bumping a mutex-protected counter) while the main thread runs it. The
/// task finishes once it has seen both bumps. At most one run-queue entry
/// ever exists (asserted in `Sched::schedule`), no wake is lost, and each
/// wake causes at most one extra poll.
#[test]
fn wake_by_ref_storm_schedules_one_poll() {
    task_model(|shared, counters| {
        let bumps = Arc::new(Mutex::new(0usize));
        let bumps2 = bumps.clone();
        let future = probe(counters, move |_cx, _n| *bumps2.lock().unwrap() == 2);
        let (join, raw) = spawn(shared, future);

        let threads: Vec<_> = (0..2)
            .map(|_| {
                let waker = task_waker(raw);
                let bumps = bumps.clone();
                thread::spawn(move || {
                    *bumps.lock().unwrap() += 1;
                    waker.wake_by_ref();
                    drop(waker);
                })
            })
            .collect();
        shared.run_all();
        for th in threads {
            th.join().unwrap();
        }
        shared.run_all();

        assert_eq!(counters.outputs_made(), 1, "lost wakeup: never completed");
        let polls = counters.polls();
        assert!((1..=3).contains(&polls), "{polls} polls for two wakes");
        // Every entry scheduled by a wake was run exactly once.
        assert_eq!(
            shared.scheduled.load(SeqCst) + 1,
            polls,
            "one poll per queued entry"
        );
        expect_completed(join);
        1
    });
}

/// A task that wakes itself and returns `Pending` (as `yield_now` does) is
/// re-queued by its runner through `Schedule::yield_now`; a second worker
/// may pop that entry and run the task to completion at once. With the join
/// handle detached, the second worker then frees the cell while the first
/// is still inside `yield_now` on the cell's `&S`.
#[test]
fn self_wake_requeue_races_second_worker() {
    task_model(|shared, counters| {
        let (join, _) = spawn(shared, ready_after(counters, 1, true));
        drop(join);
        let first = shared.pop().expect("the spawn entry");

        let worker = shared.clone();
        race(
            move || {
                if let Some(task) = worker.pop() {
                    worker.touch(1);
                    task.run();
                }
            },
            || {
                shared.touch(0);
                first.run();
            },
        );
        shared.run_all();

        assert_eq!(counters.polls(), 2);
        1
    });
}

/// Abort (from a second thread) races the poll of a task that is ready on
/// its first poll. Either order is fine; the result is the output or a
/// cancellation, the future is dropped once, and an aborted-before-polled
/// task is never polled.
#[test]
fn abort_races_poll_ready() {
    task_model(|shared, counters| {
        let (mut join, _) = spawn(shared, probe(counters, |_cx, _n| true));
        let abort = join.abort_handle();

        run_racing(shared, move || abort.abort());

        let outputs = match join_now(&mut join) {
            Ok(output) => {
                drop(output);
                1
            }
            Err(err) => {
                assert!(err.is_cancelled());
                assert_eq!(counters.polls(), 0, "polled after an abort took the stage");
                0
            }
        };
        drop(join);
        outputs
    });
}

/// Abort races the poll of a task that never completes on its own: the
/// result is always a cancellation, and the future is dropped exactly once
/// (inline by the aborting thread if the task was idle, or by the runner
/// after its poll).
#[test]
fn abort_races_poll_pending() {
    task_model(|shared, counters| {
        let (join, _) = spawn(shared, probe(counters, |_cx, _n| false));
        let abort = join.abort_handle();

        run_racing(shared, move || {
            abort.abort();
            // A second abort is a no-op.
            abort.abort();
        });

        expect_cancelled(join);
        assert!(counters.polls() <= 1);
        0
    });
}

/// The join handle registers a waker and is then dropped on one thread
/// while the task completes on another: the output is dropped exactly once
/// (by the handle, the completing thread, or the reader of a `Ready`), and
/// the join waker is dropped exactly once (rule J).
#[test]
fn join_handle_drop_races_completion() {
    task_model(|shared, counters| {
        let (mut join, _) = spawn(shared, probe(counters, |_cx, _n| true));
        let wakes = new_wake_counter();

        let (other, wakes2) = (shared.clone(), wakes.clone());
        run_racing_touched(shared, move || {
            let waker = counting_waker(&wakes2);
            if let Poll::Ready(result) = poll_join(&mut join, &waker) {
                drop(result.expect("completed normally"));
            }
            other.touch(1);
            drop(join);
            drop(waker);
        });

        assert_eq!(wakes.live.load(SeqCst), 0, "the join waker is dropped once");
        1
    });
}

/// The join handle is polled (registering a waker, then replacing it with a
/// different one) while the task completes on another thread: after the
/// last poll returned `Pending`, the last registered waker is woken; never
/// neither (no lost join wakeup). Every waker clone is dropped once.
#[test]
fn join_poll_races_completion_no_lost_wakeup() {
    task_model(|shared, counters| {
        let (join, _) = spawn(shared, probe(counters, |_cx, _n| true));
        let first = new_wake_counter();
        let second = new_wake_counter();

        let theirs = (first.clone(), second.clone());
        let pending = race(
            move || {
                let (first, second) = theirs;
                let mut join = join;
                for counter in [&first, &second] {
                    let waker = counting_waker(counter);
                    if let Poll::Ready(result) = poll_join(&mut join, &waker) {
                        drop(result.expect("completed normally"));
                        return None;
                    }
                }
                Some(join)
            },
            || shared.run_all(),
        );

        if let Some(mut join) = pending {
            assert!(
                second.wakes.load(SeqCst) >= 1,
                "lost wakeup: the join handle returned Pending and its waker was never woken"
            );
            drop(join_now(&mut join).expect("completed normally"));
        }
        assert_eq!(
            first.live.load(SeqCst),
            0,
            "a replaced join waker leaked or was dropped twice"
        );
        assert_eq!(
            second.live.load(SeqCst),
            0,
            "the join waker leaked or was dropped twice"
        );
        1
    });
}

/// The last references race: a waker clone and the join handle are dropped
/// on another thread while the task completes on the main thread. The cell
/// is freed exactly once, by whoever drops the last reference.
#[test]
fn waker_drop_races_completion() {
    task_model(|shared, counters| {
        let (join, raw) = spawn(shared, probe(counters, |_cx, _n| true));
        let waker = task_waker(raw);

        let other = shared.clone();
        run_racing_touched(shared, move || {
            drop(join);
            // The waker's reference is the last this thread drops, by a
            // plain `ref_dec`: it alone must publish the write.
            other.touch(1);
            drop(waker);
        });

        1
    });
}

/// A by-value wake of a completed task races the drop of the join handle:
/// one of them drops the last reference (`TransitionToNotified::Dealloc` or
/// the handle's `drop_reference`), exactly once.
#[test]
fn wake_by_val_after_completion_races_handle_drop() {
    task_model(|shared, counters| {
        let (join, raw) = spawn(shared, probe(counters, |_cx, _n| true));
        let waker = task_waker(raw);
        shared.run_all();
        assert_eq!(counters.outputs_made(), 1);

        let other = shared.clone();
        race(
            move || {
                other.touch(1);
                waker.wake();
            },
            || {
                shared.touch(0);
                drop(join);
            },
        );

        1
    });
}

/// Shutdown (`OwnedTasks::close_and_shutdown_all`, on another thread) races
/// the poll of a task that never completes by itself: the future is
/// dropped exactly once and the handle reports a cancellation.
#[test]
fn shutdown_races_poll() {
    task_model(|shared, counters| {
        let (join, _) = spawn(shared, probe(counters, |_cx, _n| false));

        let other = shared.clone();
        run_racing(shared, move || other.owned.close_and_shutdown_all());

        expect_cancelled(join);
        0
    });
}

/// Abort of a task that must stay on its thread (`bind_local`, so
/// `remote_cancel == false`) from another thread, racing its poll: the
/// aborting thread never drops the future itself (rule 5): it marks a
/// queued task, schedules an idle one, or leaves a running one to its
/// runner. The future is dropped exactly once, on the main thread.
#[test]
fn abort_local_task_from_another_thread() {
    task_model(|shared, counters| {
        let main = thread::current().id();
        let dropped_on_main = Arc::new(AtomicBool::new(false));
        let flag = dropped_on_main.clone();
        struct OnDrop(Arc<AtomicBool>, thread::ThreadId);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                self.0.store(thread::current().id() == self.1, SeqCst);
            }
        }
        let guard = OnDrop(flag, main);
        let future = probe(counters, move |_cx, _n| {
            let _keep = &guard;
            false
        });
        // SAFETY: every entry of this task is run by this (main) thread.
        let (join, notified) =
            unsafe { bind_local(&shared.owned, future, Sched(shared.clone()), None) };
        shared
            .queue
            .lock()
            .unwrap()
            .push_back(notified.expect("open"));
        let abort = join.abort_handle();

        run_racing(shared, move || abort.abort());

        expect_cancelled(join);
        assert!(
            dropped_on_main.load(SeqCst),
            "a local task's future was dropped off its thread"
        );
        0
    });
}

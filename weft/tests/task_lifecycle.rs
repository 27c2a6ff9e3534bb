//! Task lifecycle: polls, drops, outputs, wakers (including wakers that
//! outlive their task or runtime), task ids, and a million tasks in bounded
//! memory.
//!
//! A counting global allocator makes leaks observable: futures of the
//! distinctive sizes below (`Probe<N>`) give their task cell a size no other
//! allocation in this binary has, so the number of such cells alive can be
//! read at any time.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, Waker};
use std::thread;

use support::*;
use weft::runtime::{Builder, Runtime};
use weft::task;

// ---------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------

struct Counting;

/// Alignments whose live allocations are counted. Nothing in this binary
/// asks for such alignments except the task cells of the test futures
/// below, which carry an over-aligned field for exactly that purpose.
/// All stay at or under the runtime's box threshold (2 KiB in debug), so
/// the future lives inline in its cell rather than in a separate box.
/// Each test that counts cells uses its own alignment, since tests run in
/// parallel.
const TRACKED_ALIGNS: [usize; 5] = [64, 256, 512, 1024, 2048];
static LIVE: [AtomicIsize; 5] = [const { AtomicIsize::new(0) }; 5];
static PEAK: [AtomicIsize; 5] = [const { AtomicIsize::new(0) }; 5];

fn slot(align: usize) -> Option<usize> {
    TRACKED_ALIGNS.iter().position(|&a| a == align)
}

fn record(layout: Layout, delta: isize) {
    if let Some(i) = slot(layout.align()) {
        let now = LIVE[i].fetch_add(delta, SeqCst) + delta;
        PEAK[i].fetch_max(now, SeqCst);
    }
}

/// Live allocations of alignment `align`.
fn live(align: usize) -> isize {
    LIVE[slot(align).unwrap()].load(SeqCst)
}

// SAFETY: every method forwards to `System` with the caller's arguments, so
// `System`'s guarantees hold; the bookkeeping touches only atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            record(layout, 1);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            record(layout, 1);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(layout, -1);
        // SAFETY: forwarded from the caller.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Default, Clone, Copy)]
#[repr(align(1024))]
struct Align1K;
#[derive(Default, Clone, Copy)]
#[repr(align(2048))]
struct Align2K;
#[derive(Default, Clone, Copy)]
#[repr(align(256))]
struct Align256;
#[derive(Default, Clone, Copy)]
#[repr(align(64))]
struct Align64;

/// A future that waits for its gate, counting polls and drops, then returns
/// its output (7 by default). Its `A` field over-aligns it, so its task
/// cell is the only live allocation of that alignment and
/// [`Probe::live_cells`] counts exactly those cells.
struct Probe<A, T = u8> {
    _align: A,
    wait: GateWait,
    counters: Arc<Counters>,
    output: Option<T>,
}

impl<A: Default> Probe<A> {
    fn new(gate: &Arc<Gate>, counters: &Arc<Counters>) -> Probe<A> {
        Probe::with_output(gate, counters, 7)
    }
}

impl<A: Default, T> Probe<A, T> {
    fn with_output(gate: &Arc<Gate>, counters: &Arc<Counters>, output: T) -> Probe<A, T> {
        Probe {
            _align: A::default(),
            wait: gate.wait(),
            counters: counters.clone(),
            output: Some(output),
        }
    }

    /// Live task cells holding a `Probe<A, _>`.
    fn live_cells() -> isize {
        live(std::mem::align_of::<A>())
    }
}

impl<A: Unpin, T: Unpin> Future for Probe<A, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        self.counters.record_poll();
        match Pin::new(&mut self.wait).poll(cx) {
            Poll::Ready(()) => Poll::Ready(self.output.take().expect("polled after Ready")),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<A, T> Drop for Probe<A, T> {
    fn drop(&mut self) {
        self.counters.record_drop();
    }
}

fn rt() -> Runtime {
    current_thread_rt()
}

// ---------------------------------------------------------------------------
// Polls, drops, outputs
// ---------------------------------------------------------------------------

#[test]
fn polled_expected_times_dropped_once_output_read_once() {
    let _watchdog = Watchdog::new("polled_expected_times_dropped_once_output_read_once");
    let rt = rt();
    let counters = Counters::new();
    let output_drops = DropCount::new();
    let handle = rt.spawn(yielding(&counters, 3, output_drops.track(42u32)));

    let output = rt.block_on(handle).unwrap();
    assert_eq!(output.value, 42);
    assert_eq!(counters.polls(), 4, "3 x Pending, then Ready");
    assert_eq!(
        counters.drops(),
        1,
        "the future is dropped as soon as it is Ready"
    );
    assert_eq!(
        output_drops.get(),
        0,
        "the output belongs to the joiner now"
    );

    drop(output);
    assert_eq!(output_drops.get(), 1);
    drop(rt);
    assert_eq!(counters.drops(), 1);
    assert_eq!(counters.polls(), 4);
    assert_eq!(output_drops.get(), 1);
}

#[test]
fn unread_output_dropped_once_with_the_handle() {
    let _watchdog = Watchdog::new("unread_output_dropped_once_with_the_handle");
    let rt = rt();
    let counters = Counters::new();
    let output_drops = DropCount::new();
    let handle = rt.spawn(yielding(&counters, 2, output_drops.track(())));

    rt.block_on(yield_until(|| handle.is_finished()));
    assert_eq!(counters.drops(), 1);
    assert_eq!(
        output_drops.get(),
        0,
        "finished, but the handle may still read it"
    );

    drop(handle);
    assert_eq!(
        output_drops.get(),
        1,
        "dropping the handle drops the unread output"
    );
    drop(rt);
    assert_eq!(output_drops.get(), 1);
    assert_eq!(counters.drops(), 1);
}

#[test]
fn output_of_a_finished_task_dropped_at_runtime_drop_if_handle_kept() {
    let _watchdog =
        Watchdog::new("output_of_a_finished_task_dropped_at_runtime_drop_if_handle_kept");
    let rt = rt();
    let output_drops = DropCount::new();
    let out = output_drops.track(5u8);
    let mut handle = rt.spawn(async move { out });
    rt.block_on(yield_until(|| handle.is_finished()));
    drop(rt);
    assert_eq!(
        output_drops.get(),
        0,
        "the runtime does not own a finished task's output"
    );
    let output = match poll_once(&mut handle) {
        Poll::Ready(output) => output.unwrap(),
        Poll::Pending => panic!("a finished task's handle is ready"),
    };
    assert_eq!(output.value, 5);
    drop(output);
    drop(handle);
    assert_eq!(output_drops.get(), 1);
}

#[test]
fn join_handle_dropped_before_completion_task_still_completes() {
    let _watchdog = Watchdog::new("join_handle_dropped_before_completion_task_still_completes");
    let rt = rt();
    let counters = Counters::new();
    let output_drops = DropCount::new();
    let gate = Gate::new();
    let handle = rt.spawn(gated(&counters, &gate, output_drops.track(())));
    rt.block_on(yield_until(|| counters.polls() == 1));
    drop(handle);
    assert_eq!(
        counters.drops(),
        0,
        "dropping the handle detaches, it does not cancel"
    );

    gate.open();
    rt.block_on(yield_until(|| counters.drops() == 1));
    assert_eq!(counters.polls(), 2);
    assert_eq!(
        output_drops.get(),
        1,
        "a detached task's output is dropped when it completes"
    );
    assert_eq!(rt.handle().metrics().num_alive_tasks(), 0);
    drop(rt);
    assert_eq!(counters.drops(), 1);
    assert_eq!(output_drops.get(), 1);
}

#[test]
fn join_handle_dropped_before_first_poll_task_still_runs() {
    let _watchdog = Watchdog::new("join_handle_dropped_before_first_poll_task_still_runs");
    let rt = rt();
    let counters = Counters::new();
    let output_drops = DropCount::new();
    drop(rt.spawn(yielding(&counters, 1, output_drops.track(()))));
    rt.block_on(yield_until(|| counters.drops() == 1));
    assert_eq!(counters.polls(), 2);
    assert_eq!(output_drops.get(), 1);
}

#[test]
fn n_self_wakes_mean_n_plus_one_polls() {
    let _watchdog = Watchdog::new("n_self_wakes_mean_n_plus_one_polls");
    let rt = rt();
    for n in [0, 1, 2, 10, 1000] {
        let counters = Counters::new();
        rt.block_on(rt.spawn(yielding(&counters, n, ()))).unwrap();
        assert_eq!(counters.polls(), n + 1, "{n} self-wakes");
        assert_eq!(counters.drops(), 1);
    }
}

#[test]
fn repeated_wakes_before_the_task_runs_coalesce_into_one_poll() {
    let _watchdog = Watchdog::new("repeated_wakes_before_the_task_runs_coalesce_into_one_poll");
    let rt = rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = rt.spawn(gated(&counters, &gate, ()));
    rt.block_on(yield_until(|| counters.polls() == 1));
    let waker = gate.waker().unwrap();
    // Not running and not queued: the first wake queues it, the rest are no-ops.
    for _ in 0..100 {
        waker.wake_by_ref();
    }
    let by_value = waker.clone();
    by_value.wake();
    rt.block_on(async {
        // Let the queued poll happen (the task stays pending: gate closed).
        for _ in 0..10 {
            task::yield_now().await;
        }
    });
    assert_eq!(
        counters.polls(),
        2,
        "a burst of wakes on an idle task yields one poll"
    );
    gate.open();
    rt.block_on(handle).unwrap();
    assert_eq!(counters.polls(), 3);
}

// ---------------------------------------------------------------------------
// Wakers across threads, after completion, after the runtime
// ---------------------------------------------------------------------------

#[test]
fn waker_storm_from_many_threads_then_exactly_one_completion() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 10_000;
    type P = Probe<Align1K>;

    let rt = rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = rt.spawn(P::new(&gate, &counters));
    assert_eq!(P::live_cells(), 1);

    let start = Arc::new(Barrier::new(THREADS + 1));
    let stormers: Vec<_> = (0..THREADS)
        .map(|_| {
            let gate = gate.clone();
            let start = start.clone();
            thread::spawn(move || {
                let waker = gate.wait_waker();
                start.wait();
                for _ in 0..ROUNDS {
                    let clone = waker.clone();
                    clone.wake_by_ref();
                    drop(clone);
                }
                // One by-value wake each, for the other reference path.
                waker.wake();
            })
        })
        .collect();
    let opener = {
        let gate = gate.clone();
        thread::spawn(move || {
            start.wait();
            for stormer in stormers {
                stormer.join().unwrap();
            }
            gate.open();
        })
    };

    // The runtime runs (and re-polls the task) throughout the storm.
    let output = rt.block_on(handle).unwrap();
    opener.join().unwrap();
    assert_eq!(output, 7);
    assert_eq!(counters.drops(), 1, "the future is dropped exactly once");
    assert!(counters.polls() >= 2, "the first poll and the final one");
    assert!(
        counters.polls() <= 2 + THREADS * (ROUNDS + 1),
        "at most one poll per wake"
    );

    rt.block_on(yield_until(|| rt.handle().metrics().num_alive_tasks() == 0));
    assert_eq!(
        P::live_cells(),
        0,
        "every waker reference was given back: the cell is freed"
    );
    drop(rt);
    assert_eq!(counters.drops(), 1);
}

#[test]
fn wake_after_completion_is_harmless() {
    let _watchdog = Watchdog::new("wake_after_completion_is_harmless");
    type P = Probe<Align2K>;
    let rt = rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = rt.spawn(P::new(&gate, &counters));
    rt.block_on(yield_until(|| counters.polls() == 1));
    let waker = gate.waker().unwrap();
    gate.open();
    assert_eq!(rt.block_on(handle).unwrap(), 7);
    assert_eq!(
        P::live_cells(),
        1,
        "our waker keeps the (finished) cell alive"
    );

    for _ in 0..10 {
        waker.wake_by_ref();
    }
    let from_thread = waker.clone();
    thread::spawn(move || from_thread.wake()).join().unwrap();
    rt.block_on(async {
        for _ in 0..10 {
            task::yield_now().await;
        }
    });
    assert_eq!(counters.polls(), 2, "a finished task is never polled again");
    assert_eq!(counters.drops(), 1);

    waker.wake();
    assert_eq!(P::live_cells(), 0, "the last waker frees the cell");
}

#[test]
fn wakers_outliving_the_runtime_are_harmless() {
    let _watchdog = Watchdog::new("wakers_outliving_the_runtime_are_harmless");
    type P = Probe<Align256>;
    let rt = rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let mut handle = rt.spawn(P::new(&gate, &counters));
    rt.block_on(yield_until(|| counters.polls() == 1));
    let wakers: Vec<Waker> = (0..4).map(|_| gate.waker().unwrap()).collect();

    drop(rt);
    assert_eq!(counters.drops(), 1, "shutdown dropped the pending future");
    match poll_once(&mut handle) {
        Poll::Ready(Err(err)) => assert!(err.is_cancelled(), "{err}"),
        other => panic!("expected a cancelled task, got {other:?}"),
    }
    drop(handle);
    assert_eq!(P::live_cells(), 1, "the wakers keep the cell alive");

    let mut wakers = wakers.into_iter();
    wakers.next().unwrap().wake_by_ref();
    wakers.next().unwrap().wake();
    let remote: Vec<Waker> = wakers.collect();
    thread::spawn(move || {
        for waker in remote {
            waker.wake_by_ref();
            let by_value = waker.clone();
            by_value.wake();
            drop(waker);
        }
    })
    .join()
    .unwrap();
    gate.open();
    drop(gate);

    assert_eq!(
        counters.polls(),
        1,
        "nothing polls a task of a dropped runtime"
    );
    assert_eq!(counters.drops(), 1);
    assert_eq!(P::live_cells(), 0, "the last waker freed the cell");
}

#[test]
fn join_waker_is_replaced_when_the_handle_moves_to_another_task() {
    let _watchdog = Watchdog::new("join_waker_is_replaced_when_the_handle_moves_to_another_task");
    let rt = rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let mut handle = rt.spawn(gated(&counters, &gate, 3u8));
    // Registers a (no-op) join waker.
    assert!(poll_once(&mut handle).is_pending());
    rt.block_on(yield_until(|| counters.polls() == 1));
    assert!(poll_once(&mut handle).is_pending());
    // Now a task joins it: its waker must replace the no-op one.
    let joiner = rt.spawn(async move { handle.await.unwrap() + 1 });
    let opener = {
        let gate = gate.clone();
        thread::spawn(move || {
            thread::sleep(std::time::Duration::from_millis(10));
            gate.open();
        })
    };
    assert_eq!(rt.block_on(joiner).unwrap(), 4);
    opener.join().unwrap();
}

#[test]
#[should_panic(expected = "`JoinHandle` polled after completion")]
fn join_handle_polled_after_completion_panics() {
    let rt = rt();
    let mut handle = rt.spawn(async { 1 });
    rt.block_on(yield_until(|| handle.is_finished()));
    assert_eq!(poll_once(&mut handle).map(Result::unwrap), Poll::Ready(1));
    let _ = poll_once(&mut handle);
}

#[test]
fn join_handles_dropped_on_another_thread_while_tasks_complete() {
    let _watchdog = Watchdog::new("join_handles_dropped_on_another_thread_while_tasks_complete");
    type P = Probe<Align64, Tracked<()>>;
    const N: usize = 2_000;
    let rt = rt();
    let counters = Counters::new();
    let output_drops = DropCount::new();
    let gate = Gate::new();
    let handles: Vec<_> = (0..N)
        .map(|_| rt.spawn(P::with_output(&gate, &counters, output_drops.track(()))))
        .collect();
    rt.block_on(yield_until(|| counters.polls() == N));
    assert_eq!(P::live_cells(), N as isize);

    let start = Arc::new(Barrier::new(2));
    let dropper = {
        let start = start.clone();
        thread::spawn(move || {
            start.wait();
            for handle in handles {
                drop(handle);
            }
        })
    };
    gate.open(); // wakes all N; they complete while the handles drop
    start.wait();
    rt.block_on(yield_until(|| counters.drops() == N));
    dropper.join().unwrap();
    assert_eq!(output_drops.get(), N, "each output dropped exactly once");
    assert_eq!(P::live_cells(), 0, "every cell freed");
    assert_eq!(counters.polls(), 2 * N);
}

#[test]
fn join_handles_awaited_from_another_thread() {
    let _watchdog = Watchdog::new("join_handles_awaited_from_another_thread");
    const N: u64 = 500;
    let rt = rt();
    let handles: Vec<_> = (0..N)
        .map(|i| {
            rt.spawn(async move {
                for _ in 0..i % 7 {
                    task::yield_now().await;
                }
                i
            })
        })
        .collect();
    let joined = Arc::new(AtomicUsize::new(0));
    let joiner = {
        let joined = joined.clone();
        thread::spawn(move || {
            let mut sum = 0;
            for handle in handles {
                sum += block_on_thread(handle).unwrap();
                joined.fetch_add(1, SeqCst);
            }
            sum
        })
    };
    rt.block_on(yield_until(|| joined.load(SeqCst) == N as usize));
    assert_eq!(joiner.join().unwrap(), N * (N - 1) / 2);
}

#[test]
fn runtime_dropped_on_another_thread_drops_futures_there() {
    let _watchdog = Watchdog::new("runtime_dropped_on_another_thread_drops_futures_there");
    let rt = rt();
    let gate = Gate::new();
    let counters: Vec<_> = (0..4).map(|_| Counters::new()).collect();
    let handles: Vec<_> = counters
        .iter()
        .map(|c| rt.spawn(gated(c, &gate, ())))
        .collect();
    rt.block_on(yield_until(|| counters[0].polls() == 1));
    let dropper = thread::spawn(move || {
        drop(rt);
        thread::current().id()
    });
    let dropper_id = dropper.join().unwrap();
    for c in &counters {
        assert_eq!(c.drops(), 1);
        assert_eq!(c.dropped_on(), Some(dropper_id));
    }
    for handle in handles {
        assert!(block_on_thread(handle).unwrap_err().is_cancelled());
    }
}

// ---------------------------------------------------------------------------
// A million tasks in bounded memory
// ---------------------------------------------------------------------------

/// Resident set size of this process, in bytes.
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// 256 bytes of task state, aligned so the task cells can be counted.
#[derive(Clone, Copy)]
#[repr(align(512))]
struct Pad512([u8; 256]);

#[test]
fn a_million_tasks_complete_in_bounded_memory() {
    let _watchdog = Watchdog::new("a_million_tasks_complete_in_bounded_memory");
    const TOTAL: usize = 1_000_000;
    const BATCH: usize = 10_000;
    // Each task cell is 1 KiB (a 512-aligned stage), so leaking the tasks
    // would cost about 1 GB: far over this bound.
    const RSS_BOUND: usize = 200 << 20;

    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let metrics = rt.handle().metrics();
    let rss_before = rss_bytes();
    let completed = Arc::new(AtomicUsize::new(0));
    assert_eq!(live(512), 0);

    let sum = rt.block_on(async {
        let mut sum = 0u64;
        let mut handles = Vec::with_capacity(BATCH);
        for batch in 0..TOTAL / BATCH {
            for i in 0..BATCH {
                let n = (batch * BATCH + i) as u64;
                let pad = Pad512([n as u8; 256]);
                let completed = completed.clone();
                handles.push(weft::spawn(async move {
                    completed.fetch_add(1, SeqCst);
                    assert_eq!(std::hint::black_box(pad).0[255], n as u8);
                    n
                }));
            }
            assert_eq!(metrics.num_alive_tasks(), BATCH);
            assert_eq!(live(512), BATCH as isize, "one cell per spawned task");
            for handle in handles.drain(..) {
                sum += handle.await.unwrap();
            }
            assert_eq!(metrics.num_alive_tasks(), 0);
            assert_eq!(live(512), 0, "joined tasks are freed");
        }
        sum
    });

    assert_eq!(completed.load(SeqCst), TOTAL);
    assert_eq!(sum, (TOTAL as u64 - 1) * TOTAL as u64 / 2);
    assert_eq!(metrics.num_alive_tasks(), 0);
    assert_eq!(live(512), 0, "every task cell was freed");
    let peak = PEAK[slot(512).unwrap()].load(SeqCst);
    assert!(
        peak <= BATCH as isize,
        "at most one batch of cells alive at once, saw {peak}"
    );
    let rss_growth = rss_bytes().saturating_sub(rss_before);
    assert!(
        rss_growth < RSS_BOUND,
        "RSS grew by {rss_growth} bytes over 1M finished tasks"
    );
    drop(rt);
}

// ---------------------------------------------------------------------------
// Task ids
// ---------------------------------------------------------------------------

#[test]
fn task_id_inside_equals_join_handle_id() {
    let _watchdog = Watchdog::new("task_id_inside_equals_join_handle_id");
    let rt = rt();
    rt.block_on(async {
        let gate = Gate::new();
        let handles: Vec<_> = (0..10)
            .map(|_| {
                let gate = gate.clone();
                weft::spawn(async move {
                    let before = task::id();
                    assert_eq!(task::try_id(), Some(before));
                    gate.wait().await;
                    assert_eq!(task::id(), before, "stable across polls");
                    before
                })
            })
            .collect();
        let ids: Vec<_> = handles.iter().map(|h| h.id()).collect();
        let mut distinct = ids.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), ids.len(), "live tasks have distinct ids");
        yield_until(|| gate.registrations() == 10).await;
        gate.open();
        for (handle, id) in handles.into_iter().zip(ids) {
            assert_eq!(handle.await.unwrap(), id);
        }
    });
}

#[test]
fn task_id_of_a_task_spawned_from_outside() {
    let _watchdog = Watchdog::new("task_id_of_a_task_spawned_from_outside");
    let rt = rt();
    let handle = rt.spawn(async { task::id() });
    let expected = handle.id();
    assert_eq!(rt.block_on(handle).unwrap(), expected);
}

#[test]
fn try_id_is_none_outside_a_task() {
    let _watchdog = Watchdog::new("try_id_is_none_outside_a_task");
    assert_eq!(task::try_id(), None);
    let rt = rt();
    assert_eq!(
        rt.block_on(async { task::try_id() }),
        None,
        "block_on's future is not a task"
    );
    let _guard = rt.enter();
    assert_eq!(task::try_id(), None);
    drop(_guard);
    // Restored after a task ran on this thread.
    rt.block_on(async { weft::spawn(async { task::id() }).await.unwrap() });
    assert_eq!(task::try_id(), None);
    assert_eq!(rt.block_on(async { task::try_id() }), None);
}

#[test]
#[should_panic(expected = "`task::id()` called outside of a task")]
fn id_outside_a_task_panics() {
    let _watchdog = Watchdog::new("id_outside_a_task_panics");
    let _ = task::id();
}

#[test]
fn task_id_inside_the_futures_drop() {
    let _watchdog = Watchdog::new("task_id_inside_the_futures_drop");
    let rt = rt();
    struct RecordIdOnDrop(Arc<std::sync::Mutex<Option<Option<task::Id>>>>);
    impl Drop for RecordIdOnDrop {
        fn drop(&mut self) {
            *self.0.lock().unwrap() = Some(task::try_id());
        }
    }
    let seen = Arc::new(std::sync::Mutex::new(None));
    let guard = RecordIdOnDrop(seen.clone());
    let handle = rt.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    let id = handle.id();
    rt.block_on(async { task::yield_now().await });
    handle.abort();
    assert_eq!(
        *seen.lock().unwrap(),
        Some(Some(id)),
        "the task id is set while its future drops"
    );
}

/// An output that records `task::try_id()` when it is dropped.
struct RecordIdOnDrop(std::sync::mpsc::Sender<Option<task::Id>>);

impl Drop for RecordIdOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(task::try_id());
    }
}

rt_test! {
    /// A task's output is dropped as the task, as in tokio: `task::id()`
    /// in its destructor names the task, whether the runtime drops it (the
    /// handle went first) or the handle's drop does (on the dropping
    /// thread, inside another task or outside any); and the id of the
    /// thread's own task comes back afterwards.
    fn task_id_inside_the_outputs_drop(rt: &Runtime) {
        let _watchdog = Watchdog::new("task_id_inside_the_outputs_drop");
        let (tx, rx) = std::sync::mpsc::channel();
        // The handle is dropped before the task completes.
        let gate = Gate::new();
        let handle = rt.spawn({
            let (tx, gate) = (tx.clone(), gate.clone());
            async move {
                gate.wait().await;
                RecordIdOnDrop(tx)
            }
        });
        let id = handle.id();
        drop(handle);
        gate.open();
        // Driven by `block_on` (the only thread of `current_thread`).
        let dropped = rt.block_on(async {
            loop {
                if let Ok(seen) = rx.try_recv() {
                    break seen;
                }
                task::yield_now().await;
            }
        });
        assert_eq!(dropped, Some(id), "dropped by the runtime");
        // The handle is dropped after completion, outside any task and
        // from inside another task.
        for inside_a_task in [false, true] {
            let handle = rt.spawn({
                let tx = tx.clone();
                async move { RecordIdOnDrop(tx) }
            });
            let id = handle.id();
            rt.block_on(async { yield_until(|| handle.is_finished()).await });
            if inside_a_task {
                let dropper = rt.spawn(async move {
                    drop(handle);
                    task::id()
                });
                let dropper_id = dropper.id();
                assert_eq!(rt.block_on(dropper).unwrap(), dropper_id, "restored after the drop");
            } else {
                drop(handle);
                assert_eq!(task::try_id(), None, "restored after the drop");
            }
            assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), Some(id), "dropped with its handle");
        }
    }
}

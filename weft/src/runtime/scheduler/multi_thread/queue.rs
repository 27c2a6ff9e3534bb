//! Each worker's local run queue: a bounded ring that only its owner pushes
//! to, and that every other worker may steal half of.
//!
//! # Design note
//!
//! The algorithm is the bounded single-producer/multi-consumer ring of Go's
//! scheduler (`runqput`/`runqsteal` in `runtime/proc.go`, after Chase and
//! Lev's work-stealing deque), with the two-phase steal described in
//! "Making the Tokio scheduler 10x faster" (tokio blog, 2019): the head
//! packs two indices so a stealer can *claim* entries first and *copy* them
//! afterwards, without ever reading a slot the owner might be overwriting.
//!
//! ## Layout
//!
//! * `buffer`: `LOCAL_QUEUE_CAPACITY` slots (a power of two). Indices are
//!   free-running `u32` counters; index `i` lives in slot `i & MASK`.
//! * `tail: AtomicU32`: the next index the owner writes. Only the owner
//!   stores it.
//! * `head: AtomicU64`: `steal` in the high half, `real` in the low half.
//!   `real` is the next index to pop or steal; `steal` is the first index a
//!   stealer is still copying out. `steal == real` means no steal is in
//!   progress.
//!
//! Reading the indices as positions on a line, `steal <= real <= tail <=
//! steal + CAPACITY` always holds, which splits the slots into:
//!
//! * `[steal, real)`: claimed by the one stealer in progress; only it reads
//!   them.
//! * `[real, tail)`: queued tasks; whoever claims them (rule 2) takes them.
//! * `[tail, steal + CAPACITY)`: free; only the owner writes them.
//!
//! ## Protocol
//!
//! 1. **Only the owner writes.** It writes index `tail` only when
//!    `tail - steal < CAPACITY`, with `steal` from an `Acquire` load of
//!    `head`, then publishes the slot with a `Release` store of `tail`.
//!    Safe: the slot is outside `[steal, tail)`, so no one reads it; the
//!    `Acquire` orders the write after the reads of the stealer that last
//!    freed that slot (rule 3), and the `Release` orders it before the reads
//!    of whoever claims it.
//! 2. **Every claim is one CAS on `head` that moves `real` forward over
//!    indices below `tail`.** The owner's pop claims one index; a stealer
//!    claims half (rounded up) and leaves `steal` where it was; the owner's
//!    overflow claims `CAPACITY / 2` and moves `steal` along with `real`.
//!    Stealers and the overflow claim only when `steal == real`. Safe: a CAS
//!    succeeds only if `head` did not change since the claimer read it, so
//!    two claims never cover the same index, and every claimed index holds
//!    a task (it is below a `tail` read with `Acquire`, or the claimer is the
//!    owner, who wrote it).
//! 3. **A stealer hands its slots back with a second CAS**, `Release`, that
//!    sets `steal = real` once it has moved every claimed task out. Until
//!    then `steal` marks the steal in progress: other stealers back off (one
//!    steal at a time per queue), the overflow path does not claim (it would
//!    have to move `steal`), and rule 1 keeps the owner out of the slots
//!    still being read. The owner may keep popping meanwhile: a pop moves
//!    `real` only.
//! 4. **Every write of `head` is `Release`, and every load of `head` that is
//!    followed by a load of `tail` on another thread is `Acquire`.** Whoever
//!    wrote a value of `real` had seen a `tail` at least that large, so a
//!    thread that sees `real` then sees `tail >= real`: `tail - real` never
//!    underflows. (It can exceed `CAPACITY` when the `head` a stealer read
//!    is stale and `tail` is not; the stealer's CAS then fails, so it
//!    never claims by such a count.)
//! 5. **Wraparound.** Indices wrap at 2^32 and are only ever compared by
//!    wrapping difference, which is at most `CAPACITY` by the invariant
//!    above. A stealer's CAS could succeed wrongly only if `head` advanced
//!    by exactly 2^32 entries (and came back to the same bits) between its
//!    load and its CAS: some four billion pops while one stealer is
//!    preempted for two instructions, which we accept, as Go and tokio do.
//!    The owner's CASes cannot suffer this: while it is between load and
//!    CAS only stealers move `head`, and they cannot move it past `tail`.
//!
//! ## What callers must uphold
//!
//! * Only the worker owning a `Local` uses it (the `&mut self` methods
//!   enforce that much); a worker never steals from its own queue
//!   (debug-asserted).
//! * `push_back` gets at most `remaining_slots()` tasks (asserted: the
//!   soundness of rule 1 depends on it).
//! * An [`Overflow`] keeps every task it receives (see the trait).
//! * The scheduler drains each `Local` at shutdown; dropping a non-empty one
//!   drops its entries (and debug-asserts, unless already panicking).
//!
//! ## Why not Go's steal
//!
//! Go copies first and then commits with one CAS. Its copy reads
//! slots that the owner may be overwriting at the same time; Go's memory
//! model tolerates that race for pointer-sized slots, Rust's does not. The
//! two-phase steal costs one extra CAS per steal, none per push or pop.
//!
//! Under loom the capacity shrinks to 4 so the models reach the full and
//! wraparound cases within a few pushes.

use crate::loom::{
    Arc, AtomicU32, AtomicU64,
    Ordering::{Acquire, Relaxed, Release},
    UnsafeCell,
};
use crate::runtime::task::Notified;
use std::fmt;
use std::mem::MaybeUninit;
use std::ptr;

/// Capacity of each local queue (power of two).
pub(crate) const LOCAL_QUEUE_CAPACITY: usize = if cfg!(weft_loom) { 4 } else { 256 };

const CAPACITY: u32 = LOCAL_QUEUE_CAPACITY as u32;
const MASK: u32 = CAPACITY - 1;
/// How many tasks a full queue moves to the overflow, besides the new one.
const OVERFLOW_BATCH: u32 = CAPACITY / 2;

// `MASK` needs a power of two; rule 5 needs differences of at most CAPACITY
// to be unambiguous mod 2^32 (and rule 4's underflow check, far less).
const _: () = assert!(LOCAL_QUEUE_CAPACITY.is_power_of_two());
const _: () = assert!(LOCAL_QUEUE_CAPACITY >= 2 && LOCAL_QUEUE_CAPACITY <= 1 << 30);

/// Owner side: only the worker that owns it pushes and pops.
pub(crate) struct Local<S: 'static> {
    inner: Arc<Inner<S>>,
}

/// Stealer side: shared by every worker.
pub(crate) struct Steal<S: 'static>(Arc<Inner<S>>);

/// Where a full local queue sends half of its tasks (the scheduler's global
/// inject queue implements it).
///
/// Both methods must keep every task they are given: an entry that is
/// dropped instead is a task that never runs again (its wake was consumed).
/// `push_batch` must therefore drain `iter`; what it leaves is dropped.
pub(crate) trait Overflow<S: 'static> {
    /// Pushes one task.
    fn push(&self, task: Notified<S>);

    /// Pushes a batch under one lock acquisition.
    fn push_batch<I: Iterator<Item = Notified<S>>>(&self, iter: I);
}

struct Inner<S: 'static> {
    /// `(steal, real)`, packed by [`pack`].
    head: AtomicU64,
    /// Stored only by the owner.
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<Notified<S>>>]>,
}

// SAFETY: a slot is read or written only by the thread the protocol gives it
// to (rules 1–3), with the accesses ordered through `head` and `tail`; the
// tasks in it are `Send`.
unsafe impl<S: 'static> Sync for Inner<S> {}

fn pack(steal: u32, real: u32) -> u64 {
    (u64::from(steal) << 32) | u64::from(real)
}

fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

/// Creates a queue; the `Local` goes to its worker, the `Steal` to the
/// shared state.
pub(crate) fn local<S: 'static>() -> (Steal<S>, Local<S>) {
    let buffer = (0..LOCAL_QUEUE_CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        buffer,
    });
    (Steal(inner.clone()), Local { inner })
}

impl<S: 'static> Inner<S> {
    fn slot(&self, index: u32) -> &UnsafeCell<MaybeUninit<Notified<S>>> {
        &self.buffer[(index & MASK) as usize]
    }

    /// Moves the task out of `index`'s slot.
    ///
    /// # Safety
    ///
    /// The caller has claimed `index` (rule 2) and has not taken it yet.
    unsafe fn take(&self, index: u32) -> Notified<S> {
        // SAFETY: the claim makes us the only reader of the slot, and the
        // slot holds a task whose write happens-before this read (rule 2).
        self.slot(index)
            .with(|slot| unsafe { ptr::read(slot).assume_init() })
    }

    /// Writes `task` into `index`'s slot.
    ///
    /// # Safety
    ///
    /// The caller is the owner and `index` is free: `index - steal <
    /// CAPACITY` for a `steal` loaded with `Acquire` (rule 1).
    unsafe fn put(&self, index: u32, task: Notified<S>) {
        // SAFETY: by rule 1 no one else accesses the slot, and its last
        // reader's accesses happen-before this write.
        self.slot(index)
            .with_mut(|slot| unsafe { ptr::write(slot, MaybeUninit::new(task)) });
    }
}

impl<S: 'static> Local<S> {
    /// Tasks that this worker or a stealer can still take.
    pub(crate) fn len(&self) -> usize {
        // Relaxed: every `real` ever written is at most our tail, and the
        // `head` we read is no older than the one our last push checked, so
        // the difference is in `0..=CAPACITY`.
        let (_, real) = unpack(self.inner.head.load(Relaxed));
        self.tail().wrapping_sub(real) as usize
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many tasks `push_back` can take right now (at least).
    pub(crate) fn remaining_slots(&self) -> usize {
        // Relaxed: a stale `steal` only under-counts the room; `push_back`
        // re-checks with Acquire before writing.
        let (steal, _) = unpack(self.inner.head.load(Relaxed));
        (CAPACITY - self.tail().wrapping_sub(steal)) as usize
    }

    /// Our own tail.
    fn tail(&self) -> u32 {
        // Relaxed: this thread is the only one that stores it.
        self.inner.tail.load(Relaxed)
    }

    /// Pushes one task; if the queue is full, moves half of the queue plus
    /// `task` to `overflow` in one `push_batch` (or `task` alone, with
    /// `push`, if a stealer is emptying the full queue at that moment).
    /// Returns true if the task went to `overflow`.
    pub(crate) fn push_back_or_overflow<O: Overflow<S>>(
        &mut self,
        mut task: Notified<S>,
        overflow: &O,
    ) -> bool {
        let tail = self.tail();
        loop {
            // Acquire: pairs with the Release CAS that ends a steal (rule
            // 3), so that stealer's reads of a slot happen before we reuse it.
            let (steal, real) = unpack(self.inner.head.load(Acquire));
            if tail.wrapping_sub(steal) < CAPACITY {
                // SAFETY: we own the queue and `tail - steal < CAPACITY`.
                unsafe { self.inner.put(tail, task) };
                // Release: pairs with the Acquire load of tail in
                // `steal_into`, publishing the slot.
                self.inner.tail.store(tail.wrapping_add(1), Release);
                return false;
            }
            if steal != real {
                // Full, but a stealer is moving tasks out and will make room
                // soon. Waiting for it could mean waiting for a preempted
                // thread, so hand this one task over instead.
                overflow.push(task);
                return true;
            }
            match self.push_overflow(task, real, tail, overflow) {
                Ok(()) => return true,
                // A stealer claimed tasks since our load: look again.
                Err(back) => task = back,
            }
        }
    }

    /// Claims the `OVERFLOW_BATCH` oldest tasks of the full queue and moves
    /// them, followed by `task`, to `overflow`. Gives `task` back if a
    /// stealer changed `head` first.
    fn push_overflow<O: Overflow<S>>(
        &mut self,
        task: Notified<S>,
        real: u32,
        tail: u32,
        overflow: &O,
    ) -> Result<(), Notified<S>> {
        debug_assert_eq!(tail.wrapping_sub(real), CAPACITY, "queue not full");
        let prev = pack(real, real);
        let end = real.wrapping_add(OVERFLOW_BATCH);
        // Release: rule 4, pairs with the Acquire loads of head in
        // `steal_into` and `Steal::len`. Failure Relaxed: the caller reloads
        // head with Acquire.
        if self
            .inner
            .head
            .compare_exchange(prev, pack(end, end), Release, Relaxed)
            .is_err()
        {
            return Err(task);
        }
        let batch = Drain {
            inner: &self.inner,
            next: real,
            end,
        };
        overflow.push_batch(batch.chain(std::iter::once(task)));
        Ok(())
    }

    /// Pushes tasks known to fit.
    ///
    /// # Panics
    ///
    /// If `tasks.len() > self.remaining_slots()`.
    pub(crate) fn push_back(&mut self, tasks: impl ExactSizeIterator<Item = Notified<S>>) {
        let len = tasks.len();
        let mut tail = self.tail();
        // Acquire: as in `push_back_or_overflow` (rule 1).
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        let room = CAPACITY - tail.wrapping_sub(steal);
        // A hard assert: soundness must not rest on `len()` telling the truth.
        assert!(
            len <= room as usize,
            "push_back: {len} tasks, room for {room}"
        );
        // `take`: an iterator yielding more than `len` keeps the surplus.
        // If it panics, the tasks written so far are never published: they
        // leak, which is safe.
        for task in tasks.take(len) {
            // SAFETY: we own the queue, and at most `room` indices from the
            // old tail on are written, all with `index - steal < CAPACITY`.
            unsafe { self.inner.put(tail, task) };
            tail = tail.wrapping_add(1);
        }
        // Release: pairs with the Acquire load of tail in `steal_into`,
        // publishing the slots.
        self.inner.tail.store(tail, Release);
    }

    /// Pops from the head (FIFO order).
    pub(crate) fn pop(&mut self) -> Option<Notified<S>> {
        let tail = self.tail();
        // Relaxed: the CAS below checks the value; we read only slots we
        // wrote ourselves.
        let mut head = self.inner.head.load(Relaxed);
        let index = loop {
            let (steal, real) = unpack(head);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            // A steal in progress keeps its `steal` (rule 3).
            let next_steal = if steal == real { next_real } else { steal };
            // Release: rule 4, pairs with the Acquire loads of head in
            // `steal_into`. Failure Relaxed: we retry with the value read.
            match self.inner.head.compare_exchange(
                head,
                pack(next_steal, next_real),
                Release,
                Relaxed,
            ) {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the CAS claimed `index` for us (rule 2).
        Some(unsafe { self.inner.take(index) })
    }
}

impl<S: 'static> Steal<S> {
    /// Tasks in the queue (a snapshot).
    pub(crate) fn len(&self) -> usize {
        // Acquire: rule 4, so the tail read next is at least `real`.
        let (_, real) = unpack(self.0.head.load(Acquire));
        // Relaxed: only the count is needed; rule 4 keeps it from
        // underflowing, and a stale `real` (the owner popped and pushed
        // since) could make it exceed the capacity.
        let tail = self.0.tail.load(Relaxed);
        let len = tail.wrapping_sub(real);
        debug_assert!(len <= u32::MAX / 2, "tail behind real (rule 4)");
        len.min(CAPACITY) as usize
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Steals half (rounded up) of this queue's tasks into `dst`, returning
    /// the oldest of them to run right away and the number stolen in total.
    ///
    /// Returns `None` if there is nothing to steal, if another steal from
    /// this queue is in progress, or if `dst` is half full or more.
    pub(crate) fn steal_into(&self, dst: &mut Local<S>) -> Option<(Notified<S>, usize)> {
        debug_assert!(
            !Arc::ptr_eq(&self.0, &dst.inner),
            "a worker steals from itself"
        );
        let dst_tail = dst.tail();
        // Acquire: rule 1 for `dst`, pairs with the Release CAS that ends a
        // steal from `dst`, before we overwrite the slots it read.
        let (dst_steal, _) = unpack(dst.inner.head.load(Acquire));
        if dst_tail.wrapping_sub(dst_steal) >= CAPACITY / 2 {
            return None;
        }
        // `dst` has more than CAPACITY / 2 free slots and we move at most
        // CAPACITY / 2 - 1 tasks into it.
        let (first, stolen) = self.steal_into2(dst, dst_tail)?;
        if stolen > 1 {
            // Release: pairs with the Acquire load of tail by stealers of
            // `dst`, publishing the slots.
            dst.inner
                .tail
                .store(dst_tail.wrapping_add(stolen - 1), Release);
        }
        Some((first, stolen as usize))
    }

    /// Claims, moves and releases the tasks; leaves publishing `dst`'s
    /// tail to the caller.
    fn steal_into2(&self, dst: &mut Local<S>, dst_tail: u32) -> Option<(Notified<S>, u32)> {
        // Acquire: rule 4, pairs with the Release writes of head, so the
        // tail we read next is at least `real`.
        let mut prev = self.0.head.load(Acquire);
        let (start, n) = loop {
            let (steal, real) = unpack(prev);
            if steal != real {
                // Another stealer is in progress (rule 3).
                return None;
            }
            // Acquire: pairs with the Release stores of tail in the
            // owner's pushes, so the slots below it hold their tasks.
            let tail = self.0.tail.load(Acquire);
            let available = tail.wrapping_sub(real);
            debug_assert!(available <= u32::MAX / 2, "tail behind real (rule 4)");
            // More than CAPACITY means `prev` is stale (the owner has popped
            // and pushed since): then the CAS below fails and hands us the
            // current head.
            let n = available - available / 2;
            if n == 0 {
                return None;
            }
            // Release: rule 4, pairs with the Acquire load of head in
            // `Steal::len` (the only reader that does not back off on
            // `steal != real`). Failure Acquire: as the load above.
            match self.0.head.compare_exchange(
                prev,
                pack(steal, real.wrapping_add(n)),
                Release,
                Acquire,
            ) {
                Ok(_) => {
                    debug_assert!(available <= CAPACITY, "claimed from a stale head");
                    break (real, n);
                }
                Err(actual) => prev = actual,
            }
        };

        // SAFETY: `start` is ours by the claim above (rule 2).
        let first = unsafe { self.0.take(start) };
        for i in 1..n {
            // SAFETY: `start + i` is claimed by us (rule 2); `dst` belongs
            // to the caller and its slot `dst_tail + i - 1` is free, since
            // `dst_tail - dst_steal + n - 1 < CAPACITY` (see `steal_into`).
            unsafe {
                let task = self.0.take(start.wrapping_add(i));
                dst.inner.put(dst_tail.wrapping_add(i - 1), task);
            }
        }

        // Hand the slots back: `steal` catches up with `real`, which the
        // owner may have moved on by popping meanwhile.
        let mut prev = pack(start, start.wrapping_add(n));
        loop {
            let (steal, real) = unpack(prev);
            debug_assert_eq!(steal, start, "steal moved under a stealer (rule 3)");
            // Release: rule 3, pairs with the Acquire loads of head in the
            // owner's pushes: our reads of the slots happen before their
            // reuse. Failure Relaxed: we retry with the value read.
            match self
                .0
                .head
                .compare_exchange(prev, pack(real, real), Release, Relaxed)
            {
                Ok(_) => break,
                Err(actual) => prev = actual,
            }
        }
        Some((first, n))
    }
}

/// The tasks an overflow claimed, moved out one by one as the overflow
/// queue takes them.
struct Drain<'a, S: 'static> {
    inner: &'a Inner<S>,
    next: u32,
    end: u32,
}

impl<S: 'static> Iterator for Drain<'_, S> {
    type Item = Notified<S>;

    fn next(&mut self) -> Option<Notified<S>> {
        if self.next == self.end {
            return None;
        }
        // SAFETY: `[next, end)` was claimed by `push_overflow` and not yet
        // taken.
        let task = unsafe { self.inner.take(self.next) };
        self.next = self.next.wrapping_add(1);
        Some(task)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end.wrapping_sub(self.next) as usize;
        (n, Some(n))
    }
}

impl<S: 'static> Drop for Drain<'_, S> {
    /// Drops whatever the overflow did not take, so that a claimed task is
    /// never leaked.
    fn drop(&mut self) {
        self.for_each(drop);
    }
}

impl<S: 'static> Drop for Local<S> {
    fn drop(&mut self) {
        let mut left = 0usize;
        while let Some(task) = self.pop() {
            drop(task);
            left += 1;
        }
        if !std::thread::panicking() {
            debug_assert_eq!(left, 0, "local run queue dropped with tasks in it");
        }
    }
}

impl<S: 'static> fmt::Debug for Local<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Local").field("len", &self.len()).finish()
    }
}

impl<S: 'static> fmt::Debug for Steal<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Steal").field("len", &self.len()).finish()
    }
}

/// Tasks for the queue's tests: each completes on its first poll and counts
/// its runs.
#[cfg(test)]
pub(super) mod test_support {
    use super::Overflow;
    use crate::loom::Arc;
    use crate::runtime::task::{self, list::OwnedTasks, Notified, Schedule, Task};
    use std::cell::{Cell, RefCell};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Mutex;

    /// A scheduler whose tasks never wake: they finish on their first poll.
    pub(crate) struct TestSched(Arc<OwnedTasks<TestSched>>);

    impl Schedule for TestSched {
        fn schedule(&self, _task: Notified<Self>) {
            unreachable!("queue test tasks finish on their first poll");
        }

        fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
            self.0.remove(task)
        }
    }

    /// `n` numbered tasks and their run counters.
    pub(crate) struct Tasks {
        owned: Arc<OwnedTasks<TestSched>>,
        runs: std::sync::Arc<[AtomicUsize]>,
        /// Sum of `runs`.
        total: std::sync::Arc<AtomicUsize>,
        /// Task numbers in the order they ran.
        order: std::sync::Arc<Mutex<Vec<usize>>>,
    }

    impl Tasks {
        pub(crate) fn new(n: usize) -> (Tasks, Vec<Notified<TestSched>>) {
            let tasks = Tasks {
                owned: Arc::new(OwnedTasks::new()),
                runs: (0..n).map(|_| AtomicUsize::new(0)).collect(),
                total: std::sync::Arc::new(AtomicUsize::new(0)),
                order: std::sync::Arc::new(Mutex::new(Vec::with_capacity(n))),
            };
            let notified = (0..n)
                .map(|i| {
                    let runs = tasks.runs.clone();
                    let total = tasks.total.clone();
                    let order = tasks.order.clone();
                    let future = async move {
                        runs[i].fetch_add(1, SeqCst);
                        total.fetch_add(1, SeqCst);
                        order.lock().unwrap().push(i);
                    };
                    let sched = TestSched(tasks.owned.clone());
                    let (join, notified) = task::bind(&tasks.owned, future, sched, None);
                    drop(join);
                    notified.expect("the owner list is open")
                })
                .collect();
            (tasks, notified)
        }

        /// Runs so far, over all tasks.
        #[cfg_attr(weft_loom, allow(dead_code))] // used by the unit tests only
        pub(crate) fn total_runs(&self) -> usize {
            self.total.load(SeqCst)
        }

        /// Task numbers in the order they ran.
        #[cfg_attr(weft_loom, allow(dead_code))] // used by the unit tests only
        pub(crate) fn order(&self) -> Vec<usize> {
            self.order.lock().unwrap().clone()
        }

        /// Every task ran exactly once, and every cell was released.
        pub(crate) fn assert_each_ran_once(&self) {
            for (i, runs) in self.runs.iter().enumerate() {
                assert_eq!(runs.load(SeqCst), 1, "task {i} ran a wrong number of times");
            }
            assert_eq!(self.owned.len(), 0, "a task was never completed");
        }

        /// Tasks still bound to the owner list (neither completed nor shut
        /// down).
        #[cfg_attr(weft_loom, allow(dead_code))] // used by the unit tests only
        pub(crate) fn alive(&self) -> usize {
            self.owned.len()
        }
    }

    impl Drop for Tasks {
        /// Cancels the tasks that never ran (a test that dropped entries,
        /// or failed), so their cells are freed and not leaked.
        fn drop(&mut self) {
            self.owned.close_and_shutdown_all();
        }
    }

    /// An overflow queue that keeps what it gets, for one thread.
    #[derive(Default)]
    pub(crate) struct VecOverflow {
        pub(crate) tasks: RefCell<Vec<Notified<TestSched>>>,
        /// Sizes of the `push_batch` calls.
        pub(crate) batches: RefCell<Vec<usize>>,
        pub(crate) singles: Cell<usize>,
    }

    impl Overflow<TestSched> for VecOverflow {
        fn push(&self, task: Notified<TestSched>) {
            self.singles.set(self.singles.get() + 1);
            self.tasks.borrow_mut().push(task);
        }

        fn push_batch<I: Iterator<Item = Notified<TestSched>>>(&self, iter: I) {
            let mut tasks = self.tasks.borrow_mut();
            let before = tasks.len();
            tasks.extend(iter);
            self.batches.borrow_mut().push(tasks.len() - before);
        }
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::test_support::{Tasks, TestSched, VecOverflow};
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    const CAP: usize = LOCAL_QUEUE_CAPACITY;

    fn drain(local: &mut Local<TestSched>) -> Vec<Notified<TestSched>> {
        std::iter::from_fn(|| local.pop()).collect()
    }

    fn run_all(tasks: impl IntoIterator<Item = Notified<TestSched>>) {
        tasks.into_iter().for_each(Notified::run);
    }

    #[test]
    fn queue_push_pop_fifo() {
        let (tasks, notified) = Tasks::new(10);
        let (steal, mut local) = local::<TestSched>();
        let overflow = VecOverflow::default();
        assert!(local.is_empty() && steal.is_empty());
        assert_eq!(local.remaining_slots(), CAP);
        let mut notified = notified.into_iter();
        local.push_back(notified.by_ref().take(4));
        for task in notified {
            assert!(!local.push_back_or_overflow(task, &overflow));
        }
        assert_eq!((local.len(), steal.len()), (10, 10));
        assert_eq!(local.remaining_slots(), CAP - 10);
        run_all(drain(&mut local));
        assert!(local.is_empty() && steal.is_empty());
        assert_eq!(tasks.order(), (0..10).collect::<Vec<_>>());
        tasks.assert_each_ran_once();
        assert!(overflow.tasks.borrow().is_empty());
    }

    #[test]
    fn queue_wraps_around() {
        // Push and pop past 2^32 would take too long; wrapping the slots
        // many times exercises the index arithmetic.
        let (tasks, notified) = Tasks::new(CAP * 5 + 3);
        let (_steal, mut local) = local::<TestSched>();
        let overflow = VecOverflow::default();
        for task in notified {
            assert!(!local.push_back_or_overflow(task, &overflow));
            if local.len() > CAP / 2 + 3 {
                run_all(local.pop());
            }
        }
        run_all(drain(&mut local));
        assert_eq!(tasks.order(), (0..CAP * 5 + 3).collect::<Vec<_>>());
        tasks.assert_each_ran_once();
    }

    #[test]
    fn queue_overflow_moves_half_plus_one() {
        let (tasks, notified) = Tasks::new(CAP + 1);
        let (steal, mut local) = local::<TestSched>();
        let overflow = VecOverflow::default();
        let mut notified = notified.into_iter();
        for task in notified.by_ref().take(CAP) {
            assert!(!local.push_back_or_overflow(task, &overflow));
        }
        assert_eq!(local.remaining_slots(), 0);
        let last = notified.next().unwrap();
        assert!(local.push_back_or_overflow(last, &overflow));
        assert_eq!(*overflow.batches.borrow(), [CAP / 2 + 1]);
        assert_eq!(overflow.singles.get(), 0);
        assert_eq!((local.len(), steal.len()), (CAP / 2, CAP / 2));
        assert_eq!(local.remaining_slots(), CAP / 2);

        // The overflow got the oldest half, then the new task.
        run_all(overflow.tasks.take());
        let expected: Vec<usize> = (0..CAP / 2).chain([CAP]).collect();
        assert_eq!(tasks.order(), expected);
        run_all(drain(&mut local));
        let expected: Vec<usize> = expected.into_iter().chain(CAP / 2..CAP).collect();
        assert_eq!(tasks.order(), expected);
        tasks.assert_each_ran_once();
    }

    /// An overflow queue that takes only part of the batch: the rest must
    /// be dropped, not leaked.
    #[test]
    fn queue_overflow_partial_take_drops_the_rest() {
        use std::cell::RefCell;

        struct TakeTwo(RefCell<Vec<Notified<TestSched>>>);
        impl Overflow<TestSched> for TakeTwo {
            fn push(&self, task: Notified<TestSched>) {
                self.0.borrow_mut().push(task);
            }
            fn push_batch<I: Iterator<Item = Notified<TestSched>>>(&self, iter: I) {
                self.0.borrow_mut().extend(iter.take(2));
            }
        }

        let (tasks, notified) = Tasks::new(CAP + 1);
        let (_steal, mut local) = local::<TestSched>();
        let overflow = TakeTwo(RefCell::new(Vec::new()));
        for task in notified {
            local.push_back_or_overflow(task, &overflow);
        }
        assert_eq!(overflow.0.borrow().len(), 2);
        run_all(overflow.0.take());
        run_all(drain(&mut local));
        assert_eq!(tasks.total_runs(), 2 + CAP / 2);
        // The entries the overflow left were dropped: their tasks never run
        // but are still bound, and shutdown frees them (`Tasks`' drop).
        assert_eq!(tasks.alive(), CAP / 2 - 1);
    }

    #[test]
    fn queue_steal_takes_half_rounded_up() {
        for n in [1, 2, 3, 7, 8, CAP - 1, CAP] {
            let (tasks, notified) = Tasks::new(n);
            let (steal, mut victim) = local::<TestSched>();
            let (_steal2, mut thief) = local::<TestSched>();
            victim.push_back(notified.into_iter());

            let (first, stolen) = steal.steal_into(&mut thief).expect("something to steal");
            assert_eq!(stolen, n.div_ceil(2), "n = {n}");
            assert_eq!(thief.len(), stolen - 1);
            assert_eq!(victim.len(), n - stolen);
            // The oldest task comes back first, the rest keep their order.
            first.run();
            run_all(drain(&mut thief));
            assert_eq!(tasks.order(), (0..stolen).collect::<Vec<_>>());
            run_all(drain(&mut victim));
            assert_eq!(tasks.order(), (0..n).collect::<Vec<_>>());
            tasks.assert_each_ran_once();
            assert!(steal.steal_into(&mut thief).is_none(), "empty queue");
        }
    }

    #[test]
    fn queue_steal_refuses_when_dst_half_full() {
        let (tasks, notified) = Tasks::new(CAP / 2 + 2);
        let mut notified = notified.into_iter();
        let (steal, mut victim) = local::<TestSched>();
        let (_steal2, mut thief) = local::<TestSched>();
        victim.push_back(notified.by_ref().take(2));
        thief.push_back(notified.by_ref());
        assert!(steal.steal_into(&mut thief).is_none());
        assert_eq!(victim.len(), 2);
        thief.pop().unwrap().run();
        // Now just under half full: stealing works again.
        let (first, stolen) = steal.steal_into(&mut thief).unwrap();
        assert_eq!(stolen, 1);
        first.run();
        run_all(drain(&mut victim));
        run_all(drain(&mut thief));
        tasks.assert_each_ran_once();
    }

    #[test]
    fn queue_drop_drains_when_panicking() {
        let (tasks, notified) = Tasks::new(3);
        let (_steal, mut local) = local::<TestSched>();
        local.push_back(notified.into_iter());
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _local = local;
            panic!("boom");
        }));
        assert!(result.is_err());
        // The entries were dropped, not run; the tasks are still bound
        // until shutdown (`Tasks`' drop).
        assert_eq!(tasks.total_runs(), 0);
        assert_eq!(tasks.alive(), 3);
    }

    #[test]
    fn queue_debug() {
        let (steal, local) = local::<TestSched>();
        assert_eq!(format!("{local:?}"), "Local { len: 0 }");
        assert_eq!(format!("{steal:?}"), "Steal { len: 0 }");
    }

    /// An overflow shared with the stealers (the inject queue's role).
    #[derive(Default)]
    struct SharedOverflow(Mutex<Vec<Notified<TestSched>>>);

    impl SharedOverflow {
        fn pop(&self) -> Option<Notified<TestSched>> {
            self.0.lock().unwrap().pop()
        }
    }

    impl Overflow<TestSched> for SharedOverflow {
        fn push(&self, task: Notified<TestSched>) {
            self.0.lock().unwrap().push(task);
        }
        fn push_batch<I: Iterator<Item = Notified<TestSched>>>(&self, iter: I) {
            self.0.lock().unwrap().extend(iter);
        }
    }

    /// Owner pushing and popping, three stealers, every task run exactly
    /// once, within a time bound.
    #[test]
    fn queue_stress_owner_and_three_stealers() {
        let n = if cfg!(miri) { 600 } else { 100_000 };
        let deadline = Instant::now() + Duration::from_secs(if cfg!(miri) { 600 } else { 60 });
        let (tasks, notified) = Tasks::new(n);
        let (steal, mut owner) = local::<TestSched>();
        let overflow = SharedOverflow::default();
        let give_up = AtomicBool::new(false);
        let done = || tasks.total_runs() == n || give_up.load(SeqCst);
        // Overflow once for sure before the stealers start.
        let mut notified = notified.into_iter();
        let mut overflowed = 0;
        for task in notified.by_ref().take(CAP + 1) {
            overflowed += usize::from(owner.push_back_or_overflow(task, &overflow));
        }
        assert_eq!(overflowed, 1);
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    let (_s, mut mine) = local::<TestSched>();
                    while !done() {
                        if let Some((first, _)) = steal.steal_into(&mut mine) {
                            first.run();
                            run_all(drain(&mut mine));
                        } else if let Some(task) = overflow.pop() {
                            task.run();
                        } else {
                            std::thread::yield_now();
                        }
                    }
                });
            }
            for (i, task) in notified.enumerate() {
                overflowed += usize::from(owner.push_back_or_overflow(task, &overflow));
                // Push faster than we pop, so the queue fills up.
                if i % 4 == 0 {
                    run_all(owner.pop());
                }
            }
            while !done() {
                if Instant::now() > deadline {
                    give_up.store(true, SeqCst);
                    break;
                }
                if let Some(task) = owner.pop() {
                    task.run();
                } else if let Some(task) = overflow.pop() {
                    task.run();
                } else {
                    std::thread::yield_now();
                }
            }
        });
        assert!(!give_up.load(SeqCst), "stress test timed out");
        assert!(owner.is_empty());
        assert!(overflow.0.lock().unwrap().is_empty());
        tasks.assert_each_ran_once();
    }
}

//! The owner list: every live task of one scheduler, for shutdown.
//!
//! # Design note
//!
//! Intrusive doubly-linked lists threaded through the task headers
//! (`Header::owned`), each guarded by its own mutex: binding a task (spawn)
//! pushes it, completing it unlinks it, and shutdown closes the lists and
//! cancels whatever is left, so no future outlives its runtime. The lists
//! hold one reference per task (the `Task` handle). Intrusive links cost 16
//! bytes in the cell and no allocation; a lock is taken once at spawn and
//! once at completion, never on wake or poll.
//!
//! A multi-thread scheduler splits its tasks over several such lists
//! (*shards*, a power of two, four per worker as tokio does), chosen by the
//! task's id, in runs of consecutive ids: a spawner keeps taking the lock
//! it just took, and the workers completing older tasks mostly take
//! others. One lock for all was the top of the profile of a thread
//! spawning onto idle workers (40% of the samples in `bind` and `remove`,
//! `spawn_many_remote_idle`). A current-thread scheduler has one shard.
//!
//! Rules:
//!
//! 1. The links of a task are read and written only with its shard's lock
//!    held. A task's shard is fixed by its id, which never changes.
//! 2. A task is in at most one list, its own scheduler's.
//! 3. Once a shard's `closed` is set, `bind` refuses new tasks there (they
//!    are cancelled on the spot). Closing sets it in every shard before
//!    anything is cancelled, so shutdown cannot race with a spawn and miss
//!    it.
//! 4. **A task in a shard is alive while that shard's lock is held.** The
//!    list's reference (the `Task` handed to `bind`) is given up only by
//!    code that first unlinks the task under the lock (`remove`,
//!    `close_and_shutdown_all`) and drops the reference after releasing
//!    it; until then the count is at least one, so the cell cannot be
//!    freed. So a walk under the lock ([`OwnedTasks::for_each`]) may read
//!    any linked task's header, state word and `TaskMeta` without taking a
//!    reference, and never touches a freed task. Dumps rely on this.
//! 5. Each link is visited once per walk: the walk holds each shard's lock
//!    for the whole pass over that shard, so no task is linked, unlinked or
//!    moved in it meanwhile, and a task, which stays in its one shard
//!    (rule 1), appears in a walk at most once.

use super::raw::{Header, RawTask};
use super::{Notified, Schedule, Task};
use crate::loom::{Mutex, MutexGuard};
use crate::util::cache_padded::CachePadded;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// The intrusive links stored in each task header.
#[derive(Debug)]
pub(crate) struct Pointers {
    prev: Option<NonNull<Header>>,
    next: Option<NonNull<Header>>,
}

impl Pointers {
    pub(crate) const fn new() -> Pointers {
        Pointers {
            prev: None,
            next: None,
        }
    }
}

/// How many consecutive task ids share a shard (see `OwnedTasks::shard`).
const RUN: u64 = 16;

/// The live tasks of one scheduler.
pub(crate) struct OwnedTasks<S: 'static> {
    /// Each alone on its cache lines: different threads take them at once.
    shards: Box<[CachePadded<Mutex<ListInner>>]>,
    /// `shards.len() - 1` (the length is a power of two).
    mask: u64,
    _scheduler: PhantomData<fn(S)>,
}

/// The lock-protected part; methods taking `&mut ListInner` prove the lock
/// is held.
struct ListInner {
    head: Option<NonNull<Header>>,
    len: usize,
    /// Tasks ever bound (for metrics; counted under the lock spawn takes anyway).
    spawned: u64,
    closed: bool,
}

// SAFETY: the raw pointers are only followed with the lock held, and the
// tasks they point to are `Send`-safe through the state protocol.
unsafe impl Send for ListInner {}

impl<S: Schedule> OwnedTasks<S> {
    /// One list: for a scheduler whose tasks are bound and completed on
    /// one thread.
    pub(crate) fn new() -> OwnedTasks<S> {
        OwnedTasks::with_shards(1)
    }

    /// Lists for `workers` threads that bind and complete tasks at once.
    #[cfg(any(feature = "rt-multi-thread", test))]
    pub(crate) fn for_workers(workers: usize) -> OwnedTasks<S> {
        OwnedTasks::with_shards(workers.saturating_mul(4))
    }

    fn with_shards(at_least: usize) -> OwnedTasks<S> {
        // Loom runs a model many times and needs each run to take the same
        // path, but ids come from a process-wide counter, so the shard a
        // task lands in would differ between runs: models use one shard
        // (the unit tests below cover several).
        #[cfg(weft_loom)]
        let at_least = at_least.min(1);
        // A bound on the walks' and the shutdown's passes.
        let count = at_least.clamp(1, 1024).next_power_of_two();
        let shards = (0..count)
            .map(|_| {
                CachePadded::new(Mutex::new(ListInner {
                    head: None,
                    len: 0,
                    spawned: 0,
                    closed: false,
                }))
            })
            .collect();
        OwnedTasks {
            shards,
            mask: count as u64 - 1,
            _scheduler: PhantomData,
        }
    }

    /// The shard of `task` (rule 1): runs of [`RUN`] consecutive ids share
    /// one, so a thread spawning tasks one after another keeps using the
    /// lock it just used, while the workers completing older tasks use
    /// other locks (`spawn_many_remote_idle`: 3.9 ms with a shard per id,
    /// each lock taken in turn by every thread; 3.0 with runs of 16).
    fn shard(&self, task: RawTask) -> &Mutex<ListInner> {
        // The mask keeps the index below the length (a power of two).
        &self.shards[((task.id().as_u64() / RUN) & self.mask) as usize]
    }

    /// Adds a freshly allocated task. Returns its first `Notified`, or
    /// `None` if the list is closed, in which case the task is cancelled
    /// before it ever runs (its join handle reports a cancelled task).
    pub(crate) fn bind(&self, task: Task<S>, notified: Notified<S>) -> Option<Notified<S>> {
        let mut inner = self.shard(task.raw()).lock().unwrap();
        if inner.closed {
            drop(inner);
            drop(notified);
            task.shutdown();
            return None;
        }
        inner.spawned += 1;
        inner.push_front(task.into_raw());
        Some(notified)
    }

    /// Unlinks `task` if it is still in the list, returning the list's
    /// reference to it.
    pub(crate) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let raw = task.raw();
        let mut inner = self.shard(raw).lock().unwrap();
        // SAFETY: the lock is held, and `raw` is alive (the caller holds it).
        if unsafe { inner.unlink(raw) } {
            drop(inner);
            // SAFETY: the list's reference is handed to the caller.
            Some(unsafe { Task::from_raw(raw) })
        } else {
            None
        }
    }

    /// Number of tasks that are alive (spawned, not yet complete).
    pub(crate) fn len(&self) -> usize {
        self.locked_shards().map(|inner| inner.len).sum()
    }

    /// Number of tasks ever bound to this list (spawned while open).
    pub(crate) fn spawned(&self) -> u64 {
        self.locked_shards().map(|inner| inner.spawned).sum()
    }

    /// Each shard in turn, locked while the caller looks at it.
    fn locked_shards(&self) -> impl Iterator<Item = MutexGuard<'_, ListInner>> {
        self.shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Calls `f` once for every task in the list, in one pass with the lock
    /// held (rules 4 and 5). `f` gets the task only for the call: it must
    /// not keep it, take a reference, run user code (wakers, drops of user
    /// values) or take this list's lock; it may read the task's header,
    /// state and `TaskMeta`.
    pub(crate) fn for_each(&self, mut f: impl FnMut(RawTask)) {
        for inner in self.locked_shards() {
            let mut next = inner.head;
            while let Some(ptr) = next {
                // SAFETY: `ptr` is linked and its shard's lock is held: the
                // task is alive (rule 4).
                let raw = unsafe { RawTask::from_raw(ptr) };
                // SAFETY: the lock is held (rule 1).
                next = raw.header().owned.with(|links| unsafe { (*links).next });
                f(raw);
            }
        }
    }

    /// Refuses further tasks; those in the list stay (they run to
    /// completion: the blocking pool's queued closures at shutdown).
    pub(crate) fn close(&self) {
        for mut inner in self.locked_shards() {
            inner.closed = true;
        }
    }

    /// Refuses further tasks and cancels every task still in the list.
    /// Tasks that are idle are cancelled here, on this thread; a task that
    /// is running elsewhere is marked and cancelled by its runner.
    pub(crate) fn close_and_shutdown_all(&self) {
        // Every shard closed before any task is cancelled (rule 3).
        self.close();
        for shard in self.shards.iter() {
            loop {
                let head = {
                    let mut inner = shard.lock().unwrap();
                    match inner.head {
                        Some(head) => {
                            // SAFETY: the lock is held and `head` is in the list.
                            let raw = unsafe { RawTask::from_raw(head) };
                            // SAFETY: as above.
                            let unlinked = unsafe { inner.unlink(raw) };
                            debug_assert!(unlinked);
                            raw
                        }
                        None => break,
                    }
                };
                // SAFETY: the list's reference moved to us; dropping `task`
                // after the shutdown gives it up.
                let task = unsafe { Task::<S>::from_raw(head) };
                task.shutdown();
            }
        }
    }
}

impl ListInner {
    fn push_front(&mut self, raw: RawTask) {
        let ptr = raw.header_ptr();
        raw.header().owned.with_mut(|links| {
            // SAFETY: the lock is held (`&mut self`); a new task is in no list.
            unsafe {
                *links = Pointers {
                    prev: None,
                    next: self.head,
                }
            }
        });
        if let Some(old) = self.head {
            // SAFETY: `old` is in the list, so alive; the lock is held.
            unsafe { old.as_ref() }
                .owned
                .with_mut(|links| unsafe { (*links).prev = Some(ptr) });
        }
        self.head = Some(ptr);
        self.len += 1;
    }

    /// Removes `raw` if it is linked; returns whether it was.
    ///
    /// # Safety
    ///
    /// `raw` must be alive and belong to this list's scheduler.
    unsafe fn unlink(&mut self, raw: RawTask) -> bool {
        let ptr = raw.header_ptr();
        // SAFETY: the lock is held (`&mut self`).
        let Pointers { prev, next } = raw.header().owned.with(|links| unsafe { (*links).clone() });
        let linked = prev.is_some() || self.head == Some(ptr);
        if !linked {
            return false;
        }
        match prev {
            // SAFETY: neighbours are in the list, so alive; the lock is held.
            Some(prev) => unsafe { prev.as_ref() }
                .owned
                .with_mut(|l| unsafe { (*l).next = next }),
            None => self.head = next,
        }
        if let Some(next) = next {
            // SAFETY: as above.
            unsafe { next.as_ref() }
                .owned
                .with_mut(|l| unsafe { (*l).prev = prev });
        }
        // SAFETY: as above.
        raw.header()
            .owned
            .with_mut(|l| unsafe { *l = Pointers::new() });
        self.len -= 1;
        true
    }
}

impl Clone for Pointers {
    fn clone(&self) -> Pointers {
        Pointers {
            prev: self.prev,
            next: self.next,
        }
    }
}

impl<S> std::fmt::Debug for OwnedTasks<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedTasks").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::super::test_probe::{ready_after, Counters};
    use super::super::{bind, Notified, Schedule, Task};
    use super::OwnedTasks;
    use std::collections::HashSet;
    use std::sync::Arc;

    /// A scheduler that only owns its tasks: the test runs them by hand.
    struct Owner(Arc<OwnedTasks<Owner>>);

    impl Schedule for Owner {
        fn schedule(&self, _task: Notified<Self>) {
            unreachable!("nothing here wakes a task");
        }

        fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
            self.0.remove(task)
        }
    }

    /// Rules 1, 3 and 5 with several shards: each task is listed once, in
    /// one shard, completions unlink from the right shard, and shutdown
    /// closes every shard before cancelling what is left in any.
    #[test]
    fn a_sharded_list_lists_each_task_once_and_shutdown_reaches_every_shard() {
        let owned = Arc::new(OwnedTasks::for_workers(2));
        assert_eq!(owned.shards.len(), 8);
        // One probe's counters per task (a probe checks it is dropped once).
        let counts: Vec<_> = (0..65).map(|_| Counters::new()).collect();
        let drops = || counts.iter().map(|c| c.future_drops()).sum::<usize>();
        let polls = || counts.iter().map(|c| c.polls()).sum::<usize>();
        let spawn = |i: usize| {
            bind(
                &owned,
                ready_after(&counts[i], usize::MAX, false),
                Owner(owned.clone()),
                None,
            )
        };
        let mut handles = Vec::new();
        // 64 ids span at least four runs of `RUN` (16), so four shards.
        for i in 0..64 {
            let (handle, notified) = spawn(i);
            // One poll: the task is idle (never ready, never woken).
            notified.expect("the list is open").run();
            handles.push(handle);
        }
        let used = owned.locked_shards().filter(|s| s.len > 0).count();
        assert!(used >= 4, "64 tasks spread over {used} of 8 shards");
        let mut seen = HashSet::new();
        owned.for_each(|task| assert!(seen.insert(task.id()), "listed twice"));
        let ids: HashSet<_> = handles.iter().map(|h| h.id()).collect();
        assert_eq!(seen, ids);
        assert_eq!((owned.len(), owned.spawned()), (64, 64));

        // Aborting an idle task completes it here: it leaves its shard.
        for handle in handles.iter().step_by(8) {
            handle.abort();
        }
        assert_eq!(owned.len(), 56);
        assert_eq!(drops(), 8);

        owned.close_and_shutdown_all();
        assert_eq!(owned.len(), 0);
        assert_eq!(drops(), 64);
        let mut left = 0;
        owned.for_each(|_| left += 1);
        assert_eq!(left, 0);

        // Closed: a new task is refused and cancelled before any poll.
        let (late, notified) = spawn(64);
        assert!(notified.is_none());
        assert_eq!((drops(), polls()), (65, 64));
        assert!(late.is_finished());
        drop(handles);
        drop(late);
        assert_eq!(Arc::strong_count(&owned), 1, "every task was freed");
    }
}

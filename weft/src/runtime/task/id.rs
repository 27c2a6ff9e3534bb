//! Task identifiers.

use crate::runtime::context;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// An opaque identifier of a task, unique for the life of the process.
///
/// Ids are small integers, so they read well in logs and in
/// [`JoinError`](crate::task::JoinError)'s message ("task 7 panicked ...").
/// Each thread hands them out in increasing order from blocks of 64 that
/// it takes from one process-wide counter (the first task of the process
/// gets 1): tasks spawned one after another on one thread get increasing
/// ids, and tasks spawned on different threads get ids from different
/// blocks.
/// Get one with [`JoinHandle::id`](crate::task::JoinHandle::id),
/// [`task::id`](id) from inside the task, or
/// [`JoinError::id`](crate::task::JoinError::id).
///
/// tokio documents that ids are unique only among running tasks and may be
/// reused; weft never reuses one (a 64-bit counter does not wrap), which
/// that contract allows. tokio hands them out from one counter in spawn
/// order across all threads; weft's blocks save a locked instruction per
/// spawn, and an order across threads is not part of either contract.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let a = weft::spawn(async {});
/// let b = weft::spawn(async {});
/// assert_ne!(a.id(), b.id());
/// assert!(a.id() < b.id());
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

/// How many ids a thread takes from the process-wide counter at once.
const IDS_PER_BLOCK: u64 = 64;

thread_local! {
    /// This thread's block of ids: the next to hand out, and the end.
    static BLOCK: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
}

impl Id {
    /// The next id for a task spawned by this thread: the next of the
    /// thread's block, taking a new block from the process-wide counter
    /// when it is used up. One locked instruction per spawn was about 7 ns
    /// of a 175 ns spawn-and-await (`perf`: the `lock xadd` waits for the
    /// spawn's earlier stores to drain); a thread-local increment is not.
    /// The counter has no ordering role (nothing is published through
    /// it), so it is `std`'s atomic, not loom's.
    pub(crate) fn next() -> Id {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = BLOCK.with(|block| {
            let (next, end) = block.get();
            if next < end {
                block.set((next + 1, end));
                return next;
            }
            let start = NEXT.fetch_add(IDS_PER_BLOCK, Relaxed);
            block.set((start + 1, start + IDS_PER_BLOCK));
            start
        });
        Id(NonZeroU64::new(id).expect("2^64 task ids are never handed out"))
    }

    /// The id as a number (for compact records, `task::wait_record`).
    pub(crate) fn as_u64(self) -> u64 {
        self.0.get()
    }

    /// The id whose number is `id`, if it is one (not 0).
    pub(crate) fn from_u64(id: u64) -> Option<Id> {
        NonZeroU64::new(id).map(Id)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

/// Returns the [`Id`] of the task that is running on this thread.
///
/// A task counts as running while it is polled, while its future is
/// dropped, and while its output is dropped (by the runtime, or by the
/// thread that drops a `JoinHandle` whose output was never read), as in
/// tokio.
///
/// # Panics
///
/// Panics with "`task::id()` called outside of a task" when no task is
/// being polled on this thread (for example in `block_on`'s own future).
/// Use [`try_id`] to get an `Option` instead.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let handle = weft::spawn(async { weft::task::id() });
/// let expected = handle.id();
/// assert_eq!(handle.await.unwrap(), expected);
/// # }
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect("`task::id()` called outside of a task")
}

/// Returns the [`Id`] of the task running on this thread, or `None` outside
/// of a task.
pub fn try_id() -> Option<Id> {
    context::current_task_id()
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Ids from one thread increase, across the end of its blocks too, and
    /// threads taking ids at once never hand out the same one.
    #[test]
    fn ids_increase_per_thread_and_are_unique_across_threads() {
        let take = || {
            let ids: Vec<u64> = (0..3 * IDS_PER_BLOCK + 5)
                .map(|_| Id::next().as_u64())
                .collect();
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
            ids
        };
        let threads: Vec<_> = (0..4).map(|_| std::thread::spawn(take)).collect();
        let mut all: Vec<u64> = take();
        for thread in threads {
            all.extend(thread.join().unwrap());
        }
        let unique: HashSet<u64> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len(), "an id was handed out twice");
    }
}

//! Task identifiers.

use crate::runtime::context;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// An opaque identifier of a task, unique for the life of the process.
///
/// Ids are small integers handed out in order as tasks are spawned (the
/// first task of the process gets 1), so they read well in logs and in
/// [`JoinError`](crate::task::JoinError)'s message ("task 7 panicked ...").
/// Get one with [`JoinHandle::id`](crate::task::JoinHandle::id),
/// [`task::id`](id) from inside the task, or
/// [`JoinError::id`](crate::task::JoinError::id).
///
/// tokio documents that ids are unique only among running tasks and may be
/// reused; weft never reuses one (a 64-bit counter does not wrap), which
/// that contract allows.
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

impl Id {
    /// The next id. A counter with no ordering role (nothing is published
    /// through it), so it is `std`'s atomic, not loom's.
    pub(crate) fn next() -> Id {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Relaxed);
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

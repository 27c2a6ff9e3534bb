//! Task identifiers.

use crate::runtime::context;
use std::fmt;
use std::num::NonZeroU64;

/// An opaque identifier of a task, unique among the tasks that are alive.
///
/// A task is alive from `spawn` until it has completed *and* every handle to
/// it (its `JoinHandle`, `AbortHandle`s) is gone. Get one with
/// [`JoinHandle::id`](crate::task::JoinHandle::id), [`task::id`](id) from
/// inside the task, or [`JoinError::id`](crate::task::JoinError::id).
///
/// # Differences from tokio
///
/// tokio documents that "task IDs are unique relative to other currently
/// running tasks" and that an ID may be reused once its task has completed;
/// weft makes use of exactly that freedom: the id is derived from the task's
/// cell address, which spares eight bytes in every task. Do not use an id as
/// a key after the task has been joined.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

impl Id {
    pub(crate) fn from_addr(addr: usize) -> Id {
        Id(NonZeroU64::new(addr as u64).expect("task cells are never at address 0"))
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

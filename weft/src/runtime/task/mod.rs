//! The task cell and its protocol: the engine half of `weft::task`.
//!
//! `state` holds the atomic protocol, `raw` the cell layout, `harness` the
//! typed poll/complete/cancel code, `waker` the waker vtable, `list` the
//! owner list used at shutdown, `join` the `JoinHandle`/`AbortHandle`,
//! `error` the `JoinError`, `id` the task id and `yielded` the deferred
//! entry of a task that deferred its own wake. This file defines what a
//! scheduler sees of a task: [`Schedule`], [`Task`], [`Notified`] and
//! [`bind`].

mod annex;
mod error;
pub(crate) mod harness;
mod id;
mod join;
pub(crate) mod list;
mod meta;
mod name;
pub(crate) mod raw;
mod state;
#[cfg(feature = "tracing")]
mod trace;
pub(crate) mod wait_record;
mod waker;
mod yielded;

#[cfg(all(test, not(weft_loom)))]
mod cell_tests;
#[cfg(all(test, weft_loom))]
mod loom_tests;
#[cfg(test)]
mod test_probe;

pub use error::JoinError;
pub use id::{id, try_id, Id};
pub use join::{AbortHandle, JoinHandle};
pub(crate) use meta::{clock_ns, NewTaskMeta, SpawnKind, SpawnMeta, TaskMeta};
pub(crate) use waker::is_waker_of;
pub(crate) use yielded::YieldedTask;

use raw::{Cell, RawTask};
use std::future::Future;
use std::marker::PhantomData;

/// Futures bigger than this are boxed at the public entry points (`spawn`,
/// `spawn_local`, `block_on`) before they travel further by value. Every
/// by-value hop on the way into the task cell can leave a copy in a stack
/// frame; without optimisations those copies add up to a stack overflow
/// for futures of a few hundred KiB. Optimised builds keep far fewer
/// copies, hence the larger threshold there.
pub(crate) const BOX_FUTURE_THRESHOLD: usize = if cfg!(debug_assertions) {
    2 * 1024
} else {
    16 * 1024
};

/// Whether `future` is boxed before it is spawned or blocked on.
pub(crate) const fn is_large_future<F>(_future: &F) -> bool {
    std::mem::size_of::<F>() > BOX_FUTURE_THRESHOLD
}

/// Evaluates `$call` with `$f` bound to `$future`, pinned in a box first when
/// the future is larger than [`BOX_FUTURE_THRESHOLD`]. Every public entry
/// point that takes a future by value (`spawn`, `spawn_local`, `block_on`,
/// ...) goes through here, so that only a pointer travels further.
macro_rules! box_if_large {
    ($future:expr, |$f:ident| $call:expr) => {{
        let future = $future;
        if $crate::runtime::task::is_large_future(&future) {
            let $f = ::std::boxed::Box::pin(future);
            $call
        } else {
            let $f = future;
            $call
        }
    }};
}
pub(crate) use box_if_large;

/// What a task needs from the scheduler that owns it.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// Queues a task that was woken.
    fn schedule(&self, task: Notified<Self>);

    /// Queues a task that woke itself while running; it should run after
    /// the tasks that are already ready.
    fn yield_now(&self, task: Notified<Self>) {
        self.schedule(task);
    }

    /// Keeps a task that deferred its own wake in the scheduler's own list
    /// until its next driver check (`runtime::context`, *Deferred wakes*),
    /// if this thread drives this scheduler; otherwise gives it back, and
    /// the thread's deferred list takes it (`task::yielded`). Called from
    /// the task's harness with no reference but the entry's: an
    /// implementation must not make the entry visible to other threads
    /// before it returns (it may be run and freed there).
    fn defer_yield(&self, task: Notified<Self>) -> Option<Notified<Self>> {
        Some(task)
    }

    /// Removes a completed task from the owner list, returning the list's
    /// reference (or `None` if shutdown already removed it).
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>>;
}

/// The owner list's reference to a task.
pub(crate) struct Task<S: 'static> {
    raw: RawTask,
    _scheduler: PhantomData<S>,
}

/// A run-queue entry: a reference to a task that must be polled.
pub(crate) struct Notified<S: 'static>(Task<S>);

// SAFETY: `Task`/`Notified` are references into the atomic protocol; a task
// that must stay on its thread (`spawn_local`) is only polled there, and its
// entries only travel to that thread's queues.
unsafe impl<S> Send for Task<S> {}
// SAFETY: as above.
unsafe impl<S> Sync for Task<S> {}

impl<S: 'static> Task<S> {
    /// # Safety
    ///
    /// The caller hands over one reference to a task of scheduler `S`.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Task<S> {
        Task {
            raw,
            _scheduler: PhantomData,
        }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// Gives up ownership of the reference without dropping it.
    pub(crate) fn into_raw(self) -> RawTask {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }

    pub(crate) fn id(&self) -> Id {
        self.raw.id()
    }

    /// Runtime shutdown: cancels the task now if it is idle, or marks it so
    /// its runner cancels it after the current poll.
    pub(crate) fn shutdown(&self) {
        if self.raw.state().transition_to_shutdown() {
            // SAFETY: the transition set RUNNING for us; we hold a reference.
            unsafe { self.raw.cancel() }
        }
    }
}

impl<S: 'static> Drop for Task<S> {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl<S: 'static> Notified<S> {
    /// # Safety
    ///
    /// The caller hands over one `Notified` reference to a task of `S`.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified<S> {
        // SAFETY: forwarded to the caller.
        Notified(unsafe { Task::from_raw(raw) })
    }

    /// Gives up ownership of the entry's reference without dropping it.
    pub(crate) fn into_raw(self) -> RawTask {
        self.0.into_raw()
    }

    /// Cancels the task instead of running it (a queue that closed while
    /// the entry was on its way in): its handle reports the cancellation.
    pub(crate) fn shutdown(self) {
        self.0.shutdown();
    }

    /// Polls the task once, consuming this entry.
    pub(crate) fn run(self) {
        self.0.into_raw().poll();
    }

    pub(crate) fn id(&self) -> Id {
        self.0.id()
    }

    /// The task's [`TaskMeta`], if it is tracked.
    pub(crate) fn meta(&self) -> Option<&TaskMeta> {
        self.0.raw.meta()
    }
}

/// Allocates a task and returns its three initial references: the owner
/// list's, the first run-queue entry, and the join handle.
///
/// `remote_cancel` says whether `abort` may drop the future on any thread
/// (true for `Send` futures); `meta` is given for a tracked task.
fn new_task<F, S>(
    future: F,
    scheduler: S,
    remote_cancel: bool,
    meta: Option<NewTaskMeta<'_>>,
) -> (Task<S>, Notified<S>, JoinHandle<F::Output>)
where
    F: Future + 'static,
    S: Schedule,
{
    let ptr = Cell::allocate(future, scheduler, remote_cancel, meta);
    // SAFETY: `ptr` is a fresh cell whose state counts exactly these three
    // references, with JOIN_INTEREST and NOTIFIED set.
    unsafe {
        let raw = RawTask::from_raw(ptr);
        (
            Task::from_raw(raw),
            Notified::from_raw(raw),
            JoinHandle::new(raw),
        )
    }
}

/// Binds a `Send` future to a scheduler: allocates the task and enters it
/// in `owned`. Returns the handle and, unless the list is closed, the first
/// run-queue entry for the caller to schedule. `meta` makes it a tracked
/// task (see `task::meta`).
pub(crate) fn bind<F, S>(
    owned: &list::OwnedTasks<S>,
    future: F,
    scheduler: S,
    meta: Option<NewTaskMeta<'_>>,
) -> (JoinHandle<F::Output>, Option<Notified<S>>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let (task, notified, join) = new_task(future, scheduler, true, meta);
    (join, owned.bind(task, notified))
}

/// As [`bind`], for a future that is not `Send`.
///
/// # Safety
///
/// The task must only ever be polled (and so its entries only run) on the
/// current thread.
pub(crate) unsafe fn bind_local<F, S>(
    owned: &list::OwnedTasks<S>,
    future: F,
    scheduler: S,
    meta: Option<NewTaskMeta<'_>>,
) -> (JoinHandle<F::Output>, Option<Notified<S>>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    let (task, notified, join) = new_task(future, scheduler, false, meta);
    (join, owned.bind(task, notified))
}

impl<S> std::fmt::Debug for Notified<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Notified").field(&self.id()).finish()
    }
}

//! The task `Waker`: the header pointer plus one static vtable.
//!
//! Cloning adds a reference, dropping removes one, waking follows rule 2 of
//! `task::state` and leaves the thread's "woke a task" hint
//! (`park::wait_hint`, rule 3). No operation allocates. `wake_by_ref` on a
//! task that is already notified, running or complete leaves the reference
//! count alone.
//!
//! The waker passed to a task's own `poll` is *borrowed*: it holds no
//! reference of its own (the run reference keeps the cell alive for the
//! poll), so a poll that never clones its waker costs no atomic operation
//! for it at all.
//!
//! With the feature `tracing`, each operation on the waker of a task that
//! has a span first emits the waker event `console-subscriber` counts
//! (`task::trace`); for other tasks it is one branch.

use super::raw::{Header, RawTask};
use super::state::TransitionToNotified;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker for the task at `ptr` that must not outlive the caller's
/// reference and must not be dropped (hence `ManuallyDrop`).
pub(super) fn borrowed(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    let raw = RawWaker::new(ptr.as_ptr() as *const (), &VTABLE);
    // SAFETY: `VTABLE`'s functions uphold the `RawWaker` contract for task
    // headers; `ManuallyDrop` keeps the missing reference from being dropped.
    ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
}

/// Whether `waker` is a waker of `task` (its borrowed poll waker or a
/// clone): then `runtime::context::defer` can let the task's harness queue
/// it after the poll instead of keeping a waker. Counted as the task's
/// wake of itself for `tracing` (`console-subscriber`'s self-wakes).
pub(crate) fn is_waker_of(waker: &Waker, task: RawTask) -> bool {
    let own = std::ptr::eq(waker.data(), task.header_ptr().as_ptr() as *const ())
        && std::ptr::eq(waker.vtable(), &VTABLE);
    #[cfg(feature = "tracing")]
    if own {
        super::trace::waker_op(task, "waker.wake_by_ref");
    }
    own
}

/// # Safety
///
/// `ptr` is the data pointer of a waker made by this module.
unsafe fn task(ptr: *const ()) -> RawTask {
    // SAFETY: wakers are only built from non-null header pointers of cells
    // they hold (or borrow) a reference to.
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: called on a waker of ours.
    let task = unsafe { task(ptr) };
    #[cfg(feature = "tracing")]
    super::trace::waker_op(task, "waker.clone");
    task.header().state.ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: called on a waker of ours, which gives up its reference.
    let task = unsafe { task(ptr) };
    #[cfg(feature = "tracing")]
    super::trace::waker_op(task, "waker.wake");
    crate::runtime::park::wait_hint::woke_others();
    match task.header().state.transition_to_notified_by_val() {
        TransitionToNotified::DoNothing => {}
        TransitionToNotified::Submit => {
            // Rule 2: our reference keeps the cell (and the scheduler handle
            // inside it) alive while `schedule` runs.
            task.schedule();
            task.drop_reference();
        }
        // SAFETY: the transition dropped the last reference.
        TransitionToNotified::Dealloc => unsafe { task.dealloc() },
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: called on a waker of ours, which keeps its reference.
    let task = unsafe { task(ptr) };
    #[cfg(feature = "tracing")]
    super::trace::waker_op(task, "waker.wake_by_ref");
    crate::runtime::park::wait_hint::woke_others();
    match task.header().state.transition_to_notified_by_ref() {
        TransitionToNotified::Submit => task.schedule(),
        TransitionToNotified::DoNothing => {}
        TransitionToNotified::Dealloc => unreachable!("a by-ref wake drops no reference"),
    }
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: called on a waker of ours, which gives up its reference.
    let task = unsafe { task(ptr) };
    #[cfg(feature = "tracing")]
    super::trace::waker_op(task, "waker.drop");
    task.drop_reference();
}

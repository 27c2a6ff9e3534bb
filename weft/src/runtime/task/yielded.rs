//! `YieldedTask`: a task that deferred its own wake (`yield_now`, a spent
//! budget) and waits in its thread's deferred list for the next driver
//! check (`runtime::context`, *Deferred wakes*).
//!
//! Deferring a waker costs a clone (a reference), later a wake (a state
//! transition) and the clone's drop: three atomic operations on top of the
//! poll's own. When the waker is the polled task's own, the harness does
//! better once the poll returns: one transition leaves the task idle *and*
//! notified (state rule 4), its run reference becoming the new entry's,
//! and the entry goes to the scheduler's own list of yielded tasks
//! (`Schedule::defer_yield`: both schedulers keep one in their core and
//! move it to the run queue after each driver check), with no other
//! atomic operation.
//!
//! A scheduler without such a list (`LocalSet`), or a thread that no
//! longer holds its scheduler's core, gives the entry back; then it goes
//! to the thread's deferred list as this type, with a second reference:
//! delivering it hands the entry to the task's scheduler and then drops
//! that reference, which kept the cell (and the scheduler handle inside
//! it) alive while `schedule` ran, as a waker's own reference does in
//! `waker::wake`.

use super::raw::RawTask;

/// A deferred entry of a task that is idle and notified: owns the entry's
/// `Notified` reference and the run reference of the poll that yielded.
pub(crate) struct YieldedTask {
    raw: RawTask,
}

impl YieldedTask {
    /// # Safety
    ///
    /// The caller hands over two references to `raw`, whose state is idle
    /// with `NOTIFIED` set and no queue entry yet: the new entry's and the
    /// finished poll's.
    pub(super) unsafe fn new(raw: RawTask) -> YieldedTask {
        YieldedTask { raw }
    }

    /// Gives both references back to the caller.
    pub(super) fn into_raw(self) -> RawTask {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }

    /// Queues the task on its scheduler, as a wake would.
    pub(crate) fn resume(self) {
        let raw = self.into_raw();
        // The `Notified` reference goes to the scheduler; the run reference
        // keeps the cell alive until `schedule` has returned.
        raw.schedule();
        raw.drop_reference();
    }
}

impl Drop for YieldedTask {
    /// Not resumed (only when the thread-locals holding it are destroyed,
    /// after the scheduler stopped): gives up both references, as dropping
    /// a deferred waker gives up its one. Runtime shutdown cancels the
    /// task, which is idle, through its owner list.
    fn drop(&mut self) {
        self.raw.drop_reference();
        self.raw.drop_reference();
    }
}

//! A waker slot whose accesses its owner's protocol orders: a waiter
//! node's waker in `batch_semaphore` and `Notify` (under the primitive's
//! lock), a half's waker in `oneshot` (handed over by the state word's
//! bits).
//!
//! The cell is loom's `UnsafeCell` under `--cfg weft_loom`, so the models
//! check that the owner's protocol does order every access.

use crate::loom::UnsafeCell;
use std::task::Waker;

/// An `Option<Waker>` behind an `UnsafeCell`.
pub(crate) struct WakerCell(UnsafeCell<Option<Waker>>);

impl WakerCell {
    pub(crate) fn new() -> WakerCell {
        WakerCell(UnsafeCell::new(None))
    }

    /// Takes the waker out.
    ///
    /// # Safety
    ///
    /// The caller has exclusive access to the cell (its owner's protocol
    /// grants it: say, the lock that guards the cell is held).
    pub(crate) unsafe fn take(&self) -> Option<Waker> {
        // SAFETY: exclusive access (caller).
        self.0.with_mut(|p| unsafe { (*p).take() })
    }

    /// Stores `waker` and returns the one it replaces. Under a lock, the
    /// caller clones `waker` before taking it and drops the returned one
    /// after releasing it: no user code runs under a lock.
    ///
    /// # Safety
    ///
    /// As for [`take`](WakerCell::take).
    pub(crate) unsafe fn replace(&self, waker: Waker) -> Option<Waker> {
        // SAFETY: exclusive access (caller).
        self.0.with_mut(|p| unsafe { (*p).replace(waker) })
    }

    /// Whether the stored waker would wake `waker`'s task (`will_wake`
    /// compares pointers: no user code runs).
    ///
    /// # Safety
    ///
    /// Nobody writes the cell meanwhile (the caller has exclusive access, or
    /// shared access that its owner's protocol keeps writers from).
    pub(crate) unsafe fn will_wake(&self, waker: &Waker) -> bool {
        // SAFETY: no concurrent writer (caller).
        self.0
            .with(|p| unsafe { (*p).as_ref().is_some_and(|w| w.will_wake(waker)) })
    }

    /// Wakes the stored waker, if any, by reference.
    ///
    /// # Safety
    ///
    /// As for [`will_wake`](WakerCell::will_wake).
    pub(crate) unsafe fn wake_by_ref(&self) {
        // SAFETY: no concurrent writer (caller).
        self.0.with(|p| unsafe {
            if let Some(waker) = &*p {
                waker.wake_by_ref();
            }
        });
    }
}

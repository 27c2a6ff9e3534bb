//! The LIFO slot: the task a worker woke most recently runs next.
//!
//! # Design note
//!
//! When task A wakes task B on the same worker (a message sent down a
//! channel), running B next, while the message is still in cache, beats
//! putting it behind every queued task; this is Go's `runnext` and tokio's
//! LIFO slot. The scheduler caps how many LIFO polls run back to back (two
//! tasks waking each other would otherwise starve the queue).
//!
//! Unlike a plain field, the slot is an atomic pointer that another worker
//! may empty too. A task parked here would otherwise be stuck for as long
//! as its worker's current poll blocks (a `std::thread::sleep`, a slow
//! syscall): idle workers that see a slot holding the same task across a
//! short timeout take it (`worker.rs`, "LIFO rescue"). Every access is one
//! `swap`, so exactly one side gets the task: ownership of the `Notified`
//! reference moves with the pointer.

use crate::loom::{AtomicUsize, Ordering::*};
use crate::task::raw::RawTask;
use crate::task::Notified;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// Holds at most one `Notified` reference, as a header address (0: empty).
pub(super) struct LifoSlot<S: 'static> {
    task: AtomicUsize,
    _task: PhantomData<Notified<S>>,
}

impl<S: 'static> LifoSlot<S> {
    pub(super) fn new() -> LifoSlot<S> {
        LifoSlot {
            task: AtomicUsize::new(0),
            _task: PhantomData,
        }
    }

    /// Puts `task` in the slot, returning the task it displaced.
    pub(super) fn replace(&self, task: Notified<S>) -> Option<Notified<S>> {
        let address = task.into_raw().header_ptr().as_ptr() as usize;
        // AcqRel: Release publishes the task to a worker that takes it;
        // Acquire sees the task we may get back.
        // SAFETY: the slot held a `Notified` reference it now hands us.
        unsafe { Self::from_address(self.task.swap(address, AcqRel)) }
    }

    /// Takes the task out of the slot.
    pub(super) fn take(&self) -> Option<Notified<S>> {
        if self.task.load(Relaxed) == 0 {
            return None;
        }
        // Acquire: pairs with the Release half of `replace`.
        // SAFETY: as in `replace`.
        unsafe { Self::from_address(self.task.swap(0, AcqRel)) }
    }

    /// The address of the task in the slot (0: empty), to tell whether the
    /// same task sits there on a later look.
    pub(super) fn peek(&self) -> usize {
        self.task.load(Relaxed)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.peek() == 0
    }

    /// Takes the task only if it is still the one seen by `peek`.
    pub(super) fn take_if(&self, address: usize) -> Option<Notified<S>> {
        if address == 0 {
            return None;
        }
        // Acquire: pairs with the Release half of `replace`.
        match self.task.compare_exchange(address, 0, AcqRel, Relaxed) {
            // SAFETY: as in `replace`.
            Ok(address) => unsafe { Self::from_address(address) },
            Err(_) => None,
        }
    }

    /// # Safety
    ///
    /// `address` is 0 or a header address whose `Notified` reference the
    /// caller now owns.
    unsafe fn from_address(address: usize) -> Option<Notified<S>> {
        let ptr = NonNull::new(address as *mut _)?;
        // SAFETY: forwarded to the caller.
        Some(unsafe { Notified::from_raw(RawTask::from_raw(ptr)) })
    }
}

impl<S: 'static> Drop for LifoSlot<S> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl<S: 'static> std::fmt::Debug for LifoSlot<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LifoSlot")
            .field("occupied", &!self.is_empty())
            .finish()
    }
}

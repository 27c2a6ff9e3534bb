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
use crate::runtime::task::raw::RawTask;
use crate::runtime::task::Notified;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// Holds at most one `Notified` reference, as a header address (0: empty).
///
/// On cache lines of its own (128 bytes: two lines, for the adjacent-line
/// prefetcher): the owner reads the slot after every poll, and its
/// allocation used to land next to data other workers write. Measured on
/// the `yield_many` row, where the slot stays empty: a build whose heap
/// layout put it there spent 64% of `coop::with_budget`'s samples on that
/// one load and ran the row 40% slower.
#[repr(align(128))]
pub(super) struct LifoSlot<S: 'static> {
    task: AtomicUsize,
    /// How many times the owner filled the slot: tells a rescuer whether
    /// the task it saw earlier is the same one still waiting, or the same
    /// task put back after running (ABA).
    fills: AtomicUsize,
    _task: PhantomData<Notified<S>>,
}

/// What a rescuer saw in a slot: `(task address, fills)`.
pub(super) type Sighting = (usize, usize);

impl<S: 'static> LifoSlot<S> {
    pub(super) fn new() -> LifoSlot<S> {
        LifoSlot {
            task: AtomicUsize::new(0),
            fills: AtomicUsize::new(0),
            _task: PhantomData,
        }
    }

    /// Puts `task` in the slot, returning the task it displaced. Only the
    /// owner calls this.
    pub(super) fn replace(&self, task: Notified<S>) -> Option<Notified<S>> {
        let address = task.into_raw().header_ptr().as_ptr() as usize;
        // Only the owner writes `fills`: a load and a store, no RMW.
        self.fills
            .store(self.fills.load(Relaxed).wrapping_add(1), Relaxed);
        // SeqCst: Release publishes the task to a worker that takes it,
        // Acquire sees the task we may get back, and the total order
        // pairs with the rescuers' watch count (worker.rs, LIFO rescue).
        // SAFETY: the slot held a `Notified` reference it now hands us.
        unsafe { Self::from_address(self.task.swap(address, SeqCst)) }
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

    /// What the slot holds now, if anything, to tell on a later look
    /// whether the same task has been waiting all along.
    pub(super) fn sighting(&self) -> Option<Sighting> {
        // SeqCst: see `replace`.
        let address = self.task.load(SeqCst);
        (address != 0).then(|| (address, self.fills.load(Relaxed)))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.task.load(Relaxed) == 0
    }

    /// Takes the task only if it is still the one of `sighting`, not
    /// refilled since. The two checks are not one atomic step: the owner
    /// may take and put back the same task between them, and the rescuer
    /// then takes a task whose worker was not stuck. That costs a needless
    /// migration, never a lost or doubled task (loom:
    /// `mt_lifo_rescue_skips_refilled_task`, ignored for this reason).
    pub(super) fn take_if(&self, (address, fills): Sighting) -> Option<Notified<S>> {
        if self.fills.load(Relaxed) != fills {
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

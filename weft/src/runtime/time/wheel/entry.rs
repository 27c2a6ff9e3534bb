//! The wheel's node: one per timer, living inside the timer's future.
//!
//! An [`Entry`] is embedded in [`Sleep`](crate::time::Sleep) (through
//! `time::timer::Timer`), so registering a timer allocates nothing. The
//! wheel links entries into its slot lists by raw pointer; that is sound
//! because the owning future is pinned before the entry is first linked
//! and its `Drop` unlinks it (protocol in `time/timer.rs`).
//!
//! Two kinds of fields:
//!
//! * `links`, `when`, `location`, `waker`: touched only by a thread that
//!   holds the time driver's lock — or by the owner while the entry is not
//!   in the wheel (state `IDLE`, `FIRED`), when nobody else can reach it.
//!   A waker is never cloned or dropped with the lock held (both run user
//!   code): it is cloned before locking and moved out to be dropped after.
//! * `state`: read without the lock (the fast path of `poll` and `drop`),
//!   written only with the lock held.

use crate::loom::{AtomicU32, Ordering, UnsafeCell};
use std::ptr::NonNull;
use std::task::Waker;

/// Not in the wheel: never registered, or reset after firing.
pub(crate) const IDLE: u32 = 0;
/// Linked in the wheel (a slot list or the pending list).
pub(crate) const REGISTERED: u32 = 1;
/// Taken out of the wheel by the driver because its deadline passed.
pub(crate) const FIRED: u32 = 2;
/// Taken out of the wheel because the runtime's time driver shut down.
pub(crate) const SHUTDOWN: u32 = 3;

/// Where a registered entry is linked: `level * SLOTS + slot`, or
/// [`PENDING`](super::PENDING).
pub(crate) type Location = u16;

/// Intrusive list links.
#[derive(Debug, Default)]
pub(crate) struct Links {
    pub(crate) prev: Option<NonNull<Entry>>,
    pub(crate) next: Option<NonNull<Entry>>,
}

/// One timer's node.
#[derive(Debug)]
pub(crate) struct Entry {
    links: UnsafeCell<Links>,
    /// The deadline in driver ticks (microseconds since the driver began).
    when: UnsafeCell<u64>,
    location: UnsafeCell<Location>,
    waker: UnsafeCell<Option<Waker>>,
    state: AtomicU32,
}

// SAFETY: the raw links are only followed by threads holding the driver
// lock (module docs), and every other field is either behind that lock or
// atomic; a `Waker` is `Send + Sync`.
unsafe impl Send for Entry {}
// SAFETY: as for `Send`: shared access goes through the lock or the atomic.
unsafe impl Sync for Entry {}

impl Entry {
    pub(crate) fn new() -> Entry {
        Entry {
            links: UnsafeCell::new(Links::default()),
            when: UnsafeCell::new(0),
            location: UnsafeCell::new(0),
            waker: UnsafeCell::new(None),
            state: AtomicU32::new(IDLE),
        }
    }

    pub(crate) fn state(&self, order: Ordering) -> u32 {
        self.state.load(order)
    }

    /// # Safety
    ///
    /// The caller holds the driver lock, or owns the entry while it is not
    /// in the wheel.
    pub(crate) unsafe fn set_state(&self, state: u32, order: Ordering) {
        self.state.store(state, order);
    }

    /// # Safety
    ///
    /// As for [`set_state`](Entry::set_state); the returned reference must
    /// not outlive that access.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn links(&self) -> &mut Links {
        // SAFETY: exclusive access is the caller's contract.
        self.links.with_mut(|links| unsafe { &mut *links })
    }

    /// # Safety
    ///
    /// As for [`set_state`](Entry::set_state).
    pub(crate) unsafe fn when(&self) -> u64 {
        // SAFETY: the caller's contract excludes a concurrent writer.
        self.when.with(|when| unsafe { *when })
    }

    /// # Safety
    ///
    /// As for [`set_state`](Entry::set_state).
    pub(crate) unsafe fn set_when(&self, when: u64) {
        // SAFETY: the caller's contract gives exclusive access.
        self.when.with_mut(|slot| unsafe { *slot = when });
    }

    /// # Safety
    ///
    /// As for [`set_state`](Entry::set_state).
    pub(crate) unsafe fn location(&self) -> Location {
        // SAFETY: the caller's contract excludes a concurrent writer.
        self.location.with(|location| unsafe { *location })
    }

    /// # Safety
    ///
    /// As for [`set_state`](Entry::set_state).
    pub(crate) unsafe fn set_location(&self, location: Location) {
        // SAFETY: the caller's contract gives exclusive access.
        self.location.with_mut(|slot| unsafe { *slot = location });
    }

    /// Whether the stored waker would wake the same task as `waker`.
    ///
    /// # Safety
    ///
    /// As for [`set_state`](Entry::set_state).
    pub(crate) unsafe fn will_wake(&self, waker: &Waker) -> bool {
        // SAFETY: the caller's contract excludes a concurrent writer.
        self.waker.with(|slot| unsafe {
            (*slot)
                .as_ref()
                .is_some_and(|stored| stored.will_wake(waker))
        })
    }

    /// Stores `waker`, returning the previous one (for the caller to drop
    /// once it has released the driver lock: dropping a waker runs user
    /// code).
    ///
    /// # Safety
    ///
    /// As for [`set_state`](Entry::set_state).
    pub(crate) unsafe fn replace_waker(&self, waker: Option<Waker>) -> Option<Waker> {
        // SAFETY: the caller's contract gives exclusive access.
        self.waker
            .with_mut(|slot| unsafe { std::mem::replace(&mut *slot, waker) })
    }

    /// # Safety
    ///
    /// As for [`set_state`](Entry::set_state).
    pub(crate) unsafe fn take_waker(&self) -> Option<Waker> {
        // SAFETY: the caller's contract gives exclusive access.
        self.waker.with_mut(|slot| unsafe { (*slot).take() })
    }
}

//! The timer inside every `Sleep`: a wheel entry plus the driver handle.
//!
//! # Design note
//!
//! The entry's states (`time/wheel/entry.rs`) and who may move it:
//!
//! ```text
//!   IDLE ──first poll (lock)──▶ REGISTERED ──driver fires (lock)──▶ FIRED
//!    ▲  ╲                        │    ▲                              │
//!    │   deadline already past   │    └── reset (lock: relink) ──────┘ (FIRED → IDLE
//!    │   at poll (owner) ─▶ FIRED│                                      by the owner)
//!    └────── reset (owner) ◀─────┘ (only from FIRED/IDLE)
//!                         any ──driver shutdown (lock)──▶ SHUTDOWN
//! ```
//!
//! Rules (numbering continues `time/driver.rs`'s):
//!
//! 5. The owner touches the entry's fields without the lock only in `IDLE`
//!    and `FIRED`, when the wheel has no pointer to it.
//! 6. A `REGISTERED` entry is linked in the wheel: the owner locks before
//!    touching it, and `Drop` unlinks it under the lock before the memory
//!    goes. The timer is `!Unpin` and is only linked through `Pin<&mut>`,
//!    so the pointer the wheel holds stays valid until that `Drop`.
//! 7. Polls after the first take the lock only while `REGISTERED`, to swap
//!    the waker if the task's changed; a fired timer is seen lock-free.

use super::driver::Handle;
use super::wheel::{Entry, FIRED, IDLE, REGISTERED, SHUTDOWN};
use crate::loom::Ordering::*;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};
use std::time::Instant;

/// The panic message of a timer whose runtime has shut down.
const SHUTDOWN_MESSAGE: &str =
    "a weft timer was polled after its runtime shut down: the time driver is gone";

/// One timer registration.
#[derive(Debug)]
pub(crate) struct Timer {
    handle: Handle,
    entry: Entry,
    _pinned: PhantomPinned,
}

impl Timer {
    pub(crate) fn new(handle: Handle) -> Timer {
        Timer {
            handle,
            entry: Entry::new(),
            _pinned: PhantomPinned,
        }
    }

    /// Whether the driver fired this timer (and it was not reset since).
    pub(crate) fn is_elapsed(&self) -> bool {
        self.entry.state(Relaxed) == FIRED
    }

    /// Ready once `deadline` has passed; otherwise registers `cx`'s waker.
    ///
    /// # Panics
    ///
    /// If the runtime's time driver has shut down.
    pub(crate) fn poll_elapsed(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        deadline: Instant,
    ) -> Poll<()> {
        let this = self.into_ref().get_ref();
        let entry = &this.entry;
        // Acquire: pairs with the Release store of FIRED/SHUTDOWN (rule 2).
        match entry.state(Acquire) {
            FIRED => return Poll::Ready(()),
            SHUTDOWN => panic!("{SHUTDOWN_MESSAGE}"),
            REGISTERED => {
                let _locked = this.handle.lock();
                return match entry.state(Relaxed) {
                    REGISTERED => {
                        // SAFETY: the lock is held (rule 7).
                        unsafe { entry.set_waker(cx.waker()) };
                        Poll::Pending
                    }
                    FIRED => Poll::Ready(()),
                    _ => panic!("{SHUTDOWN_MESSAGE}"),
                };
            }
            _ => {}
        }
        let clock = this.handle.clock();
        let when = clock.deadline_tick(deadline);
        // A deadline already passed completes here, without the wheel. The
        // check reads the coarse clock (a few ns, up to a few ms behind):
        // a deadline passed more recently than that goes through the wheel
        // and fires at the driver's next check instead.
        if when <= clock.past_tick() {
            // SAFETY: IDLE: only the owner reaches the entry (rule 5).
            unsafe { entry.set_state(FIRED, Relaxed) };
            return Poll::Ready(());
        }
        let mut locked = this.handle.lock();
        if locked.is_shutdown {
            drop(locked);
            panic!("{SHUTDOWN_MESSAGE}");
        }
        // SAFETY: the lock is held; the entry is pinned (we are reached
        // through `Pin`) and `Drop` unlinks it (rule 6); it is IDLE, so in
        // no list.
        let unpark = unsafe {
            entry.set_waker(cx.waker());
            let visit = locked.wheel.insert(NonNull::from(entry), when);
            entry.set_state(REGISTERED, Relaxed);
            this.handle.inserted(&mut locked, visit, when)
        };
        drop(locked);
        if unpark {
            this.handle.unpark();
        }
        Poll::Pending
    }

    /// Moves the deadline. A registered timer is relinked at once and keeps
    /// its waker, so its task is woken at the new deadline even if it is not
    /// polled again; a fired one becomes pending again.
    pub(crate) fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.into_ref().get_ref();
        let entry = &this.entry;
        // Acquire: as in `poll_elapsed`.
        match entry.state(Acquire) {
            REGISTERED => {
                let mut locked = this.handle.lock();
                if entry.state(Relaxed) == REGISTERED {
                    let when = this.handle.clock().deadline_tick(deadline);
                    // SAFETY: the lock is held and the entry is in the
                    // wheel (REGISTERED under the lock); rule 6 as above.
                    let unpark = unsafe {
                        locked.wheel.remove(NonNull::from(entry));
                        let visit = locked.wheel.insert(NonNull::from(entry), when);
                        this.handle.inserted(&mut locked, visit, when)
                    };
                    drop(locked);
                    if unpark {
                        this.handle.unpark();
                    }
                    return;
                }
                // Fired meanwhile: out of the wheel, so it is the owner's.
                drop(locked);
                // SAFETY: FIRED: the owner's alone (rule 5).
                unsafe { entry.set_state(IDLE, Relaxed) };
            }
            // SAFETY: IDLE or FIRED: the owner's alone (rule 5).
            IDLE | FIRED => unsafe { entry.set_state(IDLE, Relaxed) },
            _ => {}
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let entry = &self.entry;
        // Acquire: as in `poll_elapsed`: FIRED/SHUTDOWN means the driver is
        // done with the entry.
        if entry.state(Acquire) != REGISTERED {
            return;
        }
        let mut locked = self.handle.lock();
        if entry.state(Relaxed) == REGISTERED {
            // SAFETY: the lock is held and the entry is in the wheel (rule 6).
            unsafe { locked.wheel.remove(NonNull::from(entry)) };
        }
    }
}

//! The timer inside every `Sleep`: a wheel entry plus the driver handle.
//!
//! # Design note
//!
//! The entry's states (`time/wheel/entry.rs`) and who may move it:
//!
//! ```text
//!           first poll (lock)          driver fires (lock)
//!   IDLE ───────────────────▶ REGISTERED ───────────────────▶ FIRED
//!    │ ▲                       │    ▲  │  reset to a passed      ▲ │
//!    │ │                       └────┘  └─ deadline (lock, ───────┘ │
//!    │ │               reset (lock: relink)  rule 8, wakes)        │
//!    │ └──────────────── reset (owner, from IDLE or FIRED) ────────┘
//!    └─ first poll, deadline passed (rule 8) ─────────────────▶ FIRED
//!                        any ──driver shutdown (lock)──▶ SHUTDOWN
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
//! 7. Polls after the first take the lock only while `REGISTERED`, to check
//!    the stored waker; a fired timer is seen lock-free. A waker is cloned
//!    before the lock is taken and a replaced one dropped after it is
//!    released (no user code under the lock): the first registration
//!    stores it while `IDLE` (rule 5), a changed one is swapped in a second
//!    critical section.
//! 8. **Deadline order.** A deadline that has already passed completes
//!    without the wheel — at the first poll, or at a reset of a registered
//!    timer (which wakes its task, as the driver would) — only if no timer
//!    due at or before it is still in the wheel: lock-free when it is
//!    before the driver's next-expiration hint (a lower bound of every
//!    registered deadline), otherwise checked against the wheel under the
//!    lock. Otherwise it goes into the wheel and the driver fires it behind
//!    the earlier ones. So timers are woken in deadline order even when a
//!    stalled thread finds many of them due at once. (A timer first polled
//!    after the driver has already fired earlier ones may still complete
//!    before their tasks have run: those were woken first.)

use super::wheel::{Entry, FIRED, IDLE, REGISTERED, SHUTDOWN};
use super::Handle;
use crate::loom::Ordering::*;
use crate::runtime::waiting_on::{self, WaitingOn};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};
use std::time::Instant;

/// The panic message of a timer whose runtime has shut down.
const SHUTDOWN_MESSAGE: &str = crate::runtime::messages::RUNTIME_SHUTTING_DOWN;

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

    /// The time driver it belongs to (for the `tracing` feature's timer
    /// resource, which reads the clock).
    #[cfg(feature = "tracing")]
    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Whether the driver fired this timer (and it was not reset since).
    pub(crate) fn is_elapsed(&self) -> bool {
        self.entry.state(Relaxed) == FIRED
    }

    /// Ready once `deadline` has passed; otherwise registers `cx`'s waker
    /// (and records the wait for task dumps).
    ///
    /// # Panics
    ///
    /// If the runtime's time driver has shut down.
    pub(crate) fn poll_elapsed(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        deadline: Instant,
    ) -> Poll<()> {
        let poll = self.poll_deadline(cx, deadline);
        if poll.is_pending() {
            waiting_on::record(WaitingOn::Timer { deadline });
        }
        poll
    }

    /// [`poll_elapsed`](Self::poll_elapsed) without the record.
    fn poll_deadline(self: Pin<&mut Self>, cx: &mut Context<'_>, deadline: Instant) -> Poll<()> {
        let this = self.into_ref().get_ref();
        let entry = &this.entry;
        // Acquire: pairs with the Release store of FIRED/SHUTDOWN (rule 2).
        match entry.state(Acquire) {
            FIRED => return Poll::Ready(()),
            SHUTDOWN => panic!("{SHUTDOWN_MESSAGE}"),
            REGISTERED => return this.poll_registered(cx),
            _ => {}
        }
        let handle = &this.handle;
        let clock = handle.clock();
        let when = clock.deadline_tick(deadline);
        let passed = clock.has_passed(deadline, when);
        // Rule 8, lock-free: nothing registered is due at or before `when`.
        if passed && when < handle.next_expiration_hint() {
            // SAFETY: IDLE: only the owner reaches the entry (rule 5).
            unsafe { entry.set_state(FIRED, Relaxed) };
            return Poll::Ready(());
        }
        // Rule 7: cloned (user code) before locking; IDLE, so the owner
        // may store it without the lock (rule 5).
        // SAFETY: IDLE: only the owner reaches the entry.
        let stale = unsafe { entry.replace_waker(Some(cx.waker().clone())) };
        drop(stale);
        let mut locked = handle.lock();
        if locked.is_shutdown {
            drop(locked);
            panic!("{SHUTDOWN_MESSAGE}");
        }
        // Rule 8, under the lock: the wheel's next expiration bounds every
        // deadline in it from below.
        if passed
            && locked
                .wheel
                .next_expiration()
                .is_none_or(|next| next > when)
        {
            drop(locked);
            // SAFETY: still IDLE (never linked): the owner's alone.
            let waker = unsafe {
                entry.set_state(FIRED, Relaxed);
                entry.take_waker()
            };
            drop(waker);
            return Poll::Ready(());
        }
        // SAFETY: the lock is held; the entry is pinned (we are reached
        // through `Pin`) and `Drop` unlinks it (rule 6); it is IDLE, so in
        // no list.
        let unpark = unsafe {
            let visit = locked.wheel.insert(NonNull::from(entry), when);
            entry.set_state(REGISTERED, Relaxed);
            handle.inserted(&mut locked, visit, when)
        };
        locked.registered += 1;
        drop(locked);
        if unpark {
            handle.unpark();
        }
        Poll::Pending
    }

    /// A poll of a registered timer: pending with `cx`'s waker stored
    /// (rule 7), or ready if the driver fired it meanwhile.
    fn poll_registered(&self, cx: &mut Context<'_>) -> Poll<()> {
        let entry = &self.entry;
        let locked = self.handle.lock();
        match entry.state(Relaxed) {
            // SAFETY: the lock is held (rule 6).
            REGISTERED if unsafe { entry.will_wake(cx.waker()) } => return Poll::Pending,
            REGISTERED => {}
            FIRED => return Poll::Ready(()),
            _ => {
                drop(locked);
                panic!("{SHUTDOWN_MESSAGE}");
            }
        }
        drop(locked);
        // A different task (or waker) polls: clone outside the lock.
        let waker = cx.waker().clone();
        let locked = self.handle.lock();
        let (result, unused) = match entry.state(Relaxed) {
            // SAFETY: the lock is held (rule 6); the old waker comes out.
            REGISTERED => (Poll::Pending, unsafe { entry.replace_waker(Some(waker)) }),
            FIRED => (Poll::Ready(()), Some(waker)),
            _ => {
                drop(locked);
                drop(waker);
                panic!("{SHUTDOWN_MESSAGE}");
            }
        };
        drop(locked);
        drop(unused);
        result
    }

    /// Moves the deadline. A registered timer is relinked at once and keeps
    /// its waker, so its task is woken at the new deadline even if it is not
    /// polled again — or at once if the new deadline has passed (rule 8); a
    /// fired one becomes pending again, and its next poll is ready if the
    /// new deadline has passed (rule 8).
    pub(crate) fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.into_ref().get_ref();
        let entry = &this.entry;
        // Acquire: as in `poll_elapsed`.
        match entry.state(Acquire) {
            REGISTERED => {
                let clock = this.handle.clock();
                let when = clock.deadline_tick(deadline);
                let passed = clock.has_passed(deadline, when);
                let mut locked = this.handle.lock();
                if entry.state(Relaxed) == REGISTERED {
                    // SAFETY: the lock is held and the entry is in the
                    // wheel (REGISTERED under the lock); rule 6 as above.
                    unsafe { locked.wheel.remove(NonNull::from(entry)) };
                    if passed
                        && locked
                            .wheel
                            .next_expiration()
                            .is_none_or(|next| next > when)
                    {
                        // Rule 8: fired here, as the driver fires (rule 2).
                        // SAFETY: the lock is held; the entry is out of the
                        // wheel now.
                        let waker = unsafe {
                            let waker = entry.take_waker();
                            entry.set_state(FIRED, Release);
                            waker
                        };
                        locked.fired += 1;
                        drop(locked);
                        if let Some(waker) = waker {
                            waker.wake();
                        }
                        return;
                    }
                    // SAFETY: as above; the entry is in no list now.
                    let unpark = unsafe {
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
        let waker = if entry.state(Relaxed) == REGISTERED {
            // SAFETY: the lock is held and the entry is in the wheel (rule 6).
            unsafe {
                locked.wheel.remove(NonNull::from(entry));
                entry.take_waker()
            }
        } else {
            None
        };
        drop(locked);
        // The waker (user code) is dropped without the lock.
        drop(waker);
    }
}

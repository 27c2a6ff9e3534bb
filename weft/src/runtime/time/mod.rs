//! The time driver: the wheel behind a lock, fired by whichever thread
//! parks on the runtime's driver.
//!
//! # Design note
//!
//! One [`Wheel`] per runtime, behind one mutex (`Locked`). Timers
//! (`time/timer.rs`) lock it to insert on their first poll, to reset and to
//! cancel; the thread that parks on the runtime's driver (or checks it
//! without blocking, every `event_interval` ticks) locks it to fire due
//! entries. The protocol, with `state` the entry's atomic word:
//!
//! 1. `IDLE → REGISTERED` and every link change happen with the lock held.
//! 2. Firing takes an entry out of the wheel, takes its waker and then
//!    stores `FIRED` (Release), all with the lock held, and never touches
//!    the entry again: the waker is woken after the lock is released. So an
//!    owner that loads `FIRED` (Acquire) may free the entry without the
//!    lock, and one that loads `REGISTERED` locks and looks again. (The
//!    owner's reset of a registered timer to a passed deadline fires it
//!    the same way: rule 8 of `time/timer.rs`.)
//! 3. Before blocking, the parking thread records in `parked_until` the
//!    tick it will wake at (with the lock held, after reading the wheel).
//!    A timer inserted earlier than that lowers it and unparks the driver,
//!    which then recomputes its timeout. `NOT_PARKED` means no thread is
//!    blocked on the timers (it is running, and will look at the wheel
//!    before it blocks): no unpark. The woken driver resets it to
//!    `NOT_PARKED` *without* the lock: a registration that still sees the
//!    old value unparks once for nothing (harmless), and one that sees
//!    `NOT_PARKED` has its entry found by the driver's next park, whose
//!    critical section comes after it (or the registration would have
//!    read the value that park stored). So a park with no timer due costs
//!    no lock and no clock read on the way out.
//! 4. At shutdown every entry is taken out and marked `SHUTDOWN`, and
//!    later registrations are refused: their poll panics with a clear
//!    message, as tokio's does.
//!
//! Wakers are collected in batches of [`WAKE_BATCH`] so the lock is never
//! held while user code (a waker) runs. The wheel hands entries out in
//! deadline order (`time/wheel/mod.rs`), batches are woken in the order
//! they were taken, and only this thread fires: so the tasks of timers that
//! came due together (a stalled thread, a paused clock moved past many
//! deadlines) are woken — and, on one thread, queued and run — in deadline
//! order, with no sort and no allocation.
//!
//! `next_expiration` is a lower bound of every deadline in the wheel: an
//! insert lowers it (under the lock) and a firing pass sets it to the
//! wheel's next expiration (under the lock); a cancel leaves it low, which
//! only costs a check that finds nothing. Rule 8 (`time/timer.rs`) relies
//! on it being a lower bound.

pub(crate) mod clock;
pub(crate) mod timer;
mod wheel;

#[cfg(all(test, weft_loom))]
mod loom_tests;
#[cfg(test)]
mod test_support;
#[cfg(all(test, not(weft_loom)))]
mod timer_tests;

use crate::loom::{Arc, AtomicU64, Mutex, MutexGuard, Ordering::Relaxed};
use clock::Clock;
use wheel::{Wheel, FIRED, SHUTDOWN};

/// `parked_until` when no thread is blocked on the timers.
const NOT_PARKED: u64 = 0;

/// `parked_until`'s value for a park until `tick` (`u64::MAX`: until
/// unparked); never `NOT_PARKED`.
fn parked_until(tick: u64) -> u64 {
    tick.saturating_add(1)
}
use crate::runtime::park::DriverUnparker;
use std::task::Waker;
use std::time::Duration;

/// Wakers woken per lock release while firing.
const WAKE_BATCH: usize = 32;

/// What timers hold: the shared half of the time driver.
#[derive(Debug, Clone)]
pub(crate) struct Handle {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    clock: Clock,
    locked: Mutex<Locked>,
    /// The wheel's next expiration tick (`u64::MAX`: none), written with
    /// the lock held, read without it by non-blocking checks so that a
    /// check with nothing due costs no lock. A stale value only delays a
    /// check's firing to the next check; a blocking park always locks.
    next_expiration: AtomicU64,
    /// Rule 3: the tick a blocked driver wakes at, encoded by
    /// [`parked_until`], or `NOT_PARKED`. Stored with the lock held, but
    /// reset by the woken driver without it (see rule 3).
    parked_until: AtomicU64,
    unpark: DriverUnparker,
}

/// The lock-protected part; holding `&mut Locked` is holding the lock.
#[derive(Debug)]
pub(crate) struct Locked {
    pub(crate) wheel: Wheel,
    pub(crate) is_shutdown: bool,
    /// For `RuntimeMetrics`: timers entered into the wheel (an idle
    /// timer's first poll; moving a registered one is not a new entry).
    pub(crate) registered: u64,
    /// For `RuntimeMetrics`: timers the wheel fired (by the driver, or by
    /// a reset to a passed deadline).
    pub(crate) fired: u64,
}

/// The parking thread's half.
#[derive(Debug)]
pub(crate) struct Driver {
    handle: Handle,
    wakers: Vec<Waker>,
}

impl Driver {
    /// A time driver whose timers wake a blocked park through `unpark`.
    pub(crate) fn new(unpark: DriverUnparker) -> (Driver, Handle) {
        let handle = Handle {
            inner: Arc::new(Shared {
                clock: Clock::new(),
                locked: Mutex::new(Locked {
                    wheel: Wheel::new(),
                    is_shutdown: false,
                    registered: 0,
                    fired: 0,
                }),
                next_expiration: AtomicU64::new(u64::MAX),
                parked_until: AtomicU64::new(NOT_PARKED),
                unpark,
            }),
        };
        let driver = Driver {
            handle: handle.clone(),
            wakers: Vec::with_capacity(WAKE_BATCH),
        };
        (driver, handle)
    }

    /// Fires due timers, sleeps in `park` at most until the next deadline
    /// (and at most `timeout`), then fires again. `park` returns whether
    /// something woke it before its timeout (an unpark or an I/O event).
    ///
    /// With the clock paused, a park that would wait for a timer instead
    /// checks for other work and, finding none, moves the clock to that
    /// timer's deadline (auto-advance).
    pub(crate) fn park(
        &mut self,
        timeout: Option<Duration>,
        park: impl FnOnce(Option<Duration>) -> bool,
    ) {
        // A check only: events first, then whatever timers are due by then.
        if timeout == Some(Duration::ZERO) {
            park(timeout);
            self.fire();
            return;
        }
        // Timers that fired before the sleep woke tasks: the scheduler
        // must run them, so the sleep only checks for events.
        if self.fire() {
            park(Some(Duration::ZERO));
            self.fire();
            return;
        }
        let clock = &self.handle.inner.clock;
        let locked = self.handle.lock();
        let next = locked.wheel.next_expiration();
        if clock.is_paused() {
            match next {
                Some(tick) if clock.can_auto_advance() => {
                    drop(locked);
                    if !park(Some(Duration::ZERO)) {
                        clock.advance_to(clock.instant_of(tick));
                    }
                }
                // Frozen time does not pass by itself: only a wake-up (a
                // new timer included) ends this park.
                _ => {
                    self.set_parked_until(u64::MAX);
                    drop(locked);
                    park(timeout);
                    self.fire_after_park();
                    return;
                }
            }
        } else {
            let until_next = next.map(|tick| {
                clock
                    .instant_of(tick)
                    .saturating_duration_since(clock.now())
            });
            let timeout = match (timeout, until_next) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            self.set_parked_until(next.unwrap_or(u64::MAX));
            drop(locked);
            park(timeout);
            self.fire_after_park();
            return;
        }
        self.fire();
    }

    /// Rule 3's record of a blocking park; the caller holds the lock.
    fn set_parked_until(&self, tick: u64) {
        self.handle
            .inner
            .parked_until
            .store(parked_until(tick), Relaxed);
    }

    /// After a blocking park: rule 3's `parked_until` goes back to
    /// `NOT_PARKED` (without the lock), and due timers fire.
    fn fire_after_park(&mut self) {
        self.handle.inner.parked_until.store(NOT_PARKED, Relaxed);
        self.fire();
    }

    /// Fires every entry due now, waking their tasks outside the lock.
    /// Returns whether it woke any.
    fn fire(&mut self) -> bool {
        let inner = &self.handle.inner;
        let next = inner.next_expiration.load(Relaxed);
        // An empty wheel (the common case of a check in a busy runtime
        // without timers) costs neither a clock read nor the lock.
        if next == u64::MAX {
            return false;
        }
        let now = inner.clock.now_tick();
        if now < next {
            return false;
        }
        self.fire_until(now)
    }

    /// Fires every entry due by tick `now`. Only the driver's own thread
    /// calls it, never while blocked.
    pub(crate) fn fire_until(&mut self, now: u64) -> bool {
        let mut woke = false;
        loop {
            let mut locked = self.handle.lock();
            let mut more = false;
            // SAFETY: the lock is held (`locked`).
            while let Some(entry) = unsafe { locked.wheel.poll(now) } {
                // A wheel member's owner unlinks it, under the lock, before
                // dropping it.
                // SAFETY: the lock is held, so this member is alive.
                let entry = unsafe { entry.as_ref() };
                // SAFETY: as above.
                if let Some(waker) = unsafe { entry.take_waker() } {
                    self.wakers.push(waker);
                }
                // Release: pairs with the Acquire loads in `Timer` (rule 2);
                // the entry is not touched after this.
                // SAFETY: as above.
                unsafe { entry.set_state(FIRED, crate::loom::Ordering::Release) };
                locked.fired += 1;
                if self.wakers.len() == WAKE_BATCH {
                    more = true;
                    break;
                }
            }
            let next = locked.wheel.next_expiration().unwrap_or(u64::MAX);
            self.handle.inner.next_expiration.store(next, Relaxed);
            drop(locked);
            woke |= !self.wakers.is_empty();
            for waker in self.wakers.drain(..) {
                waker.wake();
            }
            if !more {
                return woke;
            }
        }
    }

    /// Rule 4: takes every entry out, marked `SHUTDOWN`, and wakes them.
    pub(crate) fn shutdown(&mut self) {
        let mut locked = self.handle.lock();
        if locked.is_shutdown {
            return;
        }
        locked.is_shutdown = true;
        // SAFETY: the lock is held.
        while let Some(entry) = unsafe { locked.wheel.drain() } {
            // SAFETY: as in `fire`.
            let entry = unsafe { entry.as_ref() };
            // SAFETY: as in `fire`.
            if let Some(waker) = unsafe { entry.take_waker() } {
                self.wakers.push(waker);
            }
            // SAFETY: as in `fire`; Release: rule 2.
            unsafe { entry.set_state(SHUTDOWN, crate::loom::Ordering::Release) };
        }
        drop(locked);
        for waker in self.wakers.drain(..) {
            waker.wake();
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Handle {
    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Locks the wheel.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Locked> {
        // A panic never happens with the lock held (no user code runs
        // under it), but a poisoned lock still holds a consistent wheel.
        self.inner
            .locked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// For `RuntimeMetrics`: timers registered so far, fired so far, and
    /// in the wheel now. Takes the wheel's lock for a moment.
    pub(crate) fn timer_counts(&self) -> (u64, u64, usize) {
        let locked = self.lock();
        (locked.registered, locked.fired, locked.wheel.len())
    }

    /// With the clock paused: holds auto-advance back until the returned
    /// guard drops (a `spawn_blocking` closure in flight).
    pub(crate) fn inhibit_auto_advance(&self) -> Option<AutoAdvanceInhibit> {
        if !self.inner.clock.is_paused() {
            return None;
        }
        self.inner.clock.inhibit_auto_advance();
        Some(AutoAdvanceInhibit {
            handle: self.clone(),
        })
    }

    /// The lock-free next-expiration hint: a lower bound of every deadline
    /// in the wheel (`u64::MAX`: the wheel is empty). Rule 8 of
    /// `time/timer.rs` completes a passed deadline below it without the
    /// lock.
    pub(crate) fn next_expiration_hint(&self) -> u64 {
        self.inner.next_expiration.load(Relaxed)
    }

    /// Wakes the parked driver so it recomputes its timeout.
    pub(crate) fn unpark(&self) {
        self.inner.unpark.unpark();
    }
}

/// Holds a paused clock's auto-advance back while alive.
#[derive(Debug)]
pub(crate) struct AutoAdvanceInhibit {
    handle: Handle,
}

impl Drop for AutoAdvanceInhibit {
    fn drop(&mut self) {
        self.handle.inner.clock.allow_auto_advance();
        // A driver blocked while inhibited may now advance.
        self.handle.unpark();
    }
}

impl Handle {
    /// After inserting an entry due at `when` whose slot the wheel visits
    /// at `visit` (the wheel's `insert` result; `locked` is the held lock):
    /// lowers the lock-free next-expiration hint, and says whether the
    /// blocked driver must be woken to wait for the entry (rule 3).
    pub(crate) fn inserted(&self, _locked: &mut Locked, visit: u64, when: u64) -> bool {
        // The hint is where the wheel must next look (to cascade, maybe
        // before `when`), or a check would skip a slot a park waits for.
        let hint = &self.inner.next_expiration;
        if visit < hint.load(Relaxed) {
            hint.store(visit, Relaxed);
        }
        // The lock (`_locked`) orders this with the parks' stores.
        let parked = &self.inner.parked_until;
        let until = parked.load(Relaxed);
        if until != NOT_PARKED && parked_until(when) < until {
            parked.store(parked_until(when), Relaxed);
            return true;
        }
        false
    }
}

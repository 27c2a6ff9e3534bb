//! The thread parker: how a thread in `block_on` sleeps between polls of
//! its future, and how a wake (its future's waker) reaches it.
//!
//! # Design note
//!
//! The thread sleeps on its own park token (`std::thread::park`, a futex),
//! behind a three-state word (`EMPTY`, `NOTIFIED`, `PARKED`) that spares
//! most wakes the futex:
//!
//! 1. An unpark (a wake) swaps in `NOTIFIED` (Release); only if it
//!    replaced `PARKED` does it pay for `Thread::unpark` (a futex wake).
//! 2. The parker first spins (the spin policy of `spin.rs`, rules 1–6),
//!    looking for `NOTIFIED` (Acquire), if its caller says a wake is likely
//!    soon. Then it moves `EMPTY → PARKED` and parks; a failed move means a
//!    wake came meanwhile.
//! 3. After `park` returns, for whatever reason, the parker swaps `EMPTY`
//!    back and returns: its caller polls the future again, so a spurious
//!    return (or another user of the park token, such as the current-thread
//!    scheduler's core hand-back) costs one poll, never a lost wake-up.
//!
//! Unlike the condvar parker (`condvar_parker.rs`) this one needs no mutex:
//! the park token keeps an unpark that comes before the park, so the
//! `PARKED` store and the sleep need not be atomic together.

use super::spin::Spinner;
use crate::loom::{thread, AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::task::{Wake, Waker};
use std::time::Duration;

const EMPTY: usize = 0;
const NOTIFIED: usize = 1;
const PARKED: usize = 2;

/// The sleeping side, owned by the thread that waits.
#[derive(Debug)]
pub(crate) struct ThreadParker {
    inner: Arc<Inner>,
    spinner: Spinner,
}

#[derive(Debug)]
struct Inner {
    state: AtomicUsize,
    thread: thread::Thread,
}

impl ThreadParker {
    /// A parker for the calling thread, spinning for at most
    /// `spin_before_park` before it sleeps (zero: never).
    pub(crate) fn for_current_thread(spin_before_park: Duration) -> ThreadParker {
        ThreadParker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                thread: thread::current(),
            }),
            spinner: Spinner::new(spin_before_park),
        }
    }

    /// The waking side: a waker whose wake unparks this thread (rule 1).
    pub(crate) fn waker(&self) -> Waker {
        Waker::from(self.inner.clone())
    }

    /// Rules 2 and 3: returns after an unpark, or spuriously. Spins first
    /// if `spin` (the caller's rule 2 of `spin.rs`) and the spinner allow.
    pub(crate) fn park(&mut self, spin: bool) {
        let inner = &*self.inner;
        if spin {
            if let Some(spin) = self.spinner.start() {
                let end = spin.until(|| inner.take_notified());
                self.spinner.finish(end);
                if end.caught {
                    return;
                }
            }
        }
        if inner
            .state
            .compare_exchange(EMPTY, PARKED, Acquire, Acquire)
            .is_err()
        {
            // NOTIFIED: an unpark came while we spun or polled.
            inner.state.store(EMPTY, Relaxed);
            return;
        }
        thread::park();
        // Acquire: pairs with the unpark's Release swap, if it was one.
        inner.state.swap(EMPTY, Acquire);
    }
}

impl Inner {
    /// Rule 1.
    fn unpark(&self) {
        if self.state.swap(NOTIFIED, Release) == PARKED {
            self.thread.unpark();
        }
    }

    fn take_notified(&self) -> bool {
        // Acquire: pairs with the unpark's Release swap.
        self.state
            .compare_exchange(NOTIFIED, EMPTY, Acquire, Relaxed)
            .is_ok()
    }
}

impl Wake for Inner {
    fn wake(self: Arc<Self>) {
        self.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.unpark();
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::super::spin::DEFAULT_SPIN_BEFORE_PARK;
    use super::super::test_support::{Rescuer, RESCUE_AFTER};
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::time::Instant;

    #[test]
    fn an_unpark_before_the_park_returns_at_once_and_is_consumed() {
        let mut parker = ThreadParker::for_current_thread(DEFAULT_SPIN_BEFORE_PARK);
        parker.waker().wake();
        parker.park(false);
        assert_eq!(parker.inner.state.load(SeqCst), EMPTY, "consumed");
    }

    /// An unpark from another thread ends the park, whether it lands while
    /// the parker spins or after it slept (the second comes 50 ms late);
    /// with spinning off too.
    #[test]
    fn an_unpark_from_another_thread_ends_a_spinning_or_sleeping_park() {
        for limit in [DEFAULT_SPIN_BEFORE_PARK, Duration::ZERO] {
            for delay in [Duration::ZERO, Duration::from_millis(50)] {
                let mut parker = ThreadParker::for_current_thread(limit);
                let done = Arc::new(AtomicBool::new(false));
                let waking = {
                    let (waker, done) = (parker.waker(), done.clone());
                    std::thread::spawn(move || {
                        std::thread::sleep(delay);
                        done.store(true, SeqCst);
                        waker.wake();
                    })
                };
                let _rescuer = Rescuer::for_current_thread();
                let start = Instant::now();
                while !done.load(SeqCst) {
                    parker.park(true);
                    assert!(start.elapsed() < RESCUE_AFTER, "unpark lost");
                }
                waking.join().unwrap();
            }
        }
    }
}

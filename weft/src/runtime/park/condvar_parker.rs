//! The condvar parker: blocks a thread until another thread says there is
//! work. A runtime's driver sleeps on one when it has no I/O driver
//! (`driver_parker.rs`).
//!
//! # Design note
//!
//! The classic three-state parker (as in std's generic thread parker and
//! crossbeam's `Parker`): `EMPTY`, `PARKED`, `NOTIFIED` in one atomic, plus
//! a mutex and condvar for the actual sleep. `unpark` before `park` is never
//! lost: it leaves `NOTIFIED`, which the next `park` consumes without
//! sleeping. Rules:
//!
//! 1. Only the owner thread calls `park`; any thread may call `unpark`.
//! 2. `park` moves `EMPTY → PARKED` only with the mutex held, and sleeps on
//!    the condvar until it can move `NOTIFIED → EMPTY`.
//! 3. `unpark` swaps in `NOTIFIED`; if it replaced `PARKED`, it takes and
//!    releases the mutex before notifying, so the notification cannot fall
//!    between the parker's state check and its wait.

use crate::loom::{Arc, AtomicUsize, Condvar, Mutex, Ordering::*};
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// The parking side, owned by the thread that sleeps.
#[derive(Debug)]
pub(crate) struct CondvarParker {
    inner: Arc<Inner>,
}

/// The waking side, shared by every thread that may have work for it.
#[derive(Debug, Clone)]
pub(crate) struct CondvarUnparker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
}

impl CondvarParker {
    pub(crate) fn new() -> CondvarParker {
        CondvarParker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                lock: Mutex::new(()),
                condvar: Condvar::new(),
            }),
        }
    }

    pub(crate) fn unparker(&self) -> CondvarUnparker {
        CondvarUnparker {
            inner: self.inner.clone(),
        }
    }

    /// Blocks until unparked (returns at once if an unpark is pending).
    pub(crate) fn park(&mut self) -> bool {
        self.inner.park(None)
    }

    /// Blocks until unparked or until `timeout` passes. A zero timeout only
    /// consumes a pending unpark. Returns whether an unpark (rather than
    /// the timeout) ended it.
    pub(crate) fn park_timeout(&mut self, timeout: Duration) -> bool {
        self.inner.park(Some(timeout))
    }
}

impl CondvarUnparker {
    pub(crate) fn unpark(&self) {
        self.inner.unpark();
    }
}

impl Inner {
    /// Returns whether an unpark was consumed.
    fn park(&self, timeout: Option<Duration>) -> bool {
        // Fast path. Acquire: pairs with the Release swap in `unpark`, so
        // what the waker wrote before unparking is visible now.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, Acquire, Acquire)
            .is_ok()
        {
            return true;
        }
        if timeout == Some(Duration::ZERO) {
            return false;
        }
        let mut guard = self.lock.lock().unwrap();
        match self.state.compare_exchange(EMPTY, PARKED, Acquire, Acquire) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Acquire: as in the fast path.
                let old = self.state.swap(EMPTY, Acquire);
                debug_assert_eq!(old, NOTIFIED);
                return true;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }
        match timeout {
            None => loop {
                guard = self.condvar.wait(guard).unwrap();
                // Acquire: as in the fast path.
                if self
                    .state
                    .compare_exchange(NOTIFIED, EMPTY, Acquire, Acquire)
                    .is_ok()
                {
                    return true;
                }
                // Spurious wakeup: sleep again.
            },
            Some(timeout) => {
                let (_guard, _timed_out) = self.condvar.wait_timeout(guard, timeout).unwrap();
                // Whether notified or timed out, leave EMPTY. Acquire: as above.
                self.state.swap(EMPTY, Acquire) == NOTIFIED
            }
        }
    }

    fn unpark(&self) {
        // Release: pairs with the Acquire in `park`.
        match self.state.swap(NOTIFIED, Release) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Rule 3: the parker holds the lock from its PARKED store
                // until it waits; taking it here orders our notify after.
                drop(self.lock.lock().unwrap());
                self.condvar.notify_one();
            }
            actual => panic!("inconsistent park state: {actual}"),
        }
    }
}

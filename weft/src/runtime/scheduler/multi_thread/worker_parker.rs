//! The worker parker: how an idle worker sleeps (on the runtime's driver if
//! it can take it, otherwise on its own condvar), and how it is woken. One
//! of the engine's parkers (`runtime/park/`, whose design note says why
//! this one lives with the scheduler).
//!
//! # Design note
//!
//! There is one driver (I/O and timers) per runtime and only one thread may
//! wait in it. An idle worker first tries to take it (a `try_lock`: never
//! waits for it); the one that gets it sleeps in the driver, so events are
//! delivered while every worker is idle. The others sleep on a condvar.
//! Unparking must reach the worker wherever it sleeps, so the state word
//! says where:
//!
//! 1. `EMPTY → PARKED_CONDVAR` is made with the worker's mutex held, and
//!    the worker waits on the condvar until it moves `NOTIFIED → EMPTY`
//!    (the condvar parker's protocol, `park/condvar_parker.rs`, rule 3
//!    included).
//! 2. `EMPTY → PARKED_DRIVER` is made while holding the driver; the worker
//!    then sleeps in the driver and afterwards swaps the state to `EMPTY`.
//! 3. `unpark` swaps in `NOTIFIED`. From `PARKED_CONDVAR` it takes and
//!    releases the mutex, then notifies the condvar; from `PARKED_DRIVER` it
//!    unparks the driver. From `EMPTY` or `NOTIFIED` nothing more is needed:
//!    the worker's next park consumes `NOTIFIED` without sleeping.

use crate::loom::{Arc, AtomicUsize, Condvar, Mutex, Ordering::*};
use crate::runtime::driver::{Driver, DriverHandle};
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;
/// Asleep in its own io_uring ring (`runtime/uring`): woken by a write to
/// its unpark eventfd, which that ring polls.
#[cfg(any(feature = "fs", feature = "net"))]
const PARKED_RING: usize = 4;

/// A worker's parking side, kept in its core.
#[derive(Debug)]
pub(super) struct WorkerParker {
    inner: Arc<Inner>,
    /// The worker's io_uring ring, armed in epoll before a sleep on the
    /// condvar (`runtime/uring`: only the driver's sleeper waits in its own
    /// ring).
    #[cfg(any(feature = "fs", feature = "net"))]
    ring: Option<usize>,
}

/// Wakes one worker; shared through the scheduler's handle.
#[derive(Debug, Clone)]
pub(super) struct WorkerUnparker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
    shared: Arc<SharedDriver>,
    /// The eventfd that wakes this worker asleep in its ring, made by its
    /// first such sleep.
    #[cfg(any(feature = "fs", feature = "net"))]
    unpark_fd: std::sync::OnceLock<std::os::fd::OwnedFd>,
}

/// The runtime's driver, taken by whichever idle worker gets it first.
#[derive(Debug)]
pub(super) struct SharedDriver {
    driver: Mutex<Option<Driver>>,
    handle: DriverHandle,
}

impl SharedDriver {
    pub(super) fn new(driver: Driver, handle: DriverHandle) -> Arc<SharedDriver> {
        Arc::new(SharedDriver {
            driver: Mutex::new(Some(driver)),
            handle,
        })
    }

    #[cfg(any(feature = "net", feature = "signal", feature = "time", feature = "fs"))]
    pub(super) fn handle(&self) -> &DriverHandle {
        &self.handle
    }

    /// Drops the driver at shutdown; later parks use the condvar.
    pub(super) fn shutdown(&self) {
        let driver = self.driver.lock().unwrap().take();
        drop(driver);
    }
}

impl WorkerParker {
    pub(super) fn new(shared: Arc<SharedDriver>) -> WorkerParker {
        WorkerParker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                lock: Mutex::new(()),
                condvar: Condvar::new(),
                shared,
                #[cfg(any(feature = "fs", feature = "net"))]
                unpark_fd: std::sync::OnceLock::new(),
            }),
            #[cfg(any(feature = "fs", feature = "net"))]
            ring: None,
        }
    }

    /// The io_uring ring of the worker that owns this parker.
    #[cfg(any(feature = "fs", feature = "net"))]
    pub(super) fn set_ring(&mut self, index: usize) {
        self.ring = Some(index);
    }

    pub(super) fn unparker(&self) -> WorkerUnparker {
        WorkerUnparker {
            inner: self.inner.clone(),
        }
    }

    /// Sleeps until unparked, or until `timeout` passes. A zero timeout
    /// only polls the driver (if free) and consumes a pending unpark.
    pub(super) fn park(&mut self, timeout: Option<Duration>) {
        let inner = &*self.inner;
        // Acquire: pairs with the Release swap in `unpark`.
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, Acquire, Acquire)
            .is_ok()
        {
            return;
        }
        if let Ok(mut driver) = inner.shared.driver.try_lock() {
            if let Some(driver) = driver.as_mut() {
                inner.park_driver(driver, timeout);
                return;
            }
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }
        #[cfg(any(feature = "fs", feature = "net"))]
        if let Some(index) = self.ring {
            if inner.shared.handle.sleeps_in_ring() && inner.park_ring(index, timeout) {
                return;
            }
            // The driver's sleeper reaps this worker's ring only through
            // its epoll entry while this worker sleeps on the condvar.
            inner.shared.handle.arm_ring(index);
        }
        inner.park_condvar(timeout);
    }
}

impl WorkerUnparker {
    pub(super) fn unpark(&self) {
        let inner = &*self.inner;
        // Release: pairs with the Acquire in `park`, so the woken worker
        // sees the work that caused the unpark.
        match inner.state.swap(NOTIFIED, Release) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // Rule 1: the worker holds the lock from its PARKED store
                // until it waits; taking it orders our notify after that.
                drop(inner.lock.lock().unwrap());
                inner.condvar.notify_one();
            }
            PARKED_DRIVER => inner.shared.handle.unpark(),
            #[cfg(any(feature = "fs", feature = "net"))]
            PARKED_RING => {
                // The worker sleeps in its ring, which polls this eventfd:
                // the write posts a completion there (rule 3 of the
                // driver parker: a write before the sleep starts still
                // ends it, as the eventfd stays readable).
                if let Some(fd) = inner.unpark_fd.get() {
                    crate::sys::eventfd_write(std::os::fd::AsRawFd::as_raw_fd(fd));
                }
            }
            actual => unreachable!("inconsistent worker park state: {actual}"),
        }
    }
}

impl Inner {
    /// Sleeps in the worker's io_uring ring `index` (its rings serve
    /// sockets: its receives complete there, and only this thread reaps
    /// them without delay), woken by its unpark eventfd. Returns false if
    /// the eventfd cannot be made (the caller sleeps on the condvar).
    #[cfg(any(feature = "fs", feature = "net"))]
    fn park_ring(&self, index: usize, timeout: Option<Duration>) -> bool {
        let fd = match self.unpark_fd.get() {
            Some(fd) => fd,
            None => match crate::sys::eventfd() {
                Ok(fd) => self.unpark_fd.get_or_init(|| fd),
                Err(_) => return false,
            },
        };
        if self.enter(PARKED_RING) {
            self.shared
                .handle
                .sleep_in_ring(index, timeout, std::os::fd::AsRawFd::as_raw_fd(fd));
            // Acquire: as in `WorkerParker::park` (a pending or late
            // unpark is consumed: the worker is running).
            if self.state.swap(EMPTY, Acquire) == NOTIFIED {
                // Empty the eventfd, so the ring's poll sees the next
                // write as a new event.
                crate::sys::eventfd_drain(std::os::fd::AsRawFd::as_raw_fd(fd));
            }
        }
        true
    }

    /// Moves `EMPTY → parked`; returns `false` (after consuming it) if an
    /// unpark came first.
    fn enter(&self, parked: usize) -> bool {
        match self.state.compare_exchange(EMPTY, parked, Acquire, Acquire) {
            Ok(_) => true,
            Err(NOTIFIED) => {
                // Acquire: as in `WorkerParker::park`.
                self.state.swap(EMPTY, Acquire);
                false
            }
            Err(actual) => unreachable!("inconsistent worker park state: {actual}"),
        }
    }

    fn park_driver(&self, driver: &mut Driver, timeout: Option<Duration>) {
        if !self.enter(PARKED_DRIVER) {
            return;
        }
        match timeout {
            None => driver.park(),
            Some(timeout) => driver.park_timeout(timeout),
        }
        // Whether unparked, timed out or woken by an event: EMPTY again.
        // Acquire: as in `WorkerParker::park`.
        match self.state.swap(EMPTY, Acquire) {
            NOTIFIED | PARKED_DRIVER => {}
            actual => unreachable!("inconsistent worker park state: {actual}"),
        }
    }

    fn park_condvar(&self, timeout: Option<Duration>) {
        let mut guard = self.lock.lock().unwrap();
        if !self.enter(PARKED_CONDVAR) {
            return;
        }
        match timeout {
            None => loop {
                guard = self.condvar.wait(guard).unwrap();
                // Acquire: as in `WorkerParker::park`.
                if self
                    .state
                    .compare_exchange(NOTIFIED, EMPTY, Acquire, Acquire)
                    .is_ok()
                {
                    return;
                }
                // Spurious wake-up: sleep again.
            },
            Some(timeout) => {
                let (_guard, _) = self.condvar.wait_timeout(guard, timeout).unwrap();
                // Acquire: as in `WorkerParker::park`.
                self.state.swap(EMPTY, Acquire);
            }
        }
    }
}

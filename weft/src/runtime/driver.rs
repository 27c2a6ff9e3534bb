//! What an idle scheduler thread sleeps on, and how other threads wake it.
//!
//! The driver owns the thread's sleep: [`Driver::park`] blocks until
//! [`DriverHandle::unpark`] is called from anywhere (a wake from another
//! thread, a remote spawn, shutdown), an I/O event arrives, or the next
//! timer is due. Layers, outermost first:
//!
//! * time (with `enable_time`): fires due timers before and after the
//!   sleep and bounds the sleep by the next deadline (`time/driver.rs`);
//! * I/O (with `enable_io`): the sleep *is* a turn of the I/O driver
//!   (`epoll_wait`), so readiness events are delivered by whichever
//!   scheduler thread parks; without it, a plain parker (condvar).
//!
//! Only one thread parks on a driver at a time.
//!
//! Waking the I/O driver costs a syscall (an eventfd write), so the I/O
//! variant keeps the parker's three states in front of it: `unpark` writes
//! the eventfd only when the driver is in (or entering) `epoll_wait`
//! (`PARKED`); otherwise it leaves `NOTIFIED`, which the next park consumes
//! by polling without blocking. The parker's rules (`park.rs`) apply, with
//! the eventfd in place of the condvar: `PARKED` is stored before
//! `epoll_wait` starts, and a write that lands before the wait still
//! makes it return.

use super::park::{Parker, Unparker};
use crate::loom::{Arc, AtomicUsize, Ordering::*};
use crate::runtime::io as io_driver;
use crate::runtime::time as time_driver;
use std::io;
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// The parking side, held in the scheduler's core.
#[derive(Debug)]
pub(crate) struct Driver {
    inner: Inner,
    time: Option<time_driver::Driver>,
}

#[derive(Debug)]
enum Inner {
    Park(Parker),
    Io(io_driver::Driver, Arc<AtomicUsize>),
}

/// The waking side, shared through the scheduler handle.
#[derive(Debug, Clone)]
pub(crate) struct DriverHandle {
    unpark: Unpark,
    time: Option<time_driver::Handle>,
}

/// What wakes the innermost sleep (the parker, or the I/O driver).
#[derive(Debug, Clone)]
pub(crate) enum Unpark {
    Park(Unparker),
    Io(io_driver::Handle, Arc<AtomicUsize>),
}

/// What to build, from the `Builder`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DriverConfig {
    pub(crate) enable_io: bool,
    pub(crate) enable_time: bool,
    pub(crate) events_per_tick: usize,
}

impl Driver {
    pub(crate) fn new(config: DriverConfig) -> io::Result<(Driver, DriverHandle)> {
        let (inner, unpark) = if config.enable_io {
            let (driver, handle) =
                io_driver::Driver::new(config.events_per_tick, config.enable_time)?;
            let state = Arc::new(AtomicUsize::new(EMPTY));
            (Inner::Io(driver, state.clone()), Unpark::Io(handle, state))
        } else {
            let park = Parker::new();
            let unparker = park.unparker();
            (Inner::Park(park), Unpark::Park(unparker))
        };
        let (time, time_handle) = if config.enable_time {
            let (driver, handle) = time_driver::Driver::new(unpark.clone());
            (Some(driver), Some(handle))
        } else {
            (None, None)
        };
        let handle = DriverHandle {
            unpark,
            time: time_handle,
        };
        Ok((Driver { inner, time }, handle))
    }

    /// Sleeps until unparked, an I/O event, or the next timer.
    pub(crate) fn park(&mut self) {
        self.park_internal(None);
    }

    /// As [`park`](Driver::park), for at most `timeout`; zero only checks
    /// (fires due timers, delivers pending I/O events, consumes a pending
    /// unpark).
    pub(crate) fn park_timeout(&mut self, timeout: Duration) {
        self.park_internal(Some(timeout));
    }

    fn park_internal(&mut self, timeout: Option<Duration>) {
        let inner = &mut self.inner;
        match &mut self.time {
            Some(time) => time.park(timeout, |timeout| inner.park(timeout)),
            None => {
                inner.park(timeout);
            }
        }
    }
}

impl Inner {
    /// Sleeps at most `timeout`; returns whether something woke it (an
    /// unpark, or I/O events) rather than the timeout.
    fn park(&mut self, timeout: Option<Duration>) -> bool {
        match self {
            Inner::Park(park) => match timeout {
                None => park.park(),
                Some(timeout) => park.park_timeout(timeout),
            },
            Inner::Io(io, state) => turn(io, state, timeout),
        }
    }
}

/// One turn of the I/O driver, blocking (up to `timeout`) only if no
/// unpark is pending. Returns whether an unpark or an event ended it.
fn turn(io: &mut io_driver::Driver, state: &AtomicUsize, timeout: Option<Duration>) -> bool {
    // SeqCst: PARKED must be visible to an unparker before `epoll_wait`
    // starts, and a NOTIFIED seen here makes this turn non-blocking.
    let blocking = timeout != Some(Duration::ZERO)
        && state
            .compare_exchange(EMPTY, PARKED, SeqCst, SeqCst)
            .is_ok();
    let events = io.turn(if blocking {
        timeout
    } else {
        Some(Duration::ZERO)
    });
    // Awake: a pending or late unpark is consumed (the thread is running).
    let unparked = state.swap(EMPTY, SeqCst) == NOTIFIED;
    unparked || events
}

impl Unpark {
    /// Wakes the parked thread, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        match self {
            Unpark::Park(unpark) => unpark.unpark(),
            Unpark::Io(io, state) => {
                // SeqCst: pairs with the CAS in `turn`.
                if state.swap(NOTIFIED, SeqCst) == PARKED {
                    io.unpark();
                }
            }
        }
    }
}

impl DriverHandle {
    /// Wakes the parked thread, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        self.unpark.unpark();
    }

    /// The I/O driver's handle, if the runtime has one.
    pub(crate) fn io(&self) -> Option<&io_driver::Handle> {
        match &self.unpark {
            Unpark::Io(io, _) => Some(io),
            Unpark::Park(_) => None,
        }
    }

    /// The time driver's handle, if the runtime has one.
    pub(crate) fn time(&self) -> Option<&time_driver::Handle> {
        self.time.as_ref()
    }
}

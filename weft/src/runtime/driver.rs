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
//! Each layer is compiled only with the features that need it: the time
//! layer with `time`, the I/O one with `net` or `signal`. Without `time`
//! the `Builder` has no `enable_time`; without `net` and `signal` it has no
//! `enable_io`, and the innermost sleep is always the parker.
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
#[cfg(any(feature = "net", feature = "signal"))]
use crate::loom::{Arc, AtomicUsize, Ordering::*};
#[cfg(any(feature = "net", feature = "signal"))]
use crate::runtime::io as io_driver;
#[cfg(feature = "time")]
use crate::runtime::time as time_driver;
use std::io;
use std::time::Duration;

#[cfg(any(feature = "net", feature = "signal"))]
const EMPTY: usize = 0;
#[cfg(any(feature = "net", feature = "signal"))]
const PARKED: usize = 1;
#[cfg(any(feature = "net", feature = "signal"))]
const NOTIFIED: usize = 2;

/// The parking side, held in the scheduler's core.
#[derive(Debug)]
pub(crate) struct Driver {
    inner: Inner,
    #[cfg(feature = "time")]
    time: Option<time_driver::Driver>,
}

#[derive(Debug)]
enum Inner {
    Park(Parker),
    #[cfg(any(feature = "net", feature = "signal"))]
    Io(io_driver::Driver, Arc<AtomicUsize>),
}

/// The waking side, shared through the scheduler handle.
#[derive(Debug, Clone)]
pub(crate) struct DriverHandle {
    unpark: Unpark,
    #[cfg(feature = "time")]
    time: Option<time_driver::Handle>,
}

/// What wakes the innermost sleep (the parker, or the I/O driver).
#[derive(Debug, Clone)]
pub(crate) enum Unpark {
    Park(Unparker),
    #[cfg(any(feature = "net", feature = "signal"))]
    Io(io_driver::Handle, Arc<AtomicUsize>),
}

/// What to build, from the `Builder`. A layer whose feature is off is
/// never enabled (the `Builder` has no method to ask for it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DriverConfig {
    pub(crate) enable_io: bool,
    pub(crate) enable_time: bool,
    #[cfg(any(feature = "net", feature = "signal"))]
    pub(crate) events_per_tick: usize,
}

impl Driver {
    pub(crate) fn new(config: DriverConfig) -> io::Result<(Driver, DriverHandle)> {
        let (inner, unpark) = Inner::new(config)?;
        #[cfg(feature = "time")]
        let (time, time_handle) = if config.enable_time {
            let (driver, handle) = time_driver::Driver::new(unpark.clone());
            (Some(driver), Some(handle))
        } else {
            (None, None)
        };
        #[cfg(not(feature = "time"))]
        debug_assert!(!config.enable_time, "no time driver without `time`");
        let handle = DriverHandle {
            unpark,
            #[cfg(feature = "time")]
            time: time_handle,
        };
        let driver = Driver {
            inner,
            #[cfg(feature = "time")]
            time,
        };
        Ok((driver, handle))
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
        #[cfg(feature = "time")]
        if let Some(time) = &mut self.time {
            let inner = &mut self.inner;
            time.park(timeout, |timeout| inner.park(timeout));
            return;
        }
        self.inner.park(timeout);
    }
}

impl Inner {
    /// The innermost layer: the I/O driver if enabled, else a parker.
    #[cfg(any(feature = "net", feature = "signal"))]
    fn new(config: DriverConfig) -> io::Result<(Inner, Unpark)> {
        if config.enable_io {
            // With timers, timed turns wait on a timerfd (`runtime::io`).
            let (driver, handle) =
                io_driver::Driver::new(config.events_per_tick, config.enable_time)?;
            let state = Arc::new(AtomicUsize::new(EMPTY));
            return Ok((Inner::Io(driver, state.clone()), Unpark::Io(handle, state)));
        }
        Ok(Inner::parker())
    }

    /// The innermost layer: a parker (no I/O driver is compiled in).
    #[cfg(not(any(feature = "net", feature = "signal")))]
    fn new(config: DriverConfig) -> io::Result<(Inner, Unpark)> {
        debug_assert!(!config.enable_io, "no I/O driver without `net` or `signal`");
        Ok(Inner::parker())
    }

    fn parker() -> (Inner, Unpark) {
        let park = Parker::new();
        let unparker = park.unparker();
        (Inner::Park(park), Unpark::Park(unparker))
    }

    /// Sleeps at most `timeout`; returns whether something woke it (an
    /// unpark, or I/O events) rather than the timeout.
    fn park(&mut self, timeout: Option<Duration>) -> bool {
        match self {
            Inner::Park(park) => match timeout {
                None => park.park(),
                Some(timeout) => park.park_timeout(timeout),
            },
            #[cfg(any(feature = "net", feature = "signal"))]
            Inner::Io(io, state) => turn(io, state, timeout),
        }
    }
}

/// One turn of the I/O driver, blocking (up to `timeout`) only if no
/// unpark is pending. Returns whether an unpark or an event ended it.
#[cfg(any(feature = "net", feature = "signal"))]
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
            #[cfg(any(feature = "net", feature = "signal"))]
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
    #[cfg(any(feature = "net", feature = "signal"))]
    pub(crate) fn io(&self) -> Option<&io_driver::Handle> {
        match &self.unpark {
            Unpark::Io(io, _) => Some(io),
            Unpark::Park(_) => None,
        }
    }

    /// The time driver's handle, if the runtime has one.
    #[cfg(feature = "time")]
    pub(crate) fn time(&self) -> Option<&time_driver::Handle> {
        self.time.as_ref()
    }
}

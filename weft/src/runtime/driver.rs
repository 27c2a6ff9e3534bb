//! What an idle scheduler thread sleeps on, and how other threads wake it.
//!
//! The driver owns the thread's sleep: [`Driver::park`] blocks until
//! [`DriverHandle::unpark`] is called from anywhere (a wake from another
//! thread, a remote spawn, shutdown). With I/O enabled the sleep *is* a
//! turn of the I/O driver (`epoll_wait`), so readiness events are
//! delivered by whichever scheduler thread parks; without it, a plain
//! parker. Only one thread parks on a driver at a time.
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
use crate::io::driver as io_driver;
use crate::loom::{Arc, AtomicUsize, Ordering::*};
use std::io;
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// The parking side, held in the scheduler's core.
#[derive(Debug)]
pub(crate) struct Driver {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Park(Parker),
    Io(io_driver::Driver, Arc<AtomicUsize>),
}

/// The waking side, shared through the scheduler handle.
#[derive(Debug, Clone)]
pub(crate) struct DriverHandle {
    unpark: Option<Unparker>,
    io: Option<(io_driver::Handle, Arc<AtomicUsize>)>,
}

/// What to build, from the `Builder`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DriverConfig {
    pub(crate) enable_io: bool,
    pub(crate) events_per_tick: usize,
}

impl Driver {
    pub(crate) fn new(config: DriverConfig) -> io::Result<(Driver, DriverHandle)> {
        if config.enable_io {
            let (driver, handle) = io_driver::Driver::new(config.events_per_tick)?;
            let state = Arc::new(AtomicUsize::new(EMPTY));
            let handle = DriverHandle {
                unpark: None,
                io: Some((handle, state.clone())),
            };
            return Ok((
                Driver {
                    inner: Inner::Io(driver, state),
                },
                handle,
            ));
        }
        let park = Parker::new();
        let handle = DriverHandle {
            unpark: Some(park.unparker()),
            io: None,
        };
        Ok((
            Driver {
                inner: Inner::Park(park),
            },
            handle,
        ))
    }

    /// Sleeps until unparked (or, with I/O, until a readiness event).
    pub(crate) fn park(&mut self) {
        match &mut self.inner {
            Inner::Park(park) => park.park(),
            Inner::Io(io, state) => turn(io, state, None),
        }
    }

    /// Sleeps at most `timeout`; zero only checks (delivers pending I/O
    /// events, consumes a pending unpark).
    pub(crate) fn park_timeout(&mut self, timeout: Duration) {
        match &mut self.inner {
            Inner::Park(park) => park.park_timeout(timeout),
            Inner::Io(io, state) => turn(io, state, Some(timeout)),
        }
    }
}

/// One turn of the I/O driver, blocking (up to `timeout`) only if no
/// unpark is pending.
fn turn(io: &mut io_driver::Driver, state: &AtomicUsize, timeout: Option<Duration>) {
    // SeqCst: PARKED must be visible to an unparker before `epoll_wait`
    // starts, and a NOTIFIED seen here makes this turn non-blocking.
    let blocking = timeout != Some(Duration::ZERO)
        && state
            .compare_exchange(EMPTY, PARKED, SeqCst, SeqCst)
            .is_ok();
    io.turn(if blocking {
        timeout
    } else {
        Some(Duration::ZERO)
    });
    // Awake: a pending or late unpark is consumed (the thread is running).
    state.swap(EMPTY, SeqCst);
}

impl DriverHandle {
    /// Wakes the parked thread, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        if let Some(unpark) = &self.unpark {
            unpark.unpark();
        }
        if let Some((io, state)) = &self.io {
            // SeqCst: pairs with the CAS in `turn`.
            if state.swap(NOTIFIED, SeqCst) == PARKED {
                io.unpark();
            }
        }
    }

    /// The I/O driver's handle, if the runtime has one.
    pub(crate) fn io(&self) -> Option<&io_driver::Handle> {
        self.io.as_ref().map(|(io, _)| io)
    }
}

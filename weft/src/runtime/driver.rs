//! What an idle scheduler thread sleeps on, and how other threads wake it.
//!
//! The driver owns the thread's sleep: [`Driver::park`] blocks until
//! [`DriverHandle::unpark`] is called from anywhere (a wake from another
//! thread, a remote spawn, shutdown). With I/O enabled the sleep *is* a
//! turn of the I/O driver (`epoll_wait`), so readiness events are
//! delivered by whichever scheduler thread parks; without it, a plain
//! parker. Only one thread parks on a driver at a time.

use super::park::{Parker, Unparker};
use crate::io::driver as io_driver;
use std::io;
use std::time::Duration;

/// The parking side, held in the scheduler's core.
#[derive(Debug)]
pub(crate) struct Driver {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Park(Parker),
    Io(io_driver::Driver),
}

/// The waking side, shared through the scheduler handle.
#[derive(Debug, Clone)]
pub(crate) struct DriverHandle {
    unpark: Option<Unparker>,
    io: Option<io_driver::Handle>,
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
            let handle = DriverHandle {
                unpark: None,
                io: Some(handle),
            };
            return Ok((
                Driver {
                    inner: Inner::Io(driver),
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
            Inner::Io(io) => io.turn(None),
        }
    }

    /// Sleeps at most `timeout`; zero only checks (delivers pending I/O
    /// events, consumes a pending unpark).
    pub(crate) fn park_timeout(&mut self, timeout: Duration) {
        match &mut self.inner {
            Inner::Park(park) => park.park_timeout(timeout),
            Inner::Io(io) => io.turn(Some(timeout)),
        }
    }
}

impl DriverHandle {
    /// Wakes the parked thread, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        if let Some(unpark) = &self.unpark {
            unpark.unpark();
        }
        if let Some(io) = &self.io {
            io.unpark();
        }
    }

    /// The I/O driver's handle, if the runtime has one.
    pub(crate) fn io(&self) -> Option<&io_driver::Handle> {
        self.io.as_ref()
    }
}

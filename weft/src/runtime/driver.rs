//! What an idle scheduler thread sleeps on, and how other threads wake it.
//!
//! The driver owns the thread's sleep: [`Driver::park`] blocks until
//! [`DriverHandle::unpark`] is called from anywhere (a wake from another
//! thread, a remote spawn, shutdown). Only the thread that holds the
//! scheduler's core parks on its driver.

use super::park::{Parker, Unparker};
use std::time::Duration;

/// The parking side, held in the scheduler's core.
#[derive(Debug)]
pub(crate) struct Driver {
    park: Parker,
}

/// The waking side, shared through the scheduler handle.
#[derive(Debug, Clone)]
pub(crate) struct DriverHandle {
    unpark: Unparker,
}

impl Driver {
    pub(crate) fn new() -> (Driver, DriverHandle) {
        let park = Parker::new();
        let unpark = park.unparker();
        (Driver { park }, DriverHandle { unpark })
    }

    /// Sleeps until unparked.
    pub(crate) fn park(&mut self) {
        self.park.park();
    }

    /// Sleeps until unparked or `timeout` passes; zero only checks.
    pub(crate) fn park_timeout(&mut self, timeout: Duration) {
        self.park.park_timeout(timeout);
    }
}

impl DriverHandle {
    /// Wakes the parked thread, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        self.unpark.unpark();
    }
}

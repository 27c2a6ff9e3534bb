//! What an idle scheduler thread sleeps on, and how other threads wake it.
//!
//! The driver owns the thread's sleep: [`Driver::park`] blocks until
//! [`DriverHandle::unpark`] is called from anywhere (a wake from another
//! thread, a remote spawn, shutdown), an I/O event arrives, or the next
//! timer is due. Layers, outermost first:
//!
//! * time (with `enable_time`): fires due timers before and after the
//!   sleep and bounds the sleep by the next deadline (`time/mod.rs`);
//! * I/O (with `enable_io`): the sleep *is* a turn of the I/O driver
//!   (`epoll_wait`), so readiness events are delivered by whichever
//!   scheduler thread parks; without it, a condvar parker.
//!
//! Each layer is compiled only with the features that need it: the time
//! layer with `time`, the I/O one with `net` or `signal`. Without `time`
//! the `Builder` has no `enable_time`; without `net` and `signal` it has no
//! `enable_io`, and the innermost sleep is always the condvar parker.
//!
//! Only one thread parks on a driver at a time. The innermost sleep and
//! its wake-up are the driver parker's (`park/driver_parker.rs`).

use super::park::{DriverParker, DriverUnparker};
#[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
use crate::runtime::io as io_driver;
#[cfg(feature = "time")]
use crate::runtime::time as time_driver;
use std::io;
use std::time::Duration;

/// The io_uring rings of `fs` (one per scheduler thread, and one for the
/// other threads), if the runtime
/// has them: they wait for completions in the I/O driver.
#[cfg(any(feature = "fs", feature = "net"))]
pub(crate) type Rings = Option<crate::loom::Arc<crate::runtime::backends::Rings>>;
/// Without `fs` there are no rings.
#[cfg(not(any(feature = "fs", feature = "net")))]
pub(crate) type Rings = ();

/// The parking side, held in the scheduler's core.
#[derive(Debug)]
pub(crate) struct Driver {
    parker: DriverParker,
    #[cfg(feature = "time")]
    time: Option<time_driver::Driver>,
}

/// The waking side, shared through the scheduler handle.
#[derive(Debug, Clone)]
pub(crate) struct DriverHandle {
    unparker: DriverUnparker,
    /// `enable_io` was asked for: sockets may use the I/O driver (which
    /// also exists for the rings alone).
    #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
    io_enabled: bool,
    #[cfg(any(feature = "fs", feature = "net"))]
    rings: Rings,
    #[cfg(feature = "time")]
    time: Option<time_driver::Handle>,
}

/// What to build, from the `Builder`. A layer whose feature is off is
/// never enabled (the `Builder` has no method to ask for it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DriverConfig {
    pub(crate) enable_io: bool,
    pub(crate) enable_time: bool,
    #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
    pub(crate) events_per_tick: usize,
    /// The limit of a turn that does not wait (`runtime::io`).
    #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
    pub(crate) busy_events_per_tick: usize,
}

impl Driver {
    pub(crate) fn new(config: DriverConfig, rings: Rings) -> io::Result<(Driver, DriverHandle)> {
        let (parker, unparker) = innermost(config, &rings)?;
        #[cfg(feature = "time")]
        let (time, time_handle) = if config.enable_time {
            let (driver, handle) = time_driver::Driver::new(unparker.clone());
            (Some(driver), Some(handle))
        } else {
            (None, None)
        };
        #[cfg(not(feature = "time"))]
        debug_assert!(!config.enable_time, "no time driver without `time`");
        let handle = DriverHandle {
            unparker,
            #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
            io_enabled: config.enable_io,
            #[cfg(any(feature = "fs", feature = "net"))]
            rings,
            #[cfg(feature = "time")]
            time: time_handle,
        };
        let driver = Driver {
            parker,
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
            let parker = &mut self.parker;
            time.park(timeout, |timeout| parker.park(timeout));
            return;
        }
        self.parker.park(timeout);
    }
}

/// The innermost layer: the I/O driver if enabled (or the runtime has
/// io_uring rings, which wait for completions in it), else a condvar
/// parker.
#[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
fn innermost(config: DriverConfig, rings: &Rings) -> io::Result<(DriverParker, DriverUnparker)> {
    #[cfg(any(feature = "fs", feature = "net"))]
    let with_rings = rings.is_some();
    #[cfg(not(any(feature = "fs", feature = "net")))]
    let with_rings = false;
    if config.enable_io || with_rings {
        // With timers, timed turns wait on a timerfd (`runtime::io`).
        let (driver, handle) = io_driver::Driver::new(
            config.events_per_tick,
            config.busy_events_per_tick,
            config.enable_time,
            rings.clone(),
        )?;
        return Ok(DriverParker::io(driver, handle));
    }
    Ok(DriverParker::condvar())
}

/// The innermost layer: a condvar parker (no I/O driver is compiled in).
#[cfg(not(any(feature = "net", feature = "signal", feature = "fs")))]
fn innermost(config: DriverConfig, _rings: &Rings) -> io::Result<(DriverParker, DriverUnparker)> {
    debug_assert!(!config.enable_io, "no I/O driver without `net` or `signal`");
    Ok(DriverParker::condvar())
}

/// Submits what this thread owes to io_uring rings it does not own
/// (`runtime/uring/owed.rs`).
pub(crate) fn submit_owed() {
    #[cfg(any(feature = "fs", feature = "net"))]
    crate::runtime::backends::submit_owed();
}

/// Calls [`submit_owed`] when dropped: each scheduler holds one while it
/// runs on a thread, so nothing it left to its next flush waits past its
/// exit.
pub(crate) struct SubmitOwedOnExit;

impl Drop for SubmitOwedOnExit {
    fn drop(&mut self) {
        submit_owed();
    }
}

impl DriverHandle {
    /// Wakes the parked thread, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        self.unparker.unpark();
    }

    /// The I/O driver's handle, if the runtime has one and `enable_io`
    /// asked for it (the rings of `fs` alone do not offer it to sockets).
    #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
    pub(crate) fn io(&self) -> Option<&io_driver::Handle> {
        self.unparker.io().filter(|_| self.io_enabled)
    }

    /// Submits what ring `index` batched and reaps it (at a driver check
    /// of the scheduler thread that owns it, or when it stops running
    /// tasks: then `arm`, so that what is left in flight wakes a sleeping
    /// thread when it completes). Returns whether that woke a task: the
    /// thread must then not sleep.
    #[cfg(any(feature = "fs", feature = "net"))]
    pub(crate) fn flush_ring(&self, index: usize, arm: bool) -> bool {
        self.rings
            .as_ref()
            .is_some_and(|rings| rings.flush(index, arm))
    }

    /// Adds ring `index`'s epoll entry if its rings serve sockets and it
    /// has operations in flight: its owner sleeps on a condvar, not in the
    /// ring (`runtime/uring`).
    #[cfg(all(any(feature = "fs", feature = "net"), feature = "rt-multi-thread"))]
    pub(crate) fn arm_ring(&self, index: usize) {
        if let Some(rings) = &self.rings {
            rings.arm(index);
        }
    }

    /// Whether the worker owning ring `index` sleeps in it when it does not
    /// hold the driver (its rings serve sockets: `runtime/uring`).
    #[cfg(all(any(feature = "fs", feature = "net"), feature = "rt-multi-thread"))]
    pub(crate) fn sleeps_in_ring(&self) -> bool {
        self.rings
            .as_ref()
            .is_some_and(|rings| rings.waits_in_ring())
    }

    /// A worker's sleep in its ring `index`, ended by a completion or a
    /// write to `unpark_fd` (see `Rings::wait_for_unpark`).
    #[cfg(all(any(feature = "fs", feature = "net"), feature = "rt-multi-thread"))]
    pub(crate) fn sleep_in_ring(
        &self,
        index: usize,
        timeout: Option<Duration>,
        unpark_fd: std::os::fd::RawFd,
    ) {
        if let Some(rings) = &self.rings {
            rings.wait_for_unpark(index, timeout, unpark_fd);
        }
    }

    /// Whether ring `index` serves sockets and has operations in flight
    /// (`Rings::awaits_sockets`).
    #[cfg(all(any(feature = "fs", feature = "net"), feature = "rt-multi-thread"))]
    pub(crate) fn ring_awaits_sockets(&self, index: usize) -> bool {
        self.rings
            .as_ref()
            .is_some_and(|rings| rings.awaits_sockets(index))
    }

    /// Whether ring `index` has completions to take now, or waiting for
    /// its owner to enter the kernel (`Rings::has_news`).
    #[cfg(all(any(feature = "fs", feature = "net"), feature = "rt-multi-thread"))]
    pub(crate) fn ring_has_news(&self, index: usize) -> bool {
        self.rings
            .as_ref()
            .is_some_and(|rings| rings.has_news(index))
    }

    /// What the runtime's io_uring rings have done so far (zeros without
    /// rings).
    #[cfg(any(feature = "fs", feature = "net"))]
    pub(crate) fn ring_counters(&self) -> crate::runtime::backends::RingCounters {
        self.rings
            .as_ref()
            .map(|rings| rings.counters())
            .unwrap_or_default()
    }

    /// Reaps ring `index` (after a sleep of its scheduler thread).
    #[cfg(any(feature = "fs", feature = "net"))]
    pub(crate) fn reap_ring(&self, index: usize) {
        if let Some(rings) = &self.rings {
            rings.reap(index);
        }
    }

    /// The time driver's handle, if the runtime has one.
    #[cfg(feature = "time")]
    pub(crate) fn time(&self) -> Option<&time_driver::Handle> {
        self.time.as_ref()
    }
}

#[cfg(any(feature = "fs", feature = "net"))]
crate::sys::cfg_io_uring! {
    impl DriverHandle {
        /// The io_uring rings of `fs`, if the runtime has them.
        pub(crate) fn rings(&self) -> Option<&crate::loom::Arc<crate::runtime::backends::Rings>> {
            self.rings.as_ref()
        }
    }
}

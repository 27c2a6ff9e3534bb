//! A timer descriptor that gives the I/O driver's waits sub-millisecond
//! timeouts, where the platform has one (`sys::TimerFd`: a `timerfd` on
//! Linux; elsewhere there is none and waits use the poller's own timeout,
//! see the `sys` module note).

use crate::sys::TimerFd;
use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

/// Timeouts at least this long wait on `epoll_wait`'s own (millisecond)
/// timeout, shortened by [`EARLY`], instead of arming the timer.
const LONG: Duration = Duration::from_secs(1);
/// How much earlier than a long timeout the coarse wait returns, so the
/// final stretch is waited precisely.
const EARLY: Duration = Duration::from_millis(2);

/// A non-blocking monotonic timer descriptor registered with the driver.
#[derive(Debug)]
pub(crate) struct PreciseTimeout {
    timer: TimerFd,
}

impl PreciseTimeout {
    /// The driver's precise timeout, registered under `token`; `None` where
    /// the platform has no timer descriptor (`Unsupported`).
    pub(crate) fn new(
        registry: &mio::Registry,
        token: mio::Token,
    ) -> io::Result<Option<PreciseTimeout>> {
        let timer = match TimerFd::new() {
            Ok(timer) => timer,
            Err(err) if err.kind() == io::ErrorKind::Unsupported => return Ok(None),
            Err(err) => {
                return Err(io::Error::new(
                    err.kind(),
                    format!("the time driver could not create its timer: {err}"),
                ))
            }
        };
        registry.register(
            &mut mio::unix::SourceFd(&timer.as_raw_fd()),
            token,
            mio::Interest::READABLE,
        )?;
        Ok(Some(PreciseTimeout { timer }))
    }

    /// Prepares a wait of `timeout` (not zero): returns the timeout to pass
    /// to `epoll_wait`, having armed the timer if the wait is short.
    ///
    /// An armed timer that outlives its wait (the wait ended early) makes a
    /// later wait return spuriously once; the driver treats that as a
    /// timeout, which it is. Each expiry is a new edge for epoll, so the
    /// expiry count is never read.
    pub(crate) fn arm(&mut self, timeout: Duration) -> Option<Duration> {
        if timeout >= LONG {
            return Some(timeout - EARLY);
        }
        match self.timer.set(timeout) {
            // The timer wakes the wait; epoll's own timeout, a little
            // later, is only a backstop.
            Ok(()) => Some(timeout + EARLY),
            Err(_) => Some(timeout),
        }
    }
}

//! A timerfd that gives the I/O driver's waits sub-millisecond timeouts.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// Timeouts at least this long wait on `epoll_wait`'s own (millisecond)
/// timeout, shortened by [`EARLY`], instead of arming the timerfd.
const LONG: Duration = Duration::from_secs(1);
/// How much earlier than a long timeout the coarse wait returns, so the
/// final stretch is waited precisely.
const EARLY: Duration = Duration::from_millis(2);

/// A non-blocking `CLOCK_MONOTONIC` timerfd registered with the driver.
#[derive(Debug)]
pub(crate) struct PreciseTimeout {
    fd: OwnedFd,
}

impl PreciseTimeout {
    pub(crate) fn new(registry: &mio::Registry, token: mio::Token) -> io::Result<PreciseTimeout> {
        // SAFETY: plain syscall with constant, valid arguments.
        let raw = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if raw < 0 {
            let err = io::Error::last_os_error();
            return Err(io::Error::new(
                err.kind(),
                format!("the time driver could not create a timerfd: {err}"),
            ));
        }
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        registry.register(
            &mut mio::unix::SourceFd(&fd.as_raw_fd()),
            token,
            mio::Interest::READABLE,
        )?;
        Ok(PreciseTimeout { fd })
    }

    /// Prepares a wait of `timeout` (not zero): returns the timeout to pass
    /// to `epoll_wait`, having armed the timerfd if the wait is short.
    ///
    /// An armed timer that outlives its wait (the wait ended early) makes a
    /// later wait return spuriously once; the driver treats that as a
    /// timeout, which it is. Each expiry is a new edge for epoll, so the
    /// expiry count is never read.
    pub(crate) fn arm(&mut self, timeout: Duration) -> Option<Duration> {
        if timeout >= LONG {
            return Some(timeout - EARLY);
        }
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: 0,
                // Under a second; at least 1 ns, since zero would disarm.
                tv_nsec: timeout.subsec_nanos().max(1) as libc::c_long,
            },
        };
        // SAFETY: `self.fd` is a timerfd we own; `spec` is a valid value and
        // the old-value pointer may be null.
        let armed =
            unsafe { libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
        if armed == 0 {
            // The timerfd wakes the wait; epoll's own timeout, a little
            // later, is only a backstop.
            Some(timeout + EARLY)
        } else {
            Some(timeout)
        }
    }
}

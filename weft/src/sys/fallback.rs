//! The platform layer everywhere but Linux (and on Linux with
//! `--cfg weft_sys_fallback`): what POSIX offers, and an `Unsupported`
//! error, with what it costs, for the rest (the module note says why each
//! item exists).

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::time::Duration;

/// An `Unsupported` error naming what is missing and what weft does
/// without it.
fn unsupported(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("{what} (weft's portable platform layer, `sys/fallback.rs`)"),
    )
}

// ---- Clocks ----

/// No monotonic clock is read directly: the time driver uses `Instant`.
pub(crate) fn monotonic_ns() -> Option<u64> {
    None
}

/// No coarse clock: the time driver reads `Instant::now()` instead.
pub(crate) fn coarse_monotonic_ns() -> Option<u64> {
    None
}

/// No coarse clock, so no resolution.
pub(crate) fn coarse_resolution_ns() -> Option<u64> {
    None
}

// ---- Process-wide memory barriers ----

/// No `membarrier` here: callers pair full fences instead.
pub(crate) fn register_process_barrier() -> bool {
    false
}

/// Never called: [`register_process_barrier`] refused.
pub(crate) fn process_barrier() -> bool {
    false
}

// ---- Precise timer waits ----

/// No timer descriptor here: the type has no values, and
/// [`new`](TimerFd::new) always fails.
#[derive(Debug)]
pub(crate) struct TimerFd {
    never: std::convert::Infallible,
}

impl TimerFd {
    /// Fails with `Unsupported`: the I/O driver waits with the poller's
    /// own timeout instead (kqueue's is in nanoseconds; epoll's in whole
    /// milliseconds, so there timers may fire up to 1 ms late).
    pub(crate) fn new() -> io::Result<TimerFd> {
        Err(unsupported(
            "no timerfd: the I/O driver waits with the poller's own timeout \
             (with epoll, in whole milliseconds: timers may fire up to 1 ms late)",
        ))
    }

    /// Never called: no `TimerFd` exists.
    pub(crate) fn set(&self, _after: Duration) -> io::Result<()> {
        match self.never {}
    }
}

impl AsRawFd for TimerFd {
    fn as_raw_fd(&self) -> RawFd {
        match self.never {}
    }
}

// ---- The receive queue's count ----

/// Fails with `Unsupported`: reads do not learn the receive queue's count,
/// so after a read that filled its buffer a reader forgets the socket's
/// readiness only at `WouldBlock`.
pub(crate) fn enable_inq(_fd: RawFd) -> io::Result<()> {
    Err(unsupported(
        "no TCP_INQ on this platform: reads do not learn how many bytes stay queued",
    ))
}

/// A plain `recv` into `buf`. Never reports the queue empty.
pub(crate) fn recv_inq(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<(usize, bool)> {
    Ok((super::unix::recv(fd, buf)?, false))
}

/// A plain `readv` into `bufs`. Never reports the queue empty.
pub(crate) fn recv_vectored_inq(
    fd: RawFd,
    bufs: &mut [io::IoSliceMut<'_>],
) -> io::Result<(usize, bool)> {
    Ok((super::unix::recv_vectored(fd, bufs)?, false))
}

// ---- Unix sockets ----

/// The uid and gid of the process at the other end of the Unix socket
/// `fd` (`getpeereid`; no pid).
#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "openbsd",
    target_os = "netbsd"
))]
pub(crate) fn peer_cred(fd: RawFd) -> io::Result<(libc::uid_t, libc::gid_t, Option<libc::pid_t>)> {
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: both out-pointers are valid and writable; `fd` is the
    // caller's socket.
    if unsafe { libc::getpeereid(fd, &mut uid, &mut gid) } != 0 {
        let err = io::Error::last_os_error();
        return Err(io::Error::new(
            err.kind(),
            format!("UnixStream::peer_cred: getpeereid failed: {err}"),
        ));
    }
    Ok((uid, gid, None))
}

/// Fails with `Unsupported`: this platform's peer credentials are not
/// implemented.
#[cfg(not(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "openbsd",
    target_os = "netbsd"
)))]
pub(crate) fn peer_cred(_fd: RawFd) -> io::Result<(libc::uid_t, libc::gid_t, Option<libc::pid_t>)> {
    Err(unsupported(
        "UnixStream::peer_cred: no peer-credential call for this platform",
    ))
}

/// Fails with `Unsupported`: abstract socket names are Linux's.
pub(crate) fn abstract_socket_addr(_name: &[u8]) -> io::Result<SocketAddr> {
    Err(unsupported(
        "abstract Unix socket names (a path starting with a NUL byte) exist only on Linux",
    ))
}

/// Whether an `accept` error concerns only the connection being accepted
/// (`sys::unix::is_pending_network_error`): the next connection may be
/// accepted.
#[cfg(feature = "net")]
pub(crate) fn is_accepted_connection_error(err: &io::Error) -> bool {
    err.raw_os_error()
        .is_some_and(super::unix::is_pending_network_error)
}

/// A new TCP socket of `domain`, non-blocking and close-on-exec (made,
/// then set non-blocking: `SOCK_NONBLOCK` is not POSIX).
#[cfg(feature = "net")]
pub(crate) fn nonblocking_tcp_socket(domain: socket2::Domain) -> io::Result<socket2::Socket> {
    let socket = socket2::Socket::new(domain, socket2::Type::STREAM, Some(socket2::Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

// ---- Socket options only Linux has ----

/// Fails with `Unsupported`: `TCP_QUICKACK` is Linux's.
#[cfg(feature = "net")]
pub(crate) fn tcp_quickack(_fd: BorrowedFd<'_>) -> io::Result<bool> {
    Err(unsupported("TCP_QUICKACK exists only on Linux"))
}

/// Fails with `Unsupported`: `TCP_QUICKACK` is Linux's.
#[cfg(feature = "net")]
pub(crate) fn set_tcp_quickack(_fd: BorrowedFd<'_>, _quickack: bool) -> io::Result<()> {
    Err(unsupported("TCP_QUICKACK exists only on Linux"))
}

/// Fails with `Unsupported`: `SO_BINDTODEVICE` is Linux's.
#[cfg(feature = "net")]
pub(crate) fn device(_fd: BorrowedFd<'_>) -> io::Result<Option<Vec<u8>>> {
    Err(unsupported("SO_BINDTODEVICE exists only on Linux"))
}

/// Fails with `Unsupported`: `SO_BINDTODEVICE` is Linux's.
#[cfg(feature = "net")]
pub(crate) fn bind_device(_fd: BorrowedFd<'_>, _interface: Option<&[u8]>) -> io::Result<()> {
    Err(unsupported("SO_BINDTODEVICE exists only on Linux"))
}

// ---- Signals ----

/// The largest signal number `sigaction` accepts, asked once per process:
/// the real-time range (`SIGRTMAX`) is not portable. 0 (every signal
/// refused) if none answers.
#[cfg(feature = "signal")]
pub(crate) fn max_signal() -> std::ffi::c_int {
    /// Above every platform's signal numbers (FreeBSD's largest is 128).
    const PROBE_FROM: std::ffi::c_int = 256;
    static MAX: std::sync::OnceLock<std::ffi::c_int> = std::sync::OnceLock::new();
    *MAX.get_or_init(|| {
        (1..=PROBE_FROM)
            .rev()
            .find(|&signum| super::Disposition::current(signum).is_ok())
            .unwrap_or(0)
    })
}

// ---- Child processes ----

/// No pidfd outside Linux (nor with the fallback forced): always
/// `Unsupported`, and [`pidfd_unavailable`] says so for good, so children
/// are reaped through `SIGCHLD`.
#[cfg(feature = "process")]
pub(crate) fn pidfd_open(_pid: u32) -> io::Result<std::os::fd::OwnedFd> {
    Err(unsupported("pidfd exists only on Linux 5.3 and later"))
}

/// Every [`pidfd_open`] error here means "never".
#[cfg(feature = "process")]
pub(crate) fn pidfd_unavailable(_err: &io::Error) -> bool {
    true
}

/// What only the fallback promises (`tests.rs` holds what both do).
#[cfg(all(test, not(miri), not(weft_loom)))]
mod tests {
    use super::*;
    use crate::sys::tests::{read, tcp_pair, wait_queued};
    use std::io::Write;

    #[test]
    fn no_clock_is_read() {
        assert_eq!(
            (
                monotonic_ns(),
                coarse_monotonic_ns(),
                coarse_resolution_ns()
            ),
            (None, None, None)
        );
    }

    #[test]
    fn missing_features_are_unsupported_with_a_reason() {
        let err = TimerFd::new().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        assert!(err.to_string().contains("1 ms late"), "{err}");
        let (ours, _peer) = tcp_pair();
        let err = enable_inq(ours.as_raw_fd()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        let err = abstract_socket_addr(b"weft-sys-test").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        assert!(err.to_string().contains("only on Linux"), "{err}");
    }

    #[test]
    fn a_full_read_never_says_the_queue_is_empty() {
        let (ours, mut peer) = tcp_pair();
        let _ = enable_inq(ours.as_raw_fd());
        peer.write_all(b"0123456789").unwrap();
        wait_queued(&ours, 10);
        assert_eq!(read(ours.as_raw_fd(), 10), (b"0123456789".to_vec(), false));
    }

    #[cfg(feature = "process")]
    #[test]
    fn there_is_no_pidfd() {
        let err = pidfd_open(std::process::id()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        assert!(pidfd_unavailable(&err));
    }

    /// On Linux (the fallback forced) there is no `getpeereid`.
    #[cfg(target_os = "linux")]
    #[test]
    fn peer_credentials_are_unsupported_on_linux() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let err = peer_cred(a.as_raw_fd()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
    }

    /// Where `getpeereid` exists, there is no pid.
    #[cfg(not(target_os = "linux"))]
    #[test]
    fn peer_credentials_have_no_pid() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        assert_eq!(peer_cred(a.as_raw_fd()).unwrap().2, None);
    }

    /// Asking `sigaction` finds the same range Linux's `SIGRTMAX` names.
    #[cfg(all(feature = "signal", target_os = "linux"))]
    #[test]
    fn max_signal_is_found_by_asking() {
        assert_eq!(max_signal(), libc::SIGRTMAX());
    }
}

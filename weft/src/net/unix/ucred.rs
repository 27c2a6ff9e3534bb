//! `UCred`: the credentials of a Unix socket's peer process.

use std::io;
use std::os::fd::AsRawFd;

/// The credentials of the process at the other end of a
/// [`UnixStream`](super::UnixStream), as the kernel recorded them when the
/// connection was made (`SO_PEERCRED`).
///
/// # Examples
///
/// ```
/// use weft::net::UnixStream;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, _b) = UnixStream::pair()?;
/// let cred = a.peer_cred()?;
/// // SAFETY: getuid has no preconditions.
/// assert_eq!(cred.uid(), unsafe { libc::getuid() });
/// assert_eq!(cred.pid(), Some(std::process::id() as i32));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UCred {
    uid: libc::uid_t,
    gid: libc::gid_t,
    pid: Option<libc::pid_t>,
}

impl UCred {
    /// The peer's user id.
    pub fn uid(&self) -> libc::uid_t {
        self.uid
    }

    /// The peer's group id.
    pub fn gid(&self) -> libc::gid_t {
        self.gid
    }

    /// The peer's process id (`None` where the platform does not say; on
    /// Linux it always does).
    pub fn pid(&self) -> Option<libc::pid_t> {
        self.pid
    }
}

/// Reads the peer credentials of the socket `fd` (`SO_PEERCRED`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn peer_cred(socket: &impl AsRawFd) -> io::Result<UCred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` is a valid, writable `ucred` and `len` holds its size,
    // as `getsockopt(SO_PEERCRED)` requires; the descriptor is borrowed
    // from a live socket.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        let err = io::Error::last_os_error();
        return Err(io::Error::new(
            err.kind(),
            format!("UnixStream::peer_cred: getsockopt(SO_PEERCRED) failed: {err}"),
        ));
    }
    Ok(UCred {
        uid: cred.uid,
        gid: cred.gid,
        pid: Some(cred.pid),
    })
}

/// Reads the peer credentials of the socket `fd` (`getpeereid`; no pid).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn peer_cred(socket: &impl AsRawFd) -> io::Result<UCred> {
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: both out-pointers are valid and writable; the descriptor is
    // borrowed from a live socket.
    if unsafe { libc::getpeereid(socket.as_raw_fd(), &mut uid, &mut gid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(UCred {
        uid,
        gid,
        pid: None,
    })
}

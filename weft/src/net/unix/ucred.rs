//! `UCred`: the credentials of a Unix socket's peer process.

use std::io;
use std::os::fd::AsRawFd;

/// The credentials of the process at the other end of a
/// [`UnixStream`](super::UnixStream), as the kernel recorded them when the
/// connection was made (`SO_PEERCRED` on Linux, `getpeereid` on macOS and
/// the BSDs).
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

    /// The peer's process id (`None` where the platform does not say, as
    /// on macOS and the BSDs; on Linux it always does).
    pub fn pid(&self) -> Option<libc::pid_t> {
        self.pid
    }
}

/// Reads the peer credentials of `socket` through the platform layer
/// (`sys::peer_cred`: `SO_PEERCRED` on Linux, `getpeereid` on macOS and
/// the BSDs).
pub(crate) fn peer_cred(socket: &impl AsRawFd) -> io::Result<UCred> {
    let (uid, gid, pid) = crate::sys::peer_cred(socket.as_raw_fd())?;
    Ok(UCred { uid, gid, pid })
}

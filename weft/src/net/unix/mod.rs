//! Unix domain sockets: [`UnixListener`] and [`UnixStream`] for streams,
//! [`UnixDatagram`] for datagrams, [`UnixSocket`] to set one up before it
//! becomes any of them; and [`pipe`]: anonymous pipes and FIFOs.
//!
//! Binding to a path creates the socket file; it is not removed when the
//! socket closes (remove it yourself before binding again).
//!
//! On Linux (and Android), a path whose first byte is NUL names a socket
//! in the *abstract namespace*: no file is created, the name (the bytes
//! after the NUL) disappears with the socket. `UnixListener::bind`,
//! `UnixStream::connect` and `UnixDatagram`'s `bind`, `connect` and
//! `send_to` accept such paths, as in tokio; the addresses they report
//! answer `as_abstract_name` (`std::os::linux::net::SocketAddrExt`).
//! Elsewhere they fail with `ErrorKind::Unsupported`.
//!
//! ```
//! # #[cfg(target_os = "linux")]
//! # #[weft::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use std::os::linux::net::SocketAddrExt;
//! use weft::net::unix::{UnixListener, UnixStream};
//!
//! let name = format!("\0weft-doc-abstract-{}", std::process::id());
//! let listener = UnixListener::bind(&name)?;
//! let _client = UnixStream::connect(&name).await?;
//! let (_server, _) = listener.accept().await?;
//! let local = listener.local_addr()?;
//! assert_eq!(local.as_abstract_name(), Some(&name.as_bytes()[1..]));
//! # Ok(())
//! # }
//! # #[cfg(not(target_os = "linux"))]
//! # fn main() {}
//! ```
//!
//! # Differences from tokio
//!
//! [`SocketAddr`] is
//! `std::os::unix::net::SocketAddr` itself (tokio wraps
//! it in a type with the same `is_unnamed` / `as_pathname` methods).

mod datagram;
mod listener;
pub mod pipe;
mod socket;
mod split;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use socket::UnixSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::UnixStream;
pub use ucred::UCred;

/// A user ID (the type of [`UCred::uid`]).
#[allow(non_camel_case_types)]
pub type uid_t = libc::uid_t;

/// A group ID (the type of [`UCred::gid`]).
#[allow(non_camel_case_types)]
pub type gid_t = libc::gid_t;

/// A process ID (the type of [`UCred::pid`]'s value).
#[allow(non_camel_case_types)]
pub type pid_t = libc::pid_t;

/// The address of a Unix socket: a path, or unnamed (an unbound socket,
/// one end of a `pair`), or (Linux) an abstract name.
pub use std::os::unix::net::SocketAddr;

use std::io;
use std::path::Path;

/// The abstract name `path` gives, if its first byte is NUL (module
/// docs).
fn abstract_name(path: &Path) -> Option<&[u8]> {
    use std::os::unix::ffi::OsStrExt;
    match path.as_os_str().as_bytes().split_first() {
        Some((0, name)) => Some(name),
        _ => None,
    }
}

/// Opens a socket at `path` (binds or connects one): `by_name` for an
/// abstract name (a leading NUL byte, Linux and Android), `by_path` for an
/// ordinary path.
fn open_at<'a, T>(
    path: &'a Path,
    by_name: impl FnOnce(&SocketAddr) -> io::Result<T>,
    by_path: impl FnOnce(&'a Path) -> io::Result<T>,
) -> io::Result<T> {
    match abstract_addr(path) {
        Some(addr) => by_name(&addr?),
        None => by_path(path),
    }
}

/// `path` as an abstract socket address, if it names one (a leading NUL
/// byte); `None` for an ordinary path. An `Unsupported` error where the
/// platform has no abstract names (`sys::abstract_socket_addr`).
fn abstract_addr(path: &Path) -> Option<io::Result<SocketAddr>> {
    abstract_name(path).map(crate::sys::abstract_socket_addr)
}

/// `target` as a socket address (abstract names included: socket2 reads a
/// leading NUL as one, once the platform layer has said it has them).
fn unix_sock_addr(target: &Path) -> io::Result<socket2::SockAddr> {
    if let Some(Err(unsupported)) = abstract_addr(target) {
        return Err(unsupported);
    }
    socket2::SockAddr::unix(target)
}

//! `UnixListener`: accepts connections on a Unix domain socket.

use super::{SocketAddr, UnixStream};
use crate::net::listener::Accepting;
use crate::runtime::backends::RingAccept;
use crate::runtime::io::PollEvented;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix domain socket server, listening for connections on a path.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::unix::{UnixListener, UnixStream};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let path = std::env::temp_dir().join(format!("weft-doc-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let server = weft::spawn(async move {
///     let (mut socket, _addr) = listener.accept().await?;
///     let mut buf = [0; 5];
///     socket.read_exact(&mut buf).await?;
///     socket.write_all(&buf).await?;
///     std::io::Result::Ok(())
/// });
/// let mut client = UnixStream::connect(&path).await?;
/// client.write_all(b"hello").await?;
/// let mut echoed = [0; 5];
/// client.read_exact(&mut echoed).await?;
/// assert_eq!(&echoed, b"hello");
/// server.await.unwrap()?;
/// std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub struct UnixListener {
    io: PollEvented<mio::net::UnixListener>,
    /// The multishot accept, on a runtime whose sockets run on io_uring.
    ring: Option<RingAccept>,
}

impl UnixListener {
    // API twins of the same methods on the other socket types (`bind`,
    // `from_std`, `into_std`: same public methods on each type, as in tokio);
    // each is a short call to mio.

    /// Creates the socket file at `path` and listens on it (synchronous,
    /// as in tokio). A `path` whose first byte is NUL names an abstract
    /// socket on Linux (no file; see the [module docs](super)).
    ///
    /// # Errors
    ///
    /// `AddrInUse` when `path` exists (remove a stale socket file first),
    /// `NotFound` when its directory does not, `PermissionDenied`...
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        UnixListener::new(super::open_at(
            path.as_ref(),
            mio::net::UnixListener::bind_addr,
            mio::net::UnixListener::bind,
        )?)
    }

    /// Listens at `socket_addr`: a path (the socket file is created) or
    /// (Linux) an abstract name, as std's `SocketAddr` holds them (see
    /// [`UnixStream::connect_addr`] for an example).
    ///
    /// # Errors
    ///
    /// As for [`bind`](Self::bind).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn bind_addr(socket_addr: &SocketAddr) -> io::Result<UnixListener> {
        UnixListener::new(mio::net::UnixListener::bind_addr(socket_addr)?)
    }

    #[track_caller]
    pub(super) fn new(listener: mio::net::UnixListener) -> io::Result<UnixListener> {
        let ring = RingAccept::for_current_runtime(listener.as_raw_fd());
        Ok(UnixListener {
            io: PollEvented::new(listener)?,
            ring,
        })
    }

    /// How this listener takes connections (`net/listener.rs`).
    fn accepting(&self) -> Accepting<'_, mio::net::UnixListener, mio::net::UnixStream, SocketAddr> {
        Accepting {
            ring: self.ring.as_ref(),
            accept: mio::net::UnixListener::accept,
            from_fd: |fd| mio::net::UnixStream::from_std(std::os::unix::net::UnixStream::from(fd)),
            peer: mio::net::UnixStream::peer_addr,
        }
    }

    /// Wraps a std listener, which must be in non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::new(mio::net::UnixListener::from_std(listener))
    }

    /// Unregisters the listener and returns it as a std listener (still
    /// in non-blocking mode).
    ///
    /// On io_uring, connections the listener accepted ahead and no task
    /// took are closed (see "Differences from tokio" on
    /// [`IoBackend::Uring`](crate::runtime::IoBackend::Uring)).
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        drop(self.ring);
        self.io.into_inner().map(Into::into)
    }

    // API twins of TcpListener's `accept` and `poll_accept` (same public
    // methods on both types, as in tokio); the accept loop is in
    // `net/listener.rs`. After them, `local_addr` and `take_error` are twins
    // of the same methods on the other socket types, each one call to mio.

    /// Waits for a connection and returns it with the peer's address
    /// (usually unnamed).
    ///
    /// # Errors
    ///
    /// The OS's `accept` error (`EMFILE`: out of descriptors; the
    /// listener stays usable).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, no connection is lost.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        self.io
            .accept_with(self.accepting(), UnixStream::new_accepted)
            .await
    }

    /// Polls for a connection; see [`accept`](Self::accept). Only the
    /// waker of the last call is woken (use `accept` from several tasks).
    ///
    /// # Errors
    ///
    /// As [`accept`](Self::accept)'s; also when the new connection cannot
    /// be registered with the I/O driver (out of memory or of epoll
    /// watches, or the runtime has shut down): that connection is closed,
    /// and the listener stays usable.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.io
            .poll_accept_with(cx, self.accepting(), UnixStream::new_accepted)
    }

    /// The address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

// API twins of the same std trait impls on every socket type (`TryFrom`,
// `AsRawFd`, `AsFd`, `Debug`, as in tokio).

impl TryFrom<std::os::unix::net::UnixListener> for UnixListener {
    type Error = io::Error;

    /// As [`UnixListener::from_std`].
    fn try_from(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::from_std(listener)
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

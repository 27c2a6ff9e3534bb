//! `UnixSocket`: a Unix socket configured before it binds, listens or
//! connects.

use super::{UnixDatagram, UnixListener, UnixStream};
use socket2::{Domain, Socket, Type};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::path::Path;

/// A Unix domain socket that is not yet a listener, a connection or a
/// datagram socket: create it as a stream or datagram socket, set it up
/// (bind it to a path), then turn it into a [`UnixListener`]
/// ([`listen`](Self::listen), with a backlog of your choice), a
/// [`UnixStream`] ([`connect`](Self::connect), from a bound address) or a
/// [`UnixDatagram`] ([`datagram`](Self::datagram)).
///
/// Paths work as everywhere in [`weft::net::unix`](super): a leading NUL
/// byte names an abstract socket on Linux.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::UnixSocket;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("weft-doc-unixsocket-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("server.sock");
/// # let _ = std::fs::remove_file(&path);
///
/// let server = UnixSocket::new_stream()?;
/// server.bind(&path)?;
/// let listener = server.listen(16)?;
///
/// let mut client = UnixSocket::new_stream()?.connect(&path).await?;
/// let (mut accepted, _) = listener.accept().await?;
/// client.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// accepted.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub struct UnixSocket {
    inner: Socket,
}

impl UnixSocket {
    /// A new Unix stream socket (`socket(AF_UNIX, SOCK_STREAM)`), in
    /// non-blocking mode.
    pub fn new_stream() -> io::Result<UnixSocket> {
        UnixSocket::new(Type::STREAM)
    }

    /// A new Unix datagram socket (`socket(AF_UNIX, SOCK_DGRAM)`), in
    /// non-blocking mode.
    pub fn new_datagram() -> io::Result<UnixSocket> {
        UnixSocket::new(Type::DGRAM)
    }

    fn new(ty: Type) -> io::Result<UnixSocket> {
        let inner = Socket::new(Domain::UNIX, ty, None)?;
        inner.set_nonblocking(true)?;
        Ok(UnixSocket { inner })
    }

    fn is_datagram(&self) -> io::Result<bool> {
        Ok(self.inner.r#type()? == Type::DGRAM)
    }

    /// Binds the socket to `path` (creating the socket file; a leading NUL
    /// names an abstract socket on Linux).
    ///
    /// # Errors
    ///
    /// `AddrInUse` when `path` exists, `NotFound` when its directory does
    /// not, `PermissionDenied`...
    pub fn bind(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.inner.bind(&super::unix_sock_addr(path.as_ref())?)
    }

    /// Listens for connections, with room for `backlog` pending ones
    /// (clamped to `i32::MAX`; the kernel caps it further).
    ///
    /// # Errors
    ///
    /// An error (kind `Other`, as in tokio) on a datagram socket; the
    /// OS's error (say, `InvalidInput` for an unbound socket on some
    /// systems).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        if self.is_datagram()? {
            return Err(io::Error::other(
                "listen cannot be called on a datagram socket",
            ));
        }
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        let std_listener: std::os::unix::net::UnixListener = self.inner.into();
        UnixListener::new(mio::net::UnixListener::from_std(std_listener))
    }

    /// Connects the stream socket to the listener at `path`, waiting until
    /// the connection is established.
    ///
    /// # Errors
    ///
    /// An error (kind `Other`, as in tokio) on a datagram socket;
    /// `NotFound` when nothing is at `path`, `ConnectionRefused` when
    /// nobody listens there...
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    pub async fn connect(self, path: impl AsRef<Path>) -> io::Result<UnixStream> {
        if self.is_datagram()? {
            return Err(io::Error::other(
                "connect cannot be called on a datagram socket",
            ));
        }
        match self.inner.connect(&super::unix_sock_addr(path.as_ref())?) {
            Ok(()) => {}
            // Non-blocking: the connection completes in the background.
            Err(err) if crate::sys::is_in_progress(&err) => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
            Err(err) => return Err(err),
        }
        let std_stream: std::os::unix::net::UnixStream = self.inner.into();
        UnixStream::new(mio::net::UnixStream::from_std(std_stream))?
            .connected()
            .await
    }

    /// The datagram socket, ready to send and receive (bind it first to
    /// receive at a path; `connect` it later for `send`/`recv`).
    ///
    /// # Errors
    ///
    /// An error (kind `Other`, as in tokio) on a stream socket.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    ///
    /// ```
    /// use weft::net::UnixSocket;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("weft-doc-unixdgram-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let (a_path, b_path) = (dir.join("a.sock"), dir.join("b.sock"));
    /// # let _ = (std::fs::remove_file(&a_path), std::fs::remove_file(&b_path));
    /// let a = UnixSocket::new_datagram()?;
    /// a.bind(&a_path)?;
    /// let a = a.datagram()?;
    /// let b = UnixSocket::new_datagram()?;
    /// b.bind(&b_path)?;
    /// let b = b.datagram()?;
    /// b.send_to(b"hello", &a_path).await?;
    /// let mut buf = [0u8; 8];
    /// let (n, from) = a.recv_from(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"hello");
    /// assert_eq!(from.as_pathname(), Some(b_path.as_path()));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        if !self.is_datagram()? {
            return Err(io::Error::other(
                "datagram cannot be called on a stream socket",
            ));
        }
        let std_socket: std::os::unix::net::UnixDatagram = self.inner.into();
        UnixDatagram::new(mio::net::UnixDatagram::from_std(std_socket))
    }
}

/// The socket's descriptor.
impl AsRawFd for UnixSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

/// The socket's descriptor.
impl AsFd for UnixSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

/// Takes ownership of a Unix socket's descriptor.
impl FromRawFd for UnixSocket {
    /// # Safety
    ///
    /// `fd` must be an open Unix socket that nothing else owns or closes.
    unsafe fn from_raw_fd(fd: RawFd) -> UnixSocket {
        // SAFETY: the caller passes ownership of an open socket.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        UnixSocket {
            inner: Socket::from(owned),
        }
    }
}

/// Gives the descriptor up; the caller now owns it.
impl IntoRawFd for UnixSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}

impl fmt::Debug for UnixSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

//! `UnixDatagram`: datagrams over a Unix domain socket.

use super::SocketAddr;
use crate::io::{Interest, ReadBuf, Ready};
use crate::net::buf_mut::read_into_buf_mut;
use crate::runtime::io::{Direction, PollEvented, Wants};
use bytes::BufMut;
use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix domain datagram socket.
///
/// Like UDP, but local and reliable: datagrams are neither lost nor
/// reordered, and a send waits (`WouldBlock`, then readiness) when the
/// receiver's queue is full. A datagram longer than the receive buffer is
/// truncated (the rest is discarded).
///
/// Every method takes `&self`; share the socket through an `Arc` to send
/// and receive from different tasks.
///
/// # Examples
///
/// ```
/// use weft::net::unix::UnixDatagram;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir();
/// let id = std::process::id();
/// let (a_path, b_path) = (dir.join(format!("weft-doc-a-{id}")), dir.join(format!("weft-doc-b-{id}")));
/// let _ = (std::fs::remove_file(&a_path), std::fs::remove_file(&b_path));
///
/// let a = UnixDatagram::bind(&a_path)?;
/// let b = UnixDatagram::bind(&b_path)?;
/// a.send_to(b"hello", &b_path).await?;
/// let mut buf = [0u8; 16];
/// let (n, from) = b.recv_from(&mut buf).await?;
/// assert_eq!(&buf[..n], b"hello");
/// assert_eq!(from.as_pathname(), Some(a_path.as_path()));
/// # std::fs::remove_file(&a_path)?;
/// # std::fs::remove_file(&b_path)?;
/// # Ok(())
/// # }
/// ```
pub struct UnixDatagram {
    io: PollEvented<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    // API twins of the same methods on the other socket types (`bind`, `pair`,
    // `from_std`, `into_std`, `local_addr`, `peer_addr`, `take_error`: same
    // public methods on each type, as in tokio); each is a short call to mio.

    /// Creates a socket bound to `path` (creating the socket file; a
    /// leading NUL byte names an abstract socket on Linux instead, see the
    /// [module docs](super)).
    ///
    /// # Errors
    ///
    /// `AddrInUse` when `path` exists, `NotFound` when its directory
    /// does not...
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        UnixDatagram::new(super::open_at(
            path.as_ref(),
            mio::net::UnixDatagram::bind_addr,
            mio::net::UnixDatagram::bind,
        )?)
    }

    /// Two connected, unnamed sockets.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = weft::net::unix::UnixDatagram::pair()?;
    /// a.send(b"ping").await?;
    /// let mut buf = [0u8; 8];
    /// let n = b.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"ping");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        let (a, b) = (UnixDatagram::new(a)?, UnixDatagram::new(b)?);
        // Empty buffers: writable now (as tokio assumes), readable only
        // once the peer sends.
        a.io.assume_ready(Ready::WRITABLE);
        b.io.assume_ready(Ready::WRITABLE);
        Ok((a, b))
    }

    /// A socket bound to no path (it can send, and receive replies only
    /// once connected, or through `pair`).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::new(mio::net::UnixDatagram::unbound()?)
    }

    #[track_caller]
    pub(super) fn new(socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: PollEvented::new(socket)?,
        })
    }

    /// Wraps a std socket, which must be in non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::new(mio::net::UnixDatagram::from_std(socket))
    }

    /// Unregisters the socket and returns it as a std socket (still in
    /// non-blocking mode).
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        self.io.into_inner().map(Into::into)
    }

    /// Sets the default peer: [`send`](Self::send) goes to `path`, and
    /// only its datagrams are received (synchronous, as in tokio). A
    /// leading NUL byte names an abstract socket on Linux.
    ///
    /// # Errors
    ///
    /// `NotFound` when nothing exists at `path`, `ConnectionRefused` when
    /// no socket is bound there.
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        let path = path.as_ref();
        match super::abstract_name(path) {
            Some(_) => {
                socket2::SockRef::from(self.io.get_ref()).connect(&super::unix_sock_addr(path)?)
            }
            None => self.io.get_ref().connect(path),
        }
    }

    /// The address this socket is bound to (unnamed if none).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The address of the connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` before [`connect`](Self::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Shuts down the read, write or both directions.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    // API twins of UdpSocket's methods of the same names, from `ready` to
    // `async_io` (same public methods on both types, as in tokio; `ready`,
    // `readable`, `writable`, `try_io` and `async_io` are on the streams too).
    // Each is one call to `PollEvented` (its readiness waits, or its
    // `async_io` / `poll_io` / `try_io` loops around the mio operation).

    /// Waits until the socket is ready for any of `interest`, and says
    /// which readiness it saw. May wake spuriously.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until a datagram may be received.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.wait_ready(Wants::Read).await
    }

    /// Waits until a datagram may be sent.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.wait_ready(Wants::Write).await
    }

    /// Polls for receive readiness (the waker is stored on `Pending`).
    ///
    /// Only the waker of the last `poll_*` call per direction (receive:
    /// `poll_recv_ready`, `poll_recv`, `poll_recv_from`, `poll_peek`...) is
    /// woken; tasks that share the socket should use the `async` methods,
    /// which any number of tasks may await at once.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read)
    }

    /// Polls for send readiness (the waker is stored on `Pending`).
    ///
    /// Only the waker of the last `poll_*` call per direction is woken
    /// (see [`poll_recv_ready`](Self::poll_recv_ready)).
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write)
    }

    /// Sends `buf` as one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` before [`connect`](Self::connect), or the OS's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, nothing was sent.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .async_io(Wants::Write, |socket| socket.send(buf))
            .await
    }

    /// Polls [`send`](Self::send).
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |socket| socket.send(buf))
    }

    /// Sends to the connected peer now, or `WouldBlock`.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Wants::Write, |socket| socket.send(buf))
    }

    /// Receives one datagram into `buf`; returns its length (at most
    /// `buf.len()`: the rest of a longer datagram is discarded).
    ///
    /// # Errors
    ///
    /// The OS's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, no datagram was taken.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Wants::Read, |socket| socket.recv(buf))
            .await
    }

    /// Polls receiving one datagram into `buf`'s unfilled part (advanced
    /// by its length).
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_read_buf(cx, buf, |socket, unfilled| Ok((socket.recv(unfilled)?, ())))
    }

    /// Receives a datagram now, or `WouldBlock`.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Wants::Read, |socket| socket.recv(buf))
    }

    /// Sends `buf` as one datagram to the socket bound at `target` (a
    /// leading NUL byte names an abstract socket on Linux).
    ///
    /// # Errors
    ///
    /// `NotFound` when nothing exists at `target`, `ConnectionRefused`
    /// when no socket is bound there, or the OS's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, nothing was sent.
    pub async fn send_to<P: AsRef<Path>>(&self, buf: &[u8], target: P) -> io::Result<usize> {
        let target = target.as_ref();
        self.io
            .async_io(Wants::Write, |socket| send_to(socket, buf, target))
            .await
    }

    /// Polls [`send_to`](Self::send_to).
    pub fn poll_send_to<P: AsRef<Path>>(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: P,
    ) -> Poll<io::Result<usize>> {
        let target = target.as_ref();
        self.io
            .poll_io(cx, Direction::Write, |socket| send_to(socket, buf, target))
    }

    /// Sends to `target` now, or `WouldBlock`.
    pub fn try_send_to<P: AsRef<Path>>(&self, buf: &[u8], target: P) -> io::Result<usize> {
        self.io
            .try_io(Wants::Write, |socket| send_to(socket, buf, target.as_ref()))
    }

    /// Receives one datagram into `buf`; returns its length (truncated to
    /// `buf.len()`) and the sender's address (unnamed if it is not bound).
    ///
    /// # Errors
    ///
    /// The OS's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, no datagram was taken.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Wants::Read, |socket| socket.recv_from(buf))
            .await
    }

    /// Polls [`recv_from`](Self::recv_from), into `buf`'s unfilled part.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io
            .poll_read_buf(cx, buf, |socket, unfilled| socket.recv_from(unfilled))
    }

    /// Receives a datagram and its sender now, or `WouldBlock`.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Wants::Read, |socket| socket.recv_from(buf))
    }

    /// As [`recv`](Self::recv), into `buf`, a [`bytes::BufMut`] (a
    /// `Vec<u8>`, a `BytesMut`, ...), which is advanced past the datagram.
    /// The datagram goes into `buf`'s writable chunk (never zeroed; a full
    /// `Vec` or `BytesMut` grows first); one longer than the chunk is cut
    /// to fit (the rest is discarded), as with `recv`.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, no datagram was taken.
    ///
    /// ```
    /// use weft::net::UnixDatagram;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// b.send(b"datagram").await?;
    /// let mut buf = bytes::BytesMut::new();
    /// assert_eq!(a.recv_buf(&mut buf).await?, 8);
    /// assert_eq!(&buf[..], b"datagram");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .async_io(Wants::Read, |socket| recv_into_buf(socket, buf))
            .await
    }

    /// As [`try_recv`](Self::try_recv), into `buf`, a [`bytes::BufMut`]
    /// (see [`recv_buf`](Self::recv_buf)).
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_io(Wants::Read, |socket| recv_into_buf(socket, buf))
    }

    /// As [`recv_from`](Self::recv_from), into `buf`, a [`bytes::BufMut`],
    /// which is advanced past the datagram.
    ///
    /// Unlike [`recv_buf`](Self::recv_buf), the chunk is zeroed before the
    /// call: the sender's address comes from std's `recv_from`, which
    /// takes initialized bytes.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, no datagram was taken.
    ///
    /// ```
    /// use weft::net::UnixDatagram;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// b.send(b"hi").await?;
    /// let mut buf = Vec::new();
    /// let (n, from) = a.recv_buf_from(&mut buf).await?;
    /// assert_eq!((n, buf.as_slice()), (2, &b"hi"[..]));
    /// assert!(from.is_unnamed());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Wants::Read, |socket| recv_from_into_buf(socket, buf))
            .await
    }

    /// As [`try_recv_from`](Self::try_recv_from), into `buf`, a
    /// [`bytes::BufMut`] (see [`recv_buf_from`](Self::recv_buf_from)).
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Wants::Read, |socket| recv_from_into_buf(socket, buf))
    }

    /// Runs `f` (a non-blocking operation on this socket) now if the
    /// cached readiness for `interest` allows; a `WouldBlock` from `f`
    /// clears it.
    ///
    /// # Errors
    ///
    /// `f`'s error, or `WouldBlock`.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io(Wants::from_interest(interest), |_| f())
    }

    /// Runs `f` until it does not hit `WouldBlock`, waiting for
    /// `interest` readiness before each try.
    ///
    /// # Errors
    ///
    /// `f`'s error, or an error when the runtime has shut down.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io
            .async_io(Wants::from_interest(interest), |_| f())
            .await
    }
}

/// Sends to `target`, a path or (leading NUL) an abstract name.
/// One `recv` into `buf`'s writable chunk; the datagram's length.
fn recv_into_buf<B: BufMut + ?Sized>(
    socket: &mio::net::UnixDatagram,
    buf: &mut B,
) -> io::Result<usize> {
    read_into_buf_mut(buf, |chunk| {
        let n = socket2::SockRef::from(socket).recv(chunk)?;
        Ok((n, n))
    })
}

/// One `recvfrom` into `buf`'s writable chunk, zeroed first; the length
/// and the sender.
fn recv_from_into_buf<B: BufMut + ?Sized>(
    socket: &mio::net::UnixDatagram,
    buf: &mut B,
) -> io::Result<(usize, SocketAddr)> {
    read_into_buf_mut(buf, |chunk| {
        chunk.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `chunk` was just initialized, and
        // `MaybeUninit<u8>` has the layout of `u8`.
        let chunk = unsafe { &mut *(chunk as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let (n, from) = socket.recv_from(chunk)?;
        Ok((n, (n, from)))
    })
}

fn send_to(socket: &mio::net::UnixDatagram, buf: &[u8], target: &Path) -> io::Result<usize> {
    match super::abstract_name(target) {
        Some(_) => socket2::SockRef::from(socket).send_to(buf, &super::unix_sock_addr(target)?),
        None => socket.send_to(buf, target),
    }
}

// API twins of the same std trait impls on every socket type (`TryFrom`,
// `AsRawFd`, `AsFd`, `Debug`, as in tokio).

impl TryFrom<std::os::unix::net::UnixDatagram> for UnixDatagram {
    type Error = io::Error;

    /// As [`UnixDatagram::from_std`].
    fn try_from(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(socket)
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

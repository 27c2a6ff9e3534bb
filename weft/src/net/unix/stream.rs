//! `UnixStream`: a connection over a Unix domain socket.

use super::split::{split, split_owned};
use super::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, SocketAddr, WriteHalf};
use crate::io::{AsyncRead, AsyncWrite, Interest, ReadBuf, Ready};
use crate::net::buf_mut::read_into_buf_mut;
use crate::net::split::SplitStream;
use crate::runtime::io::{Direction, PollEvented, Wants};
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A connected Unix domain stream socket.
///
/// Read and write it with [`AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt); `shutdown()` closes the
/// write direction (the peer reads end of stream).
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::unix::UnixStream;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_all(b"hello").await?;
/// a.shutdown().await?;
/// let mut got = String::new();
/// b.read_to_string(&mut got).await?;
/// assert_eq!(got, "hello");
/// # Ok(())
/// # }
/// ```
pub struct UnixStream {
    io: PollEvented<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket bound at `path` (a leading NUL byte names
    /// an abstract socket on Linux; see the [module docs](super)).
    ///
    /// # Errors
    ///
    /// `NotFound` when nothing exists at `path`, `ConnectionRefused` when
    /// nobody listens there (a stale socket file), `PermissionDenied`...
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let stream = UnixStream::new(super::open_at(
            path.as_ref(),
            mio::net::UnixStream::connect_addr,
            mio::net::UnixStream::connect,
        )?)?;
        std::future::poll_fn(|cx| {
            stream
                .io
                .poll_connected(cx, mio::net::UnixStream::take_error)
        })
        .await?;
        Ok(stream)
    }

    /// Connects to the socket at `socket_addr`: a path or (Linux) an
    /// abstract name, as std's `SocketAddr` holds them.
    ///
    /// ```
    /// # #[cfg(target_os = "linux")]
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::os::linux::net::SocketAddrExt;
    /// use weft::net::unix::SocketAddr;
    /// use weft::net::{UnixListener, UnixStream};
    ///
    /// let name = format!("weft-doc-connect-addr-{}", std::process::id());
    /// let addr = SocketAddr::from_abstract_name(name.as_bytes())?;
    /// let listener = UnixListener::bind_addr(&addr)?;
    /// let client = UnixStream::connect_addr(&addr).await?;
    /// let (_server, _) = listener.accept().await?;
    /// assert_eq!(client.peer_addr()?.as_abstract_name(), Some(name.as_bytes()));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(target_os = "linux"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`connect`](Self::connect).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    pub async fn connect_addr(socket_addr: &SocketAddr) -> io::Result<UnixStream> {
        UnixStream::new(mio::net::UnixStream::connect_addr(socket_addr)?)?
            .connected()
            .await
    }

    /// Waits until the non-blocking connect of a new stream ends; the
    /// connected stream, or the connect's error.
    pub(super) async fn connected(mut self) -> io::Result<UnixStream> {
        std::future::poll_fn(|cx| self.io.poll_connected(cx, mio::net::UnixStream::take_error))
            .await?;
        // On io_uring the wait for the connect was epoll's; the stream's
        // reads and writes need no registration.
        self.io.leave_epoll()?;
        Ok(self)
    }

    /// Two connected, unnamed sockets.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        let (a, b) = (UnixStream::new(a)?, UnixStream::new(b)?);
        // Empty buffers: writable now (as tokio assumes), readable only
        // once the peer writes.
        a.io.assume_ready(Ready::WRITABLE);
        b.io.assume_ready(Ready::WRITABLE);
        Ok((a, b))
    }

    // API twins of the same methods on the other socket types (`from_std`,
    // `into_std`, `local_addr`, `peer_addr`: same public methods on each type,
    // as in tokio); each is one call to mio.

    #[track_caller]
    pub(crate) fn new(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: PollEvented::new_stream(stream)?,
        })
    }

    /// A stream `accept` returned: assumed readable and writable, as
    /// [`TcpStream`](crate::net::TcpStream)'s (and tokio's) are.
    #[track_caller]
    pub(crate) fn new_accepted(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        let stream = UnixStream::new(stream)?;
        stream.io.assume_ready(Ready::READABLE | Ready::WRITABLE);
        Ok(stream)
    }

    /// Wraps a connected std stream, which must be in non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::new(mio::net::UnixStream::from_std(stream))
    }

    /// Unregisters the stream and returns it as a std stream (still in
    /// non-blocking mode).
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        self.io.into_inner().map(Into::into)
    }

    /// The local address (unnamed for a client or a `pair`).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address (unnamed unless the peer bound a path).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The credentials (user, group, process) of the peer process, as the
    /// kernel recorded them at connect time (`SO_PEERCRED` on Linux,
    /// `getpeereid`, without the pid, on macOS and the BSDs).
    ///
    /// # Errors
    ///
    /// The call failed (the OS error, with context); `Unsupported` on a
    /// platform weft has no peer-credential call for.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::net::UnixStream;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// assert_eq!(a.peer_cred()?.pid(), Some(std::process::id() as i32));
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_cred(&self) -> io::Result<super::UCred> {
        super::ucred::peer_cred(self.io.get_ref())
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    // API twins of TcpStream's methods of the same names, from `ready` to
    // `async_io` (same public methods on both types, as in tokio; `ready`,
    // `readable`, `writable`, `try_io` and `async_io` are on the datagram
    // sockets too). Each is one call to `PollEvented`.

    /// Waits until the stream is ready for any of `interest`, and says
    /// which readiness it saw. May wake spuriously.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until the stream may be readable (data, EOF or an error).
    /// May wake spuriously: a following `try_read` can still say
    /// `WouldBlock`.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.wait_ready(Wants::Read).await
    }

    /// Waits until the stream may be writable; see
    /// [`readable`](Self::readable).
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.wait_ready(Wants::Write).await
    }

    /// Polls for read readiness (the waker is stored on `Pending`).
    ///
    /// Only the waker of the last call (or `AsyncRead` poll) is woken; use
    /// [`readable`](Self::readable) from several tasks.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read)
    }

    /// Polls for write readiness (the waker is stored on `Pending`).
    ///
    /// Only the waker of the last call (or `AsyncWrite` poll) is woken.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write)
    }

    /// Reads what is available now into `buf`, without waiting:
    /// `WouldBlock` if nothing is. `Ok(0)`: end of stream (or an empty
    /// `buf`).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read(buf)
    }

    /// As [`try_read`](Self::try_read), into `buf`, a [`bytes::BufMut`]
    /// (a `Vec<u8>`, a `BytesMut`, ...), which is advanced past the bytes
    /// read. They go into `buf`'s writable chunk, never zeroed (a full
    /// `Vec` or `BytesMut` grows first).
    ///
    /// ```
    /// use weft::net::UnixStream;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixStream::pair()?;
    /// a.writable().await?;
    /// a.try_write(b"hi")?;
    /// let mut buf = Vec::new();
    /// while buf.len() < 2 {
    ///     b.readable().await?;
    ///     match b.try_read_buf(&mut buf) {
    ///         Ok(_) => {}
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// assert_eq!(buf, b"hi");
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        read_into_buf_mut(buf, |spare| {
            let n = self
                .io
                .try_io(Wants::Read, |io| socket2::SockRef::from(io).recv(spare))?;
            Ok((n, n))
        })
    }

    /// As [`try_read`](Self::try_read), into several buffers.
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.io.try_read_vectored(bufs)
    }

    /// Writes what fits now, without waiting: `WouldBlock` if nothing does.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write(buf)
    }

    /// As [`try_write`](Self::try_write), from several buffers.
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_write_vectored(bufs)
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

    // API twins of TcpStream's `split` and `into_split`, and below, of its
    // `AsyncRead`/`AsyncWrite` impls (the same public methods and impls on
    // both streams, as in tokio). Their bodies are calls to `SplitStream`
    // (`net/split.rs`).

    /// Splits the stream into a read half and a write half that borrow
    /// it, for reading and writing at once within one task. Free.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split(self)
    }

    /// Splits the stream into owned halves that can move to different
    /// tasks; [`OwnedReadHalf::reunite`] puts them back together.
    /// Dropping the write half shuts the write direction down.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split_owned(self)
    }
}

/// The reads and writes of the stream and of its halves: through `&self`
/// (the writes are `SplitStream`'s, as for `TcpStream`).
impl SplitStream for UnixStream {
    type Io = mio::net::UnixStream;

    fn evented(&self) -> &PollEvented<Self::Io> {
        &self.io
    }

    fn poll_read_shared(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(ring) = self.io.ring() {
            return ring.poll_read(cx, buf);
        }
        let unfilled = buf.initialize_unfilled();
        let n = ready!(self.io.poll_read(cx, unfilled))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    fn shutdown_write(&self) -> io::Result<()> {
        if let Some(ring) = self.io.ring() {
            // After the send in flight (an owned write half's drop).
            return ring.shutdown_write();
        }
        self.io.get_ref().shutdown(Shutdown::Write)
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_shared(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_shared(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_shared(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Nothing is buffered in weft: the kernel has every written byte.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush_shared(cx)
    }

    /// Shuts the write direction down (the peer reads end of stream);
    /// reading goes on. A connection the peer already reset or closed
    /// shuts down with `Ok(())`, as in tokio (the kernel's `ENOTCONN`
    /// would depend on whether it processed the reset first).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_shutdown_shared(cx)
    }
}

// API twins of the same std trait impls on every socket type (`TryFrom`,
// `AsRawFd`, `AsFd`, `Debug`, as in tokio).

impl TryFrom<std::os::unix::net::UnixStream> for UnixStream {
    type Error = io::Error;

    /// As [`UnixStream::from_std`].
    fn try_from(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(stream)
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

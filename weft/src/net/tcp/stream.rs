//! `TcpStream`: a TCP connection.

use crate::io::{AsyncRead, AsyncWrite, Interest, ReadBuf, Ready};
use crate::loom::Ordering::Relaxed;
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::net::buf_mut::read_into_buf_mut;
use crate::net::split::{
    addr_methods, peek_methods, read_half_methods, split_owned, write_half_methods, OwnedWrite,
    SplitStream,
};
use crate::runtime::io::{is_short_transfer, Direction, PollEvented, Wants};
use crate::sys;
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// A TCP connection between a local and a remote socket.
///
/// Read and write it with [`AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt). A read and a write may wait
/// at the same time (from two tasks, through `&TcpStream`'s `try_*`
/// methods and `readable`/`writable`).
///
/// See [`TcpListener`](super::TcpListener) for an example.
///
/// # Differences from tokio
///
/// A read that empties the receive queue forgets the readiness at once in
/// more cases than on tokio, where only a short `poll_read` (and the async
/// reads built on it) does: a short `try_read` too, and, on Linux, a read
/// that fills its buffer once the stream's reads have been filling their
/// buffers (it then learns how many bytes the queue still holds,
/// `TCP_INQ`). So right after such a read, `readable()` and
/// `poll_read_ready` wait for new bytes on weft, where tokio's report
/// ready and the next `try_read` then returns `WouldBlock`: the same
/// outcome for a program that reads after the readiness, one system call
/// fewer. (tokio's own `tcp_stream::poll_read_ready` test asserts the
/// stale readiness after a `try_read`, and waits forever on weft.)
///
/// A stream whose runtime has shut down fails every operation with the
/// runtime's shutdown error, `try_read` included (tokio's `try_read` may
/// still read bytes that were reported ready before the shutdown).
pub struct TcpStream {
    /// Reads learn what the receive queue still holds (`TCP_INQ`, on
    /// Linux; see the `sys` module note), so a read that empties it forgets
    /// the readiness.
    io: PollEvented<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, trying each resolved address in turn.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` when nobody listens, `InvalidInput` for an
    /// address string that does not parse or resolve, or the last
    /// connect error.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        each_addr(addr, TcpStream::connect_addr).await
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let socket = crate::sys::nonblocking_tcp_socket(socket2::Domain::for_address(addr))?;
        TcpStream::start_connect(socket, addr)?.connected().await
    }

    /// Starts connecting `socket` (non-blocking, not connected) to `addr`:
    /// on io_uring an operation of the ring; on epoll a non-blocking
    /// `connect`, with the stream registered only after the call (an
    /// unconnected socket would report a stale writability to an
    /// edge-triggered registration). [`connected`](Self::connected) waits
    /// for the outcome. Not an `async fn`: the connecting future lives in
    /// the task as long as the connection, so it keeps nothing but the
    /// stream.
    pub(super) fn start_connect(
        socket: socket2::Socket,
        addr: SocketAddr,
    ) -> io::Result<TcpStream> {
        if crate::runtime::io::streams_on_ring() {
            let std_stream: std::net::TcpStream = socket.into();
            let stream = TcpStream::new(mio::net::TcpStream::from_std(std_stream))?;
            stream.io.start_connect(&addr);
            return Ok(stream);
        }
        match socket.connect(&addr.into()) {
            Ok(()) => {}
            // Non-blocking: the connection completes in the background.
            Err(err) if sys::is_in_progress(&err) => {}
            Err(err) => return Err(err),
        }
        let std_stream: std::net::TcpStream = socket.into();
        TcpStream::new(mio::net::TcpStream::from_std(std_stream))
    }

    /// Waits until the non-blocking connect of a new stream ends; the
    /// connected stream, or the connect's error.
    pub(super) async fn connected(mut self) -> io::Result<TcpStream> {
        std::future::poll_fn(|cx| self.io.poll_connected(cx, mio::net::TcpStream::take_error))
            .await?;
        // On io_uring the wait for the connect was epoll's; the stream's
        // reads and writes need no registration.
        self.io.leave_epoll()?;
        Ok(self)
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Sets `SO_LINGER`; see [`TcpSocket::set_linger`](super::TcpSocket::set_linger).
    pub fn set_linger(&self, linger: Option<std::time::Duration>) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// The `SO_LINGER` setting.
    pub fn linger(&self) -> io::Result<Option<std::time::Duration>> {
        socket2::SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets `SO_LINGER` to zero: closing the stream then resets the
    /// connection (the peer sees `ConnectionReset`) and discards unsent
    /// data, instead of a graceful close. Same as
    /// `set_linger(Some(Duration::ZERO))`.
    ///
    /// ```
    /// use weft::net::{TcpListener, TcpStream};
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_zero_linger()?;
    /// assert_eq!(stream.linger()?, Some(std::time::Duration::ZERO));
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.set_linger(Some(std::time::Duration::ZERO))
    }

    /// Sets `TCP_QUICKACK`: acknowledge received segments at once instead
    /// of delaying the ACK. Linux clears it again on its own as the
    /// connection goes on; set it before the reads it matters for.
    ///
    /// # Differences from tokio
    ///
    /// tokio has it only on Linux, Android and Fuchsia; weft has it
    /// everywhere, and elsewhere it fails with `ErrorKind::Unsupported`.
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        sys::set_tcp_quickack(self.as_fd(), quickack)
    }

    /// Whether `TCP_QUICKACK` is set; see [`set_quickack`](Self::set_quickack).
    pub fn quickack(&self) -> io::Result<bool> {
        sys::tcp_quickack(self.as_fd())
    }

    // API twins of the same methods on the other socket types (`from_std`,
    // `into_std`, `local_addr`, `peer_addr`, `set_ttl`, `ttl`: same public
    // methods on each type, as in tokio); each is one call to mio.

    #[track_caller]
    pub(crate) fn new(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: PollEvented::new_stream(stream)?,
        })
    }

    /// A stream `accept` returned: assumed readable and writable, so its
    /// first read and write try the socket instead of waiting for the
    /// driver's first event, as in tokio (a client that wrote before the
    /// accept is read at once).
    #[track_caller]
    pub(crate) fn new_accepted(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        let stream = TcpStream::new(stream)?;
        stream.io.assume_ready(Ready::READABLE | Ready::WRITABLE);
        Ok(stream)
    }

    /// Wraps a connected std stream, which must be in non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::new(mio::net::TcpStream::from_std(stream))
    }

    /// Unregisters the stream and returns it as a std stream (still in
    /// non-blocking mode).
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        self.io.into_inner().map(Into::into)
    }

    /// The local address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The remote address of the connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm: small writes go out
    /// at once).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets the IP time-to-live of outgoing packets.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live; see [`set_ttl`](Self::set_ttl).
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    // API twins of UnixStream's methods of the same names, from `readable` to
    // `async_io` (same public methods on both types, as in tokio; `ready`,
    // `readable`, `writable`, `try_io` and `async_io` are on the datagram
    // sockets too). Each is one call to `PollEvented`, except the reads
    // ("Reads", below) and the peeks, TCP's own.

    /// Waits until the stream may be readable (data, EOF or an error).
    /// May wake spuriously: a following `try_read` can still say
    /// `WouldBlock`. The readiness stays until a read finds the socket
    /// empty (it says `WouldBlock`, or it is known to have emptied the
    /// queue: see "Differences from tokio"), so after a read that took
    /// only part of what arrived this returns at once. Any number of tasks
    /// may wait at once.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.wait_ready(Wants::Read).await
    }

    /// Waits until the stream may be writable; see
    /// [`readable`](Self::readable). After a partial write (`try_write`
    /// that took part of the buffer) this returns at once.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.wait_ready(Wants::Write).await
    }

    /// Waits until the stream is ready for any of `interest`, and says
    /// which readiness it saw. May wake spuriously: a following `try_read`
    /// or `try_write` can still say `WouldBlock`.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::io::Interest;
    /// use weft::net::{TcpListener, TcpStream};
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = TcpStream::connect(listener.local_addr()?).await?;
    /// let ready = stream.ready(Interest::READABLE | Interest::WRITABLE).await?;
    /// assert!(ready.is_writable());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Polls for read readiness (the waker is stored on `Pending`).
    ///
    /// Only the waker of the last call is woken: two tasks polling read
    /// readiness (or reading through `AsyncRead`) at once lose wake-ups;
    /// use [`readable`](Self::readable) from several tasks.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read)
    }

    /// Polls for write readiness (the waker is stored on `Pending`).
    ///
    /// Only the waker of the last call is woken (as for
    /// [`poll_read_ready`](Self::poll_read_ready)).
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write)
    }

    /// Reads what is available now into `buf`, without waiting:
    /// `WouldBlock` if nothing is. `Ok(0)`: end of stream (or an empty
    /// `buf`).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(result) = self.io.try_read_ring(buf) {
            return result;
        }
        self.io.try_drain(Wants::Read, || self.recv(as_uninit(buf)))
    }

    /// As [`try_read`](Self::try_read), into several buffers.
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        if let Some(result) = self.io.try_read_vectored_ring(bufs) {
            return result;
        }
        self.io.try_drain(Wants::Read, || self.recv_vectored(bufs))
    }

    /// As [`try_read`](Self::try_read), into `buf`, a [`bytes::BufMut`]
    /// (a `Vec<u8>`, a `BytesMut`, ...), which is advanced past the bytes
    /// read. They go into `buf`'s writable chunk, never zeroed (a full
    /// `Vec` or `BytesMut` grows first).
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    /// use weft::net::{TcpListener, TcpStream};
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"hello").await?;
    /// let mut buf = Vec::new();
    /// while buf.len() < 5 {
    ///     server.readable().await?;
    ///     match server.try_read_buf(&mut buf) {
    ///         Ok(_) => {}
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// assert_eq!(buf, b"hello");
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        read_into_buf_mut(buf, |spare| {
            if let Some(result) = self.io.try_read_ring_uninit(spare) {
                let n = result?;
                return Ok((n, n));
            }
            let n = self.io.try_drain(Wants::Read, || self.recv(spare))?;
            Ok((n, n))
        })
    }

    /// Writes what fits now, without waiting: `WouldBlock` if nothing does.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write(buf)
    }

    /// As [`try_write`](Self::try_write), from several buffers.
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_write_vectored(bufs)
    }

    /// Reads into `buf` without removing the data from the socket's
    /// queue; waits until there is some.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(result) = std::future::poll_fn(|cx| self.io.poll_peek_ring(cx, buf)).await {
            return result;
        }
        self.io.async_io(Wants::Read, |io| io.peek(buf)).await
    }

    /// Polls [`peek`](Self::peek), into `buf`'s unfilled part (which is
    /// advanced); returns the bytes peeked. `Ok(0)`: end of stream (or no
    /// room in `buf`).
    ///
    /// Only the waker of the last call is woken (as for
    /// [`poll_read_ready`](Self::poll_read_ready)).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use weft::io::{AsyncWriteExt, ReadBuf};
    /// use weft::net::{TcpListener, TcpStream};
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"GET").await?;
    /// let mut storage = [0u8; 3];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// let n = poll_fn(|cx| server.poll_peek(cx, &mut buf)).await?;
    /// assert_eq!(&buf.filled()[..n], &b"GET"[..n]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        if let Some(result) = ready!(self.io.poll_peek_ring(cx, buf.initialize_unfilled())) {
            let n = result?;
            buf.advance(n);
            return Poll::Ready(Ok(n));
        }
        self.io
            .poll_read_buf(cx, buf, |io, b| io.peek(b).map(|n| (n, n)))
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
    /// `interest` readiness before each try (any number of tasks may
    /// wait at once).
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

// API twins of UnixStream's `split` and `into_split`, its
// `AsyncRead`/`AsyncWrite` impls and its halves (`net/unix/split.rs`): the
// same public types and impls on both streams, as in tokio. Their bodies are
// calls to `SplitStream` and `OwnedWrite` (`net/split.rs`), so each half's
// `AsyncRead`/`AsyncWrite` impl is also the twin of the stream's own.

impl TcpStream {
    /// Splits the stream into a read half and a write half that borrow it,
    /// for reading and writing at once within one task (say, in a
    /// `join!`). Free: no allocation, no lock.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf(self), WriteHalf(self))
    }

    /// Splits the stream into owned halves that can move to different
    /// tasks; [`OwnedReadHalf::reunite`] puts them back together.
    /// Dropping the write half shuts the write direction down.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let (stream, inner) = split_owned(self);
        (OwnedReadHalf { stream }, OwnedWriteHalf { inner })
    }
}

/// The reads and writes of the stream and of its halves: through `&self`
/// (the writes are `SplitStream`'s, as for `UnixStream`).
impl SplitStream for TcpStream {
    type Io = mio::net::TcpStream;

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
        if buf.remaining() == 0 {
            // Always ready: still spends budget (a loop of empty reads
            // must yield like any other ready operation).
            ready!(crate::runtime::coop::poll_proceed_and_make_progress(cx));
            return Poll::Ready(Ok(()));
        }
        // SAFETY: `recv` only writes the unfilled part, never reads it.
        let unfilled = unsafe { buf.unfilled_mut() };
        let registration = match self.io.registration() {
            Ok(registration) => registration,
            Err(err) => return Poll::Ready(Err(err)),
        };
        let n = ready!(registration.poll_drain(cx, Direction::Read, || self.recv(unfilled)))?;
        // SAFETY: the kernel initialized the `n` bytes it read.
        unsafe { buf.assume_init(n) };
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

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_shared(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
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

/// The read half of [`TcpStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a TcpStream);

/// The write half of [`TcpStream::split`].
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a TcpStream);

/// The stream both halves borrow.
impl AsRef<TcpStream> for ReadHalf<'_> {
    fn as_ref(&self) -> &TcpStream {
        self.0
    }
}

/// The stream both halves borrow.
impl AsRef<TcpStream> for WriteHalf<'_> {
    fn as_ref(&self) -> &TcpStream {
        self.0
    }
}

/// The stream both halves share.
impl AsRef<TcpStream> for OwnedReadHalf {
    fn as_ref(&self) -> &TcpStream {
        &self.stream
    }
}

/// The stream both halves share.
impl AsRef<TcpStream> for OwnedWriteHalf {
    fn as_ref(&self) -> &TcpStream {
        self.inner.stream()
    }
}

impl ReadHalf<'_> {
    read_half_methods!(TcpStream);
    peek_methods!(TcpStream);
    addr_methods!(TcpStream, SocketAddr);
}

impl WriteHalf<'_> {
    write_half_methods!(TcpStream);
    addr_methods!(TcpStream, SocketAddr);
}

impl AsyncRead for ReadHalf<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.poll_read_shared(cx, buf)
    }
}

impl AsyncWrite for WriteHalf<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_shared(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_vectored_shared(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_flush_shared(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_shutdown_shared(cx)
    }
}

/// The read half of [`TcpStream::into_split`], movable to another task.
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: Arc<TcpStream>,
}

/// The write half of [`TcpStream::into_split`]. Dropping it shuts the
/// write direction down (the peer reads end of stream), unless
/// [`forget`](OwnedWriteHalf::forget) was called.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    inner: OwnedWrite<TcpStream>,
}

/// The halves given to [`OwnedReadHalf::reunite`] came from different
/// streams; they are handed back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}

impl OwnedReadHalf {
    /// Puts the two halves of one [`TcpStream::into_split`] back together.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`] (with both halves) if they come from different
    /// streams.
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !other.inner.pairs_with(&self.stream) {
            return Err(ReuniteError(self, other));
        }
        Ok(other.inner.reunite(self.stream))
    }

    read_half_methods!(TcpStream);
    peek_methods!(TcpStream);

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl OwnedWriteHalf {
    /// Puts the halves back together; see [`OwnedReadHalf::reunite`].
    ///
    /// # Errors
    ///
    /// As [`OwnedReadHalf::reunite`].
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        other.reunite(self)
    }

    /// Drops the half without shutting the write direction down.
    pub fn forget(self) {
        self.inner.forget();
    }

    write_half_methods!(TcpStream);

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.stream().peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.stream().local_addr()
    }
}

impl AsyncRead for OwnedReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stream.poll_read_shared(cx, buf)
    }
}

impl AsyncWrite for OwnedWriteHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.stream().poll_write_shared(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.stream().poll_write_vectored_shared(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.stream().poll_flush_shared(cx)
    }

    /// Shuts the write direction down now (and not again on drop).
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_shutdown(cx)
    }
}

// ---- Reads ----
//
// A read says whether it proved the receive queue empty, so the readiness
// can be forgotten without the extra call that would only say
// `WouldBlock` (`Registration::poll_drain`). A short read proves it: the
// kernel copies everything queued, up to the buffer's length (tokio clears
// on short reads too). A read that fills its buffer proves nothing by
// itself; only the kernel's count of what is left does (`TCP_INQ`, a
// control message of `recvmsg`; the `sys` module note). Asking for the
// count costs: a `recvmsg` with it took 3.55 µs where a `recv` took 3.30
// (100-byte reads of a loopback socket, Linux 6.18.44, x86-64), about 3% of
// the CPU time of a small request to an HTTP server (weft-bench's
// `dropin_axum` server spends about 9 µs on one). So a read asks only
// while the stream's reads fill their buffers, a protocol that reads
// exactly the frames it expects (there each count saves a call), and is a
// plain `recv` while they come back short, a server reading small requests
// into large buffers. The first full read of a stream pays one
// `WouldBlock` call, as every read on tokio does; the reads after it ask.
// The hint is a byte of the stream's (`PollEvented::read_hint`), updated by
// each read; the socket option goes on at the first full read, so a stream
// whose reads never fill their buffers never pays for the `setsockopt`
// either.
impl TcpStream {
    /// No read has filled its buffer yet; `TCP_INQ` is off.
    const READS_SHORT_INQ_OFF: u8 = 0;
    /// The last read came back short; `TCP_INQ` is on.
    const READS_SHORT: u8 = 1;
    /// The last read filled its buffer: the next one asks for the count.
    const READS_FILL: u8 = 2;

    /// One read into `buf`: the bytes read, and whether the queue is
    /// known empty after it (see "Reads").
    fn recv(&self, buf: &mut [std::mem::MaybeUninit<u8>]) -> io::Result<(usize, bool)> {
        let fd = self.as_raw_fd();
        self.read_hinted(buf.len(), |ask| match ask {
            true => sys::recv_inq(fd, buf),
            false => Ok((sys::recv(fd, buf)?, false)),
        })
    }

    /// As [`recv`](Self::recv), into several buffers.
    fn recv_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<(usize, bool)> {
        let fd = self.as_raw_fd();
        let len = bufs.iter().map(|buf| buf.len()).sum();
        self.read_hinted(len, |ask| match ask {
            true => sys::recv_vectored_inq(fd, bufs),
            false => Ok((sys::recv_vectored(fd, bufs)?, false)),
        })
    }

    /// Runs `read` of `len` bytes, asking it for the queue's count only
    /// while the reads fill their buffers; records whether this one did
    /// (turning `TCP_INQ` on at the first that did), and says whether it
    /// proved the queue empty (a short read, or a count of zero).
    fn read_hinted(
        &self,
        len: usize,
        read: impl FnOnce(bool) -> io::Result<(usize, bool)>,
    ) -> io::Result<(usize, bool)> {
        let hint = self.io.read_hint();
        let was = hint.load(Relaxed);
        let (n, counted_empty) = read(was == Self::READS_FILL)?;
        let filled = n > 0 && n == len;
        if filled && was != Self::READS_FILL {
            if was == Self::READS_SHORT_INQ_OFF {
                // Refused on old kernels and other platforms: those reads
                // then never learn the count (no control message comes).
                let _ = sys::enable_inq(self.as_raw_fd());
            }
            hint.store(Self::READS_FILL, Relaxed);
        } else if !filled && was == Self::READS_FILL {
            hint.store(Self::READS_SHORT, Relaxed);
        }
        Ok((n, counted_empty || is_short_transfer(n, len)))
    }
}

/// Views an initialized buffer as one the kernel may write.
fn as_uninit(buf: &mut [u8]) -> &mut [std::mem::MaybeUninit<u8>] {
    // SAFETY: same layout; the only writer (`recv`) writes initialized
    // bytes, so `buf` stays initialized.
    unsafe { &mut *(buf as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) }
}

// API twins of the same std trait impls on every socket type (`AsRawFd`,
// `AsFd`, `Debug`, as in tokio).

/// The socket's descriptor.
impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

/// The socket's descriptor.
impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

/// [`TcpStream::from_std`].
impl TryFrom<std::net::TcpStream> for TcpStream {
    type Error = io::Error;

    fn try_from(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(stream)
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

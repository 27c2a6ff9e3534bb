//! `TcpStream`: a TCP connection.

use crate::io::driver::{Direction, PollEvented, ReadAhead};
use crate::io::unix::poll_ready_interest;
use crate::io::{AsyncRead, AsyncWrite, Interest, ReadBuf, Ready};
use crate::net::addr::{each_addr, ToSocketAddrs};
use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read, Write};
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
/// # Read-ahead
///
/// A read through [`AsyncRead`] asks the socket for one byte more than the
/// buffer holds. When that byte does not come, the socket is known to be
/// empty, and the next read waits for new data without first making a
/// system call that would only say `WouldBlock`: a request/response
/// exchange makes one read per message instead of two. When it does come,
/// the stream keeps it and returns it first on the next read (of any
/// kind: `AsyncRead`, [`try_read`](Self::try_read), [`peek`](Self::peek)
/// sees it too), so the bytes arrive whole and in order. Readiness
/// ([`readable`](Self::readable), [`ready`](Self::ready),
/// [`poll_read_ready`](Self::poll_read_ready)) counts a kept byte as
/// readable.
///
/// The kept byte is invisible only to code that reads the descriptor
/// itself (through [`AsRawFd`]/[`AsFd`]) while the stream is in use, and
/// [`into_std`](Self::into_std) refuses to drop it (see there). This is
/// the one difference from tokio's `TcpStream`, which reads exactly what
/// is asked.
pub struct TcpStream {
    io: PollEvented<mio::net::TcpStream>,
    read_ahead: ReadAhead,
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
        let stream = TcpStream::new(mio::net::TcpStream::connect(addr)?)?;
        // A non-blocking connect completes when the socket turns
        // writable; its outcome is then in SO_ERROR.
        poll_fn(|cx| stream.registration().poll_ready(cx, Direction::Write)).await?;
        if let Some(err) = stream.take_error()? {
            return Err(err);
        }
        Ok(stream)
    }

    pub(crate) fn registration(&self) -> &crate::io::driver::Registration {
        self.io.registration()
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

    #[track_caller]
    pub(crate) fn new(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: PollEvented::new(stream)?,
            read_ahead: ReadAhead::new(),
        })
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
    ///
    /// # Errors
    ///
    /// The error of deregistering. And if the last read kept a byte read
    /// ahead (see [read-ahead](TcpStream#read-ahead)), which the std
    /// stream could not return, an error of kind `Other` whose inner error
    /// is an [`IntoStdError`] holding both the std stream and the byte:
    /// nothing is lost.
    ///
    /// ```
    /// use weft::net::tcp::IntoStdError;
    ///
    /// fn std_stream_and_byte(err: std::io::Error) -> Option<(std::net::TcpStream, u8)> {
    ///     let kept = err.into_inner()?.downcast::<IntoStdError>().ok()?;
    ///     Some((kept.stream, kept.read_ahead))
    /// }
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let read_ahead = self.read_ahead.take_byte();
        let mio = self.io.into_inner()?;
        // SAFETY: the descriptor comes from a connected socket we own,
        // handed over whole by `into_raw_fd`.
        let stream = unsafe { std::net::TcpStream::from_raw_fd(mio.into_raw_fd()) };
        match read_ahead {
            None => Ok(stream),
            Some(read_ahead) => Err(io::Error::other(IntoStdError { stream, read_ahead })),
        }
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

    /// Waits until the stream may be readable (data, EOF or an error).
    /// May wake spuriously: a following `try_read` can still say
    /// `WouldBlock`.
    pub async fn readable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_read_ready(cx)).await
    }

    /// Waits until the stream may be writable; see
    /// [`readable`](Self::readable).
    pub async fn writable(&self) -> io::Result<()> {
        poll_fn(|cx| self.io.registration().poll_ready(cx, Direction::Write)).await?;
        Ok(())
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
        poll_fn(|cx| {
            if interest.is_readable() && self.read_ahead.is_pending() {
                // The kept byte is readable; add what else is ready now.
                let write = self.registration().ready_now(Direction::Write);
                let write = if interest.is_writable() {
                    write.ready
                } else {
                    Ready::EMPTY
                };
                return Poll::Ready(Ok(Ready::READABLE | write));
            }
            let events = ready!(poll_ready_interest(self.registration(), cx, interest))?;
            Poll::Ready(Ok(events.ready()))
        })
        .await
    }

    /// Polls for read readiness (the waker is stored on `Pending`).
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.read_ahead.is_pending() {
            return Poll::Ready(Ok(()));
        }
        ready!(self.io.registration().poll_ready(cx, Direction::Read))?;
        Poll::Ready(Ok(()))
    }

    /// Polls for write readiness (the waker is stored on `Pending`).
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.io.registration().poll_ready(cx, Direction::Write))?;
        Poll::Ready(Ok(()))
    }

    /// Reads what is available now into `buf`, without waiting:
    /// `WouldBlock` if nothing is. `Ok(0)`: end of stream (or an empty
    /// `buf`).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(kept) = self.read_ahead.take_into(buf) {
            return kept;
        }
        let io = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Read, || (&*io).read(buf))
    }

    /// As [`try_read`](Self::try_read), into several buffers.
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        if let Some(first) = bufs.iter_mut().find(|buf| !buf.is_empty()) {
            if let Some(kept) = self.read_ahead.take_into(first) {
                return kept;
            }
        }
        let io = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Read, || (&*io).read_vectored(bufs))
    }

    /// Writes what fits now, without waiting: `WouldBlock` if nothing does.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        let io = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Write, || (&*io).write(buf))
    }

    /// As [`try_write`](Self::try_write), from several buffers.
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let io = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Write, || (&*io).write_vectored(bufs))
    }

    /// Reads into `buf` without removing the data from the socket's
    /// queue; waits until there is some.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read_ahead.peek_into(buf).is_some() {
            // The kept byte comes first; then whatever the socket holds
            // now, without waiting for more.
            return Ok(match self.io.get_ref().peek(&mut buf[1..]) {
                Ok(n) => 1 + n,
                Err(_) => 1,
            });
        }
        poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |io| io.peek(buf))).await
    }
}

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
        let shared = Arc::new(self);
        (
            OwnedReadHalf {
                stream: shared.clone(),
            },
            OwnedWriteHalf {
                stream: shared,
                shutdown_on_drop: true,
            },
        )
    }

    /// The read behind every `AsyncRead` impl of the stream and its read
    /// halves, with [read-ahead](TcpStream#read-ahead). Through `&self` so
    /// that a read half can call it, but only for the stream's *sole*
    /// reader: one that holds `&mut` to the stream or to its only read
    /// half (`ReadAhead`'s design note says why).
    fn poll_read_sole(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let fd = self.io.get_ref().as_raw_fd();
        self.read_ahead
            .poll_read(self.io.registration(), fd, cx, buf)
    }

    fn shutdown_write(&self) -> io::Result<()> {
        self.io.get_ref().shutdown(Shutdown::Write)
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_sole(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Nothing is buffered in weft: the kernel has every written byte.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts the write direction down (the peer reads end of stream);
    /// reading goes on.
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_write())
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
        &self.stream
    }
}

impl AsyncRead for ReadHalf<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.poll_read_sole(cx, buf)
    }
}

impl AsyncWrite for WriteHalf<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.io.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.io.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.0.shutdown_write())
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
    stream: Arc<TcpStream>,
    shutdown_on_drop: bool,
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
        if !Arc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        let mut write = other;
        write.shutdown_on_drop = false;
        let stream = write.stream.clone();
        drop(write);
        drop(self);
        Ok(Arc::into_inner(stream).expect("both halves were just dropped"))
    }

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
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may be gone already; nothing to report then.
            let _ = self.stream.shutdown_write();
        }
    }
}

impl AsyncRead for OwnedReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stream.poll_read_sole(cx, buf)
    }
}

impl AsyncWrite for OwnedWriteHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.io.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.stream.io.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts the write direction down now (and not again on drop).
    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = self.stream.shutdown_write();
        self.shutdown_on_drop = false;
        Poll::Ready(result)
    }
}

/// What [`TcpStream::into_std`] returns, inside its error, when the stream
/// had a byte read ahead: the std stream, and the byte that comes before
/// anything it will read.
#[derive(Debug)]
pub struct IntoStdError {
    /// The unregistered stream, in non-blocking mode.
    pub stream: std::net::TcpStream,
    /// The next byte of the stream, already taken from the socket.
    pub read_ahead: u8,
}

impl fmt::Display for IntoStdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "TcpStream::into_std: one byte was read ahead of the std stream; \
             it and the stream are in this error (IntoStdError)",
        )
    }
}

impl std::error::Error for IntoStdError {}

/// The socket's descriptor. Reading it directly while the stream is in use
/// can miss a byte the stream [read ahead](TcpStream#read-ahead).
impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

/// The socket's descriptor; see the `AsRawFd` impl.
impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

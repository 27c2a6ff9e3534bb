//! The halves of a split [`UnixStream`]: borrowed ([`UnixStream::split`])
//! and owned ([`UnixStream::into_split`]).

use super::{SocketAddr, UnixStream};
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::split::{self as shared, OwnedWrite, SplitStream};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

// API twins of TcpStream's halves (`net/tcp/stream.rs`): the same public types
// and impls on both streams, as in tokio. Their bodies are calls to
// `SplitStream` and `OwnedWrite` (`net/split.rs`), so each half's
// `AsyncRead`/`AsyncWrite` impl is also the twin of the stream's own.

pub(super) fn split(stream: &mut UnixStream) -> (ReadHalf<'_>, WriteHalf<'_>) {
    (ReadHalf(stream), WriteHalf(stream))
}

pub(super) fn split_owned(stream: UnixStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let (stream, inner) = shared::split_owned(stream);
    (OwnedReadHalf { stream }, OwnedWriteHalf { inner })
}

/// The read half of [`UnixStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a UnixStream);

/// The write half of [`UnixStream::split`].
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a UnixStream);

/// The read half of [`UnixStream::into_split`], movable to another task.
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: Arc<UnixStream>,
}

/// The write half of [`UnixStream::into_split`]. Dropping it shuts the
/// write direction down (the peer reads end of stream), unless
/// [`forget`](OwnedWriteHalf::forget) was called.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    inner: OwnedWrite<UnixStream>,
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

/// The stream both halves borrow.
impl AsRef<UnixStream> for ReadHalf<'_> {
    fn as_ref(&self) -> &UnixStream {
        self.0
    }
}

/// The stream both halves borrow.
impl AsRef<UnixStream> for WriteHalf<'_> {
    fn as_ref(&self) -> &UnixStream {
        self.0
    }
}

/// The stream both halves share.
impl AsRef<UnixStream> for OwnedReadHalf {
    fn as_ref(&self) -> &UnixStream {
        &self.stream
    }
}

/// The stream both halves share.
impl AsRef<UnixStream> for OwnedWriteHalf {
    fn as_ref(&self) -> &UnixStream {
        self.inner.stream()
    }
}

impl ReadHalf<'_> {
    shared::read_half_methods!(UnixStream);
    shared::addr_methods!(UnixStream, SocketAddr);
}

impl WriteHalf<'_> {
    shared::write_half_methods!(UnixStream);
    shared::addr_methods!(UnixStream, SocketAddr);
}

impl OwnedReadHalf {
    shared::read_half_methods!(UnixStream);

    /// Puts the two halves of one [`UnixStream::into_split`] back
    /// together.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`] (with both halves) if they come from different
    /// streams.
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<UnixStream, ReuniteError> {
        if !other.inner.pairs_with(&self.stream) {
            return Err(ReuniteError(self, other));
        }
        Ok(other.inner.reunite(self.stream))
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
    pub fn reunite(self, other: OwnedReadHalf) -> Result<UnixStream, ReuniteError> {
        other.reunite(self)
    }

    /// Drops the half without shutting the write direction down.
    pub fn forget(self) {
        self.inner.forget();
    }

    shared::write_half_methods!(UnixStream);

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.stream().peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.stream().local_addr()
    }
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

impl AsyncRead for OwnedReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stream.poll_read_shared(cx, buf)
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

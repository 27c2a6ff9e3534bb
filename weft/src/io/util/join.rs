//! `join`: one reader and one writer as a single stream.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

/// Joins a reader and a writer into one value that is both: reads go to
/// `reader`, writes (and flush, shutdown) to `writer`. The opposite of
/// [`split`](crate::io::split), for two halves that were never one stream
/// (standard input and output, two pipes).
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut stream = weft::io::join(&b"request"[..], Vec::new());
/// let mut got = String::new();
/// stream.read_to_string(&mut got).await?;
/// stream.write_all(b"reply").await?;
/// let (_, written) = stream.into_inner();
/// assert_eq!((got.as_str(), written.as_slice()), ("request", &b"reply"[..]));
/// # Ok(())
/// # }
/// ```
pub fn join<R, W>(reader: R, writer: W) -> Join<R, W>
where
    R: AsyncRead,
    W: AsyncWrite,
{
    Join { reader, writer }
}

/// A reader and a writer joined into one stream, made by [`join`].
#[derive(Debug)]
pub struct Join<R, W> {
    // Both structurally pinned (see `project`).
    reader: R,
    writer: W,
}

impl<R, W> Join<R, W>
where
    R: AsyncRead,
    W: AsyncWrite,
{
    /// Takes the reader and the writer back.
    pub fn into_inner(self) -> (R, W) {
        (self.reader, self.writer)
    }

    /// The reader.
    pub fn reader(&self) -> &R {
        &self.reader
    }

    /// The writer.
    pub fn writer(&self) -> &W {
        &self.writer
    }

    /// The reader, mutably.
    pub fn reader_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The writer, mutably.
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// The pinned reader.
    pub fn reader_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// The pinned writer.
    pub fn writer_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().1
    }
}

impl<R, W> Join<R, W> {
    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, Pin<&mut W>) {
        // Structural pinning of both fields: neither is moved out of a
        // pinned `Join` (only `into_inner`, by value), `Join` has no `Drop`
        // impl, and the auto `Unpin` impl requires both to be `Unpin`.
        // SAFETY: as argued just above.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let reader = unsafe { Pin::new_unchecked(&mut this.reader) };
        // SAFETY: see above.
        let writer = unsafe { Pin::new_unchecked(&mut this.writer) };
        (reader, writer)
    }
}

impl<R: AsyncRead, W> AsyncRead for Join<R, W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.project().0.poll_read(cx, buf)
    }
}

impl<R: AsyncBufRead, W> AsyncBufRead for Join<R, W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().0.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().0.consume(amt)
    }
}

impl<R, W: AsyncWrite> AsyncWrite for Join<R, W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().1.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().1.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.writer.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().1.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().1.poll_shutdown(cx)
    }
}

//! `copy`: everything from a reader into a writer.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::runtime::coop;

/// Size of the buffer `copy` and `copy_bidirectional` use per direction.
const COPY_BUF_SIZE: usize = 8 * 1024;

/// One direction of a copy: a buffer between a reader and a writer.
#[derive(Debug)]
pub(crate) struct CopyBuffer {
    buf: Box<[u8]>,
    /// Bytes `pos..cap` of `buf` are read but not yet written.
    pos: usize,
    cap: usize,
    /// Bytes written so far.
    amt: u64,
    read_done: bool,
    /// Data was written since the last flush.
    need_flush: bool,
}

impl CopyBuffer {
    pub(crate) fn new() -> CopyBuffer {
        CopyBuffer::with_size(COPY_BUF_SIZE)
    }

    /// A copy through a buffer of `size` bytes (more than 0).
    pub(crate) fn with_size(size: usize) -> CopyBuffer {
        debug_assert!(size > 0, "a copy needs a buffer");
        CopyBuffer {
            buf: vec![0; size].into_boxed_slice(),
            pos: 0,
            cap: 0,
            amt: 0,
            read_done: false,
            need_flush: false,
        }
    }

    /// Copies until the reader ends and everything is written and
    /// flushed; returns the byte count. When the reader is pending, flushes
    /// the writer so data does not sit in its buffer while we wait.
    ///
    /// Each round (one read and the writes that drain it) spends a unit of
    /// the cooperative budget, so a copy between ends that are always ready
    /// and know nothing of the budget (a `&[u8]` into a `Vec`) still yields.
    pub(crate) fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            // Given back if this round makes no progress.
            let progress = ready!(coop::poll_proceed(cx));
            if self.pos == self.cap && !self.read_done {
                let mut buf = ReadBuf::new(&mut self.buf);
                match reader.as_mut().poll_read(cx, &mut buf) {
                    Poll::Ready(Ok(())) => {
                        progress.made_progress();
                        let n = buf.filled().len();
                        if n == 0 {
                            self.read_done = true;
                        } else {
                            self.pos = 0;
                            self.cap = n;
                        }
                    }
                    // An interrupted read did nothing: retry it (as tokio
                    // and std).
                    Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }

            while self.pos < self.cap {
                let n = ready!(poll_write_some(
                    writer.as_mut(),
                    cx,
                    &self.buf[self.pos..self.cap]
                ))?;
                progress.made_progress();
                self.pos += n;
                self.amt += n as u64;
                self.need_flush = true;
            }

            if self.pos == self.cap && self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                self.need_flush = false;
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}

/// Writes some of `buf` (not empty) for a copy: a writer that accepts none
/// of it is an error (`WriteZero`), as it would never take the rest; an
/// interrupted write did nothing and is made again (as tokio and std).
pub(crate) fn poll_write_some<W: AsyncWrite + ?Sized>(
    mut writer: Pin<&mut W>,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    let n = loop {
        match writer.as_mut().poll_write(cx, buf) {
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => break ready!(other)?,
        }
    };
    if n == 0 {
        return Poll::Ready(Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "write zero bytes into writer",
        )));
    }
    Poll::Ready(Ok(n))
}

// API twin of `copy_buf` (the same signature on both copy functions, as in
// tokio): each drives its own loop (`CopyBuffer::poll_copy` here,
// `poll_copy_buf` there).

/// Copies everything from `reader` to `writer` until the reader reaches
/// end of file, then flushes the writer; returns how many bytes were
/// copied.
///
/// Uses an 8 KiB buffer. For an [`AsyncBufRead`](crate::io::AsyncBufRead)
/// reader, [`copy_buf`](crate::io::copy_buf) avoids the extra buffer.
///
/// # Errors
///
/// The first error of either side other than `ErrorKind::Interrupted`
/// (an interrupted read or write is retried, as tokio and std do);
/// `WriteZero` if the writer accepts no more bytes; the flush's error.
///
/// # Cancel safety
///
/// Not cancel safe: bytes read but not yet written are lost if the future
/// is dropped.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut reader: &[u8] = b"hello";
/// let mut writer = Vec::new();
/// let n = weft::io::copy(&mut reader, &mut writer).await?;
/// assert_eq!(n, 5);
/// assert_eq!(writer, b"hello");
/// # Ok(())
/// # }
/// ```
pub async fn copy<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = CopyBuffer::new();
    poll_fn(|cx| buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer))).await
}

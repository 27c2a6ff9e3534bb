//! `BufWriter`: adds a write buffer to any writer.

use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::adapter::{self, forward_io};
use super::buf_reader::DEFAULT_BUF_SIZE;
use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};

/// Adds a buffer to a writer, so many small writes cost few calls on the
/// inner writer.
///
/// The buffer is written out when a write would overflow it, and on
/// [`flush`](crate::io::AsyncWriteExt::flush) and
/// [`shutdown`](crate::io::AsyncWriteExt::shutdown). Writes at least as
/// large as the buffer go straight to the inner writer (after the buffer).
///
/// Dropping a `BufWriter` does **not** write out its buffer (that would
/// need to block): call `flush` or `shutdown` before dropping it, or the
/// data is lost.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncWriteExt, BufWriter};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut writer = BufWriter::new(Vec::new());
/// writer.write_all(b"hello").await?;
/// assert!(writer.get_ref().is_empty()); // still buffered
/// writer.flush().await?;
/// assert_eq!(writer.get_ref(), b"hello");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct BufWriter<W> {
    // Structurally pinned (see `project`).
    inner: W,
    state: State,
}

/// The unpinned fields of a [`BufWriter`].
#[derive(Debug)]
pub(crate) struct State {
    buf: Vec<u8>,
    capacity: usize,
    /// Bytes of `buf` already written to the inner writer (during a
    /// flush that returned `Pending` midway).
    written: usize,
    /// A seek requested by `start_seek`, started once the buffer is
    /// written out.
    seek: Option<SeekFrom>,
}

impl<W: AsyncWrite> BufWriter<W> {
    /// A `BufWriter` with the default 8 KiB buffer.
    pub fn new(inner: W) -> BufWriter<W> {
        BufWriter::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// A `BufWriter` with a buffer of `capacity` bytes.
    pub fn with_capacity(capacity: usize, inner: W) -> BufWriter<W> {
        BufWriter {
            inner,
            state: State {
                buf: Vec::with_capacity(capacity),
                capacity,
                written: 0,
                seek: None,
            },
        }
    }

    /// Writes the whole buffer to the inner writer (without flushing it).
    fn flush_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (mut inner, state) = self.project();
        let mut result = Ok(());
        while state.written < state.buf.len() {
            match ready!(inner.as_mut().poll_write(cx, &state.buf[state.written..])) {
                Ok(0) => {
                    result = Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "failed to write the buffered data",
                    ));
                    break;
                }
                Ok(n) => state.written += n,
                // An interrupted write did nothing: retry it (as tokio).
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        state.buf.drain(..state.written);
        state.written = 0;
        Poll::Ready(result)
    }
}

impl<W> BufWriter<W> {
    /// The inner value and the buffer state, apart (`BufStream` moves the
    /// two buffering layers around; `from_parts` puts them back together).
    pub(crate) fn into_parts(self) -> (W, State) {
        (self.inner, self.state)
    }

    /// A buffer over `inner` with the state `into_parts` took out.
    pub(crate) fn from_parts(inner: W, state: State) -> BufWriter<W> {
        BufWriter { inner, state }
    }
}

impl<W> BufWriter<W> {
    // API twin of `BufReader`'s and `Take`'s `get_ref`, `get_mut`,
    // `get_pin_mut` and `into_inner` (the same public methods on every
    // adapter type, as in tokio).

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably. Writing to it directly bypasses the
    /// buffered data.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The pinned inner writer.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().0
    }

    /// Unwraps the inner writer; buffered data is lost (flush first).
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// The buffered data not yet written.
    pub fn buffer(&self) -> &[u8] {
        &self.state.buf[self.state.written..]
    }

    /// A vectored write to an inner writer that takes one slice at a
    /// time: as many whole slices as the buffer has room for are buffered
    /// (one large write later, instead of one inner write per slice, as
    /// tokio's `BufWriter` does); a first slice at least as large as the
    /// buffer goes straight to the inner writer, after the buffer.
    fn poll_write_slices_buffered(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>
    where
        W: AsyncWrite,
    {
        let mut slices = bufs.iter().skip_while(|b| b.is_empty());
        let Some(first) = slices.next() else {
            return Poll::Ready(Ok(0));
        };
        if self.state.buf.len() + first.len() > self.state.capacity {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let (inner, state) = self.project();
        if first.len() >= state.capacity {
            return inner.poll_write(cx, first);
        }
        state.buf.extend_from_slice(first);
        let mut taken = first.len();
        for slice in slices {
            if state.buf.len() + slice.len() > state.capacity {
                break;
            }
            state.buf.extend_from_slice(slice);
            taken += slice.len();
        }
        Poll::Ready(Ok(taken))
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut W>, &mut State) {
        // Pinning is structural for `inner` and for nothing else.
        // SAFETY: `inner` never moves out of a pinned `BufWriter` (only
        // `into_inner`, by value); no `Drop` impl; `Unpin` needs `W: Unpin`.
        unsafe { adapter::project(self, |this| (&mut this.inner, &mut this.state)) }
    }
}

impl<W: AsyncWrite> AsyncWrite for BufWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.state.buf.len() + buf.len() > self.state.capacity {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let (inner, state) = self.project();
        if buf.len() >= state.capacity {
            inner.poll_write(cx, buf)
        } else {
            state.buf.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if !self.inner.is_write_vectored() {
            return self.poll_write_slices_buffered(cx, bufs);
        }
        let total = bufs
            .iter()
            .fold(0usize, |sum, b| sum.saturating_add(b.len()));
        if self.state.buf.len().saturating_add(total) > self.state.capacity {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let (inner, state) = self.project();
        if total >= state.capacity {
            inner.poll_write_vectored(cx, bufs)
        } else {
            for b in bufs {
                state.buf.extend_from_slice(b);
            }
            Poll::Ready(Ok(total))
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_shutdown(cx)
    }
}

/// Seeking writes out the buffer first. If writing it out or starting the
/// inner seek fails, the seek is abandoned (the error is returned, and the
/// next seek does not replay it); bytes not written stay buffered.
impl<W: AsyncWrite + AsyncSeek> AsyncSeek for BufWriter<W> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        // Writing out the buffer needs a `Context`: `poll_complete` does it.
        self.project().1.seek = Some(position);
        Ok(())
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        if let Some(position) = self.state.seek {
            let flushed = ready!(self.as_mut().flush_buf(cx));
            // The request is used up whether or not it could start: a failed
            // one must not be replayed by the next `poll_complete` (which
            // the next `seek` calls first).
            let (inner, state) = self.as_mut().project();
            state.seek = None;
            flushed?;
            inner.start_seek(position)?;
        }
        self.get_pin_mut().poll_complete(cx)
    }
}

forward_io! {
    /// Reads go straight to the inner reader.
    impl[W: AsyncWrite + AsyncRead] AsyncRead for BufWriter<W> => get_pin_mut
}

forward_io! {
    /// Buffered reads go straight to the inner reader.
    impl[W: AsyncWrite + AsyncBufRead] AsyncBufRead for BufWriter<W> => get_pin_mut
}

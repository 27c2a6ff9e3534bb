//! `Take`: a reader limited to a number of bytes.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::adapter;
use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};

/// A reader that yields at most `limit` bytes of the inner reader, then
/// end of file. Created by [`AsyncReadExt::take`](crate::io::AsyncReadExt::take).
///
/// # Examples
///
/// ```
/// use weft::io::AsyncReadExt;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut out = String::new();
/// (&b"hello world"[..]).take(5).read_to_string(&mut out).await?;
/// assert_eq!(out, "hello");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "readers do nothing unless you read from them"]
pub struct Take<R> {
    // Structurally pinned (see `project`).
    inner: R,
    limit: u64,
}

pub(crate) fn take<R: AsyncRead>(inner: R, limit: u64) -> Take<R> {
    Take { inner, limit }
}

impl<R> Take<R> {
    /// How many bytes may still be read before end of file.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Sets how many bytes may still be read.
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    // API twin of `BufReader`'s and `BufWriter`'s `get_ref`, `get_mut`,
    // `get_pin_mut` and `into_inner` (the same public methods on every
    // adapter type, as in tokio).

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably. Reading from it directly bypasses the
    /// limit.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The pinned inner reader.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// Unwraps the inner reader.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut u64) {
        // Pinning is structural for `inner` and for nothing else.
        // SAFETY: `inner` never moves out of a pinned `Take` (only
        // `into_inner`, by value); no `Drop` impl; `Unpin` needs `R: Unpin`.
        unsafe { adapter::project(self, |this| (&mut this.inner, &mut this.limit)) }
    }
}

// API twin of `ReadHalf`'s `AsyncRead` in `io/split.rs` (the trait's
// `poll_read` on each public reader type).
impl<R: AsyncRead> AsyncRead for Take<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let (inner, limit) = self.project();
        if *limit == 0 {
            return Poll::Ready(Ok(()));
        }
        let max = usize::try_from(*limit).unwrap_or(usize::MAX);
        let mut part = buf.take(max);
        let start = part.filled().as_ptr();
        ready!(inner.poll_read(cx, &mut part))?;
        assert!(
            std::ptr::eq(part.filled().as_ptr(), start),
            "AsyncRead::poll_read replaced the ReadBuf it was given"
        );
        let n = part.filled().len();
        // Bytes the inner reader initialised beyond what it filled stay
        // known as initialised, so the caller's next read need not zero
        // them again.
        let initialized = part.initialized().len();
        // SAFETY: `part` is `buf`'s unfilled region (same start, checked),
        // its first `initialized` bytes are initialized (`ReadBuf`'s
        // invariant), and `initialized <= part.capacity() <= buf.remaining()`.
        unsafe { buf.assume_init(initialized) };
        buf.advance(n);
        *limit -= n as u64;
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Take<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (inner, limit) = self.project();
        if *limit == 0 {
            return Poll::Ready(Ok(&[]));
        }
        let buf = ready!(inner.poll_fill_buf(cx))?;
        let n = usize::try_from(*limit).unwrap_or(usize::MAX).min(buf.len());
        Poll::Ready(Ok(&buf[..n]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let (inner, limit) = self.project();
        let amt = usize::try_from(*limit).unwrap_or(usize::MAX).min(amt);
        *limit -= amt as u64;
        inner.consume(amt);
    }
}

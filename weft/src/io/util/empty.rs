//! `empty()`: a reader with nothing in it (and a writer that keeps
//! nothing).

use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::sink::discard_writes;
use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, ReadBuf};
use crate::runtime::coop;

/// Always at end of file; writes are accepted and discarded. Created by
/// [`empty()`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Empty {
    _private: (),
}

/// A reader that is always at end of file (and a writer that discards
/// everything).
///
/// # Examples
///
/// ```
/// use weft::io::AsyncReadExt;
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut buf = Vec::new();
/// assert_eq!(weft::io::empty().read_to_end(&mut buf).await?, 0);
/// # Ok(())
/// # }
/// ```
pub fn empty() -> Empty {
    Empty { _private: () }
}

// API twin of `Repeat`'s `AsyncRead` in `repeat.rs` (the trait's
// `poll_read` on both in-memory readers).
impl AsyncRead for Empty {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }
}

impl AsyncBufRead for Empty {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(&[]))
    }

    fn consume(self: Pin<&mut Self>, _amt: usize) {}
}

// Writes are discarded, as by `Sink`.
discard_writes! {
    impl AsyncWrite for Empty
}

impl Empty {
    /// futures-io's one-call seek: every seek completes at once, so there
    /// is no seek in flight to keep track of.
    #[cfg(feature = "futures-io")]
    pub(crate) fn poll_seek_to(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        position: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        self.as_mut().start_seek(position)?;
        self.poll_complete(cx)
    }
}

/// Every seek succeeds and lands at position 0.
impl AsyncSeek for Empty {
    fn start_seek(self: Pin<&mut Self>, _position: SeekFrom) -> io::Result<()> {
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(0))
    }
}

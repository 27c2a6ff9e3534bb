//! `sink()`: a writer that discards everything.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::AsyncWrite;
use crate::runtime::coop;

/// Accepts and discards every write. Created by [`sink()`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Sink {
    _private: (),
}

/// A writer that accepts and discards every byte.
///
/// # Examples
///
/// ```
/// use weft::io::AsyncWriteExt;
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let n = weft::io::sink().write(b"gone").await?;
/// assert_eq!(n, 4);
/// # Ok(())
/// # }
/// ```
pub fn sink() -> Sink {
    Sink { _private: () }
}

impl AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }
}

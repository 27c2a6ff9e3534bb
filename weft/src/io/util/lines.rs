//! `Lines`: the lines of a buffered reader, one `next_line().await` at a
//! time.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::adapter;
use super::read_until::poll_read_until;
use crate::io::AsyncBufRead;

/// The lines of a reader, without their `\n` or `\r\n` terminators.
/// Created by [`AsyncBufReadExt::lines`](crate::io::AsyncBufReadExt::lines).
///
/// # Examples
///
/// ```
/// use weft::io::AsyncBufReadExt;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut lines = (&b"one\r\ntwo\nthree"[..]).lines();
/// assert_eq!(lines.next_line().await?.as_deref(), Some("one"));
/// assert_eq!(lines.next_line().await?.as_deref(), Some("two"));
/// assert_eq!(lines.next_line().await?.as_deref(), Some("three"));
/// assert_eq!(lines.next_line().await?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "readers do nothing unless you read from them"]
pub struct Lines<R> {
    // Structurally pinned (see `project`).
    reader: R,
    /// The line read so far (kept across `Pending`s and cancellations).
    buf: Vec<u8>,
    read: usize,
}

pub(crate) fn lines<R: AsyncBufRead>(reader: R) -> Lines<R> {
    Lines {
        reader,
        buf: Vec::new(),
        read: 0,
    }
}

impl<R> Lines<R> {
    /// The underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The underlying reader, mutably.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Unwraps the underlying reader. A partly read line is lost.
    pub fn into_inner(self) -> R {
        self.reader
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut Vec<u8>, &mut usize) {
        // Pinning is structural for `reader` and for nothing else.
        // SAFETY: `reader` never moves out of a pinned `Lines` (only
        // `into_inner`, by value); no `Drop` impl; `Unpin` needs `R: Unpin`.
        let (reader, (buf, read)) = unsafe {
            adapter::project(self, |this| {
                (&mut this.reader, (&mut this.buf, &mut this.read))
            })
        };
        (reader, buf, read)
    }
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    /// The next line, without its terminator; `None` at end of file.
    ///
    /// # Errors
    ///
    /// I/O errors of the reader; `InvalidData` if the line is not valid
    /// UTF-8 (the line is then skipped; the error's inner error is the
    /// `std::string::FromUtf8Error`, whose `into_bytes` gives the line).
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: a partly read line stays inside `Lines`
    /// and the next call continues it.
    pub async fn next_line(&mut self) -> io::Result<Option<String>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next_line(cx)).await
    }
}

impl<R: AsyncBufRead> Lines<R> {
    /// Polls for the next line: `Ready(Ok(None))` at end of file.
    ///
    /// # Errors
    ///
    /// As for [`next_line`](Lines::next_line).
    pub fn poll_next_line(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<String>>> {
        let (reader, buf, read) = self.project();
        let n = ready!(poll_read_until(reader, cx, b'\n', buf, read))?;
        if n == 0 && buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut line = std::mem::take(buf);
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        Poll::Ready(
            // As tokio: the error holds the `FromUtf8Error`, so the line's
            // bytes can be had back with `into_bytes`.
            String::from_utf8(line)
                .map(Some)
                .map_err(|invalid| io::Error::new(io::ErrorKind::InvalidData, invalid)),
        )
    }
}

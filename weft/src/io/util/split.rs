//! `Split`: the segments of a buffered reader separated by a delimiter
//! byte.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::adapter;
use super::read_until::poll_read_until;
use crate::io::AsyncBufRead;

/// The segments of a reader separated by a byte, without the byte.
/// Created by [`AsyncBufReadExt::split`](crate::io::AsyncBufReadExt::split).
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncBufReadExt, BufReader};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // (On a bare `&[u8]`, `.split` would find the slice's own method.)
/// let mut parts = BufReader::new(&b"a,b,,c"[..]).split(b',');
/// let mut all = Vec::new();
/// while let Some(part) = parts.next_segment().await? {
///     all.push(part);
/// }
/// assert_eq!(all, [&b"a"[..], b"b", b"", b"c"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "readers do nothing unless you read from them"]
pub struct Split<R> {
    // Structurally pinned (see `project`).
    reader: R,
    delimiter: u8,
    buf: Vec<u8>,
    read: usize,
}

pub(crate) fn split<R: AsyncBufRead>(reader: R, delimiter: u8) -> Split<R> {
    Split {
        reader,
        delimiter,
        buf: Vec::new(),
        read: 0,
    }
}

impl<R> Split<R> {
    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, u8, &mut Vec<u8>, &mut usize) {
        // SAFETY: structural pinning of `reader`: it is never moved out of
        // a pinned `Split`, `Split` has no `Drop` impl, and the auto
        // `Unpin` impl requires `R: Unpin`; the closure only borrows fields.
        let (reader, (delimiter, buf, read)) = unsafe {
            adapter::project(self, |this| {
                (
                    &mut this.reader,
                    (this.delimiter, &mut this.buf, &mut this.read),
                )
            })
        };
        (reader, delimiter, buf, read)
    }
}

impl<R: AsyncBufRead + Unpin> Split<R> {
    /// The next segment, without the delimiter; `None` at end of file.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: a partly read segment stays inside
    /// `Split` and the next call continues it.
    pub async fn next_segment(&mut self) -> io::Result<Option<Vec<u8>>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next_segment(cx)).await
    }
}

impl<R: AsyncBufRead> Split<R> {
    /// Polls for the next segment: `Ready(Ok(None))` at end of file.
    pub fn poll_next_segment(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Vec<u8>>>> {
        let (reader, delimiter, buf, read) = self.project();
        let n = ready!(poll_read_until(reader, cx, delimiter, buf, read))?;
        if n == 0 && buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut segment = std::mem::take(buf);
        if segment.last() == Some(&delimiter) {
            segment.pop();
        }
        Poll::Ready(Ok(Some(segment)))
    }
}

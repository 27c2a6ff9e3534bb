//! `Chain`: one reader after another.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};

/// A reader that yields everything from the first reader, then everything
/// from the second. Created by
/// [`AsyncReadExt::chain`](crate::io::AsyncReadExt::chain).
///
/// # Examples
///
/// ```
/// use weft::io::AsyncReadExt;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut out = Vec::new();
/// (&b"ab"[..]).chain(&b"cd"[..]).read_to_end(&mut out).await?;
/// assert_eq!(out, b"abcd");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "readers do nothing unless you read from them"]
pub struct Chain<T, U> {
    // Both structurally pinned (see `project`).
    first: T,
    second: U,
    done_first: bool,
}

pub(crate) fn chain<T: AsyncRead, U: AsyncRead>(first: T, second: U) -> Chain<T, U> {
    Chain {
        first,
        second,
        done_first: false,
    }
}

impl<T, U> Chain<T, U> {
    /// The two readers.
    pub fn get_ref(&self) -> (&T, &U) {
        (&self.first, &self.second)
    }

    /// The two readers, mutably.
    pub fn get_mut(&mut self) -> (&mut T, &mut U) {
        (&mut self.first, &mut self.second)
    }

    /// The two pinned readers.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> (Pin<&mut T>, Pin<&mut U>) {
        let (first, second, _) = self.project();
        (first, second)
    }

    /// Unwraps the two readers.
    pub fn into_inner(self) -> (T, U) {
        (self.first, self.second)
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut T>, Pin<&mut U>, &mut bool) {
        // Why this is sound: structural pinning of `first` and `second`: neither is
        // moved out of a pinned `Chain` (only `into_inner`, by value),
        // `Chain` has no `Drop` impl, and the auto `Unpin` impl requires
        // both to be `Unpin`.
        // SAFETY: as argued just above.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let first = unsafe { Pin::new_unchecked(&mut this.first) };
        // SAFETY: see above.
        let second = unsafe { Pin::new_unchecked(&mut this.second) };
        (first, second, &mut this.done_first)
    }
}

impl<T: AsyncRead, U: AsyncRead> AsyncRead for Chain<T, U> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let (first, second, done_first) = self.project();
        if !*done_first {
            let before = buf.remaining();
            ready!(first.poll_read(cx, buf))?;
            if buf.remaining() < before || before == 0 {
                return Poll::Ready(Ok(()));
            }
            *done_first = true;
        }
        second.poll_read(cx, buf)
    }
}

impl<T: AsyncBufRead, U: AsyncBufRead> AsyncBufRead for Chain<T, U> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (first, second, done_first) = self.project();
        if !*done_first {
            match ready!(first.poll_fill_buf(cx))? {
                [] => *done_first = true,
                buf => return Poll::Ready(Ok(buf)),
            }
        }
        second.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let (first, second, done_first) = self.project();
        if *done_first {
            second.consume(amt)
        } else {
            first.consume(amt)
        }
    }
}

//! `repeat(byte)`: a reader that yields one byte forever.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};
use crate::runtime::coop;

/// Yields the same byte forever. Created by [`repeat()`].
#[derive(Debug, Clone, Copy)]
pub struct Repeat {
    byte: u8,
}

/// A reader that yields `byte` forever, filling every read completely.
///
/// # Examples
///
/// ```
/// use weft::io::AsyncReadExt;
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut buf = [0u8; 3];
/// weft::io::repeat(b'z').read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"zzz");
/// # Ok(())
/// # }
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

// API twin of `Empty`'s `AsyncRead` in `empty.rs` (the trait's
// `poll_read` on both in-memory readers).
impl AsyncRead for Repeat {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        let n = buf.remaining();
        buf.initialize_unfilled_to(n).fill(self.byte);
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

//! `stdout()`: the process's standard output stream, written through the
//! blocking pool.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::blocking::Blocking;
use super::AsyncWrite;

/// The standard output stream of the process, for async code. Created
/// by [`stdout()`].
///
/// A write copies the bytes (up to 2 MiB), starts a blocking write on the
/// runtime's blocking pool and returns at once; the next write or flush
/// waits for it and reports its error. Call
/// [`flush`](crate::io::AsyncWriteExt::flush) before exiting so the last
/// write is complete. Concurrent handles are not ordered with respect to
/// each other.
///
/// # Panics
///
/// Writing panics outside a weft runtime.
///
/// # Examples
///
/// ```
/// use weft::io::AsyncWriteExt;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut out = weft::io::stdout();
/// out.write_all(b"hello\n").await?;
/// out.flush().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Stdout {
    std: Blocking<io::Stdout>,
}

/// A handle to the process's standard output stream (see [`Stdout`]).
pub fn stdout() -> Stdout {
    Stdout {
        std: Blocking::new(io::stdout()),
    }
}

impl AsyncWrite for Stdout {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().std.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().std.poll_flush(cx)
    }

    /// Flushes; the process's stream stays open.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().std.poll_flush(cx)
    }
}

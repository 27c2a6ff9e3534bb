//! `stdout()` and `stderr()`: the process's output streams, written through
//! the blocking pool. One type serves both; [`Stdout`] and [`Stderr`] name
//! its two instances.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::pooled::Pooled;
use crate::io::AsyncWrite;

/// One of the process's output streams, for async code: [`Stdout`]
/// (created by [`stdout()`]) or [`Stderr`] (created by [`stderr()`]).
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
/// let mut err = weft::io::stderr();
/// err.write_all(b"and hello on stderr\n").await?;
/// err.flush().await?;
/// # Ok(())
/// # }
/// ```
///
/// # Differences from tokio
///
/// tokio has two separate structs; here they are one generic type, so
/// `Stdout` and `Stderr` are type aliases of `StdWriter<std::io::Stdout>`
/// and `StdWriter<std::io::Stderr>`. Code that names the aliases, or only
/// uses their traits, is unaffected.
#[derive(Debug)]
pub struct StdWriter<S> {
    std: Pooled<S>,
}

/// The standard output stream of the process (see [`StdWriter`]).
pub type Stdout = StdWriter<io::Stdout>;

/// The standard error stream of the process (see [`StdWriter`]).
pub type Stderr = StdWriter<io::Stderr>;

/// A handle to the process's standard output stream (see [`StdWriter`]).
pub fn stdout() -> Stdout {
    StdWriter {
        std: Pooled::new(io::stdout()),
    }
}

/// A handle to the process's standard error stream (see [`StdWriter`]).
pub fn stderr() -> Stderr {
    StdWriter {
        std: Pooled::new(io::stderr()),
    }
}

/// The streams a [`StdWriter`] can write to. Sealed: only the process's
/// standard output and standard error.
pub trait OutputStream: io::Write + Send + Unpin + 'static + sealed::Sealed {}

impl OutputStream for io::Stdout {}
impl OutputStream for io::Stderr {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for std::io::Stdout {}
    impl Sealed for std::io::Stderr {}
}

impl<S: OutputStream> AsyncWrite for StdWriter<S> {
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

// The standard streams' descriptors (as in tokio): for code that sets
// terminal modes or checks `isatty` on them.

/// The descriptor of standard output (1).
impl std::os::fd::AsRawFd for Stdout {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&io::stdout())
    }
}

/// The descriptor of standard output.
impl std::os::fd::AsFd for Stdout {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        // SAFETY: descriptor 1 belongs to the process's standard output,
        // which std keeps open for the life of the process (it never
        // closes it); this is how std's own `Stdout` lends it.
        unsafe { std::os::fd::BorrowedFd::borrow_raw(std::os::fd::AsRawFd::as_raw_fd(self)) }
    }
}

/// The descriptor of standard error (2).
impl std::os::fd::AsRawFd for Stderr {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&io::stderr())
    }
}

/// The descriptor of standard error.
impl std::os::fd::AsFd for Stderr {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        // SAFETY: as for `Stdout`: descriptor 2 stays open for the life of
        // the process.
        unsafe { std::os::fd::BorrowedFd::borrow_raw(std::os::fd::AsRawFd::as_raw_fd(self)) }
    }
}

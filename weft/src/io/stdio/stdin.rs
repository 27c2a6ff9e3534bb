//! `stdin()`: the process's standard input, read through the blocking
//! pool.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::pooled::Pooled;
use crate::io::{AsyncRead, ReadBuf};

/// The standard input of the process, for async code. Created by
/// [`stdin()`].
///
/// Each read runs a blocking `std::io::stdin` read on the runtime's
/// blocking pool. Such a read cannot be interrupted: dropping the future
/// leaves the pool thread waiting for input (the bytes it then reads are
/// kept for this handle's next read), and shutting the runtime down waits
/// for it. For interactive programs, a dedicated thread reading stdin and
/// sending lines over a channel is often a better fit.
///
/// # Panics
///
/// Reading panics outside a weft runtime.
///
/// # Examples
///
/// ```no_run
/// use weft::io::{AsyncBufReadExt, BufReader};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut lines = BufReader::new(weft::io::stdin()).lines();
/// while let Some(line) = lines.next_line().await? {
///     println!("got: {line}");
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Stdin {
    std: Pooled<io::Stdin>,
}

/// A handle to the process's standard input (see [`Stdin`]).
pub fn stdin() -> Stdin {
    Stdin {
        std: Pooled::new(io::stdin()),
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().std.poll_read(cx, buf)
    }
}

/// The descriptor of standard input (0), as in tokio: for code that sets
/// terminal modes or checks `isatty` on it.
impl std::os::fd::AsRawFd for Stdin {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&io::stdin())
    }
}

/// The descriptor of standard input.
impl std::os::fd::AsFd for Stdin {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        // SAFETY: descriptor 0 belongs to the process's standard input,
        // which std keeps open for the life of the process; this is how
        // std's own `Stdin` lends it.
        unsafe { std::os::fd::BorrowedFd::borrow_raw(std::os::fd::AsRawFd::as_raw_fd(self)) }
    }
}

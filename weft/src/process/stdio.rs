//! The parent's ends of a child's standard streams: [`ChildStdin`],
//! [`ChildStdout`], [`ChildStderr`].
//!
//! Each is the pipe std's `spawn` created, switched to non-blocking mode
//! and registered with the runtime's I/O driver (a mio pipe end inside a
//! `PollEvented`, like every socket), so reads and writes wait for
//! readiness instead of blocking a worker. Handing one back to blocking
//! code ([`into_owned_fd`](ChildStdout::into_owned_fd), `TryFrom` into
//! [`Stdio`]) deregisters it and turns blocking mode back on, which is what
//! a program given it as its standard stream expects.

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::runtime::io::{Direction, PollEvented};
use mio::unix::pipe::{Receiver, Sender};
use std::fmt;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{ready, Context, Poll};

/// The parent's end of a child's standard input: an [`AsyncWrite`].
///
/// Found in [`Child::stdin`](super::Child::stdin) when the command's
/// stdin was [`Stdio::piped`]. Dropping it closes the pipe, so the child
/// reads end of file; [`Child::wait`](super::Child::wait) drops it first
/// for that reason.
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::process::Command;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut child = Command::new("cat")
///     .stdin(Stdio::piped())
///     .stdout(Stdio::piped())
///     .spawn()?;
/// let mut stdin = child.stdin.take().unwrap();
/// stdin.write_all(b"through cat").await?;
/// drop(stdin); // end of file for cat
/// let mut echoed = String::new();
/// child.stdout.take().unwrap().read_to_string(&mut echoed).await?;
/// assert_eq!(echoed, "through cat");
/// assert!(child.wait().await?.success());
/// # Ok(())
/// # }
/// ```
pub struct ChildStdin {
    io: PollEvented<Sender>,
}

/// The parent's end of a child's standard output: an [`AsyncRead`].
///
/// Found in [`Child::stdout`](super::Child::stdout) when the command's
/// stdout was [`Stdio::piped`]. Reads return 0 (end of file) once the
/// child, and every process it passed the pipe to, has closed it.
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use weft::io::AsyncReadExt;
/// use weft::process::Command;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut child = Command::new("echo").arg("hi").stdout(Stdio::piped()).spawn()?;
/// let mut out = String::new();
/// child.stdout.take().unwrap().read_to_string(&mut out).await?;
/// assert_eq!(out, "hi\n");
/// child.wait().await?;
/// # Ok(())
/// # }
/// ```
pub struct ChildStdout {
    io: PollEvented<Receiver>,
}

/// The parent's end of a child's standard error: an [`AsyncRead`].
///
/// Found in [`Child::stderr`](super::Child::stderr) when the command's
/// stderr was [`Stdio::piped`]; it reads like [`ChildStdout`].
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use weft::io::AsyncReadExt;
/// use weft::process::Command;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut child = Command::new("sh")
///     .args(["-c", "echo oops >&2"])
///     .stderr(Stdio::piped())
///     .spawn()?;
/// let mut err = String::new();
/// child.stderr.take().unwrap().read_to_string(&mut err).await?;
/// assert_eq!(err, "oops\n");
/// child.wait().await?;
/// # Ok(())
/// # }
/// ```
pub struct ChildStderr {
    io: PollEvented<Receiver>,
}

/// Makes a pipe end non-blocking and registers it with the current
/// runtime's driver.
#[track_caller]
fn register<E>(
    io: E,
    set_nonblocking: impl FnOnce(&E) -> io::Result<()>,
) -> io::Result<PollEvented<E>>
where
    E: mio::event::Source + std::os::fd::AsRawFd,
{
    set_nonblocking(&io)?;
    PollEvented::new(io)
}

/// Deregisters a pipe end and gives it back in blocking mode.
fn into_blocking<E>(io: PollEvented<E>) -> io::Result<OwnedFd>
where
    E: mio::event::Source + Into<OwnedFd>,
{
    let fd: OwnedFd = io.into_inner()?.into();
    // A `Receiver` just to reach mio's `set_nonblocking` (the same
    // `fcntl` for both ends), then the descriptor back.
    let pipe = Receiver::from(fd);
    pipe.set_nonblocking(false)?;
    Ok(pipe.into())
}

impl ChildStdin {
    /// Wraps std's `ChildStdin`: sets it non-blocking and registers it
    /// with the current runtime's I/O driver.
    ///
    /// # Errors
    ///
    /// Setting the mode or registering failed.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime, or in one without I/O.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use weft::process::ChildStdin;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut child = std::process::Command::new("cat").stdin(Stdio::piped()).spawn()?;
    /// let stdin = ChildStdin::from_std(child.stdin.take().unwrap())?;
    /// drop(stdin);
    /// child.wait()?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStdin) -> io::Result<ChildStdin> {
        let io = register(Sender::from(inner), |pipe| pipe.set_nonblocking(true))?;
        Ok(ChildStdin { io })
    }

    /// Deregisters the pipe and returns its descriptor, in blocking mode.
    ///
    /// # Errors
    ///
    /// Deregistering or restoring blocking mode failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use weft::process::Command;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
    /// let fd = child.stdin.take().unwrap().into_owned_fd()?;
    /// let mut file = std::fs::File::from(fd);
    /// std::io::Write::write_all(&mut file, b"blocking write")?;
    /// drop(file);
    /// child.wait().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
        into_blocking(self.io)
    }
}

/// `from_std` and `into_owned_fd` for the two read ends.
macro_rules! reader_impls {
    ($ty:ident, $std:ty, $name:literal, $field:literal, $text:literal) => {
        impl $ty {
            #[doc = concat!("Wraps std's `", $name, "`: sets it non-blocking and")]
            /// registers it with the current runtime's I/O driver.
            ///
            /// # Errors
            ///
            /// Setting the mode or registering failed.
            ///
            /// # Panics
            ///
            /// Outside a weft runtime, or in one without I/O.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::process::Stdio;
            /// use weft::io::AsyncReadExt;
            #[doc = concat!("use weft::process::", $name, ";")]
            ///
            /// # #[weft::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            /// let mut child = std::process::Command::new("sh")
            ///     .args(["-c", "echo out; echo err >&2"])
            ///     .stdout(Stdio::piped())
            ///     .stderr(Stdio::piped())
            ///     .spawn()?;
            #[doc = concat!("let pipe = child.", $field, ".take().unwrap();")]
            #[doc = concat!("let mut pipe = ", $name, "::from_std(pipe)?;")]
            /// let mut text = String::new();
            /// pipe.read_to_string(&mut text).await?;
            #[doc = concat!("assert_eq!(text, \"", $text, "\\n\");")]
            /// child.wait()?;
            /// # Ok(())
            /// # }
            /// ```
            #[track_caller]
            pub fn from_std(inner: $std) -> io::Result<$ty> {
                let io = register(Receiver::from(inner), |pipe| pipe.set_nonblocking(true))?;
                Ok($ty { io })
            }

            /// Deregisters the pipe and returns its descriptor, in
            /// blocking mode.
            ///
            /// # Errors
            ///
            /// Deregistering or restoring blocking mode failed.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::io::Read;
            /// use std::process::Stdio;
            /// use weft::process::Command;
            ///
            /// # #[weft::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            /// let mut child = Command::new("sh")
            ///     .args(["-c", "echo out; echo err >&2"])
            ///     .stdout(Stdio::piped())
            ///     .stderr(Stdio::piped())
            ///     .spawn()?;
            #[doc = concat!("let fd = child.", $field, ".take().unwrap().into_owned_fd()?;")]
            /// let mut text = String::new();
            /// std::fs::File::from(fd).read_to_string(&mut text)?;
            #[doc = concat!("assert_eq!(text, \"", $text, "\\n\");")]
            /// child.wait().await?;
            /// # Ok(())
            /// # }
            /// ```
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                into_blocking(self.io)
            }
        }
    };
}

reader_impls!(
    ChildStdout,
    std::process::ChildStdout,
    "ChildStdout",
    "stdout",
    "out"
);
reader_impls!(
    ChildStderr,
    std::process::ChildStderr,
    "ChildStderr",
    "stderr",
    "err"
);

/// A read of either read end: waits for readiness, reads into `buf`.
fn poll_read_pipe(
    io: &PollEvented<Receiver>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let unfilled = buf.initialize_unfilled();
    let len = unfilled.len();
    let n = ready!(io.poll_stream_io(cx, Direction::Read, len, |mut pipe| pipe.read(unfilled)))?;
    buf.advance(n);
    Poll::Ready(Ok(()))
}

impl AsyncRead for ChildStdout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        poll_read_pipe(&self.io, cx, buf)
    }
}

impl AsyncRead for ChildStderr {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        poll_read_pipe(&self.io, cx, buf)
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_stream_io(cx, Direction::Write, buf.len(), |mut pipe| pipe.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|buf| buf.len()).sum();
        self.io
            .poll_stream_io(cx, Direction::Write, len, |mut pipe| {
                pipe.write_vectored(bufs)
            })
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Nothing is buffered in weft: the pipe has every written byte.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Does nothing, as in tokio: a pipe has no half-close; drop the
    /// `ChildStdin` to close it (the child then reads end of file).
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The std traits every pipe end has: `TryFrom` into [`Stdio`] (to
/// become another child's stream), `AsRawFd`, `AsFd`, `Debug`.
macro_rules! common_impls {
    ($ty:ident) => {
        impl TryFrom<$ty> for Stdio {
            type Error = io::Error;

            /// Deregisters the pipe and restores blocking mode (see
            #[doc = concat!("[`", stringify!($ty), "::into_owned_fd`]), so another child can")]
            /// use it as a standard stream.
            fn try_from(pipe: $ty) -> io::Result<Stdio> {
                into_blocking(pipe.io).map(Stdio::from)
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("fd", &self.as_raw_fd())
                    .finish()
            }
        }
    };
}

common_impls!(ChildStdin);
common_impls!(ChildStdout);
common_impls!(ChildStderr);

//! Unix pipes and FIFOs (named pipes), read and written through the
//! reactor: [`pipe`] makes an anonymous pipe, [`OpenOptions`] opens a FIFO
//! by path, and [`Sender::from_file`] / [`Receiver::from_file`] adopt an
//! end opened elsewhere.
//!
//! Both ends are registered with the I/O driver in non-blocking mode, like
//! the sockets: a read or write that would block waits for readiness
//! instead. A [`Receiver`] reads end of file (`Ok(0)`) once every writer
//! has closed its end; a [`Sender`] whose reader is gone fails with
//! `BrokenPipe` (the process ignores `SIGPIPE`, as every Rust program does).
//!
//! ```
//! use weft::io::{AsyncReadExt, AsyncWriteExt};
//! use weft::net::unix::pipe;
//!
//! # #[weft::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let (mut tx, mut rx) = pipe::pipe()?;
//! tx.write_all(b"through the pipe").await?;
//! drop(tx); // the reader sees end of file next
//! let mut got = String::new();
//! rx.read_to_string(&mut got).await?;
//! assert_eq!(got, "through the pipe");
//! # Ok(())
//! # }
//! ```
//!
//! # Differences from tokio
//!
//! [`OpenOptions::read_write`] exists on every platform (tokio has it only
//! on Linux and Android): POSIX leaves opening a FIFO for reading and
//! writing undefined, Linux and the BSDs allow it; where the system
//! refuses, `open_sender` returns its error.

use crate::io::{AsyncRead, AsyncWrite, Interest, ReadBuf, Ready};
use crate::net::buf_mut::read_into_buf_mut;
use crate::runtime::io::{Direction, PollEvented, Wants};
use mio::unix::pipe as mio_pipe;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A new anonymous pipe: what is written to the [`Sender`] is read from
/// the [`Receiver`].
///
/// # Errors
///
/// The OS's error (`EMFILE` when the process is out of descriptors).
///
/// # Panics
///
/// Outside a weft runtime with I/O enabled.
#[track_caller]
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    let (tx, rx) = mio_pipe::new()?;
    Ok((Sender::from_mio(tx)?, Receiver::from_mio(rx)?))
}

/// Options for opening a FIFO (a named pipe) by path; the ends come back
/// registered with the reactor, in non-blocking mode.
///
/// Opening never waits for the other end: a receiver opens at once (its
/// reads wait for a writer to open the FIFO and write, and return end of
/// file once every writer that opened it has closed it); a sender fails
/// with `ENXIO` while no reader has the FIFO open, unless
/// [`read_write`](Self::read_write) is set.
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::unix::pipe;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("weft-doc-fifo-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("fifo");
/// # let _ = std::fs::remove_file(&path);
/// let status = std::process::Command::new("mkfifo").arg(&path).status()?;
/// assert!(status.success());
///
/// let mut rx = pipe::OpenOptions::new().open_receiver(&path)?;
/// let mut tx = pipe::OpenOptions::new().open_sender(&path)?;
/// tx.write_all(b"named").await?;
/// let mut got = [0u8; 5];
/// rx.read_exact(&mut got).await?;
/// assert_eq!(&got, b"named");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions {
    read_write: bool,
    unchecked: bool,
}

impl OpenOptions {
    /// Options that open one end of a FIFO and check that the path is
    /// one.
    pub fn new() -> OpenOptions {
        OpenOptions {
            read_write: false,
            unchecked: false,
        }
    }

    /// Opens the end for reading and writing (`O_RDWR`). A sender then
    /// counts as a reader too: opening succeeds without a reader, and
    /// writes do not fail with `BrokenPipe` while no reader is open (the
    /// data waits in the pipe). A receiver counts as a writer: it never
    /// reads end of file, so it can wait for the next writer after one has
    /// closed (do not wait for end of file with it, say with
    /// `read_to_end`: that waits forever).
    pub fn read_write(&mut self, value: bool) -> &mut Self {
        self.read_write = value;
        self
    }

    /// Skips the check that the path is a FIFO (for a character device
    /// that behaves like one).
    pub fn unchecked(&mut self, value: bool) -> &mut Self {
        self.unchecked = value;
        self
    }

    /// Opens the reading end of the FIFO at `path`.
    ///
    /// # Errors
    ///
    /// `NotFound` when nothing is at `path`, `InvalidInput` when it is not
    /// a FIFO (unless [`unchecked`](Self::unchecked)), `PermissionDenied`...
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn open_receiver<P: AsRef<Path>>(&self, path: P) -> io::Result<Receiver> {
        let file = self.open(path.as_ref(), false)?;
        Receiver::from_file_unchecked(file)
    }

    /// Opens the writing end of the FIFO at `path`.
    ///
    /// # Errors
    ///
    /// As [`open_receiver`](Self::open_receiver), and `ENXIO` (kind
    /// `Other`) when no reader has the FIFO open, unless
    /// [`read_write`](Self::read_write) is set.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn open_sender<P: AsRef<Path>>(&self, path: P) -> io::Result<Sender> {
        let file = self.open(path.as_ref(), true)?;
        Sender::from_file_unchecked(file)
    }

    fn open(&self, path: &Path, sender: bool) -> io::Result<File> {
        let mut options = std::fs::OpenOptions::new();
        options
            .read(!sender || self.read_write)
            .write(sender || self.read_write);
        crate::sys::open_nonblocking(&mut options);
        let file = options.open(path)?;
        if !self.unchecked && !is_fifo(&file)? {
            return Err(not_a_pipe());
        }
        Ok(file)
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

fn not_a_pipe() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a pipe")
}

fn is_fifo(file: &File) -> io::Result<bool> {
    Ok(file.metadata()?.file_type().is_fifo())
}

/// Checks that `fd` is a pipe open for the direction wanted (`write`: the
/// sender's), the checks of the checked `from_*` constructors.
fn check_end(fd: OwnedFd, write: bool) -> io::Result<OwnedFd> {
    let file = File::from(fd);
    if !is_fifo(&file)? {
        return Err(not_a_pipe());
    }
    let (readable, writable) = crate::sys::access_mode(file.as_fd())?;
    match (write, readable, writable) {
        (true, _, true) | (false, true, _) => Ok(OwnedFd::from(file)),
        (true, _, false) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not in O_WRONLY or O_RDWR access mode",
        )),
        (false, false, _) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not in O_RDONLY or O_RDWR access mode",
        )),
    }
}

// API twins: `Sender` and `Receiver` have the same constructors
// (`from_file`, `from_owned_fd` and their `_unchecked` forms), the same
// `ready`/`try_io`/`into_*_fd` methods and the same std trait impls, as in
// tokio; each body is one call to `PollEvented` or mio.

/// The writing end of a pipe or FIFO.
///
/// Dropping it closes the end: once every sender is gone, the reader
/// reads end of file.
pub struct Sender {
    io: PollEvented<mio_pipe::Sender>,
}

impl Sender {
    #[track_caller]
    fn from_mio(tx: mio_pipe::Sender) -> io::Result<Sender> {
        Ok(Sender {
            io: PollEvented::new(tx)?,
        })
    }

    /// A sender over `file`, which must be a pipe or FIFO opened for
    /// writing; it is put in non-blocking mode.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `file` is not a pipe or not open for writing.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd(file.into())
    }

    /// As [`from_file`](Self::from_file), for a descriptor.
    ///
    /// # Errors
    ///
    /// As [`from_file`](Self::from_file).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_owned_fd(owned_fd: OwnedFd) -> io::Result<Sender> {
        Sender::from_owned_fd_unchecked(check_end(owned_fd, true)?)
    }

    /// A sender over `file` without checking that it is a writable pipe
    /// (it is put in non-blocking mode).
    ///
    /// # Errors
    ///
    /// The reactor's registration error (`EPERM` for a regular file).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd_unchecked(file.into())
    }

    /// As [`from_file_unchecked`](Self::from_file_unchecked), for a
    /// descriptor.
    ///
    /// # Errors
    ///
    /// As [`from_file_unchecked`](Self::from_file_unchecked).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_owned_fd_unchecked(owned_fd: OwnedFd) -> io::Result<Sender> {
        let tx = mio_pipe::Sender::from(owned_fd);
        tx.set_nonblocking(true)?;
        Sender::from_mio(tx)
    }

    /// Waits until the pipe is ready for any of `interest` (writable, or
    /// an error such as a closed reader), and says which readiness it saw.
    /// May wake spuriously.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until the pipe may be writable; a following `try_write` can
    /// still say `WouldBlock`.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.wait_ready(Wants::Write).await
    }

    /// Polls for write readiness (only the waker of the last call is
    /// woken).
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write)
    }

    /// Writes what fits in the pipe now, without waiting: `WouldBlock` if
    /// nothing does. `BrokenPipe` once no reader is left.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Wants::Write, |tx| (&*tx).write(buf))
    }

    /// As [`try_write`](Self::try_write), from several buffers.
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Wants::Write, |tx| (&*tx).write_vectored(bufs))
    }

    /// Runs `f` (a non-blocking operation on this pipe) now if the cached
    /// readiness allows writing; a `WouldBlock` from `f` clears it.
    ///
    /// # Errors
    ///
    /// `f`'s error, or `WouldBlock`.
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Wants::Write, |_| f())
    }

    /// Deregisters the end and returns its descriptor in blocking mode.
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let tx = self.io.into_inner()?;
        tx.set_nonblocking(false)?;
        Ok(tx.into())
    }

    /// Deregisters the end and returns its descriptor, still in
    /// non-blocking mode.
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        Ok(self.io.into_inner()?.into())
    }
}

impl AsyncWrite for Sender {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_stream_io(cx, Direction::Write, buf.len(), |tx| (&*tx).write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|buf| buf.len()).sum();
        self.io
            .poll_stream_io(cx, Direction::Write, len, |tx| (&*tx).write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Nothing is buffered: always ready.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// A pipe has no write-only shutdown: drop the sender to close it.
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The reading end of a pipe or FIFO.
pub struct Receiver {
    io: PollEvented<mio_pipe::Receiver>,
}

impl Receiver {
    #[track_caller]
    fn from_mio(rx: mio_pipe::Receiver) -> io::Result<Receiver> {
        Ok(Receiver {
            io: PollEvented::new(rx)?,
        })
    }

    /// A receiver over `file`, which must be a pipe or FIFO opened for
    /// reading; it is put in non-blocking mode.
    ///
    /// ```
    /// use weft::io::AsyncReadExt;
    /// use weft::net::unix::pipe::Receiver;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut child = std::process::Command::new("echo")
    ///     .arg("hi")
    ///     .stdout(std::process::Stdio::piped())
    ///     .spawn()?;
    /// let stdout: std::os::fd::OwnedFd = child.stdout.take().unwrap().into();
    /// let mut rx = Receiver::from_owned_fd(stdout)?;
    /// let mut out = String::new();
    /// rx.read_to_string(&mut out).await?;
    /// assert_eq!(out, "hi\n");
    /// child.wait()?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `file` is not a pipe or not open for reading.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd(file.into())
    }

    /// As [`from_file`](Self::from_file), for a descriptor.
    ///
    /// # Errors
    ///
    /// As [`from_file`](Self::from_file).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_owned_fd(owned_fd: OwnedFd) -> io::Result<Receiver> {
        Receiver::from_owned_fd_unchecked(check_end(owned_fd, false)?)
    }

    /// A receiver over `file` without checking that it is a readable pipe
    /// (it is put in non-blocking mode).
    ///
    /// # Errors
    ///
    /// The reactor's registration error (`EPERM` for a regular file).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd_unchecked(file.into())
    }

    /// As [`from_file_unchecked`](Self::from_file_unchecked), for a
    /// descriptor.
    ///
    /// # Errors
    ///
    /// As [`from_file_unchecked`](Self::from_file_unchecked).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_owned_fd_unchecked(owned_fd: OwnedFd) -> io::Result<Receiver> {
        let rx = mio_pipe::Receiver::from(owned_fd);
        rx.set_nonblocking(true)?;
        Receiver::from_mio(rx)
    }

    /// Waits until the pipe is ready for any of `interest` (readable: data,
    /// end of file or an error), and says which readiness it saw. May wake
    /// spuriously.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until the pipe may be readable; a following `try_read` can
    /// still say `WouldBlock`.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.wait_ready(Wants::Read).await
    }

    /// Polls for read readiness (only the waker of the last call is
    /// woken).
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read)
    }

    /// Reads what the pipe holds now, without waiting: `WouldBlock` if it
    /// is empty while a writer is open, `Ok(0)` at end of file.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Wants::Read, |rx| (&*rx).read(buf))
    }

    /// As [`try_read`](Self::try_read), into several buffers.
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.io.try_io(Wants::Read, |rx| (&*rx).read_vectored(bufs))
    }

    /// As [`try_read`](Self::try_read), into `buf`, a [`bytes::BufMut`]
    /// (a `Vec<u8>`, a `BytesMut`, ...), which is advanced past the bytes
    /// read (a full `Vec` or `BytesMut` grows first).
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        read_into_buf_mut(buf, |spare| {
            // `Read::read` takes initialised bytes: zero the spare room
            // first (a pipe read is at most a few pages).
            spare.fill(std::mem::MaybeUninit::new(0));
            // SAFETY: every byte of `spare` was just initialised, and
            // `MaybeUninit<u8>` has the layout of `u8`.
            let spare = unsafe { &mut *(spare as *mut [std::mem::MaybeUninit<u8>] as *mut [u8]) };
            let n = self.io.try_io(Wants::Read, |rx| (&*rx).read(spare))?;
            Ok((n, n))
        })
    }

    /// Runs `f` (a non-blocking operation on this pipe) now if the cached
    /// readiness allows reading; a `WouldBlock` from `f` clears it.
    ///
    /// # Errors
    ///
    /// `f`'s error, or `WouldBlock`.
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Wants::Read, |_| f())
    }

    /// Deregisters the end and returns its descriptor in blocking mode.
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let rx = self.io.into_inner()?;
        rx.set_nonblocking(false)?;
        Ok(rx.into())
    }

    /// Deregisters the end and returns its descriptor, still in
    /// non-blocking mode.
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        Ok(self.io.into_inner()?.into())
    }
}

impl AsyncRead for Receiver {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        let len = unfilled.len();
        let n = ready!(self
            .io
            .poll_stream_io(cx, Direction::Read, len, |rx| (&*rx).read(unfilled)))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

// API twins of the std trait impls of every socket type.

/// The pipe end's descriptor.
impl AsRawFd for Sender {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

/// The pipe end's descriptor.
impl AsFd for Sender {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

/// The pipe end's descriptor.
impl AsRawFd for Receiver {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

/// The pipe end's descriptor.
impl AsFd for Receiver {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

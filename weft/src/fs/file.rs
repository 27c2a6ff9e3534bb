//! `File`: an open file driven by the operations of [`ops`](super::ops).
//!
//! # Design note
//!
//! A `File` is a shared descriptor (`Arc<std::fs::File>`), a byte buffer
//! and the state of the one operation it may have in flight; it follows
//! tokio's `fs::File` (its `Inner`/`State` machine), with the operation
//! futures of `ops` in place of `JoinHandle`s:
//!
//! ```text
//!            read/write/seek/set_len starts an op
//!   Idle(buf) ───────────────────────────────────▶ Busy(op owns buf)
//!       ▲                                               │
//!       └──────── the op completes: buf comes back ─────┘
//! ```
//!
//! 1. **At most one operation in flight**, and it owns the buffer while it
//!    runs. Every method that starts one first waits for the previous one
//!    (`poll_idle`) and takes its result into account, so operations on a
//!    file happen in the order they were asked for.
//! 2. **Reads read ahead into the buffer.** A read asks the OS for up to
//!    `min(max(caller's space, MIN_READ), max_buf_size)` bytes; what does
//!    not fit the caller's buffer stays for the next read. (tokio asks for
//!    `min(caller's space, max_buf_size)`: a `BufReader` over a tokio file
//!    costs a round trip per 8 KiB.)
//! 3. **Writes are started, not waited for.** `poll_write` copies up to
//!    `max_buf_size` bytes into the buffer, starts the write and returns
//!    `Ready(n)` at once. Its outcome is seen by the next operation: an
//!    error is returned by the next `write` or `flush` (kept in
//!    `last_write_err` until then). `flush` waits for the write; so does
//!    every `&self` method that touches the file's data (`sync_all`,
//!    `sync_data`, `set_len`, `set_times`, `into_std`).
//! 4. **The position stays true.** Bytes read ahead and not handed out
//!    mean the descriptor is ahead of the caller; before a write, a seek
//!    or `set_len`, the buffer is discarded and the descriptor moved back
//!    by that many bytes (in the same operation: `ops::write`'s and
//!    `ops::set_len`'s `seek`, or by adjusting a `SeekFrom::Current`).
//! 5. **A dropped future loses nothing.** `poll_*` methods keep the
//!    operation in the state, not in their own frame, so a caller that
//!    stops polling (a dropped `read` future, a `select!` that picked
//!    another branch) leaves it there for the next call. Dropping the
//!    `File` drops the op's handle; the op itself still owns the buffer and
//!    a reference to the descriptor and frees them when it finishes.
//! 6. **`&self` methods serialize on an async mutex** around the state
//!    (weft's `sync::Mutex`, as tokio's uses its own). `poll_*` methods
//!    take `&mut self` and reach the state with `Mutex::get_mut`, with no
//!    locking.

use std::fmt;
use std::fs::{File as StdFile, FileTimes, Metadata, Permissions};
use std::future::{poll_fn, Future as _};
use std::io::{self, IoSlice, SeekFrom};
use std::mem;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::ops::{self, FileRef, Op};
use super::OpenOptions;
use crate::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use crate::sync::Mutex;

/// The largest read or write one operation does, unless changed with
/// [`File::set_max_buf_size`] (tokio's default).
const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// The least a background read asks for (rule 2), unless `max_buf_size`
/// is smaller: a caller reading in small pieces (a `BufReader`'s 8 KiB)
/// then pays one round trip per 64 KiB rather than per piece.
const MIN_READ: usize = 64 * 1024;

/// A reference to an open file on the filesystem.
///
/// This is the asynchronous version of [`std::fs::File`]: open one with
/// [`File::open`], [`File::create`] or [`OpenOptions`], read and write it
/// with the I/O traits ([`AsyncReadExt`](crate::io::AsyncReadExt),
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt),
/// [`AsyncSeekExt`](crate::io::AsyncSeekExt)).
///
/// A file is closed when it is dropped. Writes are buffered: a write
/// returns once its bytes are copied into the file's buffer, and the OS
/// write runs in the background; call [`flush`](crate::io::AsyncWriteExt::flush)
/// to wait for it (and see its error) before dropping the file, as with
/// any buffered writer. `flush` does not ask the OS to put data on disk:
/// [`sync_all`](File::sync_all) does.
///
/// Reading and writing many small pieces costs one trip to the background
/// thread each: wrap the file in a [`BufReader`](crate::io::BufReader) or
/// [`BufWriter`](crate::io::BufWriter) for that.
///
/// # Examples
///
/// ```
/// use weft::fs::File;
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-file-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("hello.txt");
/// let mut file = File::create(&path).await?;
/// file.write_all(b"hello, world").await?;
/// file.flush().await?;
///
/// let mut contents = String::new();
/// File::open(&path).await?.read_to_string(&mut contents).await?;
/// assert_eq!(contents, "hello, world");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub struct File {
    std: FileRef,
    inner: Mutex<Inner>,
    max_buf_size: usize,
}

/// Rule 6: behind the async mutex.
struct Inner {
    state: State,
    /// Rule 3: a background write's error that no caller has seen yet.
    last_write_err: Option<io::Error>,
    /// The position the last completed seek reported.
    pos: u64,
    /// The target of a seek started through futures-io's one-call
    /// `poll_seek` that has not been reported yet.
    #[cfg(feature = "futures-io")]
    compat_seek: Option<SeekFrom>,
}

enum State {
    Idle(Buf),
    Busy(Pending),
}

/// Rule 2: bytes read ahead, `bytes[pos..]` not yet handed out.
#[derive(Default)]
struct Buf {
    bytes: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn unread(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn copy_to(&mut self, dst: &mut ReadBuf<'_>) {
        let n = self.unread().min(dst.remaining());
        dst.put_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
    }

    /// The storage, emptied, for the next operation.
    fn into_storage(self) -> Vec<u8> {
        let mut bytes = self.bytes;
        bytes.clear();
        bytes
    }
}

/// The operation in flight; it owns the buffer (rule 1).
enum Pending {
    Read(Op<(io::Result<usize>, Vec<u8>)>),
    Write(Op<(io::Result<()>, Vec<u8>)>),
    Seek(Op<io::Result<u64>>, Vec<u8>),
    SetLen(Op<io::Result<()>>, Vec<u8>),
}

/// What a finished operation did.
enum Done {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
    SetLen(io::Result<()>),
}

impl Pending {
    /// The result, and the buffer (holding what a read read).
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<(Done, Buf)> {
        let (done, bytes) = match self {
            Pending::Read(op) => {
                let (result, bytes) = ready!(Pin::new(op).poll(cx));
                (Done::Read(result), bytes)
            }
            Pending::Write(op) => {
                let (result, mut bytes) = ready!(Pin::new(op).poll(cx));
                bytes.clear();
                (Done::Write(result), bytes)
            }
            Pending::Seek(op, bytes) => {
                (Done::Seek(ready!(Pin::new(op).poll(cx))), mem::take(bytes))
            }
            Pending::SetLen(op, bytes) => (
                Done::SetLen(ready!(Pin::new(op).poll(cx))),
                mem::take(bytes),
            ),
        };
        Poll::Ready((done, Buf { bytes, pos: 0 }))
    }
}

impl Inner {
    /// Rule 1: waits for the operation in flight, if any, and returns what
    /// it did; the state is `Idle` once this is `Ready`.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<Option<Done>> {
        let State::Busy(pending) = &mut self.state else {
            return Poll::Ready(None);
        };
        let (done, buf) = ready!(pending.poll(cx));
        self.state = State::Idle(buf);
        Poll::Ready(Some(done))
    }

    /// Takes the buffer of an idle file.
    fn take_buf(&mut self) -> Buf {
        match &mut self.state {
            State::Idle(buf) => mem::take(buf),
            State::Busy(_) => unreachable!("take_buf while an operation is in flight"),
        }
    }

    /// Records what a finished operation leaves for later (a write error,
    /// a seek's position); used where the operation's result is not the
    /// caller's answer.
    fn absorb(&mut self, done: Done) {
        match done {
            Done::Write(Err(e)) => self.last_write_err = Some(e),
            Done::Seek(Ok(pos)) => self.pos = pos,
            _ => {}
        }
    }

    /// Rule 3: waits for the operation in flight, keeping a write error
    /// for the next write or flush.
    async fn complete_inflight(&mut self) {
        poll_fn(|cx| {
            if let Some(done) = ready!(self.poll_idle(cx)) {
                self.absorb(done);
            }
            Poll::Ready(())
        })
        .await
    }

    /// Rule 4: the seek that puts the descriptor back where the caller is,
    /// discarding the bytes read ahead.
    fn rewind_read_ahead(buf: &Buf) -> Option<SeekFrom> {
        match buf.unread() {
            0 => None,
            unread => Some(SeekFrom::Current(-(unread as i64))),
        }
    }
}

impl File {
    /// Opens a file in read-only mode.
    ///
    /// See [`OpenOptions`] for more options.
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::open`]: if `path` does not exist
    /// ([`NotFound`](io::ErrorKind::NotFound)), may not be read
    /// ([`PermissionDenied`](io::ErrorKind::PermissionDenied)), and
    /// the other errors of [`OpenOptions::open`].
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::File;
    /// use weft::io::AsyncReadExt;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-open-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # std::fs::write(dir.join("foo.txt"), b"foo")?;
    /// let mut file = File::open(dir.join("foo.txt")).await?;
    /// let mut contents = vec![];
    /// file.read_to_end(&mut contents).await?;
    /// assert_eq!(contents, b"foo");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens a file in write-only mode, creating it if it does not exist
    /// and truncating it if it does.
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::create`]; see [`OpenOptions::open`].
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::File;
    /// use weft::io::AsyncWriteExt;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-create-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let mut file = File::create(dir.join("foo.txt")).await?;
    /// file.write_all(b"hello, world!").await?;
    /// file.flush().await?;
    /// # assert_eq!(std::fs::read(dir.join("foo.txt"))?, b"hello, world!");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates a new file in read-write mode; fails if it already exists.
    ///
    /// The check and the creation are one atomic step (`O_EXCL`), so no
    /// other process can create the file in between.
    ///
    /// # Errors
    ///
    /// [`AlreadyExists`](io::ErrorKind::AlreadyExists) if `path` exists
    /// (even as a dangling symbolic link); the other errors of
    /// [`OpenOptions::open`].
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::File;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-create-new-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("new.txt");
    /// File::create_new(&path).await?;
    /// let again = File::create_new(&path).await.unwrap_err();
    /// assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_new<P: AsRef<Path>>(path: P) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// Returns a new [`OpenOptions`] with every option off (as
    /// [`OpenOptions::new`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::File;
    /// use weft::io::AsyncWriteExt;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-options-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let mut f = File::options().append(true).create(true).open(dir.join("log")).await?;
    /// f.write_all(b"appended\n").await?;
    /// f.flush().await?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps a [`std::fs::File`].
    ///
    /// The file keeps its position; the wrapper starts with an empty buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-from-std-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let std_file = std::fs::File::create(dir.join("foo.txt"))?;
    /// let file = weft::fs::File::from_std(std_file);
    /// # drop(file);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn from_std(std: StdFile) -> File {
        File {
            std: Arc::new(std),
            inner: Mutex::new(Inner {
                state: State::Idle(Buf::default()),
                last_write_err: None,
                pos: 0,
                #[cfg(feature = "futures-io")]
                compat_seek: None,
            }),
            max_buf_size: DEFAULT_MAX_BUF_SIZE,
        }
    }

    /// Waits for any write in flight, then asks the OS to put all of the
    /// file's data and metadata on the storage device (`fsync`).
    ///
    /// An error of the write waited for is not returned here: the next
    /// write or flush returns it (as tokio does).
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::sync_all`].
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::File;
    /// use weft::io::AsyncWriteExt;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-sync-all-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let mut file = File::create(dir.join("foo.txt")).await?;
    /// file.write_all(b"hello, world!").await?;
    /// file.sync_all().await?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sync_all(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await;
        let result = ops::sync_all(&self.std).await;
        drop(inner);
        result
    }

    /// Like [`sync_all`](File::sync_all), but only the data and the
    /// metadata needed to read it back (`fdatasync`).
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::sync_data`].
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::File;
    /// use weft::io::AsyncWriteExt;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-sync-data-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let mut file = File::create(dir.join("foo.txt")).await?;
    /// file.write_all(b"hello, world!").await?;
    /// file.sync_data().await?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sync_data(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await;
        let result = ops::sync_data(&self.std).await;
        drop(inner);
        result
    }

    /// Truncates or extends the file to `size` bytes (extension fills with
    /// zeroes). The position does not move: a later write past the end
    /// leaves a hole of zeroes.
    ///
    /// Waits for any write in flight first, and discards bytes read ahead
    /// (the position is put back where the caller had read to).
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::set_len`]: if the file is not open for writing
    /// ([`InvalidInput`](io::ErrorKind::InvalidInput) on Linux for a
    /// read-only descriptor, as std reports `EINVAL`), or `size` is too
    /// large for the file system.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::File;
    /// use weft::io::AsyncWriteExt;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-set-len-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let mut file = File::create(dir.join("foo.txt")).await?;
    /// file.write_all(b"hello, world!").await?;
    /// file.set_len(5).await?;
    /// assert_eq!(file.metadata().await?.len(), 5);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await;
        let buf = inner.take_buf();
        let rewind = Inner::rewind_read_ahead(&buf);
        // Rule 5: the op lives in the state, so a caller that drops this
        // future leaves it for the next operation to wait for.
        let op = ops::set_len(&self.std, size, rewind);
        inner.state = State::Busy(Pending::SetLen(op, buf.into_storage()));
        let result = poll_fn(|cx| match ready!(inner.poll_idle(cx)) {
            Some(Done::SetLen(result)) => Poll::Ready(result),
            _ => unreachable!("set_len waits for its own operation"),
        })
        .await;
        drop(inner);
        result
    }

    /// Queries the file's metadata (`fstat`).
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::metadata`].
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::File;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-file-metadata-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # std::fs::write(dir.join("foo.txt"), b"abc")?;
    /// let file = File::open(dir.join("foo.txt")).await?;
    /// let metadata = file.metadata().await?;
    /// assert_eq!(metadata.len(), 3);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        ops::file_metadata(&self.std).await
    }

    /// Creates a new `File` on a second descriptor for the same open file
    /// (they share the position; each has its own buffer).
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::try_clone`] (say, no descriptor left:
    /// `EMFILE`).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::File;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-try-clone-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # std::fs::write(dir.join("foo.txt"), b"abc")?;
    /// let file = File::open(dir.join("foo.txt")).await?;
    /// let file_clone = file.try_clone().await?;
    /// # drop((file, file_clone));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn try_clone(&self) -> io::Result<File> {
        let std = ops::try_clone(&self.std).await?;
        let mut file = File::from_std(std);
        file.max_buf_size = self.max_buf_size;
        Ok(file)
    }

    /// Waits for any operation in flight, then returns the
    /// [`std::fs::File`].
    ///
    /// Bytes read ahead and not yet read through this `File` are dropped,
    /// and the std file's position is moved back over them: it is where
    /// this `File`'s reads had got to (tokio leaves it past them).
    ///
    /// # Panics
    ///
    /// If another reference to the descriptor is still alive: an
    /// operation whose future was dropped mid-flight
    /// ([`metadata`](File::metadata), [`sync_all`](File::sync_all), ...)
    /// and that has not finished yet, as tokio panics there.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-into-std-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let weft_file = weft::fs::File::create(dir.join("foo.txt")).await?;
    /// let std_file: std::fs::File = weft_file.into_std().await;
    /// # drop(std_file);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn into_std(self) -> StdFile {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await;
        // Rule 4: give back the bytes read ahead, so the std file is where
        // the caller had read to.
        let buf = inner.take_buf();
        if let Some(rewind) = Inner::rewind_read_ahead(&buf) {
            let op = ops::seek(&self.std, rewind);
            inner.state = State::Busy(Pending::Seek(op, buf.into_storage()));
            inner.complete_inflight().await;
        }
        drop(inner);
        Arc::try_unwrap(self.std).expect("Arc::try_unwrap failed")
    }

    /// Returns the [`std::fs::File`] if no operation is in flight (and no
    /// other reference to the descriptor is alive); otherwise gives the
    /// `File` back. Bytes read ahead are given back as in
    /// [`into_std`](File::into_std) (`lseek`, which does not block, is
    /// called here).
    ///
    /// # Errors
    ///
    /// The `File` itself, when an operation is still in flight or its
    /// outcome has not been seen yet (say, a write: flush first), or when
    /// the position could not be put back.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-try-into-std-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let weft_file = weft::fs::File::create(dir.join("foo.txt")).await?;
    /// let std_file = weft_file.try_into_std().unwrap();
    /// # drop(std_file);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    // tokio's signature: the error is the `File` itself, given back.
    #[allow(clippy::result_large_err)]
    pub fn try_into_std(mut self) -> Result<StdFile, Self> {
        let inner = self.inner.get_mut();
        let State::Idle(buf) = &mut inner.state else {
            return Err(self);
        };
        if Arc::strong_count(&self.std) != 1 {
            return Err(self);
        }
        if let Some(rewind) = Inner::rewind_read_ahead(buf) {
            if ops::seek_now(&self.std, rewind).is_err() {
                return Err(self);
            }
            *buf = Buf::default();
        }
        let File {
            std,
            inner,
            max_buf_size,
        } = self;
        Arc::try_unwrap(std).map_err(|std| File {
            std,
            inner,
            max_buf_size,
        })
    }

    /// Changes the file's permission bits (`fchmod`).
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::set_permissions`]: if the caller does not own
    /// the file ([`PermissionDenied`](io::ErrorKind::PermissionDenied)).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::File;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-file-perm-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let file = File::create(dir.join("foo.txt")).await?;
    /// let mut perms = file.metadata().await?.permissions();
    /// perms.set_readonly(true);
    /// file.set_permissions(perms).await?;
    /// assert!(file.metadata().await?.permissions().readonly());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        ops::set_file_permissions(&self.std, perm).await
    }

    /// Changes the file's access and modification times (`futimens`),
    /// after waiting for any write in flight (which would otherwise change
    /// the modification time after this call).
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::set_times`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use weft::fs::{File, FileTimes};
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-set-times-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let file = File::create(dir.join("foo.txt")).await?;
    /// let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    /// file.set_times(FileTimes::new().set_accessed(then).set_modified(then)).await?;
    /// assert_eq!(file.metadata().await?.modified()?, then);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_times(&self, times: FileTimes) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await;
        let result = ops::set_times(&self.std, times).await;
        drop(inner);
        result
    }

    /// Changes the file's modification time; see
    /// [`set_times`](File::set_times).
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::set_modified`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use weft::fs::File;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-set-modified-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let file = File::create(dir.join("foo.txt")).await?;
    /// let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    /// file.set_modified(then).await?;
    /// assert_eq!(file.metadata().await?.modified()?, then);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_modified(&self, time: std::time::SystemTime) -> io::Result<()> {
        self.set_times(FileTimes::new().set_modified(time)).await
    }

    /// Sets the largest number of bytes one background read or write
    /// moves (2 MiB by default). A larger write is split: `write` accepts
    /// at most this many bytes per call.
    ///
    /// # Panics
    ///
    /// If `max_buf_size` is 0, with "`max_buf_size` must be greater than 0".
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::fs::File;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-max-buf-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let mut file = File::create(dir.join("foo.txt")).await?;
    /// file.set_max_buf_size(64 * 1024);
    /// assert_eq!(file.max_buf_size(), 64 * 1024);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
        self.max_buf_size = max_buf_size;
    }

    /// The largest number of bytes one background read or write moves
    /// (see [`set_max_buf_size`](File::set_max_buf_size)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-max-buf-get-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let file = weft::fs::File::create(dir.join("foo.txt")).await?;
    /// assert_eq!(file.max_buf_size(), 2 * 1024 * 1024);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn max_buf_size(&self) -> usize {
        self.max_buf_size
    }

    /// futures-io's one-call seek over weft's two steps: starts a seek to
    /// `position` unless one to the same target is already in flight, and
    /// waits for it.
    #[cfg(feature = "futures-io")]
    pub(crate) fn poll_seek_to(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        position: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        loop {
            if self.inner.get_mut().compat_seek == Some(position) {
                let result = ready!(self.as_mut().poll_complete(cx));
                self.inner.get_mut().compat_seek = None;
                return Poll::Ready(result);
            }
            // Finish whatever is in flight (an earlier seek to another
            // target included), then start this one.
            ready!(self.as_mut().poll_complete(cx))?;
            self.as_mut().start_seek(position)?;
            self.inner.get_mut().compat_seek = Some(position);
        }
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        #[cfg(feature = "futures-io")]
        {
            inner.compat_seek = None;
        }
        loop {
            match &mut inner.state {
                State::Idle(buf) => {
                    if buf.unread() > 0 {
                        buf.copy_to(dst);
                        return Poll::Ready(Ok(()));
                    }
                    if dst.remaining() == 0 {
                        return Poll::Ready(Ok(()));
                    }
                    let len = dst.remaining().max(MIN_READ).min(me.max_buf_size);
                    let storage = mem::take(buf).into_storage();
                    inner.state = State::Busy(Pending::Read(ops::read(&me.std, storage, len)));
                }
                State::Busy(_) => match ready!(inner.poll_idle(cx)) {
                    Some(Done::Read(Ok(_))) => {
                        // The bytes are in the buffer (none at the end of
                        // the file): hand them out, even to a caller other
                        // than the one that started the read.
                        let State::Idle(buf) = &mut inner.state else {
                            unreachable!("poll_idle leaves the file idle")
                        };
                        buf.copy_to(dst);
                        return Poll::Ready(Ok(()));
                    }
                    Some(Done::Read(Err(e))) => return Poll::Ready(Err(e)),
                    Some(done) => inner.absorb(done),
                    None => {}
                },
            }
        }
    }
}

impl File {
    /// Starts a write of `len` bytes that `fill` copies into the buffer;
    /// the shared body of `poll_write` and `poll_write_vectored`.
    fn poll_write_with(
        &mut self,
        cx: &mut Context<'_>,
        len: usize,
        fill: impl FnOnce(&mut Vec<u8>, usize),
    ) -> Poll<io::Result<usize>> {
        let inner = self.inner.get_mut();
        #[cfg(feature = "futures-io")]
        {
            inner.compat_seek = None;
        }
        loop {
            match &mut inner.state {
                State::Idle(buf) => {
                    if let Some(e) = inner.last_write_err.take() {
                        return Poll::Ready(Err(e));
                    }
                    if len == 0 {
                        return Poll::Ready(Ok(0));
                    }
                    let rewind = Inner::rewind_read_ahead(buf);
                    let n = len.min(self.max_buf_size);
                    let mut storage = mem::take(buf).into_storage();
                    fill(&mut storage, n);
                    let mut op = ops::write(&self.std, storage, rewind);
                    // Rule 3: the write runs whether or not anyone waits.
                    op.start(cx);
                    inner.state = State::Busy(Pending::Write(op));
                    return Poll::Ready(Ok(n));
                }
                State::Busy(_) => match ready!(inner.poll_idle(cx)) {
                    Some(Done::Write(Err(e))) => return Poll::Ready(Err(e)),
                    Some(done) => inner.absorb(done),
                    None => {}
                },
            }
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_with(cx, src.len(), |storage, n| {
            storage.extend_from_slice(&src[..n]);
        })
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let total = bufs
            .iter()
            .map(|b| b.len())
            .fold(0usize, usize::saturating_add);
        self.get_mut().poll_write_with(cx, total, |storage, n| {
            let mut left = n;
            for slice in bufs {
                let take = slice.len().min(left);
                storage.extend_from_slice(&slice[..take]);
                left -= take;
                if left == 0 {
                    break;
                }
            }
        })
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let inner = self.get_mut().inner.get_mut();
        if let Some(e) = inner.last_write_err.take() {
            return Poll::Ready(Err(e));
        }
        match ready!(inner.poll_idle(cx)) {
            Some(Done::Write(result)) => Poll::Ready(result),
            Some(done) => {
                inner.absorb(done);
                Poll::Ready(Ok(()))
            }
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    /// Starts moving the position; bytes read ahead are discarded (a
    /// `SeekFrom::Current` offset counts from what the caller has read).
    ///
    /// # Errors
    ///
    /// If another operation is in flight ("other file operation is
    /// pending, call poll_complete before start_seek", kind `Other`, as
    /// tokio), or if a `SeekFrom::Current` offset overflows once the bytes
    /// read ahead are accounted for (`InvalidInput`).
    fn start_seek(self: Pin<&mut Self>, mut position: SeekFrom) -> io::Result<()> {
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        #[cfg(feature = "futures-io")]
        {
            inner.compat_seek = None;
        }
        let State::Idle(buf) = &mut inner.state else {
            return Err(io::Error::other(
                "other file operation is pending, call poll_complete before start_seek",
            ));
        };
        if let SeekFrom::Current(offset) = &mut position {
            *offset = offset.checked_sub(buf.unread() as i64).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "invalid seek to a negative or overflowing position",
                )
            })?;
        }
        let storage = mem::take(buf).into_storage();
        inner.state = State::Busy(Pending::Seek(ops::seek(&me.std, position), storage));
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let inner = self.get_mut().inner.get_mut();
        loop {
            match ready!(inner.poll_idle(cx)) {
                None => return Poll::Ready(Ok(inner.pos)),
                Some(Done::Seek(result)) => {
                    if let Ok(pos) = result {
                        inner.pos = pos;
                    }
                    return Poll::Ready(result);
                }
                Some(done) => inner.absorb(done),
            }
        }
    }
}

impl From<StdFile> for File {
    fn from(std: StdFile) -> File {
        File::from_std(std)
    }
}

impl From<OwnedFd> for File {
    fn from(fd: OwnedFd) -> File {
        File::from_std(StdFile::from(fd))
    }
}

impl AsRawFd for File {
    fn as_raw_fd(&self) -> RawFd {
        self.std.as_raw_fd()
    }
}

impl AsFd for File {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.std.as_fd()
    }
}

impl FromRawFd for File {
    /// # Safety
    ///
    /// As [`std::fs::File::from_raw_fd`]: `fd` is an open descriptor that
    /// nothing else owns.
    unsafe fn from_raw_fd(fd: RawFd) -> File {
        // SAFETY: the caller promises `fd` is open and owned by no one
        // else, which is what std's `from_raw_fd` requires.
        File::from_std(unsafe { StdFile::from_raw_fd(fd) })
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("weft::fs::File")
            .field("std", &self.std)
            .finish()
    }
}

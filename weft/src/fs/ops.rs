//! The seam between `weft::fs` and the operating system: every file-system
//! call `weft::fs` makes goes through one function of this module.
//!
//! # Design note
//!
//! **One place for the backend.** The public types (`File`, `ReadDir`,
//! `DirEntry`, `OpenOptions`, `DirBuilder`) and the free functions
//! (`fs::read`, `fs::rename`, ...) never call `std::fs` or
//! `spawn_blocking` themselves: they call the functions below, each of
//! which returns an [`Op`], a future for the result. Today every `Op` is a
//! closure on the runtime's blocking pool (`spawn_blocking`) calling
//! `std::fs`, as tokio's `fs` does (tokio's `asyncify`). A second backend
//! (io_uring, `runtime/uring/`) plugs in *here*: each function decides per
//! call, from the current runtime's handle, whether to submit the
//! operation to the ring or to the pool, and [`Op`] gains a second variant
//! that waits for the ring's completion. Nothing outside this file changes.
//!
//! **Operations own what the kernel touches.** A call takes its buffer by
//! value (`Vec<u8>`) and its file as an `Arc<std::fs::File>` clone, and
//! hands the buffer back with the result (`(io::Result<usize>, Vec<u8>)`).
//! The operation keeps both alive until it finishes, wherever the caller
//! is: if the `Op` is dropped mid-flight, the closure (later: the ring's
//! completion entry) still owns the buffer and the descriptor, and frees
//! them only when the operation is over. A buffer is never borrowed from
//! the caller, so no future's drop can free memory the kernel is writing.
//!
//! **Buffers grow; their length is what is valid.** [`read`] appends what
//! it reads to the buffer it is given (it reads up to `len` bytes into the
//! space after `buf.len()`, and returns the buffer with its length grown by
//! the count), so a kernel-owned-buffer backend can read into the spare
//! capacity directly. The pool backend zeroes the `len` bytes first (safe
//! Rust reads only into initialized memory). [`write`] writes the whole
//! buffer (std's `write_all`).
//!
//! **Position.** `File` uses the descriptor's own file position (reads and
//! writes "at the current position", io_uring's offset `-1`), so a
//! `File` made by [`File::from_std`](crate::fs::File::from_std) and its
//! `std` twin agree on where they are. A write may first move the position
//! back over bytes `File` read ahead and never handed out ([`write`]'s
//! `seek` argument), so that that fix-up costs no second round trip.
//!
//! **Close.** A `File` holds one [`FileRef`]; each operation in flight on
//! it holds another. The descriptor closes (`close(2)`) when the last one
//! is dropped: when the `File` is dropped with nothing in flight, or else
//! on the pool thread that finishes the last operation. A ring backend
//! that wants an asynchronous close adds a `close(FileRef)` here and calls
//! it from a `Drop` of `File`.
//!
//! **Failures of the pool itself.** A closure that panics or is cancelled
//! (the runtime shut down before it started) gives the error tokio's
//! `asyncify` gives, "background task failed" (kind `Other`); the buffer it
//! owned is gone, and an empty one comes back in its place.

use std::fs::{self as std_fs, File as StdFile, Metadata, Permissions};
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crate::task::{spawn_blocking, JoinHandle};

/// A shared reference to an open file: what `File` holds and what each
/// operation on it keeps alive until it is done.
pub(crate) type FileRef = Arc<StdFile>;

/// One file-system operation in flight; resolves to its result (for
/// buffer operations, together with the buffer).
///
/// Dropping it does not stop the operation: it runs to completion, owning
/// its buffer and file, and its result is dropped.
#[derive(Debug)]
#[must_use = "an Op does nothing useful unless awaited"]
pub(crate) struct Op<T> {
    handle: JoinHandle<T>,
}

/// What an operation resolves to when the pool lost it (a panic in `std`,
/// or a runtime shut down before it ran).
pub(crate) trait Lost {
    fn lost() -> Self;
}

fn lost_error() -> io::Error {
    io::Error::other("background task failed")
}

impl<T> Lost for io::Result<T> {
    fn lost() -> Self {
        Err(lost_error())
    }
}

impl<T> Lost for (io::Result<T>, Vec<u8>) {
    fn lost() -> Self {
        (Err(lost_error()), Vec::new())
    }
}

impl<T: Lost + Send + 'static> Op<T> {
    /// Runs `f` on the blocking pool.
    ///
    /// # Panics
    ///
    /// Outside a runtime, with spawn_blocking's message (as tokio's `fs`
    /// panics there).
    #[track_caller]
    fn blocking(f: impl FnOnce() -> T + Send + 'static) -> Op<T> {
        Op {
            handle: spawn_blocking(f),
        }
    }
}

impl<T: Lost + Send + 'static> Future for Op<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match ready!(Pin::new(&mut self.handle).poll(cx)) {
            Ok(output) => Poll::Ready(output),
            Err(_) => Poll::Ready(T::lost()),
        }
    }
}

/// Retries `f` while it fails with `Interrupted`.
fn uninterrupted<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

// ---------------------------------------------------------------------------
// Open files
// ---------------------------------------------------------------------------

/// `openat(2)` with `options`.
#[track_caller]
pub(crate) fn open(path: PathBuf, options: std_fs::OpenOptions) -> Op<io::Result<StdFile>> {
    Op::blocking(move || options.open(path))
}

/// Reads up to `len` bytes at the file position, appending them to `buf`;
/// returns the count (0 at the end of the file) and the buffer.
#[track_caller]
pub(crate) fn read(
    file: &FileRef,
    mut buf: Vec<u8>,
    len: usize,
) -> Op<(io::Result<usize>, Vec<u8>)> {
    let file = Arc::clone(file);
    Op::blocking(move || {
        let start = buf.len();
        buf.resize(start + len, 0);
        let result = uninterrupted(|| (&*file).read(&mut buf[start..]));
        buf.truncate(start + *result.as_ref().unwrap_or(&0));
        (result, buf)
    })
}

/// Moves the file position by `seek` (if any), then writes all of `buf` at
/// the file position; returns the buffer.
#[track_caller]
pub(crate) fn write(
    file: &FileRef,
    buf: Vec<u8>,
    seek: Option<SeekFrom>,
) -> Op<(io::Result<()>, Vec<u8>)> {
    let file = Arc::clone(file);
    Op::blocking(move || {
        let result = match seek {
            Some(seek) => (&*file).seek(seek).map(drop),
            None => Ok(()),
        }
        .and_then(|()| (&*file).write_all(&buf));
        (result, buf)
    })
}

/// `lseek(2)`: the new position.
#[track_caller]
pub(crate) fn seek(file: &FileRef, position: SeekFrom) -> Op<io::Result<u64>> {
    let file = Arc::clone(file);
    Op::blocking(move || (&*file).seek(position))
}

/// `lseek(2)` right here, on the caller's thread: it only moves the
/// file offset and never waits for the device, so it needs no background
/// trip (`File::try_into_std`, which cannot wait).
pub(crate) fn seek_now(file: &FileRef, position: SeekFrom) -> io::Result<u64> {
    (&**file).seek(position)
}

/// `fsync(2)`.
#[track_caller]
pub(crate) fn sync_all(file: &FileRef) -> Op<io::Result<()>> {
    let file = Arc::clone(file);
    Op::blocking(move || file.sync_all())
}

/// `fdatasync(2)`.
#[track_caller]
pub(crate) fn sync_data(file: &FileRef) -> Op<io::Result<()>> {
    let file = Arc::clone(file);
    Op::blocking(move || file.sync_data())
}

/// Moves the file position by `seek` (if any), then `ftruncate(2)`s the
/// file to `size` bytes.
#[track_caller]
pub(crate) fn set_len(file: &FileRef, size: u64, seek: Option<SeekFrom>) -> Op<io::Result<()>> {
    let file = Arc::clone(file);
    Op::blocking(move || {
        if let Some(seek) = seek {
            (&*file).seek(seek)?;
        }
        file.set_len(size)
    })
}

/// `fstat(2)` / `statx(2)` of an open file.
#[track_caller]
pub(crate) fn file_metadata(file: &FileRef) -> Op<io::Result<Metadata>> {
    let file = Arc::clone(file);
    Op::blocking(move || file.metadata())
}

/// A second descriptor for the same open file (`F_DUPFD_CLOEXEC`).
#[track_caller]
pub(crate) fn try_clone(file: &FileRef) -> Op<io::Result<StdFile>> {
    let file = Arc::clone(file);
    Op::blocking(move || file.try_clone())
}

/// `fchmod(2)`.
#[track_caller]
pub(crate) fn set_file_permissions(file: &FileRef, perm: Permissions) -> Op<io::Result<()>> {
    let file = Arc::clone(file);
    Op::blocking(move || file.set_permissions(perm))
}

/// `futimens(2)`.
#[track_caller]
pub(crate) fn set_times(file: &FileRef, times: std_fs::FileTimes) -> Op<io::Result<()>> {
    let file = Arc::clone(file);
    Op::blocking(move || file.set_times(times))
}

// ---------------------------------------------------------------------------
// Whole files and paths
// ---------------------------------------------------------------------------

/// Opens, sizes and reads a whole file (`std::fs::read`).
#[track_caller]
pub(crate) fn read_file(path: PathBuf) -> Op<io::Result<Vec<u8>>> {
    Op::blocking(move || std_fs::read(path))
}

/// Creates or truncates a file and writes all of `contents`
/// (`std::fs::write`).
#[track_caller]
pub(crate) fn write_file(path: PathBuf, contents: Vec<u8>) -> Op<io::Result<()>> {
    Op::blocking(move || std_fs::write(path, contents))
}

/// `std::fs::copy`: contents and permission bits; the byte count.
#[track_caller]
pub(crate) fn copy(from: PathBuf, to: PathBuf) -> Op<io::Result<u64>> {
    Op::blocking(move || std_fs::copy(from, to))
}

/// `stat(2)` / `statx(2)`, following symbolic links.
#[track_caller]
pub(crate) fn metadata(path: PathBuf) -> Op<io::Result<Metadata>> {
    Op::blocking(move || std_fs::metadata(path))
}

/// `lstat(2)`: the link itself.
#[track_caller]
pub(crate) fn symlink_metadata(path: PathBuf) -> Op<io::Result<Metadata>> {
    Op::blocking(move || std_fs::symlink_metadata(path))
}

/// Whether `path` exists (`std::fs::exists`: `Ok(false)` only for "not
/// found").
#[track_caller]
pub(crate) fn try_exists(path: PathBuf) -> Op<io::Result<bool>> {
    Op::blocking(move || path.try_exists())
}

/// `renameat(2)`.
#[track_caller]
pub(crate) fn rename(from: PathBuf, to: PathBuf) -> Op<io::Result<()>> {
    Op::blocking(move || std_fs::rename(from, to))
}

/// `unlinkat(2)` of a file.
#[track_caller]
pub(crate) fn remove_file(path: PathBuf) -> Op<io::Result<()>> {
    Op::blocking(move || std_fs::remove_file(path))
}

/// `unlinkat(2)` of an empty directory (`AT_REMOVEDIR`).
#[track_caller]
pub(crate) fn remove_dir(path: PathBuf) -> Op<io::Result<()>> {
    Op::blocking(move || std_fs::remove_dir(path))
}

/// A directory and everything in it (`std::fs::remove_dir_all`, which does
/// not follow symbolic links).
#[track_caller]
pub(crate) fn remove_dir_all(path: PathBuf) -> Op<io::Result<()>> {
    Op::blocking(move || std_fs::remove_dir_all(path))
}

/// `mkdirat(2)` as `builder` says (recursive or not, mode).
#[track_caller]
pub(crate) fn create_dir(path: PathBuf, builder: std_fs::DirBuilder) -> Op<io::Result<()>> {
    Op::blocking(move || builder.create(path))
}

/// `realpath(3)`.
#[track_caller]
pub(crate) fn canonicalize(path: PathBuf) -> Op<io::Result<PathBuf>> {
    Op::blocking(move || std_fs::canonicalize(path))
}

/// `linkat(2)`.
#[track_caller]
pub(crate) fn hard_link(original: PathBuf, link: PathBuf) -> Op<io::Result<()>> {
    Op::blocking(move || std_fs::hard_link(original, link))
}

/// `symlinkat(2)`.
#[track_caller]
pub(crate) fn symlink(original: PathBuf, link: PathBuf) -> Op<io::Result<()>> {
    Op::blocking(move || std::os::unix::fs::symlink(original, link))
}

/// `readlinkat(2)`.
#[track_caller]
pub(crate) fn read_link(path: PathBuf) -> Op<io::Result<PathBuf>> {
    Op::blocking(move || std_fs::read_link(path))
}

/// `chmod(2)`.
#[track_caller]
pub(crate) fn set_permissions(path: PathBuf, perm: Permissions) -> Op<io::Result<()>> {
    Op::blocking(move || std_fs::set_permissions(path, perm))
}

// ---------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------

/// Opens a directory for listing.
#[track_caller]
pub(crate) fn open_dir(path: PathBuf) -> Op<io::Result<std_fs::ReadDir>> {
    Op::blocking(move || std_fs::read_dir(path))
}

/// Up to `max` more entries of a listing, each with its file type if it
/// could be had (std takes it from the listing where the file system
/// reports it, as most do on Linux, else from `lstat`); `done` once the
/// listing is exhausted. Hands the listing back.
#[derive(Debug)]
pub(crate) struct DirChunk {
    pub(crate) dir: std_fs::ReadDir,
    pub(crate) entries: Vec<io::Result<(std_fs::DirEntry, Option<std_fs::FileType>)>>,
    pub(crate) done: bool,
}

impl Lost for Option<DirChunk> {
    fn lost() -> Self {
        None
    }
}

/// Reads the next chunk of a listing (see [`DirChunk`]); `None` if the
/// pool lost the operation (the listing with it).
#[track_caller]
pub(crate) fn read_dir_chunk(mut dir: std_fs::ReadDir, max: usize) -> Op<Option<DirChunk>> {
    Op::blocking(move || {
        let mut entries = Vec::with_capacity(max);
        let mut done = false;
        while entries.len() < max {
            match dir.next() {
                Some(entry) => entries.push(entry.map(|entry| {
                    let file_type = entry.file_type().ok();
                    (entry, file_type)
                })),
                None => {
                    done = true;
                    break;
                }
            }
        }
        Some(DirChunk { dir, entries, done })
    })
}

/// `lstat(2)` of a listed entry (`DirEntry::metadata`).
#[track_caller]
pub(crate) fn entry_metadata(entry: Arc<std_fs::DirEntry>) -> Op<io::Result<Metadata>> {
    Op::blocking(move || entry.metadata())
}

/// The type of a listed entry (`DirEntry::file_type`), when the listing
/// did not report it.
#[track_caller]
pub(crate) fn entry_file_type(entry: Arc<std_fs::DirEntry>) -> Op<io::Result<std_fs::FileType>> {
    Op::blocking(move || entry.file_type())
}

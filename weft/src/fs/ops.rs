//! The seam between `weft::fs` and the operating system: every file-system
//! call `weft::fs` makes goes through one function of this module.
//!
//! # Design note
//!
//! **One place for the backend.** The public types (`File`, `ReadDir`,
//! `DirEntry`, `OpenOptions`, `DirBuilder`) and the free functions
//! (`fs::read`, `fs::rename`, ...) never call `std::fs` or
//! `spawn_blocking` themselves: they call the functions below, each of
//! which returns an [`Op`], a future for the result. Each function picks
//! the backend per call: if the calling thread has an io_uring ring
//! (`runtime::uring::current_ring`, asked for each operation, so a task
//! that moved to another worker submits to that worker's ring) and the
//! call is one the ring does, it submits there (`on_ring.rs`) and the
//! `Op` waits for the completion; otherwise the `Op` is a closure on the
//! runtime's blocking pool (`spawn_blocking`) calling `std::fs`, as
//! tokio's `fs` does (tokio's `asyncify`), exactly as on a runtime with no
//! ring.
//!
//! **What runs on the ring.** `open` (flags and mode computed by
//! `OpenOptions` as std computes them), `read` at the file position,
//! `write` (a loop until all is written; its optional seek is an `lseek`
//! on the caller's thread first: it only moves the offset, io_uring has no
//! seek to chain, and a pool trip for it would cost what the ring saves),
//! `sync_all`/`sync_data` (`fsync`), `read_file` (open and first read in
//! one submission), `write_file` (open, write loop, close), `rename`,
//! `remove_file`/`remove_dir` (`unlinkat`), and `create_dir` when not
//! recursive. Everything else stays on the pool: `metadata` and friends
//! (io_uring has `statx`, but std cannot build a `Metadata` from one),
//! `seek`, `set_len`, `copy` (std's `copy_file_range` loop), directory
//! listings, links, permissions, times, `canonicalize`, `try_clone`,
//! recursive `create_dir` and `remove_dir_all`. A path with a NUL byte
//! goes to the pool too, where std's own call gives std's error for it.
//!
//! **`Op`** is an enum: a `JoinHandle` for the pool, a boxed future for
//! the ring (one allocation per call, next to the pool's task allocation
//! and against a ring operation's 0.6-2 µs: kept for its simplicity), or
//! a result already known. A ring operation reaches the kernel on its
//! first poll; `File::poll_write`, which returns before its write is
//! done, polls it once at once ([`Op::start`]), so the write happens even
//! if no one waits for it, as on the pool.
//!
//! **Measured** (`weft-bench --quick --filter fs_`, 2 workers on 2 busy
//! cores, two runs): `fs::read` of a 4 KiB file 2.25-2.27 µs against
//! tokio's 7.35-7.93 and `std::fs::read`'s 1.35-1.41 on one thread; 1,000
//! at once 3.9-4.3 µs per read against tokio's 13.6-19.9 and std's
//! 2.0-2.3; a 16 MiB file through `BufReader` within 10% of std's time
//! (tokio: 9-13 times std's). `metadata`, still on the pool, 1.1-1.7
//! times faster than tokio's (the pool's own gain, not the ring's).
//!
//! **Dropped operations.** On the pool a dropped `Op` runs to completion.
//! On the ring, a dropped read asks the kernel to cancel (nothing would
//! see its bytes); a write, `fsync`, open, rename, unlink or mkdir that
//! was submitted completes (`run_to_completion`). Either way the ring
//! keeps the buffer and the `FileRef` (an `Arc<std::fs::File>`, the
//! descriptor's owner) until the completion comes (the engine's rule 4),
//! so no dropped future frees what the kernel uses. A multi-step call
//! (`write`'s loop after a short write, `write_file`, `read_file`) stops
//! after the step in flight when dropped.
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
//! on the thread that finishes the last operation (a pool thread, or the
//! one that reaps the ring's completion). A ring backend
//! that wants an asynchronous close adds a `close(FileRef)` here and calls
//! it from a `Drop` of `File`. The ring backend closes the same way:
//! `close(2)` of a regular file does not wait for the device. (The
//! descriptors `write_file` and `read_file` open themselves are closed
//! through the ring.)
//!
//! **Failures of the pool itself.** A closure that panics or is cancelled
//! (the runtime shut down before it started) gives the error tokio's
//! `asyncify` gives, "background task failed" (kind `Other`); the buffer it
//! owned is gone, and an empty one comes back in its place.

use std::any::Any;
use std::ffi::CString;
use std::fmt;
use std::fs::{self as std_fs, File as StdFile, Metadata, Permissions};
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crate::task::{spawn_blocking, JoinHandle};

crate::sys::cfg_io_uring! {
    use super::on_ring;
}

crate::sys::cfg_not_io_uring! {
    /// No rings in this build: every operation runs on the pool. The
    /// functions have `on_ring`'s signatures and take a value of a type
    /// that has none, so none of them can be called.
    mod on_ring {
        use super::{FileRef, Op};
        use std::ffi::CString;
        use std::fs::File as StdFile;
        use std::io;

        pub(super) enum Ring {}

        pub(super) fn current() -> Option<Ring> {
            None
        }

        pub(super) fn open(ring: Ring, _: CString, _: i32, _: u32) -> Op<io::Result<StdFile>> {
            match ring {}
        }

        pub(super) fn read(
            ring: Ring,
            _: &FileRef,
            _: Vec<u8>,
            _: usize,
        ) -> Op<(io::Result<usize>, Vec<u8>)> {
            match ring {}
        }

        pub(super) fn write(ring: Ring, _: &FileRef, _: Vec<u8>) -> Op<(io::Result<()>, Vec<u8>)> {
            match ring {}
        }

        pub(super) fn fsync(ring: Ring, _: &FileRef, _: bool) -> Op<io::Result<()>> {
            match ring {}
        }

        pub(super) fn read_file(ring: Ring, _: CString) -> Op<io::Result<Vec<u8>>> {
            match ring {}
        }

        pub(super) fn write_file(ring: Ring, _: CString, _: Vec<u8>) -> Op<io::Result<()>> {
            match ring {}
        }

        pub(super) fn rename(ring: Ring, _: CString, _: CString) -> Op<io::Result<()>> {
            match ring {}
        }

        pub(super) fn unlink(ring: Ring, _: CString, _: bool) -> Op<io::Result<()>> {
            match ring {}
        }

        pub(super) fn mkdir(ring: Ring, _: CString, _: u32) -> Op<io::Result<()>> {
            match ring {}
        }

        pub(super) fn submit_now(ring: &Ring) {
            match *ring {}
        }
    }
}

/// A shared reference to an open file: what `File` holds and what each
/// operation on it keeps alive until it is done.
pub(crate) type FileRef = Arc<StdFile>;

/// One file-system operation in flight; resolves to its result (for
/// buffer operations, together with the buffer).
///
/// Dropping it does not stop an operation on the pool: it runs to
/// completion, owning its buffer and file, and its result is dropped. On
/// the ring, see the design note ("Dropped operations").
#[must_use = "an Op does nothing useful unless awaited"]
pub(crate) struct Op<T> {
    inner: OpInner<T>,
}

enum OpInner<T> {
    /// A closure on the blocking pool, its output boxed (`Op::blocking`).
    Pool(JoinHandle<Box<dyn Any + Send>>),
    /// Submissions to the calling thread's io_uring ring (`on_ring`;
    /// never made where there are no rings).
    #[allow(dead_code)]
    Ring(Pin<Box<dyn Future<Output = T> + Send + Sync>>),
    /// Finished before anyone waited (`Op::start`, or an error found
    /// before anything was submitted); `None` once taken.
    Ready(Option<T>),
}

// No part of an `Op` is ever pinned: a result is moved out, the pool's
// handle and the ring's boxed future are `Unpin`.
impl<T> Unpin for Op<T> {}

impl<T> fmt::Debug for Op<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match self.inner {
            OpInner::Pool(_) => "blocking pool",
            OpInner::Ring(_) => "io_uring",
            OpInner::Ready(_) => "finished",
        };
        f.debug_struct("Op").field("backend", &backend).finish()
    }
}

/// A pool operation's closure, as the pool runs it (`Op::blocking`).
type PoolCall = Box<dyn FnOnce() -> Box<dyn Any + Send> + Send>;

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
        // The closure and its output boxed, so the thirty-odd operations
        // here make one task type, not one each: every task type is
        // another copy of the task machinery in weft's own build (compile
        // time and binary size). The boxes are two small allocations next
        // to the task's own, on a path that hands the call to another
        // thread anyway.
        let f: PoolCall = Box::new(move || Box::new(f()));
        Op {
            inner: OpInner::Pool(spawn_blocking(f)),
        }
    }

    /// Makes sure the operation has been handed to the OS: a ring
    /// operation is submitted on its first poll, so one started and not
    /// awaited at once (`File::poll_write`, which returns before its write
    /// is done) is polled here, with the starting task's context. A pool
    /// operation runs already; this does nothing to it.
    pub(crate) fn start(&mut self, cx: &mut Context<'_>) {
        if let OpInner::Ring(future) = &mut self.inner {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                self.inner = OpInner::Ready(Some(output));
                return;
            }
            // Submitted now, not at the scheduler's next flush: the caller
            // may go on without ever waiting for it (and even block this
            // thread).
            if let Some(ring) = on_ring::current() {
                on_ring::submit_now(&ring);
            }
        }
    }
}

impl<T> Op<T> {
    /// An operation on the ring (see `on_ring`; unused where there are no
    /// rings).
    #[allow(dead_code)]
    pub(super) fn ring(future: impl Future<Output = T> + Send + Sync + 'static) -> Op<T> {
        Op {
            inner: OpInner::Ring(Box::pin(future)),
        }
    }

    /// An operation that finished without running (an error found first).
    fn ready(output: T) -> Op<T> {
        Op {
            inner: OpInner::Ready(Some(output)),
        }
    }
}

impl<T: Lost + Send + 'static> Future for Op<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match &mut self.inner {
            OpInner::Pool(handle) => match ready!(Pin::new(handle).poll(cx)) {
                Ok(output) => Poll::Ready(
                    *output
                        .downcast::<T>()
                        .expect("an operation's closure returns its output type"),
                ),
                Err(_) => Poll::Ready(T::lost()),
            },
            OpInner::Ring(future) => {
                let output = ready!(future.as_mut().poll(cx));
                self.inner = OpInner::Ready(None);
                Poll::Ready(output)
            }
            OpInner::Ready(output) => Poll::Ready(
                output
                    .take()
                    .expect("an fs operation polled after it completed"),
            ),
        }
    }
}

impl<T> Drop for Op<T> {
    /// A ring operation dropped mid-flight leaves its data in the ring
    /// (the engine's rule 4); what this thread's ring batched is submitted
    /// now, so the operation (a write that must happen, a cancel that
    /// frees a file) reaches the kernel even if this thread then blocks.
    fn drop(&mut self) {
        if let OpInner::Ring(future) = std::mem::replace(&mut self.inner, OpInner::Ready(None)) {
            drop(future);
            if let Some(ring) = on_ring::current() {
                on_ring::submit_now(&ring);
            }
        }
    }
}

/// `path` as the C string a ring operation takes; `None` if it holds a
/// NUL byte (then the pool's std call gives std's error for it).
fn c_path(path: &Path) -> Option<CString> {
    CString::new(path.as_os_str().as_bytes()).ok()
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

/// `open(2)` with `options`; on the ring with `flags` and `mode`, what
/// std would pass for `options` (`OpenOptions` computes them; `None` when
/// they are not known, then std opens it on the pool).
#[track_caller]
pub(crate) fn open(
    path: PathBuf,
    options: std_fs::OpenOptions,
    flags: Option<(i32, u32)>,
) -> Op<io::Result<StdFile>> {
    if let (Some(ring), Some((flags, mode))) = (on_ring::current(), flags) {
        if let Some(c) = c_path(&path) {
            return on_ring::open(ring, c, flags, mode);
        }
    }
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
    if let Some(ring) = on_ring::current() {
        return on_ring::read(ring, file, buf, len);
    }
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
    if let Some(ring) = on_ring::current() {
        // The seek here, on the caller's thread: `lseek(2)` only moves
        // the file offset and never waits for the device (see
        // `seek_now`), and io_uring has no seek to chain before a write.
        if let Some(Err(e)) = seek.map(|seek| seek_now(file, seek)) {
            return Op::ready((Err(e), buf));
        }
        return on_ring::write(ring, file, buf);
    }
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
    if let Some(ring) = on_ring::current() {
        return on_ring::fsync(ring, file, false);
    }
    let file = Arc::clone(file);
    Op::blocking(move || file.sync_all())
}

/// `fdatasync(2)`.
#[track_caller]
pub(crate) fn sync_data(file: &FileRef) -> Op<io::Result<()>> {
    if let Some(ring) = on_ring::current() {
        return on_ring::fsync(ring, file, true);
    }
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
    if let Some(ring) = on_ring::current() {
        if let Some(c) = c_path(&path) {
            return on_ring::read_file(ring, c);
        }
    }
    Op::blocking(move || std_fs::read(path))
}

/// Creates or truncates a file and writes all of `contents`
/// (`std::fs::write`).
#[track_caller]
pub(crate) fn write_file(path: PathBuf, contents: Vec<u8>) -> Op<io::Result<()>> {
    if let Some(ring) = on_ring::current() {
        if let Some(c) = c_path(&path) {
            return on_ring::write_file(ring, c, contents);
        }
    }
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
    if let Some(ring) = on_ring::current() {
        if let (Some(c_from), Some(c_to)) = (c_path(&from), c_path(&to)) {
            return on_ring::rename(ring, c_from, c_to);
        }
    }
    Op::blocking(move || std_fs::rename(from, to))
}

/// `unlinkat(2)` of a file.
#[track_caller]
pub(crate) fn remove_file(path: PathBuf) -> Op<io::Result<()>> {
    if let Some(ring) = on_ring::current() {
        if let Some(c) = c_path(&path) {
            return on_ring::unlink(ring, c, false);
        }
    }
    Op::blocking(move || std_fs::remove_file(path))
}

/// `unlinkat(2)` of an empty directory (`AT_REMOVEDIR`).
#[track_caller]
pub(crate) fn remove_dir(path: PathBuf) -> Op<io::Result<()>> {
    if let Some(ring) = on_ring::current() {
        if let Some(c) = c_path(&path) {
            return on_ring::unlink(ring, c, true);
        }
    }
    Op::blocking(move || std_fs::remove_dir(path))
}

/// A directory and everything in it (`std::fs::remove_dir_all`, which does
/// not follow symbolic links).
#[track_caller]
pub(crate) fn remove_dir_all(path: PathBuf) -> Op<io::Result<()>> {
    Op::blocking(move || std_fs::remove_dir_all(path))
}

/// `mkdir(2)` with `mode` (default `0o777`, std's), or with `recursive`
/// each missing parent first (`std::fs::DirBuilder::create`, on the pool).
#[track_caller]
pub(crate) fn create_dir(path: PathBuf, recursive: bool, mode: Option<u32>) -> Op<io::Result<()>> {
    /// std's `DirBuilder` mode.
    const DEFAULT_MODE: u32 = 0o777;
    if !recursive {
        if let Some(ring) = on_ring::current() {
            if let Some(c) = c_path(&path) {
                return on_ring::mkdir(ring, c, mode.unwrap_or(DEFAULT_MODE));
            }
        }
    }
    Op::blocking(move || {
        let mut builder = std_fs::DirBuilder::new();
        builder.recursive(recursive);
        if let Some(mode) = mode {
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
        }
        builder.create(path)
    })
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

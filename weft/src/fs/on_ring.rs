//! The io_uring side of [`ops`](super::ops): the operations `ops` routes
//! to the calling thread's ring (see its design note for which, and why
//! the others stay on the blocking pool).
//!
//! Each function takes the [`Ring`] that `ops` got from
//! [`current`] for this one call, submits the operation, and returns an
//! [`Op`] that resolves to what the blocking-pool version returns, with
//! std's errors (the kernel's `errno`, as std's calls give it).
//! Multi-step calls (`write`'s loop, `write_file`) ask [`current`] again
//! for each step, so a task that moved to another worker submits to that
//! worker's ring.

use std::ffi::CString;
use std::fs::File as StdFile;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;

use super::ops::{FileRef, Op};
pub(super) use crate::runtime::uring::Ring;

/// The ring the calling thread submits to, if the current runtime runs
/// `fs` on io_uring.
pub(super) fn current() -> Option<Ring> {
    crate::runtime::uring::current_ring()
}

/// Submits what the calling thread's ring batched, now (see
/// `Ring::submit_now`).
pub(super) fn submit_now(ring: &Ring) {
    ring.submit_now();
}

/// The calling thread's ring for the next step of an operation begun on
/// `first` (the same runtime's: `first` if this thread has none).
fn next(first: &Ring) -> Ring {
    current().unwrap_or_else(|| first.clone())
}

/// std's `write_all` error for a write that wrote nothing.
fn write_zero() -> io::Error {
    io::Error::new(io::ErrorKind::WriteZero, "failed to write whole buffer")
}

/// `openat(AT_FDCWD, path, flags | O_CLOEXEC, mode)`; completes even if
/// dropped (it may create or truncate the file), and then closes what it
/// opened.
pub(super) fn open(ring: Ring, path: CString, flags: i32, mode: u32) -> Op<io::Result<StdFile>> {
    let op = ring.open(path, flags, mode).run_to_completion();
    Op::ring(async move { op.await.map(StdFile::from) })
}

/// Up to `len` bytes at the file position, appended to `buf`. A dropped
/// read is cancelled: nothing but its buffer would see the bytes.
pub(super) fn read(
    ring: Ring,
    file: &FileRef,
    buf: Vec<u8>,
    len: usize,
) -> Op<(io::Result<usize>, Vec<u8>)> {
    let op = ring.read(Arc::clone(file), buf, len, None);
    Op::ring(async move {
        let (result, _file, buf) = op.await;
        (result, buf)
    })
}

/// All of `buf` at the file position (std's `write_all`: a short write
/// continues with the rest, an interrupted one is retried, a write of
/// nothing is `WriteZero`). Each write, once submitted, completes even if
/// the `Op` is dropped.
pub(super) fn write(ring: Ring, file: &FileRef, buf: Vec<u8>) -> Op<(io::Result<()>, Vec<u8>)> {
    let write = write_all(ring, Arc::clone(file), buf, None);
    Op::ring(async move {
        let (result, _file, buf) = write.await;
        (result, buf)
    })
}

/// The loop of [`write`] and [`write_file`]: `buf` written whole, at the
/// file position (`offset` `None`) or from `offset` on.
async fn write_all<F: AsRawFd + Send + Sync + 'static>(
    first: Ring,
    mut fd: F,
    mut buf: Vec<u8>,
    offset: Option<u64>,
) -> (io::Result<()>, F, Vec<u8>) {
    let mut start = 0;
    while start < buf.len() {
        let at = offset.map(|offset| offset + start as u64);
        let result;
        (result, fd, buf) = next(&first)
            .write(fd, buf, start, at)
            .run_to_completion()
            .await;
        match result {
            Ok(0) => return (Err(write_zero()), fd, buf),
            Ok(n) => start += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (Err(e), fd, buf),
        }
    }
    (Ok(()), fd, buf)
}

/// `fsync`, or `fdatasync` with `data_only`; completes even if dropped.
pub(super) fn fsync(ring: Ring, file: &FileRef, data_only: bool) -> Op<io::Result<()>> {
    let op = ring.fsync(Arc::clone(file), data_only).run_to_completion();
    Op::ring(async move { op.await.0 })
}

/// The whole file (`std::fs::read`), open and first read in one
/// submission (`Ring::read_file`).
pub(super) fn read_file(ring: Ring, path: CString) -> Op<io::Result<Vec<u8>>> {
    Op::ring(async move { ring.read_file(path).await })
}

/// `std::fs::write`: open write-only, created, truncated (mode `0o666`
/// before the umask), write all of `contents`, close.
pub(super) fn write_file(ring: Ring, path: CString, contents: Vec<u8>) -> Op<io::Result<()>> {
    let flags = crate::sys::OPEN_WRITE_TRUNCATE;
    let open = ring.open(path, flags, 0o666).run_to_completion();
    Op::ring(async move {
        let fd: OwnedFd = open.await?;
        // From offset 0: the file was just truncated and no one else
        // writes through this descriptor.
        let (result, fd, _contents) = write_all(ring.clone(), fd, contents, Some(0)).await;
        // Through the ring too (closing may wait for a network file
        // system to flush); std ignores a close's error here as well.
        let _ = next(&ring).close(fd).run_to_completion().await;
        result
    })
}

/// `renameat(2)`; completes even if dropped.
pub(super) fn rename(ring: Ring, from: CString, to: CString) -> Op<io::Result<()>> {
    let op = ring.rename(from, to).run_to_completion();
    Op::ring(op)
}

/// `unlinkat(2)` of a file, or of an empty directory with `dir`;
/// completes even if dropped.
pub(super) fn unlink(ring: Ring, path: CString, dir: bool) -> Op<io::Result<()>> {
    let op = ring.unlink(path, dir).run_to_completion();
    Op::ring(op)
}

/// `mkdirat(2)` with `mode`; completes even if dropped.
pub(super) fn mkdir(ring: Ring, path: CString, mode: u32) -> Op<io::Result<()>> {
    let op = ring.mkdir(path, mode).run_to_completion();
    Op::ring(op)
}

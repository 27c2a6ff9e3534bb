//! The operations: what each submits, and what it gives back.

use super::op::{repeat_if_cancelled, Chain, Discard, Operation};
use super::ring::{DirectFile, RingInner};
use io_uring::{opcode, squeue, types};
use std::ffi::CString;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};

/// The most one read or write asks for (the kernel caps a single
/// transfer just below 2 GiB; a caller loops for more).
pub(crate) const MAX_TRANSFER: usize = 1 << 30;

/// The result of a completion as `io::Result` (negative: `-errno`).
pub(crate) fn cqe_result(result: i32) -> io::Result<u32> {
    if result < 0 {
        Err(io::Error::from_raw_os_error(-result))
    } else {
        Ok(result as u32)
    }
}

/// The offset an SQE carries: `-1` means the file's current position.
fn offset_arg(offset: Option<u64>) -> u64 {
    offset.unwrap_or(u64::MAX)
}

/// `openat(AT_FDCWD, path, flags, mode)`; the descriptor is close-on-exec
/// as std opens them.
pub(crate) struct OpenAt {
    pub(super) path: CString,
    pub(super) flags: i32,
    pub(super) mode: u32,
}

impl Discard for OpenAt {
    /// A file opened for a dropped future is closed.
    fn discard(&mut self, _position: usize, result: i32, _ring: &mut RingInner) {
        if result >= 0 {
            // SAFETY: the kernel just opened `result` for this operation,
            // and nothing else knows it.
            drop(unsafe { OwnedFd::from_raw_fd(result) });
        }
    }
}

impl Operation for OpenAt {
    type Output = io::Result<OwnedFd>;

    // Rule 10: the data owns what the entry names (its path).
    fn orphan_repeat(&mut self, result: i32) -> Option<squeue::Entry> {
        repeat_if_cancelled(self, result)
    }

    fn entries(&mut self) -> Chain {
        Chain::one(
            opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), self.path.as_ptr())
                .flags(self.flags | libc::O_CLOEXEC)
                .mode(self.mode)
                .build(),
        )
    }

    fn complete(self, results: &[i32]) -> io::Result<OwnedFd> {
        let fd = cqe_result(results[0])? as i32;
        // SAFETY: the kernel opened `fd` for this operation.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

/// `pread` (or `read` at the current position) into the spare capacity of
/// `buf`, after its initialized bytes.
pub(crate) struct Read<F> {
    pub(super) fd: F,
    pub(super) buf: Vec<u8>,
    pub(super) len: usize,
    pub(super) offset: Option<u64>,
}

impl<F: Send + 'static> Discard for Read<F> {}

impl<F: AsRawFd + Send + 'static> Operation for Read<F> {
    type Output = (io::Result<usize>, F, Vec<u8>);

    fn entries(&mut self) -> Chain {
        let spare = self.buf.spare_capacity_mut();
        Chain::one(
            opcode::Read::new(
                types::Fd(self.fd.as_raw_fd()),
                spare.as_mut_ptr().cast::<u8>(),
                self.len as u32,
            )
            .offset(offset_arg(self.offset))
            .build(),
        )
    }

    fn complete(mut self, results: &[i32]) -> Self::Output {
        let result = cqe_result(results[0]).map(|n| {
            let n = n as usize;
            // SAFETY: the kernel wrote `n <= len` bytes into the spare
            // capacity, which `Ring::read` made at least `len` long.
            unsafe { self.buf.set_len(self.buf.len() + n) };
            n
        });
        (result, self.fd, self.buf)
    }
}

/// `pwrite` (or `write` at the current position) of `buf[start..]`.
pub(crate) struct Write<F> {
    pub(super) fd: F,
    pub(super) buf: Vec<u8>,
    pub(super) start: usize,
    pub(super) offset: Option<u64>,
}

impl<F: Send + 'static> Discard for Write<F> {}

impl<F: AsRawFd + Send + 'static> Operation for Write<F> {
    type Output = (io::Result<usize>, F, Vec<u8>);

    // Rule 10: the data owns what the entry names (its file, which `F` keeps open, and its bytes).
    fn orphan_repeat(&mut self, result: i32) -> Option<squeue::Entry> {
        repeat_if_cancelled(self, result)
    }

    fn entries(&mut self) -> Chain {
        let bytes = &self.buf[self.start..];
        let len = bytes.len().min(MAX_TRANSFER);
        Chain::one(
            opcode::Write::new(types::Fd(self.fd.as_raw_fd()), bytes.as_ptr(), len as u32)
                .offset(offset_arg(self.offset))
                .build(),
        )
    }

    fn complete(self, results: &[i32]) -> Self::Output {
        let result = cqe_result(results[0]).map(|n| n as usize);
        (result, self.fd, self.buf)
    }
}

/// `fsync`, or `fdatasync` with `data_only`.
pub(crate) struct Fsync<F> {
    pub(super) fd: F,
    pub(super) data_only: bool,
}

impl<F: Send + 'static> Discard for Fsync<F> {}

impl<F: AsRawFd + Send + 'static> Operation for Fsync<F> {
    type Output = (io::Result<()>, F);

    // Rule 10: the data owns what the entry names (its file, which `F` keeps open).
    fn orphan_repeat(&mut self, result: i32) -> Option<squeue::Entry> {
        repeat_if_cancelled(self, result)
    }

    fn entries(&mut self) -> Chain {
        let flags = if self.data_only {
            types::FsyncFlags::DATASYNC
        } else {
            types::FsyncFlags::empty()
        };
        Chain::one(
            opcode::Fsync::new(types::Fd(self.fd.as_raw_fd()))
                .flags(flags)
                .build(),
        )
    }

    fn complete(self, results: &[i32]) -> Self::Output {
        (cqe_result(results[0]).map(drop), self.fd)
    }
}

/// What every `statx` here asks for: what `std::fs::Metadata` reports.
const STATX_MASK: u32 = libc::STATX_BASIC_STATS | libc::STATX_BTIME;

/// `statx` of a path (following a final symlink unless told not to), or of
/// an open descriptor (`AT_EMPTY_PATH`).
pub(crate) struct Statx<F> {
    pub(super) fd: Option<F>,
    pub(super) path: CString,
    pub(super) follow_symlinks: bool,
    pub(super) buf: Box<MaybeUninit<libc::statx>>,
}

impl<F: Send + 'static> Discard for Statx<F> {}

impl<F: AsRawFd + Send + 'static> Operation for Statx<F> {
    type Output = (io::Result<libc::statx>, Option<F>);

    fn entries(&mut self) -> Chain {
        let (dirfd, mut flags) = match &self.fd {
            Some(fd) => (fd.as_raw_fd(), libc::AT_EMPTY_PATH),
            None => (libc::AT_FDCWD, 0),
        };
        if !self.follow_symlinks {
            flags |= libc::AT_SYMLINK_NOFOLLOW;
        }
        Chain::one(
            opcode::Statx::new(
                types::Fd(dirfd),
                self.path.as_ptr(),
                self.buf.as_mut_ptr().cast::<types::statx>(),
            )
            .flags(flags)
            .mask(STATX_MASK)
            .build(),
        )
    }

    fn complete(self, results: &[i32]) -> Self::Output {
        let result = cqe_result(results[0]).map(|_| {
            // SAFETY: a successful statx filled the buffer.
            unsafe { self.buf.assume_init_read() }
        });
        (result, self.fd)
    }
}

/// `close`. The descriptor is the kernel's to close once submitted.
pub(crate) struct Close {
    pub(super) fd: Option<OwnedFd>,
}

impl Discard for Close {
    fn discard(&mut self, _position: usize, _result: i32, _ring: &mut RingInner) {
        // The kernel closed it (or refused a descriptor that was bad).
        self.fd.take().map(IntoRawFd::into_raw_fd);
    }
}

impl Operation for Close {
    type Output = io::Result<()>;
    // An `ECANCELED` close may have released the descriptor already: it
    // is returned (a descriptor left open is the lesser harm).
    const REPEATED_IF_CANCELLED: bool = false;

    fn entries(&mut self) -> Chain {
        let fd = self.fd.as_ref().expect("a close has its descriptor until completion");
        Chain::one(opcode::Close::new(types::Fd(fd.as_raw_fd())).build())
    }

    fn complete(mut self, results: &[i32]) -> io::Result<()> {
        self.fd.take().map(IntoRawFd::into_raw_fd);
        cqe_result(results[0]).map(drop)
    }
}

/// `renameat(AT_FDCWD, from, AT_FDCWD, to)`.
pub(crate) struct Rename {
    pub(super) from: CString,
    pub(super) to: CString,
}

impl Discard for Rename {}

impl Operation for Rename {
    type Output = io::Result<()>;

    // Rule 10: the data owns what the entry names (its paths).
    fn orphan_repeat(&mut self, result: i32) -> Option<squeue::Entry> {
        repeat_if_cancelled(self, result)
    }

    fn entries(&mut self) -> Chain {
        Chain::one(
            opcode::RenameAt::new(
                types::Fd(libc::AT_FDCWD),
                self.from.as_ptr(),
                types::Fd(libc::AT_FDCWD),
                self.to.as_ptr(),
            )
            .build(),
        )
    }

    fn complete(self, results: &[i32]) -> io::Result<()> {
        cqe_result(results[0]).map(drop)
    }
}

/// `unlinkat(AT_FDCWD, path, dir ? AT_REMOVEDIR : 0)`.
pub(crate) struct Unlink {
    pub(super) path: CString,
    pub(super) dir: bool,
}

impl Discard for Unlink {}

impl Operation for Unlink {
    type Output = io::Result<()>;

    // Rule 10: the data owns what the entry names (its path).
    fn orphan_repeat(&mut self, result: i32) -> Option<squeue::Entry> {
        repeat_if_cancelled(self, result)
    }

    fn entries(&mut self) -> Chain {
        let flags = if self.dir { libc::AT_REMOVEDIR } else { 0 };
        Chain::one(
            opcode::UnlinkAt::new(types::Fd(libc::AT_FDCWD), self.path.as_ptr())
                .flags(flags)
                .build(),
        )
    }

    fn complete(self, results: &[i32]) -> io::Result<()> {
        cqe_result(results[0]).map(drop)
    }
}

/// `mkdirat(AT_FDCWD, path, mode)`.
pub(crate) struct Mkdir {
    pub(super) path: CString,
    pub(super) mode: u32,
}

impl Discard for Mkdir {}

impl Operation for Mkdir {
    type Output = io::Result<()>;

    // Rule 10: the data owns what the entry names (its path).
    fn orphan_repeat(&mut self, result: i32) -> Option<squeue::Entry> {
        repeat_if_cancelled(self, result)
    }

    fn entries(&mut self) -> Chain {
        Chain::one(
            opcode::MkDirAt::new(types::Fd(libc::AT_FDCWD), self.path.as_ptr())
                .mode(self.mode)
                .build(),
        )
    }

    fn complete(self, results: &[i32]) -> io::Result<()> {
        cqe_result(results[0]).map(drop)
    }
}

/// The first step of `read_file`, one submission of three linked SQEs:
/// open `path` into a direct descriptor; read up to `len` bytes at the
/// file position (0); then, whatever that read returned (a hard link), a
/// second read of up to `probe` bytes at the new position, into the
/// buffer's spare capacity after those `len` bytes. A file shorter than
/// `len` makes the second read return nothing: its end is found in the
/// same submission, where a second submission would be needed otherwise.
pub(crate) struct OpenRead {
    pub(super) path: CString,
    pub(super) file: DirectFile,
    /// Spare capacity of at least `len + probe` bytes.
    pub(super) buf: Vec<u8>,
    pub(super) len: usize,
    pub(super) probe: usize,
}

/// What the first step of `read_file` found.
pub(crate) struct OpenReadOutput {
    pub(super) open: io::Result<()>,
    pub(super) read: io::Result<usize>,
    /// The second read returned nothing: `buf` holds the whole file.
    pub(super) at_end: bool,
    pub(super) file: DirectFile,
    pub(super) buf: Vec<u8>,
}

impl Discard for OpenRead {
    fn discard(&mut self, position: usize, result: i32, _ring: &mut RingInner) {
        if position == 0 && result >= 0 {
            // The slot holds a file now. It is closed (through the ring)
            // when the data is dropped, once every read of the chain has
            // completed: a read not yet started when the open's completion
            // arrives resolves the slot only then, and must not find it
            // closed and reused by another file (whose position it would
            // move).
            self.file.opened = true;
        }
    }
}

impl Operation for OpenRead {
    type Output = OpenReadOutput;

    fn entries(&mut self) -> Chain {
        let slot = types::DestinationSlot::try_from_slot_target(self.file.slot)
            .expect("direct-descriptor slots are small");
        let open = opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), self.path.as_ptr())
            .flags(libc::O_RDONLY)
            .file_index(Some(slot))
            .build();
        let spare = self.buf.spare_capacity_mut();
        assert!(spare.len() >= self.len + self.probe, "room for both reads");
        // At the file position (-1), so the second read starts where the
        // first one stopped, however short it was.
        let read = opcode::Read::new(
            types::Fixed(self.file.slot),
            spare.as_mut_ptr().cast::<u8>(),
            self.len as u32,
        )
        .offset(u64::MAX)
        .build();
        let probe = opcode::Read::new(
            types::Fixed(self.file.slot),
            spare[self.len..].as_mut_ptr().cast::<u8>(),
            self.probe as u32,
        )
        .offset(u64::MAX)
        .build();
        // A short first read fails an ordinary link (the kernel cancels
        // what follows): the probe is hard-linked, so it runs anyway.
        Chain::one(open).then(read).then_always(probe)
    }

    fn complete(mut self, results: &[i32]) -> OpenReadOutput {
        let open = cqe_result(results[0]).map(drop);
        self.file.opened = open.is_ok();
        let start = self.buf.len();
        let read = cqe_result(results[1]).map(|n| {
            let n = n as usize;
            // SAFETY: the kernel wrote `n <= len` bytes into the spare
            // capacity, at least `len` long.
            unsafe { self.buf.set_len(start + n) };
            n
        });
        let mut at_end = false;
        if let (Ok(n), Ok(more)) = (&read, cqe_result(results[2])) {
            let more = more as usize;
            if more == 0 {
                at_end = true;
            } else {
                // The probe's bytes follow the first read's in the file:
                // move them down after those (a no-op unless the first
                // read was short).
                let base = self.buf.as_mut_ptr();
                // SAFETY: the kernel wrote `more <= probe` bytes at `start + len`,
                // inside the capacity (checked in `entries`); `ptr::copy` allows
                // overlap; the bytes before `start + n + more` are initialized.
                unsafe {
                    std::ptr::copy(base.add(start + self.len), base.add(start + n), more);
                    self.buf.set_len(start + n + more);
                }
            }
        }
        // (A probe that failed is retried by the caller's next read.)
        OpenReadOutput {
            open,
            read,
            at_end,
            file: self.file,
            buf: self.buf,
        }
    }
}

/// A read from a direct descriptor (the later steps of `read_file`).
pub(crate) struct ReadDirect {
    pub(super) file: DirectFile,
    pub(super) buf: Vec<u8>,
    pub(super) len: usize,
    pub(super) offset: u64,
}

impl Discard for ReadDirect {}

impl Operation for ReadDirect {
    type Output = (io::Result<usize>, DirectFile, Vec<u8>);

    fn entries(&mut self) -> Chain {
        let spare = self.buf.spare_capacity_mut();
        Chain::one(
            opcode::Read::new(
                types::Fixed(self.file.slot),
                spare.as_mut_ptr().cast::<u8>(),
                self.len as u32,
            )
            .offset(self.offset)
            .build(),
        )
    }

    fn complete(mut self, results: &[i32]) -> Self::Output {
        let result = cqe_result(results[0]).map(|n| {
            let n = n as usize;
            // SAFETY: as in `Read::complete`.
            unsafe { self.buf.set_len(self.buf.len() + n) };
            n
        });
        (result, self.file, self.buf)
    }
}

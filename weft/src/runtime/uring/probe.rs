//! The probe: can this process use io_uring for `fs`? Asked once per
//! runtime, at build, by building the runtime's rings.

use super::ring::{RingShared, DIRECT_FILES};
use super::Rings;
use crate::loom::{Arc, AtomicUsize, Ordering::Relaxed};
use io_uring::{opcode, IoUring, Probe};
use std::io;

/// Entries of each ring's submission queue (the completion queue has
/// twice as many), unless a test asks for fewer.
pub(crate) const DEFAULT_ENTRIES: u32 = 256;

/// Completion queue entries of a ring that serves sockets: the most
/// operations in flight at once on it (16 B each: 512 KiB per ring).
pub(crate) const SOCKET_CQ_ENTRIES: u32 = 32 * 1024;

/// Crate-internal knobs of the rings, set by tests through the `Builder`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RingConfig {
    /// Submission queue entries per ring (rounded up to a power of two,
    /// and to at least the longest chain).
    pub(crate) entries: u32,
    /// Simulates the kernel refusing `io_uring_setup` with this errno
    /// (`EPERM` from a seccomp filter, `ENOSYS`, `ENOMEM` from
    /// `RLIMIT_MEMLOCK`), so the fallback is tested.
    pub(crate) refuse_with: Option<i32>,
    /// Whether the owner's only ready task submits at once (rule 7,
    /// `Submitter::OwnerAlone`); tests that need an operation pushed and
    /// not yet submitted turn it off.
    pub(crate) submit_alone_at_once: bool,
    /// Simulates a kernel that has io_uring but not what the sockets
    /// need (tests of the fallback to epoll).
    pub(crate) refuse_sockets: bool,
}

impl Default for RingConfig {
    fn default() -> RingConfig {
        RingConfig {
            entries: DEFAULT_ENTRIES,
            refuse_with: None,
            submit_alone_at_once: true,
            refuse_sockets: false,
        }
    }
}

/// The opcodes the engine uses: a kernel that lacks one is not used.
const REQUIRED: [(u8, &str); 10] = [
    (opcode::OpenAt::CODE, "openat"),
    (opcode::Read::CODE, "read"),
    (opcode::Write::CODE, "write"),
    (opcode::Fsync::CODE, "fsync"),
    (opcode::Statx::CODE, "statx"),
    (opcode::Close::CODE, "close"),
    (opcode::RenameAt::CODE, "renameat"),
    (opcode::UnlinkAt::CODE, "unlinkat"),
    (opcode::MkDirAt::CODE, "mkdirat"),
    (opcode::AsyncCancel::CODE, "async_cancel"),
];

/// The opcodes the stream sockets use besides those (multishot accept and
/// provided buffer rings are checked apart: `BufferPool::kernel_supports`).
const REQUIRED_FOR_SOCKETS: [(u8, &str); 6] = [
    (opcode::Recv::CODE, "recv"),
    (opcode::Send::CODE, "send"),
    (opcode::Accept::CODE, "accept"),
    (opcode::Connect::CODE, "connect"),
    (opcode::Shutdown::CODE, "shutdown"),
    (opcode::PollAdd::CODE, "poll_add"),
];

/// Builds `count` rings for the scheduler threads and one for every
/// other thread (`Rings::others`), or says why io_uring cannot be used: setup
/// refused (`EPERM`, `ENOSYS`, `ENOMEM`, ...), no probe (kernels before
/// 5.6), or a required opcode missing.
/// With `sockets`, also checks what the stream sockets need (their
/// opcodes, provided buffer rings) and says in `Rings::sockets` whether
/// the kernel has it.
pub(crate) fn build_rings(count: usize, config: RingConfig, sockets: bool) -> io::Result<Rings> {
    if let Some(errno) = config.refuse_with {
        return Err(io::Error::from_raw_os_error(errno));
    }
    // A linked chain must fit in the submission queue at once.
    let entries = config
        .entries
        .max(super::op::MAX_CHAIN as u32)
        .next_power_of_two();
    static NEXT_ID: AtomicUsize = AtomicUsize::new(1);
    let id = NEXT_ID.fetch_add(1, Relaxed);
    // One more than the scheduler threads: the ring of every other thread
    // (`Rings::others`).
    let count = count + 1;
    let mut rings = Vec::with_capacity(count);
    let mut socket_support = false;
    for index in 0..count {
        // Sockets keep a receive in flight per connection that waits for
        // data: the completion queue, which bounds what is in flight (rule
        // 6), must hold one per connection of the worker.
        let cq_entries = if sockets { SOCKET_CQ_ENTRIES.max(entries * 2) } else { entries * 2 };
        let uring = if sockets {
            build_socket_ring(cq_entries, entries)?
        } else {
            IoUring::builder().setup_cqsize(cq_entries).build(entries)?
        };
        if index == 0 {
            check_opcodes(&uring, &REQUIRED)?;
            socket_support = sockets
                && !config.refuse_sockets
                && check_opcodes(&uring, &REQUIRED_FOR_SOCKETS).is_ok()
                && super::buffers::BufferPool::kernel_supports(&uring);
        }
        // Direct descriptors (5.19) make `read_file` one submission; a
        // kernel without them gets the longer path (`Ring::read_file`).
        let direct = uring
            .submitter()
            .register_files_sparse(DIRECT_FILES)
            .is_ok();
        let mut ring = RingShared::new(uring, index, id, direct);
        ring.submit_alone_at_once = config.submit_alone_at_once;
        ring.unowned = index == count - 1;
        rings.push(Arc::new(ring));
    }
    Ok(Rings {
        id,
        rings: rings.into_boxed_slice(),
        files: false,
        sockets: socket_support,
    })
}

/// A ring for sockets: completions are posted without interrupting the
/// thread that submitted the operation while it runs in user space
/// (`IORING_SETUP_COOP_TASKRUN`, Linux 5.19), so a send to a socket whose
/// receive another worker owns costs that worker no interrupt; it posts
/// the completion at its next system call, or at once if it sleeps (the
/// kernel wakes an interruptible sleeper either way). `TASKRUN_FLAG` says
/// when such completions wait, so the owner's check enters the kernel for
/// them (`RingInner::submit`). Older kernels refuse the flags
/// (`EINVAL`): the ring is built without them.
fn build_socket_ring(cq_entries: u32, entries: u32) -> io::Result<IoUring> {
    let coop = IoUring::builder()
        .setup_cqsize(cq_entries)
        .setup_coop_taskrun()
        .setup_taskrun_flag()
        .build(entries);
    match coop {
        Err(err) if err.raw_os_error() == Some(libc::EINVAL) => {
            IoUring::builder().setup_cqsize(cq_entries).build(entries)
        }
        other => other,
    }
}

fn check_opcodes(uring: &IoUring, required: &[(u8, &str)]) -> io::Result<()> {
    let mut probe = Probe::new();
    uring.submitter().register_probe(&mut probe)?;
    for &(code, name) in required {
        if !probe.is_supported(code) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("io_uring: the kernel lacks the {name} operation"),
            ));
        }
    }
    Ok(())
}

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
}

impl Default for RingConfig {
    fn default() -> RingConfig {
        RingConfig {
            entries: DEFAULT_ENTRIES,
            refuse_with: None,
            submit_alone_at_once: true,
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

/// Builds `count` rings, or says why io_uring cannot be used: setup
/// refused (`EPERM`, `ENOSYS`, `ENOMEM`, ...), no probe (kernels before
/// 5.6), or a required opcode missing.
pub(crate) fn build_rings(count: usize, config: RingConfig) -> io::Result<Rings> {
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
    let mut rings = Vec::with_capacity(count);
    for index in 0..count {
        let uring = IoUring::builder()
            .setup_cqsize(entries * 2)
            .build(entries)?;
        if index == 0 {
            check_opcodes(&uring)?;
        }
        // Direct descriptors (5.19) make `read_file` one submission; a
        // kernel without them gets the longer path (`Ring::read_file`).
        let direct = uring
            .submitter()
            .register_files_sparse(DIRECT_FILES)
            .is_ok();
        let mut ring = RingShared::new(uring, index, id, direct);
        ring.submit_alone_at_once = config.submit_alone_at_once;
        rings.push(Arc::new(ring));
    }
    Ok(Rings {
        id,
        rings: rings.into_boxed_slice(),
    })
}

fn check_opcodes(uring: &IoUring) -> io::Result<()> {
    let mut probe = Probe::new();
    uring.submitter().register_probe(&mut probe)?;
    for (code, name) in REQUIRED {
        if !probe.is_supported(code) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("io_uring: the kernel lacks the {name} operation"),
            ));
        }
    }
    Ok(())
}

//! What every Unix offers through the same POSIX calls, shared by
//! `linux.rs` and `fallback.rs` (the module note says why each exists).

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::RawFd;

/// A plain `recv` into `buf` (which may be uninitialized: the kernel only
/// writes it).
pub(crate) fn recv(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `buf` is writable for its whole length, which is the length
    // given; `fd` is the caller's socket (a closed one gives `EBADF`).
    let read = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    if read < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(read as usize)
}

/// A plain `readv` into `bufs`.
pub(crate) fn recv_vectored(fd: RawFd, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
    let count = libc::c_int::try_from(bufs.len()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `IoSliceMut` is ABI-compatible with `iovec` on Unix (std
    // guarantees it); each is a writable buffer of its length, and `count`
    // is at most their number.
    let read = unsafe { libc::readv(fd, bufs.as_ptr().cast(), count) };
    if read < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(read as usize)
}

/// Whether `err` is a non-blocking `connect` still in progress
/// (`EINPROGRESS`): the connection completes in the background.
pub(crate) fn is_in_progress(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::EINPROGRESS)
}

/// Whether `err` says the process or the system ran out of a resource
/// (descriptors, buffers, memory; `ENOSPC`: epoll's limit on watches): a
/// reason to pause and retry, not to give up.
#[cfg(feature = "net")]
pub(crate) fn is_out_of_resources(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM | libc::ENOSPC)
    )
}

/// The POSIX part of `is_accepted_connection_error`: a network error
/// pending on the connection being accepted (Linux hands these to
/// `accept(2)`, whose manual says to treat them as `EAGAIN`), or a
/// firewall rule refusing that one connection (`EPERM`).
#[cfg(feature = "net")]
pub(super) fn is_pending_network_error(errno: i32) -> bool {
    matches!(
        errno,
        libc::EPROTO
            | libc::ENOPROTOOPT
            | libc::ENETDOWN
            | libc::ENETUNREACH
            | libc::EHOSTDOWN
            | libc::EHOSTUNREACH
            | libc::EPERM
            | libc::ETIMEDOUT
    )
}

#[cfg(feature = "signal")]
pub(crate) use signal::*;

#[cfg(feature = "signal")]
mod signal {
    use std::ffi::{c_int, c_void};
    use std::io;
    use std::os::fd::RawFd;

    /// What the kernel passes a handler installed with `SA_SIGINFO`.
    pub(crate) type SigInfo = libc::siginfo_t;

    /// A signal handler with the `SA_SIGINFO` signature.
    pub(crate) type SignalHandler = extern "C" fn(c_int, *mut SigInfo, *mut c_void);

    /// A signal's disposition, as the kernel reported it: default, ignore,
    /// or a handler function (which [`chain`](Disposition::chain) calls).
    #[derive(Clone, Copy)]
    pub(crate) struct Disposition(libc::sigaction);

    impl Disposition {
        /// The current disposition of `signum` (`sigaction` with no new
        /// action).
        pub(crate) fn current(signum: c_int) -> io::Result<Disposition> {
            // SAFETY: an all-zero `sigaction` is a valid value (SIG_DFL, no
            // flags, an empty mask).
            let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
            // SAFETY: a null new action only queries the current one into
            // `current`, a valid, writable `sigaction`.
            if unsafe { libc::sigaction(signum, std::ptr::null(), &mut current) } != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(Disposition(current))
        }

        /// Whether the disposition is a handler function (not `SIG_DFL` or
        /// `SIG_IGN`).
        pub(crate) fn is_handler(&self) -> bool {
            let address = self.0.sa_sigaction;
            address != libc::SIG_DFL && address != libc::SIG_IGN
        }

        /// Calls the disposition's handler, if it is a function, with the
        /// signature its `SA_SIGINFO` flag says. Async-signal-safe.
        ///
        /// # Safety
        ///
        /// `self` must be a disposition the kernel reported for `signum`
        /// (so its handler field is `SIG_DFL`, `SIG_IGN`, or a function
        /// with the signature its flags say), and `info`/`context` the
        /// arguments the kernel passed to the current handler invocation.
        pub(crate) unsafe fn chain(&self, signum: c_int, info: *mut SigInfo, context: *mut c_void) {
            if !self.is_handler() {
                return;
            }
            let address = self.0.sa_sigaction;
            if self.0.sa_flags & libc::SA_SIGINFO != 0 {
                // SAFETY: the caller guarantees that with `SA_SIGINFO` the
                // field holds a function of this signature.
                let action: SignalHandler =
                    unsafe { std::mem::transmute::<usize, SignalHandler>(address) };
                action(signum, info, context);
            } else {
                type Handler = extern "C" fn(c_int);
                // SAFETY: the caller guarantees that without `SA_SIGINFO`
                // the field holds a function of this signature.
                let handler: Handler = unsafe { std::mem::transmute::<usize, Handler>(address) };
                handler(signum);
            }
        }
    }

    impl std::fmt::Debug for Disposition {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Disposition")
                .field("handler", &self.0.sa_sigaction)
                .field("flags", &self.0.sa_flags)
                .finish_non_exhaustive()
        }
    }

    /// Makes `handler` the disposition of `signum`, with `SA_SIGINFO` and
    /// `SA_RESTART` (interrupted system calls resume) and no signal
    /// blocked while it runs beyond `signum` itself.
    pub(crate) fn set_signal_handler(signum: c_int, handler: SignalHandler) -> io::Result<()> {
        // SAFETY: an all-zero `sigaction` is a valid value.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = handler as usize;
        action.sa_flags = libc::SA_RESTART | libc::SA_SIGINFO;
        // SAFETY: `sa_mask` is a valid, writable `sigset_t`.
        unsafe { libc::sigemptyset(&mut action.sa_mask) };
        // SAFETY: `action` is a fully initialized `sigaction` whose handler
        // has the `SA_SIGINFO` signature; the old action is not wanted.
        if unsafe { libc::sigaction(signum, &action, std::ptr::null_mut()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Writes `byte` to `fd` with one `write(2)`, as a signal handler may
    /// (async-signal-safe: no allocation, no lock). Returns whether the
    /// byte was written; a failure (a full non-blocking pipe: `EAGAIN`)
    /// sets `errno`, which the handler restores.
    pub(crate) fn write_in_signal_handler(fd: RawFd, byte: u8) -> bool {
        // SAFETY: `byte` is readable for the one byte written; a descriptor
        // that is not open gives `EBADF`, nothing worse.
        unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) == 1 }
    }

    /// The calling thread's `errno`.
    pub(crate) fn errno() -> c_int {
        // SAFETY: `errno_location` is the thread's valid `errno` slot.
        unsafe { *errno_location() }
    }

    /// Sets the calling thread's `errno` (a signal handler restores it).
    pub(crate) fn set_errno(value: c_int) {
        // SAFETY: `errno_location` is the thread's valid `errno` slot.
        unsafe { *errno_location() = value };
    }

    // Each C library names the accessor of the thread's `errno` slot its
    // own way; every one returns a pointer valid for the calling thread's
    // whole life.

    #[cfg(any(
        target_os = "linux",
        target_os = "dragonfly",
        target_os = "hurd",
        target_os = "redox",
        target_os = "emscripten"
    ))]
    fn errno_location() -> *mut c_int {
        // SAFETY: no preconditions; returns the calling thread's slot.
        unsafe { libc::__errno_location() }
    }

    #[cfg(any(
        target_os = "android",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "cygwin"
    ))]
    fn errno_location() -> *mut c_int {
        // SAFETY: no preconditions; returns the calling thread's slot.
        unsafe { libc::__errno() }
    }

    #[cfg(any(target_vendor = "apple", target_os = "freebsd"))]
    fn errno_location() -> *mut c_int {
        // SAFETY: no preconditions; returns the calling thread's slot.
        unsafe { libc::__error() }
    }

    #[cfg(any(target_os = "solaris", target_os = "illumos"))]
    fn errno_location() -> *mut c_int {
        // SAFETY: no preconditions; returns the calling thread's slot.
        unsafe { libc::___errno() }
    }

    #[cfg(target_os = "haiku")]
    fn errno_location() -> *mut c_int {
        // SAFETY: no preconditions; returns the calling thread's slot.
        unsafe { libc::_errnop() }
    }
}

/// Whether the open file `fd` may be read and written: its access mode
/// (`fcntl(F_GETFL) & O_ACCMODE`; `net::unix::pipe` checks a FIFO's end).
#[cfg(feature = "net")]
pub(crate) fn access_mode(fd: std::os::fd::BorrowedFd<'_>) -> io::Result<(bool, bool)> {
    use std::os::fd::AsRawFd;
    // SAFETY: `F_GETFL` only reads the flags of a descriptor the caller
    // holds open (the `BorrowedFd` says so).
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    let mode = flags & libc::O_ACCMODE;
    Ok((
        mode == libc::O_RDONLY || mode == libc::O_RDWR,
        mode == libc::O_WRONLY || mode == libc::O_RDWR,
    ))
}

/// Makes `options` open in non-blocking mode (`O_NONBLOCK`): opening a
/// FIFO then never waits for the other end.
#[cfg(feature = "net")]
pub(crate) fn open_nonblocking(options: &mut std::fs::OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    options.custom_flags(libc::O_NONBLOCK);
}

/// The access options of `fs::OpenOptions`, as std keeps them.
#[cfg(feature = "fs")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OpenAccess {
    pub(crate) read: bool,
    pub(crate) write: bool,
    pub(crate) append: bool,
    pub(crate) truncate: bool,
    pub(crate) create: bool,
    pub(crate) create_new: bool,
    pub(crate) custom_flags: i32,
}

/// The `open(2)` flags std's `OpenOptions::open` passes for `access`
/// (std's `get_access_mode | get_creation_mode | custom_flags` without
/// the access-mode bits), without `O_CLOEXEC`; `None` for a combination
/// std refuses (then std's own call gives std's own error).
#[cfg(feature = "fs")]
pub(crate) fn open_flags(access: &OpenAccess) -> Option<i32> {
    let mode = match (access.read, access.write, access.append) {
        (true, false, false) => libc::O_RDONLY,
        (false, true, false) => libc::O_WRONLY,
        (true, true, false) => libc::O_RDWR,
        (false, _, true) => libc::O_WRONLY | libc::O_APPEND,
        (true, _, true) => libc::O_RDWR | libc::O_APPEND,
        (false, false, false) => return None,
    };
    let creating = access.truncate || access.create || access.create_new;
    match (access.write, access.append) {
        (true, false) => {}
        (false, false) if creating => return None,
        (false, false) => {}
        (_, true) if access.truncate && !access.create_new => return None,
        (_, true) => {}
    }
    let creation = match (access.create, access.truncate, access.create_new) {
        (false, false, false) => 0,
        (true, false, false) => libc::O_CREAT,
        (false, true, false) => libc::O_TRUNC,
        (true, true, false) => libc::O_CREAT | libc::O_TRUNC,
        (_, _, true) => libc::O_CREAT | libc::O_EXCL,
    };
    Some(mode | creation | (access.custom_flags & !libc::O_ACCMODE))
}

/// The flags of `std::fs::write`'s open: write-only, created, truncated.
/// (Used by the io_uring backend only: unused where there are no rings.)
#[cfg(feature = "fs")]
#[allow(dead_code)]
pub(crate) const OPEN_WRITE_TRUNCATE: i32 = libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC;

//! The platform layer on Linux and Android: `timerfd`, `TCP_INQ`,
//! `CLOCK_MONOTONIC_COARSE`, `SO_PEERCRED`, abstract socket names and the
//! real-time signal range (the module note says why each exists).

use std::io;
use std::mem::{size_of, MaybeUninit};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::time::Duration;

// ---- Clocks ----

/// `clock`'s reading in nanoseconds; `None` if it cannot be read.
fn clock_ns(clock: libc::clockid_t) -> Option<u64> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write; both clock ids used here
    // are ones Linux supports (served by the vDSO, no system call).
    if unsafe { libc::clock_gettime(clock, &mut now) } != 0 {
        return None;
    }
    Some((now.tv_sec as u64).saturating_mul(1_000_000_000) + now.tv_nsec as u64)
}

/// `CLOCK_MONOTONIC` in nanoseconds (the clock std's `Instant` reads).
pub(crate) fn monotonic_ns() -> Option<u64> {
    clock_ns(libc::CLOCK_MONOTONIC)
}

/// `CLOCK_MONOTONIC_COARSE` in nanoseconds: the monotonic clock as of the
/// last kernel tick (never ahead of [`monotonic_ns`], at most one tick
/// behind), read without touching the hardware counter.
pub(crate) fn coarse_monotonic_ns() -> Option<u64> {
    clock_ns(libc::CLOCK_MONOTONIC_COARSE)
}

/// The resolution of [`coarse_monotonic_ns`] (one kernel tick) in ns.
#[cfg(not(miri))]
pub(crate) fn coarse_resolution_ns() -> Option<u64> {
    let mut resolution = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `resolution` is a valid timespec to write; Linux supports
    // this clock id.
    if unsafe { libc::clock_getres(libc::CLOCK_MONOTONIC_COARSE, &mut resolution) } != 0 {
        return None;
    }
    Some((resolution.tv_sec as u64).saturating_mul(1_000_000_000) + resolution.tv_nsec as u64)
}

/// Miri cannot ask the kernel (`clock_getres`); it is given the coarsest
/// tick Linux is built with (HZ=100, 10 ms), which only widens the window
/// in which the clock reads the precise time.
#[cfg(miri)]
pub(crate) fn coarse_resolution_ns() -> Option<u64> {
    Some(10_000_000)
}

// ---- Process-wide memory barriers (membarrier) ----

// From the kernel's `linux/membarrier.h` (not in the libc crate).
const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_int = 1 << 3;

/// Registers the process for [`process_barrier`]; `false` where the kernel
/// refuses (before 4.14, or a seccomp filter): the caller then pairs full
/// fences instead. Registering twice is harmless.
#[cfg(not(any(miri, weft_loom)))]
pub(crate) fn register_process_barrier() -> bool {
    const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;
    // SAFETY: membarrier(2) takes two integers and touches no memory of ours.
    let registered = unsafe {
        libc::syscall(
            libc::SYS_membarrier,
            MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
            0,
        )
    };
    registered == 0
}

/// Miri cannot make the system call, and loom models only the fences it
/// knows: no process-wide barriers there.
#[cfg(any(miri, weft_loom))]
pub(crate) fn register_process_barrier() -> bool {
    false
}

/// Makes every running thread of this process pass a full memory barrier
/// before it returns (`membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`);
/// only after [`register_process_barrier`] returned `true`. Returns whether
/// the barrier was made.
pub(crate) fn process_barrier() -> bool {
    // SAFETY: as in `register_process_barrier`.
    let done = unsafe { libc::syscall(libc::SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) };
    done == 0
}

// ---- Precise timer waits ----

/// A non-blocking, close-on-exec `CLOCK_MONOTONIC` timerfd: it becomes
/// readable when the time given to [`set`](TimerFd::set) has passed.
#[derive(Debug)]
pub(crate) struct TimerFd {
    fd: OwnedFd,
}

impl TimerFd {
    /// A new, disarmed timer.
    pub(crate) fn new() -> io::Result<TimerFd> {
        // SAFETY: plain syscall with constant, valid arguments.
        let raw = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if raw < 0 {
            let err = io::Error::last_os_error();
            return Err(io::Error::new(
                err.kind(),
                format!("timerfd_create failed: {err}"),
            ));
        }
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(TimerFd { fd })
    }

    /// Arms the timer to expire once, `after` from now (at least 1 ns:
    /// zero would disarm it), replacing any earlier setting. Each expiry is
    /// a new readiness edge; the expiry count is never read.
    pub(crate) fn set(&self, after: Duration) -> io::Result<()> {
        let (secs, nanos) = if after.is_zero() {
            (0, 1)
        } else {
            (after.as_secs(), after.subsec_nanos())
        };
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: libc::time_t::try_from(secs).unwrap_or(libc::time_t::MAX),
                tv_nsec: nanos as libc::c_long,
            },
        };
        // SAFETY: `self.fd` is a timerfd we own; `spec` is a valid value and
        // the old-value pointer may be null.
        let armed =
            unsafe { libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
        if armed != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl AsRawFd for TimerFd {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

// ---- The receive queue's count (TCP_INQ) ----

/// Turns `TCP_INQ` on for the TCP socket `fd`: its reads through
/// [`recv_inq`] then learn whether they emptied the receive queue. An
/// error (a kernel before 4.18) only means they never learn it.
pub(crate) fn enable_inq(fd: RawFd) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: `on` is a valid `c_int` for the call's duration, and its
    // size is the length given; `fd` is the caller's open socket.
    let result = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INQ,
            (&on as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Room for one `TCP_CM_INQ` message (`CMSG_SPACE(sizeof(int))`), aligned
/// for `cmsghdr`.
#[repr(C, align(8))]
struct Control([u8; 32]);

/// Reads into `buf` (which may be uninitialized: the kernel only writes
/// it). Returns how many bytes came and whether the kernel reported the
/// receive queue empty after the read (only with [`enable_inq`] on, and
/// never for end of stream).
pub(crate) fn recv_inq(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<(usize, bool)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: one vector, over `buf`, writable for its whole length.
    unsafe { recvmsg_inq(fd, &mut iov, 1) }
}

/// As [`recv_inq`], into several buffers.
pub(crate) fn recv_vectored_inq(
    fd: RawFd,
    bufs: &mut [io::IoSliceMut<'_>],
) -> io::Result<(usize, bool)> {
    // SAFETY: `IoSliceMut` is ABI-compatible with `iovec` on Unix (std
    // guarantees it), and each one is a writable buffer of its length.
    unsafe { recvmsg_inq(fd, bufs.as_mut_ptr().cast(), bufs.len()) }
}

/// Reads into `count` vectors; says whether the kernel reported the queue
/// empty (`TCP_CM_INQ`).
///
/// # Safety
///
/// `iov` points at `count` vectors, each over memory writable for its
/// length, all valid for the call.
unsafe fn recvmsg_inq(fd: RawFd, iov: *mut libc::iovec, count: usize) -> io::Result<(usize, bool)> {
    let mut control = Control([0; 32]);
    // SAFETY: all-zero is a valid `msghdr` (null pointers, zero lengths).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iov;
    msg.msg_iovlen = count as _;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = control.0.len() as _;
    // SAFETY: `msg` points at the caller's vectors (valid, per this
    // function's contract) and at `control`, both alive for the call.
    let read = unsafe { libc::recvmsg(fd, &mut msg, 0) };
    if read < 0 {
        return Err(io::Error::last_os_error());
    }
    let read = read as usize;
    // End of stream (0) leaves the readiness alone: it stays readable.
    // Only the kernel's count proves the queue empty (module note).
    let drained = queue_left(&msg) == Some(0);
    Ok((read, read > 0 && drained))
}

/// The `TCP_CM_INQ` value in `msg`'s control data, if the kernel sent one.
fn queue_left(msg: &libc::msghdr) -> Option<libc::c_int> {
    // SAFETY: `msg` came back from `recvmsg`, so its control pointer and
    // length describe what the kernel wrote; the `CMSG_*` helpers stay
    // within that length.
    unsafe {
        let mut header = libc::CMSG_FIRSTHDR(msg);
        while !header.is_null() {
            if (*header).cmsg_level == libc::IPPROTO_TCP && (*header).cmsg_type == libc::TCP_CM_INQ
            {
                return Some(std::ptr::read_unaligned(
                    libc::CMSG_DATA(header).cast::<libc::c_int>(),
                ));
            }
            header = libc::CMSG_NXTHDR(msg, header);
        }
    }
    None
}

// ---- Unix sockets ----

/// The credentials (uid, gid, pid) of the process at the other end of the
/// Unix socket `fd`, as the kernel recorded them when the connection was
/// made (`getsockopt(SO_PEERCRED)`; the pid is always known).
pub(crate) fn peer_cred(fd: RawFd) -> io::Result<(libc::uid_t, libc::gid_t, Option<libc::pid_t>)> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` is a valid, writable `ucred` and `len` holds its size,
    // as `getsockopt(SO_PEERCRED)` requires; `fd` is the caller's socket.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        let err = io::Error::last_os_error();
        return Err(io::Error::new(
            err.kind(),
            format!("UnixStream::peer_cred: getsockopt(SO_PEERCRED) failed: {err}"),
        ));
    }
    Ok((cred.uid, cred.gid, Some(cred.pid)))
}

/// The address of the abstract Unix socket `name` (the bytes after the
/// leading NUL of the path that names it).
pub(crate) fn abstract_socket_addr(name: &[u8]) -> io::Result<SocketAddr> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name)
}

/// Whether an `accept` error concerns only the connection being accepted
/// (`sys::unix::is_pending_network_error`, and Linux's `ENONET`): the
/// next connection may be accepted.
#[cfg(feature = "net")]
pub(crate) fn is_accepted_connection_error(err: &io::Error) -> bool {
    err.raw_os_error()
        .is_some_and(|errno| errno == libc::ENONET || super::unix::is_pending_network_error(errno))
}

/// A new TCP socket of `domain`, non-blocking and close-on-exec, made by
/// one system call (`SOCK_NONBLOCK`).
#[cfg(feature = "net")]
pub(crate) fn nonblocking_tcp_socket(domain: socket2::Domain) -> io::Result<socket2::Socket> {
    socket2::Socket::new(
        domain,
        socket2::Type::STREAM.nonblocking(),
        Some(socket2::Protocol::TCP),
    )
}

// ---- Socket options only Linux has ----

/// `TCP_QUICKACK` of the TCP socket `fd`.
#[cfg(feature = "net")]
pub(crate) fn tcp_quickack(fd: BorrowedFd<'_>) -> io::Result<bool> {
    socket2::SockRef::from(&fd).tcp_quickack()
}

/// Sets `TCP_QUICKACK` on the TCP socket `fd`.
#[cfg(feature = "net")]
pub(crate) fn set_tcp_quickack(fd: BorrowedFd<'_>, quickack: bool) -> io::Result<()> {
    socket2::SockRef::from(&fd).set_tcp_quickack(quickack)
}

/// The interface the socket `fd` is bound to (`SO_BINDTODEVICE`).
#[cfg(feature = "net")]
pub(crate) fn device(fd: BorrowedFd<'_>) -> io::Result<Option<Vec<u8>>> {
    socket2::SockRef::from(&fd).device()
}

/// Binds the socket `fd` to an interface (`SO_BINDTODEVICE`), or unbinds it
/// (`None`).
#[cfg(feature = "net")]
pub(crate) fn bind_device(fd: BorrowedFd<'_>, interface: Option<&[u8]>) -> io::Result<()> {
    socket2::SockRef::from(&fd).bind_device(interface)
}

// ---- Signals ----

/// The largest signal number the platform defines (`SIGRTMAX`).
#[cfg(feature = "signal")]
pub(crate) fn max_signal() -> std::ffi::c_int {
    libc::SIGRTMAX()
}

// ---- Child processes ----

/// A pidfd for the child `pid` (`pidfd_open(2)`, Linux 5.3+): a
/// close-on-exec descriptor that turns readable when the process exits.
/// `pid` must be a child of this process that nobody has reaped yet, so
/// the number cannot have been reused.
///
/// # Errors
///
/// `ENOSYS` before Linux 5.3 (or under a seccomp filter that hides the
/// call; some return `EPERM` instead): [`pidfd_unavailable`] says whether
/// an error means the call will never work in this process. `EMFILE`
/// and the like are errors of this one call.
#[cfg(feature = "process")]
pub(crate) fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    let pid = libc::pid_t::try_from(pid)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pid out of range"))?;
    // SAFETY: a plain system call with a pid and no flags; it touches no
    // memory of ours.
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    let raw = RawFd::try_from(raw).expect("a descriptor fits in a RawFd");
    // SAFETY: `raw` is a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

/// Whether [`pidfd_open`]'s error means the call will not work in this
/// process at all (no such call, or a sandbox that refuses it), rather
/// than a passing failure such as `EMFILE`.
#[cfg(feature = "process")]
pub(crate) fn pidfd_unavailable(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::ENOSYS) | Some(libc::EPERM) | Some(libc::EACCES)
    )
}

// ---- io_uring rings in epoll ----

crate::sys::cfg_io_uring! {
    /// `addr` as the kernel reads it, a `sockaddr_in` or `sockaddr_in6`
    /// inside a `sockaddr_storage`, and its length: the address of a
    /// connect on a ring (`IORING_OP_CONNECT`), which must stay put until
    /// the operation's completion (the caller boxes it).
    pub(crate) fn raw_socket_addr(addr: &std::net::SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
        // SAFETY: all-zero is a valid `sockaddr_storage`.
        let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let len = match addr {
            std::net::SocketAddr::V4(v4) => {
                let raw = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: v4.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(v4.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: a `sockaddr_storage` is large enough and aligned
                // for any socket address, this one included.
                unsafe { std::ptr::write(std::ptr::from_mut(&mut storage).cast::<libc::sockaddr_in>(), raw) };
                size_of::<libc::sockaddr_in>()
            }
            std::net::SocketAddr::V6(v6) => {
                // Flow info and scope id as std passes them (host order).
                let raw = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: v6.port().to_be(),
                    sin6_flowinfo: v6.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: v6.ip().octets(),
                    },
                    sin6_scope_id: v6.scope_id(),
                };
                // SAFETY: as above.
                unsafe { std::ptr::write(std::ptr::from_mut(&mut storage).cast::<libc::sockaddr_in6>(), raw) };
                size_of::<libc::sockaddr_in6>()
            }
        };
        (storage, len as libc::socklen_t)
    }

    /// How an io_uring ring's descriptor sits in the I/O driver's epoll
    /// instance (`runtime/uring/`) while it is there: one-shot and
    /// level-triggered, added when the ring's owner stops running tasks
    /// with operations in flight, removed once its event came.
    const RING_EVENTS: u32 = (libc::EPOLLIN | libc::EPOLLONESHOT) as u32;

    /// Adds ring descriptor `fd` to epoll instance `epoll`, with `token` as
    /// the event's data (the I/O driver's token for the ring). As the entry
    /// is level-triggered, a completion queue that is not empty at this
    /// call reports at once: no completion posted before it goes unnoticed.
    pub(crate) fn epoll_add_ring(epoll: BorrowedFd<'_>, fd: RawFd, token: u64) -> io::Result<()> {
        epoll_ctl_ring(epoll, libc::EPOLL_CTL_ADD, fd, token)
    }

    /// Removes ring descriptor `fd` from epoll instance `epoll` (after its
    /// one-shot event: a disarmed entry still sits on the ring's wait queue,
    /// and the kernel takes two locks to skip it at every completion).
    pub(crate) fn epoll_remove_ring(epoll: BorrowedFd<'_>, fd: RawFd, token: u64) -> io::Result<()> {
        epoll_ctl_ring(epoll, libc::EPOLL_CTL_DEL, fd, token)
    }

    /// `io_uring_enter` on ring `fd` that submits every entry its
    /// submission queue shows when the kernel takes them, and does not
    /// wait (it also posts the completions of this thread's operations
    /// that wait for it to enter the kernel). Returns the entries the
    /// kernel took; a kernel short of resources (`EBUSY`, `EAGAIN`) takes
    /// none, which is no error (they stay queued). As with
    /// [`io_uring_wait`], the ring's lock is not needed.
    ///
    /// The count asked for is more than any queue holds, never a count
    /// read earlier: the kernel submits `min(to_submit, tail - head)` from
    /// the head it finds, and a count that another thread's enter made
    /// stale would take part of a chain pushed since (rule 8 of
    /// `runtime/uring/mod.rs`).
    pub(crate) fn io_uring_submit_all(fd: RawFd) -> io::Result<u32> {
        let to_submit = u32::MAX;
        loop {
            // SAFETY: no argument names memory (no EXT_ARG, no sigmask).
            let result = unsafe {
                libc::syscall(
                    libc::SYS_io_uring_enter,
                    fd,
                    to_submit,
                    0u32,
                    0u32,
                    std::ptr::null::<libc::c_void>(),
                    0usize,
                )
            };
            if result >= 0 {
                return Ok(result as u32);
            }
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EBUSY | libc::EAGAIN) => return Ok(0),
                _ => return Err(err),
            }
        }
    }

    /// `io_uring_enter` on ring `fd` that submits nothing and waits until
    /// at least one completion is posted, or `timeout` passes (`None`: no
    /// limit), or a signal interrupts. A timeout (`ETIME`) and an
    /// interruption (`EINTR`) are no errors (the caller reaps whatever
    /// came). The ring's lock is not needed.
    ///
    /// Entries to submit go first through [`io_uring_submit_all`], in an
    /// enter of their own: with `GETEVENTS` the kernel waits only after
    /// submitting exactly the count asked for, and rule 8 never asks for an
    /// exact count.
    pub(crate) fn io_uring_wait(fd: RawFd, timeout: Option<std::time::Duration>) -> io::Result<()> {
        const IORING_ENTER_GETEVENTS: u32 = 1 << 0;
        const IORING_ENTER_EXT_ARG: u32 = 1 << 3;
        /// `struct __kernel_timespec`.
        #[repr(C)]
        struct KernelTimespec {
            tv_sec: i64,
            tv_nsec: i64,
        }
        /// `struct io_uring_getevents_arg`.
        #[repr(C)]
        struct GeteventsArg {
            sigmask: u64,
            sigmask_sz: u32,
            min_wait_usec: u32,
            ts: u64,
        }
        let ts = timeout.map(|timeout| KernelTimespec {
            tv_sec: i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(timeout.subsec_nanos()),
        });
        let arg = GeteventsArg {
            sigmask: 0,
            sigmask_sz: 0,
            min_wait_usec: 0,
            ts: ts.as_ref().map_or(0, |ts| ts as *const KernelTimespec as u64),
        };
        // SAFETY: `arg` and the timespec it points to live until the call
        // returns; the kernel only reads them (EXT_ARG: the last two
        // arguments are the argument's address and size).
        let result = unsafe {
            libc::syscall(
                libc::SYS_io_uring_enter,
                fd,
                0u32,
                1u32,
                IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
                &arg as *const GeteventsArg,
                std::mem::size_of::<GeteventsArg>(),
            )
        };
        if result < 0 {
            let err = io::Error::last_os_error();
            return match err.raw_os_error() {
                Some(libc::ETIME | libc::EINTR) => Ok(()),
                _ => Err(err),
            };
        }
        Ok(())
    }

    /// Whether stream socket `fd` would not block a read now: bytes
    /// queued, the end of the stream, or a pending error (a one-byte
    /// `MSG_PEEK | MSG_DONTWAIT` receive, which takes nothing).
    pub(crate) fn has_bytes_or_end(fd: RawFd) -> bool {
        let mut byte = 0u8;
        // SAFETY: the buffer is one valid byte; `recv` writes at most one.
        let n = unsafe {
            libc::recv(
                fd,
                (&mut byte as *mut u8).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        n >= 0 || io::Error::last_os_error().kind() != io::ErrorKind::WouldBlock
    }

    /// A non-blocking, close-on-exec eventfd (a worker's unpark signal,
    /// polled by its io_uring ring).
    pub(crate) fn eventfd() -> io::Result<std::os::fd::OwnedFd> {
        // SAFETY: `eventfd` takes no pointers; it returns a new descriptor
        // or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just made for the caller alone.
        Ok(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
    }

    /// Adds 1 to eventfd `fd` (a full counter, `EAGAIN`, already wakes).
    pub(crate) fn eventfd_write(fd: RawFd) {
        let one: u64 = 1;
        // SAFETY: writes the 8 bytes of `one`, which live through the call.
        let _ = unsafe { libc::write(fd, (&one as *const u64).cast(), 8) };
    }

    /// Resets eventfd `fd`'s counter to 0 (a non-blocking read).
    pub(crate) fn eventfd_drain(fd: RawFd) {
        let mut value: u64 = 0;
        // SAFETY: reads at most 8 bytes into `value`, which lives through
        // the call.
        let _ = unsafe { libc::read(fd, (&mut value as *mut u64).cast(), 8) };
    }

    /// `shutdown(fd, SHUT_WR)`: a stream socket's write direction (a
    /// shutdown left to a send's completion on io_uring).
    pub(crate) fn shutdown_write(fd: RawFd) -> io::Result<()> {
        // SAFETY: `shutdown` takes a plain descriptor (a stale one fails
        // with `EBADF`).
        if unsafe { libc::shutdown(fd, libc::SHUT_WR) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// A close-on-exec duplicate of `fd` (the same open socket).
    pub(crate) fn dup_cloexec(fd: RawFd) -> io::Result<std::os::fd::OwnedFd> {
        // SAFETY: `fcntl(F_DUPFD_CLOEXEC)` takes a plain descriptor and
        // returns a new one that nothing else owns.
        let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
        if new < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `new` was just made for the caller alone.
        Ok(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(new) })
    }

    fn epoll_ctl_ring(epoll: BorrowedFd<'_>, op: libc::c_int, fd: RawFd, token: u64) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: RING_EVENTS,
            u64: token,
        };
        // SAFETY: `event` is a valid `epoll_event` for the duration of the
        // call, which only reads it; the descriptors are plain integers to the
        // kernel (a stale one fails with `EBADF`).
        let result = unsafe { libc::epoll_ctl(epoll.as_raw_fd(), op, fd, &mut event) };
        if result < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// What only Linux promises (`tests.rs` holds what both do).
#[cfg(all(test, not(miri), not(weft_loom)))]
mod tests {
    use super::*;
    use crate::sys::tests::{read, tcp_pair, wait_queued};
    use std::io::Write;

    #[test]
    fn the_clocks_are_read() {
        assert!(monotonic_ns().is_some() && coarse_monotonic_ns().is_some());
        // One kernel tick (1 to 10 ms on common kernels: HZ 100 to 1000).
        let resolution = coarse_resolution_ns().unwrap();
        assert!((1..=1_000_000_000).contains(&resolution), "{resolution}");
    }

    #[test]
    fn a_timer_fd_exists() {
        let timer = TimerFd::new().unwrap();
        timer.set(Duration::from_secs(3600)).unwrap();
        timer.set(Duration::MAX).unwrap();
    }

    #[test]
    fn the_kernel_says_when_a_full_read_emptied_the_queue() {
        let (ours, mut peer) = tcp_pair();
        enable_inq(ours.as_raw_fd()).unwrap();
        peer.write_all(b"0123456789").unwrap();
        wait_queued(&ours, 10);
        assert_eq!(
            read(ours.as_raw_fd(), 4),
            (b"0123".to_vec(), false),
            "6 left"
        );
        // Fills the buffer exactly: only TCP_INQ can tell it was the last.
        assert_eq!(read(ours.as_raw_fd(), 6), (b"456789".to_vec(), true));

        peer.write_all(b"abcdef").unwrap();
        wait_queued(&ours, 6);
        let (mut first, mut second) = ([0u8; 3], [0u8; 3]);
        let mut bufs = [
            io::IoSliceMut::new(&mut first),
            io::IoSliceMut::new(&mut second),
        ];
        assert_eq!(
            recv_vectored_inq(ours.as_raw_fd(), &mut bufs).unwrap(),
            (6, true)
        );
    }

    #[test]
    fn peer_credentials_include_the_pid() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let (_, _, pid) = peer_cred(a.as_raw_fd()).unwrap();
        assert_eq!(pid, Some(std::process::id() as libc::pid_t));
    }

    #[test]
    fn an_abstract_name_round_trips() {
        use std::os::linux::net::SocketAddrExt;
        let addr = abstract_socket_addr(b"weft-sys-test").unwrap();
        assert_eq!(addr.as_abstract_name(), Some(&b"weft-sys-test"[..]));
    }

    #[cfg(feature = "net")]
    #[test]
    fn enonet_concerns_the_connection() {
        let err = io::Error::from_raw_os_error(libc::ENONET);
        assert!(is_accepted_connection_error(&err));
    }

    #[cfg(feature = "process")]
    #[test]
    fn a_pidfd_turns_readable_when_the_child_exits() {
        let mut child = std::process::Command::new("/bin/sh")
            .args(["-c", "exit 3"])
            .spawn()
            .unwrap();
        let pidfd = match pidfd_open(child.id()) {
            Ok(fd) => fd,
            Err(err) if pidfd_unavailable(&err) => {
                child.wait().unwrap();
                assert!(std::env::var_os("CI").is_none(), "no pidfd: {err}");
                return;
            }
            Err(err) => panic!("{err}"),
        };
        let mut poll = libc::pollfd {
            fd: pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd; a generous hang guard as the timeout.
        let ready = unsafe { libc::poll(&mut poll, 1, 60_000) };
        assert_eq!(ready, 1, "the pidfd turned readable");
        assert_eq!(child.wait().unwrap().code(), Some(3));
    }

    #[cfg(feature = "signal")]
    #[test]
    fn max_signal_is_sigrtmax() {
        assert_eq!(max_signal(), libc::SIGRTMAX());
    }
}

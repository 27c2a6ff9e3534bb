//! The platform layer: the only code in weft that names an operating
//! system (`cfg(target_os)`) or calls `libc` directly.
//!
//! # Design note
//!
//! Everything else in weft reaches the OS through std, mio and socket2,
//! which are portable. What they do not offer lives here, behind one set
//! of functions with two implementations:
//!
//! * `linux.rs` — Linux and Android (one kernel, the same interfaces);
//! * `fallback.rs` — every other Unix (macOS, the BSDs, ...): what POSIX
//!   offers, and a clear `Unsupported` error for what it does not.
//!
//! The switch below is the one place that chooses. `--cfg
//! weft_sys_fallback` forces the fallback on Linux too, so that it is
//! compiled and tested on the machines weft is developed on
//! (`scripts/sys-fallback.sh` runs the test suite that way). Both files
//! define the same items with the same signatures; `unix.rs` holds what
//! they share (POSIX calls needed by both). The unit tests in `tests.rs`
//! hold for both implementations; each file's own tests pin down what only
//! it promises.
//!
//! What the layer offers, why, and what the fallback does instead:
//!
//! * **Precise timer waits** ([`TimerFd`]). `epoll_wait` takes its timeout
//!   in whole milliseconds (mio rounds up), so a timer would fire up to
//!   1 ms late. On Linux the I/O driver registers a `timerfd`
//!   (`timerfd_create(CLOCK_MONOTONIC)`, armed with `timerfd_settime`) and
//!   waits for it instead: nanosecond resolution
//!   (`runtime/io/precise_timeout.rs` holds the policy).
//!   *Fallback:* `TimerFd::new` fails with `Unsupported`; the driver then
//!   waits with the poller's own timeout. kqueue (macOS, the BSDs) takes
//!   it as a `timespec`, in nanoseconds, so little is lost there; where
//!   the poller is epoll (illumos, or Linux with the fallback forced),
//!   timers fire up to 1 ms after their deadline (never before).
//!
//! * **The receive queue's count** ([`enable_inq`], [`recv_inq`],
//!   [`recv_vectored_inq`]; the plain [`recv`] and [`recv_vectored`] are
//!   POSIX, in `unix.rs`). An edge-triggered reader may forget a socket's
//!   readiness only once it knows the receive queue is empty. A short read
//!   proves it (the kernel copies all that is queued, up to the buffer's
//!   length), but a read that fills the caller's buffer says nothing about
//!   what is left, so the usual loop pays a second system call that only
//!   returns `WouldBlock`; protocols that read exactly the frame they
//!   expect meet this on every message (on a 1 KiB TCP echo it is one read
//!   in three). Linux (4.18 and later) reports the bytes left after each
//!   `recvmsg` in a `TCP_CM_INQ` control message once the socket option
//!   `TCP_INQ` is on (`tcp(7)`), and `Registration::poll_drain` forgets the
//!   readiness when the count is zero. Data that arrives after the read
//!   raises a new edge, which the readiness tick keeps
//!   (`ScheduledIo::clear_readiness`), and closed states are never
//!   forgotten, so nothing is missed. The option changes nothing else: the
//!   bytes read, `peek`, and a descriptor handed to other code behave as
//!   without it. The count is not free (a `recvmsg` with it took 3.55 µs
//!   where a `recv` took 3.30: 100-byte reads of a loopback socket, Linux
//!   6.18.44, x86-64), so `TcpStream`
//!   asks for it only while its reads fill their buffers, and turns the
//!   option on at the first that does ("Reads" in `net/tcp/stream.rs`). An
//!   idea tokio does not use. Where the option is refused (a kernel before
//!   4.18) no control message comes back and nothing is forgotten early.
//!   *Fallback:* `enable_inq` fails with `Unsupported` (ignored by the
//!   caller), and the counting reads are plain `recv`/`readv` that never
//!   report the queue empty: after a full read the readiness stays until a
//!   read says `WouldBlock`, one extra system call, as in tokio.
//!
//! * **A cheap clock** ([`monotonic_ns`], [`coarse_monotonic_ns`],
//!   [`coarse_resolution_ns`]). The timer wheel asks "has this tick
//!   passed?" for every timer it looks at; `CLOCK_MONOTONIC_COARSE` answers
//!   from the vDSO without reading the hardware counter, up to one kernel
//!   tick behind and never ahead. `CLOCK_MONOTONIC` is the base of std's
//!   `Instant` on Linux, so the two compare (`runtime/time/clock.rs`).
//!   *Fallback:* all three are `None`, and the clock reads
//!   `Instant::now()` each time: the same answers, a little more work per
//!   check.
//!
//! * **Process-wide memory barriers** ([`register_process_barrier`],
//!   [`process_barrier`]): the heavy half of an asymmetric fence
//!   (`util/asymmetric_fence.rs`), which lets the long-poll watchdog's
//!   hot side, run at every poll, get by with a compiler barrier. Linux
//!   4.14 and later: `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` makes
//!   every running thread of the process pass a full barrier.
//!   *Fallback:* registration fails, and both halves are full fences.
//!
//! * **Peer credentials** ([`peer_cred`]): `UnixStream::peer_cred`. Linux
//!   reads uid, gid and pid with `getsockopt(SO_PEERCRED)`.
//!   *Fallback:* macOS and the BSDs have `getpeereid` (uid and gid, no
//!   pid: `UCred::pid` is `None`); elsewhere (and on Linux with the
//!   fallback forced) the call fails with `Unsupported`.
//!
//! * **Abstract socket names** ([`abstract_socket_addr`]): a Unix socket
//!   path whose first byte is NUL names a socket in Linux's abstract
//!   namespace (std's `SocketAddrExt::from_abstract_name`).
//!   *Fallback:* `Unsupported`, for `bind`, `connect` and `send_to` alike.
//!
//! * **Signals** (feature `signal`; `unix.rs`, shared: `sigaction` is
//!   POSIX). [`Disposition`] reads a signal's current disposition and
//!   calls its handler (weft chains the handler it replaces);
//!   [`set_signal_handler`] installs weft's; [`errno`]/[`set_errno`] let
//!   the handler leave `errno` as it found it; [`write_in_signal_handler`]
//!   is the handler's one `write(2)` to the self-pipe. [`max_signal`] is
//!   `SIGRTMAX` on Linux; the fallback asks `sigaction` which numbers exist
//!   (once per process), since the real-time range is not portable.
//!
//!
//! * **A non-blocking TCP socket in one call**
//!   ([`nonblocking_tcp_socket`]): `SOCK_NONBLOCK` on Linux, where a
//!   connect on io_uring makes its own socket. *Fallback:* the socket is
//!   made, then set non-blocking (two calls).
//!
//! * **Connect in progress** ([`is_in_progress`]): a non-blocking
//!   `connect` that reports `EINPROGRESS` (std has no stable `ErrorKind`
//!   for it yet). POSIX; shared.
//!
//! * **io_uring** (feature `io-uring`; [`cfg_io_uring!`],
//!   [`cfg_not_io_uring!`]). The io_uring engine (`runtime/uring/`)
//!   submits file operations and stream-socket operations to io_uring
//!   rings through the `io-uring` crate, which exists for Linux only. The
//!   two macros are the one switch: items wrapped in the first are
//!   compiled where rings may exist (Linux, feature `io-uring` with `fs`
//!   or `net`, the fallback not forced, not a loom or Miri build), items
//!   in the second everywhere else. Whether the running kernel allows rings is asked
//!   once per runtime at build time (`runtime/uring/probe.rs`). Loom and
//!   Miri builds have no rings either (neither can run the system calls).
//!   *Fallback:* no rings; every `fs` call runs on the blocking pool and
//!   every socket on epoll/kqueue.
//!
//! Every `unsafe` call here has its `// SAFETY:` comment; the functions
//! themselves are safe to call (a wrong descriptor gives an OS error).

// The layer serves `net`, `time` and `signal`; a build with only some of
// them leaves the others' functions unused.
#![cfg_attr(
    not(all(feature = "net", feature = "time", feature = "signal")),
    allow(dead_code, unused_imports)
)]

#[cfg_attr(
    all(
        any(target_os = "linux", target_os = "android"),
        not(weft_sys_fallback)
    ),
    path = "linux.rs"
)]
#[cfg_attr(
    not(all(
        any(target_os = "linux", target_os = "android"),
        not(weft_sys_fallback)
    )),
    path = "fallback.rs"
)]
mod imp;
mod unix;

pub(crate) use imp::*;
pub(crate) use unix::*;

#[cfg(all(test, not(miri), not(weft_loom)))]
mod tests;

/// Compiles the items it wraps only where io_uring rings may exist: Linux,
/// feature `fs`, the fallback not forced, not a loom build (the rings are
/// real kernel objects loom cannot model), not Miri (it cannot make the
/// io_uring system calls).
///
/// The condition is written once, in the `@cfg` arm: `@cfg all;` keeps the
/// items where it holds, `@cfg not;` (what [`cfg_not_io_uring!`] uses)
/// where it does not, so the two stay exact complements.
#[allow(unused_macros)]
macro_rules! cfg_io_uring {
    (@cfg $wrap:ident; $($item:item)*) => {
        $(
            #[cfg($wrap(all(
                feature = "io-uring",
                any(feature = "fs", feature = "net"),
                target_os = "linux",
                not(weft_sys_fallback),
                not(weft_loom),
                not(miri)
            )))]
            $item
        )*
    };
    ($($item:item)*) => {
        $crate::sys::cfg_io_uring! { @cfg all; $($item)* }
    };
}

/// The complement of [`cfg_io_uring!`]: compiled where there are no rings.
#[allow(unused_macros)]
macro_rules! cfg_not_io_uring {
    ($($item:item)*) => {
        $crate::sys::cfg_io_uring! { @cfg not; $($item)* }
    };
}

#[allow(unused_imports)]
pub(crate) use {cfg_io_uring, cfg_not_io_uring};

// Where there are no rings, no worker sleeps in one: the unpark eventfd of
// such a sleep (`scheduler/multi_thread/worker_parker.rs`) cannot be made,
// and a parker that asks falls back to its condvar.
cfg_not_io_uring! {
    /// No io_uring here: the unpark eventfd of a ring sleep is refused.
    #[cfg_attr(not(any(feature = "fs", feature = "net")), allow(dead_code))]
    pub(crate) fn eventfd() -> std::io::Result<std::os::fd::OwnedFd> {
        Err(std::io::ErrorKind::Unsupported.into())
    }

    /// Never reached: no eventfd is made here.
    #[cfg_attr(not(any(feature = "fs", feature = "net")), allow(dead_code))]
    pub(crate) fn eventfd_write(_fd: std::os::fd::RawFd) {}

    /// Never reached: no eventfd is made here.
    #[cfg_attr(not(any(feature = "fs", feature = "net")), allow(dead_code))]
    pub(crate) fn eventfd_drain(_fd: std::os::fd::RawFd) {}
}

//! A listener's accepts on io_uring: one multishot accept
//! (`IORING_OP_ACCEPT` with `IORING_ACCEPT_MULTISHOT`, Linux 5.19) posts a
//! completion per connection, so a server under load takes connections
//! without a readiness wake-up and a failing `accept4` (`EAGAIN`) each.
//!
//! # Design note
//!
//! * **Queue, bounded.** The kernel accepts a connection as soon as it
//!   arrives, whether or not a task is in `accept`: the descriptors wait
//!   in the operation's slot until taken (`uring/multishot.rs`). A server
//!   that stops calling `accept` (at its connection limit) must leave the
//!   rest in the listen queue, as it would on epoll: once [`ACCEPT_AHEAD`]
//!   wait untaken, the operation is stopped (cancelled; the queued
//!   descriptors stay to be taken), and the next `accept` that finds the
//!   queue empty starts another.
//! * **Errors end it.** A failing accept (`EMFILE`, `ENFILE`, `ENOMEM`)
//!   ends the multishot operation with that error, which the `accept`
//!   that takes it returns; the next `accept` starts another. So a server
//!   that backs off on `EMFILE`, as the documented accept loop does,
//!   re-arms after its back-off, and the connection waits in the listen
//!   queue meanwhile.
//! * **The peer's address** is not in a multishot completion (one address
//!   buffer would serve every connection): the listener asks it with
//!   `getpeername` (`net/listener.rs`), and skips a connection reset
//!   before that (`ENOTCONN`), as if it had never arrived.
//! * **Several tasks** may wait in `accept` at once (`uring/waiters.rs`);
//!   each connection goes to one of them. Dropping the listener cancels
//!   the operation and closes the descriptors nobody took (`Discard`).

use super::multishot::Multishot;
use super::op::{Chain, Discard, Operation};
use super::ring::{RingInner, RingShared};
use super::waiters::Waiters;
use super::Ring;
use crate::loom::{Arc, Mutex};
use crate::runtime::waiting_on::IoDirection;
use io_uring::{cqueue, opcode, types};
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::task::{ready, Context, Poll};

/// Connections accepted ahead of the tasks that take them, at most,
/// before the operation is stopped (the rest wait in the listen queue).
pub(crate) const ACCEPT_AHEAD: usize = 64;

/// Set when a multishot accept was refused (`EINVAL`: a kernel before
/// 5.19): listeners accept through epoll from then on, in the whole
/// process.
static NO_MULTISHOT_ACCEPT: AtomicBool = AtomicBool::new(false);

/// The accepting side of one listener on its runtime's rings.
pub(crate) struct RingAccept {
    fd: RawFd,
    /// The ring of the thread that made the listener: used when `accept`
    /// is polled off its runtime's workers.
    home: Arc<RingShared>,
    side: Mutex<AcceptSide>,
}

#[derive(Default)]
struct AcceptSide {
    /// The multishot accept, once started.
    op: Option<Multishot<AcceptMulti>>,
    /// It was asked to stop (its queue reached `ACCEPT_AHEAD`).
    stopping: bool,
    waiters: Waiters,
}

impl RingAccept {
    /// The accepting side of listener `fd`, if the current runtime runs its
    /// sockets on io_uring.
    pub(crate) fn for_current_runtime(fd: RawFd) -> Option<RingAccept> {
        if NO_MULTISHOT_ACCEPT.load(Relaxed) {
            return None;
        }
        let ring: Ring = super::current_socket_ring()?;
        Some(RingAccept {
            fd,
            home: ring.shared,
            side: Mutex::new(AcceptSide::default()),
        })
    }

    /// The ring to start the operation on: the calling worker's, if it
    /// belongs to the listener's runtime, else the listener's home ring.
    fn ring(&self) -> Arc<RingShared> {
        match super::current_socket_ring() {
            Some(ring) if ring.shared.rings_id == self.home.rings_id => ring.shared,
            _ => self.home.clone(),
        }
    }

    /// The next accepted connection's descriptor. `None`: this kernel has
    /// no multishot accept; the caller accepts through epoll (and will
    /// from now on).
    pub(crate) fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<Option<io::Result<OwnedFd>>> {
        if self.home.is_shut_down() {
            // As on epoll: the listener's runtime is gone.
            return Poll::Ready(Some(Err(crate::runtime::io::shutdown_error())));
        }
        // A ready accept spends budget like any ready operation
        // (`runtime/coop.rs`), so an accept loop fed by a busy listener
        // yields.
        let restore = ready!(crate::runtime::coop::poll_proceed(cx));
        let mut side = self.side.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let accepted = self.poll_next_connection(cx, &mut side);
        if accepted.is_ready() {
            restore.made_progress();
        } else {
            // What a task dump shows the task waits on.
            super::stream::record_wait(self.fd, IoDirection::Read);
        }
        accepted
    }

    fn poll_next_connection(
        &self,
        cx: &mut Context<'_>,
        side: &mut AcceptSide,
    ) -> Poll<Option<io::Result<OwnedFd>>> {
        loop {
            if side.op.is_none() {
                if NO_MULTISHOT_ACCEPT.load(Relaxed) {
                    return Poll::Ready(None);
                }
                side.op = Some(Multishot::new(self.ring(), AcceptMulti { fd: self.fd }));
                side.stopping = false;
            }
            let AcceptSide { op, waiters, stopping } = &mut *side;
            let running = op.as_mut().expect("started above");
            let next = ready!(waiters.poll_with(cx, |cx| running.poll_next(cx)));
            let Some((result, flags)) = next else {
                // Ended with its last completion taken: start another.
                *op = None;
                continue;
            };
            let ended = !cqueue::more(flags);
            if !ended && !*stopping && running.queued() >= ACCEPT_AHEAD {
                running.stop();
                *stopping = true;
            }
            if ended {
                *op = None;
            }
            if result >= 0 {
                // SAFETY: a successful accept's result is a new descriptor
                // that nothing else owns.
                return Poll::Ready(Some(Ok(unsafe { OwnedFd::from_raw_fd(result) })));
            }
            match -result {
                // The end of a stopped operation; the next one starts now.
                libc::ECANCELED => continue,
                libc::EINVAL if ended => {
                    NO_MULTISHOT_ACCEPT.store(true, Relaxed);
                    return Poll::Ready(None);
                }
                errno => return Poll::Ready(Some(Err(io::Error::from_raw_os_error(errno)))),
            }
        }
    }
}

impl std::fmt::Debug for RingAccept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingAccept").field("fd", &self.fd).finish_non_exhaustive()
    }
}

/// The multishot accept of listener `fd`: new descriptors non-blocking and
/// close-on-exec, as `accept4` makes them on epoll.
pub(crate) struct AcceptMulti {
    fd: RawFd,
}

impl Discard for AcceptMulti {
    /// A connection accepted after the listener was dropped, or queued and
    /// never taken: closed (its peer sees the connection reset).
    fn discard(&mut self, _position: usize, result: i32, _ring: &mut RingInner) {
        if result >= 0 {
            // SAFETY: an accepted descriptor nobody took is ours to close.
            drop(unsafe { OwnedFd::from_raw_fd(result) });
        }
    }
}

impl Operation for AcceptMulti {
    type Output = ();

    fn entries(&mut self) -> Chain {
        Chain::one(
            opcode::AcceptMulti::new(types::Fd(self.fd))
                .flags(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)
                .build(),
        )
    }

    /// Never called: a multishot operation's completions are taken one
    /// by one (`Multishot::poll_next`).
    fn complete(self, _results: &[i32]) {}
}

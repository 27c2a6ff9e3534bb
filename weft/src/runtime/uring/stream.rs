//! A stream socket (TCP, Unix) on io_uring: its receives and sends are
//! operations on the ring of the worker that runs the task, batched with
//! the tick's other operations (rule 7 of `uring/mod.rs`).
//!
//! # Design note
//!
//! The socket's public API is readiness-shaped (`poll_read` lends a buffer
//! for one call); io_uring is completion-shaped (the kernel writes into a
//! buffer it owns until the completion). The two meet here:
//!
//! * **Receiving.** A read that finds nothing received starts one receive
//!   with `IOSQE_BUFFER_SELECT` from the ring's pool (`uring/buffers.rs`)
//!   for at most the caller's room, and waits. The receive belongs to the
//!   stream, not to the read's future: a read future dropped mid-flight
//!   leaves it in flight, and its bytes wait in `held` for the next read,
//!   `try_read` or `peek` (nothing is lost). A completion's bytes are
//!   copied into the caller's buffer and the pool buffer goes back to the
//!   pool as soon as it is read whole. A ring out of buffers (`ENOBUFS`)
//!   makes the next receive take from the pool again if the ring was
//!   refilled (`uring/buffers.rs`), else bring a buffer of its own. At most
//!   one receive is in flight per stream; a multishot receive's
//!   completions that the stream has not read yet each hold a pool buffer
//!   (a stream not read while its peer sends holds as many as the ring
//!   gives it).
//! * **A receive follows its reader.** The kernel runs a receive's
//!   completions through the thread that submitted it, and the reap that
//!   takes them wakes the task on that thread's worker: a task stays where
//!   its receive is. A task that stealing moved to another worker would
//!   be pulled back at its next message, and the worker that stole it
//!   would stay idle. So a read that waits on another worker's multishot
//!   receive asks the kernel to end that receive
//!   (`IORING_REGISTER_SYNC_CANCEL`: nothing is pushed to the other ring,
//!   whose queue this thread must not submit, see "Ring ownership" in
//!   `uring/mod.rs`). The receive's last completion (`ECANCELED`) comes
//!   after the data it already took, as any end does, and the read that
//!   takes it starts the next receive on its own ring: no byte is lost or
//!   reordered, as only one receive is in flight. That last completion is
//!   reaped by the old ring's owner, which wakes the task there: the move
//!   lands on the reader's ring when the task is polled elsewhere again
//!   first (the worker that stole it steals it again, or the old ring's
//!   owner is away and another thread reaps), and on the old ring
//!   otherwise, where it costs a new receive. A receive moves only after
//!   `MOVE_AFTER` completions, so a task bounced between workers pays
//!   one move (a system call and a new receive) per that many messages
//!   at most; one on the ring nobody owns (started outside the workers)
//!   moves at once. A cancel the kernel cannot take at once (the receive
//!   not submitted yet, or running) waits as many completions again.
//!   Kernels without the call (before 6.0) never move a receive.
//! * **Sending** is copy-free while the socket has room: a write with
//!   nothing staged and no send in flight is sent from the caller's bytes
//!   by a send that has ended when `poll_write` returns
//!   (`uring/send_now.rs`), so a stream that only ever writes to a socket
//!   with room holds no write buffer at all. A socket without room makes
//!   the write fall back to write-behind: `poll_write` copies the bytes
//!   into the stream's `staged` buffer and returns; the send of what is staged
//!   starts at once, submitted before `poll_write` returns together with
//!   whatever the tick pushed so far (a send left for the tick's flush
//!   would hang a thread that blocks after writing, which epoll never
//!   does), one send in flight at a time, the next one with everything staged in
//!   the meantime. At most `MAX_STAGED` bytes wait: past that a write
//!   waits for the send in flight. A short send is continued from where
//!   it stopped; a failed one stores its error for the next write, flush
//!   or shutdown, and drops what was staged after it (the connection is
//!   broken). `poll_flush` waits until nothing is staged or in flight, and
//!   `poll_shutdown` flushes, then shuts the write direction down with
//!   the `shutdown` system call: Linux never runs `IORING_OP_SHUTDOWN`
//!   inline but hands it to a kernel worker thread (io-wq), which
//!   measured 19 µs per shutdown against 0.96 µs for the system call
//!   (a Unix socket pair, one at a time, 2-core VM, Linux 6.18). Sends
//!   run to completion when the stream is dropped (bytes written before a
//!   drop are sent, as the kernel sends a closed socket's queue), with
//!   one exception: if the thread that submitted a send exits while the
//!   send still waits for room, the kernel cancels it, and what it had
//!   not sent is lost (rule 10 cannot send it again: see `SendOp`). Only
//!   a stream written from a short-lived thread outside the workers, and
//!   dropped before its peer read, meets it.
//! * **The descriptor** is the stream's, and the operations name it by
//!   number. The kernel takes its own reference to the file when it
//!   submits an operation, so the stream's drop first submits what is
//!   still pushed and unsubmitted ([`RingStream::release`]); closing the
//!   descriptor after that cannot make an operation act on a new file that
//!   reuses the number. A receive in flight is cancelled at the drop. The
//!   close itself is an operation of the ring (`IORING_OP_CLOSE`, batched
//!   as rule 7 says, [`RingShared::close_socket`]); the number stays taken
//!   until it runs, so nothing can reuse it early.
//! * **Connecting.** A TCP connect is one operation
//!   (`IORING_OP_CONNECT`, [`RingStream::start_connect`]) on a socket
//!   made for it: the kernel runs the non-blocking connect, waits for
//!   writability itself and posts the outcome, so no `connect` call, poll
//!   or `SO_ERROR` read is ours. Some kernels post `EINPROGRESS` or
//!   `EALREADY` instead of waiting: then a one-shot `POLLOUT` on the ring
//!   waits and `SO_ERROR` tells (also the path of a connect started by a
//!   system call, a Unix stream's). The operation's address is boxed in
//!   its data, so the connecting future (which lives in the task as long
//!   as the connection) does not grow.
//! * **The submitting thread may exit.** The kernel cancels what a thread
//!   submitted when that thread exits (a short-lived thread in
//!   `Handle::block_on`, a thread outside the runtime). An operation a
//!   future polls goes again (rule 10: a receive, a connect or its poll,
//!   a send that sent nothing); what still ends with `ECANCELED` (a
//!   multishot receive, an operation taken with `try_complete`, one
//!   cancelled three times) is handled here: the next read starts another
//!   receive, and a send that went part way or not at all sends the rest
//!   ahead of what was staged since. Our own cancels reach these paths
//!   only for a receive that moves to its reader's ring (below), whose end
//!   is wanted; a dropped operation's completions are discarded.
//! * **Locks.** The read side and the write side each sit behind their own
//!   mutex (a reader task and a writer task of split halves do not meet);
//!   a ring's mutex is taken under them, never the other way around.
//!
//! Readiness (`readable`, `writable`) is the ring's while an operation of
//! that direction is in flight or bytes are held (`held` bytes count as
//! readable, and `try_read` returns them first); several tasks may wait
//! for it at once (`uring/waiters.rs`). Otherwise it is the I/O driver's:
//! the socket enters epoll on the first such call
//! (`runtime/io/poll_evented.rs`).

use super::buffers::{BUFFER_SIZE, GROUP};
use super::op::{Chain, Discard, Operation};
use super::ring::{RingInner, RingShared};
use super::multishot::Multishot;
use super::waiters::Waiters;
use super::{Op, Ring};
use crate::runtime::waiting_on::{IoDirection, WaitingOn};
use std::sync::atomic::Ordering::Relaxed;
use crate::io::ReadBuf;
use crate::loom::{Arc, Mutex, MutexGuard};
use crate::runtime::coop;
use io_uring::{cqueue, opcode, squeue, types};
use std::io;
use std::os::fd::RawFd;
use std::ptr::NonNull;
use std::future::Future;
use std::task::{ready, Context, Poll};

/// Completions a receive must have delivered before a read on another
/// worker moves it (`ReadSide::follow_the_reader`): a task that stealing
/// bounces between workers costs at most one move per this many messages.
/// `weft-bench profile`, 2 workers, alternating runs: against never moving,
/// `tcp_echo_10conn` 1.07, `tcp_echo_100conn` 1.01, `hyper_hello` about
/// 1.1; moving at once, 1.10, 0.985 and 0.97 (the 100 connections then
/// moved 8% of their messages).
pub(super) const MOVE_AFTER: u16 = 64;

/// The most bytes a stream keeps staged for sending: past this a write
/// waits for the send in flight (backpressure from a peer that stops
/// reading).
pub(crate) const MAX_STAGED: usize = 64 * 1024;

/// The completion side of one stream socket (see the module's note).
pub(crate) struct RingStream {
    fd: RawFd,
    /// The ring of the thread that made the stream: used when the stream
    /// is polled off its runtime's workers.
    home: Arc<RingShared>,
    read: Mutex<ReadSide>,
    /// Made by the first write (an idle connection that never wrote holds
    /// none: the idle-connection memory row).
    write: Mutex<Option<Box<WriteSide>>>,
}

#[derive(Default)]
struct ReadSide {
    /// Bytes received and not read yet.
    held: Option<Held>,
    /// The receive in flight.
    recv: Option<RecvOp>,
    /// The pool's ring was out of buffers (`ENOBUFS`): the next receive
    /// takes from the pool if the reap refilled the ring, else brings its
    /// own.
    pool_ran_dry: bool,
    /// The receive in flight was asked to end, so that the next one starts
    /// on the reader's ring (`follow_the_reader`).
    moving: bool,
    /// Completions taken from the receive in flight (`follow_the_reader`
    /// moves only a receive that has delivered `MOVE_AFTER`).
    taken: u16,
    /// The tasks waiting for the receive in flight.
    waiters: Waiters,
}

enum RecvOp {
    /// One multishot receive for as long as it lasts (the usual case).
    Multi(Multishot<RecvMulti>),
    /// A single receive into the pool (a kernel without multishot
    /// receives). Boxed, as the next: the rare cases do not size the
    /// stream.
    Pooled(Box<Op<RecvPooled>>),
    /// A single receive into a buffer of the stream's own (the pool was
    /// out of buffers).
    Owned(Box<Op<RecvOwned>>),
}

/// Set when a multishot receive was refused (`EINVAL`: a kernel before
/// 6.0): receives are single from then on, in the whole process.
static NO_MULTISHOT_RECV: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Received bytes waiting for a read.
enum Held {
    /// In buffer `id` of `ring`'s pool, `start..end`.
    Pooled {
        ring: Arc<RingShared>,
        id: u16,
        bytes: NonNull<u8>,
        start: usize,
        end: usize,
    },
    /// In a buffer of the stream's own, from `start`.
    Owned { buf: Vec<u8>, start: usize },
}

// SAFETY: `bytes` points into a pool buffer that belongs to this `Held`
// until it is recycled (the kernel picks only buffers at the pool's
// published tail, and this one was consumed); the pool outlives it
// through `ring`.
unsafe impl Send for Held {}

/// The locked write side, made by [`RingStream::lock_write`].
struct WriteGuard<'a>(MutexGuard<'a, Option<Box<WriteSide>>>);

impl std::ops::Deref for WriteGuard<'_> {
    type Target = WriteSide;
    fn deref(&self) -> &WriteSide {
        self.0.as_deref().expect("lock_write made the write side")
    }
}

impl std::ops::DerefMut for WriteGuard<'_> {
    fn deref_mut(&mut self) -> &mut WriteSide {
        self.0.as_deref_mut().expect("lock_write made the write side")
    }
}

#[derive(Default)]
struct WriteSide {
    /// Bytes written and not yet handed to a send.
    staged: Vec<u8>,
    /// The send in flight.
    send: Option<Op<SendOp>>,
    /// The error of a failed send, for the next write, flush or shutdown.
    error: Option<io::Error>,
    /// A spare buffer for the next send (saves an allocation per send).
    spare: Vec<u8>,
    /// The shutdown left to the send in flight when the write direction
    /// was shut down (`shutdown_write`).
    shutdown_after: Option<Arc<ShutdownAfter>>,
    /// The tasks waiting for the send in flight.
    waiters: Waiters,
    /// A connect in flight (`start_connect`), or the wait for a
    /// non-blocking connect to end (`poll_connect`).
    connect: Option<Connecting>,
}

impl RingStream {
    /// The completion side of the stream socket `fd`, on `home`'s runtime.
    pub(crate) fn new(fd: RawFd, home: &Ring) -> RingStream {
        RingStream {
            fd,
            home: home.shared.clone(),
            read: Mutex::new(ReadSide::default()),
            write: Mutex::new(None),
        }
    }

    /// The completion side of stream socket `fd`, if the current runtime
    /// runs its sockets on io_uring.
    pub(crate) fn for_current_runtime(fd: RawFd) -> Option<RingStream> {
        super::current_socket_ring().map(|ring| RingStream::new(fd, &ring))
    }

    /// Whether a stream made now would run on the current runtime's rings
    /// (its sockets run on io_uring).
    pub(crate) fn current_runtime_has_rings() -> bool {
        super::current_socket_ring().is_some()
    }

    /// The ring to submit to now: the calling worker's, if it belongs to
    /// the stream's runtime, else the stream's home ring.
    fn ring(&self) -> Arc<RingShared> {
        match super::current_socket_ring() {
            Some(ring) if ring.shared.rings_id == self.home.rings_id => ring.shared,
            _ => self.home.clone(),
        }
    }

    /// The error of every operation once the stream's runtime shut down
    /// (as on epoll: no worker reaps the ring any more).
    fn check_runtime(&self) -> io::Result<()> {
        if self.home.is_shut_down() {
            return Err(crate::runtime::io::shutdown_error());
        }
        Ok(())
    }

    fn lock_read(&self) -> MutexGuard<'_, ReadSide> {
        self.read.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The write side, made if this is the stream's first write.
    fn lock_write(&self) -> WriteGuard<'_> {
        let mut guard = self.lock_write_if_made();
        guard.get_or_insert_with(Box::default);
        WriteGuard(guard)
    }

    fn lock_write_if_made(&self) -> MutexGuard<'_, Option<Box<WriteSide>>> {
        self.write.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `AsyncRead::poll_read`.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Err(err) = self.check_runtime() {
            return Poll::Ready(Err(err));
        }
        let restore = ready!(coop::poll_proceed(cx));
        let mut side = self.lock_read();
        loop {
            if side.take_held(buf) {
                restore.made_progress();
                return Poll::Ready(Ok(()));
            }
            if side.recv.is_some() {
                let Poll::Ready(received) = side.poll_recv(cx) else {
                    side.follow_the_reader();
                    // What a task dump shows the task waits on.
                    record_wait(self.fd, IoDirection::Read);
                    return Poll::Pending;
                };
                match received {
                    Ok(true) => continue,
                    Ok(false) => {
                        // End of stream.
                        restore.made_progress();
                        return Poll::Ready(Ok(()));
                    }
                    Err(err) => {
                        restore.made_progress();
                        return Poll::Ready(Err(err));
                    }
                }
            }
            if buf.remaining() == 0 {
                restore.made_progress();
                return Poll::Ready(Ok(()));
            }
            side.start_recv(self.fd, self.ring(), buf.remaining());
        }
    }

    /// The ring of the receive in flight, if it is a multishot one (tests:
    /// where a receive runs).
    #[cfg(test)]
    pub(super) fn receive_ring(&self) -> Option<Arc<RingShared>> {
        match &self.lock_read().recv {
            Some(RecvOp::Multi(op)) => Some(op.ring().clone()),
            _ => None,
        }
    }

    /// Bytes already received, for `try_read`: `None` if there are none
    /// and no receive is in flight (the caller reads the socket itself);
    /// `WouldBlock` while a receive is in flight and incomplete (its bytes
    /// come first).
    pub(crate) fn try_read(&self, buf: &mut ReadBuf<'_>) -> Option<io::Result<()>> {
        if let Err(err) = self.check_runtime() {
            return Some(Err(err));
        }
        let mut side = self.lock_read();
        loop {
            if side.take_held(buf) {
                return Some(Ok(()));
            }
            let recv = side.recv.as_mut()?;
            let received = match recv {
                RecvOp::Multi(op) => match op.try_next() {
                    Poll::Ready(next) => Some(side_multi(next, op.ring())),
                    Poll::Pending => None,
                },
                RecvOp::Pooled(op) => {
                    let ring = op.ring().clone();
                    op.try_complete().map(|out| (side_pooled(out, ring), true))
                }
                RecvOp::Owned(op) => op.try_complete().map(|out| (side_owned(out), true)),
            };
            let Some((received, ended)) = received else {
                return Some(Err(io::ErrorKind::WouldBlock.into()));
            };
            side.took_one(ended);
            match side.apply(received) {
                Ok(true) => continue,
                Ok(false) => return Some(Ok(())),
                Err(err) => return Some(Err(err)),
            }
        }
    }

    /// Copies up to `buf.len()` held bytes without consuming them (`peek`);
    /// `None` if nothing is held.
    pub(crate) fn peek_held(&self, buf: &mut [u8]) -> Option<usize> {
        let side = self.lock_read();
        let bytes = side.held.as_ref()?.bytes();
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        Some(n)
    }

    /// Whether bytes are held, or a receive in flight must be waited for
    /// before the socket is read directly (readiness for reading).
    /// `Ready(true)`: readable now from what is held.
    pub(crate) fn poll_read_held(&self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        self.poll_held(cx, true)
    }

    /// As [`poll_read_held`](Self::poll_read_held), without asking the
    /// socket: `Ok(true)` only when bytes are held (`peek`).
    pub(crate) fn poll_held_only(&self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        self.poll_held(cx, false)
    }

    fn poll_held(&self, cx: &mut Context<'_>, ask_socket: bool) -> Poll<io::Result<bool>> {
        if let Err(err) = self.check_runtime() {
            return Poll::Ready(Err(err));
        }
        let mut side = self.lock_read();
        if side.held.is_some() {
            return Poll::Ready(Ok(true));
        }
        if side.recv.is_none() {
            if !ask_socket {
                return Poll::Ready(Ok(false));
            }
            // Nothing received through the ring: whether the socket has
            // bytes (or its end, or an error) now, asked without taking
            // them, so a readiness wait after a read that emptied what the
            // ring held is ready at once when more is queued, as epoll's
            // readiness stays set until a read finds nothing.
            return Poll::Ready(Ok(crate::sys::has_bytes_or_end(self.fd)));
        }
        match ready!(side.poll_recv(cx)) {
            // Bytes held, or the end of the stream (readable: a read
            // returns 0 at once).
            Ok(received) => Poll::Ready(Ok(received || ask_socket)),
            Err(err) => Poll::Ready(Err(err)),
        }
    }

    /// `AsyncWrite::poll_write_vectored` (and `poll_write`: one slice).
    pub(crate) fn poll_write(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Err(err) = self.check_runtime() {
            return Poll::Ready(Err(err));
        }
        let restore = ready!(coop::poll_proceed(cx));
        let mut guard = self.lock_write_if_made();
        if let Some(result) = self.send_now_if_idle(guard.as_deref(), bufs) {
            restore.made_progress();
            return Poll::Ready(result);
        }
        guard.get_or_insert_with(Box::default);
        let mut side = WriteGuard(guard);
        // One send in flight at a time: a second one could overtake it in
        // the kernel (both wait for room in the socket's send queue).
        if side.poll_send(cx, self).is_pending() {
            record_wait(self.fd, IoDirection::Write);
            return Poll::Pending;
        }
        if let Some(err) = side.error.take() {
            restore.made_progress();
            return Poll::Ready(Err(err));
        }
        let n = side.stage(bufs, MAX_STAGED);
        side.start_send(self.fd, self.ring());
        // Most sends complete inline (room in the socket's queue): their
        // error belongs to this write, as with a `send` system call.
        side.try_finish_send(self);
        restore.made_progress();
        Poll::Ready(match side.error.take() {
            Some(err) => Err(err),
            None => Ok(n),
        })
    }

    /// As `poll_write` without waiting (`try_write`): `WouldBlock` while a
    /// send is in flight.
    pub(crate) fn try_write(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.check_runtime()?;
        let mut guard = self.lock_write_if_made();
        if let Some(result) = self.send_now_if_idle(guard.as_deref(), bufs) {
            return result;
        }
        guard.get_or_insert_with(Box::default);
        let mut side = WriteGuard(guard);
        side.try_finish_send(self);
        if let Some(err) = side.error.take() {
            return Err(err);
        }
        if side.send.is_some() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = side.stage(bufs, MAX_STAGED);
        side.start_send(self.fd, self.ring());
        side.try_finish_send(self);
        match side.error.take() {
            Some(err) => Err(err),
            None => Ok(n),
        }
    }

    /// The copy-free write (`uring/send_now.rs`): with nothing staged or
    /// in flight (`side`, locked by the caller: no other write can slip
    /// in), `bufs` are sent from the caller's memory now. `None`: the
    /// socket had no room, or the write side is busy: the caller stages a
    /// copy and sends it behind.
    fn send_now_if_idle(&self, side: Option<&WriteSide>, bufs: &[io::IoSlice<'_>]) -> Option<io::Result<usize>> {
        if !side.is_none_or(WriteSide::is_idle) || bufs.iter().all(|buf| buf.is_empty()) {
            return None;
        }
        super::send_now::send_now(&self.ring(), self.fd, bufs)
    }

    /// Whether a write would be taken now (`poll_write_ready`); else waits
    /// for the send in flight.
    pub(crate) fn poll_write_room(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Err(err) = self.check_runtime() {
            return Poll::Ready(Err(err));
        }
        let mut side = self.lock_write();
        ready!(side.poll_send(cx, self));
        Poll::Ready(Ok(()))
    }

    /// Starts connecting the socket (made and not connected yet) to
    /// `addr` with an operation of the ring (`IORING_OP_CONNECT`, batched
    /// as rule 7 says, pushed by the first [`poll_connect`]): no `connect`
    /// system call, no poll, no `SO_ERROR` read. The operation holds the
    /// address, so the connecting future does not.
    ///
    /// [`poll_connect`]: Self::poll_connect
    pub(crate) fn start_connect(&self, addr: &std::net::SocketAddr) {
        let mut side = self.lock_write();
        let op = ConnectOp {
            fd: self.fd,
            addr: Box::new(crate::sys::raw_socket_addr(addr)),
        };
        side.connect = Some(self.connect_op(op));
    }

    fn connect_op(&self, op: ConnectOp) -> Connecting {
        Connecting::Connect(Op::new(self.ring(), op).always_batched())
    }

    /// Waits until the socket's connect ended: the one [`start_connect`]
    /// started, or a non-blocking `connect` system call made before (then
    /// a one-shot poll for writability on the ring, so the connect needs
    /// no epoll registration). `Ok(false)`: connected. `Ok(true)`: it
    /// ended in a wait for writability, and the caller reads the outcome
    /// from `SO_ERROR` (also when the kernel posts `EINPROGRESS` or
    /// `EALREADY` for a connect operation, as some kernels do). A connect
    /// operation cancelled by the exit of the thread that submitted it
    /// goes again from this one (rule 10, up to three times; a connect
    /// already under way then ends in `EALREADY`, one that succeeded in
    /// `EISCONN`). The write side
    /// made for the connect goes again after it, so an idle connection
    /// does not keep it.
    ///
    /// [`start_connect`]: Self::start_connect
    pub(crate) fn poll_connect(&self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        self.check_runtime()?;
        let mut side = self.lock_write();
        let result = loop {
            let wait = || Connecting::Wait(Op::new(self.ring(), PollWritable { fd: self.fd }));
            let connecting = side.connect.get_or_insert_with(wait);
            let polled = match connecting {
                Connecting::Connect(op) => std::pin::Pin::new(op).poll(cx).map(|(result, op)| (result, Some(op))),
                Connecting::Wait(op) => std::pin::Pin::new(op).poll(cx).map(|result| (result.map(drop), None)),
            };
            let Poll::Ready((result, connect_op)) = polled else {
                record_wait(self.fd, IoDirection::Write);
                return Poll::Pending;
            };
            let code = result.as_ref().err().and_then(io::Error::raw_os_error);
            match (code, connect_op) {
                // The connect goes on in the background: its outcome is
                // `SO_ERROR`'s once the socket is writable.
                (Some(libc::EINPROGRESS | libc::EALREADY), Some(_)) => side.connect = Some(wait()),
                // Connected before this attempt (a repeated connect).
                (Some(libc::EISCONN), Some(_)) => break Ok(false),
                (_, connect_op) => break result.map(|()| connect_op.is_none()),
            }
        };
        side.connect = None;
        // Made only for the connect: an idle connection does not keep it.
        if side.is_idle() {
            *side.0 = None;
        }
        Poll::Ready(result)
    }

    /// `AsyncWrite::poll_flush`: waits until the kernel took every byte
    /// written.
    pub(crate) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Err(err) = self.check_runtime() {
            return Poll::Ready(Err(err));
        }
        let restore = ready!(coop::poll_proceed(cx));
        let mut guard = self.lock_write_if_made();
        let Some(side) = guard.as_deref_mut() else {
            // Nothing was ever staged (copy-free writes only).
            restore.made_progress();
            return Poll::Ready(Ok(()));
        };
        ready!(side.poll_send(cx, self));
        restore.made_progress();
        if let Some(err) = side.error.take() {
            return Poll::Ready(Err(err));
        }
        if side.is_idle() {
            // Everything was sent: the buffers go, and later writes start
            // copy-free again (a connection that once had to wait for room
            // does not keep them while it idles).
            *guard = None;
        }
        Poll::Ready(Ok(()))
    }

    /// Shuts the write direction down once every byte written was sent:
    /// at once if no send is in flight (after the ring took what was
    /// pushed and reaped), else when that send completes, even if no one
    /// polls the stream again (an owned write half's drop).
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        let mut guard = self.lock_write_if_made();
        let Some(side) = guard.as_deref_mut() else {
            // Never written: nothing to wait for.
            return crate::sys::shutdown_write(self.fd);
        };
        if let Some(op) = &side.send {
            op.ring().flush(false);
        }
        side.try_finish_send(self);
        let Some(op) = side.send.take() else {
            return crate::sys::shutdown_write(self.fd);
        };
        let after = Arc::new(ShutdownAfter::default());
        let mut op = op;
        match op.data_mut() {
            Some(data) => data.then_shutdown = Some(after.clone()),
            None => return crate::sys::shutdown_write(self.fd),
        }
        side.shutdown_after = Some(after);
        // In flight, left to run: its completion shuts down (`discard`).
        drop(op);
        Ok(())
    }

    /// Gives up the socket: submits what is still pushed and unsubmitted
    /// (the kernel then holds its own reference to the file, so the
    /// caller may close the descriptor), cancels the receive in flight,
    /// and lets the sends run to completion (bytes written before a drop
    /// are sent). Staged bytes not yet handed to a send start one.
    pub(crate) fn release(&self) {
        let mut guard = self.lock_write_if_made();
        if let Some(write) = guard.as_deref_mut() {
            if let Some(after) = write.shutdown_after.take() {
                // The descriptor closes next: a shutdown still waiting for
                // its send needs one of its own.
                after.keep_descriptor(self.fd);
            }
            if let Some(send) = write.send.take() {
                submit_if_pushed(&send);
                // Dropped in flight: runs to completion
                // (`run_to_completion`, and `MSG_WAITALL`: no rest left
                // behind).
                drop(send);
            }
        }
        drop(guard);
        let mut read = self.lock_read();
        if let Some(recv) = read.recv.take() {
            match &recv {
                RecvOp::Multi(op) => {
                    // Pushed and perhaps not submitted: before the close.
                    op.ring().flush(false);
                }
                RecvOp::Pooled(op) => submit_if_pushed(op),
                RecvOp::Owned(op) => submit_if_pushed(op),
            }
            // Dropped in flight: cancelled; its buffer goes back to the
            // pool when the completion comes (`RecvPooled::discard`).
            drop(recv);
        }
        read.held = None;
    }

    /// Closes the socket's descriptor through the ring, after
    /// [`release`](Self::release) (which submitted what names it): false
    /// if the caller must close it itself.
    pub(crate) fn close_on_ring(&self) -> bool {
        self.ring().close_socket(self.fd)
    }

    /// Whether a write made the write side (it staged a copy, or waited
    /// for a connect): tests of the copy-free path.
    #[cfg(test)]
    pub(super) fn has_write_side(&self) -> bool {
        self.lock_write_if_made().is_some()
    }

    /// Whether bytes were received and not read (`into_std` cannot hand
    /// them back).
    pub(crate) fn has_unread(&self) -> bool {
        self.lock_read().held.is_some()
    }
}

impl Drop for RingStream {
    fn drop(&mut self) {
        self.release();
    }
}

/// Pushes a send without a waker (no task is woken by its completion
/// unless one waits: a flush, a full send buffer) and submits the ring at
/// once, with the receives the tick pushed so far: a write must reach the
/// kernel before `poll_write` returns, as on epoll, or a thread that
/// blocks after writing (a std client in the same `block_on`) would wait
/// for bytes still in the submission queue. No room: a later poll pushes
/// it. (Leaving a task's send for the worker's flush when other tasks are
/// ready, as rule 7 does for receives, was measured slower: the peer's
/// worker idles until the flush; the 10-connection echo went from 135k to
/// 63k msg/s.)
fn start_and_submit(op: &mut Op<SendOp>) {
    if op.start() {
        op.ring().flush(false);
    }
}

/// Records for task dumps that the polling task waits on the socket.
pub(super) fn record_wait(fd: RawFd, direction: IoDirection) {
    crate::runtime::waiting_on::record(WaitingOn::Io { fd, direction });
}

/// Submits `op`'s ring now if `op` was pushed and may not be submitted
/// yet, so that the kernel holds the file before the descriptor closes.
fn submit_if_pushed<T: Operation>(op: &Op<T>) {
    if op.in_flight() {
        op.ring().flush(true);
    }
}

/// What one receive brought: `Ok(true)` bytes (now held), `Ok(false)` the
/// end of the stream, or the error.
type Received = io::Result<Option<Held>>;

/// A multishot receive's next completion (`None`: it ended with its last
/// one taken, nothing received: the caller starts another), and whether
/// the operation is over.
fn side_multi(next: Option<(i32, u32)>, ring: &Arc<RingShared>) -> (Received, bool) {
    let Some((result, flags)) = next else {
        return (Err(io::ErrorKind::Interrupted.into()), true);
    };
    let ended = !cqueue::more(flags);
    if result == -libc::EINVAL {
        // A kernel without multishot receives: single ones from now on.
        NO_MULTISHOT_RECV.store(true, Relaxed);
        return (Err(io::ErrorKind::Interrupted.into()), true);
    }
    let out = PooledOutput {
        result: super::ops::cqe_result(result).map(|n| n as usize),
        buffer: cqueue::buffer_select(flags),
    };
    (side_pooled(out, ring.clone()), ended)
}

/// A pooled receive's outcome, its buffer (of `ring`'s pool) now held.
fn side_pooled(out: PooledOutput, ring: Arc<RingShared>) -> Received {
    let PooledOutput { result, buffer } = out;
    match (result, buffer) {
        (Ok(0), Some(id)) => {
            recycle(&ring, id);
            Ok(None)
        }
        (Ok(0), None) => Ok(None),
        (Ok(n), Some(id)) => {
            let bytes = ring
                .lock()
                .built_pool()
                .map(|pool| pool.buffer(id))
                .and_then(NonNull::new)
                .expect("a completion names a buffer of a built pool");
            Ok(Some(Held::Pooled {
                ring,
                id,
                bytes,
                start: 0,
                end: n,
            }))
        }
        (Ok(_), None) => Err(io::Error::other(
            "io_uring: a receive completed without its buffer",
        )),
        (Err(err), buffer) => {
            if let Some(id) = buffer {
                recycle(&ring, id);
            }
            Err(err)
        }
    }
}

fn side_owned((result, buf): (io::Result<usize>, Vec<u8>)) -> Received {
    match result {
        Ok(0) => Ok(None),
        Ok(_) => Ok(Some(Held::Owned { buf, start: 0 })),
        Err(err) => Err(err),
    }
}

fn recycle(ring: &RingShared, id: u16) {
    if let Some(pool) = ring.lock().built_pool() {
        pool.recycle(id);
    }
}

impl Held {
    fn bytes(&self) -> &[u8] {
        match self {
            Held::Pooled {
                bytes, start, end, ..
            } => {
                // SAFETY: `start..end` of the buffer holds the bytes the
                // kernel received (the completion said `end` bytes), and
                // the buffer is this `Held`'s until it is recycled.
                unsafe { std::slice::from_raw_parts(bytes.as_ptr().add(*start), end - start) }
            }
            Held::Owned { buf, start } => &buf[*start..],
        }
    }

    fn consume(&mut self, n: usize) {
        match self {
            Held::Pooled { start, .. } | Held::Owned { start, .. } => *start += n,
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Held::Pooled { ring, id, .. } = self {
            recycle(ring, *id);
        }
    }
}

impl ReadSide {
    /// Moves held bytes into `buf`; false if none are held.
    fn take_held(&mut self, buf: &mut ReadBuf<'_>) -> bool {
        let Some(held) = &mut self.held else {
            return false;
        };
        let bytes = held.bytes();
        let n = bytes.len().min(buf.remaining());
        buf.put_slice(&bytes[..n]);
        held.consume(n);
        if held.bytes().is_empty() {
            // Back to the pool at once (its `Drop`).
            self.held = None;
        }
        true
    }

    fn start_recv(&mut self, fd: RawFd, ring: Arc<RingShared>, room: usize) {
        let len = room.min(BUFFER_SIZE) as u32;
        let pooled = match ring.lock().buffer_pool() {
            None => false,
            Some(pool) => !self.pool_ran_dry || pool.has_buffers(),
        };
        self.pool_ran_dry = false;
        self.recv = Some(if pooled && !NO_MULTISHOT_RECV.load(Relaxed) {
            RecvOp::Multi(Multishot::new(ring, RecvMulti { fd }))
        } else if pooled {
            RecvOp::Pooled(Box::new(Op::new(ring, RecvPooled { fd, len }).always_batched()))
        } else {
            RecvOp::Owned(Box::new(
                Op::new(
                    ring,
                    RecvOwned {
                        fd,
                        buf: Vec::with_capacity(len as usize),
                    },
                )
                .always_batched(),
            ))
        });
    }

    /// A read waits on a multishot receive that runs on another worker's
    /// ring than the one polling (the task moved: stolen, or woken
    /// elsewhere): that receive's completions would keep coming through
    /// the other worker, and wake the task there. Asks the kernel to end
    /// it, without touching that ring's queue; its last completion
    /// (`ECANCELED`, after any data on its way) ends it as usual, and the
    /// read that takes it starts the next receive here (module note).
    fn follow_the_reader(&mut self) {
        if self.moving {
            return;
        }
        let Some(RecvOp::Multi(op)) = &self.recv else {
            return;
        };
        // A receive on the ring nobody owns (started outside the workers)
        // moves at once: no stealing bounces it back there.
        if self.taken < MOVE_AFTER && !op.ring().unowned {
            return;
        }
        // The usual case first: the reader owns the receive's ring.
        if super::submitter(op.ring()) != super::Submitter::Other {
            return;
        }
        let Some(here) = super::current_socket_ring() else {
            return;
        };
        let on_a_worker = super::submitter(&here.shared) != super::Submitter::Other;
        if on_a_worker && here.shared.rings_id == op.ring().rings_id {
            self.moving = op.cancel_in_place();
            if !self.moving {
                // Not cancelled now (not submitted yet, running): try again
                // after as many completions, not at every wait.
                self.taken = 0;
            }
        }
    }

    /// A completion of the receive in flight was taken; `ended`: its last.
    fn took_one(&mut self, ended: bool) {
        self.taken = self.taken.saturating_add(1);
        if ended {
            self.recv = None;
            self.moving = false;
            self.taken = 0;
        }
    }

    /// Polls the receive in flight; when it completes, applies it.
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        let recv = self.recv.as_mut().expect("a receive in flight");
        let (received, ended) = ready!(self.waiters.poll_with(cx, |cx| match recv {
            RecvOp::Multi(op) => {
                let next = ready!(op.poll_next(cx));
                Poll::Ready(side_multi(next, op.ring()))
            }
            RecvOp::Pooled(op) => {
                let out = ready!(std::pin::Pin::new(&mut *op).poll(cx));
                Poll::Ready((side_pooled(out, op.ring().clone()), true))
            }
            RecvOp::Owned(op) => {
                Poll::Ready((side_owned(ready!(std::pin::Pin::new(op).poll(cx))), true))
            }
        }));
        self.took_one(ended);
        Poll::Ready(self.apply(received))
    }

    /// `Ok(true)`: bytes are held now; `Ok(false)`: end of stream. A pool
    /// out of buffers is no error: the next receive brings its own.
    fn apply(&mut self, received: Received) -> io::Result<bool> {
        match received {
            Ok(Some(held)) => {
                self.held = Some(held);
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(err) if err.raw_os_error() == Some(libc::ENOBUFS) => {
                self.pool_ran_dry = true;
                // Nothing was received: the caller starts the next one.
                Ok(true)
            }
            // A multishot receive that ended with nothing to give (or that
            // the kernel refused): the caller starts the next one.
            Err(err) if err.kind() == io::ErrorKind::Interrupted => Ok(true),
            // Cancelled by the kernel because the thread that submitted it
            // exited (a multishot receive, or one taken by `try_complete`:
            // `Op::poll` pushes the others again, rule 10), or by us to move
            // the receive to its reader's ring (`follow_the_reader`; a
            // dropped receive's completions are discarded): the next one
            // starts.
            Err(err) if err.raw_os_error() == Some(libc::ECANCELED) => Ok(true),
            Err(err) => Err(err),
        }
    }
}

impl WriteSide {
    /// Nothing staged, in flight, failed or waiting: a write may go out
    /// from the caller's memory (`send_now_if_idle`).
    fn is_idle(&self) -> bool {
        self.staged.is_empty()
            && self.send.is_none()
            && self.error.is_none()
            && self.shutdown_after.is_none()
            && self.connect.is_none()
    }

    /// Copies up to `room` bytes of `bufs` into `staged`.
    fn stage(&mut self, bufs: &[io::IoSlice<'_>], room: usize) -> usize {
        let mut n = 0;
        for buf in bufs {
            let take = buf.len().min(room - n);
            self.staged.extend_from_slice(&buf[..take]);
            n += take;
            if n == room {
                break;
            }
        }
        n
    }

    /// Hands everything staged to a new send.
    fn start_send(&mut self, fd: RawFd, ring: Arc<RingShared>) {
        if self.staged.is_empty() {
            return;
        }
        let next = std::mem::take(&mut self.spare);
        let buf = std::mem::replace(&mut self.staged, next);
        let mut op = Op::new(
            ring,
            SendOp {
                fd,
                buf,
                then_shutdown: None,
            },
        )
        .run_to_completion();
        start_and_submit(&mut op);
        self.send = Some(op);
    }

    /// Waits for the send in flight, if any; its outcome is applied (a
    /// send the kernel cancelled goes again: `finish_send`).
    fn poll_send(&mut self, cx: &mut Context<'_>, stream: &RingStream) -> Poll<()> {
        loop {
            let Some(op) = self.send.as_mut() else {
                return Poll::Ready(());
            };
            let output = ready!(self.waiters.poll_with(cx, |cx| std::pin::Pin::new(op).poll(cx)));
            self.finish_send(output, stream);
        }
    }

    /// Applies the send in flight's outcome if it came.
    fn try_finish_send(&mut self, stream: &RingStream) {
        if let Some(output) = self.send.as_mut().and_then(Op::try_complete) {
            self.finish_send(output, stream);
        }
    }

    /// Applies a send's outcome. A send the kernel cancelled, whole or
    /// part way (`ECANCELED`, or a short count: the thread that submitted
    /// it exited, and the kernel cancels what a thread submitted when it
    /// exits), is started again with the bytes it did not send, ahead of
    /// anything staged since; our own cancels never reach here (a dropped
    /// send runs to completion).
    fn finish_send(&mut self, (result, mut buf): (io::Result<usize>, Vec<u8>), stream: &RingStream) {
        self.send = None;
        let sent = match result {
            Ok(n) => n.min(buf.len()),
            Err(err) if err.raw_os_error() == Some(libc::ECANCELED) => 0,
            Err(err) => {
                // The connection is broken: what is left is dropped.
                self.error = Some(err);
                buf.len()
            }
        };
        if sent < buf.len() {
            let mut rest = buf.split_off(sent);
            rest.extend_from_slice(&self.staged);
            self.staged = rest;
            self.start_send(stream.fd, stream.ring());
        }
        buf.clear();
        if self.spare.capacity() < buf.capacity() {
            self.spare = buf;
        }
    }
}

/// A receive into a buffer the kernel picks from the ring's pool.
pub(crate) struct RecvPooled {
    fd: RawFd,
    len: u32,
}

/// A pooled receive's result, and the id of the buffer it filled.
pub(crate) struct PooledOutput {
    result: io::Result<usize>,
    buffer: Option<u16>,
}

impl Discard for RecvPooled {
    /// A receive completed after its stream was dropped: its buffer goes
    /// back to the pool.
    fn discard_with_flags(&mut self, _position: usize, _result: i32, flags: u32, ring: &mut RingInner) {
        if let (Some(id), Some(pool)) = (cqueue::buffer_select(flags), ring.built_pool()) {
            pool.recycle(id);
        }
    }
}

impl Operation for RecvPooled {
    type Output = PooledOutput;

    fn entries(&mut self) -> Chain {
        Chain::one(
            opcode::Recv::new(types::Fd(self.fd), std::ptr::null_mut(), self.len)
                .buf_group(GROUP)
                .build()
                .flags(squeue::Flags::BUFFER_SELECT),
        )
    }

    fn complete(self, results: &[i32]) -> PooledOutput {
        self.complete_with_flags(results, &[0])
    }

    fn complete_with_flags(self, results: &[i32], flags: &[u32]) -> PooledOutput {
        PooledOutput {
            result: super::ops::cqe_result(results[0]).map(|n| n as usize),
            buffer: cqueue::buffer_select(flags[0]),
        }
    }
}

/// A multishot receive into the ring's pool: a completion each time data
/// arrives, until the ring runs out of buffers (`ENOBUFS`), the stream ends, or an
/// error.
pub(crate) struct RecvMulti {
    fd: RawFd,
}

impl Discard for RecvMulti {
    /// A completion after the stream was dropped: its buffer goes back.
    fn discard_with_flags(&mut self, _position: usize, _result: i32, flags: u32, ring: &mut RingInner) {
        if let (Some(id), Some(pool)) = (cqueue::buffer_select(flags), ring.built_pool()) {
            pool.recycle(id);
        }
    }
}

impl Operation for RecvMulti {
    type Output = ();

    fn entries(&mut self) -> Chain {
        Chain::one(opcode::RecvMulti::new(types::Fd(self.fd), GROUP).build())
    }

    /// Never called: a multishot operation's completions are taken one
    /// by one (`Multishot::poll_next`).
    fn complete(self, _results: &[i32]) {}
}

/// A receive into a buffer of the stream's own (the pool was out of
/// buffers, or could not be built).
pub(crate) struct RecvOwned {
    fd: RawFd,
    buf: Vec<u8>,
}

impl Discard for RecvOwned {}

impl Operation for RecvOwned {
    type Output = (io::Result<usize>, Vec<u8>);

    fn entries(&mut self) -> Chain {
        let len = self.buf.capacity() as u32;
        Chain::one(opcode::Recv::new(types::Fd(self.fd), self.buf.as_mut_ptr(), len).build())
    }

    fn complete(mut self, results: &[i32]) -> Self::Output {
        let result = super::ops::cqe_result(results[0]).map(|n| n as usize);
        if let Ok(n) = result {
            // SAFETY: the kernel initialized the `n` bytes it received,
            // at most the capacity it was given.
            unsafe { self.buf.set_len(n) };
        }
        (result, self.buf)
    }
}

/// A send of `buf`, whole (`MSG_WAITALL`: the kernel retries until every
/// byte is queued or the connection fails; `MSG_NOSIGNAL`: a broken
/// connection is an `EPIPE` error, not a signal).
pub(crate) struct SendOp {
    fd: RawFd,
    buf: Vec<u8>,
    /// Set when the write direction is to be shut down once this send
    /// completed (an owned write half dropped mid-send).
    then_shutdown: Option<Arc<ShutdownAfter>>,
}

/// A shutdown of the write direction left to a send's completion, and the
/// descriptor it needs if the stream closed its own meanwhile.
#[derive(Default)]
pub(crate) struct ShutdownAfter {
    state: Mutex<ShutdownState>,
}

#[derive(Default)]
struct ShutdownState {
    /// The send completed and the shutdown ran.
    done: bool,
    /// A duplicate of the socket's descriptor, made by the stream's drop
    /// while the send was still in flight.
    kept: Option<std::os::fd::OwnedFd>,
}

impl ShutdownAfter {
    /// The send completed: shuts the write direction down (on the kept
    /// descriptor if the stream's is closed).
    fn run(&self, fd: RawFd) {
        let kept = {
            let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if state.done {
                return;
            }
            state.done = true;
            let target = state.kept.as_ref().map_or(fd, std::os::fd::AsRawFd::as_raw_fd);
            // A failure (the peer is gone) leaves nothing to do.
            let _ = crate::sys::shutdown_write(target);
            state.kept.take()
        };
        drop(kept);
    }

    /// The stream closes its descriptor: keeps a duplicate for the
    /// shutdown if it has not run yet.
    fn keep_descriptor(&self, fd: RawFd) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !state.done && state.kept.is_none() {
            state.kept = crate::sys::dup_cloexec(fd).ok();
        }
    }
}

impl Discard for SendOp {
    /// The send of a dropped write half completed: the shutdown it was
    /// left runs now.
    fn discard(&mut self, _position: usize, _result: i32, _ring: &mut RingInner) {
        if let Some(after) = &self.then_shutdown {
            after.run(self.fd);
        }
    }
}

impl Operation for SendOp {
    /// The bytes sent, and the buffer.
    type Output = (io::Result<usize>, Vec<u8>);

    fn entries(&mut self) -> Chain {
        Chain::one(
            opcode::Send::new(types::Fd(self.fd), self.buf.as_ptr(), self.buf.len() as u32)
                .flags(libc::MSG_NOSIGNAL | libc::MSG_WAITALL)
                .build(),
        )
    }

    // No `orphan_repeat` (rule 10): the stream's descriptor number is
    // closed once the stream is dropped, and may be another file's. A
    // descriptor of its own would keep the socket open until a reap took
    // the completion, which a current-thread runtime makes only inside
    // its next `block_on`: the peer would wait that long for the end.

    fn complete(self, results: &[i32]) -> Self::Output {
        let result = super::ops::cqe_result(results[0]).map(|n| n as usize);
        if let Some(after) = &self.then_shutdown {
            after.run(self.fd);
        }
        (result, self.buf)
    }
}

/// What a stream's connect waits for.
enum Connecting {
    /// The connect itself (`start_connect`).
    Connect(Op<ConnectOp>),
    /// The socket's writability: the end of a connect started elsewhere
    /// (`poll_connect`), or one the kernel left in progress.
    Wait(Op<PollWritable>),
}

/// A connect to an address the operation owns (boxed: the kernel reads it
/// while the operation's data may move, rule 2).
pub(crate) struct ConnectOp {
    fd: RawFd,
    /// The address as the kernel reads it, and its length.
    addr: Box<(libc::sockaddr_storage, libc::socklen_t)>,
}

impl Discard for ConnectOp {}

impl Operation for ConnectOp {
    /// The outcome, and the operation (to be made again if the kernel
    /// cancelled it).
    type Output = (io::Result<()>, ConnectOp);

    fn entries(&mut self) -> Chain {
        let (addr, len) = &*self.addr;
        Chain::one(opcode::Connect::new(types::Fd(self.fd), std::ptr::from_ref(addr).cast(), *len).build())
    }

    fn complete(self, results: &[i32]) -> Self::Output {
        (super::ops::cqe_result(results[0]).map(drop), self)
    }
}

/// A one-shot poll for writability (`POLLOUT`): the end of a connect.
pub(crate) struct PollWritable {
    fd: RawFd,
}

impl Discard for PollWritable {}

impl Operation for PollWritable {
    type Output = io::Result<u32>;

    fn entries(&mut self) -> Chain {
        Chain::one(opcode::PollAdd::new(types::Fd(self.fd), libc::POLLOUT as u32).build())
    }

    /// The events that ended the poll (an error or hang-up too).
    fn complete(self, results: &[i32]) -> io::Result<u32> {
        super::ops::cqe_result(results[0])
    }
}

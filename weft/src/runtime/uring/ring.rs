//! One io_uring ring and the table of its operations in flight (rules in
//! the module's design note, `uring/mod.rs`).

use super::op::Discard;
use crate::loom::{Arc, AtomicBool, Mutex, MutexGuard, Ordering::*};
use std::ops::{Deref, DerefMut};
use io_uring::{opcode, squeue, types, IoUring};
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::sync::Weak;
use std::task::Waker;
use std::time::{Duration, Instant};

/// `user_data` of the completions nobody waits for (cancel requests).
const IGNORED: u64 = u64::MAX;
/// `user_data` of the multishot poll of the I/O driver's epoll instance,
/// in the ring its owner sleeps in ([`RingShared::wait`]).
const EPOLL_POLL: u64 = u64::MAX - 1;
/// `user_data` of the multishot poll of the owner's unpark eventfd, in the
/// ring of a worker that sleeps in it without the I/O driver.
const UNPARK_POLL: u64 = u64::MAX - 2;
/// `user_data` of the cancel of the epoll poll (ignored, and, as both
/// polls, outside the in-flight count).
const POLL_CANCEL: u64 = u64::MAX - 3;

/// What ends an owner's sleep in its ring besides its own completions.
#[derive(Debug, Clone, Copy)]
pub(crate) enum WakeSource {
    /// The I/O driver's epoll instance: the thread holds the driver.
    Epoll,
    /// The worker's own unpark eventfd: the driver is another thread's.
    Unpark(RawFd),
}
/// `user_data` of a no-op that ends the owner's sleep in its ring
/// ([`RingInner::nudge_owner`]; outside the in-flight count).
const OWNER_NUDGE: u64 = u64::MAX - 5;
/// `user_data` of the close of a stream socket's descriptor
/// ([`RingShared::close_socket`]): nobody waits for it. (Never cancelled
/// unasked, rule 10: a socket has no `flush`, so its close runs inline in
/// the enter that submits it.)
const SOCKET_CLOSE: u64 = u64::MAX - 4;
/// `user_data` tag of the close of a direct descriptor; the low 32 bits
/// are its slot, given back to the free list when the close completes.
const DIRECT_CLOSE: u64 = 1 << 63;
/// An operation's `user_data` is its slot's index (low 32 bits) and the
/// slot's generation (31 bits above: bit 63 stays clear).
const GENERATION_MASK: u32 = (1 << 31) - 1;
/// Slots of the ring's table of direct descriptors (sparse, registered at
/// build): more than the `read_file` chains a full ring holds in flight
/// (512 completions, three per chain), so many files read at once do not
/// run out and take the slower path (open, `statx`, reads and close on a
/// descriptor). The kernel keeps 8 bytes per slot.
pub(super) const DIRECT_FILES: u32 = 256;
/// The longest sleep in a ring after the kernel refused to take what was
/// queued (`EBUSY`, `EAGAIN`): the sleeper submits again after it.
const REFUSED_RETRY: Duration = Duration::from_millis(1);
/// How long dropping a ring waits for the kernel to finish what is still
/// in flight before it leaks those operations' resources (shutdown rule).
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// A ring as the runtime holds it: shared by the worker that owns it, the
/// operations submitted to it, and the I/O driver that reaps it.
pub(crate) struct RingShared {
    /// The worker (or the current-thread scheduler: 0) that owns it.
    pub(super) index: usize,
    /// The runtime's set of rings (`Rings::id`).
    pub(super) rings_id: usize,
    /// `RingConfig::submit_alone_at_once`.
    pub(super) submit_alone_at_once: bool,
    /// The ring of the threads outside the scheduler (`Rings::others`):
    /// no thread owns it.
    pub(super) unowned: bool,
    fd: RawFd,
    inner: Mutex<RingInner>,
    /// Nothing unsubmitted, in flight or waiting to close: written as each
    /// lock is released ([`RingGuard`]), read without the lock so that the
    /// scheduler's `flush` and `reap` at every driver check cost one load
    /// when the ring has no work (the common case of a runtime that does
    /// not touch files). A stale `true` on the owner cannot hide work: the
    /// owner's own pushes are ordered before its flush, and another
    /// thread's push is submitted by that thread, at once (rule 7) or at
    /// its own next flush (`owed.rs`), which reads no `idle` flag of this
    /// ring; the I/O driver reaps after
    /// the ring's fd fired, which the kernel signals only after the
    /// submitting thread's `io_uring_enter`, itself after the Release store
    /// of its unlock.
    idle: AtomicBool,
    /// Its runtime shut down (`shut_down`).
    shut_down: AtomicBool,
}

/// The ring's lock: on release it records whether the ring is idle, and
/// makes sure a wake-up meant for the owner that another thread took
/// still reaches it ([`RingInner::owner_wake_taken`]).
pub(super) struct RingGuard<'a> {
    guard: MutexGuard<'a, RingInner>,
    ring: &'a RingShared,
}

impl Deref for RingGuard<'_> {
    type Target = RingInner;
    fn deref(&self) -> &RingInner {
        &self.guard
    }
}

impl DerefMut for RingGuard<'_> {
    fn deref_mut(&mut self) -> &mut RingInner {
        &mut self.guard
    }
}

impl Drop for RingGuard<'_> {
    fn drop(&mut self) {
        let inner = &mut *self.guard;
        if std::mem::take(&mut inner.owner_wake_taken) && !self.ring.on_owner_thread() {
            if inner.owner_sleeping {
                inner.nudge_owner();
            } else {
                inner.owner_wake_pending = true;
            }
        }
        let idle = inner.unsubmitted == 0 && inner.nothing_pending() && inner.in_flight == 0;
        // Release: pairs with the Acquire loads in `flush` and `reap`.
        self.ring.idle.store(idle, Release);
    }
}

/// Everything behind the ring's mutex.
pub(crate) struct RingInner {
    uring: IoUring,
    /// Operations by the low 32 bits of their `user_data`.
    slots: Vec<Slot>,
    /// Each slot's generation, bits 32-62 of its `user_data` (rule 5).
    generations: Vec<u32>,
    free_slots: Vec<u32>,
    /// SQEs pushed whose completion has not been reaped yet (each SQE,
    /// cancel requests and direct closes included, posts exactly one CQE).
    in_flight: usize,
    /// At most this many in flight: the completion queue's size, so the
    /// completion queue never overflows.
    capacity: usize,
    /// SQEs in the queue that the kernel had not taken at the last count
    /// (any thread's; counted after each enter, added to by each push: it
    /// may be high, never low).
    unsubmitted: usize,
    /// Operations waiting for room (rule 6).
    room_waiters: Vec<Waker>,
    /// Free slots of the direct-descriptor table; empty if the table could
    /// not be registered.
    free_files: Vec<u32>,
    /// Direct descriptors to close once the submission queue has room.
    pending_closes: Vec<u32>,
    /// Orphans' operations that the kernel cancelled unasked, to push
    /// again once there is room (rule 10); each names only memory its
    /// slot keeps.
    pending_repeats: Vec<squeue::Entry>,
    /// Times an operation had to wait for room (rule 6), for tests.
    pub(super) room_waits: u64,
    /// Operations pushed again after the kernel cancelled them unasked
    /// (rule 10), for tests.
    pub(super) resubmitted: u64,
    /// `io_uring_enter` calls (submits and waits): tests, and
    /// `RuntimeMetrics::io_uring_enter_count`.
    pub(super) enters: u64,
    /// SQEs pushed (cancels and polls of the ring's own included).
    pushed: u64,
    /// CQEs reaped.
    reaped: u64,
    /// Times another thread handed the owner a wake-up it took
    /// (`nudge_owner`), for tests.
    nudges: u64,
    /// The I/O driver's epoll instance and the ring's token there, once
    /// the driver took the ring ([`RingShared::attach_to_epoll`]).
    epoll: Option<(Arc<OwnedFd>, u64)>,
    /// Whether the ring's descriptor is in the epoll instance (a one-shot
    /// entry: armed, or disarmed by its event until removed), so that a
    /// completion wakes the thread sleeping in epoll (design note,
    /// "Waiting for completions while workers sleep").
    armed: bool,
    /// Times the entry was added, for tests.
    pub(super) arms: u64,
    /// The receive buffers of the stream sockets, built by the first
    /// receive (after `uring` in this struct: dropped after the ring that
    /// registered it).
    pool: Option<super::buffers::BufferPool>,
    /// Building the pool failed (the sockets then receive into buffers of
    /// their own).
    pool_failed: bool,
    /// The multishot poll of the epoll instance is in the ring.
    epoll_polled: bool,
    /// Its completion came since the last [`RingShared::wait`]: epoll has
    /// events to take.
    epoll_fired: bool,
    /// The multishot poll of the owner's unpark eventfd is in the ring.
    unpark_polled: bool,
    /// The owner sleeps in `io_uring_enter` ([`RingShared::wait`]), or is
    /// about to: set under the lock after its last look at the completion
    /// queue.
    owner_sleeping: bool,
    /// A reap since the lock was taken consumed a completion that ends the
    /// owner's sleep (its unpark eventfd's or epoll's poll firing, a
    /// nudge). Such a completion can be taken by any thread that reaps
    /// the ring (one that submitted to it); the release of the lock then
    /// hands the wake-up on, so that none is lost:
    ///
    /// * taken by the owner: nothing to do (it is awake);
    /// * taken by another thread while the owner sleeps, or is about to
    ///   (`owner_sleeping`): the ring is nudged, a no-op whose completion
    ///   ends the sleep (`io_uring_enter` wakes on any completion posted
    ///   after it started, and returns at once if one is there when it
    ///   starts). Should another thread take the nudge too, it nudges
    ///   again: the last release always leaves a completion for the owner.
    /// * taken by another thread while the owner is not in its ring (on
    ///   its condvar, or running): `owner_wake_pending`, which the owner's
    ///   next sleep sees under the lock before it sleeps.
    owner_wake_taken: bool,
    /// See `owner_wake_taken`.
    owner_wake_pending: bool,
}

/// The state of one `user_data` (rules 1-5).
pub(super) enum Slot {
    Vacant,
    /// Pushed; the waker of the future that waits, once it has polled.
    Waiting(Option<Waker>),
    /// The completion's result and flags, until the future takes them.
    Done(i32, u32),
    /// Its future was dropped: what the kernel may still use, kept until
    /// the completion comes (shared by the slots of one chain).
    /// The flag: the ring's drop cancels it (false for operations that
    /// run to completion once started: a send's bytes reach the peer even
    /// when the runtime is dropped right after the write).
    Orphan(usize, Arc<Mutex<Box<dyn Discard>>>, bool),
    /// A multishot operation (`uring/multishot.rs`): the completions not
    /// taken yet, the waker of its latest poller, and whether its last
    /// completion (no `IORING_CQE_F_MORE`) came.
    Multishot {
        completions: std::collections::VecDeque<(i32, u32)>,
        waker: Option<Waker>,
        ended: bool,
    },
    /// A multishot operation whose owner was dropped: each completion is
    /// discarded; the slot is freed with the last.
    MultishotOrphan(Box<dyn Discard>),
}

/// What a reap or a flush leaves to do once the lock is released: wakes
/// and drops run no code of ours under the ring's lock.
#[derive(Default)]
pub(crate) struct AfterUnlock {
    wakers: Vec<Waker>,
    drops: Vec<Arc<Mutex<Box<dyn Discard>>>>,
}

impl AfterUnlock {
    /// Drops and wakes; returns whether it woke anything.
    pub(super) fn run(self) -> bool {
        drop(self.drops);
        let woke = !self.wakers.is_empty();
        if woke {
            let wakers = self.wakers;
            let wake = || wakers.into_iter().for_each(Waker::wake);
            // On a scheduler thread, as I/O wakes (queued in order, no
            // LIFO slot: see `Core::waking_from_io` of the multi-thread
            // worker).
            crate::runtime::context::with_scheduler(|cx| match cx {
                Some(cx) => cx.wake_from_ring(wake),
                None => wake(),
            });
        }
        woke
    }
}

impl RingShared {
    pub(super) fn new(
        uring: IoUring,
        index: usize,
        rings_id: usize,
        direct_files: bool,
    ) -> RingShared {
        let capacity = uring.params().cq_entries() as usize;
        let free_files = if direct_files {
            (0..DIRECT_FILES).rev().collect()
        } else {
            Vec::new()
        };
        RingShared {
            index,
            rings_id,
            submit_alone_at_once: true,
            unowned: false,
            fd: uring.as_raw_fd(),
            idle: AtomicBool::new(true),
            shut_down: AtomicBool::new(false),
            inner: Mutex::new(RingInner {
                uring,
                slots: Vec::new(),
                generations: Vec::new(),
                free_slots: Vec::new(),
                in_flight: 0,
                capacity,
                unsubmitted: 0,
                room_waiters: Vec::new(),
                free_files,
                pending_closes: Vec::new(),
                pending_repeats: Vec::new(),
                room_waits: 0,
                resubmitted: 0,
                enters: 0,
                pushed: 0,
                reaped: 0,
                nudges: 0,
                epoll: None,
                armed: false,
                arms: 0,
                pool: None,
                pool_failed: false,
                epoll_polled: false,
                epoll_fired: false,
                unpark_polled: false,
                owner_sleeping: false,
                owner_wake_taken: false,
                owner_wake_pending: false,
            }),
        }
    }

    pub(super) fn lock(&self) -> RingGuard<'_> {
        RingGuard {
            guard: self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
            ring: self,
        }
    }

    /// Marks the owner as between its last look at the completion queue
    /// and its sleep (`RingInner::owner_sleeping`), as `wait` does: tests
    /// of the hand-off of a wake-up another thread took.
    #[cfg(test)]
    pub(super) fn pretend_the_owner_is_falling_asleep(&self) {
        self.lock().owner_sleeping = true;
    }

    /// Completions posted and not reaped yet (tests).
    #[cfg(test)]
    pub(super) fn queued_completions(&self) -> usize {
        let mut inner = self.lock();
        let mut cq = inner.uring.completion();
        cq.sync();
        cq.len()
    }

    /// Times another thread nudged the owner (tests).
    #[cfg(test)]
    pub(super) fn nudges(&self) -> u64 {
        self.lock().nudges
    }

    /// Whether the calling thread owns this ring (the worker, or the
    /// current-thread scheduler, whose ring it is).
    fn on_owner_thread(&self) -> bool {
        super::submitter(self) != super::Submitter::Other
    }

    /// Submits what is pushed with the ring's lock released for the
    /// system call, and returns the lock taken again. The kernel runs a
    /// send inline in `io_uring_enter` (the whole TCP transmit path, the
    /// receiver's softirq included), and another worker polling an
    /// operation of this ring (a task that moved) must not wait for that;
    /// the kernel serializes submitters itself, and an entry is complete
    /// in the queue before the tail that shows it (`push`). Also enters
    /// when completions of this thread's operations wait for it (rings
    /// built with `COOP_TASKRUN`), so they are posted. The enter takes
    /// the whole queue as the kernel finds it (rule 8).
    pub(super) fn submit_unlocked<'a>(&'a self, inner: RingGuard<'a>) -> RingGuard<'a> {
        match self.try_submit_unlocked(inner) {
            (inner, Ok(())) => inner,
            (_, Err(err)) => panic!("io_uring_enter failed: {err}"),
        }
    }

    /// [`submit_unlocked`](Self::submit_unlocked), returning the enter's
    /// error instead of panicking with it.
    pub(super) fn try_submit_unlocked<'a>(&'a self, mut inner: RingGuard<'a>) -> (RingGuard<'a>, io::Result<()>) {
        inner.push_pending();
        if inner.unsubmitted == 0 && !inner.uring.submission().taskrun() {
            return (inner, Ok(()));
        }
        drop(inner);
        let result = crate::sys::io_uring_submit_all(self.fd);
        let mut inner = self.lock();
        if result.is_ok() {
            inner.enters += 1;
            inner.count_unsubmitted();
        }
        (inner, result.map(drop))
    }

    /// Asks the kernel to cancel the submitted operation `user_data` from
    /// the calling thread, with nothing pushed to the queue
    /// (`IORING_REGISTER_SYNC_CANCEL`, Linux 6.0): a thread that does not
    /// own the ring then submits none of the owner's batched entries
    /// ("Ring ownership" in `uring/mod.rs`). Does not wait: an operation
    /// the kernel cannot cancel at once (not found, not submitted yet,
    /// running) is left alone. Its completion still comes as usual
    /// (`ECANCELED`, for a multishot operation after those on their way).
    /// Returns whether the kernel took the cancel.
    pub(super) fn cancel_in_place(&self, user_data: u64) -> bool {
        /// The kernel refused the call once (before 6.0): never again.
        static UNSUPPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if UNSUPPORTED.load(std::sync::atomic::Ordering::Relaxed) {
            return false;
        }
        // Under the ring's mutex, which holds the `IoUring` the call needs.
        // The call does not wait (zero timeout), and the kernel lock it
        // takes is held by the owner only inside an enter, which never
        // waits for this mutex.
        let inner = self.lock();
        let result = inner
            .uring
            .submitter()
            .register_sync_cancel(Some(types::Timespec::new()), types::CancelBuilder::user_data(user_data));
        drop(inner);
        match result.map_err(|err| err.raw_os_error()) {
            Ok(()) => true,
            // A kernel without the call (before 6.0), or one that refuses it.
            Err(Some(libc::EINVAL | libc::EOPNOTSUPP)) => {
                UNSUPPORTED.store(true, std::sync::atomic::Ordering::Relaxed);
                false
            }
            // Not found (not submitted yet, or ended), running, not
            // cancelled within the zero timeout, interrupted: left alone
            // this time.
            Err(_) => false,
        }
    }

    /// Runs one entry that names memory the caller only borrows, and
    /// returns its result once the kernel is done with that memory: the
    /// entry is pushed and submitted at once, and its completion is taken
    /// before this returns. Meant for entries that end inside the
    /// `io_uring_enter` that submits them (a send with `MSG_DONTWAIT`,
    /// `uring/send_now.rs`); one that has not ended by then (the kernel
    /// refused the enter for lack of resources and left it queued, or it
    /// waits for the socket) is cancelled and waited for, here, on this
    /// thread. `None`: the ring had no room, and nothing was pushed.
    ///
    /// # Safety
    ///
    /// What `entry` points to stays valid until this returns (it does not
    /// return while the kernel may still read or write it).
    pub(super) unsafe fn run_borrowed(&self, entry: squeue::Entry) -> Option<i32> {
        let mut inner = self.lock();
        // Room for the entry and for its cancel, should it need one.
        if !inner.make_room(2) {
            return None;
        }
        let slot = inner.alloc_slot();
        // SAFETY: the caller keeps what the entry names alive until this
        // returns, and this returns only after the entry's completion.
        unsafe { inner.push(&[entry.user_data(slot)]) };
        let mut after = AfterUnlock::default();
        let mut inner = self.submit_unlocked(inner);
        inner.reap(&mut after);
        let mut cancel_pushed = false;
        let result = loop {
            if let Slot::Done(result, _) = *inner.slot_mut(slot) {
                inner.free_slot(slot);
                break result;
            }
            if !cancel_pushed {
                cancel_pushed = inner.push_cancel(slot);
            }
            inner = self.wait_unlocked(inner);
            inner.reap(&mut after);
        };
        if super::submitter(self) == super::Submitter::Other {
            // What this enter submitted for others may still be in
            // flight, and the owner may sleep.
            inner.submit_if_queued();
            inner.arm();
        }
        drop(inner);
        after.run();
        Some(result)
    }

    /// Closes stream socket descriptor `fd` through the ring
    /// (`IORING_OP_CLOSE`): with the tick's other operations when the
    /// owner batches (rule 7), else at once. The number stays taken until
    /// the close runs, so nothing pushed for the socket before can act on
    /// another file. Returns false, and the caller closes `fd` itself,
    /// when the ring has no room or its runtime shut down (no worker would
    /// submit it).
    pub(crate) fn close_socket(&self, fd: RawFd) -> bool {
        if self.is_shut_down() {
            return false;
        }
        let submitter = super::submitter(self);
        let mut inner = self.lock();
        if !inner.make_room(1) {
            return false;
        }
        let entry = opcode::Close::new(types::Fd(fd))
            .build()
            .user_data(SOCKET_CLOSE);
        // SAFETY: a close names no memory.
        unsafe { inner.push(&[entry]) };
        if submitter != super::Submitter::OwnerBatching {
            self.submit_now(inner, submitter);
        }
        true
    }

    /// Releases the lock after a push made outside an operation's first
    /// poll (a dropped operation's cancel, a direct descriptor's close):
    /// the owner's flush before it searches or sleeps takes the owner's
    /// (rule 9: a close after each `fs::read` costs no enter of its own),
    /// another scheduler thread's next flush takes its own (`owed.rs`),
    /// and any other thread submits now.
    ///
    /// (See also [`cancel_in_place`](Self::cancel_in_place), which pushes
    /// nothing.)
    pub(super) fn release_after_push(self: &Arc<Self>, inner: RingGuard<'_>) {
        match super::submitter(self) {
            super::Submitter::Other if !super::owed::owe(self) => self.submit_now(inner, super::Submitter::Other),
            _ => drop(inner),
        }
    }

    /// Submits what is pushed now (rule 7: a push no flush will come for,
    /// or the owner's only ready task), takes what completed inline, and,
    /// for a `submitter` that is not the owner, arms the ring's epoll
    /// entry, since the owner may sleep and what is left must wake a
    /// sleeper. Wakes the completed operations' tasks after the lock is
    /// released.
    pub(super) fn submit_now(&self, inner: RingGuard<'_>, submitter: super::Submitter) {
        let mut after = AfterUnlock::default();
        let mut inner = self.submit_unlocked(inner);
        inner.reap(&mut after);
        if submitter == super::Submitter::Other {
            inner.submit_if_queued();
            inner.arm();
        }
        drop(inner);
        after.run();
    }

    /// Submits what is pushed and waits up to a millisecond for a
    /// completion, with the ring's lock released for the system calls (as
    /// `submit_unlocked`); the short bound lets a caller see a completion
    /// that another thread reaped meanwhile.
    fn wait_unlocked<'a>(&'a self, mut inner: RingGuard<'a>) -> RingGuard<'a> {
        let to_submit = inner.uring.submission().len();
        drop(inner);
        let enters = self.submit_then_wait(to_submit, Some(Duration::from_millis(1)));
        let mut inner = self.lock();
        inner.enters += enters;
        inner.count_unsubmitted();
        inner
    }

    /// What a sleep on the ring enters the kernel for, without its lock:
    /// the `to_submit` entries it found pushed (if any) in one enter that
    /// takes the whole queue, then a wait for a completion, at most
    /// `timeout`, in another. One enter cannot do both (rule 8). Returns
    /// the enters made.
    fn submit_then_wait(&self, to_submit: usize, mut timeout: Option<Duration>) -> u64 {
        if to_submit > 0 {
            match crate::sys::io_uring_submit_all(self.fd) {
                // Refused for lack of resources (or taken by another
                // thread's enter): the entries may still be queued, so the
                // sleep is short and the caller's next turn submits again.
                Ok(0) => timeout = Some(timeout.map_or(REFUSED_RETRY, |t| t.min(REFUSED_RETRY))),
                Ok(_) => {}
                Err(err) => panic!("io_uring_enter failed: {err}"),
            }
        }
        if let Err(err) = crate::sys::io_uring_wait(self.fd, timeout) {
            if !matches!(err.raw_os_error(), Some(libc::EBUSY | libc::EAGAIN)) {
                panic!("io_uring_enter failed while waiting for completions: {err}");
            }
        }
        1 + u64::from(to_submit > 0)
    }

    /// Its runtime shut down: the operations of the runtime's streams and
    /// listeners fail from now on (`runtime/io`'s shutdown error, as on
    /// epoll), and every task waiting on the ring is woken to see it (no
    /// worker reaps this ring any more).
    pub(crate) fn shut_down(&self) {
        // Release: pairs with the Acquire in `is_shut_down`.
        self.shut_down.store(true, Release);
        let wakers: Vec<Waker> = {
            let mut inner = self.lock();
            let mut wakers = std::mem::take(&mut inner.room_waiters);
            for slot in &mut inner.slots {
                match slot {
                    Slot::Waiting(waker) | Slot::Multishot { waker, .. } => wakers.extend(waker.take()),
                    _ => {}
                }
            }
            wakers
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// Whether its runtime shut down.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Acquire)
    }

    /// Gives the ring the I/O driver's epoll instance `epoll` and its
    /// token there; the ring's descriptor enters it when armed.
    pub(crate) fn attach_to_epoll(&self, epoll: Arc<OwnedFd>, token: u64) -> io::Result<()> {
        self.lock().epoll = Some((epoll, token));
        Ok(())
    }

    /// Submits what was pushed since the last flush (one `io_uring_enter`
    /// for all of it), then reaps. Called by the owning scheduler at each
    /// driver check (`arm` false) and when it stops running tasks: out of
    /// tasks, or before it sleeps (`arm` true: operations still in flight
    /// then arm the ring's epoll entry, so their completions wake a
    /// sleeping thread); by anyone else to submit at once (`arm` true).
    /// Returns whether it woke anything: the scheduler then must not sleep.
    pub(crate) fn flush(&self, arm: bool) -> bool {
        if self.idle.load(Acquire) {
            return false;
        }
        let mut woke = false;
        loop {
            let after = {
                let inner = self.lock();
                if inner.unsubmitted == 0 && inner.nothing_pending() && inner.in_flight == 0 {
                    return woke;
                }
                let mut after = AfterUnlock::default();
                let mut inner = self.submit_unlocked(inner);
                inner.reap(&mut after);
                // What the reap pushed (closes that waited for room) goes
                // now before the owner sleeps, and from a thread that does
                // not own the ring; a later flush takes it otherwise
                // (rule 9).
                // (The count first: it spares the owner's every flush the
                // thread-local lookup.)
                if inner.unsubmitted > 0 && (arm || !self.on_owner_thread()) {
                    inner.submit_if_queued();
                }
                if arm {
                    inner.arm();
                }
                after
            };
            let dropped = !after.drops.is_empty();
            woke |= after.run();
            // Before a sleep, what the wake-ups' drops pushed on this
            // thread (a direct descriptor's close) goes too (rule 9).
            if !(arm && dropped) || self.lock().unsubmitted == 0 {
                return woke;
            }
        }
    }

    /// Takes every completion the kernel posted and wakes their futures
    /// (the owner, after each sleep).
    pub(crate) fn reap(&self) {
        if self.idle.load(Acquire) {
            return;
        }
        let after = {
            let mut inner = self.lock();
            if inner.in_flight == 0 {
                return;
            }
            let mut after = AfterUnlock::default();
            inner.reap(&mut after);
            after
        };
        after.run();
    }

    /// Reaps after the ring's epoll entry fired (the I/O driver), which
    /// disarmed it: the entry is removed, and added again if operations
    /// are still in flight, as their owner may sleep. No `idle` shortcut:
    /// the entry must go even from a ring with nothing left to reap.
    pub(crate) fn reap_after_event(&self) {
        let after = {
            let mut inner = self.lock();
            inner.disarm();
            let mut after = AfterUnlock::default();
            inner.reap(&mut after);
            if inner.unsubmitted > 0 && !self.on_owner_thread() {
                inner.submit_if_queued();
            }
            inner.arm();
            after
        };
        after.run();
    }

    /// The owner's sleep (sockets on io_uring: the I/O driver's turn on
    /// the thread that owns this ring): submits what was pushed and waits
    /// in `io_uring_enter` for a completion, at most `timeout` (two enters
    /// if there was something to submit, rule 8). The I/O
    /// driver's epoll instance is polled from the ring (a multishot poll),
    /// so its events (other sockets, signals, the driver's wake-up
    /// eventfd, other rings) end the wait too. The lock is not held while
    /// waiting: other threads push and submit meanwhile. Returns whether
    /// epoll has events to take, and whether the reap woke a task.
    pub(crate) fn wait(&self, timeout: Option<Duration>, wake: WakeSource) -> (bool, bool) {
        let to_submit = {
            let mut inner = self.lock();
            match wake {
                WakeSource::Epoll => inner.poll_epoll(),
                WakeSource::Unpark(fd) => {
                    inner.poll_unpark(fd);
                    if inner.epoll_polled {
                        // Epoll's events are the driver's sleeper's now.
                        inner.push_untracked(
                            opcode::AsyncCancel::new(EPOLL_POLL).build().user_data(POLL_CANCEL),
                        );
                        inner.epoll_polled = false;
                        inner.epoll_fired = false;
                    }
                }
            }
            inner.push_pending();
            // Completions already posted: do not sleep.
            let posted = {
                let mut cq = inner.uring.completion();
                cq.sync();
                !cq.is_empty()
            };
            // A wake-up another thread took since the last sleep
            // (`owner_wake_taken`) ends this one before it starts.
            if posted || inner.epoll_fired || std::mem::take(&mut inner.owner_wake_pending) {
                None
            } else {
                inner.owner_sleeping = true;
                Some(inner.uring.submission().len())
            }
        };
        let enters = to_submit.map_or(0, |to_submit| self.submit_then_wait(to_submit, timeout));
        let (epoll, after) = {
            let mut inner = self.lock();
            inner.owner_sleeping = false;
            inner.enters += enters;
            inner.count_unsubmitted();
            let mut after = AfterUnlock::default();
            inner.reap(&mut after);
            (std::mem::take(&mut inner.epoll_fired), after)
        };
        (epoll, after.run())
    }

    /// Whether the ring has operations in flight (its owner may get
    /// completions soon).
    pub(crate) fn busy(&self) -> bool {
        !self.idle.load(Acquire)
    }

    /// Whether a flush would find something now: completions posted, or
    /// completions that wait for this ring's submitting thread to enter
    /// the kernel (`IORING_SQ_TASKRUN`: rings built with `COOP_TASKRUN`
    /// leave a receive's data to that thread's next entry). Read by the
    /// owner while it spins before parking.
    pub(crate) fn has_news(&self) -> bool {
        if self.idle.load(Acquire) {
            return false;
        }
        let mut inner = self.lock();
        inner.uring.submission().taskrun() || !inner.uring.completion().is_empty()
    }

    /// What the ring has done so far.
    pub(crate) fn counters(&self) -> crate::runtime::backends::RingCounters {
        let inner = self.lock();
        crate::runtime::backends::RingCounters {
            enters: inner.enters,
            submissions: inner.pushed,
            completions: inner.reaped,
        }
    }

    /// Adds the ring's epoll entry now if operations are in flight (the
    /// owner is about to sleep elsewhere than in this ring).
    pub(crate) fn arm_now(&self) {
        if self.idle.load(Acquire) {
            return;
        }
        self.lock().arm();
    }

    /// Takes a free direct-descriptor slot (`None`: none free, or no
    /// table).
    pub(super) fn take_file_slot(self: &Arc<Self>) -> Option<DirectFile> {
        let slot = self.lock().free_files.pop()?;
        Some(DirectFile {
            ring: Arc::downgrade(self),
            slot,
            opened: false,
        })
    }
}

impl RingInner {
    /// The ring's receive buffers, built on first use; `None` if they
    /// cannot be (then receives bring their own buffers).
    pub(super) fn buffer_pool(&mut self) -> Option<&mut super::buffers::BufferPool> {
        if self.pool.is_none() && !self.pool_failed {
            match super::buffers::BufferPool::new(&self.uring) {
                Ok(pool) => self.pool = Some(pool),
                Err(_) => self.pool_failed = true,
            }
        }
        self.pool.as_mut()
    }

    /// The pool, if it was built (a completion naming one of its buffers
    /// implies it was).
    pub(super) fn built_pool(&mut self) -> Option<&mut super::buffers::BufferPool> {
        self.pool.as_mut()
    }

    /// Whether `n` more SQEs may be pushed now (rule 6): room in flight
    /// and in the submission queue, after a flush if needed.
    pub(super) fn make_room(&mut self, n: usize) -> bool {
        if self.in_flight + n > self.capacity {
            // Entries still queued complete only once submitted: whoever
            // waits for room must not wait on them (rules 6 and 9).
            self.submit_if_queued();
            return false;
        }
        let free = {
            let sq = self.uring.submission();
            sq.capacity() - sq.len()
        };
        if free >= n {
            return true;
        }
        self.submit();
        let sq = self.uring.submission();
        sq.capacity() - sq.len() >= n
    }

    /// Puts the multishot poll of the owner's unpark eventfd `fd` in the
    /// ring if it is not there (not counted in flight, as the epoll poll).
    fn poll_unpark(&mut self, fd: RawFd) {
        if self.unpark_polled {
            return;
        }
        let entry = opcode::PollAdd::new(types::Fd(fd), libc::POLLIN as u32)
            .multi(true)
            .build()
            .user_data(UNPARK_POLL);
        if self.push_untracked(entry) {
            self.unpark_polled = true;
        }
    }

    /// Pushes an entry outside the in-flight count (the sleep's polls and
    /// their cancels); false if the submission queue has no room even
    /// after a submit.
    fn push_untracked(&mut self, entry: squeue::Entry) -> bool {
        let fits = {
            let sq = self.uring.submission();
            sq.len() < sq.capacity()
        };
        if !fits {
            self.submit();
        }
        // SAFETY: the entries pushed here (polls of descriptors that live
        // as long as the ring, cancels) name no memory.
        let pushed = unsafe { self.uring.submission().push(&entry) }.is_ok();
        if pushed {
            self.unsubmitted += 1;
            self.pushed += 1;
        }
        pushed
    }

    /// Puts the multishot poll of the I/O driver's epoll instance in the
    /// ring if it is not there (not counted in flight: it never ends on
    /// its own, and the ring's drop need not wait for it).
    fn poll_epoll(&mut self) {
        if self.epoll_polled {
            return;
        }
        let Some((epoll, _)) = &self.epoll else {
            return;
        };
        let entry = opcode::PollAdd::new(types::Fd(epoll.as_raw_fd()), libc::POLLIN as u32)
            .multi(true)
            .build()
            .user_data(EPOLL_POLL);
        if self.push_untracked(entry) {
            self.epoll_polled = true;
        }
    }

    /// Ends the owner's sleep in the ring: a no-op submitted now, whose
    /// completion the sleep wakes on (`owner_wake_taken`). Without room in
    /// the submission queue the ring is full of work whose completions
    /// end the sleep anyway.
    fn nudge_owner(&mut self) {
        if self.push_untracked(opcode::Nop::new().build().user_data(OWNER_NUDGE)) {
            self.nudges += 1;
            self.submit();
        }
    }

    /// Registers `waker` to be woken when completions free room.
    pub(super) fn wait_for_room(&mut self, waker: &Waker) {
        self.room_waits += 1;
        if !self.room_waiters.iter().any(|w| w.will_wake(waker)) {
            self.room_waiters.push(waker.clone());
        }
    }

    /// A fresh slot in state `Waiting(None)`; returns the `user_data` that
    /// names it: the slot's index, and a generation that changes each
    /// time the slot is reused, so a late cancel request for the slot's
    /// previous operation cannot match the new one (rule 5).
    pub(super) fn alloc_slot(&mut self) -> u64 {
        let index = match self.free_slots.pop() {
            Some(index) => {
                self.slots[index as usize] = Slot::Waiting(None);
                index
            }
            None => {
                self.slots.push(Slot::Waiting(None));
                self.generations.push(0);
                (self.slots.len() - 1) as u32
            }
        };
        let generation = &mut self.generations[index as usize];
        *generation = generation.wrapping_add(1) & GENERATION_MASK;
        (u64::from(*generation) << 32) | u64::from(index)
    }

    pub(super) fn slot_mut(&mut self, user_data: u64) -> &mut Slot {
        let index = user_data as u32 as usize;
        debug_assert_eq!(
            u64::from(self.generations[index]),
            user_data >> 32,
            "a slot is named by its current generation"
        );
        &mut self.slots[index]
    }

    pub(super) fn free_slot(&mut self, user_data: u64) {
        let index = user_data as u32;
        self.slots[index as usize] = Slot::Vacant;
        self.free_slots.push(index);
    }

    /// Pushes SQEs that `make_room` made room for. They are published
    /// together (one store of the queue's tail), so a linked chain is
    /// pushed in one call (rule 8).
    ///
    /// # Safety
    ///
    /// Every buffer, path and descriptor the entries name stays valid until
    /// their completions are reaped (the operation's data is kept by the
    /// future, or by the slot once the future is dropped: rules 2 and 4).
    pub(super) unsafe fn push(&mut self, entries: &[squeue::Entry]) {
        let mut sq = self.uring.submission();
        for entry in entries {
            // SAFETY: the caller keeps what the entry points to alive until
            // its completion; `make_room` left room for every entry.
            unsafe { sq.push(entry) }.expect("make_room left room in the submission queue");
        }
        drop(sq);
        self.in_flight += entries.len();
        self.unsubmitted += entries.len();
        self.pushed += entries.len() as u64;
    }

    /// Best-effort cancel of the operation at `user_data` (no room: the
    /// operation just runs to completion). Returns whether it was pushed.
    pub(super) fn push_cancel(&mut self, user_data: u64) -> bool {
        if !self.make_room(1) {
            return false;
        }
        let entry = opcode::AsyncCancel::new(user_data)
            .build()
            .user_data(IGNORED);
        // SAFETY: a cancel request names no memory.
        unsafe { self.push(&[entry]) };
        true
    }

    /// Adds the ring's descriptor to the I/O driver's epoll instance if
    /// operations are in flight and it is not there already. Failing would
    /// leave completions that no sleeping thread sees, so a failure (out of
    /// memory, or the user's `max_user_watches`) panics with the reason.
    pub(super) fn arm(&mut self) {
        if let Err(err) = self.try_arm() {
            panic!("{err}");
        }
    }

    /// [`arm`](Self::arm), returning the failure instead of panicking.
    pub(super) fn try_arm(&mut self) -> io::Result<()> {
        if self.armed || self.in_flight == 0 {
            return Ok(());
        }
        let Some((epoll, token)) = &self.epoll else {
            return Ok(());
        };
        crate::sys::epoll_add_ring(epoll.as_fd(), self.uring.as_raw_fd(), *token).map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("weft: cannot add an io_uring ring to the I/O driver's epoll: {err}"),
            )
        })?;
        self.armed = true;
        self.arms += 1;
        Ok(())
    }

    /// Removes the ring's descriptor from the epoll instance after its
    /// event (a stale event of a removed entry finds it gone already).
    fn disarm(&mut self) {
        if !self.armed {
            return;
        }
        let Some((epoll, token)) = &self.epoll else {
            return;
        };
        if let Err(err) = crate::sys::epoll_remove_ring(epoll.as_fd(), self.uring.as_raw_fd(), *token) {
            panic!("weft: cannot remove an io_uring ring from the I/O driver's epoll: {err}");
        }
        self.armed = false;
    }

    /// `io_uring_enter` for everything queued, under the lock (rule 8: the
    /// whole queue). A refusal for lack of resources (`EBUSY`, `EAGAIN`)
    /// leaves the entries queued for the next enter of any thread (a flush,
    /// an operation that finds no room, a sleep that retries within 1 ms);
    /// an interrupted call is retried.
    pub(super) fn submit(&mut self) {
        self.push_pending();
        // Nothing to submit, but completions of this thread's operations
        // may wait for it to enter the kernel (rings built with
        // `COOP_TASKRUN`, `probe.rs`): an enter posts them.
        if self.unsubmitted == 0 && !self.uring.submission().taskrun() {
            return;
        }
        // The whole queue (rule 8), refused or not.
        if let Err(err) = crate::sys::io_uring_submit_all(self.uring.as_raw_fd()) {
            panic!("io_uring_enter failed: {err}");
        }
        self.enters += 1;
        self.count_unsubmitted();
    }

    /// Submits what is queued, if anything: on a thread that does not own
    /// the ring, the closes and repeats its reap pushed, which no flush of
    /// this thread will take; before an operation waits for room, what
    /// that room waits on (rules 6 and 9).
    fn submit_if_queued(&mut self) {
        if self.unsubmitted > 0 {
            self.submit();
        }
    }

    /// Sets `unsubmitted` to what the kernel has not taken yet (entries of
    /// any thread): after an enter, whose count says what it took but not
    /// what another thread's enter took meanwhile.
    fn count_unsubmitted(&mut self) {
        self.unsubmitted = self.uring.submission().len();
    }

    /// The entries in the submission queue the kernel has not taken (for
    /// tests: which thread submits what).
    #[cfg(test)]
    pub(super) fn queued_entries(&mut self) -> usize {
        self.uring.submission().len()
    }

    /// Whether no close or repeat waits for room.
    fn nothing_pending(&self) -> bool {
        self.pending_closes.is_empty() && self.pending_repeats.is_empty()
    }

    /// Whether there is room for one more entry.
    fn fits_one(&mut self) -> bool {
        self.in_flight < self.capacity && {
            let sq = self.uring.submission();
            sq.len() < sq.capacity()
        }
    }

    /// Pushes the closes and repeats waiting for room that now fit.
    fn push_pending(&mut self) {
        while let Some(&slot) = self.pending_closes.last() {
            if !self.fits_one() {
                return;
            }
            self.pending_closes.pop();
            let entry = opcode::Close::new(types::Fixed(slot))
                .build()
                .user_data(DIRECT_CLOSE | u64::from(slot));
            // SAFETY: closing a direct descriptor names no memory.
            unsafe { self.push(&[entry]) };
        }
        while !self.pending_repeats.is_empty() && self.fits_one() {
            let entry = self.pending_repeats.pop().expect("checked non-empty");
            // SAFETY: an orphan's operation names only memory its slot
            // keeps until the completion (rule 4).
            unsafe { self.push(&[entry]) };
        }
    }

    /// Closes direct descriptor `slot` (asynchronously); the slot is free
    /// again once the close completes.
    pub(super) fn close_direct(&mut self, slot: u32) {
        self.pending_closes.push(slot);
        self.push_pending();
    }

    /// Gives back a direct-descriptor slot that holds no file.
    pub(super) fn release_file_slot(&mut self, slot: u32) {
        self.free_files.push(slot);
    }

    /// Applies every posted completion (rules 3 and 5).
    pub(super) fn reap(&mut self, after: &mut AfterUnlock) {
        if self.uring.submission().cq_overflow() {
            // Completions the kernel held back while the queue was full
            // (a multishot operation's can outnumber rule 6's bound): an
            // enter that asks for events moves them in; a zero timeout
            // never waits. (An enter that submits never asks: rule 8.)
            let _ = crate::sys::io_uring_wait(self.uring.as_raw_fd(), Some(Duration::ZERO));
        }
        let mut completions: Vec<(u64, i32, u32)> = Vec::new();
        {
            let mut cq = self.uring.completion();
            cq.sync();
            for cqe in &mut cq {
                completions.push((cqe.user_data(), cqe.result(), cqe.flags()));
            }
        }
        if completions.is_empty() {
            return;
        }
        self.reaped += completions.len() as u64;
        // A multishot operation's completions but its last (no
        // `IORING_CQE_F_MORE`) leave it in flight.
        self.in_flight -= completions
            .iter()
            .filter(|&&(user_data, _, flags)| {
                !matches!(user_data, EPOLL_POLL | UNPARK_POLL | POLL_CANCEL | OWNER_NUDGE)
                    && !io_uring::cqueue::more(flags)
            })
            .count();
        for (user_data, result, flags) in completions {
            self.complete(user_data, result, flags, after);
        }
        // Room was freed: the operations waiting for it try again.
        after.wakers.append(&mut self.room_waiters);
        if !self.nothing_pending() {
            // Submitted by the caller if it does not own the ring, else by
            // the owner's flush (rule 9).
            self.push_pending();
        }
    }

    fn complete(&mut self, user_data: u64, result: i32, flags: u32, after: &mut AfterUnlock) {
        // The kernel took a buffer from the pool's ring for this completion:
        // the ring gets another now, at the reap, however long the
        // completion then waits to be read (`uring/buffers.rs`).
        if io_uring::cqueue::buffer_select(flags).is_some() {
            if let Some(pool) = self.built_pool() {
                pool.taken();
            }
        }
        // A socket close's error leaves nothing to do: the descriptor is
        // gone either way (as std's drop of a socket ignores it).
        if user_data == IGNORED || user_data == POLL_CANCEL || user_data == SOCKET_CLOSE {
            return;
        }
        if user_data == OWNER_NUDGE {
            self.owner_wake_taken = true;
            return;
        }
        if user_data == UNPARK_POLL {
            // A firing (not the end of a cancelled poll).
            self.owner_wake_taken |= result >= 0;
            if !io_uring::cqueue::more(flags) {
                self.unpark_polled = false;
            }
            return;
        }
        if user_data == EPOLL_POLL {
            self.epoll_fired = result >= 0;
            self.owner_wake_taken |= result >= 0;
            if !io_uring::cqueue::more(flags) {
                // The multishot poll ended (the kernel may end one at any
                // time): the next wait adds it again.
                self.epoll_polled = false;
            }
            return;
        }
        if user_data & DIRECT_CLOSE != 0 {
            let slot = user_data as u32;
            if result == -libc::ECANCELED {
                // Rule 10: the slot may still hold its file (the thread that
                // submitted the close exited first); the close goes again,
                // pushed at the end of this reap, and frees the slot when it
                // completes. (Had the file's flush answered `ECANCELED`
                // after the slot was emptied, the repeat finds it empty:
                // `EBADF`, and the slot is free. Slots are weft's own, so
                // no other file can be in it meanwhile.)
                self.pending_closes.push(slot);
            } else {
                self.free_files.push(slot);
            }
            return;
        }
        let last = !io_uring::cqueue::more(flags);
        match self.slot_mut(user_data) {
            Slot::Multishot {
                completions,
                waker,
                ended,
            } => {
                completions.push_back((result, flags));
                *ended |= last;
                after.wakers.extend(waker.take());
                return;
            }
            Slot::MultishotOrphan(_) => {
                let Slot::MultishotOrphan(mut data) = std::mem::replace(self.slot_mut(user_data), Slot::Vacant) else {
                    unreachable!("matched above")
                };
                data.discard_with_flags(0, result, flags, self);
                if last {
                    self.free_slot(user_data);
                    // Dropped after the lock is released, as orphans are.
                    after.drops.push(Arc::new(Mutex::new(data)));
                } else {
                    *self.slot_mut(user_data) = Slot::MultishotOrphan(data);
                }
                return;
            }
            _ => {}
        }
        match std::mem::replace(self.slot_mut(user_data), Slot::Done(result, flags)) {
            Slot::Waiting(waker) => after.wakers.extend(waker),
            Slot::Orphan(position, data, cancel_on_drop) => {
                let mut orphan = data.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                // Rule 10: an orphan left to run to completion (weft never
                // cancels it) that the kernel cancelled unasked goes again,
                // under the same `user_data` (its completion came, and no
                // cancel names it), so a dropped stream's send or a dropped
                // write still happens.
                let again = (!cancel_on_drop && position == 0)
                    .then(|| orphan.repeat(result))
                    .flatten();
                if let Some(entry) = again {
                    drop(orphan);
                    *self.slot_mut(user_data) = Slot::Orphan(position, data, cancel_on_drop);
                    self.pending_repeats.push(entry.user_data(user_data));
                    return;
                }
                orphan.discard_with_flags(position, result, flags, self);
                drop(orphan);
                self.free_slot(user_data);
                after.drops.push(data);
            }
            Slot::Done(..) | Slot::Vacant | Slot::Multishot { .. } | Slot::MultishotOrphan(_) => {
                unreachable!("a completion for an io_uring slot that expects none")
            }
        }
    }

    /// The most SQEs in flight at once.
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    /// SQEs in flight now.
    #[cfg(test)]
    pub(super) fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Applies the completion of a direct descriptor's close that the
    /// kernel cancelled unasked (rule 10), as a reap would, for a slot
    /// taken from the free list, which it returns. (A close waits on
    /// io-wq, where the exit of its submitter can cancel it, only for a
    /// file with a `flush` method, such as FUSE's: no test can make one.)
    #[cfg(test)]
    pub(super) fn complete_cancelled_direct_close(&mut self) -> u32 {
        let slot = self.free_files.pop().expect("a free direct-descriptor slot");
        let mut after = AfterUnlock::default();
        self.complete(DIRECT_CLOSE | u64::from(slot), -libc::ECANCELED, 0, &mut after);
        self.push_pending();
        slot
    }

    /// Whether direct-descriptor slot `slot` is free.
    #[cfg(test)]
    pub(super) fn file_slot_is_free(&self, slot: u32) -> bool {
        self.free_files.contains(&slot)
    }

    /// Slots that keep a dropped operation's data until their completion.
    #[cfg(test)]
    pub(super) fn orphans(&self) -> usize {
        self.slots
            .iter()
            .filter(|slot| matches!(slot, Slot::Orphan(..) | Slot::MultishotOrphan(_)))
            .count()
    }
}

impl RingShared {
    /// Whether an operation that runs to completion once started (a send,
    /// a write) is still in flight with its future gone.
    pub(crate) fn has_orphans_that_complete(&self) -> bool {
        self.lock().has_orphans_that_complete()
    }

    /// The shutdown of a ring whose last owner is the runtime being
    /// dropped (`Rings`' drop): cancels what can be cancelled, then waits
    /// until `deadline` for the sends still in flight, whose bytes a write
    /// already reported as written: they reach the peer when it reads, as
    /// bytes left in a closed socket's send queue do. The ring's drop
    /// follows.
    pub(crate) fn linger(&self, deadline: Instant) {
        let mut after = AfterUnlock::default();
        {
            let mut inner = self.lock();
            inner.cancel_orphans();
            inner.drain_until(deadline, &mut after, |inner| !inner.has_orphans_that_complete());
        }
        // Outside the lock: a dropped operation's data may lock the ring.
        after.run();
    }
}

impl RingInner {
    fn has_orphans_that_complete(&self) -> bool {
        self.slots.iter().any(|slot| matches!(slot, Slot::Orphan(_, _, false)))
    }

    /// Cancels every operation whose future is gone, but those that run to
    /// completion once started.
    fn cancel_orphans(&mut self) {
        let orphans: Vec<u64> = self
            .slots
            .iter()
            .zip(&self.generations)
            .enumerate()
            .filter(|(_, (slot, _))| {
                matches!(slot, Slot::Orphan(_, _, true) | Slot::MultishotOrphan(_))
            })
            .map(|(index, (_, &generation))| (u64::from(generation) << 32) | index as u64)
            .collect();
        for user_data in orphans {
            self.push_cancel(user_data);
        }
    }

    /// Submits, then waits for and reaps completions until `done` or
    /// nothing is in flight or `deadline` passed; what the completions
    /// release goes to `after`.
    fn drain_until(
        &mut self,
        deadline: Instant,
        after: &mut AfterUnlock,
        done: impl Fn(&RingInner) -> bool,
    ) {
        while self.in_flight > 0 && !done(self) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            // Submits and waits in two enters (rule 8); a failing kernel
            // ends the drain (what is left in flight leaks, as after the
            // deadline) rather than panicking in a drop.
            self.push_pending();
            let fd = self.uring.as_raw_fd();
            if crate::sys::io_uring_submit_all(fd).is_err() {
                break;
            }
            self.count_unsubmitted();
            let timeout = (deadline - now).min(Duration::from_millis(100));
            if crate::sys::io_uring_wait(fd, Some(timeout)).is_err() {
                break;
            }
            self.reap(after);
        }
    }
}

impl Drop for RingShared {
    /// Shutdown rule: nothing the kernel may still write is freed. Every
    /// operation still in flight is cancelled (but those that run to
    /// completion: writes, sends), and the completions are
    /// waited for (at most `DRAIN_LIMIT`); what is still in flight after
    /// that is leaked on purpose.
    fn drop(&mut self) {
        let inner = self
            .inner
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if inner.in_flight == 0 {
            return;
        }
        inner.cancel_orphans();
        let mut after = AfterUnlock::default();
        inner.drain_until(Instant::now() + DRAIN_LIMIT, &mut after, |_| false);
        after.run();
        if inner.in_flight > 0 {
            // The kernel still owns some buffers: leak them rather than
            // free memory it may write (the ring's teardown in the kernel
            // waits for those operations).
            for slot in std::mem::take(&mut inner.slots) {
                std::mem::forget(slot);
            }
            // A receive still in flight may yet be given a pool buffer.
            std::mem::forget(inner.pool.take());
        }
    }
}

/// A slot of the ring's direct-descriptor table, reserved for one file
/// (`read_file`): given back, or its file closed through the ring, when
/// dropped. Holds the ring weakly, so a dropped future's data kept in the
/// ring does not keep the ring alive.
pub(crate) struct DirectFile {
    ring: Weak<RingShared>,
    pub(super) slot: u32,
    /// The slot holds an open file (the open completed).
    pub(super) opened: bool,
}

impl Drop for DirectFile {
    fn drop(&mut self) {
        let Some(ring) = self.ring.upgrade() else {
            // The ring is gone, and its table with it.
            return;
        };
        let mut inner = ring.lock();
        if self.opened {
            inner.close_direct(self.slot);
            ring.release_after_push(inner);
        } else {
            inner.release_file_slot(self.slot);
        }
    }
}

impl std::fmt::Debug for RingShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ring")
            .field("index", &self.index)
            .field("fd", &self.fd)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for DirectFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectFile")
            .field("slot", &self.slot)
            .field("opened", &self.opened)
            .finish()
    }
}

//! The fair batch semaphore every permit-based primitive is built on
//! (`Semaphore`, `Mutex`, `RwLock`, bounded `mpsc`).
//!
//! # Design note
//!
//! The algorithm follows the well-known design of tokio's `batch_semaphore`
//! (an atomic permit count in front of a FIFO queue of intrusive waiters that
//! are *assigned* permits by releasers); the code and the `WAITERS` fast
//! path for releases are weft's own.
//!
//! **State.** One atomic word: `permits << 2 | WAITERS | CLOSED`.
//! `CLOSED` (bit 0) is set once by [`Semaphore::close`] and never cleared.
//! `WAITERS` (bit 1) is set while the wait queue is non-empty. The queue and
//! the nodes' links, wakers and `linked` flags are protected by `waiters`
//! (a mutex); a node's `needed` count is written only under that mutex but
//! may be read without it by the node's owner.
//!
//! **Protocol rules.**
//!
//! 1. *Permits in the word imply an empty queue.* An acquirer that cannot be
//!    served in full takes, under the lock and in the same CAS that sets
//!    `WAITERS`, every permit the word has, and queues for the rest. So a
//!    newcomer can never take permits a queued waiter is waiting for: the
//!    queue is served strictly in FIFO order (the fairness tokio promises).
//! 2. *Releases without waiters are lock-free.* A release CASes the permits
//!    into the word while `WAITERS` is clear. If it sees `WAITERS`, it takes
//!    the lock and assigns the permits to the queue from the front; only
//!    when the queue becomes empty does it clear `WAITERS` and add what is
//!    left to the word (one RMW). Because setting `WAITERS` and adding
//!    permits are both RMWs of the same word, a lock-free release and a
//!    queueing acquirer are totally ordered: either the acquirer sees the
//!    permits, or the release sees `WAITERS` and goes to the lock.
//! 3. *Assignment.* Under the lock a releaser lowers the front node's
//!    `needed`; when it reaches 0 the node is unlinked, its waker taken, and
//!    `needed = 0` is stored (Release) as the very last access to the node:
//!    its owner may then complete and free the node without the lock.
//! 4. *Cancellation.* A queued future that is dropped takes the lock,
//!    unlinks its node if still linked, and releases the permits already
//!    assigned to it (`num - needed`) through rule 2, so a cancelled waiter
//!    never loses a permit — also when it was granted in full but dropped
//!    before seeing it.
//! 5. *Close.* Under the lock: set `CLOSED`, unlink every node and wake it.
//!    A woken node with `needed > 0` that is not linked knows the semaphore
//!    was closed; it returns its partial permits and fails. A node that was
//!    granted in full but polls only after `CLOSED` is set fails too and
//!    gives its permits back (as in tokio: once `close` returned, no queued
//!    acquisition completes — a bounded channel's `reserve` waiting when
//!    the receiver closes must fail).
//! 6. *Deferred releases (a bounded channel's receiver).* A releaser that
//!    gives permits back one at a time, as fast as acquirers take them,
//!    would make the state word's cache line bounce between it and them on
//!    every message. Such a releaser (there is one: the receiver) adds its
//!    permits to a [`ReleasePool`] instead, a word on a line of its own:
//!    `count << 1 | EAGER`. Pool permits are available (counted by
//!    [`Semaphore::available_permits_pooled`]) but not in the state word:
//!    an acquirer that finds too few permits in the word first *harvests*
//!    the pool (takes the count, releases it through rules 2/3) under the
//!    lock and retries, so no one waits while the pool holds permits, and
//!    the pool is only touched when the word runs dry (once per `capacity`
//!    messages when the receiver keeps up). A queued acquirer must not wait
//!    for permits that reach the pool after its harvest, so the acquirer
//!    that queues, under the lock and after setting `WAITERS`, swaps the
//!    pool to `EAGER` (count 0) in one RMW and releases what it took; a
//!    releaser whose `fetch_add` on the pool sees `EAGER` drains the pool
//!    at once (rule 2 then serves the queue). Both are RMWs of the pool
//!    word, so they are totally ordered: a deferred permit is either taken
//!    by the queueing acquirer's swap or drained by its releaser. While it
//!    sees `EAGER` (a plain load: only it clears the bit), the releaser
//!    skips the pool and releases through rule 2 directly. `EAGER` is
//!    cleared only by the releaser, under the lock, when the queue is
//!    empty: a later queuer sets it again under the same lock. (The split
//!    of a counter into a hot word and a releaser-owned one is the idea of
//!    Dmitry Vyukov's bounded queues and of "distributed" counters; the
//!    harvest/eager handshake is ours.)
//! 7. *No user code under the lock.* Cloning and dropping a waker run the
//!    waker's code, which may use this very semaphore (a waker whose `Drop`
//!    releases a permit): a waker is cloned before the lock is taken, a
//!    replaced one is dropped after it is released, and wakers taken under
//!    the lock are woken after it (`WakeList`). A node's own waker is
//!    dropped with its future, after `Drop` released the lock.
//! 8. *The place in line does not wait for the budget* (as in tokio). A
//!    first poll whose task has spent its budget completes nothing, but
//!    if the acquisition would have to wait anyway it queues now, ahead of
//!    later acquirers, rather than after the yield. One that would get its
//!    permits at once takes nothing: holding them through the yield would
//!    keep them from every other task. Should the queueing poll be served
//!    at once (permits came back in between), the permits are kept for the
//!    next poll as a node granted in full.

use super::util::linked_list::{link_field, LinkedList, Pointers};
use super::util::trace::Resource;
use super::util::wake_list::WakeList;
use super::util::waker_cell::WakerCell;
use crate::loom::{AtomicUsize, Mutex, MutexGuard, Ordering, UnsafeCell};
use crate::runtime::waiting_on::{self, SyncKind};
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

const CLOSED: usize = 0b01;
const WAITERS: usize = 0b10;
const SHIFT: usize = 2;

/// In a [`ReleasePool`]'s word: an acquirer is (or was) queued; releases
/// go through to the semaphore at once (rule 6).
const EAGER: usize = 0b1;
/// The pool's permit count is `word >> POOL_SHIFT`.
const POOL_SHIFT: usize = 1;

/// Permits given back by a deferring releaser, on a cache line of their
/// own (rule 6). Owned next to the [`Semaphore`] it belongs to and passed
/// to its `*_pooled` methods.
#[repr(align(128))]
pub(crate) struct ReleasePool {
    /// `count << POOL_SHIFT | EAGER`.
    word: AtomicUsize,
}

impl ReleasePool {
    pub(crate) fn new() -> ReleasePool {
        ReleasePool {
            word: AtomicUsize::new(0),
        }
    }

    /// Permits in the pool now.
    #[inline]
    pub(crate) fn count(&self) -> usize {
        // Acquire: pairs with the Release `fetch_add` in `release_pooled`.
        self.word.load(Ordering::Acquire) >> POOL_SHIFT
    }

    /// Takes every permit, leaving `EAGER` as it is.
    fn take(&self) -> usize {
        // Acquire: pairs with the Release `fetch_add` in `release_pooled`
        // (the releaser's use of the slots happens before their reuse).
        self.word.fetch_and(EAGER, Ordering::Acquire) >> POOL_SHIFT
    }

    /// Takes every permit and sets `EAGER` (rule 6: the queueing side).
    fn take_and_set_eager(&self) -> usize {
        // Acquire: as in `take`.
        self.word.swap(EAGER, Ordering::Acquire) >> POOL_SHIFT
    }
}

impl fmt::Debug for ReleasePool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = self.word.load(Ordering::Relaxed);
        f.debug_struct("ReleasePool")
            .field("permits", &(word >> POOL_SHIFT))
            .field("eager", &(word & EAGER != 0))
            .finish()
    }
}

/// The largest number of permits a semaphore can hold (tokio's bound).
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

/// `acquire` failed: the semaphore was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

/// `try_acquire` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TryAcquireError {
    Closed,
    NoPermits,
}

/// A fair FIFO batch semaphore (see the module note).
pub(crate) struct Semaphore {
    state: AtomicUsize,
    waiters: Mutex<Waitlist>,
    /// The `tokio-console` resource of the primitive built on this
    /// semaphore (`sync::util::trace`; zero-sized without the feature
    /// `tracing`). Here because every guard reaches the semaphore.
    resource: Resource,
}

/// The lock-protected part.
struct Waitlist {
    queue: LinkedList<Waiter>,
}

/// One queued acquisition, embedded in its [`Acquire`] future.
pub(crate) struct Waiter {
    pointers: Pointers<Waiter>,
    /// Permits still to be assigned. Written under the lock; read by the
    /// owner without it (rule 3).
    needed: AtomicUsize,
    /// The owner's waker (under the lock).
    waker: WakerCell,
    /// Whether the node is in the queue (under the lock).
    linked: UnsafeCell<bool>,
    _pin: PhantomPinned,
}

// SAFETY: a node's links, waker and flags are only accessed under the
// semaphore's lock (or, for the atomic, atomically), whichever thread holds
// it; the raw pointers in its links are followed only under that lock.
unsafe impl Send for Waiter {}
// SAFETY: as above.
unsafe impl Sync for Waiter {}

// SAFETY: `pointers` returns the node's own field; nodes are pinned inside
// `Acquire` futures whose `Drop` unlinks them (linked_list rule 3).
link_field!(unsafe impl Link for Waiter { pointers });

impl Waiter {
    #[inline]
    fn new(needed: usize) -> Waiter {
        Waiter {
            pointers: Pointers::new(),
            needed: AtomicUsize::new(needed),
            waker: WakerCell::new(),
            linked: UnsafeCell::new(false),
            _pin: PhantomPinned,
        }
    }

    /// # Safety
    ///
    /// The semaphore's lock must be held.
    unsafe fn is_linked(&self) -> bool {
        // SAFETY: under the lock (caller).
        self.linked.with(|p| unsafe { *p })
    }

    /// # Safety
    ///
    /// The semaphore's lock must be held.
    unsafe fn set_linked(&self, linked: bool) {
        // SAFETY: under the lock (caller).
        self.linked.with_mut(|p| unsafe { *p = linked })
    }
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`MAX_PERMITS`].
    pub(crate) fn new(permits: usize) -> Semaphore {
        Semaphore::with_resource(permits, Resource::none())
    }

    /// [`new`](Semaphore::new), for the primitive whose resource is
    /// `resource`.
    pub(crate) fn with_resource(permits: usize, resource: Resource) -> Semaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may hold at most {MAX_PERMITS} permits, got {permits}"
        );
        Semaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(Waitlist {
                queue: LinkedList::new(),
            }),
            resource,
        }
    }

    /// The resource of the primitive built on this semaphore.
    #[inline]
    pub(crate) fn resource(&self) -> &Resource {
        &self.resource
    }

    /// A semaphore usable in a `static` (not under loom, whose types are not
    /// `const`-constructible).
    #[cfg(not(weft_loom))]
    pub(crate) const fn const_new(permits: usize) -> Semaphore {
        assert!(permits <= MAX_PERMITS, "too many permits for a semaphore");
        Semaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(Waitlist {
                queue: LinkedList::new(),
            }),
            resource: Resource::none(),
        }
    }

    /// A closed semaphore with no permits, usable in a `static` (a
    /// `OnceCell` made initialised in a `const` context).
    #[cfg(not(weft_loom))]
    pub(crate) const fn const_closed() -> Semaphore {
        Semaphore {
            state: AtomicUsize::new(CLOSED),
            waiters: Mutex::new(Waitlist {
                queue: LinkedList::new(),
            }),
            resource: Resource::none(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Waitlist> {
        // A panic never happens under this lock (no user code runs there),
        // so poisoning cannot carry meaning: ignore it.
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Permits available right now.
    #[inline]
    pub(crate) fn available_permits(&self) -> usize {
        // Acquire: pairs with the releases' Release RMWs (a caller that sees permits may rely on
        // the releasers' writes).
        self.state.load(Ordering::Acquire) >> SHIFT
    }

    /// Whether [`close`](Semaphore::close) was called.
    pub(crate) fn is_closed(&self) -> bool {
        // Acquire: pairs with the Release `fetch_or(CLOSED)` in `close`.
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Takes `num` permits now, or fails.
    #[inline]
    pub(crate) fn try_acquire(&self, num: usize) -> Result<(), TryAcquireError> {
        assert!(
            num <= MAX_PERMITS,
            "cannot acquire more than {MAX_PERMITS} permits"
        );
        match self.try_fast(num) {
            Some(Ok(())) => Ok(()),
            Some(Err(Closed)) => Err(TryAcquireError::Closed),
            None => Err(TryAcquireError::NoPermits),
        }
    }

    /// [`try_acquire`](Semaphore::try_acquire), harvesting `pool` when the
    /// word has too few permits (rule 6).
    #[inline]
    pub(crate) fn try_acquire_pooled(
        &self,
        num: usize,
        pool: &ReleasePool,
    ) -> Result<(), TryAcquireError> {
        match self.try_acquire(num) {
            Err(TryAcquireError::NoPermits) => {}
            done => return done,
        }
        // One harvest and one more try: bounded, as a `try_` call must be
        // (what others take meanwhile is theirs fairly).
        if pool.count() == 0 || !self.harvest(pool) {
            return Err(TryAcquireError::NoPermits);
        }
        self.try_acquire(num)
    }

    /// Rule 6: moves the pool's permits into the semaphore (serving the
    /// queue first) under the lock; whether there were any.
    fn harvest(&self, pool: &ReleasePool) -> bool {
        let waiters = self.lock();
        let taken = pool.take();
        if taken == 0 {
            return false;
        }
        self.release_locked(taken, waiters);
        true
    }

    /// The lock-free attempt: `Some(Ok)` took the permits, `Some(Err)` the
    /// semaphore is closed, `None` too few permits in the word.
    #[inline]
    fn try_fast(&self, num: usize) -> Option<Result<(), Closed>> {
        // Acquire: pairs with the releases' Release RMWs (the CAS below re-checks).
        let mut curr = self.state.load(Ordering::Acquire);
        loop {
            if curr & CLOSED != 0 {
                return Some(Err(Closed));
            }
            if curr >> SHIFT < num {
                return None;
            }
            // AcqRel: Acquire pairs with the Release of the release that put
            // these permits in (whatever it protected is now ours); Release
            // orders our prior writes before a later acquirer of them.
            match self.state.compare_exchange_weak(
                curr,
                curr - (num << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(Ok(())),
                Err(actual) => curr = actual,
            }
        }
    }

    /// Whether an acquisition of `num` permits would have to wait now (too
    /// few permits in the word; rule 1: permits there mean nobody waits).
    /// False once closed: the acquisition fails at once.
    fn would_wait(&self, num: usize) -> bool {
        let curr = self.state.load(Ordering::Acquire);
        curr & CLOSED == 0 && curr >> SHIFT < num
    }

    /// Waits for `num` permits (FIFO).
    #[inline]
    pub(crate) fn acquire(&self, num: usize) -> Acquire<'_> {
        self.acquire_with(num, None, SyncKind::Semaphore)
    }

    /// [`acquire`](Semaphore::acquire) on behalf of a `kind` of primitive
    /// (what task dumps show while it waits).
    #[inline]
    pub(crate) fn acquire_as(&self, num: usize, kind: SyncKind) -> Acquire<'_> {
        self.acquire_with(num, None, kind)
    }

    #[inline]
    fn acquire_with<'a>(
        &'a self,
        num: usize,
        pool: Option<&'a ReleasePool>,
        kind: SyncKind,
    ) -> Acquire<'a> {
        assert!(
            num <= MAX_PERMITS,
            "cannot acquire more than {MAX_PERMITS} permits"
        );
        Acquire {
            semaphore: self,
            pool,
            node: Waiter::new(num),
            num,
            queued: false,
            kind,
        }
    }

    /// [`acquire`](Semaphore::acquire) for a semaphore whose releases may
    /// be deferred to `pool` (rule 6): a bounded channel's senders.
    #[inline]
    pub(crate) fn acquire_pooled<'a>(&'a self, num: usize, pool: &'a ReleasePool) -> Acquire<'a> {
        self.acquire_with(num, Some(pool), SyncKind::MpscSend)
    }

    /// Permits available right now, counting those in `pool`. The word is
    /// read before the pool: a harvest moves permits from the pool to the
    /// word, so a concurrent one can make this count low, never high.
    #[inline]
    pub(crate) fn available_permits_pooled(&self, pool: &ReleasePool) -> usize {
        self.available_permits() + pool.count()
    }

    /// Gives back `added` permits through `pool` (rule 6): into the pool,
    /// or on to the queue if an acquirer waits. For the one deferring
    /// releaser of this semaphore.
    #[inline]
    pub(crate) fn release_pooled(&self, added: usize, pool: &ReleasePool) {
        if added == 0 {
            return;
        }
        debug_assert!(added <= MAX_PERMITS);
        // Relaxed: only this releaser clears EAGER, so a set bit it sees is
        // still set or was cleared by itself; a clear one that is out of
        // date is caught by the `fetch_add` below.
        if pool.word.load(Ordering::Relaxed) & EAGER != 0 {
            // Eager mode: the pool holds nothing for us to add to (the
            // queuer's swap emptied it); give back directly.
            self.release(added);
            self.leave_eager_if_idle(pool);
            return;
        }
        // Release: pairs with the Acquire RMWs that harvest the pool.
        let prev = pool.word.fetch_add(added << POOL_SHIFT, Ordering::Release);
        if prev & EAGER != 0 {
            self.drain_eager(pool);
        }
    }

    /// Rule 6, releaser side: an acquirer queued since the pool was last
    /// drained; hand the pool's permits on, and leave eager mode once the
    /// queue is empty (under the lock, so that a new queuer sets it again).
    #[inline(never)]
    fn drain_eager(&self, pool: &ReleasePool) {
        let taken = pool.take();
        self.release(taken);
        self.leave_eager_if_idle(pool);
    }

    /// Clears `EAGER` if no acquirer is queued (rule 6).
    fn leave_eager_if_idle(&self, pool: &ReleasePool) {
        if self.state.load(Ordering::Relaxed) & WAITERS != 0 {
            // Still waiters: stay eager (an out-of-date WAITERS only delays
            // leaving eager mode to the next release).
            return;
        }
        let waiters = self.lock();
        if waiters.queue.is_empty() {
            // Relaxed: the lock orders this before the next queuer's swap.
            pool.word.fetch_and(!EAGER, Ordering::Relaxed);
        }
    }

    /// Gives back (or adds) `added` permits, serving waiters first.
    ///
    /// # Panics
    ///
    /// If the total would exceed [`MAX_PERMITS`].
    #[inline]
    pub(crate) fn release(&self, added: usize) {
        if added == 0 {
            return;
        }
        // Rule 2: lock-free while nobody waits.
        let mut curr = self.state.load(Ordering::Relaxed);
        while curr & WAITERS == 0 {
            let permits = curr >> SHIFT;
            assert!(
                added <= MAX_PERMITS - permits,
                "a semaphore may hold at most {MAX_PERMITS} permits"
            );
            // Release: pairs with the Acquire CAS of the acquirer that takes
            // these permits. Acquire (on failure too): we re-read the word.
            match self.state.compare_exchange_weak(
                curr,
                curr + (added << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => curr = actual,
            }
        }
        self.release_slow(added);
    }

    #[cold]
    #[inline(never)]
    fn release_slow(&self, added: usize) {
        self.release_locked(added, self.lock());
    }

    /// Rule 2/3: assigns `rem` permits to the queue front to back; what is
    /// left when the queue is empty goes into the word.
    fn release_locked<'a>(&'a self, mut rem: usize, mut waiters: MutexGuard<'a, Waitlist>) {
        let mut wakers = WakeList::new();
        loop {
            while rem > 0 && wakers.can_push() {
                let Some(front) = waiters.queue.front() else {
                    break;
                };
                // SAFETY: `front` is linked, hence live (linked_list rule 3);
                // we hold the lock.
                let node = unsafe { front.as_ref() };
                let needed = node.needed.load(Ordering::Relaxed);
                if needed > rem {
                    // Release: pairs with the Acquire load in `poll_again`
                    // (only the count matters; the lock orders the rest).
                    node.needed.store(needed - rem, Ordering::Release);
                    rem = 0;
                    break;
                }
                rem -= needed;
                waiters.queue.pop_front();
                // SAFETY: under the lock; `node` is still live (it cannot
                // complete before the `needed = 0` store below).
                unsafe {
                    node.set_linked(false);
                    if let Some(waker) = node.waker.take() {
                        wakers.push(waker);
                    }
                }
                // Release: pairs with the Acquire load in `poll_again` /
                // `Drop`; this is the last access to `node` (rule 3).
                node.needed.store(0, Ordering::Release);
            }
            if waiters.queue.is_empty() {
                // The last waiter left: clear WAITERS and add the rest in
                // one RMW (rule 2).
                let mut curr = self.state.load(Ordering::Relaxed);
                loop {
                    let permits = curr >> SHIFT;
                    assert!(
                        rem <= MAX_PERMITS - permits,
                        "a semaphore may hold at most {MAX_PERMITS} permits"
                    );
                    let next = ((permits + rem) << SHIFT) | (curr & CLOSED);
                    // Release: pairs with the Acquire CAS of the acquirer
                    // that takes these permits.
                    match self.state.compare_exchange_weak(
                        curr,
                        next,
                        Ordering::AcqRel,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => break,
                        Err(actual) => curr = actual,
                    }
                }
                rem = 0;
            }
            if rem == 0 || !wakers.can_push() {
                drop(waiters);
                wakers.wake_all();
                if rem == 0 {
                    return;
                }
                waiters = self.lock();
            }
        }
    }

    /// Removes up to `n` available permits; returns how many were removed.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        let mut curr = self.state.load(Ordering::Relaxed);
        loop {
            let taken = n.min(curr >> SHIFT);
            if taken == 0 {
                return 0;
            }
            // Relaxed on success: forgotten permits protect nothing.
            match self.state.compare_exchange_weak(
                curr,
                curr - (taken << SHIFT),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return taken,
                Err(actual) => curr = actual,
            }
        }
    }

    /// Closes the semaphore: pending and future acquisitions fail (rule 5).
    pub(crate) fn close(&self) {
        let mut waiters = self.lock();
        // Release: pairs with the Acquire loads that observe CLOSED.
        self.state.fetch_or(CLOSED, Ordering::Release);
        loop {
            let mut wakers = WakeList::new();
            while wakers.can_push() {
                let Some(node) = waiters.queue.pop_front() else {
                    break;
                };
                // SAFETY: it was linked, hence live; under the lock. Its
                // `needed` stays > 0, which tells its owner it was closed.
                unsafe {
                    let node = node.as_ref();
                    node.set_linked(false);
                    if let Some(waker) = node.waker.take() {
                        wakers.push(waker);
                    }
                }
            }
            let done = waiters.queue.is_empty();
            if done {
                self.state.fetch_and(!WAITERS, Ordering::Relaxed);
            }
            drop(waiters);
            wakers.wake_all();
            if done {
                return;
            }
            waiters = self.lock();
        }
    }

    /// First poll after the lock-free fast path failed: harvest `pool`
    /// (rule 6) and retry, else queue under the lock (rule 1).
    fn poll_first(
        &self,
        node: &Waiter,
        num: usize,
        pool: Option<&ReleasePool>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<bool, Closed>> {
        // The caller's lock-free attempt (`try_fast`) just failed.
        if let Some(pool) = pool {
            // One harvest; if others took the permits meanwhile, queue (the
            // swap below hands us whatever the releaser defers from now).
            if pool.count() > 0 && self.harvest(pool) {
                if let Some(done) = self.try_fast(num) {
                    return Poll::Ready(done.map(|()| false));
                }
            }
        }
        // Rule 7: the waker is cloned before locking (a clone runs the
        // waker's code) and whatever it replaces is dropped after
        // unlocking; both locals are declared before the guard, so they are
        // dropped after it on every return.
        let fresh = cx.waker().clone();
        let stale: Option<Waker>;
        let mut waiters = self.lock();
        // Acquire: as above, now under the lock.
        let mut curr = self.state.load(Ordering::Acquire);
        let taken = loop {
            if curr & CLOSED != 0 {
                return Poll::Ready(Err(Closed));
            }
            let permits = curr >> SHIFT;
            let taken = permits.min(num);
            let waiting = if taken < num { WAITERS } else { 0 };
            let next = ((permits - taken) << SHIFT) | (curr & (CLOSED | WAITERS)) | waiting;
            // AcqRel: Acquire as in `try_acquire`; Release so a lock-free
            // release that fails on our WAITERS bit is ordered after us.
            match self
                .state
                .compare_exchange_weak(curr, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break taken,
                Err(actual) => curr = actual,
            }
        };
        if taken == num {
            return Poll::Ready(Ok(false));
        }
        node.needed.store(num - taken, Ordering::Relaxed);
        // SAFETY: under the lock; the node is pinned inside its future,
        // whose `Drop` unlinks it (rule 4), and in no list yet.
        unsafe {
            stale = node.waker.replace(fresh);
            node.set_linked(true);
            waiters.queue.push_back(NonNull::from(node));
        }
        if let Some(pool) = pool {
            // Rule 6: from here on the releaser drains eagerly; what it
            // deferred since our harvest is handed out now.
            let late = pool.take_and_set_eager();
            if late > 0 {
                self.release_locked(late, waiters);
                drop(stale);
                // Acquire: pairs with the Release store of 0 in
                // `release_locked`: the node may have been served (its
                // waker is then woken once, spuriously).
                if node.needed.load(Ordering::Acquire) == 0 {
                    return self.granted(num);
                }
                return Poll::Pending;
            }
        }
        drop(waiters);
        drop(stale);
        Poll::Pending
    }

    /// A queued node was assigned all its permits. If the semaphore was
    /// closed meanwhile the acquisition still fails (rule 5, tokio's
    /// behaviour: after `close` no queued acquisition completes) and the
    /// permits go back.
    fn granted(&self, num: usize) -> Poll<Result<bool, Closed>> {
        if self.is_closed() {
            self.release(num);
            return Poll::Ready(Err(Closed));
        }
        Poll::Ready(Ok(true))
    }

    /// Later polls of a queued node. `Ok(true)`: granted; `Err`: closed
    /// (the partial or full permits were given back).
    fn poll_again(
        &self,
        node: &Waiter,
        num: usize,
        cx: &mut Context<'_>,
    ) -> Poll<Result<bool, Closed>> {
        // A waker cloned outside the lock (rule 7); declared before the
        // guard, so dropped after it.
        let mut fresh: Option<Waker> = None;
        loop {
            // Acquire: pairs with the Release store of 0 in `release_locked`.
            if node.needed.load(Ordering::Acquire) == 0 {
                return self.granted(num);
            }
            let waiters = self.lock();
            let needed = node.needed.load(Ordering::Acquire);
            if needed == 0 {
                drop(waiters);
                return self.granted(num);
            }
            // SAFETY: under the lock.
            if !unsafe { node.is_linked() } {
                // Rule 5: closed; give back what was assigned.
                self.release_locked(num - needed, waiters);
                return Poll::Ready(Err(Closed));
            }
            // SAFETY: under the lock.
            if unsafe { node.waker.will_wake(cx.waker()) } {
                return Poll::Pending;
            }
            let Some(waker) = fresh.take() else {
                // Rule 7: clone outside the lock, then look again.
                drop(waiters);
                fresh = Some(cx.waker().clone());
                continue;
            };
            // SAFETY: under the lock.
            let stale = unsafe { node.waker.replace(waker) };
            drop(waiters);
            drop(stale);
            return Poll::Pending;
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Waits for permits; see [`Semaphore::acquire`]. Dropping it before it
/// completes gives back whatever was assigned to it (rule 4).
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Acquire<'a> {
    semaphore: &'a Semaphore,
    /// Where the releases of a bounded channel's receiver go (rule 6).
    pool: Option<&'a ReleasePool>,
    node: Waiter,
    num: usize,
    /// The node may be linked or hold assigned permits: `Drop` must look.
    queued: bool,
    /// What a task dump shows while this waits.
    kind: SyncKind,
}

impl Future for Acquire<'_> {
    type Output = Result<(), Closed>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        // SAFETY: nothing is moved out; the node stays where it is.
        let this = unsafe { self.get_unchecked_mut() };
        let Poll::Ready(coop) = crate::runtime::coop::poll_proceed(cx) else {
            return this.out_of_budget(cx);
        };
        if !this.queued {
            // The uncontended path, inlined into the caller.
            if let Some(done) = this.semaphore.try_fast(this.num) {
                coop.made_progress();
                return Poll::Ready(done);
            }
        }
        this.poll_slow(coop, cx)
    }
}

impl Acquire<'_> {
    /// A first poll that found too few permits, or a later one.
    #[inline(never)]
    fn poll_slow(
        &mut self,
        coop: crate::runtime::coop::RestoreOnPending,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Closed>> {
        let result = if self.queued {
            self.semaphore.poll_again(&self.node, self.num, cx)
        } else {
            self.semaphore
                .poll_first(&self.node, self.num, self.pool, cx)
        };
        match result {
            Poll::Pending => {
                self.queued = true;
                waiting_on::sync(self.kind);
                Poll::Pending
            }
            Poll::Ready(result) => {
                coop.made_progress();
                self.queued = false;
                Poll::Ready(result.map(drop))
            }
        }
    }

    /// Rule 8: the task's budget is spent, so this poll completes nothing
    /// (the budget's yield wakes the task). An acquisition that would have
    /// to wait anyway takes its place in line now; one that would get its
    /// permits at once takes nothing (holding them through the yield would
    /// keep them from every other task meanwhile).
    #[cold]
    fn out_of_budget(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        if self.queued || !self.semaphore.would_wait(self.num) {
            return Poll::Pending;
        }
        match self
            .semaphore
            .poll_first(&self.node, self.num, self.pool, cx)
        {
            Poll::Pending => waiting_on::sync(self.kind),
            // Served while taking its place: kept for the next poll as a
            // node granted in full (unlinked, nothing needed), which that
            // poll completes (rule 5 still applies) and a drop gives back
            // (rule 4).
            Poll::Ready(Ok(_)) => self.node.needed.store(0, Ordering::Release),
            // Closed: the next poll, with budget, finds it again.
            Poll::Ready(Err(_)) => return Poll::Pending,
        }
        self.queued = true;
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.queued {
            self.cancel();
        }
    }
}

impl Acquire<'_> {
    /// Rule 4: the future is dropped while its node may be queued or hold
    /// assigned permits.
    #[cold]
    fn cancel(&mut self) {
        let mut waiters = self.semaphore.lock();
        // SAFETY: under the lock; if linked, the node is in this queue.
        unsafe {
            if self.node.is_linked() {
                waiters.queue.remove(NonNull::from(&self.node));
                self.node.set_linked(false);
            }
        }
        // Acquire: pairs with the releasers' Release stores of `needed` (under the lock we hold,
        // so this only documents it).
        let assigned = self.num - self.node.needed.load(Ordering::Acquire);
        if waiters.queue.is_empty() {
            self.semaphore.state.fetch_and(!WAITERS, Ordering::Relaxed);
        }
        if assigned > 0 {
            self.semaphore.release_locked(assigned, waiters);
        }
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("num", &self.num)
            .field("queued", &self.queued)
            .finish()
    }
}

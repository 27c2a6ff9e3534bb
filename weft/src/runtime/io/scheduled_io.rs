//! Per-resource readiness and waiters.
//!
//! # Design note
//!
//! Every registered socket has one `ScheduledIo`, shared by the resource
//! and the driver. The driver's events are edge-triggered (each readiness
//! change is reported once), so readiness is *cached* here until an
//! operation hits `WouldBlock`. One atomic word holds the cached readiness
//! bits, a `SHUTDOWN` bit and the driver tick of the last event.
//!
//! Waiting tasks sit under a small mutex, in two forms:
//!
//! - **Slots**: one waker per direction (reader, writer), for the `poll_*`
//!   methods. A `poll_*` caller has nowhere to keep a queue entry, so only
//!   the last waker given per direction is kept and woken (tokio documents
//!   the same).
//! - **List**: the `async fn` operations wait through a [`Readiness`]
//!   future whose waiter node lives *inside the future* and is linked into
//!   one intrusive list (no allocation per wait). Each node records what it
//!   waits for (read, write, either) and the driver wakes every node its
//!   event matches, so any number of tasks can wait on one resource in one
//!   direction. The list is a single head pointer (nodes are pushed at the
//!   front; the order of a wake-all does not matter), so a resource with
//!   nobody waiting pays one word for it: a `ScheduledIo` exists per
//!   connection, and connections are what a server has most of.
//!
//! Rules:
//!
//! 1. The driver ORs new readiness in and stamps its current tick (one
//!    CAS loop), *then* takes the waiter lock and wakes who wants it.
//! 2. A poller stores its waker (in its slot, or in its node, linking the
//!    node) under the waiter lock and reads the readiness again before
//!    releasing it: if the driver's step 1 came first, the poller sees the
//!    bits; if it comes after, the driver finds the waker. No lost wake-up.
//!    A waker that must be stored anew is cloned *before* the lock is
//!    taken (rule 6); a poll whose stored waker `will_wake` already clones
//!    nothing.
//! 3. After `WouldBlock`, a poller clears only the bits it saw, and only
//!    if the tick is still the one it saw: an event that arrived between
//!    the failed syscall and the clear has a newer tick and is kept. This
//!    is the same tick guard tokio's `ScheduledIo` uses.
//! 4. `READ_CLOSED`/`WRITE_CLOSED` are never cleared: once the peer closed
//!    a direction, every later poll sees it.
//! 5. A node's links, waker and `queued` mark are read and written only
//!    under the waiter lock. The driver unlinks each node it wakes (clearing
//!    `queued`) and moves its waker out; a future whose node is no longer
//!    queued re-reads the readiness and, if another waiter consumed it,
//!    links itself again (rule 2). A `Readiness` dropped while waiting
//!    takes the lock and unlinks its node if still queued, so a list never
//!    points at freed memory, and a wake never goes to a dropped waiter: a
//!    node the driver already took is merely forgotten (its waker was moved
//!    into the driver's batch under the lock).
//! 6. No user code under the lock: wakers are cloned before it is taken,
//!    and wakers replaced, removed or taken are dropped or woken after it
//!    is released. The driver collects wakers into a fixed-size batch;
//!    when it is full it releases the lock, wakes the batch, and re-locks
//!    to go on from the list's head (no allocation; the nodes it already
//!    took are gone from the list, the others it skips again).
//! 7. A socket just accepted or made may start out with readiness bits
//!    set and no event (`assume_ready`, as tokio 1.5x does): a false
//!    positive costs one `WouldBlock`, which clears it by rule 3.

use crate::io::{Interest, Ready};
use crate::loom::{AtomicU32, AtomicUsize, Mutex, MutexGuard, Ordering::*, UnsafeCell};
use crate::runtime::waiting_on::{self, IoDirection, WaitingOn};
use std::future::Future;
use std::marker::PhantomPinned;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{ready, Context, Poll, Waker};

/// Low bits: readiness (the bits of [`Ready`]); then `SHUTDOWN`; the tick
/// above.
const READINESS_MASK: usize = Ready::ALL.as_bits() as usize;
const SHUTDOWN: usize = 1 << 6;
const TICK_SHIFT: u32 = 16;

/// Which slot a `poll_*` operation waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The readiness bits that let this direction proceed (errors and
    /// closes included: the operation then reports them).
    fn mask(self) -> Ready {
        match self {
            Direction::Read => Ready::READABLE | Ready::READ_CLOSED | Ready::ERROR,
            Direction::Write => Ready::WRITABLE | Ready::WRITE_CLOSED | Ready::ERROR,
        }
    }
}

/// What an `async` wait ([`Readiness`]) waits for: one direction, or
/// either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wants {
    Read = 0,
    Write = 1,
    Either = 2,
}

impl Wants {
    /// The readiness bits that end the wait.
    fn mask(self) -> Ready {
        match self {
            Wants::Read => Direction::Read.mask(),
            Wants::Write => Direction::Write.mask(),
            Wants::Either => Direction::Read.mask() | Direction::Write.mask(),
        }
    }

    /// The wait for a public `Interest`: writable alone waits for write
    /// readiness; readable, error and priority wait as readers (whose
    /// readiness includes errors); writable with any of those waits for
    /// either.
    pub(crate) fn from_interest(interest: Interest) -> Wants {
        let read = interest.is_readable() || interest.is_error() || interest.is_priority();
        match (read, interest.is_writable()) {
            (true, true) => Wants::Either,
            (false, true) => Wants::Write,
            _ => Wants::Read,
        }
    }
}

impl From<Direction> for Wants {
    fn from(direction: Direction) -> Wants {
        match direction {
            Direction::Read => Wants::Read,
            Direction::Write => Wants::Write,
        }
    }
}

/// What a poller saw: the readiness it waits for and the tick that
/// stamped it (for rule 3).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyEvent {
    pub(crate) ready: Ready,
    tick: usize,
    pub(crate) is_shutdown: bool,
}

impl ReadyEvent {
    fn is_ready(&self) -> bool {
        !self.ready.is_empty() || self.is_shutdown
    }
}

/// One waiting [`Readiness`] future's node (rule 5: every field is
/// touched only under the waiter lock).
#[derive(Debug)]
struct Waiter {
    inner: UnsafeCell<WaiterInner>,
    /// Linked nodes must not move.
    _pin: PhantomPinned,
}

#[derive(Debug)]
struct WaiterInner {
    prev: Option<NonNull<Waiter>>,
    next: Option<NonNull<Waiter>>,
    waker: Option<Waker>,
    /// What the node waits for (fixed at creation).
    wants: Wants,
    /// Whether the node is in the list.
    queued: bool,
}

// SAFETY: a node's contents (links to other nodes, the waker) are read and
// written only under the waiter lock of its resource (rule 5), whichever
// thread holds the future; `Waker` is `Send + Sync`.
unsafe impl Send for Waiter {}
// SAFETY: as above; `&Waiter` gives no access outside the lock.
unsafe impl Sync for Waiter {}

impl Waiter {
    fn new(wants: Wants) -> Waiter {
        Waiter {
            inner: UnsafeCell::new(WaiterInner {
                prev: None,
                next: None,
                waker: None,
                wants,
                queued: false,
            }),
            _pin: PhantomPinned,
        }
    }
}

/// Runs `f` on `node`'s fields.
///
/// # Safety
///
/// The caller holds the waiter lock of the `ScheduledIo` whose list the
/// node is in or is about to enter (rule 5), and `node` is live; `f` does
/// not touch another node.
unsafe fn with_node<R>(node: NonNull<Waiter>, f: impl FnOnce(&mut WaiterInner) -> R) -> R {
    // SAFETY: `node` is live (caller).
    let waiter = unsafe { node.as_ref() };
    waiter.inner.with_mut(|inner| {
        // SAFETY: the lock serialises every access to the cell (caller), so
        // this is the only reference to its contents.
        f(unsafe { &mut *inner })
    })
}

/// An intrusive doubly linked list of [`Waiter`]s that live in pinned
/// futures, known by its head alone. A local, minimal list (the one in
/// `sync::util` is behind the `sync` feature, and keeps a tail).
#[derive(Debug, Default)]
struct List {
    head: Option<NonNull<Waiter>>,
}

// SAFETY: the list is only pointers to nodes whose contents are touched
// only under the mutex that holds the list (rule 5); it moves between
// threads only inside that mutex.
unsafe impl Send for List {}

impl List {
    /// Links `node` at the front.
    ///
    /// # Safety
    ///
    /// Under the waiter lock; `node` is live, pinned, in no list, and stays
    /// valid until it is removed (rule 5).
    unsafe fn push_front(&mut self, node: NonNull<Waiter>) {
        let head = self.head;
        // SAFETY: the caller's contract; `head` is a live node of this list.
        unsafe {
            with_node(node, |n| {
                debug_assert!(!n.queued, "a waiter linked twice");
                n.prev = None;
                n.next = head;
                n.queued = true;
            });
            if let Some(head) = head {
                with_node(head, |h| h.prev = Some(node));
            }
        }
        self.head = Some(node);
    }

    /// Unlinks `node` (which must be in this list) and clears its links
    /// and `queued` mark.
    ///
    /// # Safety
    ///
    /// Under the waiter lock; `node` is live and queued in this list.
    unsafe fn remove(&mut self, node: NonNull<Waiter>) {
        // SAFETY: the caller's contract; the neighbours are live nodes of
        // this list (rule 5).
        unsafe {
            let (prev, next) = with_node(node, |n| {
                debug_assert!(n.queued);
                n.queued = false;
                (n.prev.take(), n.next.take())
            });
            match prev {
                Some(prev) => with_node(prev, |p| p.next = next),
                None => self.head = next,
            }
            if let Some(next) = next {
                with_node(next, |n| n.prev = prev);
            }
        }
    }

    /// Unlinks every node whose wait `ready` ends and moves its waker into
    /// `batch`, until the batch is full; returns whether it stopped for
    /// that (matching nodes may be left).
    fn take_matching(&mut self, ready: Ready, batch: &mut WakeBatch) -> bool {
        let mut cursor = self.head;
        while let Some(node) = cursor {
            // SAFETY: called under the waiter lock (the list is only
            // reachable through it); `node` is in this list, hence live
            // (rule 5); `next` is read before `node` is unlinked.
            unsafe {
                let (next, wants) = with_node(node, |n| (n.next, n.wants));
                if wants.mask().intersects(ready) {
                    if batch.is_full() {
                        return true;
                    }
                    self.remove(node);
                    if let Some(waker) = with_node(node, |n| n.waker.take()) {
                        batch.push(waker);
                    }
                }
                cursor = next;
            }
        }
        false
    }
}

#[derive(Debug, Default)]
struct Waiters {
    /// The `poll_*` slots.
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// The `Readiness` waiters.
    list: List,
}

/// Up to [`WakeBatch::CAPACITY`] wakers taken under the lock, woken after
/// it is released (rule 6).
struct WakeBatch {
    wakers: [MaybeUninit<Waker>; WakeBatch::CAPACITY],
    /// `wakers[..len]` are initialised.
    len: usize,
}

impl WakeBatch {
    const CAPACITY: usize = 32;

    fn new() -> WakeBatch {
        WakeBatch {
            wakers: [const { MaybeUninit::uninit() }; WakeBatch::CAPACITY],
            len: 0,
        }
    }

    fn is_full(&self) -> bool {
        self.len == WakeBatch::CAPACITY
    }

    /// Adds a waker; the caller checks [`is_full`](Self::is_full) first.
    fn push(&mut self, waker: Waker) {
        assert!(!self.is_full(), "WakeBatch overflow");
        self.wakers[self.len].write(waker);
        self.len += 1;
    }

    fn wake_all(&mut self) {
        // The count first, so `Drop` never touches a waker read here (a
        // panicking waker leaks the rest rather than double-dropping).
        let len = std::mem::replace(&mut self.len, 0);
        for slot in &mut self.wakers[..len] {
            // SAFETY: `wakers[..len]` were initialised by `push` and `len`
            // is already 0: each is read once.
            unsafe { slot.assume_init_read() }.wake();
        }
    }
}

impl Drop for WakeBatch {
    fn drop(&mut self) {
        let len = std::mem::replace(&mut self.len, 0);
        for slot in &mut self.wakers[..len] {
            // SAFETY: as in `wake_all`.
            drop(unsafe { slot.assume_init_read() });
        }
    }
}

/// One registered resource's readiness and waiters.
#[derive(Debug)]
pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
    /// Index in the driver's registration list; read and written only
    /// under that list's lock. 32 bits (a process has far fewer
    /// descriptors), so it shares a word with `fd`.
    position: AtomicU32,
    /// The resource's descriptor, for task dumps (never used for I/O).
    fd: i32,
}

impl ScheduledIo {
    /// The state of the resource whose descriptor is `fd`.
    pub(super) fn new(fd: i32) -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
            position: AtomicU32::new(0),
            fd,
        }
    }

    /// Index in the driver's registration list (under its lock).
    pub(super) fn position(&self) -> usize {
        self.position.load(Relaxed) as usize
    }

    /// Moves the entry to `position` of the driver's registration list
    /// (under its lock).
    pub(super) fn set_position(&self, position: usize) {
        let position = u32::try_from(position).expect("fewer than 2^32 registered resources");
        self.position.store(position, Relaxed);
    }

    /// Records, for task dumps, that the polling task waits for `wants`.
    fn record_wait(&self, wants: Wants) {
        let direction = match wants {
            Wants::Read => IoDirection::Read,
            Wants::Write => IoDirection::Write,
            Wants::Either => IoDirection::ReadOrWrite,
        };
        waiting_on::record(WaitingOn::Io {
            fd: self.fd,
            direction,
        });
    }

    fn lock(&self) -> MutexGuard<'_, Waiters> {
        // No user code runs under this lock (rule 6), so it is never
        // poisoned by a panic we did not cause ourselves.
        self.waiters.lock().unwrap()
    }

    /// Rule 1, first half: the driver records an event of `tick`.
    pub(super) fn set_readiness(&self, tick: usize, ready: Ready) {
        let tick_bits = (tick << TICK_SHIFT) & !((1 << TICK_SHIFT) - 1);
        // AcqRel: Release publishes the readiness to pollers (who Acquire);
        // the closure keeps SHUTDOWN and ORs in the new bits.
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |current| {
            let bits = (current & (READINESS_MASK | SHUTDOWN)) | usize::from(ready.as_bits());
            Some(tick_bits | bits)
        });
    }

    /// Marks the resource ready in `ready`'s directions without an event
    /// from the driver (a socket just accepted or made): its first
    /// operation then tries the system call instead of waiting for the
    /// driver's first event. A false positive costs one `WouldBlock`, which
    /// clears it as usual (rule 3); the tick is left alone, and a resource
    /// shut down stays so. Nobody waits yet, so nobody is woken.
    pub(super) fn assume_ready(&self, ready: Ready) {
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |current| {
            (current & SHUTDOWN == 0).then_some(current | usize::from(ready.as_bits()))
        });
    }

    /// Rule 1, second half: wakes every waiter that `ready` lets proceed
    /// (rule 6: outside the lock, in batches).
    pub(super) fn wake(&self, ready: Ready) {
        let read = ready.intersects(Direction::Read.mask());
        let write = ready.intersects(Direction::Write.mask());
        if !read && !write {
            return;
        }
        let mut waiters = self.lock();
        let reader = if read { waiters.reader.take() } else { None };
        let writer = if write { waiters.writer.take() } else { None };
        if waiters.list.head.is_none() {
            // The common case: no `async` waiter; no batch needed.
            drop(waiters);
            if let Some(waker) = reader {
                waker.wake();
            }
            if let Some(waker) = writer {
                waker.wake();
            }
            return;
        }
        let mut batch = WakeBatch::new();
        for waker in [reader, writer].into_iter().flatten() {
            batch.push(waker);
        }
        loop {
            let more = waiters.list.take_matching(ready, &mut batch);
            drop(waiters);
            batch.wake_all();
            if !more {
                return;
            }
            waiters = self.lock();
        }
    }

    /// The driver shut down: every poll from now on fails, and every
    /// waiter is woken to see it.
    pub(super) fn shutdown(&self) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        self.wake(Ready::ALL);
    }

    fn event(&self, current: usize, mask: Ready) -> ReadyEvent {
        ReadyEvent {
            ready: Ready::from_bits((current & READINESS_MASK) as u8) & mask,
            tick: current >> TICK_SHIFT,
            is_shutdown: current & SHUTDOWN != 0,
        }
    }

    fn load(&self, mask: Ready) -> ReadyEvent {
        // Acquire: pairs with the Release in `set_readiness`.
        self.event(self.readiness.load(Acquire), mask)
    }

    /// The readiness for `direction` if there is some; otherwise (rule 2)
    /// stores `cx`'s waker in the direction's slot, replacing the one
    /// there, and returns `Pending`. Only the last waker given per
    /// direction is woken.
    pub(crate) fn poll_readiness(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<ReadyEvent> {
        let event = self.load(direction.mask());
        if event.is_ready() {
            return Poll::Ready(event);
        }
        self.poll_readiness_waiting(cx, direction)
    }

    /// [`poll_readiness`](Self::poll_readiness) when not ready at first
    /// sight. Kept out of line: the ready path above is inlined into every
    /// read and write loop, and this part would be copied with it.
    #[inline(never)]
    fn poll_readiness_waiting(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<ReadyEvent> {
        // Rule 6: a new waker is cloned with the lock released.
        let mut fresh: Option<Waker> = None;
        loop {
            let mut waiters = self.lock();
            let slot = match direction {
                Direction::Read => &mut waiters.reader,
                Direction::Write => &mut waiters.writer,
            };
            let replaced = match slot {
                Some(waker) if waker.will_wake(cx.waker()) => None,
                _ => match fresh.take() {
                    Some(waker) => slot.replace(waker),
                    None => {
                        drop(waiters);
                        fresh = Some(cx.waker().clone());
                        continue;
                    }
                },
            };
            // Rule 2: read again with the waker in place.
            let event = self.load(direction.mask());
            drop(waiters);
            // Rule 6: the replaced waker is dropped outside the lock.
            drop(replaced);
            return if event.is_ready() {
                Poll::Ready(event)
            } else {
                self.record_wait(direction.into());
                Poll::Pending
            };
        }
    }

    /// A future that waits, in the waiter list, until the resource is
    /// ready for `wants` (or shut down). It spends a unit of the task's
    /// cooperative budget when it completes.
    pub(crate) fn readiness(&self, wants: Wants) -> Readiness<'_> {
        Readiness {
            io: self,
            wants,
            linked: false,
            waiter: Waiter::new(wants),
        }
    }

    /// The readiness for `wants`, without registering a waker.
    pub(crate) fn ready_now(&self, wants: Wants) -> ReadyEvent {
        self.load(wants.mask())
    }

    /// Rule 3: forget `event`'s readiness (an operation hit `WouldBlock`),
    /// unless a newer event arrived meanwhile. Closed bits stay (rule 4).
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = usize::from((event.ready - Ready::READ_CLOSED - Ready::WRITE_CLOSED).as_bits());
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |current| {
            if current >> TICK_SHIFT != event.tick {
                return None;
            }
            Some(current & !clear)
        });
    }
}

/// Waits in a [`ScheduledIo`]'s waiter list until it is ready for
/// `wants`; see [`ScheduledIo::readiness`]. Cancel-safe: dropping it
/// unlinks its node (rule 5).
#[derive(Debug)]
pub(crate) struct Readiness<'a> {
    io: &'a ScheduledIo,
    wants: Wants,
    /// Whether the node may be linked or hold a waker (then `Drop` must
    /// take the lock). Only this future reads or writes it.
    linked: bool,
    waiter: Waiter,
}

impl Readiness<'_> {
    /// Unlinks the node if it is still queued and moves its waker out.
    /// Rule 5.
    fn unlink(&mut self, waiters: &mut Waiters) -> Option<Waker> {
        self.linked = false;
        let node = NonNull::from(&self.waiter);
        let list = &mut waiters.list;
        // SAFETY: the waiter lock is held (`waiters` is its guard's
        // contents); the node is live (it is ours) and, when queued, in
        // the list.
        unsafe {
            if with_node(node, |n| n.queued) {
                list.remove(node);
            }
            with_node(node, |n| n.waker.take())
        }
    }
}

impl Future for Readiness<'_> {
    type Output = ReadyEvent;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ReadyEvent> {
        // SAFETY: nothing is moved out of the future; the node stays where
        // it is (`Readiness` is `!Unpin` through `Waiter`), and the list
        // reaches it only through `UnsafeCell` under the lock.
        let this = unsafe { self.get_unchecked_mut() };
        let coop = ready!(crate::runtime::coop::poll_proceed(cx));
        let mask = this.wants.mask();
        let event = this.io.load(mask);
        if event.is_ready() && !this.linked {
            coop.made_progress();
            return Poll::Ready(event);
        }
        // Rule 6: a new waker is cloned with the lock released.
        let mut fresh: Option<Waker> = None;
        loop {
            let mut waiters = this.io.lock();
            // Rule 2: read again under the lock.
            let event = this.io.load(mask);
            if event.is_ready() {
                let waker = this.unlink(&mut waiters);
                drop(waiters);
                drop(waker);
                drop(fresh);
                coop.made_progress();
                return Poll::Ready(event);
            }
            let node = NonNull::from(&this.waiter);
            // SAFETY: under the waiter lock; the node is ours, live and
            // pinned (we are), and `Drop` unlinks it before it goes away.
            let stored = unsafe {
                with_node(node, |n| match &n.waker {
                    Some(waker) if waker.will_wake(cx.waker()) => Some(None),
                    _ => fresh.take().map(|waker| n.waker.replace(waker)),
                })
            };
            let Some(replaced) = stored else {
                drop(waiters);
                fresh = Some(cx.waker().clone());
                continue;
            };
            // SAFETY: as above.
            unsafe {
                if !with_node(node, |n| n.queued) {
                    waiters.list.push_front(node);
                }
            }
            this.linked = true;
            drop(waiters);
            // Rule 6: outside the lock.
            drop(replaced);
            this.io.record_wait(this.wants);
            return Poll::Pending;
        }
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        if !self.linked {
            return;
        }
        let io = self.io;
        let mut waiters = io.lock();
        let waker = self.unlink(&mut waiters);
        drop(waiters);
        drop(waker);
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use crate::util::test_waker::counting;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::Wake;

    /// Every registered socket has one: the descriptor kept for task
    /// dumps shares a word with the registration index, so it costs no
    /// memory (the idle-connection rows).
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn scheduled_io_has_no_word_for_the_dump_fd() {
        assert_eq!(std::mem::size_of::<ScheduledIo>(), 64);
    }

    #[test]
    fn readiness_is_cached_until_cleared_with_the_same_tick() {
        let io = ScheduledIo::new(-1);
        let (wakes, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        assert!(io.poll_readiness(&mut cx, Direction::Read).is_pending());

        io.set_readiness(1, Ready::READABLE);
        io.wake(Ready::READABLE);
        assert_eq!(wakes.0.load(SeqCst), 1, "the reader was woken");
        let Poll::Ready(event) = io.poll_readiness(&mut cx, Direction::Read) else {
            panic!("readable")
        };
        assert!(event.ready.is_readable());
        assert!(
            io.poll_readiness(&mut cx, Direction::Write).is_pending(),
            "not writable"
        );

        // An event of a newer tick arrives before the clear: it is kept.
        io.set_readiness(2, Ready::READABLE);
        io.clear_readiness(event);
        assert!(io.ready_now(Wants::Read).ready.is_readable());
        let fresh = io.ready_now(Wants::Read);
        io.clear_readiness(fresh);
        assert!(io.ready_now(Wants::Read).ready.is_empty());
    }

    #[test]
    fn closed_bits_survive_a_clear_and_shutdown_wakes_everyone() {
        let io = ScheduledIo::new(-1);
        io.set_readiness(1, Ready::READABLE | Ready::READ_CLOSED);
        let event = io.ready_now(Wants::Read);
        io.clear_readiness(event);
        assert!(io.ready_now(Wants::Read).ready.is_read_closed());
        assert!(!io.ready_now(Wants::Read).ready.is_readable());

        let (wakes, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        assert!(io.poll_readiness(&mut cx, Direction::Write).is_pending());
        let mut listed = pin!(io.readiness(Wants::Write));
        assert!(listed.as_mut().poll(&mut cx).is_pending());
        io.shutdown();
        assert_eq!(wakes.0.load(SeqCst), 2, "slot and list waiters");
        match io.poll_readiness(&mut cx, Direction::Write) {
            Poll::Ready(event) => assert!(event.is_shutdown),
            Poll::Pending => panic!("shutdown is reported"),
        }
        match listed.as_mut().poll(&mut cx) {
            Poll::Ready(event) => assert!(event.is_shutdown),
            Poll::Pending => panic!("shutdown is reported"),
        }
    }

    /// Many more waiters than one batch holds: every matching one is
    /// woken once, the others stay, and dropped ones are unlinked.
    #[test]
    fn every_matching_list_waiter_is_woken_in_batches() {
        let io = ScheduledIo::new(-1);
        let (reads, read_waker) = counting();
        let (writes, write_waker) = counting();
        let (eithers, either_waker) = counting();
        let mut readers: Vec<_> = (0..100)
            .map(|_| Box::pin(io.readiness(Wants::Read)))
            .collect();
        let mut writers: Vec<_> = (0..10)
            .map(|_| Box::pin(io.readiness(Wants::Write)))
            .collect();
        let mut either: Vec<_> = (0..40)
            .map(|_| Box::pin(io.readiness(Wants::Either)))
            .collect();
        for (futures, waker) in [
            (&mut readers, &read_waker),
            (&mut writers, &write_waker),
            (&mut either, &either_waker),
        ] {
            let mut cx = Context::from_waker(waker);
            for f in futures.iter_mut() {
                assert!(f.as_mut().poll(&mut cx).is_pending());
            }
        }
        // Cancel every other reader: they must not be woken (nor crash).
        let mut kept = Vec::new();
        for (i, f) in readers.into_iter().enumerate() {
            if i % 2 == 0 {
                kept.push(f);
            }
        }
        io.set_readiness(1, Ready::READABLE);
        io.wake(Ready::READABLE);
        assert_eq!(reads.0.load(SeqCst), 50);
        assert_eq!(eithers.0.load(SeqCst), 40);
        assert_eq!(writes.0.load(SeqCst), 0, "writers keep waiting");
        let mut cx = Context::from_waker(&read_waker);
        for f in &mut kept {
            assert!(f.as_mut().poll(&mut cx).is_ready());
        }
        // Readiness consumed by someone: a woken waiter waits again.
        let event = io.ready_now(Wants::Read);
        io.clear_readiness(event);
        let mut cx = Context::from_waker(&either_waker);
        for f in &mut either {
            assert!(f.as_mut().poll(&mut cx).is_pending(), "relinked");
        }
        io.set_readiness(2, Ready::WRITABLE);
        io.wake(Ready::WRITABLE);
        assert_eq!(writes.0.load(SeqCst), 10);
        assert_eq!(eithers.0.load(SeqCst), 80);
        assert!(io.lock().list.head.is_none());
    }

    /// A waker whose drop re-enters the resource (registers again) must
    /// not deadlock: wakers are dropped outside the lock.
    #[test]
    fn a_replaced_waker_is_dropped_outside_the_lock() {
        struct Reentrant(Arc<ScheduledIo>);
        impl Wake for Reentrant {
            fn wake(self: Arc<Self>) {}
        }
        impl Drop for Reentrant {
            fn drop(&mut self) {
                // Deadlocks if called under the waiter lock.
                let waker = Waker::noop();
                let mut cx = Context::from_waker(waker);
                let _ = self.0.poll_readiness(&mut cx, Direction::Read);
                let _ = pin!(self.0.readiness(Wants::Read)).poll(&mut cx);
            }
        }
        let io = Arc::new(ScheduledIo::new(-1));
        for round in 0..2 {
            let waker = Waker::from(Arc::new(Reentrant(io.clone())));
            let mut cx = Context::from_waker(&waker);
            assert!(io.poll_readiness(&mut cx, Direction::Read).is_pending());
            let mut listed = Box::pin(io.readiness(Wants::Read));
            assert!(listed.as_mut().poll(&mut cx).is_pending());
            drop(waker);
            // Replacing both wakers drops the reentrant ones.
            let (_, other) = counting();
            let mut cx = Context::from_waker(&other);
            assert!(io.poll_readiness(&mut cx, Direction::Read).is_pending());
            assert!(listed.as_mut().poll(&mut cx).is_pending());
            if round == 1 {
                io.set_readiness(1, Ready::READABLE);
                io.wake(Ready::READABLE);
            }
        }
    }
}

#[cfg(all(test, weft_loom))]
mod loom_tests {
    //! Loom models of the waiter list: a waiter linking itself while the
    //! driver delivers (no lost wake-up), two waiters and one event, and a
    //! waiter dropped while the driver wakes it (no use after free: loom's
    //! cell tracking and leak checks).

    use super::*;
    use crate::loom::Arc;
    use crate::util::loom_model::{block_on, model, LoomWaker};
    use loom::thread;

    /// Runs `body` as a loom model, on a new resource each execution.
    fn io_model(body: impl Fn(&Arc<ScheduledIo>) + Sync + Send + 'static) {
        model(move || body(&Arc::new(ScheduledIo::new(-1))));
    }

    /// The driver, on a second loom thread: `ready` arrives (tick 1) and
    /// the waiters for it are woken.
    fn deliver_on_thread(io: Arc<ScheduledIo>, ready: Ready) -> thread::JoinHandle<()> {
        thread::spawn(move || {
            io.set_readiness(1, ready);
            io.wake(ready);
        })
    }

    #[test]
    fn loom_io_list_waiter_and_driver_race() {
        io_model(|io| {
            let driver = deliver_on_thread(io.clone(), Ready::READABLE);
            let event = block_on(io.readiness(Wants::Read));
            assert!(event.ready.is_readable());
            driver.join().unwrap();
        });
    }

    #[test]
    fn loom_io_two_list_waiters_one_event() {
        io_model(|io| {
            let theirs = io.clone();
            let other = thread::spawn(move || {
                block_on(theirs.readiness(Wants::Either));
            });
            let driver = deliver_on_thread(io.clone(), Ready::WRITABLE);
            block_on(io.readiness(Wants::Write));
            other.join().unwrap();
            driver.join().unwrap();
        });
    }

    #[test]
    fn loom_io_waiter_dropped_while_woken() {
        io_model(|io| {
            let (_notify, waker) = LoomWaker::new();
            let mut cx = Context::from_waker(&waker);
            let mut first = Box::pin(io.readiness(Wants::Read));
            assert!(first.as_mut().poll(&mut cx).is_pending());
            let driver = deliver_on_thread(io.clone(), Ready::READABLE);
            // Dropped while the driver may be unlinking or waking it.
            drop(first);
            // A second waiter still gets the readiness.
            block_on(io.readiness(Wants::Read));
            driver.join().unwrap();
            assert!(io.lock().list.head.is_none());
        });
    }

    #[test]
    fn loom_io_slot_waker_replaced_while_woken() {
        io_model(|io| {
            let driver = deliver_on_thread(io.clone(), Ready::READABLE);
            // First poll with one waker, then wait with another.
            let _ = io.poll_readiness(&mut Context::from_waker(Waker::noop()), Direction::Read);
            block_on(std::future::poll_fn(|cx| {
                io.poll_readiness(cx, Direction::Read)
            }));
            driver.join().unwrap();
        });
    }
}

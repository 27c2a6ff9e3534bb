//! The shared core of both `mpsc` flavors.
//!
//! # Design note
//!
//! **Shape.** One `Chan` behind an `Arc`: a mutex-protected `Shared` part
//! (the message queue, the receiver's waker, the two "closed" flags), the
//! sender counts (each sender holds the channel through a `Handle`, whose
//! `Clone` and `Drop` count it), and, for the bounded flavor, the fair
//! [`batch_semaphore`](crate::sync::batch_semaphore) whose permits are the
//! free slots. A sender holds a permit from `reserve` until its message is
//! received; the receiver gives the permit back as it hands each message
//! out. Senders waiting for capacity are queued FIFO in the semaphore
//! (intrusive nodes, nothing allocated per wait).
//!
//! **Why a lock, and why it is fast.** The critical sections are a few
//! instructions (push one message; or swap the whole queue out), no user
//! code runs under the lock and nothing blocks under it, so an uncontended
//! lock costs one CAS and one swap, which is what a lock-free list costs
//! too. The receiver keeps a private `local` queue: when it is empty, the
//! receiver *swaps* the shared queue with it under the lock (`O(1)`, the
//! buffers are reused) and then pops from `local` without touching shared
//! memory — one lock acquisition per batch of messages rather than per
//! message, so senders rarely find the lock held.
//!
//! **Protocol rules.**
//!
//! 1. Messages are pushed at the back of `shared.queue` under the lock; the
//!    receiver moves the queue to `local` as a whole, so each sender's
//!    messages stay in order and every message is received once.
//! 2. A push takes the receiver's waker under the same lock and wakes it
//!    after unlocking; the receiver stores its waker under the lock after
//!    finding the queue empty — so a message pushed after that check finds
//!    the waker (no lost wake-up).
//! 3. `tx_closed` is set under the lock by the last strong sender's drop
//!    (the `tx_count` RMW that reaches 0 decides who that is; a weak
//!    sender's upgrade never revives a count of 0). The receiver returns
//!    `None` only when the queue is empty and `tx_closed`, or when it closed
//!    the channel itself, the queue is empty and no permit is out (a
//!    reserved slot may still be used to send).
//! 4. `rx_closed` is set under the lock by `close`/drop of the receiver;
//!    unreserved pushes (unbounded) after it fail and give the message
//!    back. The semaphore is closed right after, so waiting and later
//!    bounded senders fail too — also one whose slots were granted before
//!    the close but that had not yet seen them (`batch_semaphore` rule 5) —
//!    but a slot reserved before the close may still be used (tokio's
//!    rule), until the receiver is dropped (`rx_dropped`, set in the same
//!    critical section as `rx_closed` when the receiver is dropped unclosed),
//!    after which every push fails. A dropped receiver takes its waker and
//!    the queued messages out with it (dropped after unlocking).
//! 5. The receiver frees a slot by adding it to `freed`, a
//!    [`ReleasePool`] on its own cache line, not to the semaphore's word
//!    (`batch_semaphore` rule 6): senders take slots from the word and the
//!    receiver gives them back elsewhere, so the two sides do not fight
//!    over one cache line per message (the cost that dominated the
//!    bounded flavor under contention). A sender that finds the word empty
//!    harvests `freed`; `capacity()` counts both. A harvest moves slots
//!    from `freed` to the word, so a closed receiver counting them (rule
//!    3) may count low while one is in flight: every bounded acquisition
//!    therefore ends (success, failure or drop) by waking a closed
//!    receiver, which then counts again.
//! 6. No user code under the lock: messages are moved, never dropped, under
//!    it; the receiver's waker is cloned before the lock is taken and a
//!    replaced (or, on drop, the last) one is dropped after it is released;
//!    a taken waker is woken after it.
//! 7. *A drained stream lets a `block_on` waiter park.* When the receiver
//!    returns `Pending` on an empty channel after receiving at least one
//!    message since its last wait, and its producers run freely — the
//!    channel is unbounded, or at least [`STREAM_SLACK`] slots are free
//!    (then senders rarely wait: they queue when the free slots run out,
//!    or behind a `reserve_many` asking for more than are free) — it
//!    leaves the [`wait_hint`](crate::runtime::park::wait_hint) that makes
//!    a `block_on` thread park without spinning: the producers then fill a
//!    batch while it sleeps, instead of handing over one message per spin.
//!    With fewer free slots a parked receiver would let them fill the
//!    channel and block, and both sides would pay a wake-up per batch
//!    (the capacity-100 contention row was 1.21× slower without the
//!    slack).

use super::error::TryRecvError;
use crate::loom::{Arc, AtomicBool, AtomicUsize, Mutex, MutexGuard, Ordering};
use crate::runtime::waiting_on::{self, SyncKind};
use crate::sync::batch_semaphore::{Acquire, ReleasePool, Semaphore, TryAcquireError};
use crate::sync::Notify;
use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::task::{ready, Context, Poll, Waker};

/// Free slots a bounded channel needs for a drained receiver to hint that
/// its producers run freely (rule 7): about what producers at full speed
/// (30–100 ns a send) fill while a parked thread wakes (10–30 µs).
const STREAM_SLACK: usize = 1024;

/// A new channel (`bound` slots, or unbounded): its one strong sender and
/// its receiver.
pub(super) fn channel<T>(bound: Option<usize>) -> (Tx<T>, Rx<T>) {
    let chan = Arc::new(Chan::new(bound));
    (
        Handle::counted(chan.clone()),
        Rx {
            chan,
            local: VecDeque::new(),
            received_since_wait: false,
        },
    )
}

/// The state both halves share.
pub(super) struct Chan<T> {
    shared: Mutex<Shared<T>>,
    /// Strong senders (rule 3).
    tx_count: AtomicUsize,
    /// Weak senders (for `weak_count`).
    tx_weak_count: AtomicUsize,
    /// Mirrors `shared.rx_closed` for lock-free `is_closed`.
    rx_closed: AtomicBool,
    /// Woken (`notify_waiters`) when the receiver closes, for
    /// `Sender::closed`.
    closed_notify: Notify,
    /// Free slots (bounded flavor only).
    semaphore: Option<Semaphore>,
    /// Slots the receiver freed, not yet back in `semaphore`'s word
    /// (`batch_semaphore` rule 6; bounded flavor only).
    freed: ReleasePool,
    /// The capacity (bounded flavor), or 0.
    bound: usize,
}

/// The lock-protected part.
struct Shared<T> {
    queue: VecDeque<T>,
    rx_waker: Option<Waker>,
    rx_closed: bool,
    /// The receiver is gone (not merely closed): nothing can be received.
    rx_dropped: bool,
    tx_closed: bool,
}

impl<T> Chan<T> {
    /// A channel with one strong sender; `bound` slots, or unbounded.
    fn new(bound: Option<usize>) -> Chan<T> {
        Chan {
            shared: Mutex::new(Shared {
                queue: VecDeque::new(),
                rx_waker: None,
                rx_closed: false,
                rx_dropped: false,
                tx_closed: false,
            }),
            tx_count: AtomicUsize::new(1),
            tx_weak_count: AtomicUsize::new(0),
            rx_closed: AtomicBool::new(false),
            closed_notify: Notify::new(),
            semaphore: bound.map(Semaphore::new),
            freed: ReleasePool::new(),
            bound: bound.unwrap_or(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared<T>> {
        // No user code runs under this lock (messages are moved, never
        // dropped, under it): poisoning carries no meaning.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The capacity semaphore of a bounded channel.
    pub(super) fn semaphore(&self) -> &Semaphore {
        self.semaphore
            .as_ref()
            .expect("only bounded channels use permits")
    }

    pub(super) fn bound(&self) -> usize {
        self.bound
    }

    /// Waits for `n` slots (bounded). The caller wakes a closed receiver
    /// when done (`WakeClosedRx`): the acquisition may have moved freed
    /// slots while the receiver counted them (rule 5).
    #[inline]
    pub(super) fn acquire(&self, n: usize) -> Acquire<'_> {
        self.semaphore().acquire_pooled(n, &self.freed)
    }

    /// Rule 7: whether no sender will soon wait for the receiver: the
    /// channel is unbounded, or at least [`STREAM_SLACK`] slots are free.
    fn producers_run_freely(&self) -> bool {
        self.semaphore
            .as_ref()
            .is_none_or(|semaphore| semaphore.available_permits_pooled(&self.freed) >= STREAM_SLACK)
    }

    /// Takes `n` slots now (bounded); see `acquire` (rule 5).
    pub(super) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        let result = self.semaphore().try_acquire_pooled(n, &self.freed);
        if result.is_err() {
            self.wake_rx_if_closed();
        }
        result
    }

    /// Free slots now (bounded), the ones the receiver freed included.
    pub(super) fn capacity(&self) -> usize {
        self.semaphore().available_permits_pooled(&self.freed)
    }

    /// Pushes a message (rule 1/2); gives it back if the receiver is gone,
    /// or (`reserved == false`, the unbounded flavor) closed. A message
    /// whose slot was reserved before a `close` is still delivered (rule 4).
    pub(super) fn push(&self, value: T, reserved: bool) -> Result<(), T> {
        let mut shared = self.lock();
        if shared.rx_dropped || (shared.rx_closed && !reserved) {
            return Err(value);
        }
        shared.queue.push_back(value);
        let waker = shared.rx_waker.take();
        drop(shared);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Gives back `n` permits of a bounded channel that were not used to
    /// send (a dropped `Permit`); wakes a closed receiver that may be
    /// waiting for the last outstanding permit (rule 3).
    pub(super) fn release_unused(&self, n: usize) {
        self.semaphore().release(n);
        self.wake_rx_if_closed();
    }

    /// After slots came back: a closed receiver may be waiting for the
    /// last one (rule 3).
    #[inline]
    pub(super) fn wake_rx_if_closed(&self) {
        if self.is_rx_closed() {
            self.wake_rx();
        }
    }

    #[cold]
    fn wake_rx(&self) {
        let waker = self.lock().rx_waker.take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether the receiver closed (or was dropped).
    #[inline]
    pub(super) fn is_rx_closed(&self) -> bool {
        // Acquire: pairs with the Release store in `close_rx`.
        self.rx_closed.load(Ordering::Acquire)
    }

    /// Waits until the receiver closes.
    pub(super) async fn rx_closed(&self) {
        // Spends budget even when already closed.
        std::future::poll_fn(crate::runtime::coop::poll_proceed_and_make_progress).await;
        loop {
            // Created before the check, so a close between the check and
            // the await is not missed (`notify_waiters` covers it).
            let notified = self.closed_notify.notified();
            if self.is_rx_closed() {
                return;
            }
            notified.await;
        }
    }

    /// Another strong sender.
    fn add_tx(&self) {
        // Relaxed: the caller already holds a strong sender, so the count
        // cannot be 0 or reach it concurrently (as in `Arc::clone`).
        self.tx_count.fetch_add(1, Ordering::Relaxed);
    }

    /// A strong sender is dropped; the last one closes (rule 3).
    fn drop_tx(&self) {
        // AcqRel: Release orders this sender's pushes before the close;
        // Acquire makes the last dropper see the others'.
        if self.tx_count.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let mut shared = self.lock();
        shared.tx_closed = true;
        let waker = shared.rx_waker.take();
        drop(shared);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// A weak sender becomes strong, unless every strong one is gone.
    fn upgrade_tx(&self) -> bool {
        let mut count = self.tx_count.load(Ordering::Relaxed);
        loop {
            if count == 0 {
                return false;
            }
            // Acquire: pairs with the AcqRel decrements, so a revived
            // sender sees a consistent channel. Never from 0 (rule 3).
            match self.tx_count.compare_exchange_weak(
                count,
                count + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => count = actual,
            }
        }
    }

    pub(super) fn strong_count(&self) -> usize {
        self.tx_count.load(Ordering::Relaxed)
    }

    pub(super) fn weak_count(&self) -> usize {
        self.tx_weak_count.load(Ordering::Relaxed)
    }

    fn add_weak(&self) {
        self.tx_weak_count.fetch_add(1, Ordering::Relaxed);
    }

    fn drop_weak(&self) {
        self.tx_weak_count.fetch_sub(1, Ordering::Relaxed);
    }

    /// The receiver closes (rule 4).
    pub(super) fn close_rx(&self) {
        self.shut_rx(false);
    }

    /// Closes (rule 4) and, with `dropped`, marks the receiver gone in the
    /// same critical section — so no push can slip in between the close and
    /// the drop — and takes out the undelivered messages and the receiver's
    /// waker (a dropped receiver must not keep them alive while senders
    /// live). They are dropped after unlocking (rule 6), after the waiting
    /// senders were told.
    fn shut_rx(&self, dropped: bool) {
        let (newly_closed, queued, waker) = {
            let mut shared = self.lock();
            let newly_closed = !shared.rx_closed;
            shared.rx_closed = true;
            // Release: pairs with the Acquire load in `is_rx_closed`.
            self.rx_closed.store(true, Ordering::Release);
            if dropped {
                shared.rx_dropped = true;
                let queued = std::mem::take(&mut shared.queue);
                (newly_closed, queued, shared.rx_waker.take())
            } else {
                (newly_closed, VecDeque::new(), None)
            }
        };
        if newly_closed {
            if let Some(semaphore) = &self.semaphore {
                semaphore.close();
            }
            self.closed_notify.notify_waiters();
        }
        drop(queued);
        drop(waker);
    }

    /// Whether no permit is out (bounded), i.e. no reserved slot can still
    /// be used to send.
    fn permits_idle(&self) -> bool {
        match &self.semaphore {
            Some(semaphore) => semaphore.available_permits_pooled(&self.freed) == self.bound,
            None => true,
        }
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chan")
            .field("senders", &self.strong_count())
            .field("rx_closed", &self.is_rx_closed())
            .field("bound", &self.semaphore.as_ref().map(|_| self.bound))
            .finish()
    }
}

/// How a sender holds the channel: a strong hold counts in `tx_count`
/// (rule 3: the last one's release closes the channel), a weak one in
/// `tx_weak_count` (it does not keep the channel open).
pub(super) trait Hold {
    fn add<T>(chan: &Chan<T>);
    fn release<T>(chan: &Chan<T>);
}

/// A strong hold (`Sender`, `UnboundedSender`, and an owned permit, which
/// keeps its sender's).
pub(super) enum Strong {}

/// A weak hold (`WeakSender`, `WeakUnboundedSender`).
pub(super) enum Weak {}

impl Hold for Strong {
    fn add<T>(chan: &Chan<T>) {
        chan.add_tx();
    }

    fn release<T>(chan: &Chan<T>) {
        chan.drop_tx();
    }
}

impl Hold for Weak {
    fn add<T>(chan: &Chan<T>) {
        chan.add_weak();
    }

    fn release<T>(chan: &Chan<T>) {
        chan.drop_weak();
    }
}

/// A sender's counted reference to the channel: counted while it lives
/// (cloning counts the clone), released when dropped.
pub(super) struct Handle<T, H: Hold> {
    chan: Arc<Chan<T>>,
    _hold: PhantomData<H>,
}

/// A strong sender's handle.
pub(super) type Tx<T> = Handle<T, Strong>;

/// A weak sender's handle.
pub(super) type WeakTx<T> = Handle<T, Weak>;

impl<T, H: Hold> Handle<T, H> {
    /// Takes a hold that is already counted.
    fn counted(chan: Arc<Chan<T>>) -> Handle<T, H> {
        Handle {
            chan,
            _hold: PhantomData,
        }
    }
}

impl<T> Tx<T> {
    /// A weak sender of the same channel.
    pub(super) fn downgrade(&self) -> WeakTx<T> {
        self.chan.add_weak();
        Handle::counted(self.chan.clone())
    }

    /// Whether both send into the same channel.
    pub(super) fn same_channel(&self, other: &Tx<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> WeakTx<T> {
    /// A strong sender again, unless every strong sender is gone (rule 3).
    pub(super) fn upgrade(&self) -> Option<Tx<T>> {
        self.chan
            .upgrade_tx()
            .then(|| Handle::counted(self.chan.clone()))
    }
}

impl<T, H: Hold> Deref for Handle<T, H> {
    type Target = Chan<T>;

    fn deref(&self) -> &Chan<T> {
        &self.chan
    }
}

impl<T, H: Hold> Clone for Handle<T, H> {
    fn clone(&self) -> Self {
        H::add(&self.chan);
        Handle::counted(self.chan.clone())
    }
}

impl<T, H: Hold> Drop for Handle<T, H> {
    fn drop(&mut self) {
        H::release(&self.chan);
    }
}

impl<T, H: Hold> fmt::Debug for Handle<T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.chan, f)
    }
}

/// The receiver's side: its private batch of messages (see the note).
pub(super) struct Rx<T> {
    pub(super) chan: Arc<Chan<T>>,
    local: VecDeque<T>,
    /// A message was handed out since the receiver last waited (rule 7).
    received_since_wait: bool,
}

// The receiver's auto traits do not depend on `T` (as tokio's): `local`
// only holds messages by value, and the receiver is never pin-projected.
// `Unpin`: nothing is pinned inside a receiver. `UnwindSafe` /
// `RefUnwindSafe`: no user code runs while a receiver changes `local` or
// the shared queue (rule 6), so a panic caught around a use of the receiver
// cannot leave a message half-moved; the shared part is behind a mutex
// (itself unwind safe).
impl<T> Unpin for Rx<T> {}

// SAFETY: through a shared `&Rx` the receiver only reads `local`'s length
// (`len`, `is_empty`) and the shared state behind its mutex; messages are
// taken out through `&mut Rx` alone. So sharing a receiver between threads
// shares no `T`: `Rx<T>` is `Sync` whenever it is `Send` (`T: Send`),
// whatever `T`'s own `Sync`, as tokio's receiver is.
unsafe impl<T: Send> Sync for Rx<T> {}
impl<T> std::panic::UnwindSafe for Rx<T> {}
impl<T> std::panic::RefUnwindSafe for Rx<T> {}

impl<T> Rx<T> {
    /// A message was handed out: its slot is free again (bounded). The
    /// slot goes to the pool, not to the semaphore's word (rule 5).
    fn handed_out(&mut self, n: usize) {
        self.received_since_wait = true;
        if let Some(semaphore) = &self.chan.semaphore {
            semaphore.release_pooled(n, &self.chan.freed);
        }
    }

    /// The receiver is about to return `Pending` on an empty channel: for
    /// dumps, what it waits on; for a `block_on` waiter, whether a stream
    /// was drained (rule 7).
    fn waits(&mut self) {
        waiting_on::sync(SyncKind::MpscRecv);
        if std::mem::take(&mut self.received_since_wait) && self.chan.producers_run_freely() {
            crate::runtime::park::wait_hint::drained_stream();
        }
    }

    /// Refills `local` from the shared queue; `Err(true)` if the channel is
    /// finished (rule 3), `Err(false)` if merely empty (then `waker`, if
    /// given, is stored under the same lock, rule 2).
    fn refill(&mut self, waker: Option<&Waker>) -> Result<(), bool> {
        // Rule 6: a waker cloned outside the lock; declared before the
        // guard, so an unused one is dropped after it.
        let mut fresh: Option<Waker> = None;
        loop {
            let mut shared = self.chan.lock();
            if !shared.queue.is_empty() {
                std::mem::swap(&mut shared.queue, &mut self.local);
                return Ok(());
            }
            if shared.tx_closed || (shared.rx_closed && self.chan.permits_idle()) {
                return Err(true);
            }
            let Some(waker) = waker else {
                return Err(false);
            };
            if shared.rx_waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                return Err(false);
            }
            let Some(new) = fresh.take() else {
                // Clone outside the lock, then look again (a message pushed
                // meanwhile found no waker to take: we see it then).
                drop(shared);
                fresh = Some(waker.clone());
                continue;
            };
            let stale = shared.rx_waker.replace(new);
            drop(shared);
            drop(stale);
            return Err(false);
        }
    }

    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = ready!(crate::runtime::coop::poll_proceed(cx));
        if self.local.is_empty() {
            match self.refill(Some(cx.waker())) {
                Ok(()) => {}
                Err(true) => {
                    coop.made_progress();
                    return Poll::Ready(None);
                }
                Err(false) => {
                    self.waits();
                    return Poll::Pending;
                }
            }
        }
        let value = self.local.pop_front().expect("refilled");
        self.handed_out(1);
        coop.made_progress();
        Poll::Ready(Some(value))
    }

    pub(super) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let coop = ready!(crate::runtime::coop::poll_proceed(cx));
        let mut moved = 0;
        loop {
            while moved < limit {
                let Some(value) = self.local.pop_front() else {
                    break;
                };
                buffer.push(value);
                moved += 1;
            }
            if moved == limit {
                break;
            }
            // Take what else is there now, but wait only if we have nothing.
            let waker = if moved == 0 { Some(cx.waker()) } else { None };
            match self.refill(waker) {
                Ok(()) => continue,
                Err(true) if moved == 0 => {
                    coop.made_progress();
                    return Poll::Ready(0);
                }
                Err(_) if moved == 0 => {
                    self.waits();
                    return Poll::Pending;
                }
                Err(_) => break,
            }
        }
        self.handed_out(moved);
        coop.made_progress();
        Poll::Ready(moved)
    }

    pub(super) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        if self.local.is_empty() {
            match self.refill(None) {
                Ok(()) => {}
                Err(true) => return Err(TryRecvError::Disconnected),
                Err(false) => return Err(TryRecvError::Empty),
            }
        }
        let value = self.local.pop_front().expect("refilled");
        self.handed_out(1);
        Ok(value)
    }

    pub(super) fn close(&mut self) {
        self.chan.close_rx();
    }

    /// Whether the channel is closed from either side (tokio's
    /// `Receiver::is_closed`).
    pub(super) fn is_closed(&self) -> bool {
        if self.chan.is_rx_closed() {
            return true;
        }
        self.chan.lock().tx_closed
    }

    pub(super) fn len(&self) -> usize {
        self.local.len() + self.chan.lock().queue.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        // Drop the undelivered messages and our waker now (outside the
        // lock), not when the last sender goes.
        self.chan.shut_rx(true);
    }
}

impl<T> fmt::Debug for Rx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rx").field("chan", &self.chan).finish()
    }
}

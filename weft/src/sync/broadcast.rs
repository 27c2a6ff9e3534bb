//! A multi-producer, multi-consumer channel where every receiver sees
//! every message (or learns how many it missed).
//!
//! # Design note
//!
//! A ring of `capacity` slots (rounded up to a power of two, as tokio does)
//! under one mutex, a `tail` position (the next message's number), and one
//! position per receiver. The semantics are tokio's `broadcast`; the shape
//! (a ring indexed by an ever-growing position, a per-slot count of
//! receivers still to read it, lag detected by comparing positions) is the
//! well-known design; the code is ours.
//!
//! **Protocol rules** (all under `shared`'s lock unless said):
//!
//! 1. `send` writes message `tail` into slot `tail % capacity` with
//!    `remaining = receivers`, increments `tail`, then (after unlocking)
//!    calls `notify_waiters`, waking every waiting `recv`. A receiver waits
//!    through a `Notified` created *before* it looks (under the lock), so a
//!    send after the look is never missed.
//! 2. A receiver at position `next` reads slot `next % capacity`: if the
//!    slot holds message `next`, it clones it, decrements `remaining` (the
//!    last reader drops the value), and moves on. If `next == tail`, it is
//!    caught up: it waits (or reports `Closed` once every sender is gone).
//!    If the slot holds a newer message, the receiver *lagged*: it jumps to
//!    the oldest message still held (`tail - capacity`) and reports
//!    `Lagged(skipped)`.
//! 3. A receiver that is dropped releases its claim on every message it has
//!    not read (decrements their `remaining`), so values are dropped as
//!    soon as no live receiver will read them.
//! 4. No user code under the channel's lock: a slot holds its message as
//!    an `Arc<Stored<T>>`. Under the lock a receiver only takes a reference
//!    (the slot's own one if it is the last reader), counts itself out of
//!    `remaining` and moves past the message; it clones the value after
//!    unlocking. So a `Clone` that uses the channel (sends, subscribes)
//!    cannot deadlock, and a `Clone` that panics has already moved the
//!    receiver on: the panic reaches the caller once and the next `recv`
//!    returns the next message. A reader holding the last reference (every
//!    other receiver has its copy and the slot was overwritten or freed)
//!    takes the value without cloning it. Values being overwritten, freed
//!    by their last reader, or released by a dropped receiver are dropped
//!    after unlocking.
//! 5. Clones of one message are serialised by that message's own small
//!    lock (`Stored::value`), as tokio does since RUSTSEC-2025-0023: `T` need
//!    only be `Send`, and a `!Sync` value must not be cloned by two threads
//!    at once. That lock guards nothing but the clone: it is never taken
//!    with the channel's lock, so the only way to block on it from inside a
//!    `Clone` is to clone the very same message again from that `Clone`.
//!    A panicking `Clone` poisons it harmlessly (`clone` takes `&T`; the
//!    value is intact) and the poison is ignored.
//!
//! Sending allocates the message's `Arc` (tokio's ring stores values
//! inline); the price of rule 4.

use super::Notify;
use crate::loom::{Arc, Mutex, MutexGuard};
use crate::runtime::waiting_on::SyncKind;
use std::fmt;

pub mod error {
    //! The errors of [`broadcast`](super).

    use crate::sync::util::macros::{error_impls, opaque_debug};

    /// No receiver exists: the value comes back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    opaque_debug!(SendError<T>);
    error_impls!(SendError<T>: "channel closed");

    /// Why `recv` returned no message.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum RecvError {
        /// Every sender is gone and every message was received.
        Closed,
        /// The receiver fell behind: this many messages were overwritten
        /// before it read them. The next `recv` returns the oldest message
        /// still held.
        Lagged(u64),
    }

    error_impls!(RecvError {
        Closed => "channel closed",
        Lagged(n) => "channel lagged by {n}",
    });

    /// Why `try_recv` returned no message.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// Nothing new now.
        Empty,
        /// Every sender is gone and every message was received.
        Closed,
        /// The receiver fell behind by this many messages (see
        /// [`RecvError::Lagged`]).
        Lagged(u64),
    }

    error_impls!(TryRecvError {
        Empty => "channel empty",
        Closed => "channel closed",
        Lagged(n) => "channel lagged by {n}",
    });
}

use error::{RecvError, SendError, TryRecvError};

struct Slot<T> {
    /// The message number held (meaningful when `value` is `Some` or the
    /// slot was written at least once).
    pos: u64,
    /// Receivers that have yet to read it.
    remaining: usize,
    value: Option<Arc<Stored<T>>>,
}

/// One message, shared by the slot and the receivers cloning it (rule 4).
struct Stored<T> {
    /// Serialises clones of this message (rule 5).
    value: Mutex<T>,
}

impl<T> Stored<T> {
    fn new(value: T) -> Arc<Stored<T>> {
        Arc::new(Stored {
            value: Mutex::new(value),
        })
    }

    /// The value, taken out if `this` is its last reference, else cloned
    /// (under the message's clone lock, never under the channel's).
    fn into_value(this: Arc<Stored<T>>) -> T
    where
        T: Clone,
    {
        match Arc::try_unwrap(this) {
            Ok(stored) => stored.value.into_inner().unwrap_or_else(|e| e.into_inner()),
            Err(shared) => {
                // A clone that panicked poisoned the lock; the value is
                // intact (rule 5).
                let guard = shared.value.lock().unwrap_or_else(|e| e.into_inner());
                T::clone(&guard)
            }
        }
    }
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Rule 1: woken on every send and on close.
    notify_rx: Notify,
    /// Woken when the last receiver goes (`Sender::closed`).
    notify_tx: Notify,
    mask: u64,
}

/// The lock-protected part.
struct State<T> {
    slots: Box<[Slot<T>]>,
    /// The number of the next message.
    tail: u64,
    receivers: usize,
    senders: usize,
    /// Live [`WeakSender`]s.
    weak_senders: usize,
    closed: bool,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No user code runs under this lock (rule 4): poisoning carries no
        // meaning.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn capacity(&self) -> u64 {
        self.mask + 1
    }
}

/// Creates a broadcast channel holding up to `capacity` messages (rounded
/// up to a power of two); every receiver sees every message sent after it
/// subscribed.
///
/// ```
/// use weft::sync::broadcast;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let (tx, mut rx1) = broadcast::channel(16);
/// let mut rx2 = tx.subscribe();
/// tx.send(10)?;
/// tx.send(20)?;
/// assert_eq!(rx1.recv().await?, 10);
/// assert_eq!(rx2.recv().await?, 10);
/// assert_eq!(rx2.recv().await?, 20);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
///
/// # Panics
///
/// If `capacity` is 0 or more than `usize::MAX / 2`.
///
/// # Differences from tokio
///
/// The last receiver to read a message gets the value itself, not a
/// clone: `T::clone` runs once per message and receiver but the last, and
/// a value is dropped as soon as every receiver has read it (tokio clones
/// for every receiver and drops the value when its slot is overwritten).
/// A program that counts on a `Clone` side effect per receiver (tokio's
/// own `sync_broadcast::panic_in_clone` test panics in the clone for a
/// channel with one receiver) sees one call fewer.
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::with_receivers(capacity, 1);
    let rx = Receiver {
        shared: tx.shared.clone(),
        next: 0,
    };
    (tx, rx)
}

// API twin of `watch::Sender` and `watch::Receiver` (each channel module
// has its own pair of handle types over its shared state, as in tokio).

/// Sends messages to every receiver; clone it for more producers.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A sender that does not keep the channel open: it can become a
/// [`Sender`] again ([`upgrade`](WeakSender::upgrade)) while some `Sender`
/// is alive. Made by [`Sender::downgrade`].
///
/// ```
/// use weft::sync::broadcast;
///
/// let (tx, mut rx) = broadcast::channel::<u32>(4);
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// drop(tx);
/// assert!(weak.upgrade().is_none(), "the last Sender is gone");
/// assert_eq!(rx.try_recv(), Err(broadcast::error::TryRecvError::Closed));
/// ```
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every message sent after it subscribed.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The number of the next message to read.
    next: u64,
}

impl<T> Sender<T> {
    /// The sending half of a new broadcast channel, with no receiver yet
    /// ([`subscribe`](Sender::subscribe) makes them). Until one exists,
    /// [`send`](Sender::send) returns the value in an error.
    ///
    /// ```
    /// use weft::sync::broadcast::Sender;
    ///
    /// let tx = Sender::new(8);
    /// assert!(tx.send("lost").is_err(), "no receiver yet");
    /// let mut rx = tx.subscribe();
    /// tx.send("seen").unwrap();
    /// assert_eq!(rx.try_recv(), Ok("seen"));
    /// ```
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or more than `usize::MAX / 2`, as
    /// [`channel`].
    #[track_caller]
    pub fn new(capacity: usize) -> Self {
        Sender::with_receivers(capacity, 0)
    }

    /// A sender whose channel counts `receivers` receivers (the caller
    /// makes them).
    #[track_caller]
    fn with_receivers(capacity: usize, receivers: usize) -> Self {
        assert!(capacity > 0, "broadcast channel capacity cannot be zero");
        assert!(
            capacity <= usize::MAX >> 1,
            "broadcast channel capacity exceeded `usize::MAX / 2`"
        );
        let capacity = capacity.next_power_of_two();
        let slots = (0..capacity)
            .map(|_| Slot {
                pos: 0,
                remaining: 0,
                value: None,
            })
            .collect();
        Sender {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    slots,
                    tail: 0,
                    receivers,
                    senders: 1,
                    weak_senders: 0,
                    closed: false,
                }),
                notify_rx: Notify::with_kind(SyncKind::Broadcast),
                notify_tx: Notify::with_kind(SyncKind::Broadcast),
                mask: capacity as u64 - 1,
            }),
        }
    }

    /// A [`WeakSender`] of this channel: it does not keep the channel open.
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.lock().weak_senders += 1;
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// How many [`Sender`]s of this channel are alive.
    ///
    /// ```
    /// use weft::sync::broadcast;
    ///
    /// let (tx, _rx) = broadcast::channel::<()>(1);
    /// let tx2 = tx.clone();
    /// let weak = tx.downgrade();
    /// assert_eq!(tx.strong_count(), 2);
    /// assert_eq!(tx2.weak_count(), 1);
    /// drop(weak);
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.lock().senders
    }

    /// How many [`WeakSender`]s of this channel are alive.
    pub fn weak_count(&self) -> usize {
        self.shared.lock().weak_senders
    }

    /// Sends `value` to every current receiver; returns how many there are.
    /// Never waits: a full ring overwrites its oldest message (slow
    /// receivers then see [`RecvError::Lagged`]).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if no receiver exists.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let stored = Stored::new(value);
        let mut state = self.shared.lock();
        if state.receivers == 0 {
            drop(state);
            let value = match Arc::try_unwrap(stored) {
                Ok(stored) => stored.value.into_inner().unwrap_or_else(|e| e.into_inner()),
                Err(_) => unreachable!("a fresh Arc has one reference"),
            };
            return Err(SendError(value));
        }
        let receivers = state.receivers;
        let tail = state.tail;
        let slot = &mut state.slots[(tail & self.shared.mask) as usize];
        slot.pos = tail;
        slot.remaining = receivers;
        let old = slot.value.replace(stored);
        state.tail = tail + 1;
        drop(state);
        drop(old); // rule 4: outside the lock
        self.shared.notify_rx.notify_waiters();
        Ok(receivers)
    }

    /// A new receiver that sees messages sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver::at_tail(&self.shared)
    }

    /// Receivers alive.
    pub fn receiver_count(&self) -> usize {
        self.shared.lock().receivers
    }

    /// Messages held that some receiver has yet to read.
    pub fn len(&self) -> usize {
        self.shared
            .lock()
            .slots
            .iter()
            .filter(|s| s.value.is_some() && s.remaining > 0)
            .count()
    }

    /// Whether no receiver has anything left to read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Completes once every receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        // Spends budget even when already closed.
        std::future::poll_fn(crate::runtime::coop::poll_proceed_and_make_progress).await;
        loop {
            let notified = self.shared.notify_tx.notified();
            if self.receiver_count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.lock().senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.senders -= 1;
        if state.senders == 0 {
            state.closed = true;
            drop(state);
            self.shared.notify_rx.notify_waiters();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`] again, if one is still alive (the channel is open);
    /// `None` once the last `Sender` was dropped.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut state = self.shared.lock();
        if state.senders == 0 {
            return None;
        }
        state.senders += 1;
        drop(state);
        Some(Sender {
            shared: self.shared.clone(),
        })
    }

    /// How many [`Sender`]s of this channel are alive.
    pub fn strong_count(&self) -> usize {
        self.shared.lock().senders
    }

    /// How many [`WeakSender`]s of this channel are alive.
    pub fn weak_count(&self) -> usize {
        self.shared.lock().weak_senders
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.shared.lock().weak_senders += 1;
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.lock().weak_senders -= 1;
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// Rule 2, under the lock: moves past the next message and returns a
    /// reference to it (the slot's own one when this was its last reader),
    /// to be cloned after unlocking (rule 4).
    fn try_recv_locked(&mut self, state: &mut State<T>) -> Result<Arc<Stored<T>>, TryRecvError> {
        if self.next == state.tail {
            return Err(if state.closed {
                TryRecvError::Closed
            } else {
                TryRecvError::Empty
            });
        }
        let oldest = state.tail.saturating_sub(self.shared.capacity());
        if self.next < oldest {
            let skipped = oldest - self.next;
            self.next = oldest;
            return Err(TryRecvError::Lagged(skipped));
        }
        let slot = &mut state.slots[(self.next & self.shared.mask) as usize];
        debug_assert_eq!(slot.pos, self.next, "a held message is where rule 2 says");
        slot.remaining -= 1;
        let stored = if slot.remaining == 0 {
            // Every receiver has it: the slot's reference is ours.
            slot.value.take()
        } else {
            slot.value.clone()
        };
        self.next += 1;
        Ok(stored.expect("a message a receiver has not read is still held (rule 3)"))
    }

    /// Rule 2 and 4: takes the lock only to move past the next message.
    fn next_message(&mut self) -> Result<Arc<Stored<T>>, TryRecvError> {
        let shared = self.shared.clone();
        let mut state = shared.lock();
        self.try_recv_locked(&mut state)
    }
}

impl<T: Clone> Receiver<T> {
    /// Takes the next message if one is there now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], [`TryRecvError::Closed`], or
    /// [`TryRecvError::Lagged`] (then the next call returns the oldest
    /// message held).
    ///
    /// # Panics
    ///
    /// If `T::clone` panics; the receiver has then already moved past that
    /// message (the next call returns the one after it).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.next_message().map(Stored::into_value)
    }

    /// Receives the next message.
    ///
    /// # Errors
    ///
    /// [`RecvError::Closed`] once every sender is gone and everything was
    /// read; [`RecvError::Lagged`] if messages were overwritten before this
    /// receiver read them (it then continues with the oldest one held).
    ///
    /// # Panics
    ///
    /// If `T::clone` panics; the receiver has then already moved past that
    /// message (the next call returns the one after it).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future took no message.
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        std::future::poll_fn(crate::runtime::coop::poll_proceed_and_make_progress).await;
        let shared = self.shared.clone();
        loop {
            // Rule 1: created before looking.
            let notified = shared.notify_rx.notified();
            match self.next_message() {
                Ok(stored) => return Ok(Stored::into_value(stored)),
                Err(TryRecvError::Closed) => return Err(RecvError::Closed),
                Err(TryRecvError::Lagged(n)) => return Err(RecvError::Lagged(n)),
                Err(TryRecvError::Empty) => {}
            }
            notified.await;
        }
    }

    /// Receives from synchronous code, blocking the thread.
    ///
    /// # Errors
    ///
    /// As for [`recv`](Receiver::recv).
    ///
    /// # Panics
    ///
    /// If called from a thread that drives a weft runtime.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        crate::sync::util::block_on::block_on("broadcast::Receiver::blocking_recv", self.recv())
    }
}

impl<T> Receiver<T> {
    /// How many [`Sender`]s of this channel are alive.
    ///
    /// ```
    /// use weft::sync::broadcast;
    /// let (tx, rx) = broadcast::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (1, 1));
    /// drop((tx, weak));
    /// assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (0, 0));
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.shared.lock().senders
    }

    /// How many [`WeakSender`]s of this channel are alive.
    pub fn sender_weak_count(&self) -> usize {
        self.shared.lock().weak_senders
    }

    /// A new receiver of the same channel that starts at the newest
    /// position (it sees messages sent from now on, not this one's backlog).
    pub fn resubscribe(&self) -> Receiver<T> {
        Receiver::at_tail(&self.shared)
    }

    /// A new receiver of `shared` at the newest position, counted among
    /// the receivers.
    fn at_tail(shared: &Arc<Shared<T>>) -> Receiver<T> {
        let mut state = shared.lock();
        state.receivers += 1;
        Receiver {
            shared: shared.clone(),
            next: state.tail,
        }
    }

    /// Messages sent that this receiver has not read (including ones it
    /// will find overwritten).
    pub fn len(&self) -> usize {
        (self.shared.lock().tail - self.next) as usize
    }

    /// Whether this receiver has read everything sent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every sender is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed
    }

    /// Whether both receivers belong to the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut dropped = Vec::new();
        let mut state = self.shared.lock();
        // Rule 3: give up our claim on every unread message still held.
        let oldest = state.tail.saturating_sub(self.shared.capacity());
        for pos in self.next.max(oldest)..state.tail {
            let slot = &mut state.slots[(pos & self.shared.mask) as usize];
            if slot.pos == pos && slot.value.is_some() {
                slot.remaining -= 1;
                if slot.remaining == 0 {
                    dropped.push(slot.value.take());
                }
            }
        }
        state.receivers -= 1;
        let last = state.receivers == 0;
        drop(state);
        drop(dropped);
        if last {
            self.shared.notify_tx.notify_waiters();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

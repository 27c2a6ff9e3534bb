//! The bounded flavor: a fixed number of slots, senders wait for one.

use super::chan::{self, Chan, Rx, Tx, WeakTx};
use super::error::{SendError, TryRecvError, TrySendError};
use crate::sync::batch_semaphore::{TryAcquireError, MAX_PERMITS};
use std::fmt;
use std::task::{Context, Poll};

/// Creates a bounded channel with room for `buffer` messages.
///
/// A sender waits (`send().await`) while `buffer` messages are queued and
/// not yet received; waiting senders are served in FIFO order.
///
/// ```
/// use weft::sync::mpsc;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let (tx, mut rx) = mpsc::channel(16);
/// for id in 0..3 {
///     let tx = tx.clone();
///     weft::spawn(async move {
///         tx.send(id).await.unwrap();
///     });
/// }
/// drop(tx);
/// let mut got = Vec::new();
/// while let Some(id) = rx.recv().await {
///     got.push(id);
/// }
/// got.sort();
/// assert_eq!(got, [0, 1, 2]);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
///
/// # Panics
///
/// If `buffer` is 0 (as in tokio) or larger than
/// [`Semaphore::MAX_PERMITS`](crate::sync::Semaphore::MAX_PERMITS).
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    assert!(
        buffer <= MAX_PERMITS,
        "mpsc bounded channel buffer may be at most {MAX_PERMITS}"
    );
    let (chan, rx) = chan::channel(Some(buffer));
    (Sender { chan }, Receiver { rx })
}

/// Sends messages into a bounded channel; clone it for more producers.
pub struct Sender<T> {
    chan: Tx<T>,
}

/// A sender that does not keep the channel open; see
/// [`Sender::downgrade`].
pub struct WeakSender<T> {
    chan: WeakTx<T>,
}

/// Receives the messages of a bounded channel.
pub struct Receiver<T> {
    rx: Rx<T>,
}

/// A reserved slot: [`send`](Permit::send) cannot wait or fail. Dropping it
/// unused frees the slot.
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

/// A reserved slot that owns its sender; see [`Sender::reserve_owned`].
pub struct OwnedPermit<T> {
    /// The sender's hold on the channel; `None` once used.
    chan: Option<Tx<T>>,
}

/// `n` reserved slots; yields one [`Permit`] per slot.
pub struct PermitIterator<'a, T> {
    chan: &'a Chan<T>,
    n: usize,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for a free slot.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// As in tokio: if the future is dropped before it completes (say, as
    /// a losing `select!` branch), the message was not sent — and is
    /// dropped with the future. Its place in the queue of waiting senders
    /// is lost; use [`reserve`](Sender::reserve) to keep the message.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        let _wake = WakeClosedRx(&self.chan);
        if self.chan.acquire(1).await.is_err() {
            return Err(SendError(value));
        }
        send_reserved(&self.chan, value).map_err(SendError)
    }

    /// Sends `value`, waiting at most `timeout` for a free slot.
    ///
    /// Needs a runtime with timers (it uses [`weft::time`](crate::time)).
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`](super::error::SendTimeoutError::Timeout)
    /// if no slot freed up in time,
    /// [`SendTimeoutError::Closed`](super::error::SendTimeoutError::Closed)
    /// if the receiver is gone; both give the
    /// value back.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with timers, as [`sleep`](crate::time::sleep).
    ///
    /// # Cancel safety
    ///
    /// As [`send`](Sender::send): if cancelled, the value is dropped, and
    /// the place in the queue is given up.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::sync::mpsc::{self, error::SendTimeoutError};
    /// use weft::time::Duration;
    ///
    /// #[weft::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let (tx, _rx) = mpsc::channel(1);
    ///     tx.send(1).await.unwrap();
    ///     let full = tx.send_timeout(2, Duration::from_millis(5)).await;
    ///     assert_eq!(full, Err(SendTimeoutError::Timeout(2)));
    /// }
    /// ```
    #[cfg(feature = "time")]
    #[cfg_attr(docsrs, doc(cfg(feature = "time")))]
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: std::time::Duration,
    ) -> Result<(), super::error::SendTimeoutError<T>> {
        use super::error::SendTimeoutError;
        match crate::time::timeout(timeout, self.reserve()).await {
            Ok(Ok(permit)) => {
                permit.send(value);
                Ok(())
            }
            Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
            Err(_) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Sends `value` if a slot is free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the value.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.chan.try_acquire(1) {
            Ok(()) => send_reserved(&self.chan, value).map_err(TrySendError::Closed),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Sends from synchronous code, blocking the thread while the channel
    /// is full.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// let producer = std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         tx.blocking_send(i).unwrap();
    ///     }
    /// });
    /// let mut got = Vec::new();
    /// while let Some(i) = rx.blocking_recv() {
    ///     got.push(i);
    /// }
    /// producer.join().unwrap();
    /// assert_eq!(got, [0, 1, 2]);
    /// ```
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is gone.
    ///
    /// # Panics
    ///
    /// If called from a thread that drives a weft runtime.
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::sync::util::block_on::block_on("mpsc::Sender::blocking_send", self.send(value))
    }

    /// Waits for a free slot and reserves it.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let (tx, mut rx) = weft::sync::mpsc::channel(1);
    /// let permit = tx.reserve().await?;
    /// assert!(tx.try_send(1).is_err(), "the slot is reserved");
    /// permit.send(2);
    /// assert_eq!(rx.recv().await, Some(2));
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in tokio's sense: dropping the future loses the place in
    /// the queue, never a slot.
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        let _wake = WakeClosedRx(&self.chan);
        match self.chan.acquire(1).await {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Waits for `n` free slots at once and reserves them.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is gone, or if `n` exceeds the
    /// channel's capacity (it could never be served).
    ///
    /// # Cancel safety
    ///
    /// As for [`reserve`](Sender::reserve).
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        if n > self.chan.bound() {
            return Err(SendError(()));
        }
        // A batch request may hold part of its slots while it waits; if the
        // receiver closes meanwhile, those come back when this fails or is
        // dropped, and a closed receiver waiting for every slot to return
        // must hear of it (chan rule 5 adds harvests of freed slots).
        let _wake = WakeClosedRx(&self.chan);
        match self.chan.acquire(n).await {
            Ok(()) => Ok(PermitIterator {
                chan: &self.chan,
                n,
            }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Reserves a slot if one is free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`].
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.chan.try_acquire(1) {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Reserves `n` slots if they are free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] (also when `n` exceeds the capacity) or
    /// [`TrySendError::Closed`].
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if n > self.chan.bound() {
            return Err(TrySendError::Full(()));
        }
        match self.chan.try_acquire(n) {
            Ok(()) => Ok(PermitIterator {
                chan: &self.chan,
                n,
            }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Like [`reserve`](Sender::reserve), but the permit owns the sender
    /// (so it can move into another task).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the sender if the receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// As for [`reserve`](Sender::reserve).
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<Self>> {
        let acquired = {
            let _wake = WakeClosedRx(&self.chan);
            self.chan.acquire(1).await
        };
        match acquired {
            Ok(()) => Ok(OwnedPermit {
                chan: Some(self.chan),
            }),
            Err(_) => Err(SendError(self)),
        }
    }

    /// Like [`try_reserve`](Sender::try_reserve), owning the sender.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the sender.
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.chan.try_acquire(1) {
            Ok(()) => Ok(OwnedPermit {
                chan: Some(self.chan),
            }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(self)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(self)),
        }
    }

    // API twin of `UnboundedSender`'s `closed`, `is_closed`,
    // `same_channel`, `downgrade`, `strong_count` and `weak_count` in
    // `unbounded.rs` (same public methods on both sender types, as in
    // tokio); `capacity` and `max_capacity` are the bounded flavor's own.

    /// Completes when the receiver is dropped or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        self.chan.rx_closed().await;
    }

    /// Whether the receiver is dropped or closed.
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Whether both senders send into the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// Free slots now.
    pub fn capacity(&self) -> usize {
        self.chan.capacity()
    }

    /// The channel's capacity (the `buffer` it was created with).
    pub fn max_capacity(&self) -> usize {
        self.chan.bound()
    }

    /// A [`WeakSender`]: it does not keep the channel open.
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.downgrade(),
        }
    }

    /// Strong senders alive.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Weak senders alive.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

/// Wakes a closed receiver when dropped: an acquisition may have returned
/// slots or harvested freed ones while it counted them (chan rules 3, 5).
struct WakeClosedRx<'a, T>(&'a Chan<T>);

impl<T> Drop for WakeClosedRx<'_, T> {
    fn drop(&mut self) {
        self.0.wake_rx_if_closed();
    }
}

/// Pushes a message whose slot is already reserved; if the receiver is gone
/// the slot is given back and the message returned.
fn send_reserved<T>(chan: &Chan<T>, value: T) -> Result<(), T> {
    chan.push(value, true)
        .inspect_err(|_| chan.release_unused(1))
}

// API twin of `WeakSender`'s `Clone` and `Debug` below, and of the
// unbounded senders' (the same impls on every sender type, as in tokio).
impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("chan", &self.chan).finish()
    }
}

// API twin of `WeakUnboundedSender` in `unbounded.rs` (same public
// methods on both weak sender types, as in tokio).
impl<T> WeakSender<T> {
    /// A strong [`Sender`] again, unless every strong sender is gone.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.upgrade().map(|chan| Sender { chan })
    }

    /// Strong senders alive.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Weak senders alive.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

// API twin of `Sender`'s `Clone` and `Debug` above.
impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> Permit<'_, T> {
    /// Sends into the reserved slot (never waits). A receiver that called
    /// `close` still gets it; if the receiver was dropped, the message is
    /// dropped (as in tokio).
    pub fn send(self, value: T) {
        let chan = self.chan;
        std::mem::forget(self);
        let _ = send_reserved(chan, value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.release_unused(1);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl<T> OwnedPermit<T> {
    /// Sends into the reserved slot and gives the sender back. If the
    /// receiver was dropped meanwhile, the message is dropped.
    pub fn send(mut self, value: T) -> Sender<T> {
        let chan = self.chan.take().expect("an unused permit");
        let _ = send_reserved(&chan, value);
        Sender { chan }
    }

    /// Frees the slot unused and gives the sender back.
    pub fn release(mut self) -> Sender<T> {
        let chan = self.chan.take().expect("an unused permit");
        chan.release_unused(1);
        Sender { chan }
    }

    /// Whether both permits reserve slots of the same channel.
    ///
    /// ```
    /// use weft::sync::mpsc;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, _rx) = mpsc::channel::<u8>(2);
    /// let a = tx.clone().reserve_owned().await.unwrap();
    /// let b = tx.clone().reserve_owned().await.unwrap();
    /// assert!(a.same_channel(&b));
    /// assert!(a.same_channel_as_sender(&tx));
    /// let (other, _rx2) = mpsc::channel::<u8>(1);
    /// assert!(!a.same_channel_as_sender(&other));
    /// # }
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        match (&self.chan, &other.chan) {
            (Some(a), Some(b)) => a.same_channel(b),
            _ => false,
        }
    }

    /// Whether this permit reserves a slot of `sender`'s channel.
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.chan
            .as_ref()
            .is_some_and(|chan| chan.same_channel(&sender.chan))
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(chan) = self.chan.take() {
            chan.release_unused(1);
            // The sender's strong count moved into the permit: it is
            // released as `chan` drops here.
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        self.n = self.n.checked_sub(1)?;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

/// Once it has returned `None` (every permit handed out), it keeps doing so.
impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if self.n > 0 {
            self.chan.release_unused(self.n);
        }
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("n", &self.n)
            .finish()
    }
}

// API twin of `UnboundedReceiver` in `unbounded.rs` (same public methods
// on both receiver types, as in tokio): each body hands over to `chan::Rx`;
// `capacity` and `max_capacity` are the bounded flavor's own.
impl<T> Receiver<T> {
    /// Receives the next message; `None` once every sender is gone (or the
    /// channel was closed) and the queue is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before completing, no message
    /// was taken.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.rx.poll_recv(cx)).await
    }

    /// Waits for at least one message, then moves up to `limit` queued
    /// messages into `buffer`; returns how many (0 only if `limit` is 0 or
    /// the channel is finished).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let (tx, mut rx) = weft::sync::mpsc::channel(8);
    /// for i in 0..5 {
    ///     tx.send(i).await?;
    /// }
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.recv_many(&mut batch, 3).await, 3);
    /// assert_eq!(batch, [0, 1, 2]);
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future took no message.
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
    }

    /// Takes a message if one is queued now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] or [`TryRecvError::Disconnected`].
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// Receives from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// If called from a thread that drives a weft runtime.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::sync::util::block_on::block_on("mpsc::Receiver::blocking_recv", self.recv())
    }

    /// [`recv_many`](Receiver::recv_many) from synchronous code.
    ///
    /// # Panics
    ///
    /// If called from a thread that drives a weft runtime.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::sync::util::block_on::block_on(
            "mpsc::Receiver::blocking_recv_many",
            self.recv_many(buffer, limit),
        )
    }

    /// Closes the channel: sends fail from now on (waiting senders too),
    /// messages already queued (and those sent through permits reserved
    /// before) can still be received.
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Polls for the next message (the `Stream`-style form of `recv`).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Polls for messages (the poll form of `recv_many`).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.rx.poll_recv_many(cx, buffer, limit)
    }

    /// Whether the channel is closed: every sender gone, or
    /// [`close`](Receiver::close) called.
    pub fn is_closed(&self) -> bool {
        self.rx.is_closed()
    }

    /// Whether no message is queued.
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    /// Messages queued.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Free slots now.
    pub fn capacity(&self) -> usize {
        self.rx.chan.capacity()
    }

    /// The channel's capacity.
    pub fn max_capacity(&self) -> usize {
        self.rx.chan.bound()
    }

    /// Strong senders alive.
    pub fn sender_strong_count(&self) -> usize {
        self.rx.chan.strong_count()
    }

    /// Weak senders alive.
    pub fn sender_weak_count(&self) -> usize {
        self.rx.chan.weak_count()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("chan", &self.rx.chan)
            .finish()
    }
}

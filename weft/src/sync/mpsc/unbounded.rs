//! The unbounded flavor: sending never waits (memory is the only bound).

use super::chan::{self, Rx, Tx, WeakTx};
use super::error::{SendError, TryRecvError};
use std::fmt;
use std::task::{Context, Poll};

/// Creates an unbounded channel: [`UnboundedSender::send`] never waits.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
/// tx.send("a")?;
/// tx.send("b")?;
/// drop(tx);
/// assert_eq!(rx.recv().await, Some("a"));
/// assert_eq!(rx.recv().await, Some("b"));
/// assert_eq!(rx.recv().await, None);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (chan, rx) = chan::channel(None);
    (UnboundedSender { chan }, UnboundedReceiver { rx })
}

/// Sends messages into an unbounded channel; clone it for more producers.
pub struct UnboundedSender<T> {
    chan: Tx<T>,
}

/// An unbounded sender that does not keep the channel open.
pub struct WeakUnboundedSender<T> {
    chan: WeakTx<T>,
}

/// Receives the messages of an unbounded channel.
pub struct UnboundedReceiver<T> {
    rx: Rx<T>,
}

impl<T> UnboundedSender<T> {
    /// Sends `value` without waiting.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is gone.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.push(value, false).map_err(SendError)
    }

    // API twin of `Sender`'s `closed`, `is_closed`, `same_channel`,
    // `downgrade`, `strong_count` and `weak_count` in `bounded.rs` (same
    // public methods on both sender types, as in tokio).

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
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// A [`WeakUnboundedSender`]: it does not keep the channel open.
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
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

// API twin of `WeakUnboundedSender`'s `Clone` and `Debug` below, and of
// the bounded senders' (the same impls on every sender type, as in tokio).
impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("chan", &self.chan)
            .finish()
    }
}

// API twin of `WeakSender` in `bounded.rs` (same public methods on both
// weak sender types, as in tokio).
impl<T> WeakUnboundedSender<T> {
    /// A strong sender again, unless every strong sender is gone.
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan.upgrade().map(|chan| UnboundedSender { chan })
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

// API twin of `UnboundedSender`'s `Clone` and `Debug` above.
impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

// API twin of `Receiver` in `bounded.rs` (same public methods on both
// receiver types, as in tokio): each body hands over to `chan::Rx`.
impl<T> UnboundedReceiver<T> {
    /// Receives the next message; `None` once every sender is gone (or the
    /// channel was closed) and the queue is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future took no message.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.rx.poll_recv(cx)).await
    }

    /// Waits for at least one message, then moves up to `limit` queued
    /// messages into `buffer`; returns how many (0 only if `limit` is 0 or
    /// the channel is finished).
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
        crate::sync::util::block_on::block_on("mpsc::UnboundedReceiver::blocking_recv", self.recv())
    }

    /// [`recv_many`](UnboundedReceiver::recv_many) from synchronous code.
    ///
    /// # Panics
    ///
    /// If called from a thread that drives a weft runtime.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::sync::util::block_on::block_on(
            "mpsc::UnboundedReceiver::blocking_recv_many",
            self.recv_many(buffer, limit),
        )
    }

    /// Closes the channel: sends fail from now on; queued messages can
    /// still be received.
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Polls for the next message.
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

    /// Whether the channel is closed: every sender gone, or `close` called.
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

    /// Strong senders alive.
    pub fn sender_strong_count(&self) -> usize {
        self.rx.chan.strong_count()
    }

    /// Weak senders alive.
    pub fn sender_weak_count(&self) -> usize {
        self.rx.chan.weak_count()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("chan", &self.rx.chan)
            .finish()
    }
}

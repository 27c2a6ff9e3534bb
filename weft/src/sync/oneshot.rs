//! A channel for sending one value between tasks.
//!
//! # Design note
//!
//! One shared cell (`Inner`, behind an `Arc`) holds the value, the
//! receiver's waker, the sender's waker (for [`Sender::closed`]) and a state
//! word of four bits. The protocol is the classic lock-free oneshot (the
//! design tokio's `oneshot` uses, among others); the code is ours.
//!
//! | bit           | set by               | meaning                                |
//! |---------------|----------------------|----------------------------------------|
//! | `RX_TASK_SET` | receiver             | `rx_task` holds a waker the sender may wake |
//! | `VALUE_SENT`  | sender (send / drop) | the sender is done; `value` is final    |
//! | `CLOSED`      | receiver (close/drop)| the receiver is done                    |
//! | `TX_TASK_SET` | sender               | `tx_task` holds a waker the receiver may wake |
//!
//! **Ownership of the cells (protocol rules).**
//!
//! 1. `value` belongs to the sender until it sets `VALUE_SENT` (Release),
//!    then to the receiver, which reads it only after seeing `VALUE_SENT`
//!    (Acquire). If the sender finds `CLOSED` first, it keeps the value and
//!    returns it (`send` fails).
//! 2. `rx_task` belongs to the receiver while `RX_TASK_SET` is clear. The
//!    receiver stores a waker, then sets the bit (Release); the sender wakes
//!    it by reference only if the RMW that set `VALUE_SENT` saw the bit
//!    (Acquire). To replace its waker the receiver first clears the bit by
//!    RMW; if that RMW shows `VALUE_SENT`, the sender may be reading the
//!    waker, so the receiver leaves it alone and takes the value instead.
//!    Because both sides use RMWs of the one word, they are totally
//!    ordered: the sender reads the waker only if it saw the bit first.
//! 3. `tx_task` mirrors rule 2 with `TX_TASK_SET`, the sender as owner and
//!    the receiver's `CLOSED` RMW as the waking side.
//! 4. Dropping the sender without sending sets `VALUE_SENT` with `value`
//!    empty: the receiver then reports `RecvError`.
//! 5. The cells are freed with the `Arc` (whichever half drops last): no
//!    half touches them after its last RMW except through rule 1–3 reads
//!    that happen before its own `Arc` is dropped.

use crate::loom::{Arc, AtomicUsize, Ordering, UnsafeCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

const RX_TASK_SET: usize = 0b0001;
const VALUE_SENT: usize = 0b0010;
const CLOSED: usize = 0b0100;
const TX_TASK_SET: usize = 0b1000;

pub mod error {
    //! The errors of [`oneshot`](super).

    use std::fmt;

    /// The sender was dropped without sending a value.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TryRecvError {
        /// No value has been sent yet.
        Empty,
        /// The sender was dropped without sending, or the value was already
        /// received.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

/// Creates a oneshot channel: one value, from one [`Sender`] to one
/// [`Receiver`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let (tx, rx) = weft::sync::oneshot::channel();
/// weft::spawn(async move {
///     let _ = tx.send(6 * 7);
/// });
/// assert_eq!(rx.await?, 42);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_task: UnsafeCell::new(None),
        tx_task: UnsafeCell::new(None),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner: Some(inner) },
    )
}

struct Inner<T> {
    state: AtomicUsize,
    /// Rule 1.
    value: UnsafeCell<Option<T>>,
    /// Rule 2.
    rx_task: UnsafeCell<Option<Waker>>,
    /// Rule 3.
    tx_task: UnsafeCell<Option<Waker>>,
}

// SAFETY: the cells are handed between the two halves by the state word's
// protocol (rules 1–3), so `T` only needs to be `Send`.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    /// Wakes the waker in `cell` by reference.
    ///
    /// # Safety
    ///
    /// The caller's RMW saw the cell's `*_TASK_SET` bit (rule 2/3).
    unsafe fn wake_task(cell: &UnsafeCell<Option<Waker>>) {
        // SAFETY: the owner does not write the cell while the bit is set and
        // we hold the RMW that follows its Release (caller).
        cell.with(|p| unsafe {
            if let Some(waker) = &*p {
                waker.wake_by_ref();
            }
        });
    }

    /// Stores `waker` in a task cell the caller owns.
    ///
    /// # Safety
    ///
    /// The cell's `*_TASK_SET` bit must be clear (the caller owns the cell).
    unsafe fn store_task(cell: &UnsafeCell<Option<Waker>>, waker: &Waker) {
        // SAFETY: the caller owns the cell.
        cell.with_mut(|p| unsafe { *p = Some(waker.clone()) });
    }

    /// Whether the waker in a cell would wake `waker`'s task.
    ///
    /// # Safety
    ///
    /// The caller must own the cell, or hold its bit set (the other side
    /// only reads it then).
    unsafe fn task_will_wake(cell: &UnsafeCell<Option<Waker>>, waker: &Waker) -> bool {
        // SAFETY: only shared reads happen concurrently (caller).
        cell.with(|p| unsafe { (*p).as_ref().is_some_and(|w| w.will_wake(waker)) })
    }

    /// Takes the value (rule 1: after seeing `VALUE_SENT`).
    ///
    /// # Safety
    ///
    /// The receiver saw `VALUE_SENT` with Acquire ordering.
    unsafe fn take_value(&self) -> Option<T> {
        // SAFETY: the cell is the receiver's now (caller).
        self.value.with_mut(|p| unsafe { (*p).take() })
    }

    /// The sender is done (rule 1/4): sets `VALUE_SENT` unless the
    /// receiver closed first; returns the state before.
    fn complete(&self) -> usize {
        let mut prev = self.state.load(Ordering::Relaxed);
        loop {
            if prev & CLOSED != 0 {
                // The receiver is gone: it must never see VALUE_SENT, so the
                // value cell stays the sender's (rule 1).
                return prev;
            }
            // AcqRel: Release publishes `value` (rule 1); Acquire pairs with
            // the receiver's Release setting RX_TASK_SET so we may read
            // `rx_task`.
            match self.state.compare_exchange_weak(
                prev,
                prev | VALUE_SENT,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => prev = actual,
            }
        }
        if prev & RX_TASK_SET != 0 {
            // SAFETY: our RMW saw RX_TASK_SET (rule 2).
            unsafe { Inner::<T>::wake_task(&self.rx_task) };
        }
        prev
    }

    /// The receiver is done (rule 3).
    fn close(&self) {
        // AcqRel: Acquire pairs with the sender's Release setting
        // TX_TASK_SET so we may read `tx_task`.
        let prev = self.state.fetch_or(CLOSED, Ordering::AcqRel);
        if prev & TX_TASK_SET != 0 && prev & VALUE_SENT == 0 {
            // SAFETY: our RMW saw TX_TASK_SET (rule 3).
            unsafe { Inner::<T>::wake_task(&self.tx_task) };
        }
    }
}

/// Sends the value of a [`channel`].
pub struct Sender<T> {
    /// `None` once sent.
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the value of a [`channel`]; a future resolving to it.
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics (as tokio's does).
///
/// # Cancel safety
///
/// Dropping the `Receiver` (or a `select!` branch awaiting `&mut rx`) loses
/// nothing while the receiver itself lives: awaiting it again gets the
/// value. Dropping the receiver closes the channel.
pub struct Receiver<T> {
    /// `None` once the value (or the error) was returned.
    inner: Option<Arc<Inner<T>>>,
}

impl<T> Sender<T> {
    /// Sends `value`; completes the channel.
    ///
    /// # Errors
    ///
    /// The value back, if the receiver was dropped or closed.
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self
            .inner
            .take()
            .expect("a Sender holds its channel until it sends");
        // SAFETY: the value cell is ours until VALUE_SENT (rule 1).
        inner.value.with_mut(|p| unsafe { *p = Some(value) });
        let prev = inner.complete();
        if prev & CLOSED != 0 {
            // SAFETY: the receiver closed first, so VALUE_SENT was not set
            // and the cell is still ours (rule 1).
            let value = unsafe { inner.take_value() };
            return Err(value.expect("the value just stored"));
        }
        Ok(())
    }

    /// Whether the receiver was dropped or closed.
    pub fn is_closed(&self) -> bool {
        let inner = self
            .inner
            .as_ref()
            .expect("a Sender holds its channel until it sends");
        // Acquire: pairs with the receiver's `close` RMW.
        inner.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Completes when the receiver is dropped or closed.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let (mut tx, rx) = weft::sync::oneshot::channel::<u32>();
    /// weft::spawn(async move { drop(rx) });
    /// tx.closed().await; // nobody will read a value: stop working on it
    /// assert!(tx.is_closed());
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// Polls for the receiver's closing (see [`closed`](Sender::closed));
    /// only the waker of the latest call is woken.
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(crate::runtime::coop::poll_proceed(cx));
        let inner = self
            .inner
            .as_ref()
            .expect("a Sender holds its channel until it sends");
        // Acquire: pairs with the receiver's `close` RMW.
        let mut state = inner.state.load(Ordering::Acquire);
        if state & CLOSED != 0 {
            coop.made_progress();
            return Poll::Ready(());
        }
        if state & TX_TASK_SET != 0 {
            // SAFETY: the receiver only reads the cell while the bit is set.
            if unsafe { Inner::<T>::task_will_wake(&inner.tx_task, cx.waker()) } {
                return Poll::Pending;
            }
            // Rule 3: take the cell back before writing it.
            // AcqRel: Acquire pairs with the receiver's close RMW.
            state = inner.state.fetch_and(!TX_TASK_SET, Ordering::AcqRel);
            if state & CLOSED != 0 {
                // The receiver may be reading the waker: leave it.
                inner.state.fetch_or(TX_TASK_SET, Ordering::Relaxed);
                coop.made_progress();
                return Poll::Ready(());
            }
        }
        // SAFETY: TX_TASK_SET is clear: the cell is ours (rule 3).
        unsafe { Inner::<T>::store_task(&inner.tx_task, cx.waker()) };
        // AcqRel: Release publishes the waker to the receiver's close RMW.
        let state = inner.state.fetch_or(TX_TASK_SET, Ordering::AcqRel);
        if state & CLOSED != 0 {
            coop.made_progress();
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // Rule 4: done without a value.
            inner.complete();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// Closes the channel without dropping the receiver: a later `send`
    /// fails and gives its value back, and [`Sender::closed`] completes. A
    /// value sent before can still be received.
    pub fn close(&mut self) {
        if let Some(inner) = &self.inner {
            inner.close();
        }
    }

    /// Takes the value if it has been sent.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing was sent yet;
    /// [`TryRecvError::Closed`] if the sender was dropped without sending,
    /// the receiver was closed, or the value was already received.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = &self.inner else {
            return Err(TryRecvError::Closed);
        };
        // Acquire: pairs with the sender's `complete` (rule 1).
        let state = inner.state.load(Ordering::Acquire);
        if state & VALUE_SENT != 0 {
            // SAFETY: VALUE_SENT seen with Acquire (rule 1).
            let value = unsafe { inner.take_value() };
            self.inner = None;
            return value.ok_or(TryRecvError::Closed);
        }
        if state & CLOSED != 0 {
            self.inner = None;
            return Err(TryRecvError::Closed);
        }
        Err(TryRecvError::Empty)
    }

    /// Waits for the value from synchronous code, blocking the thread.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::oneshot::channel();
    /// std::thread::spawn(move || tx.send("hi").unwrap());
    /// assert_eq!(rx.blocking_recv().unwrap(), "hi");
    /// ```
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender was dropped without sending.
    ///
    /// # Panics
    ///
    /// If called from a thread that drives a weft runtime.
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        super::util::block_on::block_on("oneshot::Receiver::blocking_recv", self)
    }

    /// Whether the value (or the error) has been returned already.
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Whether no value is waiting (nothing sent yet, or already taken).
    pub fn is_empty(&self) -> bool {
        match &self.inner {
            None => true,
            // Acquire: pairs with the sender's `complete`.
            Some(inner) => {
                // Acquire: pairs with the sender's `complete` (rule 1).
                if inner.state.load(Ordering::Acquire) & VALUE_SENT == 0 {
                    return true;
                }
                // SAFETY: VALUE_SENT seen with Acquire: the cell is ours.
                inner.value.with(|p| unsafe { (*p).is_none() })
            }
        }
    }

    fn poll_inner(inner: &Inner<T>, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        // Acquire: pairs with the sender's `complete` (rule 1).
        let mut state = inner.state.load(Ordering::Acquire);
        if state & VALUE_SENT != 0 {
            // SAFETY: VALUE_SENT seen with Acquire (rule 1).
            return Poll::Ready(unsafe { inner.take_value() }.ok_or(RecvError(())));
        }
        if state & CLOSED != 0 {
            return Poll::Ready(Err(RecvError(())));
        }
        if state & RX_TASK_SET != 0 {
            // SAFETY: the sender only reads the cell while the bit is set.
            if unsafe { Inner::<T>::task_will_wake(&inner.rx_task, cx.waker()) } {
                return Poll::Pending;
            }
            // Rule 2: take the cell back before writing it.
            // AcqRel: Acquire pairs with the sender's `complete`.
            state = inner.state.fetch_and(!RX_TASK_SET, Ordering::AcqRel);
            if state & VALUE_SENT != 0 {
                // The sender may be reading the waker: put the bit back and
                // leave the cell alone.
                inner.state.fetch_or(RX_TASK_SET, Ordering::Relaxed);
                // SAFETY: VALUE_SENT seen with Acquire (rule 1).
                return Poll::Ready(unsafe { inner.take_value() }.ok_or(RecvError(())));
            }
        }
        // SAFETY: RX_TASK_SET is clear: the cell is ours (rule 2).
        unsafe { Inner::<T>::store_task(&inner.rx_task, cx.waker()) };
        // AcqRel: Release publishes the waker to the sender's `complete`;
        // Acquire pairs with it for the value.
        let state = inner.state.fetch_or(RX_TASK_SET, Ordering::AcqRel);
        if state & VALUE_SENT != 0 {
            // SAFETY: VALUE_SENT seen with Acquire (rule 1).
            return Poll::Ready(unsafe { inner.take_value() }.ok_or(RecvError(())));
        }
        Poll::Pending
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let coop = ready!(crate::runtime::coop::poll_proceed(cx));
        let inner = self
            .inner
            .as_ref()
            .expect("oneshot::Receiver polled after it completed");
        let result = ready!(Receiver::poll_inner(inner, cx));
        coop.made_progress();
        self.inner = None;
        Poll::Ready(result)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            inner.close();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("terminated", &self.inner.is_none())
            .finish()
    }
}

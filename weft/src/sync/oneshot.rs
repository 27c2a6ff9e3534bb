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

use super::util::trace;
use super::util::waker_cell::WakerCell;
use crate::loom::{Arc, AtomicUsize, Ordering, UnsafeCell};
use crate::runtime::waiting_on::{self, SyncKind};
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

    use crate::sync::util::macros::error_impls;

    /// The sender was dropped without sending a value.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    error_impls!(RecvError: "channel closed");

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TryRecvError {
        /// No value has been sent yet.
        Empty,
        /// The sender was dropped without sending, or the value was already
        /// received.
        Closed,
    }

    error_impls!(TryRecvError {
        Empty => "channel empty",
        Closed => "channel closed",
    });
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
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let resource = trace::resource!(
        "tokio::sync::oneshot",
        "Sender|Receiver",
        tx_dropped = false => "override",
        rx_dropped = false => "override",
        value_sent = false => "override",
        value_received = false => "override",
    );
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_task: WakerCell::new(),
        tx_task: WakerCell::new(),
        recv_op: resource.op("Receiver::await", false),
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
    rx_task: WakerCell,
    /// Rule 3.
    tx_task: WakerCell,
    /// The receiver's async op on the channel's resource, which it holds
    /// (`sync::util::trace`; zero-sized without the feature `tracing`).
    recv_op: trace::Op,
}

// SAFETY: the cells are handed between the two halves by the state word's
// protocol (rules 1–3), so `T` only needs to be `Send`.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    /// Has the waker of the half that owns `task` (the cell guarded by
    /// `task_set`) woken when the other half sets `done` (rules 2 and 3:
    /// the receiver waits for `VALUE_SENT`, the sender's `closed` for
    /// `CLOSED`). `state` is the state the caller loaded (Acquire) and found
    /// without `done`. Returns `true` if `done` was seen meanwhile: nothing
    /// is stored then (the other half may be reading the cell).
    fn register_task(
        &self,
        task: &WakerCell,
        task_set: usize,
        done: usize,
        mut state: usize,
        waker: &Waker,
    ) -> bool {
        if state & task_set != 0 {
            // SAFETY: the other half only reads the cell while the bit is
            // set.
            if unsafe { task.will_wake(waker) } {
                return false;
            }
            // Take the cell back before writing it.
            // AcqRel: Acquire pairs with the other half's `done` RMW.
            state = self.state.fetch_and(!task_set, Ordering::AcqRel);
            if state & done != 0 {
                // The other half may be reading the waker: put the bit back
                // and leave the cell alone.
                self.state.fetch_or(task_set, Ordering::Relaxed);
                return true;
            }
        }
        // SAFETY: the bit is clear: the cell is ours. The old waker is
        // dropped here, under no lock.
        drop(unsafe { task.replace(waker.clone()) });
        // AcqRel: Release publishes the waker to the other half's `done`
        // RMW; Acquire pairs with that RMW (for the value, rule 1).
        let state = self.state.fetch_or(task_set, Ordering::AcqRel);
        state & done != 0
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
            // SAFETY: our RMW saw RX_TASK_SET: the receiver does not write
            // the cell while the bit is set (rule 2).
            unsafe { self.rx_task.wake_by_ref() };
        }
        prev
    }

    /// The receiver is done (rule 3).
    fn close(&self) {
        // AcqRel: Acquire pairs with the sender's Release setting
        // TX_TASK_SET so we may read `tx_task`.
        let prev = self.state.fetch_or(CLOSED, Ordering::AcqRel);
        if prev & TX_TASK_SET != 0 && prev & VALUE_SENT == 0 {
            // SAFETY: our RMW saw TX_TASK_SET: the sender does not write the
            // cell while the bit is set (rule 3).
            unsafe { self.tx_task.wake_by_ref() };
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
        trace::state!(&inner.recv_op, value_sent = true => "override");
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
        let op = self
            .inner
            .as_ref()
            .expect("a Sender holds its channel until it sends")
            .recv_op
            .op("Sender::closed", false);
        // One expression, so the state machine holds the future once.
        trace::instrument(
            op,
            "poll_closed",
            std::future::poll_fn(|cx| self.poll_closed(cx)),
        )
        .await
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
        let state = inner.state.load(Ordering::Acquire);
        // Rule 3.
        if state & CLOSED != 0
            || inner.register_task(&inner.tx_task, TX_TASK_SET, CLOSED, state, cx.waker())
        {
            coop.made_progress();
            return Poll::Ready(());
        }
        waiting_on::sync(SyncKind::Oneshot);
        Poll::Pending
    }
}

// API twin of `Receiver`'s `Drop` (each half ends its side of the
// protocol when dropped, as in tokio).
impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // Rule 4: done without a value.
            inner.complete();
            trace::state!(&inner.recv_op, tx_dropped = true => "override");
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
            trace::state!(&inner.recv_op, rx_dropped = true => "override");
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
            if value.is_some() {
                trace::state!(&inner.recv_op, value_received = true => "override");
            }
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
        let state = inner.state.load(Ordering::Acquire);
        if state & VALUE_SENT == 0 {
            if state & CLOSED != 0 {
                return Poll::Ready(Err(RecvError(())));
            }
            // Rule 2.
            if !inner.register_task(&inner.rx_task, RX_TASK_SET, VALUE_SENT, state, cx.waker()) {
                waiting_on::sync(SyncKind::Oneshot);
                return Poll::Pending;
            }
        }
        // SAFETY: VALUE_SENT seen with Acquire (rule 1).
        Poll::Ready(unsafe { inner.take_value() }.ok_or(RecvError(())))
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let inner = self
            .inner
            .as_ref()
            .expect("oneshot::Receiver polled after it completed");
        let result = ready!(inner.recv_op.poll("poll_recv", || {
            let coop = ready!(crate::runtime::coop::poll_proceed(cx));
            let result = ready!(Receiver::poll_inner(inner, cx));
            coop.made_progress();
            Poll::Ready(result)
        }));
        if result.is_ok() {
            trace::state!(&inner.recv_op, value_received = true => "override");
        }
        self.inner = None;
        Poll::Ready(result)
    }
}

// API twin of `Sender`'s `Drop`.
impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // Rule 3: the receiver is done.
            inner.close();
            trace::state!(&inner.recv_op, rx_dropped = true => "override");
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

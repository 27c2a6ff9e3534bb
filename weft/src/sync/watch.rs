//! A single-value channel: receivers see the latest value and wait for
//! changes.
//!
//! # Design note
//!
//! The value sits in a reader-writer lock (`crate::loom::RwLock`); next to it
//! a state word `version << 1 | CLOSED`. Senders replace or modify the value
//! under the write lock and bump the version *while still holding it*, so a
//! reader that holds the read lock sees a version that matches the value.
//! Then they call `notify_waiters` on a [`Notify`]. Each receiver remembers
//! the version it last saw. The semantics are tokio's `watch`; the design
//! (version counter plus a `Notify`) is the well-known one.
//!
//! **Protocol rules.**
//!
//! 1. `changed` creates its `Notified` *before* comparing versions, so a
//!    send between the comparison and the await is not missed
//!    (`notify_waiters` covers futures created before it, see `notify.rs`).
//! 2. The version is bumped under the write lock with a Release RMW; readers
//!    load it with Acquire (with or without the read lock) — so a receiver
//!    that sees a new version and then takes the read lock sees that value
//!    or a newer one.
//! 3. The last sender's drop sets `CLOSED` (Release) and notifies; the last
//!    receiver's drop notifies `Sender::closed` waiters. The counts are
//!    RMWs, so exactly one drop is "the last".
//! 4. Many sends between two looks coalesce: a receiver sees only the
//!    latest value (a watch channel is not a queue).

use super::Notify;
use crate::loom::{Arc, AtomicUsize, Ordering, RwLock, RwLockReadGuard};
use crate::runtime::waiting_on::SyncKind;
use std::fmt;
use std::ops::Deref;

const CLOSED: usize = 1;
const VERSION_ONE: usize = 2;

pub mod error {
    //! The errors of [`watch`](super).

    use crate::sync::util::macros::{error_impls, opaque_debug};

    /// Every receiver is gone: the value comes back unsent.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    opaque_debug!(SendError<T>);
    error_impls!(SendError<T>: "channel closed");

    /// Every sender is gone (and the latest value was seen).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    error_impls!(RecvError: "channel closed");
}

use error::{RecvError, SendError};

struct Shared<T> {
    value: RwLock<T>,
    /// `version << 1 | CLOSED`.
    state: AtomicUsize,
    receivers: AtomicUsize,
    senders: AtomicUsize,
    /// Woken on every change and on close (receivers wait here).
    notify_rx: Notify,
    /// Woken when the last receiver goes (`Sender::closed`).
    notify_tx: Notify,
}

impl<T> Shared<T> {
    fn read(&self) -> RwLockReadGuard<'_, T> {
        // A panic in user code under the lock (a `send_modify` closure)
        // leaves a value that is still valid; tokio ignores poisoning too.
        self.value.read().unwrap_or_else(|e| e.into_inner())
    }

    fn state(&self) -> usize {
        // Acquire: pairs with the Release bumps in `modify` and the CLOSED
        // store in `Sender::drop` (rule 2/3).
        self.state.load(Ordering::Acquire)
    }

    /// Rule 2: changes the value under the write lock; bumps the version
    /// and notifies if `f` says it modified it.
    fn modify(&self, f: impl FnOnce(&mut T) -> bool) -> bool {
        let mut value = self.value.write().unwrap_or_else(|e| e.into_inner());
        if !f(&mut value) {
            return false;
        }
        // Release: pairs with the Acquire loads in `state` (rule 2).
        self.state.fetch_add(VERSION_ONE, Ordering::Release);
        drop(value);
        self.notify_rx.notify_waiters();
        true
    }
}

/// Creates a watch channel holding `init`; the receiver starts with `init`
/// marked as seen.
///
/// ```
/// use weft::sync::watch;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let (tx, mut rx) = watch::channel("off");
/// weft::spawn(async move {
///     tx.send("on").unwrap();
/// });
/// rx.changed().await?;
/// assert_eq!(*rx.borrow_and_update(), "on");
/// assert!(rx.changed().await.is_err(), "the sender is gone");
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::with_receivers(init, 1);
    let rx = Receiver {
        shared: tx.shared.clone(),
        version: 0,
    };
    (tx, rx)
}

// API twin of `broadcast::Sender` and `broadcast::Receiver` (each channel
// module has its own pair of handle types over its shared state, as in
// tokio).

/// Publishes values to a watch channel.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Watches the value of a watch channel; clone it for more watchers.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version last seen (state word without `CLOSED`).
    version: usize,
}

/// A borrowed value; holds the read lock, so keep it short (a send waits
/// for it) and never across an `.await`.
pub struct Ref<'a, T> {
    inner: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value was unseen by the receiver when borrowed (always
    /// `false` from `Sender::borrow`).
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Receiver<T> {
    /// The latest value, without marking it seen.
    pub fn borrow(&self) -> Ref<'_, T> {
        let inner = self.shared.read();
        let version = self.shared.state() & !CLOSED;
        Ref {
            inner,
            has_changed: version != self.version,
        }
    }

    /// The latest value, marking it seen.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let inner = self.shared.read();
        // Under the read lock the version matches the value (rule 2).
        let version = self.shared.state() & !CLOSED;
        let has_changed = version != self.version;
        self.version = version;
        Ref { inner, has_changed }
    }
    /// Whether every sender is gone (the value can no longer change).
    ///
    /// ```
    /// use weft::sync::watch;
    /// let (tx, rx) = watch::channel(0);
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.state() & CLOSED != 0
    }

    /// Whether a value this receiver has not seen is there (the value is
    /// not marked seen).
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone — also when the last value sent
    /// is still unseen (as in tokio; [`changed`](Receiver::changed) and
    /// [`borrow_and_update`](Receiver::borrow_and_update) still deliver that
    /// value).
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state();
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(state & !CLOSED != self.version)
    }

    /// Marks the current value as seen.
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.state() & !CLOSED;
    }

    /// Marks the current value as unseen, so `changed` returns at once.
    pub fn mark_changed(&mut self) {
        // Any version that differs from the word's; the word's versions are
        // even numbers of VERSION_ONE, so this is never a real one.
        self.version = (self.shared.state() & !CLOSED).wrapping_sub(VERSION_ONE) | CLOSED;
    }

    /// Waits for a value this receiver has not seen, and marks it seen.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once every sender is gone and the latest value was
    /// seen.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future marks nothing as seen.
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        changed_impl(&self.shared, &mut self.version).await
    }

    /// Waits until `f` accepts the value (checking the current value
    /// first), marks it seen and returns it borrowed.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let (tx, mut rx) = weft::sync::watch::channel(0);
    /// weft::spawn(async move {
    ///     for i in 1..=10 {
    ///         tx.send(i).unwrap();
    ///     }
    /// });
    /// let v = rx.wait_for(|v| *v >= 10).await?;
    /// assert_eq!(*v, 10);
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone before `f` accepts a value.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        // A predicate that is true at once still spends a unit of the task's
        // budget (a loop over `wait_for` must yield now and then).
        std::future::poll_fn(crate::runtime::coop::poll_proceed_and_make_progress).await;
        let shared = &*self.shared;
        let seen = &mut self.version;
        let mut closed = false;
        loop {
            {
                // The guard lives only in this block, never across the
                // `.await` below (so the future is `Send`, as tokio's).
                let inner = shared.read();
                let version = shared.state() & !CLOSED;
                let has_changed = version != *seen;
                *seen = version;
                if (!closed || has_changed) && f(&inner) {
                    return Ok(Ref { inner, has_changed });
                }
            }
            if closed {
                return Err(RecvError(()));
            }
            closed = changed_impl(shared, seen).await.is_err();
        }
    }

    /// Whether both receivers watch the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// `Receiver::changed` on split borrows (so `wait_for` can return a `Ref`
/// borrowed from `shared` while updating `seen`).
async fn changed_impl<T>(shared: &Shared<T>, seen: &mut usize) -> Result<(), RecvError> {
    // Spend a unit of the task's budget even when a change is already there.
    std::future::poll_fn(crate::runtime::coop::poll_proceed_and_make_progress).await;
    loop {
        // Rule 1: before the comparison.
        let notified = shared.notify_rx.notified();
        let state = shared.state();
        if state & !CLOSED != *seen {
            *seen = state & !CLOSED;
            return Ok(());
        }
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        notified.await;
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            shared: self.shared.clone(),
            version: self.version,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // AcqRel: the last receiver's drop is ordered after the others'
        // (rule 3).
        if self.shared.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.notify_tx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("version", &(self.version >> 1))
            .finish_non_exhaustive()
    }
}

impl<T> Sender<T> {
    /// The sending half of a new watch channel holding `init`, with no
    /// receiver yet ([`subscribe`](Sender::subscribe) makes them). Until
    /// one exists, [`send`](Sender::send) fails (the value can still be
    /// set with [`send_replace`](Sender::send_replace)).
    ///
    /// ```
    /// use weft::sync::watch;
    ///
    /// let tx = watch::Sender::new(1);
    /// assert!(tx.send(2).is_err(), "no receiver yet");
    /// let rx = tx.subscribe();
    /// tx.send(3).unwrap();
    /// assert_eq!(*rx.borrow(), 3);
    /// ```
    pub fn new(init: T) -> Sender<T> {
        Sender::with_receivers(init, 0)
    }

    /// A sender whose channel counts `receivers` receivers (the caller
    /// makes them).
    fn with_receivers(init: T, receivers: usize) -> Sender<T> {
        Sender {
            shared: Arc::new(Shared {
                value: RwLock::new(init),
                state: AtomicUsize::new(0),
                receivers: AtomicUsize::new(receivers),
                senders: AtomicUsize::new(1),
                notify_rx: Notify::with_kind(SyncKind::Watch),
                notify_tx: Notify::with_kind(SyncKind::Watch),
            }),
        }
    }

    /// Replaces the value and notifies the receivers.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value, if every receiver is gone (the value is
    /// then not stored).
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Modifies the value in place and notifies the receivers, whether or
    /// not any exists.
    ///
    /// # Panics
    ///
    /// If `f` panics: the value is then left as `f` left it, and no
    /// notification is sent.
    pub fn send_modify(&self, f: impl FnOnce(&mut T)) {
        self.shared.modify(|v| {
            f(v);
            true
        });
    }

    /// Modifies the value in place; notifies the receivers only if `f`
    /// returns `true` (so unchanged values wake nobody). Returns what `f`
    /// returned.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(1);
    /// assert!(!tx.send_if_modified(|v| std::mem::replace(v, 1) != 1));
    /// assert!(!rx.has_changed()?);
    /// assert!(tx.send_if_modified(|v| std::mem::replace(v, 2) != 2));
    /// assert!(rx.has_changed()?);
    /// # Ok::<_, weft::sync::watch::error::RecvError>(())
    /// ```
    pub fn send_if_modified(&self, f: impl FnOnce(&mut T) -> bool) -> bool {
        self.shared.modify(f)
    }

    /// Replaces the value, notifies the receivers (if any) and returns the
    /// old value.
    pub fn send_replace(&self, value: T) -> T {
        let mut value = Some(value);
        let mut old = None;
        self.shared.modify(|v| {
            old = Some(std::mem::replace(v, value.take().expect("called once")));
            true
        });
        old.expect("modify runs the closure")
    }

    /// The current value.
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.read(),
            has_changed: false,
        }
    }

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
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
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }

    /// A new receiver; it starts with the current value marked as seen.
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        // Take the version under the read lock so it matches the value.
        let guard = self.shared.read();
        let version = self.shared.state() & !CLOSED;
        drop(guard);
        Receiver {
            shared: self.shared.clone(),
            version,
        }
    }

    /// Receivers alive.
    pub fn receiver_count(&self) -> usize {
        // Acquire: pairs with the AcqRel decrements in `Receiver::drop`.
        self.shared.receivers.load(Ordering::Acquire)
    }

    /// Senders alive.
    pub fn sender_count(&self) -> usize {
        self.shared.senders.load(Ordering::Relaxed)
    }

    /// Whether both senders publish to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// [`Sender::new`] with `T`'s default value.
impl<T: Default> Default for Sender<T> {
    fn default() -> Self {
        Sender::new(T::default())
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // AcqRel: exactly one drop is the last (rule 3).
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            // Release: pairs with the Acquire loads in `state`.
            self.shared.state.fetch_or(CLOSED, Ordering::Release);
            self.shared.notify_rx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

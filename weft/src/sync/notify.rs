//! `Notify`: wakes one waiting task (or stores a permit), or all of them.
//!
//! # Design note
//!
//! Semantics are tokio's `Notify`; the shape of the algorithm (a state word
//! in front of an intrusive FIFO of waiters, and a `notify_waiters` call
//! counter so that futures created before a `notify_waiters` call complete
//! even if first polled after it) follows tokio's design; the code is ours.
//!
//! **State word:** `calls << 2 | STATE`, where `STATE` is
//! `EMPTY` (no waiter, no permit), `WAITING` (the queue is non-empty) or
//! `NOTIFIED` (a permit is stored), and `calls` counts `notify_waiters`
//! calls. The queue, the nodes' links and wakers are protected by `waiters`;
//! a node's `notification` is written under it and read by its owner with or
//! without it.
//!
//! **Protocol rules.**
//!
//! 1. `EMPTY <-> NOTIFIED` may change lock-free (by CAS): `notify_one` /
//!    `notify_last` store a permit, a first poll consumes it. Moving to or
//!    from `WAITING`, and changing `calls`, happen only under the lock, so
//!    under the lock `WAITING` means exactly "the queue is non-empty".
//! 2. A `Notified` records `calls` when it is created; if the word's `calls`
//!    differs when it is polled, a `notify_waiters` happened since: it is
//!    done.
//! 3. A notifier unlinks the node it notifies, stores its `notification`
//!    (Release) and takes its waker, all under the lock; the owner reads the
//!    notification (Acquire) and is done. A node is linked iff its
//!    notification is `NONE` (under the lock).
//! 4. A `Notified` dropped after `notify_one`/`notify_last` picked it but
//!    before it completed passes the notification on (to the next waiter,
//!    or as the stored permit), so none is lost. One dropped after
//!    `notify_waiters` passes nothing (no permit was meant).
//! 5. `notify_waiters` unlinks every waiter under the lock, increments
//!    `calls` and leaves no permit.
//! 6. No user code under the lock: cloning, dropping and waking a waker run
//!    the waker's code, which may use this very `Notify` (or a channel
//!    built on it). A waker is cloned before the lock is taken, a replaced
//!    one is dropped after it is released, and taken wakers are woken after
//!    it. A node's own waker is dropped with its future, after `Drop`
//!    released the lock.

use super::util::linked_list::{link_field, LinkedList, Pointers};
use super::util::wake_list::WakeList;
use super::util::waker_cell::WakerCell;
use crate::loom::{AtomicUsize, Mutex, MutexGuard, Ordering};
use crate::runtime::waiting_on::{self, SyncKind};
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::ops::Deref;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

const STATE_MASK: usize = 0b11;
const EMPTY: usize = 0;
const WAITING: usize = 1;
const NOTIFIED: usize = 2;
const CALLS_ONE: usize = 1 << 2;

// Node notifications.
const NONE: usize = 0;
const ONE: usize = 1;
const LAST: usize = 2;
const ALL: usize = 3;

fn state(word: usize) -> usize {
    word & STATE_MASK
}

fn with_state(word: usize, state: usize) -> usize {
    (word & !STATE_MASK) | state
}

fn calls(word: usize) -> usize {
    word >> 2
}

/// Wakes tasks waiting for an event.
///
/// * [`notify_one`](Notify::notify_one) wakes the task that has waited
///   longest; if none waits, it stores a single permit, which the next
///   [`notified()`](Notify::notified) consumes at once (many calls store
///   one permit, like a binary semaphore).
/// * [`notify_last`](Notify::notify_last) wakes the most recent waiter.
/// * [`notify_waiters`](Notify::notify_waiters) wakes every task waiting
///   (every `Notified` created before the call, even one not yet polled) and
///   stores no permit.
///
/// The type needs no runtime; waiting allocates nothing.
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Notify;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let notify = Arc::new(Notify::new());
/// let waiter = {
///     let notify = notify.clone();
///     weft::spawn(async move { notify.notified().await })
/// };
/// notify.notify_one(); // wakes the task, or leaves it a permit
/// waiter.await?;
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
pub struct Notify {
    state: AtomicUsize,
    waiters: Mutex<LinkedList<Waiter>>,
    /// What task dumps show a waiter waiting on: `Notify`, or the
    /// primitive built on this one (`watch`, `broadcast`, `Barrier`).
    kind: SyncKind,
}

/// The node of one waiting [`Notified`].
struct Waiter {
    pointers: Pointers<Waiter>,
    /// `NONE` while linked, then how it was notified (rule 3).
    notification: AtomicUsize,
    /// Under the lock.
    waker: WakerCell,
    _pin: PhantomPinned,
}

// SAFETY: a node's links, waker and flags are only accessed under the
// notify's lock (or, for the atomic, atomically), whichever thread holds
// it; the raw pointers in its links are followed only under that lock.
unsafe impl Send for Waiter {}
// SAFETY: as above.
unsafe impl Sync for Waiter {}

// SAFETY: `pointers` returns the node's own field; nodes are pinned inside
// `Notified` futures whose `Drop` unlinks them.
link_field!(unsafe impl Link for Waiter { pointers });

impl Notify {
    /// A `Notify` with no permit and no waiter.
    pub fn new() -> Notify {
        Notify::with_kind(SyncKind::Notify)
    }

    /// A `Notify` inside the primitive `kind` (for task dumps).
    pub(crate) fn with_kind(kind: SyncKind) -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(LinkedList::new()),
            kind,
        }
    }

    /// A `Notify` usable in a `static`.
    ///
    /// ```
    /// use weft::sync::Notify;
    /// static EVENT: Notify = Notify::const_new();
    /// EVENT.notify_one();
    /// ```
    #[cfg(not(weft_loom))]
    pub const fn const_new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(LinkedList::new()),
            kind: SyncKind::Notify,
        }
    }

    fn lock(&self) -> MutexGuard<'_, LinkedList<Waiter>> {
        // No user code runs under this lock: poisoning carries no meaning.
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A future that completes when this `Notify` is notified.
    ///
    /// The future takes part in `notify_waiters` from the moment it is
    /// created; in `notify_one`/`notify_last` from its first poll (or
    /// [`Notified::enable`]).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping a `Notified` that `notify_one` (or
    /// `notify_last`) had chosen passes the notification on to the next
    /// waiter (or stores it as the permit); it is never lost.
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            inner: NotifiedInner::new(self),
        }
    }

    /// [`notified`](Notify::notified) for an `Arc<Notify>`: the future owns
    /// the `Arc`, so it is `'static` and can be stored or moved into a task.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::futures::OwnedNotified;
    /// use weft::sync::Notify;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let notify = Arc::new(Notify::new());
    /// let notified: OwnedNotified = notify.clone().notified_owned();
    /// let waiter = weft::spawn(notified);
    /// notify.notify_waiters(); // the future exists: it takes part
    /// waiter.await?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As for [`notified`](Notify::notified).
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        OwnedNotified {
            inner: NotifiedInner::new(self),
        }
    }

    /// Wakes the longest-waiting task, or stores a permit if none waits.
    ///
    /// ```
    /// use weft::sync::Notify;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let notify = Notify::new();
    /// notify.notify_one(); // nobody waits: the permit is stored
    /// notify.notified().await; // and consumed here at once
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    pub fn notify_one(&self) {
        self.notify(ONE);
    }

    /// Wakes the most recently waiting task, or stores a permit if none
    /// waits.
    pub fn notify_last(&self) {
        self.notify(LAST);
    }

    fn notify(&self, strategy: usize) {
        // Rule 1: lock-free while nobody waits.
        // Acquire: pairs with the Release RMWs of the other notifiers and waiters.
        let mut word = self.state.load(Ordering::Acquire);
        while state(word) != WAITING {
            // Release: pairs with the Acquire CAS that consumes the permit,
            // so the waiter sees what we wrote before notifying.
            match self.state.compare_exchange_weak(
                word,
                with_state(word, NOTIFIED),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => word = actual,
            }
        }
        let mut waiters = self.lock();
        if let Some(waker) = self.notify_locked(&mut waiters, strategy) {
            drop(waiters);
            waker.wake();
        }
    }

    /// Under the lock: notifies one waiter (front for `ONE`, back for
    /// `LAST`) or stores the permit. Returns the waker to wake after
    /// unlocking.
    fn notify_locked(&self, waiters: &mut LinkedList<Waiter>, strategy: usize) -> Option<Waker> {
        // Acquire: pairs with the Release RMWs on `state` (rule 1).
        let mut word = self.state.load(Ordering::Acquire);
        loop {
            if state(word) == WAITING {
                break;
            }
            // Release: as in `notify`.
            match self.state.compare_exchange_weak(
                word,
                with_state(word, NOTIFIED),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return None,
                Err(actual) => word = actual,
            }
        }
        let node = if strategy == LAST {
            waiters.pop_back()
        } else {
            waiters.pop_front()
        };
        let node = node.expect("WAITING implies a queued waiter (rule 1)");
        if waiters.is_empty() {
            // Only this lock changes WAITING or `calls` (rule 1).
            // Release: pairs with the Acquire loads of `state` in `notify` / `poll_inner`.
            self.state.store(with_state(word, EMPTY), Ordering::Release);
        }
        // SAFETY: the node was linked, hence live; under the lock. The
        // notification store is our last access to it (rule 3).
        unsafe {
            let node = node.as_ref();
            let waker = node.waker.take();
            // Release: pairs with the Acquire load in `Notified::poll_inner`.
            node.notification.store(strategy, Ordering::Release);
            waker
        }
    }

    /// Wakes every task waiting now: every [`Notified`] created before this
    /// call, polled or not. Stores no permit: a `notified()` created after
    /// it waits for the next notification.
    ///
    /// ```
    /// use weft::sync::Notify;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let notify = Notify::new();
    /// let a = notify.notified();
    /// let b = notify.notified();
    /// notify.notify_waiters();
    /// a.await; // created before the call: done
    /// b.await;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    pub fn notify_waiters(&self) {
        let mut waiters = self.lock();
        // Acquire: pairs with the Release RMWs on `state`; under the lock.
        let word = self.state.load(Ordering::Acquire);
        let mut wakers = WakeList::new();
        while let Some(node) = waiters.pop_front() {
            // SAFETY: linked, hence live; under the lock; the store is the
            // last access (rule 3).
            unsafe {
                let node = node.as_ref();
                if let Some(waker) = node.waker.take() {
                    wakers.push(waker);
                }
                // Release: pairs with the Acquire load in `poll_inner`.
                node.notification.store(ALL, Ordering::Release);
            }
        }
        // Rule 5: bump `calls`; WAITING goes (the queue is empty now), a
        // stored permit stays. A lock-free EMPTY<->NOTIFIED CAS may race
        // us, hence a CAS loop.
        let mut word = word;
        loop {
            let next_state = if state(word) == WAITING {
                EMPTY
            } else {
                state(word)
            };
            let next = with_state(word.wrapping_add(CALLS_ONE), next_state);
            // AcqRel: pairs with the Acquire loads in `notified()` and the
            // polls that compare `calls`.
            match self
                .state
                .compare_exchange_weak(word, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(actual) => word = actual,
            }
        }
        drop(waiters);
        wakers.wake_all();
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = self.state.load(Ordering::Relaxed);
        f.debug_struct("Notify")
            .field("permit", &(state(word) == NOTIFIED))
            .field("waiting", &(state(word) == WAITING))
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotifiedState {
    /// Not registered yet.
    Init,
    /// Linked (or notified but not yet observed).
    Waiting,
    /// Completed.
    Done,
}

/// Future returned by [`Notify::notified`].
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    inner: NotifiedInner<&'a Notify>,
}

/// Future returned by [`Notify::notified_owned`]: a [`Notified`] that owns
/// its `Arc<Notify>`.
#[must_use = "futures do nothing unless polled"]
pub struct OwnedNotified {
    inner: NotifiedInner<Arc<Notify>>,
}

/// The body of both futures; `N` is how they reach the `Notify`.
struct NotifiedInner<N: Deref<Target = Notify>> {
    notify: N,
    state: NotifiedState,
    /// `notify_waiters` calls when created (rule 2).
    calls: usize,
    waiter: Waiter,
}

impl Notified<'_> {
    /// Registers this future as a waiter without polling it, so that a
    /// later `notify_one` picks it; returns `true` if it is already
    /// notified (then awaiting it completes at once).
    ///
    /// ```
    /// use std::pin::pin;
    /// use weft::sync::Notify;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let notify = Notify::new();
    /// let mut notified = pin!(notify.notified());
    /// assert!(!notified.as_mut().enable(), "nothing yet");
    /// notify.notify_one(); // goes to the enabled future, not to a permit
    /// assert!(notified.as_mut().enable());
    /// notified.await;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        // SAFETY: nothing is moved out; the node stays where it is.
        let this = unsafe { self.get_unchecked_mut() };
        this.inner.poll_inner(None).is_ready()
    }
}

impl OwnedNotified {
    /// [`Notified::enable`] for the owned future: registers it as a waiter
    /// without polling it; `true` if it is already notified.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Notify;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let notify = Arc::new(Notify::new());
    /// let mut notified = Box::pin(notify.clone().notified_owned());
    /// assert!(!notified.as_mut().enable());
    /// notify.notify_one();
    /// assert!(notified.as_mut().enable());
    /// notified.await;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        // SAFETY: nothing is moved out; the node stays where it is.
        let this = unsafe { self.get_unchecked_mut() };
        this.inner.poll_inner(None).is_ready()
    }
}

impl<N: Deref<Target = Notify>> NotifiedInner<N> {
    fn new(notify: N) -> Self {
        // Acquire: pairs with the AcqRel increment in `notify_waiters`.
        let word = notify.state.load(Ordering::Acquire);
        NotifiedInner {
            notify,
            state: NotifiedState::Init,
            calls: calls(word),
            waiter: Waiter {
                pointers: Pointers::new(),
                notification: AtomicUsize::new(NONE),
                waker: WakerCell::new(),
                _pin: PhantomPinned,
            },
        }
    }

    /// Callers hold the future pinned: the node never moves while linked.
    fn poll_inner(&mut self, waker: Option<&Waker>) -> Poll<()> {
        let NotifiedInner {
            notify,
            state: this_state,
            calls: this_calls,
            waiter,
        } = self;
        let notify: &Notify = notify;
        match *this_state {
            NotifiedState::Done => Poll::Ready(()),
            NotifiedState::Init => {
                // Acquire: pairs with the notifiers' Release RMWs.
                let mut word = notify.state.load(Ordering::Acquire);
                loop {
                    if calls(word) != *this_calls {
                        *this_state = NotifiedState::Done;
                        return Poll::Ready(());
                    }
                    if state(word) != NOTIFIED {
                        break;
                    }
                    // Acquire: pairs with the Release CAS that stored the
                    // permit.
                    match notify.state.compare_exchange_weak(
                        word,
                        with_state(word, EMPTY),
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => {
                            *this_state = NotifiedState::Done;
                            return Poll::Ready(());
                        }
                        Err(actual) => word = actual,
                    }
                }
                // Rule 6: clone before locking; dropped (if unused) after
                // the guard, which is declared later.
                let fresh = waker.cloned();
                let stale;
                let mut waiters = notify.lock();
                // Acquire: pairs with the permit's Release CAS in `notify` (rule 1).
                let mut word = notify.state.load(Ordering::Acquire);
                loop {
                    if calls(word) != *this_calls {
                        *this_state = NotifiedState::Done;
                        return Poll::Ready(());
                    }
                    let next = match state(word) {
                        NOTIFIED => with_state(word, EMPTY),
                        EMPTY => with_state(word, WAITING),
                        _ => break,
                    };
                    // AcqRel: Acquire pairs with the permit's Release CAS;
                    // the lock orders the rest.
                    match notify.state.compare_exchange_weak(
                        word,
                        next,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) if state(word) == NOTIFIED => {
                            *this_state = NotifiedState::Done;
                            return Poll::Ready(());
                        }
                        Ok(_) => break,
                        Err(actual) => word = actual,
                    }
                }
                // SAFETY: under the lock; the node is pinned inside this
                // future (callers hold `Pin<&mut Self>`), in no list, and
                // `Drop` unlinks it.
                unsafe {
                    stale = fresh.and_then(|w| waiter.waker.replace(w));
                    waiters.push_back(NonNull::from(&*waiter));
                }
                *this_state = NotifiedState::Waiting;
                drop(waiters);
                drop(stale);
                Poll::Pending
            }
            NotifiedState::Waiting => {
                // Acquire: pairs with the notifier's Release store (rule 3).
                if waiter.notification.load(Ordering::Acquire) != NONE {
                    *this_state = NotifiedState::Done;
                    return Poll::Ready(());
                }
                let Some(waker) = waker else {
                    return Poll::Pending;
                };
                // Rule 6: a waker cloned outside the lock; declared before
                // the guard, so dropped after it.
                let mut fresh: Option<Waker> = None;
                loop {
                    let waiters = notify.lock();
                    if waiter.notification.load(Ordering::Acquire) != NONE {
                        *this_state = NotifiedState::Done;
                        return Poll::Ready(());
                    }
                    // SAFETY: under the lock.
                    if unsafe { waiter.waker.will_wake(waker) } {
                        return Poll::Pending;
                    }
                    let Some(new) = fresh.take() else {
                        drop(waiters);
                        fresh = Some(waker.clone());
                        continue;
                    };
                    // SAFETY: under the lock.
                    let stale = unsafe { waiter.waker.replace(new) };
                    drop(waiters);
                    drop(stale);
                    return Poll::Pending;
                }
            }
        }
    }
}

impl<N: Deref<Target = Notify>> NotifiedInner<N> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let coop = std::task::ready!(crate::runtime::coop::poll_proceed(cx));
        let result = self.poll_inner(Some(cx.waker()));
        if result.is_ready() {
            coop.made_progress();
        } else {
            waiting_on::sync(self.notify.kind);
        }
        result
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out; the node stays where it is.
        let this = unsafe { self.get_unchecked_mut() };
        this.inner.poll(cx)
    }
}

impl Future for OwnedNotified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out; the node stays where it is.
        let this = unsafe { self.get_unchecked_mut() };
        this.inner.poll(cx)
    }
}

impl<N: Deref<Target = Notify>> Drop for NotifiedInner<N> {
    fn drop(&mut self) {
        if self.state != NotifiedState::Waiting {
            return;
        }
        let notify: &Notify = &self.notify;
        let mut waiters = notify.lock();
        // Acquire: pairs with the notifier's Release store (rule 3).
        match self.waiter.notification.load(Ordering::Acquire) {
            NONE => {
                // Still linked: unlink (rule 3).
                // SAFETY: under the lock; linked in this list.
                unsafe { waiters.remove(NonNull::from(&self.waiter)) };
                if waiters.is_empty() {
                    let word = notify.state.load(Ordering::Relaxed);
                    if state(word) == WAITING {
                        // Only this lock changes WAITING (rule 1).
                        // Release: pairs with the Acquire loads of `state`
                        // in `notify` / `poll_inner`.
                        notify
                            .state
                            .store(with_state(word, EMPTY), Ordering::Release);
                    }
                }
            }
            strategy @ (ONE | LAST) => {
                // Rule 4: pass it on.
                if let Some(waker) = notify.notify_locked(&mut waiters, strategy) {
                    drop(waiters);
                    waker.wake();
                }
            }
            _ => {}
        }
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("state", &self.inner.state)
            .finish()
    }
}

impl fmt::Debug for OwnedNotified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedNotified")
            .field("state", &self.inner.state)
            .finish()
    }
}

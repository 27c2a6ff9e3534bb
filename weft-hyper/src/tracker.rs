//! The connections of one `serve` loop: how many are open, the signal to
//! shut down gracefully, and the wake-ups of the accept loop when one
//! closes.
//!
//! # Design
//!
//! A connection's task must learn of a shutdown without paying for it on
//! every poll: hyper wakes it for each read, write and timer, and a watch
//! channel or `Notify` would take a lock shared by every connection on
//! each of those polls (to refresh the stored waker). Here a poll costs one
//! `Acquire` load of [`Tracker::shutdown`] and a `Waker::will_wake`
//! comparison with the waker the connection registered last; the shared
//! lock is taken when a connection opens, when it closes, in the rare poll
//! whose waker differs from the registered one, and once at shutdown.
//!
//! State: `shutdown` (an `AtomicBool`, set once, never cleared) and, under
//! the mutex, `Inner`: one slot per open connection holding its registered
//! waker, the count of open connections, and the accept loop's waker.
//!
//! Rules:
//!
//! 1. A connection stores its waker in its slot under the lock, and reads
//!    `shutdown` after the lock is released (the fast path reads it with no
//!    lock at all, once a waker is registered).
//! 2. [`Tracker::shutdown`] stores `shutdown = true` (`Release`), then takes
//!    the lock and wakes every registered waker. With rule 1, either the
//!    connection's registration came first under the lock, and the
//!    shutdown's pass over the slots wakes it, or the shutdown's lock came
//!    first, and the connection's later lock acquisition orders the `true`
//!    store before the connection's read: no connection misses the signal.
//! 3. Closing a connection frees its slot, decrements the count and wakes
//!    the accept loop's waker, all under the lock; the accept loop checks
//!    the count and stores its waker under the same lock, so it never
//!    misses a close (the same argument as a condition variable's).
//! 4. No waker is cloned, dropped or woken under the lock (the accept
//!    loop's is whatever waker polls the `serve` future: user code).
//!    Registering clones first, swaps under the lock, and drops the
//!    replaced one after; the accept loop checks the count again under
//!    the lock where it stores its fresh clone (rule 3 still holds).
//!
//! This is the classic "flag plus registered wakers" broadcast (as in
//! `futures`' `AtomicWaker`-based shutdown signals), with the registration
//! kept per connection instead of per poll. Rules 2 and 3 are model-checked
//! with loom (`scripts/loom.sh loom_tracker`; the script runs this crate's
//! models after weft's).

use crate::loom::{Arc, AtomicBool, Mutex, MutexGuard, Ordering};
use std::task::{Context, Poll, Waker};

/// Shared by the accept loop and every connection it spawned.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    shutdown: AtomicBool,
    inner: Mutex<Inner>,
}

/// The part under the lock.
#[derive(Debug, Default)]
struct Inner {
    /// One per open connection: its registered waker (`None` before its
    /// first poll). A freed slot is `Free`, linked into `free`.
    slots: Vec<Slot>,
    /// The most recently freed slot, if any.
    free: Option<usize>,
    /// Open connections (slots in use).
    open: usize,
    /// The accept loop, waiting for a connection to close.
    accept: Option<Waker>,
}

#[derive(Debug)]
enum Slot {
    Used(Option<Waker>),
    /// Free, with the next free slot.
    Free(Option<usize>),
}

impl Tracker {
    pub(crate) fn new() -> Arc<Tracker> {
        Arc::new(Tracker::default())
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic never happens under this lock (no user code runs there:
        // wakers are cloned, dropped and woken outside it),
        // but a poisoned lock's data is consistent anyway: take it.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts a new connection; the returned guard uncounts it on drop.
    pub(crate) fn open(this: &Arc<Tracker>) -> ConnectionGuard {
        let mut inner = this.lock();
        inner.open += 1;
        let key = match inner.free {
            Some(key) => {
                let Slot::Free(next) = inner.slots[key] else {
                    unreachable!("the free list links free slots only")
                };
                inner.free = next;
                inner.slots[key] = Slot::Used(None);
                key
            }
            None => {
                inner.slots.push(Slot::Used(None));
                inner.slots.len() - 1
            }
        };
        ConnectionGuard {
            tracker: this.clone(),
            key,
            registered: None,
        }
    }

    /// How many connections are open.
    #[cfg(all(test, not(weft_loom)))]
    pub(crate) fn open_count(&self) -> usize {
        self.lock().open
    }

    /// Whether [`shutdown`](Tracker::shutdown) was called.
    pub(crate) fn is_shutdown(&self) -> bool {
        // Acquire: pairs with the Release store in `shutdown` (rule 2).
        self.shutdown.load(Ordering::Acquire)
    }

    /// Tells every connection to shut down gracefully (rule 2).
    pub(crate) fn shutdown(&self) {
        // Release: pairs with the Acquire load in `is_shutdown`.
        self.shutdown.store(true, Ordering::Release);
        let wakers: Vec<Waker> = {
            let mut inner = self.lock();
            inner
                .slots
                .iter_mut()
                .filter_map(|slot| match slot {
                    Slot::Used(waker) => waker.take(),
                    Slot::Free(_) => None,
                })
                .collect()
        };
        // Woken outside the lock: a waker may run arbitrary code.
        for waker in wakers {
            waker.wake();
        }
    }

    /// Ready once fewer than `limit` connections are open; otherwise
    /// registers the accept loop's waker (rule 3).
    pub(crate) fn poll_below(&self, cx: &mut Context<'_>, limit: usize) -> Poll<()> {
        let inner = self.lock();
        if inner.open < limit {
            return Poll::Ready(());
        }
        if inner
            .accept
            .as_ref()
            .is_some_and(|old| old.will_wake(cx.waker()))
        {
            return Poll::Pending;
        }
        drop(inner);
        // The accept loop's waker is the caller's (any executor's): it is
        // cloned and the old one dropped outside the lock, and the count
        // checked again under the lock that stores it (rule 3).
        let waker = cx.waker().clone();
        let mut inner = self.lock();
        let (poll, old) = if inner.open < limit {
            (Poll::Ready(()), Some(waker))
        } else {
            (Poll::Pending, inner.accept.replace(waker))
        };
        drop(inner);
        drop(old);
        poll
    }

    /// Ready once no connection is open (rule 3).
    pub(crate) fn poll_drained(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_below(cx, 1)
    }
}

/// One open connection's entry; dropping it closes the entry (rule 3).
#[derive(Debug)]
pub(crate) struct ConnectionGuard {
    tracker: Arc<Tracker>,
    key: usize,
    /// A copy of the waker in the slot, to compare without the lock.
    registered: Option<Waker>,
}

impl ConnectionGuard {
    /// Whether the connection must shut down gracefully; `cx`'s waker is
    /// the one woken when it must (rule 1).
    pub(crate) fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> bool {
        let current = cx.waker();
        if !self
            .registered
            .as_ref()
            .is_some_and(|old| old.will_wake(current))
        {
            // Cloned, and the old one dropped, outside the lock.
            let waker = current.clone();
            let mut inner = self.tracker.lock();
            let old = std::mem::replace(&mut inner.slots[self.key], Slot::Used(Some(waker)));
            drop(inner);
            drop(old);
            self.registered = Some(current.clone());
        }
        self.tracker.is_shutdown()
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let (accept, registered) = {
            let mut inner = self.tracker.lock();
            let free = Slot::Free(inner.free);
            let registered = std::mem::replace(&mut inner.slots[self.key], free);
            inner.free = Some(self.key);
            inner.open -= 1;
            (inner.accept.take(), registered)
        };
        // Dropped and woken outside the lock.
        drop(registered);
        if let Some(waker) = accept {
            waker.wake();
        }
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::{RawWaker, RawWakerVTable, Wake};

    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (std::sync::Arc<Count>, Waker) {
        let count = std::sync::Arc::new(Count::default());
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn shutdown_wakes_every_registered_connection_once() {
        let tracker = Tracker::new();
        let (counts, mut guards): (Vec<_>, Vec<_>) = (0..3)
            .map(|_| {
                let (count, waker) = waker();
                let mut guard = Tracker::open(&tracker);
                assert!(!guard.poll_shutdown(&mut Context::from_waker(&waker)));
                // A second poll with the same waker stays off the lock.
                assert!(!guard.poll_shutdown(&mut Context::from_waker(&waker)));
                (count, (guard, waker))
            })
            .unzip();
        assert_eq!(tracker.open_count(), 3);
        tracker.shutdown();
        for count in &counts {
            assert_eq!(count.0.load(Ordering::SeqCst), 1);
        }
        for (guard, waker) in &mut guards {
            assert!(guard.poll_shutdown(&mut Context::from_waker(waker)));
        }
        drop(guards);
        assert_eq!(tracker.open_count(), 0);
    }

    #[test]
    fn a_changed_waker_is_the_one_woken() {
        let tracker = Tracker::new();
        let mut guard = Tracker::open(&tracker);
        let (first, first_waker) = waker();
        let (second, second_waker) = waker();
        guard.poll_shutdown(&mut Context::from_waker(&first_waker));
        guard.poll_shutdown(&mut Context::from_waker(&second_waker));
        tracker.shutdown();
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
    }

    /// A waker that notes each clone, drop or wake made while the
    /// tracker's lock is held (user code under the lock).
    /// Weak: the tracker drops the wakers it still holds when it goes,
    /// and the probes outlive it (they are freed last).
    struct Probe {
        tracker: std::sync::Weak<Tracker>,
        under_lock: AtomicUsize,
    }

    impl Probe {
        fn check(&self) {
            let Some(tracker) = self.tracker.upgrade() else {
                return;
            };
            if matches!(
                tracker.inner.try_lock(),
                Err(std::sync::TryLockError::WouldBlock)
            ) {
                self.under_lock.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    fn probe_vtable() -> &'static RawWakerVTable {
        unsafe fn clone(data: *const ()) -> RawWaker {
            // SAFETY: `data` is the `&'static Probe` the waker was made of.
            let probe = unsafe { &*data.cast::<Probe>() };
            probe.check();
            RawWaker::new(data, probe_vtable())
        }
        unsafe fn touch(data: *const ()) {
            // SAFETY: as in `clone`.
            let probe = unsafe { &*data.cast::<Probe>() };
            probe.check();
        }
        static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, touch, touch, touch);
        &VTABLE
    }

    /// # Safety
    ///
    /// Every clone of the waker is gone before `probe` is freed.
    unsafe fn probe_waker(probe: &Probe) -> Waker {
        let raw = RawWaker::new(std::ptr::from_ref(probe).cast(), probe_vtable());
        // SAFETY: the vtable's functions take the `Probe` they are given,
        // alive as long as the waker (caller), and honour `RawWaker`'s
        // contract (clone makes an equal waker, the others only read it).
        unsafe { Waker::from_raw(raw) }
    }

    #[test]
    fn no_waker_is_cloned_dropped_or_woken_under_the_lock() {
        let tracker = Tracker::new();
        // Declared before every waker, so dropped after them all.
        let probe = Probe {
            tracker: Arc::downgrade(&tracker),
            under_lock: AtomicUsize::new(0),
        };
        let other = Probe {
            tracker: Arc::downgrade(&tracker),
            under_lock: AtomicUsize::new(0),
        };
        // SAFETY: the probes outlive the wakers: the wakers and every clone
        // (held by `tracker`, dropped explicitly below) go first.
        let (waker, other_waker) = unsafe { (probe_waker(&probe), probe_waker(&other)) };
        let mut cx = Context::from_waker(&waker);
        let mut other_cx = Context::from_waker(&other_waker);
        // Connections: registered, replaced, closed.
        let mut a = Tracker::open(&tracker);
        let mut b = Tracker::open(&tracker);
        a.poll_shutdown(&mut cx);
        a.poll_shutdown(&mut other_cx);
        b.poll_shutdown(&mut cx);
        drop(a);
        // The accept loop: registered, replaced, woken by a close.
        assert!(tracker.poll_below(&mut cx, 1).is_pending());
        assert!(tracker.poll_below(&mut other_cx, 1).is_pending());
        drop(b);
        // Shutdown wakes registered connections.
        let mut c = Tracker::open(&tracker);
        c.poll_shutdown(&mut cx);
        tracker.shutdown();
        drop(c);
        let seen =
            probe.under_lock.load(Ordering::SeqCst) + other.under_lock.load(Ordering::SeqCst);
        assert_eq!(seen, 0, "wakers touched under the tracker's lock");
        // The tracker (and the wakers it still holds) before the probes.
        drop(tracker);
    }

    #[test]
    fn the_accept_loop_waits_for_room_and_for_the_drain() {
        let tracker = Tracker::new();
        let (accept, accept_waker) = waker();
        let mut cx = Context::from_waker(&accept_waker);
        let a = Tracker::open(&tracker);
        let b = Tracker::open(&tracker);
        assert!(tracker.poll_below(&mut cx, 3).is_ready());
        assert!(tracker.poll_below(&mut cx, 2).is_pending());
        drop(a);
        assert_eq!(accept.0.load(Ordering::SeqCst), 1, "a close wakes it");
        assert!(tracker.poll_below(&mut cx, 2).is_ready());
        // Slots are reused.
        let c = Tracker::open(&tracker);
        assert_eq!(c.key, 0);
        assert!(tracker.poll_drained(&mut cx).is_pending());
        drop((b, c));
        assert!(tracker.poll_drained(&mut cx).is_ready());
        assert_eq!(tracker.lock().slots.len(), 2);
    }
}

#[cfg(all(test, weft_loom))]
mod loom_tests {
    use super::*;
    use std::task::Wake;

    struct Flag(loom::sync::atomic::AtomicBool);

    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    fn flag() -> (std::sync::Arc<Flag>, Waker) {
        let flag = std::sync::Arc::new(Flag(loom::sync::atomic::AtomicBool::new(false)));
        (flag.clone(), Waker::from(flag))
    }

    /// Rule 2: a connection registering while the shutdown runs either
    /// sees the flag or is woken.
    #[test]
    fn loom_tracker_shutdown_reaches_a_registering_connection() {
        loom::model(|| {
            let tracker = Tracker::new();
            let mut guard = Tracker::open(&tracker);
            let stopper = {
                let tracker = tracker.clone();
                loom::thread::spawn(move || tracker.shutdown())
            };
            let (woken, waker) = flag();
            let seen = guard.poll_shutdown(&mut Context::from_waker(&waker));
            stopper.join().unwrap();
            assert!(
                seen || woken.0.load(Ordering::SeqCst),
                "the connection missed the shutdown"
            );
            assert!(guard.poll_shutdown(&mut Context::from_waker(&waker)));
        });
    }

    /// Rule 3: the accept loop waiting for the drain while the last
    /// connection closes is ready or woken.
    #[test]
    fn loom_tracker_drain_sees_a_racing_close() {
        loom::model(|| {
            let tracker = Tracker::new();
            let guard = Tracker::open(&tracker);
            let closer = loom::thread::spawn(move || drop(guard));
            let (woken, waker) = flag();
            let ready = tracker
                .poll_drained(&mut Context::from_waker(&waker))
                .is_ready();
            closer.join().unwrap();
            assert!(
                ready || woken.0.load(Ordering::SeqCst),
                "the accept loop missed the close"
            );
            assert!(tracker
                .poll_drained(&mut Context::from_waker(&waker))
                .is_ready());
        });
    }
}

//! The process-wide signal registry: one [`Slot`] per signal number, the
//! self-pipe, and the broadcast that turns recorded deliveries into wakes.
//!
//! # Design note
//!
//! This is the *self-pipe trick* (D. J. Bernstein's description of it,
//! the design tokio and signal-hook use too): a signal handler may only
//! call async-signal-safe functions, so it cannot take a lock or wake a
//! task. It sets a flag and writes one byte to a non-blocking socket; the
//! other end is registered with the I/O driver of every runtime that has
//! a listener, and the task reading it (the *pump*, `pump.rs`) does the
//! rest outside signal context.
//!
//! State per signal ([`Slot`]):
//!
//! * `pending` (`AtomicBool`): written by the handler, taken by the pump;
//! * `listeners` (`Mutex`): a `version` counter bumped once per broadcast
//!   delivery, and the wakers of the listeners waiting for the next one.
//!   Each listener remembers the last version it returned.
//!
//! Protocol rules:
//!
//! 1. The handler stores `pending = true` **before** writing its byte.
//! 2. The pump reads bytes, then swaps each slot's `pending` to `false`;
//!    a slot it found `true` gets one delivery: `version += 1` and every
//!    stored waker is taken, both under the slot's lock; the wakers are
//!    woken after the lock is released. Deliveries
//!    recorded between two broadcasts therefore coalesce into one.
//! 3. A listener compares its version with the slot's under the lock; if
//!    they are equal it stores its waker (still under the lock; cloned
//!    beforehand, and a replaced one dropped after, since wakers are user
//!    code) and waits.
//!    By rule 2 a broadcast either happened before (the listener sees the
//!    new version) or happens after (it takes the stored waker): no lost
//!    wake-up.
//! 4. A handler run that races with a pump's swap is never lost: if the swap
//!    saw the old `false`, the handler's byte (rule 1: written after its
//!    store) is still unread, or arrives later, and wakes the pump again; a
//!    byte with nothing pending behind it is a harmless spurious broadcast.
//! 5. A new listener starts at the current version, so it does not see a
//!    delivery already broadcast, only ones recorded after (or still
//!    pending in the pipe when) it was created, as tokio's watch-based
//!    listeners do.
//!
//! A full pipe makes the handler's write fail with `EAGAIN`; that is
//! harmless, as unread bytes already guarantee a broadcast (rule 4).

use crate::loom::{AtomicBool, Mutex, Ordering::*};
use crate::sys::{max_signal, Disposition};
use std::io;
use std::os::unix::net::UnixStream;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

/// One signal number's state.
pub(crate) struct Slot {
    /// Set by the handler, taken by the pump (rules 1, 2).
    pending: AtomicBool,
    listeners: Mutex<Listeners>,
    /// The outcome of installing the handler, once (`Err`: the OS error's
    /// kind and message).
    pub(super) installed: OnceLock<Result<(), (io::ErrorKind, String)>>,
    /// The disposition found before ours, chained by the handler.
    pub(super) previous: OnceLock<Disposition>,
}

/// A slot's lock-protected part.
struct Listeners {
    /// Deliveries broadcast so far.
    version: u64,
    /// Ids handed to listeners, so each finds its waker again.
    next_id: u64,
    /// Listeners waiting for the version after `version`.
    waiting: Vec<(u64, Waker)>,
}

/// A listener's view of its slot: its id and the last version it saw.
#[derive(Debug)]
pub(crate) struct Subscription {
    id: u64,
    seen: u64,
}

impl Slot {
    pub(crate) fn new() -> Slot {
        Slot {
            pending: AtomicBool::new(false),
            listeners: Mutex::new(Listeners {
                version: 0,
                next_id: 0,
                waiting: Vec::new(),
            }),
            installed: OnceLock::new(),
            previous: OnceLock::new(),
        }
    }

    /// Records a delivery (the handler's half of rule 1). Async-signal-safe:
    /// one atomic store.
    pub(crate) fn record(&self) {
        // Release: pairs with the AcqRel swap in `broadcast` (rule 1: the
        // store is ordered before the handler's pipe write).
        self.pending.store(true, Release);
    }

    /// Rule 2 for this slot: one delivery if one was recorded.
    pub(crate) fn broadcast(&self) -> bool {
        // AcqRel: pairs with the Release store in `record`.
        if !self.pending.swap(false, AcqRel) {
            return false;
        }
        let wakers = {
            let mut listeners = self.listeners.lock().unwrap();
            listeners.version += 1;
            std::mem::take(&mut listeners.waiting)
        };
        for (_, waker) in wakers {
            waker.wake();
        }
        true
    }

    /// A new listener, starting at the current version (rule 5).
    pub(crate) fn subscribe(&self) -> Subscription {
        let mut listeners = self.listeners.lock().unwrap();
        let id = listeners.next_id;
        listeners.next_id += 1;
        Subscription {
            id,
            seen: listeners.version,
        }
    }

    /// Rule 3: `Ready` once per version change, else waits.
    ///
    /// Wakers are cloned and dropped with the lock released (a waker is
    /// user code and may reach this slot again): a waker to store is cloned
    /// first and the version looked at once more with it in hand.
    pub(crate) fn poll_recv(&self, sub: &mut Subscription, cx: &mut Context<'_>) -> Poll<()> {
        let mut new_waker: Option<Waker> = None;
        loop {
            let mut listeners = self.listeners.lock().unwrap();
            if listeners.version != sub.seen {
                sub.seen = listeners.version;
                return Poll::Ready(());
            }
            let stored = listeners.waiting.iter_mut().find(|(id, _)| *id == sub.id);
            if let Some((_, waker)) = &stored {
                if waker.will_wake(cx.waker()) {
                    return Poll::Pending;
                }
            }
            let Some(waker) = new_waker.take() else {
                drop(listeners);
                new_waker = Some(cx.waker().clone());
                continue;
            };
            let replaced = match stored {
                Some((_, slot)) => Some(std::mem::replace(slot, waker)),
                None => {
                    listeners.waiting.push((sub.id, waker));
                    None
                }
            };
            drop(listeners);
            drop(replaced);
            return Poll::Pending;
        }
    }

    /// Forgets a dropped listener's waker (dropped after the lock).
    pub(crate) fn unsubscribe(&self, sub: &Subscription) {
        let removed = {
            let mut listeners = self.listeners.lock().unwrap();
            let index = listeners.waiting.iter().position(|(id, _)| *id == sub.id);
            index.map(|index| listeners.waiting.swap_remove(index))
        };
        drop(removed);
    }

    /// Listeners waiting right now (tests).
    #[cfg(all(test, not(weft_loom)))]
    fn waiting(&self) -> usize {
        self.listeners.lock().unwrap().waiting.len()
    }
}

/// Every slot, plus the self-pipe.
pub(crate) struct Registry {
    slots: Box<[Slot]>,
    /// The handler writes here (non-blocking).
    sender: UnixStream,
    /// Each runtime's pump reads a duplicate of this (non-blocking).
    receiver: UnixStream,
    /// Ids of the I/O drivers that run a pump (`pump.rs`).
    pub(super) pumps: Mutex<Vec<usize>>,
}

static REGISTRY: OnceLock<Registry> = OnceLock::new();

impl Registry {
    /// The registry, created on first use.
    ///
    /// # Errors
    ///
    /// Creating the self-pipe failed (e.g. `EMFILE`); a later call tries
    /// again.
    pub(crate) fn get() -> io::Result<&'static Registry> {
        if let Some(registry) = REGISTRY.get() {
            return Ok(registry);
        }
        // Build outside `get_or_init` (which cannot fail); if another
        // thread wins the race, this candidate is dropped and its sockets
        // closed.
        let candidate = Registry::new()?;
        Ok(REGISTRY.get_or_init(|| candidate))
    }

    /// The registry if it exists; what the signal handler uses (a plain
    /// atomic load, async-signal-safe).
    pub(super) fn existing() -> Option<&'static Registry> {
        REGISTRY.get()
    }

    fn new() -> io::Result<Registry> {
        let (sender, receiver) = UnixStream::pair().map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("weft::signal: cannot create the signal self-pipe: {err}"),
            )
        })?;
        sender.set_nonblocking(true)?;
        receiver.set_nonblocking(true)?;
        let slots = (0..=max_signal()).map(|_| Slot::new()).collect();
        Ok(Registry {
            slots,
            sender,
            receiver,
            pumps: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn slot(&self, signum: libc::c_int) -> Option<&Slot> {
        usize::try_from(signum).ok().and_then(|i| self.slots.get(i))
    }

    pub(super) fn sender(&self) -> &UnixStream {
        &self.sender
    }

    pub(super) fn receiver(&self) -> &UnixStream {
        &self.receiver
    }

    /// Rule 2 over every slot.
    pub(crate) fn broadcast(&self) {
        for slot in self.slots.iter() {
            slot.broadcast();
        }
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    #[derive(Default)]
    struct CountWakes(AtomicUsize);

    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    /// A waker whose `Drop` (or clone) subscribes to the slot it waits on.
    struct Reentrant(Arc<Slot>);

    impl Wake for Reentrant {
        fn wake(self: Arc<Self>) {}
    }

    impl Drop for Reentrant {
        fn drop(&mut self) {
            let _ = self.0.subscribe();
        }
    }

    #[test]
    fn wakers_are_replaced_and_forgotten_outside_the_lock() {
        let slot = Arc::new(Slot::new());
        let mut sub = slot.subscribe();
        {
            let waker = Waker::from(Arc::new(Reentrant(slot.clone())));
            let mut cx = Context::from_waker(&waker);
            assert!(slot.poll_recv(&mut sub, &mut cx).is_pending());
        }
        // Replacing the stored waker drops it: it subscribes, which takes
        // the lock (a deadlock if still held).
        let mut cx = Context::from_waker(Waker::noop());
        assert!(slot.poll_recv(&mut sub, &mut cx).is_pending());
        {
            let waker = Waker::from(Arc::new(Reentrant(slot.clone())));
            let mut cx = Context::from_waker(&waker);
            assert!(slot.poll_recv(&mut sub, &mut cx).is_pending());
        }
        slot.unsubscribe(&sub);
        assert_eq!(slot.waiting(), 0);
    }

    #[test]
    fn deliveries_coalesce_and_reach_every_listener() {
        let slot = Slot::new();
        let mut first = slot.subscribe();
        let mut second = slot.subscribe();
        let wakes = Arc::new(CountWakes::default());
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(slot.poll_recv(&mut first, &mut cx).is_pending());
        assert!(slot.poll_recv(&mut second, &mut cx).is_pending());
        assert!(slot.poll_recv(&mut second, &mut cx).is_pending());
        assert_eq!(slot.waiting(), 2, "a re-poll replaces the waker");

        slot.record();
        slot.record();
        slot.record();
        assert!(slot.broadcast());
        assert!(!slot.broadcast(), "three records, one delivery");
        assert_eq!(wakes.0.load(SeqCst), 2);
        assert!(slot.poll_recv(&mut first, &mut cx).is_ready());
        assert!(slot.poll_recv(&mut first, &mut cx).is_pending());
        assert!(slot.poll_recv(&mut second, &mut cx).is_ready());
        assert!(slot.poll_recv(&mut second, &mut cx).is_pending());
    }

    #[test]
    fn a_late_listener_misses_earlier_deliveries() {
        let slot = Slot::new();
        slot.record();
        slot.broadcast();
        let mut late = slot.subscribe();
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(slot.poll_recv(&mut late, &mut cx).is_pending());
        // Recorded but not yet broadcast: the late listener does see it.
        slot.record();
        let mut later = slot.subscribe();
        slot.broadcast();
        assert!(slot.poll_recv(&mut late, &mut cx).is_ready());
        assert!(slot.poll_recv(&mut later, &mut cx).is_ready());
    }

    #[test]
    fn unsubscribe_forgets_the_waker() {
        let slot = Slot::new();
        let mut sub = slot.subscribe();
        let wakes = Arc::new(CountWakes::default());
        let waker = Waker::from(wakes.clone());
        assert!(slot
            .poll_recv(&mut sub, &mut Context::from_waker(&waker))
            .is_pending());
        slot.unsubscribe(&sub);
        assert_eq!(slot.waiting(), 0);
        slot.record();
        slot.broadcast();
        assert_eq!(wakes.0.load(SeqCst), 0, "a dropped listener is not woken");
    }
}

#[cfg(all(test, weft_loom))]
mod loom_tests {
    use super::*;
    use crate::loom::{Arc, AtomicUsize};
    use std::task::Wake;

    struct Flag(loom::sync::atomic::AtomicBool);

    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, SeqCst);
        }
    }

    /// Handler, pump and a listener race: the delivery is never lost.
    /// The pipe is modeled by a byte counter written after `record`
    /// (rule 1) and drained before `broadcast` (rule 2).
    #[test]
    fn loom_signal_delivery_reaches_a_racing_listener() {
        loom::model(|| {
            let slot = Arc::new(Slot::new());
            let pipe = Arc::new(AtomicUsize::new(0));
            let mut sub = slot.subscribe();

            let handler = {
                let (slot, pipe) = (slot.clone(), pipe.clone());
                loom::thread::spawn(move || {
                    slot.record();
                    // SeqCst: a write(2) to the pipe, a full barrier.
                    pipe.fetch_add(1, SeqCst);
                })
            };
            let pump = {
                let (slot, pipe) = (slot.clone(), pipe.clone());
                loom::thread::spawn(move || loop {
                    // SeqCst: a read(2) from the pipe.
                    if pipe.swap(0, SeqCst) > 0 && slot.broadcast() {
                        return;
                    }
                    crate::loom::spin_loop();
                })
            };

            let flag = std::sync::Arc::new(Flag(loom::sync::atomic::AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            let ready = slot
                .poll_recv(&mut sub, &mut Context::from_waker(&waker))
                .is_ready();
            handler.join().unwrap();
            pump.join().unwrap();
            assert!(
                ready || flag.0.load(SeqCst),
                "a pending listener was woken by the delivery"
            );
            let again = slot.poll_recv(&mut sub, &mut Context::from_waker(&waker));
            assert_eq!(again.is_ready(), !ready, "exactly one delivery seen");
        });
    }
}

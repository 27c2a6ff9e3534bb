//! Loom models of `weft::sync`: the waiter list discipline, the batch
//! semaphore (acquire/release/cancel/close), `Notify`, and (below, as they
//! land) the channels.
//!
//! Run with `scripts/loom.sh sync` (every model's name contains `loom`
//! through this module's path). Each model checks that no wake-up is lost
//! (loom reports a deadlock when a `block_on` would sleep forever), that no
//! permit is lost or duplicated (the final counts), and that the accesses to
//! the nodes' cells are ordered (loom's `UnsafeCell` tracking).

use super::batch_semaphore::Semaphore;
use super::util::linked_list::{link_field, LinkedList, Pointers};
use super::Notify;
use crate::loom::{Arc, AtomicUsize, Mutex, Ordering::Relaxed, UnsafeCell};
use loom::thread;
use std::future::Future;
use std::pin::pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// Runs `f` under loom with a preemption bound (`LOOM_MAX_PREEMPTIONS`, or
/// 3 by default so an unconfigured `cargo test` stays fast).
pub(super) fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

/// Like [`model`], with the preemption bound capped at `cap` for models
/// whose state space explodes beyond it (several blocking threads around a
/// one-slot channel); `scripts/loom.sh` would otherwise run them at 5.
pub(super) fn model_capped<F: Fn() + Sync + Send + 'static>(cap: usize, f: F) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(builder.preemption_bound.unwrap_or(cap).min(cap));
    builder.check(f);
}

/// Wakes a `block_on` through a loom `Notify` (so loom sees the wake-up).
struct LoomWaker(loom::sync::Notify);

impl std::task::Wake for LoomWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.notify();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.notify();
    }
}

/// Drives `f` on this model thread; a lost wake-up is a loom deadlock.
pub(super) fn block_on<F: Future>(f: F) -> F::Output {
    let notify = std::sync::Arc::new(LoomWaker(loom::sync::Notify::new()));
    let waker = Waker::from(notify.clone());
    let mut cx = Context::from_waker(&waker);
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(output) = f.as_mut().poll(&mut cx) {
            return output;
        }
        notify.0.wait();
    }
}

/// Polls once with a no-op waker.
fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

/// Spawns a model thread that runs `f` on a clone of `shared`; joining it
/// gives `f`'s result.
fn spawn_with<S, R, F>(shared: &S, f: F) -> thread::JoinHandle<R>
where
    S: Clone + Send + 'static,
    R: Send + 'static,
    F: FnOnce(S) -> R + Send + 'static,
{
    let shared = shared.clone();
    thread::spawn(move || f(shared))
}

/// Runs `there` on `value` (a clone of what both threads share, or a half
/// of a channel) in a second model thread while this thread runs `here`,
/// then joins it: both results.
fn race<S, A, B>(
    value: S,
    there: impl FnOnce(S) -> B + Send + 'static,
    here: impl FnOnce() -> A,
) -> (A, B)
where
    S: Send + 'static,
    B: Send + 'static,
{
    let th = thread::spawn(move || there(value));
    let a = here();
    (a, th.join().unwrap())
}

/// Runs `f` under loom on a semaphore with `initial` permits; every
/// execution must end with `expected` permits available (none lost or
/// duplicated).
fn semaphore_model<F>(initial: usize, expected: usize, f: F)
where
    F: Fn(&Arc<Semaphore>) + Sync + Send + 'static,
{
    model(move || {
        let s = Arc::new(Semaphore::new(initial));
        f(&s);
        assert_eq!(s.available_permits(), expected);
    });
}

/// Polls an acquisition of `n` permits once, then drops it: permits it got
/// at once are given back; a queued one (maybe partly served, maybe just
/// granted) gives back what it was assigned when dropped.
fn acquire_then_cancel(s: &Semaphore, n: usize) {
    let mut acquire = pin!(s.acquire(n));
    if let Poll::Ready(result) = poll_once(acquire.as_mut()) {
        result.unwrap();
        s.release(n);
    }
}

#[test]
fn semaphore_two_acquirers_one_permit() {
    semaphore_model(1, 1, |s| {
        let acquire_release = |s: &Semaphore| {
            block_on(s.acquire(1)).unwrap();
            s.release(1);
        };
        race(
            s.clone(),
            move |s| acquire_release(&s),
            || acquire_release(s),
        );
    });
}

#[test]
fn semaphore_batch_acquire_served_by_two_releasers() {
    semaphore_model(0, 2, |s| {
        let releasers: Vec<_> = (0..2).map(|_| spawn_with(s, |s| s.release(1))).collect();
        block_on(s.acquire(2)).unwrap();
        for r in releasers {
            r.join().unwrap();
        }
        assert_eq!(s.available_permits(), 0);
        s.release(2);
    });
}

#[test]
fn semaphore_cancelled_acquire_never_loses_a_permit() {
    semaphore_model(0, 2, |s| {
        race(
            s.clone(),
            |s| acquire_then_cancel(&s, 2),
            || {
                s.release(1);
                s.release(1);
            },
        );
    });
}

/// A queued waiter is cancelled while a release assigns it the permit: the
/// permit reaches the other waiter (which would otherwise block forever, a
/// loom deadlock), and none is lost or duplicated.
#[test]
fn semaphore_cancel_races_release_with_a_second_waiter() {
    semaphore_model(0, 1, |s| {
        let cancelled = spawn_with(s, |s| acquire_then_cancel(&s, 1));
        let releaser = spawn_with(s, |s| s.release(1));
        block_on(s.acquire(1)).unwrap();
        cancelled.join().unwrap();
        releaser.join().unwrap();
        assert_eq!(s.available_permits(), 0, "we hold the only permit");
        s.release(1);
    });
}

/// The mutex is handed over between two threads; the data written under
/// the lock is seen by the next holder (the final count: a lost update or
/// a lost wake-up fails the model).
#[test]
fn mutex_handoff_publishes_writes() {
    model(|| {
        let m = Arc::new(crate::sync::Mutex::new(0usize));
        race(
            m.clone(),
            |m| *block_on(m.lock()) += 1,
            || *block_on(m.lock()) += 1,
        );
        assert_eq!(*block_on(m.lock()), 2);
    });
}

#[test]
fn semaphore_close_races_a_waiter() {
    semaphore_model(0, 1, |s| {
        let waiter = |s: Arc<Semaphore>| {
            // Either closed, or served by the release below.
            if block_on(s.acquire(1)).is_ok() {
                s.release(1);
            }
        };
        race(s.clone(), waiter, || {
            s.release(1);
            s.close();
        });
        assert!(s.is_closed());
    });
}

#[test]
fn notify_one_races_a_waiter() {
    model(|| {
        let n = Arc::new(Notify::new());
        race(n.clone(), |n| n.notify_one(), || block_on(n.notified()));
    });
}

/// The owned future (`notified_owned`) runs the same protocol through its
/// `Arc`: a `notify_one` racing its first poll is never lost.
#[test]
fn notify_one_races_an_owned_waiter() {
    model(|| {
        // The public API takes std's `Arc`; the protocol's atomics and lock
        // inside `Notify` are loom's.
        let n = std::sync::Arc::new(Notify::new());
        let owned = n.clone().notified_owned();
        let notifier = thread::spawn(move || n.notify_one());
        block_on(owned);
        notifier.join().unwrap();
    });
}

/// `notify_one` then `notify_waiters` race two waiters whose futures were
/// created first: both end (whichever the first call woke, or whether it
/// only stored a permit), and at most the permit remains.
#[test]
fn notify_one_then_waiters_two_waiters() {
    model(|| {
        let n = Arc::new(Notify::new());
        let mine = n.notified();
        let waiter = |n: Arc<Notify>| {
            let theirs = n.notified();
            // Both futures exist before the notifier starts.
            let notifier = |n: Arc<Notify>| {
                n.notify_one();
                n.notify_waiters();
            };
            race(n.clone(), notifier, || block_on(theirs));
        };
        race(n.clone(), waiter, || block_on(mine));
    });
}

#[test]
fn notify_waiters_covers_an_earlier_future() {
    model(|| {
        let n = Arc::new(Notify::new());
        let notified = n.notified();
        // Created before the call: completes whether polled before or after.
        race(n.clone(), |n| n.notify_waiters(), || block_on(notified));
    });
}

#[test]
fn notify_cancelled_waiter_forwards_the_notification() {
    model(|| {
        let n = Arc::new(Notify::new());
        let cancelled = |n: Arc<Notify>| {
            let mut first = pin!(n.notified());
            // Registered (then maybe chosen by notify_one), or took the
            // permit; then cancelled. Returns whether it consumed it.
            poll_once(first.as_mut()).is_ready()
        };
        let ((), consumed) = race(n.clone(), cancelled, || n.notify_one());
        // The notification was consumed by the first future, or survives as
        // the permit (forwarded by the cancelled future, or never taken).
        let mut second = pin!(n.notified());
        assert_eq!(poll_once(second.as_mut()).is_ready(), !consumed);
    });
}

/// A list node for the list model: a value in a loom cell (so unordered
/// accesses are reported) and the links.
struct Node {
    value: UnsafeCell<usize>,
    pointers: Pointers<Node>,
}

// SAFETY: `pointers` returns the node's own field; the model pins its
// nodes for as long as they are listed.
link_field!(unsafe impl Link for Node { pointers });

/// The list behind a loom mutex, its nodes' addresses as integers (the
/// model's threads share them).
struct Shared(Mutex<LinkedList<Node>>);
// SAFETY: the list is only touched under the mutex; nodes outlive it.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

/// Two threads push their own pinned node and then either remove it (as a
/// dropped future does) or find it popped by the main thread (as a
/// notifier does): the list ends empty, each node is unlinked exactly once,
/// and the value written before the push is seen by the popper.
#[test]
fn waiter_list_push_remove_pop() {
    model(|| {
        let list = Arc::new(Shared(Mutex::new(LinkedList::new())));
        let popped = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (1..=2)
            .map(|i| {
                let (list, popped) = (list.clone(), popped.clone());
                thread::spawn(move || {
                    let node = Box::pin(Node {
                        value: UnsafeCell::new(0),
                        pointers: Pointers::new(),
                    });
                    // SAFETY: not yet shared.
                    node.value.with_mut(|p| unsafe { *p = i });
                    let ptr = NonNull::from(&*node);
                    // SAFETY: pinned, unlinked, removed below before drop.
                    unsafe { list.0.lock().unwrap().push_back(ptr) };
                    thread::yield_now();
                    let mut guard = list.0.lock().unwrap();
                    // SAFETY: live; in this list or in none.
                    let removed = unsafe { guard.remove(ptr) };
                    drop(guard);
                    if !removed {
                        // Popped by the main thread: it counted us.
                        assert_ne!(popped.load(Relaxed) & (1 << i), 0);
                    }
                    drop(node);
                })
            })
            .collect();
        let mut guard = list.0.lock().unwrap();
        if let Some(node) = guard.pop_front() {
            // SAFETY: it was linked, so its owner is blocked on this lock
            // before it can free it; the value was written before the push.
            let value = unsafe { node.as_ref() }.value.with(|p| unsafe { *p });
            popped.fetch_or(1 << value, Relaxed);
        }
        drop(guard);
        for t in threads {
            t.join().unwrap();
        }
        assert!(list.0.lock().unwrap().is_empty());
    });
}

mod oneshot_models {
    use super::{block_on, model, poll_once, race};
    use crate::sync::oneshot;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    #[test]
    fn oneshot_send_races_recv() {
        model(|| {
            let (tx, rx) = oneshot::channel();
            let (received, ()) = race(tx, |tx| tx.send(7).unwrap(), || block_on(rx));
            assert_eq!(received, Ok(7));
        });
    }

    #[test]
    fn oneshot_sender_drop_races_recv() {
        model(|| {
            let (tx, rx) = oneshot::channel::<u8>();
            let (received, ()) = race(tx, drop, || block_on(rx));
            assert!(received.is_err());
        });
    }

    /// The receiver closes while the value is sent: the value ends up in
    /// exactly one place (received, or given back to the sender).
    #[test]
    fn oneshot_close_races_send() {
        model(|| {
            let (tx, mut rx) = oneshot::channel();
            let ((), returned) = race(tx, |tx| tx.send(1).is_err(), || rx.close());
            let received = rx.try_recv().is_ok();
            assert!(received != returned, "exactly one owner");
        });
    }

    /// The receiver replaces its waker while the sender completes: the
    /// latest waker is woken (or the value is seen directly).
    #[test]
    fn oneshot_waker_replacement_races_send() {
        model(|| {
            let (tx, mut rx) = oneshot::channel();
            race(
                tx,
                |tx| tx.send(()).unwrap(),
                || {
                    let mut first = Context::from_waker(Waker::noop());
                    if pin!(&mut rx).poll(&mut first).is_pending() {
                        // Now wait with a real waker: must not sleep forever.
                        assert_eq!(block_on(&mut rx), Ok(()));
                    }
                },
            );
        });
    }

    #[test]
    fn oneshot_closed_races_receiver_drop() {
        model(|| {
            let (mut tx, rx) = oneshot::channel::<()>();
            race(rx, drop, || block_on(tx.closed()));
            assert!(tx.is_closed());
        });
    }

    #[test]
    fn oneshot_closed_waker_replacement_races_close() {
        model(|| {
            let (mut tx, rx) = oneshot::channel::<()>();
            race(
                rx,
                |mut rx| rx.close(),
                || {
                    let first = poll_once(pin!(tx.closed()));
                    if first == Poll::Pending {
                        block_on(tx.closed());
                    }
                },
            );
        });
    }
}

mod mpsc_models {
    use super::{block_on, model, model_capped, race, spawn_with};
    use crate::sync::mpsc;
    use std::ops::Range;

    /// Sends each of `ids` from a model thread of its own (through clones
    /// of `tx`, which is dropped here), then receives until the channel is
    /// finished: each of `0..N` (the values sent before included) arrives
    /// exactly once, and every sender returns.
    fn send_from_threads<const N: usize>(
        tx: mpsc::Sender<usize>,
        mut rx: mpsc::Receiver<usize>,
        ids: Range<usize>,
    ) {
        let senders: Vec<_> = ids
            .map(|i| spawn_with(&tx, move |tx| block_on(tx.send(i)).unwrap()))
            .collect();
        drop(tx);
        let mut got = [false; N];
        while let Some(i) = block_on(rx.recv()) {
            assert!(!got[i], "delivered twice");
            got[i] = true;
        }
        assert_eq!(got, [true; N]);
        for sender in senders {
            sender.join().unwrap();
        }
    }

    /// Two producers into a capacity-1 channel: one waits for the slot the
    /// receiver frees; both messages arrive, then `None`.
    #[test]
    fn mpsc_bounded_two_producers_capacity_one() {
        model_capped(3, || {
            let (tx, rx) = mpsc::channel(1);
            send_from_threads::<2>(tx, rx, 0..2);
        });
    }

    /// The last sender's drop races the receiver's wait: no lost wake-up,
    /// and the message sent before the drop is received first.
    #[test]
    fn mpsc_unbounded_sender_drop_races_recv() {
        model(|| {
            let (tx, mut rx) = mpsc::unbounded_channel();
            race(
                tx,
                |tx| tx.send(1).unwrap(),
                || {
                    assert_eq!(block_on(rx.recv()), Some(1));
                    assert_eq!(block_on(rx.recv()), None);
                },
            );
        });
    }

    /// The receiver closes while a message is sent: the message is either
    /// received or given back, never both or neither.
    #[test]
    fn mpsc_close_races_send() {
        model(|| {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let (received, returned) = race(
                tx,
                |tx| tx.send(5).is_err(),
                || {
                    rx.close();
                    block_on(rx.recv()).is_some()
                },
            );
            assert!(received != returned);
        });
    }

    /// The slot the receiver freed sits in its pool (batch_semaphore rule
    /// 6) when a sender that needs it harvests it while the receiver
    /// closes and counts the slots (chan rule 5): the receiver must not
    /// miss the harvest (a lost wake-up is a deadlock, since a clone of the
    /// sender stays alive) and the message is received iff it was sent.
    #[test]
    fn mpsc_bounded_harvest_races_close() {
        model(|| {
            let (tx, mut rx) = mpsc::channel(1);
            tx.try_send(0).unwrap();
            assert_eq!(rx.try_recv(), Ok(0));
            let keep = tx.clone();
            let (got, sent) = race(
                tx,
                |tx| block_on(tx.send(1)).is_ok(),
                || {
                    rx.close();
                    block_on(rx.recv())
                },
            );
            assert_eq!(got.is_some(), sent);
            assert_eq!(block_on(rx.recv()), None);
            drop(keep);
        });
    }

    /// Two senders queue behind a full one-slot channel while the receiver
    /// frees slots through its pool: the pool switches to eager mode when
    /// one queues and back when the queue empties (batch_semaphore rule 6);
    /// a sender queueing just as the receiver leaves eager mode is still
    /// served (else a deadlock), and every message arrives once.
    #[test]
    fn mpsc_bounded_eager_exit_races_queueing_sender() {
        model_capped(2, || {
            let (tx, rx) = mpsc::channel(1);
            tx.try_send(0).unwrap();
            send_from_threads::<3>(tx, rx, 1..3);
        });
    }

    /// A sender waiting for capacity is woken by the receive that frees the
    /// slot, and the receiver by the send.
    #[test]
    fn mpsc_bounded_full_send_races_recv() {
        model(|| {
            let (tx, mut rx) = mpsc::channel(1);
            tx.try_send(0).unwrap();
            race(
                tx,
                |tx| block_on(tx.send(1)).unwrap(),
                || {
                    assert_eq!(block_on(rx.recv()), Some(0));
                    assert_eq!(block_on(rx.recv()), Some(1));
                },
            );
            assert_eq!(block_on(rx.recv()), None);
        });
    }
}

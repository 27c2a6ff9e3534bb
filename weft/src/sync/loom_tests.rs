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
use super::util::linked_list::{Link, LinkedList, Pointers};
use super::Notify;
use crate::loom::{Arc, AtomicBool, AtomicUsize, Mutex, Ordering::Relaxed, UnsafeCell};
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

#[test]
fn semaphore_two_acquirers_one_permit() {
    model(|| {
        let s = Arc::new(Semaphore::new(1));
        let th = {
            let s = s.clone();
            thread::spawn(move || {
                block_on(s.acquire(1)).unwrap();
                s.release(1);
            })
        };
        block_on(s.acquire(1)).unwrap();
        s.release(1);
        th.join().unwrap();
        assert_eq!(s.available_permits(), 1);
    });
}

#[test]
fn semaphore_batch_acquire_served_by_two_releasers() {
    model(|| {
        let s = Arc::new(Semaphore::new(0));
        let releasers: Vec<_> = (0..2)
            .map(|_| {
                let s = s.clone();
                thread::spawn(move || s.release(1))
            })
            .collect();
        block_on(s.acquire(2)).unwrap();
        for r in releasers {
            r.join().unwrap();
        }
        assert_eq!(s.available_permits(), 0);
        s.release(2);
        assert_eq!(s.available_permits(), 2);
    });
}

#[test]
fn semaphore_cancelled_acquire_never_loses_a_permit() {
    model(|| {
        let s = Arc::new(Semaphore::new(0));
        let th = {
            let s = s.clone();
            thread::spawn(move || {
                let mut acquire = pin!(s.acquire(2));
                match poll_once(acquire.as_mut()) {
                    // Both permits arrived first: ours; give them back.
                    Poll::Ready(result) => {
                        result.unwrap();
                        s.release(2);
                    }
                    // Queued (maybe partly served): dropping returns them.
                    Poll::Pending => {}
                }
            })
        };
        s.release(1);
        s.release(1);
        th.join().unwrap();
        assert_eq!(s.available_permits(), 2);
    });
}

/// A queued waiter is cancelled while a release assigns it the permit: the
/// permit reaches the other waiter (which would otherwise block forever, a
/// loom deadlock), and none is lost or duplicated.
#[test]
fn semaphore_cancel_races_release_with_a_second_waiter() {
    model(|| {
        let s = Arc::new(Semaphore::new(0));
        let cancelled = {
            let s = s.clone();
            thread::spawn(move || {
                let mut acquire = pin!(s.acquire(1));
                if let Poll::Ready(result) = poll_once(acquire.as_mut()) {
                    result.unwrap();
                    s.release(1);
                }
                // Dropped here: queued, maybe just granted.
            })
        };
        let releaser = {
            let s = s.clone();
            thread::spawn(move || s.release(1))
        };
        block_on(s.acquire(1)).unwrap();
        cancelled.join().unwrap();
        releaser.join().unwrap();
        assert_eq!(s.available_permits(), 0, "we hold the only permit");
        s.release(1);
        assert_eq!(s.available_permits(), 1);
    });
}

/// The mutex is handed over between two threads; the data written under
/// the lock is seen by the next holder (the final count: a lost update or
/// a lost wake-up fails the model).
#[test]
fn mutex_handoff_publishes_writes() {
    model(|| {
        let m = Arc::new(crate::sync::Mutex::new(0usize));
        let th = {
            let m = m.clone();
            thread::spawn(move || {
                *block_on(m.lock()) += 1;
            })
        };
        *block_on(m.lock()) += 1;
        th.join().unwrap();
        assert_eq!(*block_on(m.lock()), 2);
    });
}

#[test]
fn semaphore_close_races_a_waiter() {
    model(|| {
        let s = Arc::new(Semaphore::new(0));
        let th = {
            let s = s.clone();
            thread::spawn(move || {
                // Either closed, or served by the release below.
                if block_on(s.acquire(1)).is_ok() {
                    s.release(1);
                }
            })
        };
        s.release(1);
        s.close();
        th.join().unwrap();
        assert_eq!(s.available_permits(), 1);
        assert!(s.is_closed());
    });
}

#[test]
fn notify_one_races_a_waiter() {
    model(|| {
        let n = Arc::new(Notify::new());
        let th = {
            let n = n.clone();
            thread::spawn(move || n.notify_one())
        };
        block_on(n.notified());
        th.join().unwrap();
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
        let waiter = {
            let n = n.clone();
            thread::spawn(move || {
                let theirs = n.notified();
                // Both futures exist before the notifier starts.
                let notifier = {
                    let n = n.clone();
                    thread::spawn(move || {
                        n.notify_one();
                        n.notify_waiters();
                    })
                };
                block_on(theirs);
                notifier.join().unwrap();
            })
        };
        block_on(mine);
        waiter.join().unwrap();
    });
}

#[test]
fn notify_waiters_covers_an_earlier_future() {
    model(|| {
        let n = Arc::new(Notify::new());
        let notified = n.notified();
        let th = {
            let n = n.clone();
            thread::spawn(move || n.notify_waiters())
        };
        // Created before the call: completes whether polled before or after.
        block_on(notified);
        th.join().unwrap();
    });
}

#[test]
fn notify_cancelled_waiter_forwards_the_notification() {
    model(|| {
        let n = Arc::new(Notify::new());
        let consumed = Arc::new(AtomicBool::new(false));
        let th = {
            let (n, consumed) = (n.clone(), consumed.clone());
            thread::spawn(move || {
                let mut first = pin!(n.notified());
                // Registered (then maybe chosen by notify_one), or took the
                // permit; then cancelled.
                if poll_once(first.as_mut()).is_ready() {
                    consumed.store(true, Relaxed);
                }
            })
        };
        n.notify_one();
        th.join().unwrap();
        // The notification was consumed by the first future, or survives as
        // the permit (forwarded by the cancelled future, or never taken).
        let mut second = pin!(n.notified());
        assert_eq!(
            poll_once(second.as_mut()).is_ready(),
            !consumed.load(Relaxed)
        );
    });
}

/// A list node for the list model: a value in a loom cell (so unordered
/// accesses are reported) and the links.
struct Node {
    value: UnsafeCell<usize>,
    pointers: Pointers<Node>,
}

// SAFETY: `pointers` returns the node's own field.
unsafe impl Link for Node {
    unsafe fn pointers(target: NonNull<Node>) -> NonNull<Pointers<Node>> {
        // SAFETY: `target` is live (caller); no reference is made.
        unsafe { NonNull::new_unchecked(std::ptr::addr_of_mut!((*target.as_ptr()).pointers)) }
    }
}

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
    use super::{block_on, model, poll_once};
    use crate::loom::{Arc, AtomicBool, Ordering::Relaxed};
    use crate::sync::oneshot;
    use loom::thread;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    #[test]
    fn oneshot_send_races_recv() {
        model(|| {
            let (tx, rx) = oneshot::channel();
            let th = thread::spawn(move || tx.send(7).unwrap());
            assert_eq!(block_on(rx), Ok(7));
            th.join().unwrap();
        });
    }

    #[test]
    fn oneshot_sender_drop_races_recv() {
        model(|| {
            let (tx, rx) = oneshot::channel::<u8>();
            let th = thread::spawn(move || drop(tx));
            assert!(block_on(rx).is_err());
            th.join().unwrap();
        });
    }

    /// The receiver closes while the value is sent: the value ends up in
    /// exactly one place (received, or given back to the sender).
    #[test]
    fn oneshot_close_races_send() {
        model(|| {
            let (tx, mut rx) = oneshot::channel();
            let returned = Arc::new(AtomicBool::new(false));
            let th = {
                let returned = returned.clone();
                thread::spawn(move || {
                    if tx.send(1).is_err() {
                        returned.store(true, Relaxed);
                    }
                })
            };
            rx.close();
            th.join().unwrap();
            let received = rx.try_recv().is_ok();
            assert!(received != returned.load(Relaxed), "exactly one owner");
        });
    }

    /// The receiver replaces its waker while the sender completes: the
    /// latest waker is woken (or the value is seen directly).
    #[test]
    fn oneshot_waker_replacement_races_send() {
        model(|| {
            let (tx, mut rx) = oneshot::channel();
            let th = thread::spawn(move || tx.send(()).unwrap());
            let mut first = Context::from_waker(Waker::noop());
            if pin!(&mut rx).poll(&mut first).is_pending() {
                // Now wait with a real waker: must not sleep forever.
                assert_eq!(block_on(&mut rx), Ok(()));
            }
            th.join().unwrap();
        });
    }

    #[test]
    fn oneshot_closed_races_receiver_drop() {
        model(|| {
            let (mut tx, rx) = oneshot::channel::<()>();
            let th = thread::spawn(move || drop(rx));
            block_on(tx.closed());
            assert!(tx.is_closed());
            th.join().unwrap();
        });
    }

    #[test]
    fn oneshot_closed_waker_replacement_races_close() {
        model(|| {
            let (mut tx, mut rx) = oneshot::channel::<()>();
            let th = thread::spawn(move || rx.close());
            let first = poll_once(pin!(tx.closed()));
            if first == Poll::Pending {
                block_on(tx.closed());
            }
            th.join().unwrap();
        });
    }
}

mod mpsc_models {
    use super::{block_on, model, model_capped};
    use crate::loom::{Arc, AtomicBool, Ordering::Relaxed};
    use crate::sync::mpsc;
    use loom::thread;

    /// Two producers into a capacity-1 channel: one waits for the slot the
    /// receiver frees; both messages arrive, then `None`.
    #[test]
    fn mpsc_bounded_two_producers_capacity_one() {
        model_capped(3, || {
            let (tx, mut rx) = mpsc::channel(1);
            let producers: Vec<_> = (0..2)
                .map(|i| {
                    let tx = tx.clone();
                    thread::spawn(move || block_on(tx.send(i)).unwrap())
                })
                .collect();
            drop(tx);
            let mut got = [false; 2];
            while let Some(i) = block_on(rx.recv()) {
                assert!(!got[i], "delivered twice");
                got[i] = true;
            }
            assert_eq!(got, [true, true]);
            for p in producers {
                p.join().unwrap();
            }
        });
    }

    /// The last sender's drop races the receiver's wait: no lost wake-up,
    /// and the message sent before the drop is received first.
    #[test]
    fn mpsc_unbounded_sender_drop_races_recv() {
        model(|| {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let th = thread::spawn(move || {
                tx.send(1).unwrap();
                drop(tx);
            });
            assert_eq!(block_on(rx.recv()), Some(1));
            assert_eq!(block_on(rx.recv()), None);
            th.join().unwrap();
        });
    }

    /// The receiver closes while a message is sent: the message is either
    /// received or given back, never both or neither.
    #[test]
    fn mpsc_close_races_send() {
        model(|| {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let returned = Arc::new(AtomicBool::new(false));
            let th = {
                let returned = returned.clone();
                thread::spawn(move || {
                    if tx.send(5).is_err() {
                        returned.store(true, Relaxed);
                    }
                })
            };
            rx.close();
            let received = block_on(rx.recv()).is_some();
            th.join().unwrap();
            assert!(received != returned.load(Relaxed));
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
            let sent = Arc::new(AtomicBool::new(false));
            let th = {
                let sent = sent.clone();
                thread::spawn(move || {
                    if block_on(tx.send(1)).is_ok() {
                        sent.store(true, Relaxed);
                    }
                })
            };
            rx.close();
            let got = block_on(rx.recv());
            th.join().unwrap();
            assert_eq!(got.is_some(), sent.load(Relaxed));
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
            let (tx, mut rx) = mpsc::channel(1);
            tx.try_send(0).unwrap();
            let senders: Vec<_> = (1..3)
                .map(|i| {
                    let tx = tx.clone();
                    thread::spawn(move || block_on(tx.send(i)).unwrap())
                })
                .collect();
            drop(tx);
            let mut got = [false; 3];
            while let Some(i) = block_on(rx.recv()) {
                assert!(!got[i], "delivered twice");
                got[i] = true;
            }
            assert_eq!(got, [true; 3]);
            for s in senders {
                s.join().unwrap();
            }
        });
    }

    /// A sender waiting for capacity is woken by the receive that frees the
    /// slot, and the receiver by the send.
    #[test]
    fn mpsc_bounded_full_send_races_recv() {
        model(|| {
            let (tx, mut rx) = mpsc::channel(1);
            tx.try_send(0).unwrap();
            let th = thread::spawn(move || block_on(tx.send(1)).unwrap());
            assert_eq!(block_on(rx.recv()), Some(0));
            assert_eq!(block_on(rx.recv()), Some(1));
            th.join().unwrap();
            assert_eq!(block_on(rx.recv()), None);
        });
    }
}

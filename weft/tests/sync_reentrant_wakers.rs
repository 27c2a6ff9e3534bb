//! No user code runs under one of `weft::sync`'s internal locks: a waker
//! whose `clone`, `drop` or `wake` uses the very primitive it waits on, and
//! a broadcast value whose `Clone` uses its channel, must not deadlock.
//! Each case runs on its own thread under a 20 s watchdog, so a deadlock
//! fails the test instead of hanging it.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Duration;
use weft::sync::{broadcast, mpsc, Notify, Semaphore};

/// Runs `f` on a thread; fails if it does not finish within 20 s.
fn watchdog(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(()) => worker.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            // The body panicked: report its panic.
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(_) => panic!("deadlock: user code ran under an internal lock"),
    }
}

/// A waker that runs `hook` on every clone, drop and wake while armed.
struct Hooked {
    hook: Box<dyn Fn() + Send + Sync>,
    on_clone: AtomicBool,
    on_drop: AtomicBool,
    on_wake: AtomicBool,
    runs: AtomicUsize,
}

impl Hooked {
    fn new(hook: impl Fn() + Send + Sync + 'static) -> Arc<Hooked> {
        Arc::new(Hooked {
            hook: Box::new(hook),
            on_clone: AtomicBool::new(false),
            on_drop: AtomicBool::new(false),
            on_wake: AtomicBool::new(false),
            runs: AtomicUsize::new(0),
        })
    }

    fn fire(&self, when: &AtomicBool) {
        if when.load(SeqCst) {
            self.runs.fetch_add(1, SeqCst);
            (self.hook)();
        }
    }

    fn waker(self: &Arc<Self>) -> Waker {
        let ptr = Arc::into_raw(self.clone()).cast::<()>();
        // SAFETY: `ptr` comes from `Arc::into_raw` of a `Hooked`; VTABLE's
        // functions treat it as such and keep the count balanced.
        unsafe { Waker::from_raw(RawWaker::new(ptr, &VTABLE)) }
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_w, wake_w, wake_by_ref_w, drop_w);

/// # Safety
/// `p` is a live `Arc<Hooked>` raw pointer (every function below).
unsafe fn clone_w(p: *const ()) -> RawWaker {
    // SAFETY: see above; the clone owns one more count.
    let hooked = unsafe { &*p.cast::<Hooked>() };
    hooked.fire(&hooked.on_clone);
    // SAFETY: as above.
    unsafe { Arc::increment_strong_count(p.cast::<Hooked>()) };
    RawWaker::new(p, &VTABLE)
}
unsafe fn wake_w(p: *const ()) {
    // SAFETY: as above.
    unsafe {
        wake_by_ref_w(p);
        drop_w(p);
    }
}
unsafe fn wake_by_ref_w(p: *const ()) {
    // SAFETY: as above.
    let hooked = unsafe { &*p.cast::<Hooked>() };
    hooked.fire(&hooked.on_wake);
}
unsafe fn drop_w(p: *const ()) {
    // SAFETY: as above; this gives the waker's count back.
    let hooked = unsafe { Arc::from_raw(p.cast::<Hooked>()) };
    hooked.fire(&hooked.on_drop);
}

fn poll_with<F: Future>(fut: std::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

#[test]
fn notify_clones_and_drops_wakers_outside_its_lock() {
    watchdog(|| {
        let notify = Arc::new(Notify::new());
        let n = notify.clone();
        // `notify_waiters` takes the notify's lock.
        let a = Hooked::new(move || n.notify_waiters());
        let b = Hooked::new(|| {});
        let mut notified = pin!(notify.notified());
        a.on_clone.store(true, SeqCst);
        // First poll clones `a` (Init path).
        let first = poll_with(notified.as_mut(), &a.waker());
        assert!(a.runs.load(SeqCst) >= 1, "the clone hook ran");
        // The hook's `notify_waiters` came after `notified` was created.
        assert!(first.is_ready());
        a.on_clone.store(false, SeqCst);

        // Stored, then replaced by another waker: `a`'s clone is dropped.
        let mut replaced = pin!(notify.notified());
        assert!(poll_with(replaced.as_mut(), &a.waker()).is_pending());
        a.on_drop.store(true, SeqCst);
        let runs = a.runs.load(SeqCst);
        let _ = poll_with(replaced.as_mut(), &b.waker());
        assert!(a.runs.load(SeqCst) > runs, "the drop hook ran");
        a.on_drop.store(false, SeqCst);

        // Waiting again: clone of a new waker under re-poll (Waiting path).
        let mut again = pin!(notify.notified());
        let c = Hooked::new(|| {});
        assert!(poll_with(again.as_mut(), &c.waker()).is_pending());
        a.on_clone.store(true, SeqCst);
        let runs = a.runs.load(SeqCst);
        let _ = poll_with(again.as_mut(), &a.waker());
        assert!(a.runs.load(SeqCst) > runs, "the clone hook ran again");
    });
}

#[test]
fn notify_wake_that_notifies_again() {
    watchdog(|| {
        let notify = Arc::new(Notify::new());
        let n = notify.clone();
        let a = Hooked::new(move || n.notify_one());
        a.on_wake.store(true, SeqCst);
        a.on_drop.store(true, SeqCst);
        let mut notified = pin!(notify.notified());
        assert!(poll_with(notified.as_mut(), &a.waker()).is_pending());
        notify.notify_one();
        assert!(a.runs.load(SeqCst) >= 1, "the wake hook ran");
        assert!(poll_with(notified.as_mut(), &Waker::noop().clone()).is_ready());
        notify.notify_waiters();
    });
}

#[test]
fn semaphore_clones_wakers_outside_its_lock() {
    watchdog(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let s = semaphore.clone();
        // With a waiter queued, `add_permits` takes the semaphore's lock.
        let a = Hooked::new(move || s.add_permits(1));
        a.on_clone.store(true, SeqCst);
        let mut acquire = pin!(semaphore.acquire_many(3));
        let first = poll_with(acquire.as_mut(), &a.waker());
        assert!(first.is_pending(), "1 of 3 permits");
        assert!(a.runs.load(SeqCst) >= 1);
        // Re-poll with another waker: `b`'s clone happens outside the lock.
        let s = semaphore.clone();
        let b = Hooked::new(move || s.add_permits(1));
        b.on_clone.store(true, SeqCst);
        a.on_clone.store(false, SeqCst);
        let _ = poll_with(acquire.as_mut(), &b.waker());
        assert!(b.runs.load(SeqCst) >= 1);
    });
}

#[test]
fn semaphore_drops_a_replaced_waker_outside_its_lock() {
    watchdog(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let s = semaphore.clone();
        let a = Hooked::new(move || s.add_permits(1));
        let mut acquire = pin!(semaphore.acquire_many(2));
        assert!(poll_with(acquire.as_mut(), &a.waker()).is_pending());
        // The queue holds `a`'s clone; replacing it drops it, and its drop
        // releases a permit into the queue (the semaphore's lock).
        a.on_drop.store(true, SeqCst);
        let b = Hooked::new(|| {});
        assert!(poll_with(acquire.as_mut(), &b.waker()).is_pending());
        assert_eq!(
            a.runs.load(SeqCst),
            1,
            "the replaced waker was dropped once"
        );
        a.on_drop.store(false, SeqCst);
        semaphore.add_permits(1);
        assert!(poll_with(acquire.as_mut(), &b.waker()).is_ready());
    });
}

#[test]
fn mpsc_receiver_clones_and_drops_wakers_outside_the_channel_lock() {
    watchdog(|| {
        let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
        let tx2 = tx.clone();
        // `send` takes the channel's lock.
        let a = Hooked::new(move || {
            let _ = tx2.send(7);
        });
        a.on_clone.store(true, SeqCst);
        // The clone sends: the receiver must find that message.
        let got = rx.poll_recv(&mut Context::from_waker(&a.waker()));
        assert_eq!(
            got,
            Poll::Ready(Some(7)),
            "the message sent by the clone hook"
        );
        // Now store `a`, then replace it: its drop sends again.
        a.on_clone.store(false, SeqCst);
        assert!(rx
            .poll_recv(&mut Context::from_waker(&a.waker()))
            .is_pending());
        a.on_drop.store(true, SeqCst);
        let b = Hooked::new(|| {});
        let got = rx.poll_recv(&mut Context::from_waker(&b.waker()));
        assert!(got.is_pending() || got == Poll::Ready(Some(7)));
        a.on_drop.store(false, SeqCst);
        drop(tx);
    });
}

#[test]
fn bounded_mpsc_waker_drop_that_sends() {
    watchdog(|| {
        let (tx, mut rx) = mpsc::channel::<u32>(4);
        let tx2 = tx.clone();
        let a = Hooked::new(move || {
            let _ = tx2.try_send(1);
        });
        assert!(rx
            .poll_recv(&mut Context::from_waker(&a.waker()))
            .is_pending());
        a.on_drop.store(true, SeqCst);
        a.on_wake.store(true, SeqCst);
        // Waking (after unlock) and dropping `a` both send.
        tx.try_send(0).unwrap();
        let b = Hooked::new(|| {});
        assert_eq!(
            rx.poll_recv(&mut Context::from_waker(&b.waker())),
            Poll::Ready(Some(0))
        );
        a.on_drop.store(false, SeqCst);
        a.on_wake.store(false, SeqCst);
    });
}

/// A task waiting on a broadcast channel whose waker's
/// `Drop` sends on that channel.
#[test]
fn broadcast_waker_drop_that_sends_on_the_channel() {
    watchdog(|| {
        let (tx, mut rx) = broadcast::channel::<u32>(8);
        let tx2 = tx.clone();
        let a = Hooked::new(move || {
            let _ = tx2.send(9);
        });
        {
            let mut recv = pin!(rx.recv());
            assert!(poll_with(recv.as_mut(), &a.waker()).is_pending());
            a.on_drop.store(true, SeqCst);
            // Replacing the waker inside the Notify drops `a`'s clone.
            let b = Hooked::new(|| {});
            let _ = poll_with(recv.as_mut(), &b.waker());
            a.on_drop.store(false, SeqCst);
        }
        assert!(a.runs.load(SeqCst) >= 1);
        drop(tx);
    });
}

/// A value whose `Clone` uses its own channel (here: counts receivers,
/// which takes the channel's lock).
#[derive(Debug)]
struct CountsReceivers(Arc<std::sync::OnceLock<broadcast::Sender<CountsReceivers>>>);

/// Clones of `CountsReceivers` made (only `broadcast_clone_that_uses_the_channel` makes them).
static RECEIVER_COUNTING_CLONES: AtomicUsize = AtomicUsize::new(0);

impl Clone for CountsReceivers {
    fn clone(&self) -> Self {
        let sender = self.0.get().expect("set before sending");
        assert!(sender.receiver_count() >= 1);
        RECEIVER_COUNTING_CLONES.fetch_add(1, SeqCst);
        CountsReceivers(self.0.clone())
    }
}

#[test]
fn broadcast_clone_that_uses_the_channel() {
    watchdog(|| {
        let cell = Arc::new(std::sync::OnceLock::new());
        let (tx, mut rx1) = broadcast::channel(4);
        let mut rx2 = tx.subscribe();
        cell.set(tx.clone()).unwrap();
        tx.send(CountsReceivers(cell.clone())).unwrap();
        // Two receivers: the first one clones (the second takes the last
        // copy without cloning).
        rx1.try_recv().unwrap();
        rx2.try_recv().unwrap();
        tx.send(CountsReceivers(cell.clone())).unwrap();
        let rt = weft::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            rx1.recv().await.unwrap();
            rx2.recv().await.unwrap();
        });
        assert!(
            RECEIVER_COUNTING_CLONES.load(SeqCst) >= 2,
            "rx1 cloned each value"
        );
    });
}

//! Unit tests of the intrusive protocols with real futures polled by hand,
//! run under Miri by `scripts/miri.sh` (the integration suites cover the
//! semantics at length; these exercise every path that links, unlinks or
//! frees a node so Miri can check the pointers).

use super::batch_semaphore::Semaphore;
use super::{Mutex, Notify};
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll<F: Future + ?Sized>(f: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(waker))
}

#[test]
fn semaphore_queue_serve_cancel_close() {
    let count = Arc::new(Count::default());
    let waker = Waker::from(count.clone());
    let s = Semaphore::new(1);
    let mut a = Box::pin(s.acquire(2));
    let mut b = Box::pin(s.acquire(1));
    let mut c = Box::pin(s.acquire(1));
    assert!(poll(a.as_mut(), &waker).is_pending());
    assert!(poll(b.as_mut(), &waker).is_pending());
    assert!(poll(c.as_mut(), &waker).is_pending());
    drop(b); // unlinked from the middle
    s.release(1); // `a` served in full
    assert_eq!(count.0.load(SeqCst), 1);
    assert!(poll(a.as_mut(), &waker).is_ready());
    drop(a);
    s.release(2); // `c` served, one left
    assert!(matches!(poll(c.as_mut(), &waker), Poll::Ready(Ok(()))));
    assert_eq!(s.available_permits(), 1);
    let mut d = Box::pin(s.acquire(3));
    assert!(poll(d.as_mut(), &waker).is_pending());
    s.close();
    assert!(matches!(poll(d.as_mut(), &waker), Poll::Ready(Err(_))));
    assert_eq!(s.available_permits(), 1, "the partial permit came back");
}

#[test]
fn semaphore_more_waiters_than_one_wake_batch() {
    let count = Arc::new(Count::default());
    let waker = Waker::from(count.clone());
    let s = Semaphore::new(0);
    let mut waiters: Vec<_> = (0..70).map(|_| Box::pin(s.acquire(1))).collect();
    for w in &mut waiters {
        assert!(poll(w.as_mut(), &waker).is_pending());
    }
    s.release(80);
    assert_eq!(count.0.load(SeqCst), 70);
    assert_eq!(s.available_permits(), 10);
    for w in &mut waiters {
        assert!(poll(w.as_mut(), &waker).is_ready());
    }
}

#[test]
fn mutex_handoff_and_cancel() {
    let waker = Waker::noop();
    let m = Mutex::new(0);
    let g = m.try_lock().unwrap();
    let mut a = Box::pin(m.lock());
    let mut b = Box::pin(m.lock());
    assert!(poll(a.as_mut(), waker).is_pending());
    assert!(poll(b.as_mut(), waker).is_pending());
    drop(g);
    drop(a); // had the lock: passes it on
    match poll(b.as_mut(), waker) {
        Poll::Ready(mut g) => *g += 1,
        Poll::Pending => panic!("lock lost"),
    }
    drop(b);
    assert_eq!(*m.try_lock().unwrap(), 1);
}

#[test]
fn notify_register_notify_forward_and_drop() {
    let waker = Waker::noop();
    let n = Notify::new();
    let mut a = Box::pin(n.notified());
    let mut b = Box::pin(n.notified());
    let mut c = Box::pin(n.notified());
    assert!(poll(a.as_mut(), waker).is_pending());
    assert!(poll(b.as_mut(), waker).is_pending());
    assert!(!c.as_mut().enable());
    n.notify_one(); // picks `a`
    drop(a); // forwards to `b`
    assert!(poll(b.as_mut(), waker).is_ready());
    n.notify_last(); // picks `c`
    assert!(poll(c.as_mut(), waker).is_ready());
    let mut d = pin!(n.notified());
    assert!(poll(d.as_mut(), waker).is_pending());
    n.notify_waiters();
    assert!(poll(d.as_mut(), waker).is_ready());
}

#[test]
fn oneshot_across_threads_and_waker_replacement() {
    use super::oneshot;
    let count = Arc::new(Count::default());
    let waker = Waker::from(count.clone());
    let (tx, mut rx) = oneshot::channel();
    assert!(poll(pin!(&mut rx), Waker::noop()).is_pending());
    assert!(poll(pin!(&mut rx), &waker).is_pending());
    std::thread::spawn(move || tx.send(vec![1, 2]).unwrap())
        .join()
        .unwrap();
    assert_eq!(count.0.load(SeqCst), 1);
    assert!(matches!(poll(pin!(&mut rx), &waker), Poll::Ready(Ok(v)) if v == [1, 2]));

    let (mut tx, rx) = oneshot::channel::<String>();
    assert!(poll(pin!(tx.closed()), &waker).is_pending());
    std::thread::spawn(move || drop(rx)).join().unwrap();
    assert!(poll(pin!(tx.closed()), &waker).is_ready());
    assert_eq!(tx.send(String::from("back")).unwrap_err(), "back");
}

#[test]
fn mpsc_batches_waiting_senders_and_drop() {
    use super::mpsc;
    let waker = Waker::noop();
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(String::from("a")).unwrap();
    let mut b = Box::pin(tx.send(String::from("b")));
    let mut c = Box::pin(tx.send(String::from("c")));
    assert!(poll(b.as_mut(), waker).is_pending());
    assert!(poll(c.as_mut(), waker).is_pending());
    drop(c); // a queued sender cancelled
    let t = std::thread::spawn(move || {
        rx.blocking_recv()
            .zip(rx.blocking_recv())
            .map(|(a, b)| a + &b)
    });
    while poll(b.as_mut(), waker).is_pending() {
        std::thread::yield_now();
    }
    drop(b);
    drop(tx);
    assert_eq!(t.join().unwrap().as_deref(), Some("ab"));
    let (utx, urx) = mpsc::unbounded_channel();
    utx.send(vec![1]).unwrap();
    drop(urx); // queued message dropped with the receiver
    assert!(utx.send(vec![2]).is_err());
}

/// Slots the receiver freed wait in its pool (batch_semaphore rule 6):
/// counted by `capacity`, harvested by `try_send`, handed to a queued
/// sender, and the pool goes eager and back.
#[test]
fn mpsc_freed_slots_pool_harvest_and_eager_handoff() {
    use super::mpsc;
    let count = Arc::new(Count::default());
    let waker = Waker::from(count.clone());
    let (tx, mut rx) = mpsc::channel(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(tx.capacity(), 0);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.capacity(), 1, "the freed slot counts");
    tx.try_send(3).unwrap(); // harvested from the pool
    assert_eq!(tx.capacity(), 0);
    let mut queued = Box::pin(tx.send(4));
    assert!(poll(queued.as_mut(), &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(2)); // eager: straight to the queued sender
    assert_eq!(count.0.load(SeqCst), 1);
    assert!(poll(queued.as_mut(), &waker).is_ready());
    drop(queued);
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(tx.capacity(), 2);
    assert_eq!(rx.capacity(), 2);
    tx.try_send(5).unwrap();
    tx.try_send(6).unwrap();
    assert!(tx.try_send(7).is_err());
    rx.close();
    assert_eq!(rx.try_recv(), Ok(5));
    assert_eq!(rx.try_recv(), Ok(6));
    assert!(rx.try_recv().is_err());
}

/// Channel rule 7: a receiver that waits right after receiving, with
/// producers that cannot soon wait for it, hints that it drained a stream;
/// a first wait, a wait with nothing received since the last, and a
/// bounded channel short of `STREAM_SLACK` free slots do not.
#[test]
fn mpsc_receiver_hints_a_drained_stream() {
    use super::mpsc;
    use crate::runtime::park::wait_hint;
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    let drained = |poll: Poll<Option<u32>>| {
        assert!(poll.is_pending());
        wait_hint::take_skip_spin()
    };

    let (tx, mut rx) = mpsc::unbounded_channel();
    wait_hint::clear();
    assert!(
        !drained(rx.poll_recv(&mut cx)),
        "a first wait drained nothing"
    );
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(2)));
    assert!(drained(rx.poll_recv(&mut cx)));
    assert!(!drained(rx.poll_recv(&mut cx)), "nothing received since");
    tx.send(3).unwrap();
    let mut batch = Vec::new();
    assert_eq!(rx.poll_recv_many(&mut cx, &mut batch, 8), Poll::Ready(1));
    assert!(
        rx.poll_recv_many(&mut cx, &mut batch, 8).is_pending() && wait_hint::take_skip_spin(),
        "recv_many drains a stream too"
    );

    for (capacity, hints) in [(100, false), (2 * 1024, true)] {
        let (tx, mut rx) = mpsc::channel(capacity);
        tx.try_send(1).unwrap();
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
        assert_eq!(drained(rx.poll_recv(&mut cx)), hints, "capacity {capacity}");
    }
    // Free slots are counted when the receiver waits: reserved ones are not.
    let (tx, mut rx) = mpsc::channel(1024);
    let reserved = tx.try_reserve().unwrap();
    tx.try_send(1).unwrap();
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
    assert!(!drained(rx.poll_recv(&mut cx)), "1,023 slots free");
    drop(reserved);
    tx.try_send(2).unwrap();
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(2)));
    assert!(drained(rx.poll_recv(&mut cx)), "1,024 slots free");
}

#[test]
fn rwlock_guards_map_downgrade_and_handoff() {
    use super::{RwLock, RwLockReadGuard, RwLockWriteGuard};
    let waker = Waker::noop();
    let lock = Arc::new(RwLock::with_max_readers((1, vec![2]), 2));
    let r = lock.try_read().unwrap();
    let mut w = Box::pin(lock.write());
    assert!(poll(w.as_mut(), waker).is_pending());
    let mapped = RwLockReadGuard::map(r, |v| &v.1);
    assert_eq!(*mapped, [2]);
    drop(mapped);
    let Poll::Ready(w) = poll(w.as_mut(), waker) else {
        panic!("writer not served");
    };
    let mut part = RwLockWriteGuard::map(w, |v| &mut v.1);
    part.push(3);
    drop(part);
    let w = lock.clone().try_write_owned().unwrap();
    let r = super::OwnedRwLockWriteGuard::downgrade(w);
    assert_eq!(r.1, [2, 3]);
    assert!(lock.try_read().is_ok());
}

#[test]
fn watch_broadcast_once_cells() {
    use super::{broadcast, watch, OnceCell, SetOnce};
    let waker = Waker::noop();
    let (tx, mut rx) = watch::channel(String::from("a"));
    let mut changed = Box::pin(async move {
        rx.changed().await.unwrap();
        rx.borrow_and_update().clone()
    });
    assert!(poll(changed.as_mut(), waker).is_pending());
    std::thread::spawn(move || tx.send(String::from("b")).unwrap())
        .join()
        .unwrap();
    assert!(matches!(poll(changed.as_mut(), waker), Poll::Ready(s) if s == "b"));

    let (btx, mut brx) = broadcast::channel(2);
    let mut other = btx.subscribe();
    for i in 0..3 {
        btx.send(vec![i]).unwrap();
    }
    assert!(brx.try_recv().is_err(), "lagged");
    assert_eq!(brx.try_recv().unwrap(), [1]);
    drop(other.try_recv());
    drop(other); // releases its unread messages

    let cell = OnceCell::new();
    let mut init = Box::pin(cell.get_or_init(|| async { String::from("x") }));
    assert!(poll(init.as_mut(), waker).is_ready());
    drop(init);
    assert_eq!(cell.get().map(String::as_str), Some("x"));
    let set = SetOnce::new();
    set.set(vec![1]).unwrap();
    assert_eq!(set.into_inner(), Some(vec![1]));
}

//! Channel contracts aligned with tokio: `mpsc` senders waiting when the
//! receiver closes fail; a dropped receiver lets go of its waker; a
//! broadcast `Clone` that panics moves the receiver past the value; watch's
//! `has_changed` errs once closed; the receivers' auto traits do not depend
//! on `T`.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe, RefUnwindSafe, UnwindSafe};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use weft::sync::{broadcast, mpsc, watch};

fn poll<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn queued_reserve_fails_after_close_even_if_granted() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    tx.try_send(1).unwrap();
    let mut reserve = pin!(tx.reserve());
    assert!(poll(reserve.as_mut()).is_pending());
    // The receiver frees the slot (granted to the queued reserve), then
    // closes before the reserve saw it.
    assert_eq!(rx.try_recv(), Ok(1));
    rx.close();
    assert!(matches!(poll(reserve.as_mut()), Poll::Ready(Err(_))));
    // The slot came back: the closed, empty channel is finished.
    assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
}

#[test]
fn queued_reserve_many_send_and_reserve_owned_fail_after_close() {
    let (tx, mut rx) = mpsc::channel::<u32>(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut many = pin!(tx.reserve_many(2));
    let mut send = pin!(tx.send(3));
    let mut owned = pin!(tx.clone().reserve_owned());
    assert!(poll(many.as_mut()).is_pending());
    assert!(poll(send.as_mut()).is_pending());
    assert!(poll(owned.as_mut()).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    rx.close();
    assert!(matches!(poll(many.as_mut()), Poll::Ready(Err(_))));
    assert!(matches!(poll(send.as_mut()), Poll::Ready(Err(_))));
    assert!(matches!(poll(owned.as_mut()), Poll::Ready(Err(_))));
    assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
}

/// Checks, when woken, that the receiver's channel already reads closed.
struct SeesClosed(mpsc::WeakSender<u32>, std::sync::atomic::AtomicUsize);

impl Wake for SeesClosed {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        assert!(
            self.0.upgrade().is_none(),
            "woken before the channel closed"
        );
        self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn a_parked_receiver_is_woken_after_the_close() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let waker = Arc::new(SeesClosed(tx.downgrade(), Default::default()));
    let w = Waker::from(waker.clone());
    assert!(rx.poll_recv(&mut Context::from_waker(&w)).is_pending());
    let t = std::thread::spawn(move || drop(tx));
    t.join().unwrap();
    assert_eq!(waker.1.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(rx.is_closed());
    assert_eq!(
        rx.poll_recv(&mut Context::from_waker(&w)),
        Poll::Ready(None)
    );
}

#[derive(Default)]
struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

#[test]
fn a_dropped_receiver_lets_go_of_its_waker() {
    let count = Arc::new(Noop);
    let waker = Waker::from(count.clone());
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    assert!(rx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
    assert_eq!(Arc::strong_count(&count), 3, "ours, `waker`, the channel's");
    drop(rx);
    assert_eq!(Arc::strong_count(&count), 2, "dropped with the receiver");
    let (utx, mut urx) = mpsc::unbounded_channel::<u32>();
    assert!(urx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
    drop(urx);
    assert_eq!(Arc::strong_count(&count), 2);
    drop((tx, utx));
}

/// Panics when cloned if it holds `true`.
#[derive(Debug, PartialEq)]
struct Fragile(bool, u32);

impl Clone for Fragile {
    fn clone(&self) -> Self {
        assert!(!self.0, "clone of {} panics", self.1);
        Fragile(self.0, self.1)
    }
}

#[test]
fn broadcast_moves_past_a_value_whose_clone_panics() {
    let (tx, mut rx) = broadcast::channel(8);
    let mut other = tx.subscribe(); // keeps every value shared: rx clones
    tx.send(Fragile(true, 1)).unwrap();
    tx.send(Fragile(false, 2)).unwrap();
    tx.send(Fragile(true, 3)).unwrap();
    tx.send(Fragile(false, 4)).unwrap();
    let panicked = catch_unwind(AssertUnwindSafe(|| rx.try_recv()));
    assert!(panicked.is_err(), "the clone's panic reaches the caller");
    assert_eq!(rx.try_recv(), Ok(Fragile(false, 2)), "past the value");
    let rt = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let panicked = catch_unwind(AssertUnwindSafe(|| rt.block_on(rx.recv())));
    assert!(panicked.is_err());
    assert_eq!(rt.block_on(rx.recv()), Ok(Fragile(false, 4)));
    // No lock is left poisoned or held: the channel works on.
    tx.send(Fragile(false, 5)).unwrap();
    assert_eq!(tx.receiver_count(), 2);
    assert_eq!(rx.try_recv(), Ok(Fragile(false, 5)));
    // The last reader takes each value without cloning it.
    for i in 1..=5 {
        let v = other.try_recv().unwrap();
        assert_eq!(v.1, i);
    }
    let mut resub = rx.resubscribe();
    tx.send(Fragile(false, 6)).unwrap();
    assert_eq!(resub.try_recv(), Ok(Fragile(false, 6)));
}

#[test]
fn watch_has_changed_errs_once_closed_even_with_an_unseen_value() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
    drop(tx);
    assert!(rx.has_changed().is_err(), "tokio: Err once closed");
    // `changed` still delivers the unseen value, then errs.
    let rt = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert!(rt.block_on(rx.changed()).is_ok());
    assert_eq!(*rx.borrow(), 1);
    assert!(rt.block_on(rx.changed()).is_err());
    assert!(rx.has_changed().is_err());
}

/// A type that is neither `Unpin`, `UnwindSafe` nor `RefUnwindSafe`.
#[allow(dead_code)]
struct Awkward(
    std::marker::PhantomPinned,
    std::cell::UnsafeCell<u8>,
    &'static mut u8,
);

fn unpin_unwind<T: Unpin + UnwindSafe + RefUnwindSafe>() {}

#[test]
fn channel_handles_auto_traits_do_not_depend_on_t() {
    // tokio's mpsc handles are `Unpin`, `UnwindSafe` and `RefUnwindSafe`
    // whatever `T`.
    unpin_unwind::<mpsc::Receiver<Awkward>>();
    unpin_unwind::<mpsc::UnboundedReceiver<Awkward>>();
    unpin_unwind::<mpsc::Sender<Awkward>>();
    unpin_unwind::<mpsc::WeakSender<Awkward>>();
    unpin_unwind::<mpsc::UnboundedSender<Awkward>>();
    unpin_unwind::<mpsc::WeakUnboundedSender<Awkward>>();
    unpin_unwind::<mpsc::Permit<'static, Awkward>>();
    unpin_unwind::<mpsc::OwnedPermit<Awkward>>();
    unpin_unwind::<mpsc::PermitIterator<'static, Awkward>>();
    fn unpin<T: Unpin>() {}
    unpin::<broadcast::Sender<Awkward>>();
    unpin::<broadcast::Receiver<Awkward>>();
    unpin::<watch::Sender<Awkward>>();
    unpin::<watch::Receiver<Awkward>>();
    unpin::<weft::sync::oneshot::Sender<Awkward>>();
    unpin::<weft::sync::oneshot::Receiver<Awkward>>();
}

//! `weft::sync::broadcast`: every receiver sees every message, lag
//! (`Lagged(n)`, then the oldest held), close, `resubscribe`, values dropped
//! once read by all, every flavor.

mod support;
mod sync_support;

use std::pin::pin;
use support::{rt_test, DropCount};
use sync_support::{assert_pending, assert_ready, Counter};
use weft::sync::broadcast::{self, error::RecvError, error::TryRecvError};

#[test]
fn every_receiver_sees_every_message() {
    let (tx, mut a) = broadcast::channel(4);
    let mut b = tx.subscribe();
    assert_eq!(tx.send(1).unwrap(), 2);
    assert_eq!(tx.send(2).unwrap(), 2);
    assert_eq!((a.try_recv(), a.try_recv()), (Ok(1), Ok(2)));
    assert_eq!(a.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(b.len(), 2);
    assert_eq!((b.try_recv(), b.try_recv()), (Ok(1), Ok(2)));
    assert!(b.is_empty());
}

#[test]
fn a_slow_receiver_lags_then_continues_with_the_oldest_held() {
    let (tx, mut rx) = broadcast::channel(2);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(3)));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    for i in 5..9 {
        tx.send(i).unwrap();
    }
    let c = Counter::new();
    assert_eq!(assert_ready(&c, pin!(rx.recv())), Err(RecvError::Lagged(2)));
    assert_eq!(assert_ready(&c, pin!(rx.recv())), Ok(7));
    assert_eq!(RecvError::Lagged(2).to_string(), "channel lagged by 2");
}

#[test]
fn capacity_rounds_up_to_a_power_of_two() {
    let (tx, mut rx) = broadcast::channel(3);
    for i in 0..4 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.try_recv(), Ok(0), "4 slots: nothing lost yet");
}

#[test]
fn a_waiting_receiver_is_woken_by_send_and_by_close() {
    let (tx, mut rx) = broadcast::channel(2);
    let c = Counter::new();
    {
        let mut recv = pin!(rx.recv());
        assert_pending(&c, recv.as_mut());
        tx.send("x").unwrap();
        assert_eq!(c.wakes(), 1);
        assert_eq!(assert_ready(&c, recv.as_mut()), Ok("x"));
    }
    let tx2 = tx.clone();
    let mut recv = pin!(rx.recv());
    assert_pending(&c, recv.as_mut());
    drop(tx);
    drop(tx2);
    assert_eq!(c.wakes(), 2);
    assert_eq!(assert_ready(&c, recv.as_mut()), Err(RecvError::Closed));
}

#[test]
fn messages_sent_before_close_are_still_received() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(rx.blocking_recv(), Err(RecvError::Closed));
}

#[test]
fn send_without_receivers_fails_and_returns_the_value() {
    let (tx, rx) = broadcast::channel::<String>(1);
    drop(rx);
    assert_eq!(tx.send(String::from("v")).unwrap_err().0, "v");
    let _rx = tx.subscribe();
    assert!(tx.send(String::from("w")).is_ok());
}

#[test]
fn resubscribe_starts_at_the_newest_position() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let mut fresh = rx.resubscribe();
    assert!(fresh.same_channel(&rx));
    assert_eq!(fresh.try_recv(), Err(TryRecvError::Empty));
    tx.send(2).unwrap();
    assert_eq!(fresh.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.receiver_count(), 2);
}

#[test]
fn values_are_dropped_once_every_receiver_read_them() {
    let drops = DropCount::new();
    let (tx, mut a) = broadcast::channel(4);
    let mut b = tx.subscribe();
    tx.send(std::sync::Arc::new(drops.track(()))).unwrap();
    drop(a.try_recv().unwrap());
    assert_eq!(drops.get(), 0, "b has not read it");
    assert_eq!(tx.len(), 1);
    drop(b.try_recv().unwrap());
    assert_eq!(drops.get(), 1, "read by all: the channel's copy is gone");
    assert!(tx.is_empty());
    // A receiver dropped with unread messages releases them.
    tx.send(std::sync::Arc::new(drops.track(()))).unwrap();
    drop(a.try_recv().unwrap());
    drop(b);
    assert_eq!(drops.get(), 2);
}

#[test]
fn sender_closed_waits_for_every_receiver() {
    let (tx, rx) = broadcast::channel::<()>(1);
    let rx2 = rx.resubscribe();
    let c = Counter::new();
    let mut closed = pin!(tx.closed());
    assert_pending(&c, closed.as_mut());
    drop(rx);
    assert_pending(&c, closed.as_mut());
    drop(rx2);
    assert_ready(&c, closed.as_mut());
}

#[test]
#[should_panic(expected = "broadcast channel capacity cannot be zero")]
fn zero_capacity_panics() {
    let _ = broadcast::channel::<()>(0);
}

#[test]
fn sender_new_has_no_receiver_until_one_subscribes() {
    let tx = broadcast::Sender::<u32>::new(2);
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(
        tx.send(1).unwrap_err().0,
        1,
        "no receiver: the value comes back"
    );
    let mut rx = tx.subscribe();
    assert_eq!(tx.send(2).unwrap(), 1);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
#[should_panic(expected = "broadcast channel capacity cannot be zero")]
fn sender_new_with_zero_capacity_panics() {
    let _ = broadcast::Sender::<u32>::new(0);
}

#[test]
fn weak_sender_upgrades_while_a_sender_lives_and_does_not_keep_the_channel_open() {
    let (tx, mut rx) = broadcast::channel::<u32>(4);
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 2));
    assert_eq!((weak.strong_count(), weak.weak_count()), (1, 2));
    let tx2 = weak.upgrade().expect("a sender lives");
    assert_eq!(tx.strong_count(), 2);
    tx2.send(7).unwrap();
    drop(tx2);
    assert_eq!(tx.strong_count(), 1);
    drop(weak2);
    assert_eq!(tx.weak_count(), 1);

    let c = Counter::new();
    assert_eq!(rx.try_recv(), Ok(7));
    let mut recv = pin!(rx.recv());
    assert_pending(&c, recv.as_mut());
    drop(tx); // the weak sender does not keep it open
    assert_eq!(c.wakes(), 1);
    assert_eq!(assert_ready(&c, recv.as_mut()), Err(RecvError::Closed));
    assert!(weak.upgrade().is_none());
    assert_eq!((weak.strong_count(), weak.weak_count()), (0, 1));
}

#[test]
fn weak_sender_holds_no_value_alive_and_is_send_sync() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let drops = DropCount::new();
    let (tx, rx) = broadcast::channel(2);
    let weak = tx.downgrade();
    send_sync(&weak);
    tx.send(std::sync::Arc::new(drops.track(()))).unwrap();
    drop((tx, rx));
    assert_eq!(drops.get(), 1, "the weak sender keeps no message alive");
    assert!(format!("{weak:?}").starts_with("WeakSender"));
}

rt_test! {
    fn fan_out_to_many_tasks(rt: &Runtime) {
        rt.block_on(async {
            let (tx, rx) = broadcast::channel(1024);
            let receivers: Vec<_> = (0..6)
                .map(|_| {
                    let mut rx = rx.resubscribe();
                    weft::spawn(async move {
                        let mut sum = 0u64;
                        loop {
                            match rx.recv().await {
                                Ok(v) => sum += v,
                                Err(RecvError::Closed) => return sum,
                                Err(RecvError::Lagged(n)) => panic!("lagged by {n} with room for all"),
                            }
                        }
                    })
                })
                .collect();
            drop(rx);
            for i in 0..1000u64 {
                tx.send(i).unwrap();
                if i % 64 == 0 {
                    weft::task::yield_now().await;
                }
            }
            drop(tx);
            for r in receivers {
                assert_eq!(r.await.unwrap(), (0..1000).sum::<u64>());
            }
        });
    }

    fn lagging_receivers_account_for_every_message(rt: &Runtime) {
        rt.block_on(async {
            let (tx, mut rx) = broadcast::channel(8);
            let producer = weft::spawn(async move {
                for i in 0..5000u64 {
                    tx.send(i).unwrap();
                    if i % 100 == 0 {
                        weft::task::yield_now().await;
                    }
                }
            });
            let mut seen = 0u64;
            let mut skipped = 0u64;
            let mut last: Option<u64> = None;
            loop {
                match rx.recv().await {
                    Ok(v) => {
                        if let Some(l) = last {
                            assert!(v > l, "in order");
                        }
                        last = Some(v);
                        seen += 1;
                    }
                    Err(RecvError::Lagged(n)) => skipped += n,
                    Err(RecvError::Closed) => break,
                }
            }
            producer.await.unwrap();
            assert_eq!(seen + skipped, 5000, "every message received or reported lost");
        });
    }
}

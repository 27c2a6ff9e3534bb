//! `weft::sync::watch`: latest value, coalescing, seen/unseen tracking,
//! `changed`/`wait_for`, modify variants, close from both sides, every
//! flavor.

mod support;
mod sync_support;

use std::pin::pin;
use std::sync::Arc;
use support::rt_test;
use sync_support::{assert_pending, assert_ready, Counter};
use weft::sync::watch;

#[test]
fn borrow_and_seen_tracking() {
    let (tx, mut rx) = watch::channel(1);
    assert!(
        !rx.has_changed().unwrap(),
        "the initial value counts as seen"
    );
    tx.send(2).unwrap();
    assert!(rx.has_changed().unwrap());
    let r = rx.borrow();
    assert_eq!(*r, 2);
    assert!(r.has_changed());
    drop(r);
    assert!(rx.has_changed().unwrap(), "borrow does not mark seen");
    let r = rx.borrow_and_update();
    assert!(r.has_changed());
    drop(r);
    assert!(!rx.has_changed().unwrap());
    rx.mark_changed();
    assert!(rx.has_changed().unwrap());
    rx.mark_unchanged();
    assert!(!rx.has_changed().unwrap());
    assert_eq!(*tx.borrow(), 2);
}

#[test]
fn many_sends_coalesce_into_one_change() {
    let (tx, mut rx) = watch::channel(0);
    let c = Counter::new();
    {
        let mut changed = pin!(rx.changed());
        assert_pending(&c, changed.as_mut());
        for i in 1..=5 {
            tx.send(i).unwrap();
        }
        assert_eq!(c.wakes(), 1, "woken once");
        assert_ready(&c, changed.as_mut()).unwrap();
    }
    assert_eq!(*rx.borrow_and_update(), 5, "only the latest value");
    assert_pending(&c, pin!(rx.changed()));
}

#[test]
fn changed_errors_only_once_closed_and_seen() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    drop(tx);
    let c = Counter::new();
    // As in tokio: closed is an error even with an unseen last value,
    // which `changed` still delivers.
    assert!(rx.has_changed().is_err(), "closed");
    assert_ready(&c, pin!(rx.changed())).unwrap();
    assert_eq!(*rx.borrow(), 1);
    let err = assert_ready(&c, pin!(rx.changed())).unwrap_err();
    assert_eq!(err.to_string(), "channel closed");
    assert!(rx.has_changed().is_err());
}

#[test]
fn sender_drop_wakes_a_waiting_receiver() {
    let (tx, mut rx) = watch::channel(());
    let c = Counter::new();
    let mut changed = pin!(rx.changed());
    assert_pending(&c, changed.as_mut());
    let tx2 = tx.clone();
    assert_eq!(tx.sender_count(), 2);
    drop(tx);
    assert_eq!(c.wakes(), 0, "a sender remains");
    drop(tx2);
    assert_eq!(c.wakes(), 1);
    assert!(assert_ready(&c, changed.as_mut()).is_err());
}

#[test]
fn send_fails_without_receivers_but_modify_still_stores() {
    let (tx, rx) = watch::channel(1);
    drop(rx);
    assert!(tx.is_closed());
    let err = tx.send(2).unwrap_err();
    assert_eq!(err.0, 2);
    assert_eq!(*tx.borrow(), 1, "send stored nothing");
    tx.send_modify(|v| *v = 3);
    assert_eq!(*tx.borrow(), 3);
    assert_eq!(tx.send_replace(4), 3);
    let rx = tx.subscribe();
    assert_eq!(tx.receiver_count(), 1);
    assert!(
        !rx.has_changed().unwrap(),
        "a new subscriber has seen the current value"
    );
    assert_eq!(*rx.borrow(), 4);
}

#[test]
fn send_if_modified_wakes_only_on_modification() {
    let (tx, mut rx) = watch::channel(vec![1]);
    let c = Counter::new();
    let mut changed = pin!(rx.changed());
    assert_pending(&c, changed.as_mut());
    assert!(!tx.send_if_modified(|v| {
        v.push(9);
        v.pop();
        false
    }));
    assert_eq!(c.wakes(), 0);
    assert!(tx.send_if_modified(|v| {
        v.push(2);
        true
    }));
    assert_eq!(c.wakes(), 1);
    assert_ready(&c, changed.as_mut()).unwrap();
}

#[test]
fn sender_closed_waits_for_the_last_receiver() {
    let (tx, rx) = watch::channel(0);
    let rx2 = rx.clone();
    assert!(rx.same_channel(&rx2));
    let c = Counter::new();
    let mut closed = pin!(tx.closed());
    assert_pending(&c, closed.as_mut());
    drop(rx);
    assert_eq!(c.wakes(), 0);
    drop(rx2);
    assert_eq!(c.wakes(), 1);
    assert_ready(&c, closed.as_mut());
}

#[test]
fn clones_track_seen_values_independently() {
    let (tx, mut a) = watch::channel(0);
    tx.send(1).unwrap();
    let mut b = a.clone();
    a.borrow_and_update();
    assert!(!a.has_changed().unwrap());
    assert!(
        b.has_changed().unwrap(),
        "the clone inherits the unseen state"
    );
    b.mark_unchanged();
    assert!(!b.has_changed().unwrap());
}

rt_test! {
    fn wait_for_a_condition_across_tasks(rt: &Runtime) {
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0u32);
            let tx = Arc::new(tx);
            let producer = {
                let tx = tx.clone();
                weft::spawn(async move {
                    for i in 1..=1000 {
                        tx.send(i).unwrap();
                        if i % 50 == 0 {
                            weft::task::yield_now().await;
                        }
                    }
                })
            };
            let v = *rx.wait_for(|v| *v >= 1000).await.unwrap();
            assert_eq!(v, 1000);
            producer.await.unwrap();
            // Already true: returns at once, without a change.
            assert_eq!(*rx.wait_for(|v| *v == 1000).await.unwrap(), 1000);
            drop(tx);
            assert!(rx.wait_for(|v| *v == 0).await.is_err());
        });
    }

    fn every_receiver_sees_the_final_value(rt: &Runtime) {
        rt.block_on(async {
            let (tx, rx) = watch::channel(0u32);
            let watchers: Vec<_> = (0..8)
                .map(|_| {
                    let mut rx = rx.clone();
                    weft::spawn(async move {
                        let mut last = 0;
                        while rx.changed().await.is_ok() {
                            let v = *rx.borrow_and_update();
                            assert!(v >= last, "values only move forward");
                            last = v;
                        }
                        last
                    })
                })
                .collect();
            drop(rx);
            for i in 1..=500 {
                tx.send_modify(|v| *v = i);
                if i % 100 == 0 {
                    weft::task::yield_now().await;
                }
            }
            drop(tx);
            for w in watchers {
                assert_eq!(w.await.unwrap(), 500);
            }
        });
    }
}

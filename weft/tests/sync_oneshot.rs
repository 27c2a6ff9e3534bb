//! `weft::sync::oneshot`: send/receive, errors, close from either side,
//! `closed()`, `try_recv`, blocking use, drops counted, every flavor.

mod support;
mod sync_support;

use std::pin::pin;
use support::{rt_test, DropCount};
use sync_support::{assert_pending, assert_ready, Counter};
use weft::sync::oneshot::{self, error::RecvError, error::TryRecvError};

#[test]
fn send_then_receive_without_a_runtime() {
    let (tx, mut rx) = oneshot::channel();
    let c = Counter::new();
    assert_pending(&c, pin!(&mut rx));
    assert!(rx.is_empty());
    tx.send(5).unwrap();
    assert_eq!(c.wakes(), 1, "the receiver was woken");
    assert!(!rx.is_empty());
    assert_eq!(assert_ready(&c, pin!(&mut rx)), Ok(5));
    assert!(rx.is_terminated());
    assert!(rx.is_empty());
}

#[test]
fn dropping_the_sender_fails_the_receiver() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    let c = Counter::new();
    assert_pending(&c, pin!(&mut rx));
    drop(tx);
    assert_eq!(c.wakes(), 1);
    assert_eq!(
        assert_ready(&c, pin!(&mut rx)),
        Err(RecvError::clone(&err()))
    );
    assert_eq!(err().to_string(), "channel closed");
}

fn err() -> RecvError {
    let (tx, rx) = oneshot::channel::<()>();
    drop(tx);
    rx.blocking_recv().unwrap_err()
}

#[test]
fn try_recv_states() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send("v").unwrap();
    assert_eq!(rx.try_recv(), Ok("v"));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "already taken");
    let (tx, mut rx) = oneshot::channel::<()>();
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    assert_eq!(TryRecvError::Closed.to_string(), "channel closed");
}

#[test]
fn a_closed_or_dropped_receiver_returns_the_value() {
    let drops = DropCount::new();
    let (tx, rx) = oneshot::channel();
    drop(rx);
    let back = tx.send(drops.track(1)).unwrap_err();
    assert_eq!(drops.get(), 0, "given back, not dropped");
    drop(back);
    assert_eq!(drops.get(), 1);

    let (tx, mut rx) = oneshot::channel();
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.send(drops.track(2)).unwrap_err().value, 2);
    assert_eq!(rx.try_recv().map(|_| ()), Err(TryRecvError::Closed));
}

#[test]
fn a_value_sent_before_close_is_still_received() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(3).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn an_unreceived_value_is_dropped_with_the_channel() {
    let drops = DropCount::new();
    let (tx, rx) = oneshot::channel();
    tx.send(drops.track(())).unwrap();
    assert_eq!(drops.get(), 0);
    drop(rx);
    assert_eq!(drops.get(), 1);
}

#[test]
fn sender_closed_wakes_on_receiver_drop_and_tracks_the_latest_waker() {
    let (mut tx, rx) = oneshot::channel::<()>();
    let (c1, c2) = (Counter::new(), Counter::new());
    assert!(c1.poll(pin!(tx.closed())).is_pending());
    assert!(c2.poll(pin!(tx.closed())).is_pending());
    assert!(!tx.is_closed());
    drop(rx);
    assert_eq!((c1.wakes(), c2.wakes()), (0, 1), "only the latest waker");
    assert!(c2.poll(pin!(tx.closed())).is_ready());
}

#[test]
fn the_receiver_keeps_only_its_latest_waker() {
    let (tx, mut rx) = oneshot::channel();
    let (c1, c2) = (Counter::new(), Counter::new());
    assert_pending(&c1, pin!(&mut rx));
    assert_pending(&c1, pin!(&mut rx)); // same waker: kept
    assert_pending(&c2, pin!(&mut rx));
    tx.send(1).unwrap();
    assert_eq!((c1.wakes(), c2.wakes()), (0, 1));
    assert_eq!(assert_ready(&c2, pin!(&mut rx)), Ok(1));
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn polling_after_completion_panics() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(()).unwrap();
    let c = Counter::new();
    let _ = assert_ready(&c, pin!(&mut rx));
    let _ = c.poll(pin!(&mut rx));
}

#[test]
fn blocking_recv_across_threads() {
    let (tx, rx) = oneshot::channel();
    let t = std::thread::spawn(move || rx.blocking_recv());
    std::thread::sleep(std::time::Duration::from_millis(10));
    tx.send(String::from("x")).unwrap();
    assert_eq!(t.join().unwrap().unwrap(), "x");
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_recv_inside_a_runtime_panics() {
    let rt = support::current_thread_rt();
    rt.block_on(async {
        let (_tx, rx) = oneshot::channel::<()>();
        let _ = rx.blocking_recv();
    });
}

rt_test! {
    fn request_reply_between_tasks(rt: &Runtime) {
        rt.block_on(async {
            let mut replies = Vec::new();
            for i in 0..500u32 {
                let (tx, rx) = oneshot::channel();
                weft::spawn(async move {
                    let _ = tx.send(i * 2);
                });
                replies.push(rx);
            }
            for (i, rx) in replies.into_iter().enumerate() {
                assert_eq!(rx.await.unwrap(), i as u32 * 2);
            }
        });
    }

    fn closed_completes_when_the_receiving_task_ends(rt: &Runtime) {
        rt.block_on(async {
            let (mut tx, rx) = oneshot::channel::<u8>();
            let task = weft::spawn(async move {
                weft::task::yield_now().await;
                drop(rx);
            });
            tx.closed().await;
            assert!(tx.send(1).is_err());
            task.await.unwrap();
        });
    }

    fn select_on_a_receiver_by_reference_loses_nothing(rt: &Runtime) {
        rt.block_on(async {
            let (tx, mut rx) = oneshot::channel();
            let go = std::sync::Arc::new(weft::sync::Notify::new());
            let sender = {
                let go = go.clone();
                weft::spawn(async move {
                    go.notified().await;
                    tx.send(9).unwrap();
                })
            };
            // The receiver loses the race three times (its future is
            // dropped by select! each time) before the value is sent.
            let mut polls = 0;
            let value = loop {
                weft::select! {
                    v = &mut rx => break v.unwrap(),
                    _ = weft::task::yield_now() => {
                        polls += 1;
                        if polls == 3 {
                            go.notify_one();
                        }
                    }
                }
            };
            assert_eq!(value, 9);
            assert!(polls >= 3);
            sender.await.unwrap();
        });
    }
}

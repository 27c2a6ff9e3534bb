//! `weft::sync::mpsc`: order, capacity and FIFO senders, permits, close
//! from either side, weak senders, errors, blocking use, cancellation that
//! loses no slot, and the 8 producers × 100,000 messages capacity-1 stress.

mod support;
mod sync_support;

use std::pin::pin;
use std::sync::Arc;
use support::{rt_test, yield_until, Counted, Counters, DropCount, Watchdog};
use sync_support::{assert_pending, assert_ready, Counter};
use weft::sync::mpsc::{self, error::SendError, error::TryRecvError, error::TrySendError};

#[test]
fn bounded_capacity_and_try_send() {
    let (tx, mut rx) = mpsc::channel(2);
    assert_eq!((tx.capacity(), tx.max_capacity()), (2, 2));
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(tx.capacity(), 0);
    let err = tx.try_send(3).unwrap_err();
    assert_eq!(err, TrySendError::Full(3));
    assert_eq!(err.to_string(), "no available capacity");
    assert_eq!(err.into_inner(), 3);
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.capacity(), 1, "a received message frees its slot");
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(rx.is_empty());
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(
        TryRecvError::Empty.to_string(),
        "receiving on an empty channel"
    );
    assert_eq!(
        TryRecvError::Disconnected.to_string(),
        "receiving on a closed channel"
    );
}

#[test]
#[should_panic(expected = "mpsc bounded channel requires buffer > 0")]
fn zero_capacity_panics() {
    let _ = mpsc::channel::<()>(0);
}

#[test]
fn waiting_senders_are_served_in_fifo_order() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let cs: Vec<Counter> = (0..3).map(|_| Counter::new()).collect();
    let mut a = pin!(tx.send(1));
    let mut b = pin!(tx.send(2));
    let mut c = pin!(tx.send(3));
    assert_pending(&cs[0], a.as_mut());
    assert_pending(&cs[1], b.as_mut());
    assert_pending(&cs[2], c.as_mut());
    let rc = Counter::new();
    let mut got = Vec::new();
    for (i, fut) in [a.as_mut(), b.as_mut(), c.as_mut()].into_iter().enumerate() {
        got.push(assert_ready(&rc, pin!(rx.recv())).unwrap());
        assert_eq!(cs[i].wakes(), 1, "sender {i} woken in turn");
        for later in &cs[i + 1..] {
            assert_eq!(later.wakes(), 0);
        }
        assert_ready(&cs[i], fut).unwrap();
    }
    got.push(assert_ready(&rc, pin!(rx.recv())).unwrap());
    assert_eq!(got, [0, 1, 2, 3]);
}

#[test]
fn a_cancelled_send_loses_no_slot() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let c = Counter::new();
    let mut waiting = pin!(tx.send(2));
    {
        let mut first = pin!(tx.send(1));
        assert_pending(&c, first.as_mut());
        assert_pending(&c, waiting.as_mut());
        assert_eq!(rx.try_recv(), Ok(0)); // slot handed to `first`
                                          // `first` is dropped holding the slot: it passes to `waiting`.
    }
    assert_ready(&c, waiting.as_mut()).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn the_receiver_wakes_on_send_and_on_last_sender_drop() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let c = Counter::new();
    assert_pending(&c, pin!(rx.recv()));
    tx.send(1).unwrap();
    assert_eq!(c.wakes(), 1);
    let tx2 = tx.clone();
    assert_eq!(assert_ready(&c, pin!(rx.recv())), Some(1));
    assert_pending(&c, pin!(rx.recv()));
    drop(tx);
    assert_eq!(c.wakes(), 1, "another sender remains");
    drop(tx2);
    assert_eq!(c.wakes(), 2);
    assert_eq!(assert_ready(&c, pin!(rx.recv())), None);
    assert!(rx.is_closed());
}

#[test]
fn dropping_the_receiver_fails_sends_and_drops_queued_messages() {
    let drops = DropCount::new();
    let (tx, rx) = mpsc::channel(4);
    tx.try_send(drops.track(1)).unwrap();
    tx.try_send(drops.track(2)).unwrap();
    let (utx, urx) = mpsc::unbounded_channel();
    utx.send(drops.track(3)).unwrap();
    drop(rx);
    drop(urx);
    assert_eq!(drops.get(), 3, "queued messages dropped with the receiver");
    assert!(tx.is_closed() && utx.is_closed());
    let SendError(back) = utx.send(drops.track(4)).unwrap_err();
    assert_eq!(back.value, 4);
    assert!(matches!(
        tx.try_send(drops.track(5)),
        Err(TrySendError::Closed(_))
    ));
    let c = Counter::new();
    let SendError(back) = assert_ready(&c, pin!(tx.send(drops.track(6)))).unwrap_err();
    assert_eq!(back.value, 6);
    assert_eq!(SendError(()).to_string(), "channel closed");
}

#[test]
fn close_fails_waiting_senders_but_keeps_queued_messages() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let c = Counter::new();
    let mut waiting = pin!(tx.send(2));
    assert_pending(&c, waiting.as_mut());
    let mut closed = pin!(tx.closed());
    assert_pending(&c, closed.as_mut());
    rx.close();
    assert!(rx.is_closed());
    assert_eq!(assert_ready(&c, waiting.as_mut()), Err(SendError(2)));
    assert_ready(&c, closed.as_mut());
    let rc = Counter::new();
    assert_eq!(assert_ready(&rc, pin!(rx.recv())), Some(1));
    assert_eq!(assert_ready(&rc, pin!(rx.recv())), None);
}

#[test]
fn after_close_a_reserved_permit_can_still_send() {
    let (tx, mut rx) = mpsc::channel(2);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    let c = Counter::new();
    let mut recv = pin!(rx.recv());
    assert_pending(&c, recv.as_mut());
    permit.send(7);
    assert_eq!(c.wakes(), 1);
    assert_eq!(assert_ready(&c, recv.as_mut()), Some(7));
    // A dropped permit after close also ends the wait.
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    let mut recv = pin!(rx.recv());
    assert_pending(&c, recv.as_mut());
    drop(permit);
    assert_eq!(assert_ready(&c, recv.as_mut()), None);
}

#[test]
fn a_closed_receiver_hears_of_a_partial_batch_reservation_giving_up() {
    let (tx, mut rx) = mpsc::channel(2);
    tx.try_send(1).unwrap();
    let (cs, cr) = (Counter::new(), Counter::new());
    let mut batch = pin!(tx.reserve_many(2));
    assert_pending(&cs, batch.as_mut()); // holds the one free slot, waits for one more
    rx.close();
    assert_eq!(cs.wakes(), 1);
    assert_eq!(assert_ready(&cr, pin!(rx.recv())), Some(1));
    let mut recv = pin!(rx.recv());
    assert_pending(&cr, recv.as_mut()); // a slot is still out
    assert!(assert_ready(&cs, batch.as_mut()).is_err());
    assert_eq!(cr.wakes(), 1, "told that the slot came back");
    assert_eq!(assert_ready(&cr, recv.as_mut()), None);
}

#[test]
fn permits_reserve_slots() {
    let (tx, mut rx) = mpsc::channel(3);
    let p = tx.try_reserve().unwrap();
    let many = tx.try_reserve_many(2).unwrap();
    assert_eq!(many.len(), 2);
    assert_eq!(tx.capacity(), 0);
    assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
    assert!(tx.try_reserve_many(4).is_err(), "more than the capacity");
    drop(p);
    assert_eq!(tx.capacity(), 1, "an unused permit frees its slot");
    for (i, permit) in many.enumerate() {
        permit.send(i);
    }
    let owned = tx.clone().try_reserve_owned().unwrap();
    let tx2 = owned.send(9);
    assert!(tx2.same_channel(&tx));
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(9));
    let owned = tx2.try_reserve_owned().unwrap();
    let tx2 = owned.release();
    assert_eq!(tx2.capacity(), 3);
    // Dropping an owned permit drops its sender too.
    let owned = tx2.try_reserve_owned().unwrap();
    assert_eq!(tx.strong_count(), 2);
    drop(owned);
    assert_eq!(tx.strong_count(), 1);
    assert_eq!(tx.capacity(), 3);
}

#[test]
fn weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    let strong = weak.upgrade().unwrap();
    assert_eq!(rx.sender_strong_count(), 2);
    drop(strong);
    drop(tx);
    assert!(weak.upgrade().is_none(), "every strong sender is gone");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    let weak2 = weak.clone();
    assert_eq!(rx.sender_weak_count(), 2);
    drop((weak, weak2));
    assert_eq!(rx.sender_weak_count(), 0);

    let (utx, _urx) = mpsc::unbounded_channel::<u8>();
    let uweak = utx.downgrade();
    assert!(uweak.upgrade().is_some());
    drop(utx);
    assert!(uweak.upgrade().is_none());
}

#[test]
fn recv_many_takes_what_is_there_up_to_the_limit() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    let c = Counter::new();
    let mut buf = vec![100];
    assert_eq!(assert_ready(&c, pin!(rx.recv_many(&mut buf, 3))), 3);
    assert_eq!(buf, [100, 0, 1, 2]);
    assert_eq!(assert_ready(&c, pin!(rx.recv_many(&mut buf, 10))), 2);
    assert_eq!(assert_ready(&c, pin!(rx.recv_many(&mut buf, 0))), 0);
    assert_pending(&c, pin!(rx.recv_many(&mut buf, 10)));
    drop(tx);
    assert_eq!(assert_ready(&c, pin!(rx.recv_many(&mut buf, 10))), 0);
    assert_eq!(buf, [100, 0, 1, 2, 3, 4]);
}

#[test]
fn bounded_recv_many_frees_each_slot() {
    let (tx, mut rx) = mpsc::channel(3);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    let mut buf = Vec::new();
    assert_eq!(rx.blocking_recv_many(&mut buf, 2), 2);
    assert_eq!(tx.capacity(), 2);
    assert_eq!(rx.blocking_recv_many(&mut buf, 2), 1);
    assert_eq!(tx.capacity(), 3);
}

#[test]
fn blocking_send_and_recv_between_threads() {
    let (tx, mut rx) = mpsc::channel(1);
    let producer = std::thread::spawn(move || {
        for i in 0..1000 {
            tx.blocking_send(i).unwrap();
        }
    });
    let mut expected = 0;
    while let Some(i) = rx.blocking_recv() {
        assert_eq!(i, expected);
        expected += 1;
    }
    assert_eq!(expected, 1000);
    producer.join().unwrap();
    let (utx, mut urx) = mpsc::unbounded_channel();
    std::thread::spawn(move || utx.send(5).unwrap());
    assert_eq!(urx.blocking_recv(), Some(5));
    assert_eq!(urx.blocking_recv(), None);
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_send_inside_a_runtime_panics() {
    let rt = support::current_thread_rt();
    let (tx, _rx) = mpsc::channel(1);
    rt.block_on(async {
        let _ = tx.blocking_send(());
    });
}

rt_test! {
    fn send_timeout_times_out_succeeds_or_reports_closed(rt: &Runtime) {
        use weft::sync::mpsc::error::SendTimeoutError;
        use weft::time::{Duration, Instant};
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(1);
            tx.send(1).await.unwrap();
            // Full: times out after the duration, the value comes back.
            let start = Instant::now();
            let full = tx.send_timeout(2, Duration::from_millis(10)).await;
            assert_eq!(full, Err(SendTimeoutError::Timeout(2)));
            assert!(start.elapsed() >= Duration::from_millis(10));
            assert_eq!(full.unwrap_err().to_string(), "timed out waiting on send operation");
            // A slot freed within the timeout: sent.
            let receiver = weft::spawn(async move {
                weft::time::sleep(Duration::from_millis(5)).await;
                let first = rx.recv().await;
                (first, rx.recv().await, rx)
            });
            tx.send_timeout(3, Duration::from_secs(30)).await.unwrap();
            let (first, second, rx) = receiver.await.unwrap();
            assert_eq!((first, second), (Some(1), Some(3)));
            // The receiver gone: closed, the value comes back.
            drop(rx);
            let closed = tx.send_timeout(4, Duration::from_secs(30)).await;
            assert_eq!(closed, Err(SendTimeoutError::Closed(4)));
            assert_eq!(closed.unwrap_err().into_inner(), 4);
        });
    }

    fn per_producer_order_with_many_producers(rt: &Runtime) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            for p in 0..5u32 {
                let tx = tx.clone();
                weft::spawn(async move {
                    for i in 0..1000u32 {
                        tx.send((p, i)).await.unwrap();
                    }
                });
            }
            drop(tx);
            let mut next = [0u32; 5];
            while let Some((p, i)) = rx.recv().await {
                assert_eq!(i, next[p as usize], "producer {p} out of order");
                next[p as usize] += 1;
            }
            assert_eq!(next, [1000; 5]);
        });
    }

    fn unbounded_from_many_tasks(rt: &Runtime) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let tasks: Vec<_> = (0..5u64)
                .map(|p| {
                    let tx = tx.clone();
                    weft::spawn(async move {
                        for i in 0..1000u64 {
                            tx.send(p * 1000 + i).unwrap();
                            if i % 100 == 0 {
                                weft::task::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            drop(tx);
            let mut buf = Vec::new();
            let mut sum = 0;
            while rx.recv_many(&mut buf, 64).await > 0 {
                sum += buf.drain(..).sum::<u64>();
            }
            assert_eq!(sum, (0..5000).sum());
            for t in tasks {
                t.await.unwrap();
            }
        });
    }

    fn aborted_senders_lose_no_capacity(rt: &Runtime) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(2);
            tx.send(0).await.unwrap();
            tx.send(0).await.unwrap();
            let counters: Vec<_> = (0..6).map(|_| Counters::new()).collect();
            let blocked: Vec<_> = counters
                .iter()
                .zip(0..)
                .map(|(counters, i)| {
                    let tx = tx.clone();
                    weft::spawn(Counted::new(counters, async move { tx.send(i).await }))
                })
                .collect();
            // Aborted only once every send waits (its first poll returned):
            // a task aborted during its first poll may still finish that
            // poll with its send done (the receiver below can free a slot
            // meanwhile), and its handle then gives the output, as tokio's
            // does.
            yield_until(|| counters.iter().all(|c| c.polls_returned() >= 1)).await;
            for b in blocked.iter().step_by(2) {
                b.abort();
            }
            drop(tx);
            let mut received = 0;
            while rx.recv().await.is_some() {
                received += 1;
            }
            let mut sent = 2;
            for (i, b) in blocked.into_iter().enumerate() {
                match b.await {
                    Ok(result) => {
                        assert!(i % 2 == 1, "aborted sender {i} completed");
                        result.unwrap();
                        sent += 1;
                    }
                    Err(err) => assert!(i % 2 == 0 && err.is_cancelled(), "sender {i}: {err}"),
                }
            }
            assert_eq!(received, sent, "every completed send was received");
            assert_eq!(rx.capacity(), 2, "no slot lost to the aborted senders");
        });
    }

    fn receiver_dropped_mid_stream(rt: &Runtime) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(1);
            let producer = weft::spawn(async move {
                let mut sent = 0;
                while tx.send(sent).await.is_ok() {
                    sent += 1;
                }
                sent
            });
            for _ in 0..10 {
                rx.recv().await.unwrap();
            }
            drop(rx);
            let sent = producer.await.unwrap();
            assert!((10..=11).contains(&sent), "sent {sent}");
        });
    }
}

/// 8 producers × 100,000 messages through a capacity-1 channel on the
/// multi-thread runtime: every message arrives exactly once, in per-producer
/// order. Bounded in time by the watchdog (a lost wake-up aborts).
#[test]
fn stress_8_producers_100k_capacity_1_multi_thread() {
    const PRODUCERS: usize = 8;
    const MESSAGES: u32 = 100_000;
    let _watchdog = Watchdog::new("stress_8_producers_100k_capacity_1_multi_thread");
    let rt = support::Flavor::MultiThread(4).build();
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let tx = tx.clone();
                weft::spawn(async move {
                    for i in 0..MESSAGES {
                        tx.send((p, i)).await.unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = [0u32; PRODUCERS];
        let mut total = 0usize;
        while let Some((p, i)) = rx.recv().await {
            assert_eq!(i, next[p], "producer {p}: out of order or duplicated");
            next[p] += 1;
            total += 1;
        }
        assert_eq!(total, PRODUCERS * MESSAGES as usize);
        assert_eq!(next, [MESSAGES; PRODUCERS]);
        for p in producers {
            p.await.unwrap();
        }
    });
    drop(Arc::new(()));
}

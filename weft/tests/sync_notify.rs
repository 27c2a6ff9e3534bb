//! `weft::sync::Notify`: the stored permit, FIFO/LIFO wake order,
//! `notify_waiters` (no permit, covers unpolled futures), `enable`, and
//! cancellation that never loses a notification (checked by counting).

mod support;
mod sync_support;

use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use support::rt_test;
use sync_support::{assert_pending, assert_ready, Counter};
use weft::sync::Notify;

#[test]
fn notify_one_stores_a_single_permit() {
    let n = Notify::new();
    let c = Counter::new();
    n.notify_one();
    n.notify_one(); // still one permit
    assert_ready(&c, pin!(n.notified()));
    let mut second = pin!(n.notified());
    assert_pending(&c, second.as_mut());
    n.notify_one();
    assert_eq!(c.wakes(), 1);
    assert_ready(&c, second.as_mut());
}

#[test]
fn notify_one_wakes_in_fifo_order_and_notify_last_in_lifo() {
    let n = Notify::new();
    let cs: Vec<Counter> = (0..3).map(|_| Counter::new()).collect();
    let mut a = pin!(n.notified());
    let mut b = pin!(n.notified());
    let mut c = pin!(n.notified());
    assert_pending(&cs[0], a.as_mut());
    assert_pending(&cs[1], b.as_mut());
    assert_pending(&cs[2], c.as_mut());
    n.notify_one();
    assert_eq!(cs.iter().map(Counter::wakes).collect::<Vec<_>>(), [1, 0, 0]);
    n.notify_last();
    assert_eq!(cs.iter().map(Counter::wakes).collect::<Vec<_>>(), [1, 0, 1]);
    assert_pending(&cs[1], b.as_mut());
    assert_ready(&cs[0], a.as_mut());
    assert_ready(&cs[2], c.as_mut());
    n.notify_one();
    assert_ready(&cs[1], b.as_mut());
    // Nobody waits now, and nothing was left over.
    assert_pending(&cs[0], pin!(n.notified()));
}

#[test]
fn notify_waiters_wakes_every_earlier_future_and_stores_no_permit() {
    let n = Notify::new();
    let c = Counter::new();
    let mut polled = pin!(n.notified());
    assert_pending(&c, polled.as_mut());
    let mut unpolled = pin!(n.notified());
    n.notify_waiters();
    assert_eq!(c.wakes(), 1);
    assert_ready(&c, polled.as_mut());
    assert_ready(&c, unpolled.as_mut());
    let mut later = pin!(n.notified());
    assert_pending(&c, later.as_mut());
    n.notify_waiters();
    assert_ready(&c, later.as_mut());
}

#[test]
fn notify_waiters_keeps_an_already_stored_permit() {
    let n = Notify::new();
    let c = Counter::new();
    n.notify_one();
    n.notify_waiters();
    assert_ready(&c, pin!(n.notified()));
    assert_pending(&c, pin!(n.notified()));
}

#[test]
fn many_waiters_beyond_one_wake_batch() {
    let n = Notify::new();
    let c = Counter::new();
    let mut futures: Vec<_> = (0..100).map(|_| Box::pin(n.notified())).collect();
    for f in &mut futures {
        assert_pending(&c, f.as_mut());
    }
    n.notify_waiters();
    assert_eq!(c.wakes(), 100);
    for f in &mut futures {
        assert_ready(&c, f.as_mut());
    }
}

#[test]
fn enable_registers_without_polling() {
    let n = Notify::new();
    let c = Counter::new();
    let mut f = pin!(n.notified());
    assert!(!f.as_mut().enable());
    assert!(!f.as_mut().enable(), "idempotent");
    n.notify_one();
    assert!(f.as_mut().enable(), "the notification went to it");
    // ...and not to a stored permit.
    assert_pending(&c, pin!(n.notified()));
    assert_ready(&c, f.as_mut());
}

#[test]
fn enable_consumes_a_stored_permit() {
    let n = Notify::new();
    n.notify_one();
    let mut f = pin!(n.notified());
    assert!(f.as_mut().enable());
    let c = Counter::new();
    assert_ready(&c, f.as_mut());
    assert_pending(&c, pin!(n.notified()));
}

#[test]
fn a_dropped_chosen_waiter_passes_the_notification_on() {
    let n = Notify::new();
    let (ca, cb) = (Counter::new(), Counter::new());
    let mut b = pin!(n.notified());
    {
        let mut a = pin!(n.notified());
        assert_pending(&ca, a.as_mut());
        assert_pending(&cb, b.as_mut());
        n.notify_one();
        assert_eq!((ca.wakes(), cb.wakes()), (1, 0));
    }
    assert_eq!(cb.wakes(), 1, "forwarded to the next waiter");
    assert_ready(&cb, b.as_mut());
}

#[test]
fn a_dropped_chosen_last_waiter_becomes_the_permit() {
    let n = Notify::new();
    let c = Counter::new();
    {
        let mut a = pin!(n.notified());
        assert_pending(&c, a.as_mut());
        n.notify_one();
    }
    assert_ready(&c, pin!(n.notified()));
    assert_pending(&c, pin!(n.notified()));
}

#[test]
fn a_dropped_unnotified_waiter_is_simply_removed() {
    let n = Notify::new();
    let c = Counter::new();
    {
        let mut a = pin!(n.notified());
        assert_pending(&c, a.as_mut());
    }
    n.notify_one(); // nobody waits: a permit
    assert_ready(&c, pin!(n.notified()));
    assert_eq!(c.wakes(), 0);
}

#[test]
fn notify_waiters_then_drop_passes_nothing() {
    let n = Notify::new();
    let c = Counter::new();
    {
        let mut a = pin!(n.notified());
        assert_pending(&c, a.as_mut());
        n.notify_waiters();
    }
    assert_pending(&c, pin!(n.notified()));
}

#[test]
fn const_new_in_a_static() {
    static N: Notify = Notify::const_new();
    N.notify_one();
    assert_ready(&Counter::new(), pin!(N.notified()));
}

#[test]
fn owned_notified_keeps_the_notify_alive_and_takes_part_like_notified() {
    use weft::sync::futures::OwnedNotified;
    let n = Arc::new(Notify::new());
    let c = Counter::new();
    // Created before `notify_waiters`: done even though never polled.
    let mut unpolled: std::pin::Pin<Box<OwnedNotified>> = Box::pin(n.clone().notified_owned());
    let mut polled = Box::pin(n.clone().notified_owned());
    assert_pending(&c, polled.as_mut());
    assert_eq!(Arc::strong_count(&n), 3, "each future holds the Arc");
    n.notify_waiters();
    assert_eq!(c.wakes(), 1);
    assert_ready(&c, polled.as_mut());
    assert_ready(&c, unpolled.as_mut());
    drop((polled, unpolled));
    assert_eq!(Arc::strong_count(&n), 1, "dropping the futures releases it");

    // `notify_one` with a permit, `enable`, and a chosen waiter dropped.
    let a = Box::pin(n.clone().notified_owned());
    let mut b = Box::pin(n.clone().notified_owned());
    let mut a = a;
    assert!(!a.as_mut().enable());
    assert!(!b.as_mut().enable());
    n.notify_one(); // picks `a` (FIFO)
    drop(a); // chosen but never observed: passes it on to `b`
    assert!(b.as_mut().enable());
    assert_ready(&c, b.as_mut());
    // No leftover permit.
    assert_pending(&c, Box::pin(n.clone().notified_owned()).as_mut());
}

#[test]
fn owned_notified_is_static_send_and_debug() {
    fn is_static_send_sync<T: 'static + Send + Sync>(_: &T) {}
    let n = Arc::new(Notify::new());
    let f = n.notified_owned();
    is_static_send_sync(&f);
    assert!(format!("{f:?}").starts_with("OwnedNotified"));
}

rt_test! {
    fn owned_notified_moves_into_a_task(rt: &Runtime) {
        rt.block_on(async {
            let n = Arc::new(Notify::new());
            let woke = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let fut = n.clone().notified_owned();
                    let woke = woke.clone();
                    weft::spawn(async move {
                        fut.await;
                        woke.fetch_add(1, SeqCst);
                    })
                })
                .collect();
            n.notify_waiters();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(woke.load(SeqCst), 4);
        });
    }

    fn ping_pong_between_tasks(rt: &Runtime) {
        rt.block_on(async {
            let ping = Arc::new(Notify::new());
            let pong = Arc::new(Notify::new());
            let rounds = Arc::new(AtomicUsize::new(0));
            let task = {
                let (ping, pong, rounds) = (ping.clone(), pong.clone(), rounds.clone());
                weft::spawn(async move {
                    for _ in 0..1000 {
                        ping.notified().await;
                        rounds.fetch_add(1, SeqCst);
                        pong.notify_one();
                    }
                })
            };
            for i in 0..1000 {
                ping.notify_one();
                pong.notified().await;
                assert_eq!(rounds.load(SeqCst), i + 1);
            }
            task.await.unwrap();
        });
    }

    fn no_notification_lost_among_racing_waiters(rt: &Runtime) {
        rt.block_on(async {
            // 8 tasks each wait for 100 notifications; 800 notify_one calls
            // race with their registrations. Every wait completes: none was
            // lost (a lost one would hang) and none counted twice.
            let n = Arc::new(Notify::new());
            let got = Arc::new(AtomicUsize::new(0));
            let waiters: Vec<_> = (0..8)
                .map(|_| {
                    let (n, got) = (n.clone(), got.clone());
                    weft::spawn(async move {
                        for _ in 0..100 {
                            n.notified().await;
                            got.fetch_add(1, SeqCst);
                        }
                    })
                })
                .collect();
            for i in 0..800 {
                // One notification at a time: each wakes exactly one wait
                // (or is the stored permit the next wait consumes).
                n.notify_one();
                while got.load(SeqCst) < i + 1 {
                    weft::task::yield_now().await;
                }
                assert_eq!(got.load(SeqCst), i + 1, "one notification, one wake-up");
            }
            for w in waiters {
                w.await.unwrap();
            }
            assert_eq!(got.load(SeqCst), 800);
        });
    }
}

//! `weft::sync::Barrier`: releases all `n` waiters together, one leader
//! per round, reusable, every flavor.

mod support;
mod sync_support;

use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use support::rt_test;
use sync_support::{assert_pending, assert_ready, Counter};
use weft::sync::Barrier;

#[test]
fn the_nth_arrival_releases_everyone_and_leads() {
    let barrier = Barrier::new(3);
    let (ca, cb) = (Counter::new(), Counter::new());
    let mut a = pin!(barrier.wait());
    let mut b = pin!(barrier.wait());
    assert_pending(&ca, a.as_mut());
    assert_pending(&cb, b.as_mut());
    let leader = assert_ready(&Counter::new(), pin!(barrier.wait()));
    assert!(leader.is_leader());
    assert_eq!((ca.wakes(), cb.wakes()), (1, 1));
    assert!(!assert_ready(&ca, a.as_mut()).is_leader());
    assert!(!assert_ready(&cb, b.as_mut()).is_leader());
}

#[test]
fn zero_and_one_never_wait() {
    for n in [0, 1] {
        let barrier = Barrier::new(n);
        for _ in 0..3 {
            assert!(assert_ready(&Counter::new(), pin!(barrier.wait())).is_leader());
        }
    }
}

#[test]
fn rounds_do_not_mix() {
    let barrier = Barrier::new(2);
    let c = Counter::new();
    let mut first = pin!(barrier.wait());
    assert_pending(&c, first.as_mut());
    assert!(assert_ready(&c, pin!(barrier.wait())).is_leader());
    // A new round starts: `first` is released, a new waiter waits again.
    let mut second = pin!(barrier.wait());
    assert_pending(&c, second.as_mut());
    assert!(!assert_ready(&c, first.as_mut()).is_leader());
    assert_pending(&c, second.as_mut());
}

rt_test! {
    fn tasks_meet_round_after_round(rt: &Runtime) {
        rt.block_on(async {
            const N: usize = 6;
            let barrier = Arc::new(Barrier::new(N));
            let arrived = Arc::new(AtomicUsize::new(0));
            let leaders = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..N)
                .map(|_| {
                    let (barrier, arrived, leaders) =
                        (barrier.clone(), arrived.clone(), leaders.clone());
                    weft::spawn(async move {
                        for round in 0..20 {
                            arrived.fetch_add(1, SeqCst);
                            if barrier.wait().await.is_leader() {
                                leaders.fetch_add(1, SeqCst);
                            }
                            assert!(arrived.load(SeqCst) >= (round + 1) * N, "released early");
                            barrier.wait().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(leaders.load(SeqCst), 20);
        });
    }
}

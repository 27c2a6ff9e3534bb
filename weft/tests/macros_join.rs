//! `join!`: outputs, concurrency, fairness rotation, drops, arity.
#![deny(warnings)]

use std::cell::Cell;
use std::future::{ready, Future};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Waker};

mod macros_support;
use macros_support::*;

// ---- tests ----

#[test]
fn zero_branches_is_unit() {
    let () = block_on(async { weft::join!() });
    let () = block_on(async { weft::join!(biased;) });
}

#[test]
fn one_branch_is_one_tuple() {
    let out: (u32,) = block_on(async { weft::join!(async { 7 }) });
    assert_eq!(out, (7,));
    let out: (u32,) = block_on(async { weft::join!(biased; async { 7 },) });
    assert_eq!(out, (7,));
}

#[test]
fn outputs_in_order_written() {
    let probes = [Probe::default(), Probe::default(), Probe::default()];
    // Completion order is 2, 0, 1; the tuple is still in the order written.
    let out = block_on(async {
        weft::join!(
            Counting::new(3, "a", &probes[0]),
            Counting::new(5, 2u8, &probes[1]),
            Counting::new(0, 3.5f64, &probes[2]),
        )
    });
    assert_eq!(out, ("a", 2u8, 3.5f64));
    assert_eq!(probes[0].polls(), 4);
    assert_eq!(probes[1].polls(), 6);
    assert_eq!(probes[2].polls(), 1);
}

#[test]
fn accepts_into_future() {
    struct Later(u32);
    impl std::future::IntoFuture for Later {
        type Output = u32;
        type IntoFuture = std::future::Ready<u32>;
        fn into_future(self) -> Self::IntoFuture {
            ready(self.0 * 2)
        }
    }
    let out = block_on(async { weft::join!(Later(1), async { 5 }, Later(4)) });
    assert_eq!(out, (2, 5, 8));
}

#[test]
fn branches_run_concurrently_in_one_poll_each() {
    let a = Probe::default();
    let b = Probe::default();
    let ((), polls) = block_on_counted(async {
        let (x, y) = weft::join!(Counting::new(4, 1, &a), Counting::new(4, 2, &b));
        assert_eq!((x, y), (1, 2));
    });
    // Both progressed on every poll of the join: 5 outer polls, not 10.
    assert_eq!(polls, 5);
    assert_eq!(a.polls(), 5);
    assert_eq!(b.polls(), 5);
}

#[test]
fn default_mode_rotates_the_first_branch() {
    let log: Log = Rc::default();
    let out = block_on(async {
        weft::join!(
            Counting::logged(0, 3, 'a', &log),
            Counting::logged(1, 3, 'b', &log),
            Counting::logged(2, 3, 'c', &log),
        )
    });
    assert_eq!(out, ('a', 'b', 'c'));
    #[rustfmt::skip]
    let expected = [
        0, 1, 2, // first poll starts at branch 0
        1, 2, 0, // then one later each time
        2, 0, 1,
        0, 1, 2, // and wraps around
    ];
    assert_eq!(*log.borrow(), expected);
}

#[test]
fn biased_mode_polls_in_order_written() {
    let log: Log = Rc::default();
    let out = block_on(async {
        weft::join!(
            biased;
            Counting::logged(0, 3, 'a', &log),
            Counting::logged(1, 3, 'b', &log),
            Counting::logged(2, 3, 'c', &log),
        )
    });
    assert_eq!(out, ('a', 'b', 'c'));
    assert_eq!(*log.borrow(), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
}

#[test]
fn finished_branches_are_not_polled_again() {
    let log: Log = Rc::default();
    block_on(async {
        weft::join!(
            biased;
            Counting::logged(0, 0, (), &log),
            Counting::logged(1, 2, (), &log),
        )
    });
    // Branch 0 finished on the first poll and was never polled again
    // (`Counting` would panic).
    assert_eq!(*log.borrow(), [0, 1, 1, 1]);
}

#[test]
fn futures_and_outputs_dropped_exactly_once() {
    let probes = [Probe::default(), Probe::default()];
    let out_drops = Rc::new(Cell::new(0));
    let (t1, t2) = block_on(async {
        let out = weft::join!(
            Counting::new(1, DropToken(out_drops.clone()), &probes[0]),
            Counting::new(3, DropToken(out_drops.clone()), &probes[1]),
        );
        // Each future was dropped when it finished, before join! returned.
        assert_eq!(probes[0].drops(), 1);
        assert_eq!(probes[1].drops(), 1);
        out
    });
    assert_eq!(out_drops.get(), 0, "outputs are moved out, not dropped");
    drop((t1, t2));
    assert_eq!(out_drops.get(), 2);
    assert_eq!(probes[0].drops(), 1);
    assert_eq!(probes[1].drops(), 1);
}

#[test]
fn dropping_the_join_drops_futures_and_stored_outputs_once() {
    let probes = [Probe::default(), Probe::default(), Probe::default()];
    let out_drops = Rc::new(Cell::new(0));
    {
        let fut = pin!(async {
            weft::join!(
                Counting::new(0, DropToken(out_drops.clone()), &probes[0]),
                Counting::new(10, DropToken(out_drops.clone()), &probes[1]),
                Counting::new(10, DropToken(out_drops.clone()), &probes[2]),
            )
        });
        let mut cx = Context::from_waker(Waker::noop());
        assert!(fut.poll(&mut cx).is_pending());
        // Branch 0 is done: its future is gone and its output is stored.
        assert_eq!(probes[0].drops(), 1);
        assert_eq!(probes[1].drops(), 0);
        assert_eq!(out_drops.get(), 0);
    }
    assert_eq!(
        [probes[0].drops(), probes[1].drops(), probes[2].drops()],
        [1, 1, 1]
    );
    // The stored output of branch 0, and the unproduced values held by the
    // two unfinished futures.
    assert_eq!(out_drops.get(), 3);
}

#[test]
fn dropped_in_order_written() {
    struct Named(usize, Log);
    impl Drop for Named {
        fn drop(&mut self) {
            self.1.borrow_mut().push(self.0);
        }
    }
    let log: Log = Rc::default();
    {
        let fut = pin!(async {
            let guards = (
                Named(0, log.clone()),
                Named(1, log.clone()),
                Named(2, log.clone()),
            );
            weft::join!(
                async move {
                    let _g = guards.0;
                    std::future::pending::<()>().await;
                },
                async move {
                    let _g = guards.1;
                    std::future::pending::<()>().await;
                },
                async move {
                    let _g = guards.2;
                    std::future::pending::<()>().await;
                },
            )
        });
        let mut cx = Context::from_waker(Waker::noop());
        assert!(fut.poll(&mut cx).is_pending());
    }
    assert_eq!(*log.borrow(), [0, 1, 2]);
}

#[test]
fn expressions_evaluated_in_order_before_polling() {
    let log: Log = Rc::default();
    let make = |id: usize| {
        log.borrow_mut().push(id);
        let log = log.clone();
        async move {
            log.borrow_mut().push(100 + id);
            id
        }
    };
    let out = block_on(async { weft::join!(biased; make(0), make(1), make(2)) });
    assert_eq!(out, (0, 1, 2));
    assert_eq!(*log.borrow(), [0, 1, 2, 100, 101, 102]);
}

#[test]
#[rustfmt::skip]
fn twenty_branches() {
    let probe = Probe::default();
    let c = |n: usize| Counting::new(n % 4, n, &probe);
    let out = block_on(async {
        weft::join!(
            c(0), c(1), c(2), c(3), c(4), c(5), c(6), c(7), c(8), c(9),
            c(10), c(11), c(12), c(13), c(14), c(15), c(16), c(17), c(18), c(19),
        )
    });
    let (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19) =
        out;
    assert_eq!(
        [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19],
        std::array::from_fn::<usize, 20, _>(|i| i)
    );
    assert_eq!(probe.drops(), 20);
    // Branch n is polled (n % 4) + 1 times.
    assert_eq!(probe.polls(), (0..20).map(|n| n % 4 + 1).sum::<usize>());
}

#[test]
#[rustfmt::skip]
fn sixty_four_branches() {
    let r = ready::<u64>;
    let out = block_on(async {
        weft::join!(
            r(0), r(1), r(2), r(3), r(4), r(5), r(6), r(7), r(8), r(9), r(10), r(11), r(12),
            r(13), r(14), r(15), r(16), r(17), r(18), r(19), r(20), r(21), r(22), r(23), r(24),
            r(25), r(26), r(27), r(28), r(29), r(30), r(31), r(32), r(33), r(34), r(35), r(36),
            r(37), r(38), r(39), r(40), r(41), r(42), r(43), r(44), r(45), r(46), r(47), r(48),
            r(49), r(50), r(51), r(52), r(53), r(54), r(55), r(56), r(57), r(58), r(59), r(60),
            r(61), r(62), r(63),
        )
    });
    // 64 outputs of 8 bytes each, in order.
    assert_eq!(std::mem::size_of_val(&out), 64 * 8);
    assert_eq!((out.0, out.31, out.63), (0, 31, 63));
}

#[test]
fn borrows_locals_and_nests() {
    let mut counter = 0;
    let data = [1, 2, 3];
    let out = block_on(async {
        let ((a, b), c) = weft::join!(
            async { weft::join!(async { data.len() }, async { data[0] }) },
            async {
                counter += 1;
                counter
            },
        );
        (a, b, c)
    });
    assert_eq!(out, (3, 1, 1));
    assert_eq!(counter, 1);
}

#[test]
fn join_future_is_send_when_branches_are() {
    fn assert_send<T: Send>(_: &T) {}
    let fut = async { weft::join!(async { 1 }, ready(String::new())) };
    assert_send(&fut);
    assert_eq!(block_on(fut), (1, String::new()));
}

#[weft::test]
async fn joins_spawned_tasks_on_the_runtime() {
    let (a, b, c) = weft::join!(
        weft::spawn(async {
            weft::task::yield_now().await;
            1
        }),
        weft::spawn(async { 2 }),
        async {
            weft::task::yield_now().await;
            3
        },
    );
    assert_eq!((a.unwrap(), b.unwrap(), c), (1, 2, 3));
}

//! `try_join!`: all `Ok`, first `Err` returns early and drops the rest.
#![deny(warnings)]

use std::cell::Cell;
use std::future::{ready, Future};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Waker};

mod macros_support;
use macros_support::*;

// ---- tests ----

type Res<T> = Result<T, &'static str>;

#[test]
fn zero_branches_is_ok_unit() {
    let out: Res<()> = block_on(async { weft::try_join!() });
    assert_eq!(out, Ok(()));
    let out: Res<()> = block_on(async { weft::try_join!(biased;) });
    assert_eq!(out, Ok(()));
}

#[test]
fn one_branch() {
    let out = block_on(async { weft::try_join!(async { Res::Ok(1) }) });
    assert_eq!(out, Ok((1,)));
    let out = block_on(async { weft::try_join!(async { Res::<u8>::Err("no") },) });
    assert_eq!(out, Err("no"));
}

#[test]
fn all_ok_gives_tuple_in_order_written() {
    let probes = [Probe::default(), Probe::default(), Probe::default()];
    let (out, polls) = block_on_counted(async {
        weft::try_join!(
            Counting::new(3, Res::Ok("a"), &probes[0]),
            Counting::new(1, Res::Ok(2u8), &probes[1]),
            Counting::new(0, Res::Ok(3.5f64), &probes[2]),
        )
    });
    assert_eq!(out, Ok(("a", 2u8, 3.5f64)));
    assert_eq!(polls, 4, "concurrent: as many polls as the slowest");
    assert_eq!(
        [probes[0].polls(), probes[1].polls(), probes[2].polls()],
        [4, 2, 1]
    );
    assert_eq!(
        [probes[0].drops(), probes[1].drops(), probes[2].drops()],
        [1, 1, 1]
    );
}

#[test]
fn first_err_returns_early_and_drops_the_others() {
    let slow = Probe::default();
    let failing = Probe::default();
    let done = Probe::default();
    let out_drops = Rc::new(Cell::new(0));
    let (out, polls) = block_on_counted(async {
        let out = weft::try_join!(
            Counting::new(1_000, Res::Ok(DropToken(out_drops.clone())), &slow),
            Counting::new(2, Res::<()>::Err("boom"), &failing),
            Counting::new(0, Res::Ok(DropToken(out_drops.clone())), &done),
        );
        // Every future is gone by the time try_join! returns.
        assert_eq!([slow.drops(), failing.drops(), done.drops()], [1, 1, 1]);
        out.map(|_| ())
    });
    assert_eq!(out, Err("boom"));
    assert_eq!(polls, 3, "returned on the poll that saw the error");
    assert_eq!(failing.polls(), 3);
    // The slow future was polled at most once per poll of the join, far from
    // its completion.
    assert!(slow.polls() <= 3, "{}", slow.polls());
    // The finished Ok output stored for branch 2 and the value the slow
    // future never produced have both been dropped.
    assert_eq!(out_drops.get(), 2);
}

#[test]
fn err_short_circuits_with_question_mark() {
    async fn run(fail: bool) -> Res<u32> {
        let (a, b) = weft::try_join!(async { Res::Ok(1u32) }, async move {
            if fail {
                Err("failed")
            } else {
                Ok(2u32)
            }
        })?;
        Ok(a + b)
    }
    assert_eq!(block_on(run(false)), Ok(3));
    assert_eq!(block_on(run(true)), Err("failed"));
}

#[test]
fn biased_returns_the_first_written_error() {
    for _ in 0..10 {
        let out: Res<((), (), ())> = block_on(async {
            weft::try_join!(
                biased;
                async { Ok(()) },
                async { Err("second") },
                async { Err("third") },
            )
        });
        assert_eq!(out, Err("second"));
    }
}

#[test]
fn default_mode_rotates_the_first_branch() {
    let log: Log = Rc::default();
    let out = block_on(async {
        weft::try_join!(
            Counting::logged(0, 2, Res::Ok('a'), &log),
            Counting::logged(1, 2, Res::Ok('b'), &log),
        )
    });
    assert_eq!(out, Ok(('a', 'b')));
    assert_eq!(*log.borrow(), [0, 1, 1, 0, 0, 1]);

    let log: Log = Rc::default();
    let out = block_on(async {
        weft::try_join!(
            biased;
            Counting::logged(0, 2, Res::Ok('a'), &log),
            Counting::logged(1, 2, Res::Ok('b'), &log),
        )
    });
    assert_eq!(out, Ok(('a', 'b')));
    assert_eq!(*log.borrow(), [0, 1, 0, 1, 0, 1]);
}

#[test]
fn rotation_decides_which_simultaneous_error_wins() {
    // Both fail on the second poll of the join, which starts at branch 1.
    let log: Log = Rc::default();
    let out: Res<((), ())> = block_on(async {
        weft::try_join!(
            Counting::logged(0, 1, Err("zero"), &log),
            Counting::logged(1, 1, Err("one"), &log),
        )
    });
    assert_eq!(out, Err("one"));
    // Branch 0 was not polled again once branch 1 had failed.
    assert_eq!(*log.borrow(), [0, 1, 1]);
}

#[test]
fn dropping_the_try_join_drops_everything_once() {
    let probes = [Probe::default(), Probe::default()];
    let out_drops = Rc::new(Cell::new(0));
    {
        let fut = pin!(async {
            weft::try_join!(
                Counting::new(0, Res::Ok(DropToken(out_drops.clone())), &probes[0]),
                Counting::new(5, Res::Ok(DropToken(out_drops.clone())), &probes[1]),
            )
        });
        let mut cx = Context::from_waker(Waker::noop());
        assert!(fut.poll(&mut cx).is_pending());
    }
    assert_eq!([probes[0].drops(), probes[1].drops()], [1, 1]);
    assert_eq!(out_drops.get(), 2);
}

#[test]
#[rustfmt::skip]
fn sixteen_branches_with_one_late_error() {
    let probe = Probe::default();
    let c = |n: usize| Counting::new(n % 3, if n == 13 { Err("13") } else { Ok(n) }, &probe);
    let out = block_on(async {
        weft::try_join!(
            c(0), c(1), c(2), c(3), c(4), c(5), c(6), c(7),
            c(8), c(9), c(10), c(11), c(12), c(13), c(14), c(15),
        )
    });
    assert_eq!(out.map(|t| t.0), Err("13"));
    assert_eq!(probe.drops(), 16);
}

#[test]
fn try_join_future_is_send_when_branches_are() {
    fn assert_send<T: Send>(_: &T) {}
    let fut = async { weft::try_join!(async { Res::Ok(1) }, ready(Res::Ok(String::new()))) };
    assert_send(&fut);
    assert_eq!(block_on(fut), Ok((1, String::new())));
}

#[weft::test]
async fn try_joins_spawned_tasks_on_the_runtime() {
    let ok = weft::spawn(async { Res::Ok(1) });
    let err = weft::spawn(async {
        weft::task::yield_now().await;
        Res::<u8>::Err("task failed")
    });
    let out = weft::try_join!(async { ok.await.expect("not cancelled") }, async {
        err.await.expect("not cancelled")
    },);
    assert_eq!(out, Err("task failed"));
}

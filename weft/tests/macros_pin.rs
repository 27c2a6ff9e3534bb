//! `pin!`: shadowing with `Pin<&mut T>`, the `let` form, polling a pinned
//! future repeatedly from a `select!` loop.
#![deny(warnings)]

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

mod macros_support;
use macros_support::*;

// ---- tests ----

/// A `!Unpin` future: an `async` block holding a borrow of its own local
/// across an await point, which only works while pinned in place.
async fn self_referential(pending: usize, probe: Probe) -> usize {
    let local = [1usize, 2, 3];
    let r = &local;
    Counting::new(pending, (), &probe).await;
    r.iter().sum()
}

#[test]
fn pin_idents_shadows_with_pinned_references() {
    let probe = Probe::default();
    let a = self_referential(2, probe.clone());
    let b = Counting::new(0, 5usize, &probe);
    weft::pin!(a, b);
    let _: &Pin<&mut Counting<usize>> = &b;
    let mut cx = Context::from_waker(Waker::noop());
    // Poll the same pinned future several times through `as_mut()`.
    assert!(a.as_mut().poll(&mut cx).is_pending());
    assert!(a.as_mut().poll(&mut cx).is_pending());
    assert_eq!(a.as_mut().poll(&mut cx), Poll::Ready(6));
    assert_eq!(b.as_mut().poll(&mut cx), Poll::Ready(5));
    assert_eq!(probe.polls(), 4);
}

#[test]
fn pin_accepts_trailing_comma_and_nothing() {
    let x = std::future::ready(1);
    weft::pin!(x,);
    weft::pin!();
    assert_eq!(block_on(x), 1);
}

#[test]
fn pinned_future_can_be_awaited_by_mut_reference() {
    let body = || async {
        let fut = self_referential(3, Probe::default());
        weft::pin!(fut);
        (&mut fut).await
    };
    assert_eq!(block_on(body()), 6);
    assert_eq!(block_on_counted(body()), (6, 4));
}

#[test]
fn let_form_declares_and_pins() {
    let probe = Probe::default();
    let out = block_on(async {
        weft::pin! {
            let first = self_referential(1, probe.clone());
            let second = self_referential(0, probe.clone());
        }
        let _: &Pin<&mut _> = &first;
        first.as_mut().await + (&mut second).await
    });
    assert_eq!(out, 12);
    assert_eq!(probe.polls(), 3);
    assert_eq!(probe.drops(), 2);
}

#[test]
fn pinned_values_dropped_once_at_end_of_scope() {
    let probe = Probe::default();
    {
        let fut = Counting::new(10, (), &probe);
        weft::pin!(fut);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert_eq!(probe.drops(), 0);
    }
    assert_eq!(probe.drops(), 1);
}

#[test]
fn pinned_future_polled_repeatedly_from_a_select_loop() {
    let probe = Probe::default();
    let ticks = Cell::new(0);
    // A stream-like source that is ready every time: the pinned future must
    // keep its progress from one select to the next, not restart.
    let tick = || {
        ticks.set(ticks.get() + 1);
        std::future::ready(ticks.get())
    };
    let out = block_on(async {
        let deadline = self_referential(6, probe.clone());
        weft::pin!(deadline);
        let mut seen = Vec::new();
        loop {
            weft::select! {
                biased;
                v = deadline.as_mut() => break (v, seen),
                t = tick() => seen.push(t),
            }
        }
    });
    let (v, seen) = out;
    assert_eq!(v, 6);
    // `deadline` was polled once per iteration (6 pending, then ready), and
    // the tick branch won every time it was pending.
    assert_eq!(probe.polls(), 7);
    assert_eq!(seen, [1, 2, 3, 4, 5, 6]);
    // The 7th tick future was evaluated but lost to the deadline.
    assert_eq!(ticks.get(), 7);
}

#[test]
fn pinned_future_by_mut_in_select_stops_once_complete() {
    let probe = Probe::default();
    let out = block_on(async {
        let fut = Counting::new(3, "done", &probe);
        weft::pin!(fut);
        let mut rounds = 0;
        let mut finished = None;
        while finished.is_none() || rounds < 6 {
            rounds += 1;
            weft::select! {
                biased;
                // Disabled by its precondition once it has completed, so it is
                // never polled after completion (`Counting` would panic).
                v = &mut fut, if finished.is_none() => finished = Some(v),
                _ = std::future::ready(()) => {}
            }
        }
        (finished, rounds)
    });
    assert_eq!(out, (Some("done"), 6));
    assert_eq!(probe.polls(), 4);
    assert_eq!(probe.drops(), 1);
}

#[weft::test]
async fn pinned_join_handle_in_a_select_loop_on_the_runtime() {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    // The task finishes only after the loop below has run its other branch
    // three times, so the same pinned handle is polled across several
    // `select!`s.
    let ticks = Arc::new(AtomicUsize::new(0));
    let task = weft::spawn({
        let ticks = ticks.clone();
        async move {
            while ticks.load(Relaxed) < 3 {
                weft::task::yield_now().await;
            }
            "finished"
        }
    });
    weft::pin!(task);
    let out = loop {
        weft::select! {
            biased;
            v = task.as_mut() => break v.expect("task"),
            _ = weft::task::yield_now() => {
                ticks.fetch_add(1, Relaxed);
            }
        }
    };
    assert_eq!(out, "finished");
    assert!(ticks.load(Relaxed) >= 3);
}

//! `select!`: winner, fairness, patterns, preconditions, `else`, control flow
//! in handlers, drops.
#![deny(warnings)]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::{pending, ready, Future};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

mod macros_support;
use macros_support::*;

/// A one-slot-per-message channel for a single task: `recv` is pending
/// until a message arrives or the sender is dropped.
struct Chan<T> {
    queue: VecDeque<T>,
    closed: bool,
    waker: Option<Waker>,
}

struct Tx<T>(Rc<RefCell<Chan<T>>>);
struct Rx<T>(Rc<RefCell<Chan<T>>>);

fn channel<T>() -> (Tx<T>, Rx<T>) {
    let chan = Rc::new(RefCell::new(Chan {
        queue: VecDeque::new(),
        closed: false,
        waker: None,
    }));
    (Tx(chan.clone()), Rx(chan))
}

impl<T> Tx<T> {
    fn send(&self, value: T) {
        let mut chan = self.0.borrow_mut();
        chan.queue.push_back(value);
        if let Some(waker) = chan.waker.take() {
            waker.wake();
        }
    }
}

impl<T> Drop for Tx<T> {
    fn drop(&mut self) {
        let mut chan = self.0.borrow_mut();
        chan.closed = true;
        if let Some(waker) = chan.waker.take() {
            waker.wake();
        }
    }
}

impl<T> Rx<T> {
    /// Like tokio's `mpsc::Receiver::recv`: borrows the receiver mutably.
    fn recv(&mut self) -> impl Future<Output = Option<T>> + '_ {
        std::future::poll_fn(move |cx| {
            let mut chan = self.0.borrow_mut();
            if let Some(value) = chan.queue.pop_front() {
                Poll::Ready(Some(value))
            } else if chan.closed {
                Poll::Ready(None)
            } else {
                chan.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }

    fn is_closed(&self) -> bool {
        self.0.borrow().closed
    }
}

/// Pending once (waking itself), then ready.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

// ---- tests ----

#[test]
fn first_ready_wins() {
    for _ in 0..20 {
        let probes = [Probe::default(), Probe::default(), Probe::default()];
        let (out, polls) = block_on_counted(async {
            weft::select! {
                v = Counting::new(5, "slow", &probes[0]) => v,
                v = Counting::new(2, "fast", &probes[1]) => v,
                v = pending::<&str>() => v,
                v = Counting::new(3, "medium", &probes[2]) => v,
            }
        });
        assert_eq!(out, "fast");
        assert_eq!(polls, 3, "returns on the poll where \"fast\" completes");
        // Every branch was polled on each of the first two polls; on the
        // third, the ones after "fast" in this poll's order were not.
        assert_eq!(probes[1].polls(), 3);
        assert!((2..=3).contains(&probes[0].polls()));
        assert!((2..=3).contains(&probes[2].polls()));
        assert_eq!(
            [probes[0].drops(), probes[1].drops(), probes[2].drops()],
            [1, 1, 1]
        );
    }
}

#[test]
fn one_branch() {
    let out = block_on(async {
        weft::select! { v = ready(3) => v + 1 }
    });
    assert_eq!(out, 4);
    let out = block_on(async {
        weft::select! { biased; v = ready(3) => { v + 1 } }
    });
    assert_eq!(out, 4);
}

#[test]
fn random_start_is_fair() {
    let wins = block_on(async {
        let mut wins = [0u32; 2];
        for _ in 0..1000 {
            let winner = weft::select! {
                v = ready(0usize) => v,
                v = ready(1usize) => v,
            };
            wins[winner] += 1;
        }
        wins
    });
    assert!(wins.iter().all(|&w| w >= 100), "{wins:?}");

    let wins = block_on(async {
        let mut wins = [0u32; 3];
        for _ in 0..1500 {
            let winner = weft::select! {
                v = ready(0usize) => v,
                v = ready(1usize) => v,
                v = ready(2usize) => v,
            };
            wins[winner] += 1;
        }
        wins
    });
    assert!(wins.iter().all(|&w| w >= 200), "{wins:?}");
}

#[test]
fn biased_always_picks_the_first_ready_branch() {
    block_on(async {
        for _ in 0..1000 {
            let winner = weft::select! {
                biased;
                v = ready(0) => v,
                v = ready(1) => v,
            };
            assert_eq!(winner, 0);
            let winner = weft::select! {
                biased;
                v = pending() => v,
                v = ready(1) => v,
                v = ready(2) => v,
            };
            assert_eq!(winner, 1);
        }
    });
}

#[test]
fn biased_polls_in_order_every_time() {
    let log: Log = Rc::default();
    let out = block_on(async {
        weft::select! {
            biased;
            v = Counting::logged(0, 3, 'a', &log) => v,
            v = Counting::logged(1, 3, 'b', &log) => v,
            v = Counting::logged(2, 3, 'c', &log) => v,
        }
    });
    assert_eq!(out, 'a');
    assert_eq!(*log.borrow(), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
}

#[test]
fn default_mode_polls_every_branch_once_per_poll_from_a_rotated_start() {
    for _ in 0..50 {
        let log: Log = Rc::default();
        block_on(async {
            weft::select! {
                v = Counting::logged(0, 2, (), &log) => v,
                v = Counting::logged(1, 9, (), &log) => v,
                v = Counting::logged(2, 9, (), &log) => v,
            }
        });
        let log = log.borrow();
        // Two full polls of three branches, then branch 0 wins on the third
        // poll (possibly after some others were polled first).
        for poll in log[..6].chunks(3) {
            let start = poll[0];
            assert_eq!(poll, [start, (start + 1) % 3, (start + 2) % 3]);
        }
        assert_eq!(*log.last().unwrap(), 0);
        assert!(log.len() <= 9);
    }
}

#[test]
fn pattern_mismatch_disables_the_branch_and_others_continue() {
    let mismatch = Probe::default();
    let other = Probe::default();
    let out = block_on(async {
        weft::select! {
            Some(v) = Counting::new(0, None::<u32>, &mismatch) => v,
            v = Counting::new(3, 7u32, &other) => v + 100,
        }
    });
    assert_eq!(out, 107);
    // Finished on its first poll and never polled again (`Counting` panics
    // if polled after completion).
    assert_eq!(mismatch.polls(), 1);
    assert_eq!(other.polls(), 4);
    assert_eq!([mismatch.drops(), other.drops()], [1, 1]);
}

#[test]
fn false_precondition_evaluates_but_never_polls() {
    let probe = Probe::default();
    let evaluated = Cell::new(0);
    let out = block_on(async {
        weft::select! {
            v = {
                evaluated.set(evaluated.get() + 1);
                Counting::new(0, 1, &probe)
            }, if false => v,
            v = Counting::new(2, 2, &Probe::default()) => v,
        }
    });
    assert_eq!(out, 2);
    assert_eq!(
        evaluated.get(),
        1,
        "the async expression is still evaluated (as tokio)"
    );
    assert_eq!(probe.polls(), 0);
    assert_eq!(probe.drops(), 1);
}

#[test]
fn preconditions_are_evaluated_first_then_futures_in_order() {
    let log: Log = Rc::default();
    let step = |n: usize| {
        log.borrow_mut().push(n);
        true
    };
    block_on(async {
        weft::select! {
            biased;
            _ = async { step(10) }, if step(0) => {}
            _ = async { step(11) }, if step(1) => {}
            _ = async { step(12) } => {}
        }
    });
    // Conditions, then nothing until polling (the futures are lazy), then the
    // first branch wins.
    assert_eq!(*log.borrow(), [0, 1, 10]);

    let log: Log = Rc::default();
    let make = |n: usize| {
        log.borrow_mut().push(n);
        ready(n)
    };
    let cond = |n: usize| {
        log.borrow_mut().push(n);
        true
    };
    let out = block_on(async {
        weft::select! {
            biased;
            v = make(10), if cond(0) => v,
            v = make(11) => v,
            v = make(12), if cond(2) => v,
        }
    });
    assert_eq!(out, 10);
    assert_eq!(*log.borrow(), [0, 2, 10, 11, 12]);

    // As tokio: all the expressions are evaluated, then each value is turned
    // into its future.
    struct Logged(usize, Log);
    impl std::future::IntoFuture for Logged {
        type Output = usize;
        type IntoFuture = std::future::Ready<usize>;
        fn into_future(self) -> Self::IntoFuture {
            self.1.borrow_mut().push(100 + self.0);
            ready(self.0)
        }
    }
    let log: Log = Rc::default();
    let make = |n: usize| {
        log.borrow_mut().push(n);
        Logged(n, log.clone())
    };
    let out = block_on(async {
        weft::select! {
            biased;
            v = make(0) => v,
            v = make(1) => v,
        }
    });
    assert_eq!(out, 0);
    assert_eq!(*log.borrow(), [0, 1, 100, 101]);
}

#[test]
fn else_runs_when_all_preconditions_are_false() {
    let probe = Probe::default();
    let out = block_on(async {
        weft::select! {
            v = Counting::new(0, 1, &probe), if false => v,
            v = Counting::new(0, 2, &probe), if 1 + 1 == 3 => v,
            else => 99,
        }
    });
    assert_eq!(out, 99);
    assert_eq!(probe.polls(), 0);
    assert_eq!(probe.drops(), 2);
}

#[test]
fn else_runs_when_no_output_matches() {
    let out = block_on(async {
        weft::select! {
            Some(v) = ready(None::<i32>) => v,
            Ok(v) = ready(Err::<i32, ()>(())) => v,
            3 = async { 4 } => 3,
            else => -1,
        }
    });
    assert_eq!(out, -1);
}

#[test]
fn else_only() {
    let out = block_on(async {
        weft::select! { else => 5 }
    });
    assert_eq!(out, 5);
    let out = block_on(async {
        weft::select! { biased; else => { 6 }, }
    });
    assert_eq!(out, 6);
}

#[test]
#[should_panic(expected = "all branches are disabled and there is no else branch")]
fn panics_when_all_disabled_without_else() {
    block_on(async {
        weft::select! {
            Some(v) = ready(None::<u8>) => v,
            v = ready(1u8), if false => v,
        }
    });
}

#[test]
fn handler_can_break_and_continue_the_enclosing_loop() {
    let out = block_on(async {
        let mut seen = Vec::new();
        let mut i = 0;
        loop {
            i += 1;
            weft::select! {
                v = ready(i) => {
                    if v % 2 == 0 {
                        continue;
                    }
                    if v > 7 {
                        break;
                    }
                    seen.push(v);
                }
            }
            seen.push(0);
        }
        seen
    });
    assert_eq!(out, [1, 0, 3, 0, 5, 0, 7, 0]);
}

#[test]
fn handler_can_break_with_a_value_and_use_labels() {
    let out = block_on(async {
        let mut n = 0;
        'outer: loop {
            loop {
                n += 1;
                weft::select! {
                    v = ready(n) => {
                        if v == 3 {
                            break 'outer v * 10;
                        }
                    }
                    else => break,
                }
            }
        }
    });
    assert_eq!(out, 30);
}

#[test]
fn handler_can_return_from_the_enclosing_function() {
    async fn first_even(values: &[u32]) -> Option<u32> {
        for &v in values {
            weft::select! {
                x = ready(v) => if x % 2 == 0 {
                    return Some(x);
                },
            }
        }
        None
    }
    assert_eq!(block_on(first_even(&[1, 3, 4, 5])), Some(4));
    assert_eq!(block_on(first_even(&[1, 3])), None);
}

#[test]
fn question_mark_in_handler_and_in_async_expression() {
    async fn parse_both(a: &str, b: &str) -> Result<u32, std::num::ParseIntError> {
        let n = weft::select! {
            biased;
            s = ready(a) => s.parse::<u32>()?,
            s = ready(b.parse::<u32>()?) => s,
        };
        Ok(n)
    }
    assert_eq!(block_on(parse_both("1", "2")), Ok(1));
    assert!(block_on(parse_both("x", "2")).is_err());
    // The async expression is evaluated (and `?` returns) before polling.
    assert!(block_on(parse_both("1", "y")).is_err());
}

#[test]
fn loop_over_two_channels_until_both_close() {
    let (tx_a, mut rx_a) = channel();
    let (tx_b, mut rx_b) = channel();
    let producer = async move {
        for i in 0..5 {
            tx_a.send(i);
            yield_now().await;
            tx_b.send(i * 10);
            tx_b.send(i * 10 + 1);
            yield_now().await;
        }
        drop(tx_a);
        yield_now().await;
        drop(tx_b);
    };
    let consumer = async {
        let mut got_a = Vec::new();
        let mut got_b = Vec::new();
        let mut closed_seen = 0;
        loop {
            weft::select! {
                Some(v) = rx_a.recv() => {
                    // The recv future borrowed `rx_a` mutably; it has been
                    // dropped, so the handler may use `rx_a` again.
                    assert!(!rx_a.is_closed() || v == 4);
                    got_a.push(v);
                }
                Some(v) = rx_b.recv() => got_b.push(v),
                else => break,
            }
            if rx_a.is_closed() && rx_b.is_closed() {
                closed_seen += 1;
            }
        }
        (got_a, got_b, closed_seen)
    };
    let ((), (a, b, closed_seen)) = block_on(async { weft::join!(producer, consumer) });
    assert_eq!(a, [0, 1, 2, 3, 4]);
    assert_eq!(b, [0, 1, 10, 11, 20, 21, 30, 31, 40, 41]);
    // After both closed, one more select saw `None` twice and ran `else`.
    assert!(closed_seen <= 1);
}

#[test]
fn all_futures_dropped_before_the_handler_runs() {
    let probes = [Probe::default(), Probe::default(), Probe::default()];
    let dropped_at_handler = block_on(async {
        weft::select! {
            _ = Counting::new(9, (), &probes[0]) => unreachable!(),
            _ = Counting::new(1, (), &probes[1]) => {
                [probes[0].drops(), probes[1].drops(), probes[2].drops()]
            }
            _ = Counting::new(9, (), &probes[2]), if false => unreachable!(),
        }
    });
    assert_eq!(dropped_at_handler, [1, 1, 1]);
    assert_eq!(
        [probes[0].drops(), probes[1].drops(), probes[2].drops()],
        [1, 1, 1]
    );
}

#[test]
fn futures_dropped_in_order_written() {
    struct Named(usize, Log);
    impl Drop for Named {
        fn drop(&mut self) {
            self.1.borrow_mut().push(self.0);
        }
    }
    let log: Log = Rc::default();
    let named = |n: usize| {
        let guard = Named(n, log.clone());
        async move {
            let _guard = guard;
            pending::<()>().await;
        }
    };
    block_on(async {
        weft::select! {
            _ = named(0) => {}
            _ = named(1) => {}
            _ = ready(()) => {}
            _ = named(3) => {}
        }
    });
    assert_eq!(*log.borrow(), [0, 1, 3]);
}

#[test]
fn dropping_the_select_drops_every_future_once() {
    let probes = [Probe::default(), Probe::default()];
    {
        let fut = pin!(async {
            weft::select! {
                v = Counting::new(5, 1, &probes[0]) => v,
                v = Counting::new(5, 2, &probes[1]), if false => v,
            }
        });
        let mut cx = Context::from_waker(Waker::noop());
        assert!(fut.poll(&mut cx).is_pending());
        assert_eq!([probes[0].drops(), probes[1].drops()], [0, 0]);
    }
    assert_eq!([probes[0].polls(), probes[1].polls()], [1, 0]);
    assert_eq!([probes[0].drops(), probes[1].drops()], [1, 1]);
}

#[test]
fn output_is_dropped_once_on_mismatch_and_moved_on_match() {
    let drops = Rc::new(Cell::new(0));
    let token = || DropToken(drops.clone());
    let out = block_on(async {
        weft::select! {
            biased;
            (1, t) = ready((0, token())) => Some(t),
            (0, t) = ready((0, token())) => {
                // The mismatched output was dropped when it arrived.
                assert_eq!(drops.get(), 1);
                Some(t)
            }
            else => None,
        }
    });
    assert_eq!(drops.get(), 1);
    drop(out);
    assert_eq!(drops.get(), 2);
}

#[test]
fn patterns() {
    #[derive(Debug, PartialEq)]
    struct Point {
        x: i32,
        y: i32,
    }
    enum Msg {
        Move(Point),
        Quit,
    }
    let out = block_on(async {
        weft::select! {
            biased;
            // Refutable struct-variant pattern with a literal: no match.
            Msg::Move(Point { x: 0, y }) = ready(Msg::Move(Point { x: 1, y: 2 })) => y,
            Msg::Quit = ready(Msg::Move(Point { x: 1, y: 2 })) => -1,
            Msg::Move(_) = ready(Msg::Quit) => -3,
            // Or-pattern.
            Ok(1) | Err(1) = ready(Err::<i32, i32>(2)) => -2,
            // `mut` binding, `@` binding and nested patterns.
            (mut a, b @ 1..=5, Some(Point { x, .. })) = ready((10, 3, Some(Point { x: 7, y: 0 }))) => {
                a += b + x;
                a
            }
        }
    });
    assert_eq!(out, 20);

    // `ref` / `ref mut` bindings reach into the output without moving it.
    let out = block_on(async {
        weft::select! {
            ref mut v = ready(vec![1, 2]) => {
                v.push(3);
                v.len()
            }
        }
    });
    assert_eq!(out, 3);
    let out = block_on(async {
        weft::select! {
            Some(ref s) = ready(Some(String::from("hi"))) => s.len(),
            else => 0,
        }
    });
    assert_eq!(out, 2);

    // `_` ignores the value (dropped at once), a plain binding takes it.
    let out = block_on(async {
        weft::select! {
            biased;
            _ = ready(String::from("ignored")) => "underscore",
            s = ready("bound") => s,
        }
    });
    assert_eq!(out, "underscore");

    // Moving, non-`Copy` bindings, refutable and irrefutable.
    let out = block_on(async {
        weft::select! {
            biased;
            Some(s) = ready(None::<String>) => s,
            (s, Some(t)) = ready((String::from("a"), Some(String::from("b")))) => s + &t,
            s = ready(String::from("c")) => s,
        }
    });
    assert_eq!(out, "ab");
    let out = block_on(async {
        weft::select! { s = ready(vec![String::from("x")]) => s }
    });
    assert_eq!(out, ["x"]);
}

#[test]
fn handler_syntax_variants() {
    // Blocks with and without commas, expressions with and without a final
    // comma, `else` with and without one.
    let a = block_on(async {
        weft::select! {
            biased;
            v = ready(1) => { v }
            v = ready(2) => { v },
            v = ready(3) => v,
            v = ready(4), if true => { v }
            v = ready(5), if true => v
        }
    });
    let b = block_on(async {
        weft::select! {
            biased;
            Some(v) = ready(None) => v,
            else => { 7 }
        }
    });
    let c = block_on(async {
        weft::select! {
            biased;
            Some(v) = ready(None) => { v }
            else => 8,
        }
    });
    assert_eq!((a, b, c), (1, 7, 8));
}

#[test]
fn accepts_into_future_and_references_to_futures() {
    struct Later(u32);
    impl std::future::IntoFuture for Later {
        type Output = u32;
        type IntoFuture = std::future::Ready<u32>;
        fn into_future(self) -> Self::IntoFuture {
            ready(self.0 + 1)
        }
    }
    let out = block_on(async {
        weft::select! { v = Later(1) => v }
    });
    assert_eq!(out, 2);

    // An `Unpin` future selected by `&mut` keeps its progress across selects.
    let probe = Probe::default();
    let mut slow = Counting::new(4, "slow", &probe);
    let mut rounds = 0;
    let out = block_on(async {
        loop {
            rounds += 1;
            weft::select! {
                biased;
                v = &mut slow => break v,
                _ = yield_now() => {}
            }
        }
    });
    assert_eq!(out, "slow");
    // Each round polls `slow` twice (`yield_now` is ready on its second
    // poll): 2 + 2 + 1 polls, never restarting it.
    assert_eq!(rounds, 3);
    assert_eq!(probe.polls(), 5);
    assert_eq!(probe.drops(), 0, "only borrowed");
    drop(slow);
    assert_eq!(probe.drops(), 1);
}

#[test]
fn sixty_four_branches() {
    let p = pending::<u32>;
    for _ in 0..20 {
        let out = block_on(async {
            weft::select! {
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
                v = p() => v, v = p() => v, v = p() => v,
                v = ready(64u32) => v,
                else => 0,
            }
        });
        assert_eq!(out, 64);
    }
    // The 64th branch can be disabled too: the mask has room for it.
    let out = block_on(async {
        weft::select! {
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = p() => v, v = p() => v, v = p() => v,
            v = p() => v, v = p() => v, v = ready(63u32) => v,
            v = ready(64u32), if false => v,
        }
    });
    assert_eq!(out, 63);
}

#[test]
fn nested_select_and_join() {
    let out = block_on(async {
        weft::select! {
            (a, b) = async { weft::join!(ready(1), ready(2)) } => {
                weft::select! {
                    c = ready(a + b) => c * 10,
                }
            }
        }
    });
    assert_eq!(out, 30);
}

#[test]
fn select_future_is_send_when_branches_are() {
    fn assert_send<T: Send>(_: &T) {}
    let fut = async {
        weft::select! {
            v = ready(1) => v,
            v = async { 2 } => v,
        }
    };
    assert_send(&fut);
    assert!(matches!(block_on(fut), 1 | 2));
}

#[weft::test]
async fn selects_over_spawned_tasks_on_the_runtime() {
    let slow = weft::spawn(pending::<u32>());
    let abort = slow.abort_handle();
    let fast = weft::spawn(async {
        for _ in 0..3 {
            weft::task::yield_now().await;
        }
        7
    });
    let out = weft::select! {
        v = slow => v.expect("slow task"),
        v = fast => v.expect("fast task") * 10,
    };
    assert_eq!(out, 70);
    abort.abort();
}

#[test]
fn a_disabled_branch_with_an_unconstrained_output_type_compiles() {
    // `poll_fn(|_| panic!())` gives no type for its output: the expansion
    // must still type-check (tokio's does), without polling the future.
    let v = block_on(async {
        weft::select! {
            _ = std::future::poll_fn(|_| panic!("a disabled branch was polled")), if false => 1,
            v = std::future::ready(2) => v,
        }
    });
    assert_eq!(v, 2);
    // The same with a branch whose output is `!` and one that is enabled
    // but never ready.
    let v: u8 = block_on(async {
        weft::select! {
            biased;
            _ = std::future::poll_fn(|_| panic!("a disabled branch was polled")), if false => 1,
            _ = async { loop { std::future::pending::<()>().await } } => 2,
            v = std::future::ready(5u8) => v,
        }
    });
    assert_eq!(v, 5);
}

#[test]
fn a_temporary_borrowed_by_a_branch_lives_as_long_as_the_select() {
    async fn make() -> u8 {
        3
    }
    let v = block_on(async {
        weft::select! {
            v = &mut Box::pin(make()) => v,
            _ = std::future::pending::<()>() => 0,
        }
    });
    assert_eq!(v, 3);
}

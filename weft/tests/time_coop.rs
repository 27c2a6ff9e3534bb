//! Every `time` operation that can complete without waiting spends the
//! task's cooperative budget, so a loop over it yields now and then: an
//! interval far behind (`Burst`), `sleep(Duration::ZERO)`, a passed
//! `sleep_until`, a `Sleep` reset to a passed deadline, an interval reset
//! to now, and a `timeout` around an always-ready future. Each loop runs
//! inside `select! { biased; loop, yield_now() }`, which must reach the
//! `yield_now` branch (without a budget it would spin forever: a watchdog
//! turns that into a failure), on every runtime flavor, both in the
//! `block_on` future and in a spawned task.

mod support;

use std::future::{ready, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use support::*;
use weft::time::{interval_at, sleep, sleep_until, timeout, Instant, MissedTickBehavior};

/// A boxed endless loop over one always-ready time operation.
type Spin = Pin<Box<dyn Future<Output = ()> + Send>>;

const HOUR: Duration = Duration::from_secs(3_600);

/// Makes one loop.
type MakeSpin = fn() -> Spin;

/// The loops, by name.
fn spins() -> Vec<(&'static str, MakeSpin)> {
    vec![
        ("interval far behind (Burst)", || {
            Box::pin(async {
                let mut ticks = interval_at(Instant::now() - HOUR, Duration::from_micros(1));
                ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
                loop {
                    ticks.tick().await;
                }
            })
        }),
        ("sleep(ZERO)", || {
            Box::pin(async {
                loop {
                    sleep(Duration::ZERO).await;
                }
            })
        }),
        ("sleep_until(past)", || {
            Box::pin(async {
                let past = Instant::now() - HOUR;
                loop {
                    sleep_until(past).await;
                }
            })
        }),
        ("Sleep::reset(past)", || {
            Box::pin(async {
                let past = Instant::now() - HOUR;
                let mut timer = Box::pin(sleep(HOUR));
                loop {
                    timer.as_mut().reset(past);
                    timer.as_mut().await;
                }
            })
        }),
        ("Interval::reset_immediately", || {
            Box::pin(async {
                let mut ticks = weft::time::interval(HOUR);
                loop {
                    ticks.reset_immediately();
                    ticks.tick().await;
                }
            })
        }),
        ("timeout(ready)", || {
            Box::pin(async {
                loop {
                    let _ = timeout(HOUR, ready(())).await;
                }
            })
        }),
        ("timeout(sleep_until(past))", || {
            Box::pin(async {
                let past = Instant::now() - HOUR;
                loop {
                    let _ = timeout(HOUR, sleep_until(past)).await;
                }
            })
        }),
    ]
}

/// Runs `spin` against `yield_now` in a biased `select!`: `true` once the
/// `yield_now` branch wins (it can only when the loop returns `Pending`).
async fn yields(spin: Spin) -> bool {
    weft::select! {
        biased;
        _ = spin => false,
        _ = weft::task::yield_now() => true,
    }
}

rt_test! {
    fn always_ready_time_loops_yield_in_block_on(rt: &Runtime) {
        let _watchdog = Watchdog::new("always_ready_time_loops_yield_in_block_on");
        for (name, spin) in spins() {
            assert!(rt.block_on(yields(spin())), "{name}");
        }
    }

    fn always_ready_time_loops_yield_in_a_task(rt: &Runtime) {
        let _watchdog = Watchdog::new("always_ready_time_loops_yield_in_a_task");
        for (name, spin) in spins() {
            let reached = rt.block_on(async move { weft::spawn(yields(spin())).await.unwrap() });
            assert!(reached, "{name}");
        }
    }

    fn a_spinning_timer_loop_lets_other_tasks_run(rt: &Runtime, flavor: Flavor) {
        // One spinning loop per worker, all started before the other task
        // is spawned: the workers are busy with them, so the other task
        // runs only if the loops yield.
        let _watchdog = Watchdog::new("a_spinning_timer_loop_lets_other_tasks_run");
        for (name, spin) in spins() {
            let every_loop_saw_it = rt.block_on(async move {
                let ran = Arc::new(AtomicBool::new(false));
                let started = Arc::new(AtomicUsize::new(0));
                let spinners: Vec<_> = (0..flavor.workers())
                    .map(|_| {
                        let (ran, started) = (ran.clone(), started.clone());
                        weft::spawn(async move {
                            started.fetch_add(1, SeqCst);
                            let mut spin = spin();
                            // Spins until the other task has run. (The flag
                            // is read without a budget: the loop's own wakes
                            // re-poll it.)
                            let other_done = std::future::poll_fn(|_| {
                                if ran.load(SeqCst) {
                                    std::task::Poll::Ready(())
                                } else {
                                    std::task::Poll::Pending
                                }
                            });
                            weft::select! {
                                biased;
                                _ = &mut spin => false,
                                _ = other_done => true,
                            }
                        })
                    })
                    .collect();
                yield_until(|| started.load(SeqCst) == flavor.workers()).await;
                let other = weft::spawn(async move { ran.store(true, SeqCst) });
                let mut every_loop_saw_it = true;
                for spinner in spinners {
                    every_loop_saw_it &= spinner.await.unwrap();
                }
                other.await.unwrap();
                every_loop_saw_it
            });
            assert!(every_loop_saw_it, "{name}");
        }
    }
}

/// The budget is spent only by progress: a `Timeout` whose future is
/// pending gives its unit back, so a task waiting on many pending
/// timeouts is not made to yield.
#[test]
fn pending_timeouts_do_not_spend_the_budget() {
    let _watchdog = Watchdog::new("pending_timeouts_do_not_spend_the_budget");
    let rt = current_thread_rt();
    rt.block_on(async {
        let mut timeouts: Vec<_> = (0..1_000)
            .map(|_| Box::pin(timeout(HOUR, std::future::pending::<()>())))
            .collect();
        // One poll of all of them, then a ready operation that must still
        // have budget.
        let ready_after = std::future::poll_fn(|cx| {
            for t in &mut timeouts {
                assert!(t.as_mut().poll(cx).is_pending());
            }
            let mut zero = Box::pin(sleep_until(Instant::now() - HOUR));
            std::task::Poll::Ready(zero.as_mut().poll(cx).is_ready())
        })
        .await;
        assert!(ready_after, "pending timeouts used up the budget");
    });
}

//! `timeout`, `timeout_at` and `interval` on the real clock, on every
//! runtime flavor.

mod support;

use std::future::{pending, poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use support::*;
use weft::time::{interval, sleep, timeout, timeout_at, Instant};

/// Always ready to make progress but never done: spends one coop unit per
/// poll through a weft resource (`consume_budget`) and wakes itself.
struct Busy(Arc<AtomicUsize>);

impl Future for Busy {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.fetch_add(1, SeqCst);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

rt_test! {
    fn a_future_that_finishes_first_wins(rt: &Runtime) {
        rt.block_on(async {
            assert_eq!(timeout(Duration::from_secs(10), async { 3 }).await, Ok(3));
            // Ready at once beats even a zero timeout (polled first).
            assert_eq!(timeout(Duration::ZERO, async { 4 }).await, Ok(4));
            // An hour: a 2 ms sleep finishes first under any load.
            let slow_ok = timeout(Duration::from_secs(3_600), async {
                sleep(Duration::from_millis(2)).await;
                5
            });
            assert_eq!(slow_ok.await, Ok(5));
        });
    }

    fn a_future_that_never_finishes_times_out(rt: &Runtime) {
        rt.block_on(async {
            let start = Instant::now();
            let result = timeout(Duration::from_millis(10), pending::<()>()).await;
            let error = result.unwrap_err();
            assert!(start.elapsed() >= Duration::from_millis(10));
            assert_eq!(error.to_string(), "deadline has elapsed");
            let io: std::io::Error = error.into();
            assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);

            let deadline = Instant::now() + Duration::from_millis(5);
            assert!(timeout_at(deadline, pending::<()>()).await.is_err());
            assert!(Instant::now() >= deadline);
        });
    }

    fn the_inner_future_is_dropped_on_timeout(rt: &Runtime) {
        let drops = DropCount::new();
        rt.block_on(async {
            let tracked = drops.track(());
            let never = async move {
                let _tracked = tracked;
                pending::<()>().await
            };
            assert!(timeout(Duration::from_millis(1), never).await.is_err());
        });
        assert_eq!(drops.get(), 1);
    }

    fn a_timeout_fires_even_if_the_inner_future_never_yields_budget(rt: &Runtime) {
        // The inner future always wakes itself; the timeout must still end
        // it (the timer is checked on every poll).
        let polls = Arc::new(AtomicUsize::new(0));
        let result = rt.block_on(timeout_in_runtime(polls.clone()));
        assert!(result.is_err());
        assert!(polls.load(SeqCst) > 1);
    }

    fn accessors_reach_the_inner_future(rt: &Runtime) {
        rt.block_on(async {
            let mut limited = timeout(Duration::from_secs(1), async { 9 });
            let _: &_ = limited.get_ref();
            let _: &mut _ = limited.get_mut();
            assert_eq!(limited.into_inner().await, 9);
        });
    }

    fn interval_ticks_are_a_period_apart(rt: &Runtime) {
        rt.block_on(async {
            let period = Duration::from_millis(3);
            let mut every = interval(period);
            let first = every.tick().await;
            let mut previous = first;
            for n in 1..5u32 {
                let due = every.tick().await;
                assert_eq!(due, first + period * n);
                assert!(Instant::now() >= due);
                assert!(due > previous);
                previous = due;
            }
        });
    }

    fn interval_tick_is_cancel_safe(rt: &Runtime) {
        // A tick future dropped before it completes does not eat a tick. The
        // first poll of the next tick is pending unless the machine took a
        // whole period since the last one; then that tick is taken (and
        // checked) and the next one tried, so the verdict does not depend
        // on the machine's speed.
        let _watchdog = Watchdog::new("interval_tick_is_cancel_safe");
        rt.block_on(async {
            let period = Duration::from_millis(50);
            let mut every = interval(period);
            let mut expected = every.tick().await + period;
            loop {
                let mut tick = Box::pin(every.tick());
                let first = poll_fn(|cx| Poll::Ready(tick.as_mut().poll(cx))).await;
                drop(tick);
                match first {
                    Poll::Ready(due) => {
                        assert_eq!(due, expected);
                        expected += period;
                    }
                    Poll::Pending => {
                        assert_eq!(every.tick().await, expected);
                        break;
                    }
                }
            }
        });
    }
}

async fn timeout_in_runtime(polls: Arc<AtomicUsize>) -> Result<(), weft::time::error::Elapsed> {
    timeout(Duration::from_millis(5), Busy(polls)).await
}

#[test]
#[should_panic(expected = "`period` must be non-zero.")]
fn a_zero_period_interval_panics() {
    let rt = current_thread_rt();
    rt.block_on(async {
        let _ = interval(Duration::ZERO);
    });
}

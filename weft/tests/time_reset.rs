//! `Sleep::reset` and `Interval::reset*` to a deadline that has already
//! passed: the next poll is ready (as in tokio), whether the timer was
//! registered, fired or never polled, and a task waiting on a registered
//! one is woken without another poll. On every runtime flavor, and under
//! the paused clock.

mod support;

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use support::*;
use weft::time::{interval, sleep, Instant, Interval, Sleep};

const HOUR: Duration = Duration::from_secs(3_600);

/// Polls `future` once with the task's waker.
async fn poll_now<F: Future + ?Sized>(mut future: Pin<&mut F>) -> Poll<F::Output> {
    poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await
}

/// An interval whose next tick is an hour away, its timer registered.
async fn registered_interval() -> Interval {
    let mut ticks = interval(HOUR);
    ticks.tick().await;
    let mut next = Box::pin(ticks.tick());
    assert!(poll_now(next.as_mut()).await.is_pending());
    drop(next);
    ticks
}

/// Every way to reset a sleep to a passed deadline; the next poll is ready.
async fn sleep_resets() {
    let past = || Instant::now() - Duration::from_millis(1);
    // Registered (in the wheel).
    let mut registered: Pin<Box<Sleep>> = Box::pin(sleep(HOUR));
    assert!(poll_now(registered.as_mut()).await.is_pending());
    registered.as_mut().reset(past());
    assert!(poll_now(registered.as_mut()).await.is_ready(), "registered");
    assert!(registered.is_elapsed());
    // Registered, reset to exactly now.
    let mut now = Box::pin(sleep(HOUR));
    assert!(poll_now(now.as_mut()).await.is_pending());
    now.as_mut().reset(Instant::now());
    assert!(poll_now(now.as_mut()).await.is_ready(), "now");
    // Fired, then reset.
    registered.as_mut().reset(past());
    assert!(!registered.is_elapsed());
    assert!(poll_now(registered.as_mut()).await.is_ready(), "fired");
    // Never polled.
    let mut fresh = Box::pin(sleep(HOUR));
    fresh.as_mut().reset(past());
    assert!(poll_now(fresh.as_mut()).await.is_ready(), "never polled");
}

/// Every `Interval` reset to the present or past; the next tick is ready
/// and reports the reset deadline.
async fn interval_resets() {
    let mut ticks = registered_interval().await;
    let before = Instant::now();
    ticks.reset_immediately();
    let mut next = Box::pin(ticks.tick());
    let Poll::Ready(due) = poll_now(next.as_mut()).await else {
        panic!("reset_immediately: the next tick is pending");
    };
    assert!(due >= before && due <= Instant::now());
    drop(next);

    let mut ticks = registered_interval().await;
    let at = Instant::now() - Duration::from_millis(3);
    ticks.reset_at(at);
    let mut next = Box::pin(ticks.tick());
    assert_eq!(poll_now(next.as_mut()).await, Poll::Ready(at), "reset_at");
    drop(next);

    let mut ticks = registered_interval().await;
    ticks.reset_after(Duration::ZERO);
    let mut next = Box::pin(ticks.tick());
    assert!(poll_now(next.as_mut()).await.is_ready(), "reset_after(0)");
    drop(next);

    // After a tick was taken (its timer fired, not registered).
    let mut ticks = interval(HOUR);
    ticks.tick().await;
    ticks.reset_immediately();
    let mut next = Box::pin(ticks.tick());
    assert!(poll_now(next.as_mut()).await.is_ready(), "after a tick");
}

rt_test! {
    fn a_sleep_reset_to_a_passed_deadline_is_ready_on_the_next_poll(rt: &Runtime) {
        rt.block_on(sleep_resets());
    }

    fn an_interval_reset_to_now_ticks_on_the_next_poll(rt: &Runtime) {
        rt.block_on(interval_resets());
    }

    fn a_reset_to_a_passed_deadline_wakes_the_waiting_task(rt: &Runtime) {
        // The waiting task is not polled again by anyone but its waker.
        let _watchdog = Watchdog::new("a_reset_to_a_passed_deadline_wakes_the_waiting_task");
        let polls = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let shared = Arc::new(Mutex::new(Box::pin(sleep(HOUR))));
            let task = {
                let (shared, polls) = (shared.clone(), polls.clone());
                weft::spawn(poll_fn(move |cx| {
                    // Counted after the poll: a count of 1 means registered.
                    let poll = shared.lock().unwrap().as_mut().poll(cx);
                    polls.fetch_add(1, SeqCst);
                    poll
                }))
            };
            yield_until(|| polls.load(SeqCst) == 1).await;
            shared.lock().unwrap().as_mut().reset(Instant::now());
            task.await.unwrap();
            assert!(shared.lock().unwrap().is_elapsed());
        });
        assert_eq!(polls.load(SeqCst), 2);
    }
}

#[cfg(feature = "test-util")]
mod paused {
    use super::*;
    use weft::runtime::Builder;

    fn paused_rt() -> weft::runtime::Runtime {
        Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn resets_to_passed_deadlines_under_the_paused_clock() {
        let rt = paused_rt();
        rt.block_on(async {
            sleep_resets().await;
            interval_resets().await;
        });
    }

    /// tokio's `reset_immediately` check: ticks due at 0 and 100 ms; at
    /// 150 ms `reset_immediately` ticks at once (150), then the schedule
    /// runs from there (250).
    #[test]
    fn reset_immediately_restarts_the_schedule_from_now() {
        let rt = paused_rt();
        rt.block_on(async {
            let ms = Duration::from_millis;
            let start = Instant::now();
            let mut ticks = weft::time::interval_at(start, ms(100));
            assert_eq!(
                poll_now(std::pin::pin!(ticks.tick())).await,
                Poll::Ready(start)
            );
            weft::time::advance(ms(100)).await;
            assert_eq!(
                poll_now(std::pin::pin!(ticks.tick())).await,
                Poll::Ready(start + ms(100))
            );
            weft::time::advance(ms(50)).await;
            // Registered for 200 ms when reset.
            assert!(poll_now(std::pin::pin!(ticks.tick())).await.is_pending());
            ticks.reset_immediately();
            assert_eq!(
                poll_now(std::pin::pin!(ticks.tick())).await,
                Poll::Ready(start + ms(150))
            );
            weft::time::advance(ms(99)).await;
            assert!(poll_now(std::pin::pin!(ticks.tick())).await.is_pending());
            weft::time::advance(ms(1)).await;
            assert_eq!(
                poll_now(std::pin::pin!(ticks.tick())).await,
                Poll::Ready(start + ms(250))
            );
        });
    }
}

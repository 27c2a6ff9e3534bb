//! Durations and deadlines too far away for the timer arithmetic saturate to
//! "never" instead of panicking (debug) or firing at once (release):
//! `sleep`, `sleep_until`, `timeout`, `timeout_at`, `interval`,
//! `interval_at`, the `reset`s, `Instant` arithmetic, and the paused
//! clock's `advance`, on every runtime flavor.

mod support;

use std::future::{pending, poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use support::*;
use weft::time::{interval, interval_at, sleep, sleep_until, timeout, timeout_at, Instant};

/// Durations whose microseconds do not fit in a `u64`, or whose deadline
/// does not fit in an `Instant`.
fn huge_durations() -> Vec<Duration> {
    vec![
        Duration::from_secs(u64::MAX / 10),
        Duration::from_secs(100_000_000_000_000), // 1e14 s
        Duration::from_secs(u64::MAX / 1_000_000 + 1),
        Duration::from_secs(i64::MAX as u64),
        Duration::MAX,
    ]
}

/// A deadline `duration` from now, or the farthest `Instant` in that
/// direction when it does not fit.
fn far_instant(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration).unwrap_or_else(|| {
        let (mut latest, mut step) = (now, duration / 2);
        while !step.is_zero() {
            match latest.checked_add(step) {
                Some(later) => latest = later,
                None => step /= 2,
            }
        }
        latest
    })
}

/// Polls `future` once with the task's waker: `true` if pending.
async fn is_pending<F: Future + ?Sized>(mut future: Pin<&mut F>) -> bool {
    poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx).is_pending())).await
}

/// Lets the time driver process the present: a short sleep fires only after
/// the driver has run past its deadline, so far timers misfiled as due
/// would have fired by then.
async fn let_the_driver_run() {
    sleep(Duration::from_millis(2)).await;
}

rt_test! {
    fn far_sleeps_stay_pending(rt: &Runtime) {
        rt.block_on(async {
            for duration in huge_durations() {
                let mut by_duration = Box::pin(sleep(duration));
                let mut by_deadline = Box::pin(sleep_until(far_instant(duration)));
                assert!(by_duration.deadline() > Instant::now(), "{duration:?}");
                assert!(is_pending(by_duration.as_mut()).await, "{duration:?}");
                assert!(is_pending(by_deadline.as_mut()).await, "{duration:?}");
                let_the_driver_run().await;
                assert!(is_pending(by_duration.as_mut()).await, "{duration:?}");
                assert!(is_pending(by_deadline.as_mut()).await, "{duration:?}");
                assert!(!by_duration.is_elapsed() && !by_deadline.is_elapsed());
            }
        });
    }

    fn far_resets_stay_pending(rt: &Runtime) {
        rt.block_on(async {
            for duration in huge_durations() {
                // A registered sleep reset far away (relinked in the wheel),
                // and a fired one reset far away (registered again).
                let mut registered = Box::pin(sleep(Duration::from_secs(3_600)));
                assert!(is_pending(registered.as_mut()).await);
                registered.as_mut().reset(far_instant(duration));
                let mut fired = Box::pin(sleep(Duration::ZERO));
                fired.as_mut().await;
                fired.as_mut().reset(far_instant(duration));
                assert!(!fired.is_elapsed());
                assert!(is_pending(fired.as_mut()).await, "{duration:?}");
                let_the_driver_run().await;
                assert!(is_pending(registered.as_mut()).await, "{duration:?}");
                assert!(is_pending(fired.as_mut()).await, "{duration:?}");
            }
        });
    }

    fn far_timeouts_never_elapse(rt: &Runtime) {
        rt.block_on(async {
            for duration in huge_durations() {
                let mut by_duration = Box::pin(timeout(duration, pending::<()>()));
                let mut by_deadline = Box::pin(timeout_at(far_instant(duration), pending::<()>()));
                assert!(is_pending(by_duration.as_mut()).await, "{duration:?}");
                assert!(is_pending(by_deadline.as_mut()).await, "{duration:?}");
                let_the_driver_run().await;
                assert!(is_pending(by_duration.as_mut()).await, "{duration:?}");
                assert!(is_pending(by_deadline.as_mut()).await, "{duration:?}");
                // And a ready future still wins.
                assert_eq!(timeout(duration, async { 1 }).await, Ok(1));
            }
        });
    }

    fn far_intervals_tick_once_then_wait(rt: &Runtime) {
        rt.block_on(async {
            for period in huge_durations() {
                let start = Instant::now();
                let mut by_period = interval(period);
                let mut at_start = interval_at(start, period);
                assert!(by_period.tick().await >= start);
                assert_eq!(at_start.tick().await, start);
                for ticks in [&mut by_period, &mut at_start] {
                    let mut next = Box::pin(ticks.tick());
                    assert!(is_pending(next.as_mut()).await, "{period:?}");
                }
                let_the_driver_run().await;
                for ticks in [&mut by_period, &mut at_start] {
                    let mut next = Box::pin(ticks.tick());
                    assert!(is_pending(next.as_mut()).await, "{period:?}");
                }
                // Every reset saturates too.
                let mut resets = interval(Duration::from_millis(1));
                resets.tick().await;
                for reset in 0..3 {
                    let mut ticks = interval(period);
                    ticks.tick().await;
                    match reset {
                        0 => ticks.reset(),
                        1 => ticks.reset_after(period),
                        _ => ticks.reset_at(far_instant(period)),
                    }
                    let mut next = Box::pin(ticks.tick());
                    assert!(is_pending(next.as_mut()).await, "reset {reset}, {period:?}");
                    let_the_driver_run().await;
                    assert!(is_pending(next.as_mut()).await, "reset {reset}, {period:?}");
                }
                resets.reset_after(period);
                let mut next = Box::pin(resets.tick());
                assert!(is_pending(next.as_mut()).await);
            }
        });
    }
}

#[test]
fn instant_arithmetic_matches_std_and_tokio() {
    let now = Instant::now();
    // `+` panics on overflow like `std::time::Instant` (and tokio's).
    quiet_panics();
    let message = panic_of(|| now + Duration::MAX);
    let std_message = panic_of(|| now.into_std() + Duration::MAX);
    assert_eq!(message, std_message);
    let message = panic_of(|| {
        let mut later = now;
        later += Duration::MAX;
        later
    });
    assert_eq!(message, std_message);
    // `checked_add` reports it instead.
    assert_eq!(now.checked_add(Duration::MAX), None);
    assert_eq!(
        now.checked_add(Duration::from_secs(u64::MAX / 10)),
        now.into_std()
            .checked_add(Duration::from_secs(u64::MAX / 10))
            .map(Instant::from_std)
    );
    assert_eq!(now.checked_add(Duration::ZERO), Some(now));
    // Subtracting instants saturates to zero.
    assert_eq!(now - (now + Duration::from_secs(1)), Duration::ZERO);
}

#[cfg(feature = "test-util")]
mod paused {
    use super::*;
    use std::sync::{Arc, Mutex};
    use weft::runtime::Builder;
    use weft::time;

    fn paused_rt() -> weft::runtime::Runtime {
        Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn advancing_by_huge_durations_fires_what_it_passes() {
        for by in huge_durations() {
            let rt = paused_rt();
            rt.block_on(async move {
                let start = Instant::now();
                let mut hour = Box::pin(sleep(Duration::from_secs(3_600)));
                let mut century = Box::pin(sleep(Duration::from_secs(100 * 365 * 86_400)));
                assert!(is_pending(hour.as_mut()).await);
                assert!(is_pending(century.as_mut()).await);
                time::advance(by).await;
                assert!(Instant::now() > start + Duration::from_secs(29 * 365 * 86_400));
                assert!(hour.is_elapsed(), "{by:?}");
                assert!(!is_pending(hour.as_mut()).await);
                // The century-long sleep fires only if the clock passed it.
                let passed = Instant::now() >= century.deadline();
                assert_eq!(!is_pending(century.as_mut()).await, passed, "{by:?}");
            });
        }
    }

    #[test]
    fn timers_keep_working_after_a_saturated_advance() {
        let rt = paused_rt();
        rt.block_on(async {
            // `Duration::MAX` does not fit in an `Instant`: about thirty years.
            let start = Instant::now();
            time::advance(Duration::MAX).await;
            let moved = Instant::now() - start;
            assert!(moved >= Duration::from_secs(29 * 365 * 86_400), "{moved:?}");
            let mut second = Box::pin(sleep(Duration::from_secs(1)));
            assert!(is_pending(second.as_mut()).await);
            time::advance(Duration::from_millis(999)).await;
            assert!(!second.is_elapsed());
            time::advance(Duration::from_millis(1)).await;
            assert!(second.is_elapsed());
            // Auto-advance reaches a sleep far away without hanging or
            // panicking.
            sleep(Duration::MAX).await;
            sleep(Duration::from_secs(u64::MAX / 10)).await;
        });
    }

    #[test]
    fn far_future_saturates_to_the_latest_instant() {
        let rt = paused_rt();
        rt.block_on(async {
            // Move the clock to a day before the end of `Instant`'s range.
            let end = far_instant(Duration::MAX);
            let day = Duration::from_secs(86_400);
            time::advance((end - Instant::now()) - day).await;
            let now = Instant::now();
            // Thirty years do not fit any more: the deadline is the latest
            // instant, not "now".
            let never = sleep(Duration::MAX);
            assert!(never.deadline() >= now + day, "{:?}", never.deadline());
            let mut ticks = interval(Duration::from_secs(3_600));
            assert_eq!(ticks.tick().await, now);
            let message = {
                quiet_panics();
                panic_of(|| now + 2 * day)
            };
            assert!(message.contains("overflow"), "{message}");
        });
    }

    #[test]
    fn auto_advance_reaches_saturated_timers() {
        let rt = paused_rt();
        let order = Arc::new(Mutex::new(Vec::new()));
        rt.block_on({
            let order = order.clone();
            async move {
                let mut handles = Vec::new();
                for (i, duration) in huge_durations().into_iter().enumerate().rev() {
                    let order = order.clone();
                    handles.push(weft::spawn(async move {
                        sleep(duration).await;
                        order.lock().unwrap().push(i);
                    }));
                }
                for handle in handles {
                    handle.await.unwrap();
                }
            }
        });
        assert_eq!(order.lock().unwrap().len(), huge_durations().len());
    }
}

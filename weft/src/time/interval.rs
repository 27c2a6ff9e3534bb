//! `interval`, `interval_at` and the `Interval` stream of ticks.

use super::{Instant, Sleep};
use std::fmt;
use std::future::poll_fn;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// Ticks are late by more than this before `MissedTickBehavior` applies.
const LATE_AFTER: Duration = Duration::from_millis(5);

/// A stream of ticks `period` apart; the first completes at once.
///
/// # Panics
///
/// If `period` is zero ("`period` must be non-zero"), and as
/// [`sleep`](crate::time::sleep) outside a runtime with timers.
///
/// # Examples
///
/// ```
/// use weft::time::{interval, Duration, Instant};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let start = Instant::now();
///     let mut ticks = interval(Duration::from_millis(2));
///     for _ in 0..3 {
///         ticks.tick().await;
///     }
///     assert!(start.elapsed() >= Duration::from_millis(4));
/// }
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    interval_at(Instant::now(), period)
}

/// A stream of ticks `period` apart, the first at `start`.
///
/// # Panics
///
/// As [`interval`].
///
/// # Examples
///
/// ```
/// use weft::time::{interval_at, Duration, Instant};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let start = Instant::now() + Duration::from_millis(3);
///     let mut ticks = interval_at(start, Duration::from_millis(1));
///     assert_eq!(ticks.tick().await, start);
/// }
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    Interval {
        delay: Box::pin(crate::time::sleep_until(start)),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does after ticks were missed (the task was busy
/// for longer than a period).
///
/// Say the period is 50 ms, ticks are due at 0, 50, 100 ms, ..., and the
/// task is busy from 40 to 140 ms, so the tick due at 50 is taken at 140.
/// The ticks that follow are taken at:
///
/// * `Burst` (default): 140 (the one due at 100, at once), 150, 200, ...:
///   missed ticks come in a burst, then the schedule goes on.
/// * `Delay`: 190, 240, ...: the schedule restarts from the late tick.
/// * `Skip`: 150, 200, ...: missed ticks are dropped and the schedule keeps
///   its alignment.
///
/// A tick counts as missed once it is more than 5 ms late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Catch up with a burst of ticks.
    #[default]
    Burst,
    /// Restart the schedule from the late tick.
    Delay,
    /// Drop missed ticks, keep the original alignment.
    Skip,
}

impl MissedTickBehavior {
    /// The next deadline after a tick due at `due` was taken at `now`.
    fn next_deadline(self, due: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => due.saturating_add(period),
            MissedTickBehavior::Delay => now.saturating_add(period),
            MissedTickBehavior::Skip => {
                let behind = now.duration_since(due).as_nanos() % period.as_nanos();
                // `behind < period`, so this fits in a `Duration`.
                let behind = Duration::from_nanos(behind as u64);
                now.saturating_add(period - behind)
            }
        }
    }
}

/// Ticks at a fixed period; made by [`interval`] and [`interval_at`].
pub struct Interval {
    delay: Pin<Box<Sleep>>,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns when it was due.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a tick is only consumed when `tick` returns it.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; `Ready(due)` consumes it.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(self.delay.as_mut().poll(cx));
        let due = self.delay.deadline();
        let now = Instant::now();
        let next = if now > due.saturating_add(LATE_AFTER) {
            self.missed_tick_behavior
                .next_deadline(due, now, self.period)
        } else {
            due.saturating_add(self.period)
        };
        self.delay.as_mut().reset(next);
        Poll::Ready(due)
    }

    /// Restarts the schedule: the next tick is a period from now.
    pub fn reset(&mut self) {
        self.reset_at(Instant::now().saturating_add(self.period));
    }

    /// Restarts the schedule: the next tick is now.
    pub fn reset_immediately(&mut self) {
        self.reset_at(Instant::now());
    }

    /// Restarts the schedule: the next tick is `after` from now.
    pub fn reset_after(&mut self, after: Duration) {
        self.reset_at(Instant::now().saturating_add(after));
    }

    /// Restarts the schedule: the next tick is at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.as_mut().reset(deadline);
    }

    /// The behaviour after missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets the behaviour after missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("next", &self.delay.deadline())
            .field("period", &self.period)
            .field("missed_tick_behavior", &self.missed_tick_behavior)
            .finish()
    }
}

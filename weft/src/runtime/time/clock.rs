//! The time driver's clock: real time, or a frozen test clock.
//!
//! Ticks are microseconds since the clock's `start`. A deadline converts
//! to a tick by rounding **up** and "now" by rounding **down**, so the
//! driver fires an entry only once its deadline has really passed: timers
//! are never early. Both conversions saturate: a deadline too far away
//! for a `u64` of microseconds is tick `u64::MAX`, and a (paused) clock
//! moved that far stays on that tick, where every timer is due. No
//! arithmetic on ticks or instants here can overflow.
//!
//! Pausing (feature `test-util`) freezes `now` at the moment of the pause;
//! `advance` moves it by hand, and an idle runtime moves it to the next
//! deadline by itself (auto-advance) unless something it cannot see is in
//! progress (a `spawn_blocking` closure). Until the first pause, `now` is
//! `std::time::Instant::now()` with no lock; afterwards it reads the frozen
//! state under a lock (tests only).

use crate::loom::{AtomicBool, Mutex, Ordering::*};
use crate::sys::{coarse_monotonic_ns, coarse_resolution_ns, monotonic_ns};
use std::time::{Duration, Instant};

/// Where the driver reads the time.
#[derive(Debug)]
pub(crate) struct Clock {
    /// Tick 0.
    start: Instant,
    /// `CLOCK_MONOTONIC` in ns, read just after `start`: the base of
    /// [`past_tick`](Clock::past_tick)'s coarse reading (`None` where the
    /// platform layer, `sys`, reads no such clock).
    start_monotonic_ns: Option<u64>,
    /// How far ahead of the coarse reading (in ticks) [`has_passed`]
    /// still reads the precise clock: twice the coarse clock's resolution
    /// (one kernel tick); 1 where there is no coarse clock, since the
    /// precise reading then used rounds down while a deadline's tick rounds
    /// up, so a deadline passed within the current tick needs the exact
    /// comparison.
    ///
    /// [`has_passed`]: Clock::has_passed
    precise_window: u64,
    /// Set at the first pause: from then on `now` reads `frozen`.
    ever_paused: AtomicBool,
    frozen: Mutex<Frozen>,
}

#[derive(Debug)]
struct Frozen {
    /// The clock's time when it last stopped moving.
    base: Instant,
    /// While running: when it started running again.
    unfrozen: Option<Instant>,
    /// Operations in flight that auto-advance must wait for.
    inhibit_auto_advance: usize,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        let start = Instant::now();
        Clock {
            start,
            start_monotonic_ns: monotonic_ns(),
            precise_window: coarse_resolution_ns()
                .map_or(1, |ns| (2 * ns / 1_000).clamp(1_000, 50_000)),
            ever_paused: AtomicBool::new(false),
            frozen: Mutex::new(Frozen {
                base: start,
                unfrozen: Some(start),
                inhibit_auto_advance: 0,
            }),
        }
    }

    /// The frozen state. No user code runs under this lock, and a panic
    /// under it (a misuse message) leaves the state whole: poisoning is
    /// ignored.
    fn frozen(&self) -> crate::loom::MutexGuard<'_, Frozen> {
        self.frozen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current time.
    pub(crate) fn now(&self) -> Instant {
        // Acquire: pairs with the Release store in `pause`.
        if !self.ever_paused.load(Acquire) {
            return Instant::now();
        }
        let frozen = self.frozen();
        match frozen.unfrozen {
            Some(since) => frozen.base + since.elapsed(),
            None => frozen.base,
        }
    }

    /// The tick a deadline falls on, rounded up; `u64::MAX` (never) for a
    /// deadline beyond the last tick.
    pub(crate) fn deadline_tick(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.start);
        micros_of(since).saturating_add(u64::from(since.subsec_nanos() % 1_000 != 0))
    }

    /// The tick of the current time, rounded down (saturating at the last
    /// tick).
    pub(crate) fn now_tick(&self) -> u64 {
        micros_of(self.now().saturating_duration_since(self.start))
    }

    /// Whether `deadline`, which falls on tick `when`, has passed. Cheap
    /// when it passed a kernel tick ago or more, or is more than a kernel
    /// tick ahead (the coarse clock decides); a deadline closer than that
    /// to the coarse reading is compared with the precise time. Never true
    /// early; `false` for a deadline passed only if the coarse clock lags
    /// by more than two of its ticks (then the wheel fires it at the next
    /// driver check).
    pub(crate) fn has_passed(&self, deadline: Instant, when: u64) -> bool {
        let past = self.past_tick();
        when <= past || (when - past <= self.precise_window && self.now() >= deadline)
    }

    /// A tick that has certainly passed, read cheaply: on Linux the coarse
    /// monotonic clock (`sys::coarse_monotonic_ns`: updated every scheduler
    /// tick of the kernel, so up to a few ms behind, and never ahead, since
    /// it shares its base with `Instant` and `start` was taken first); the
    /// precise time while paused or where the platform has no coarse clock.
    pub(crate) fn past_tick(&self) -> u64 {
        // Acquire: as in `now`.
        if !self.ever_paused.load(Acquire) {
            if let (Some(start), Some(coarse)) = (self.start_monotonic_ns, coarse_monotonic_ns()) {
                return coarse.saturating_sub(start) / 1_000;
            }
        }
        self.now_tick()
    }

    /// The instant at which `tick` starts.
    pub(crate) fn instant_of(&self, tick: u64) -> Instant {
        let offset = Duration::from_micros(tick);
        self.start
            .checked_add(offset)
            .unwrap_or_else(|| far_future(self.start))
    }

    /// Whether the clock is frozen.
    pub(crate) fn is_paused(&self) -> bool {
        // Acquire: as in `now`.
        self.ever_paused.load(Acquire) && self.frozen().unfrozen.is_none()
    }

    /// Whether an idle runtime may move the frozen clock to its next timer.
    pub(crate) fn can_auto_advance(&self) -> bool {
        let frozen = self.frozen();
        frozen.unfrozen.is_none() && frozen.inhibit_auto_advance == 0
    }

    /// Freezes the clock.
    ///
    /// # Panics
    ///
    /// If it is already frozen.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    #[track_caller]
    pub(crate) fn pause(&self) {
        let mut frozen = self.frozen();
        let Some(since) = frozen.unfrozen.take() else {
            panic!("time is already frozen: `weft::time::pause` was called twice");
        };
        // Frozen on a tick boundary (up to 1 µs ahead), so whole-microsecond
        // durations from the frozen time end exactly on ticks, and
        // auto-advance lands on the deadline itself rather than a fraction
        // of a tick past it.
        let frozen_at = frozen.base + since.elapsed();
        frozen.base = self.instant_of(self.deadline_tick(frozen_at));
        // Release: pairs with the Acquire loads in `now`.
        self.ever_paused.store(true, Release);
    }

    /// Lets the clock run again, from where it stood.
    ///
    /// # Panics
    ///
    /// If it is not frozen.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    #[track_caller]
    pub(crate) fn resume(&self) {
        let mut frozen = self.frozen();
        assert!(
            frozen.unfrozen.is_none(),
            "time is not frozen: `weft::time::resume` needs a paused clock"
        );
        frozen.unfrozen = Some(Instant::now());
    }

    /// Moves the frozen clock forward by `by`.
    ///
    /// # Panics
    ///
    /// If it is not frozen.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    #[track_caller]
    pub(crate) fn advance(&self, by: Duration) {
        let mut frozen = self.frozen();
        assert!(
            frozen.unfrozen.is_none(),
            "time is not frozen: `weft::time::advance` needs a paused clock (`weft::time::pause`)"
        );
        frozen.base = frozen
            .base
            .checked_add(by)
            .unwrap_or_else(|| far_future(frozen.base));
    }

    /// Moves the frozen clock forward to `to` (never back).
    pub(crate) fn advance_to(&self, to: Instant) {
        let mut frozen = self.frozen();
        if frozen.unfrozen.is_none() && to > frozen.base {
            frozen.base = to;
        }
    }

    /// Holds auto-advance back until the matching [`allow_auto_advance`].
    ///
    /// [`allow_auto_advance`]: Clock::allow_auto_advance
    pub(crate) fn inhibit_auto_advance(&self) {
        self.frozen().inhibit_auto_advance += 1;
    }

    pub(crate) fn allow_auto_advance(&self) {
        let mut frozen = self.frozen();
        frozen.inhibit_auto_advance = frozen.inhibit_auto_advance.saturating_sub(1);
    }
}

/// Whole microseconds in `since`, saturating at `u64::MAX` (about 584,000
/// years).
fn micros_of(since: Duration) -> u64 {
    since
        .as_secs()
        .saturating_mul(1_000_000)
        .saturating_add(u64::from(since.subsec_micros()))
}

/// About thirty years after `from`: where deadlines beyond what `Instant`
/// can represent end up. Near the end of `Instant`'s range, the latest
/// instant it can hold (never `from` itself, unless that is the latest).
pub(crate) fn far_future(from: Instant) -> Instant {
    const THIRTY_YEARS: Duration = Duration::from_secs(86_400 * 365 * 30);
    if let Some(far) = from.checked_add(THIRTY_YEARS) {
        return far;
    }
    // Binary descent: at most one successful step per halving.
    let (mut latest, mut step) = (from, THIRTY_YEARS / 2);
    while !step.is_zero() {
        match latest.checked_add(step) {
            Some(later) => latest = later,
            None => step /= 2,
        }
    }
    latest
}

//! The clock a tracked task's poll reads while a long-poll watchdog runs:
//! a cell the watchdog thread keeps ticking, in place of a clock read at
//! every poll.
//!
//! # Design note
//!
//! A tracked poll records when it started (`TaskMeta::poll_started`, for
//! dumps) and marks its start in its thread's watchdog slot (for long-poll
//! reports). Reading the coarse monotonic clock for that was about 4 ns of
//! a 180 ns spawn-and-await with long-poll detection on (a build without
//! the read: 178.4 → 174.1 ns), about half of what detection cost there.
//! A load of a cell that another thread updates every few milliseconds
//! costs about nothing while the line stays in the reader's cache. The
//! price is staleness: the value read may be older than the poll's true
//! start, by up to the time until the next tick; the rules keep that from
//! ever making a report early.
//!
//! 1. **One writer.** Only the watchdog thread stores the cell, and each
//!    value it stores is larger than the last. It records every value it
//!    stores in its [`TickHistory`] first (the history is its own).
//! 2. **Readers.** A thread starting a tracked poll loads `ticking`
//!    (Acquire) and, if set, the value (Relaxed); otherwise it reads the
//!    coarse clock itself (`task::clock_ns`). The watchdog stores the value
//!    before it sets `ticking` (Release), so a reader that sees `ticking`
//!    set reads that value or a later one, never one the watchdog stored
//!    before it last turned ticking off.
//! 3. **Bounding a start from above.** A value the cell held was read
//!    before the next value was stored: a poll that recorded it started
//!    before that store. So the watchdog takes, as the poll's start, a
//!    clock read it made right after storing the next tick
//!    ([`TickHistory::start_bound`]); not the next tick's value, read
//!    before its store, possibly long before if the watchdog lost its CPU
//!    in between. A value the cell never held is a clock read, taken as it
//!    is; a value older than the history is bounded by the oldest tick
//!    kept; the newest value has no bound yet (the poll may have started
//!    just now) and is looked at again after the next tick. The watchdog
//!    keeps the bound it found for each marked poll
//!    (`PollSlot::start_bound`), since its history forgets old ticks while
//!    the poll runs on. A report thus comes at most about a tick late,
//!    never early. (The bound is off by how long a store takes to become
//!    visible, nanoseconds, well inside the coarse clock's own tick.)
//! 4. **Ticking only while polls run.** The watchdog ticks every [`TICK`]
//!    while some thread marked a poll since its last look, and turns
//!    `ticking` off at the first look that finds none: an idle runtime
//!    keeps its one wake-up per threshold. Polls that start meanwhile
//!    read the clock themselves (rule 2) until the watchdog's next look
//!    sees them and ticks again.
//!
//! A finished long poll's duration is measured from the bound too. A
//! dump's "time since the last poll" uses the recorded value as it is:
//! longer than the truth by up to a tick, or by as long as the watchdog
//! thread was held up (a machine so busy that it lost its CPU for that
//! long), where it was off by up to a coarse clock tick before.

use super::task::clock_ns;
use crate::loom::{AtomicBool, AtomicU64, Ordering::*};
use std::collections::VecDeque;
use std::time::Duration;

/// How often the watchdog ticks the cell while polls run (rule 4): the
/// coarse clock's usual tick (Linux with `HZ=250`).
pub(crate) const TICK: Duration = Duration::from_millis(4);

/// How many ticks the watchdog remembers (rule 3): 256 ms at [`TICK`].
const HISTORY: usize = 64;

/// The cell (rules 1 and 2).
#[derive(Debug)]
pub(crate) struct TickClock {
    now_ns: AtomicU64,
    ticking: AtomicBool,
}

impl TickClock {
    pub(crate) fn new() -> TickClock {
        TickClock {
            now_ns: AtomicU64::new(0),
            ticking: AtomicBool::new(false),
        }
    }

    /// Whether readers use the cell (rule 2).
    #[cfg(test)]
    pub(crate) fn is_ticking(&self) -> bool {
        self.ticking.load(Acquire)
    }

    /// The time for a poll starting now (rule 2): the cell while the
    /// watchdog ticks it, else the coarse clock.
    #[inline]
    pub(crate) fn now_ns(&self) -> u64 {
        if self.ticking.load(Acquire) {
            self.now_ns.load(Relaxed)
        } else {
            clock_ns()
        }
    }
}

/// The ticks the watchdog stored, oldest first (rules 1 and 3): each
/// value, and a clock read taken right after it was stored.
#[derive(Debug, Default)]
pub(crate) struct TickHistory {
    ticks: VecDeque<Tick>,
}

#[derive(Debug, Clone, Copy)]
struct Tick {
    value: u64,
    /// The clock just after `value` was stored: a poll that read the
    /// value before it started the poll after this (rule 3). Not `value`
    /// itself, which was read before the store, possibly long before if
    /// the watchdog thread lost its CPU in between.
    stored_by: u64,
}

impl TickHistory {
    /// Stores a tick of time `now` into `clock` and remembers it, with
    /// `after()`, the clock read once the store is done (rule 1); then
    /// sets whether readers use the cell (rule 2; `ticking`).
    pub(crate) fn tick(
        &mut self,
        clock: &TickClock,
        now: u64,
        ticking: bool,
        after: impl FnOnce() -> u64,
    ) {
        let value = match self.ticks.back() {
            Some(last) => now.max(last.value + 1),
            None => now,
        };
        clock.now_ns.store(value, Relaxed);
        clock.ticking.store(ticking, Release);
        if self.ticks.len() == HISTORY {
            self.ticks.pop_front();
        }
        self.ticks.push_back(Tick {
            value,
            stored_by: after().max(value),
        });
    }

    /// Turns the cell off (rule 4): readers read the clock themselves.
    pub(crate) fn stop(&self, clock: &TickClock) {
        clock.ticking.store(false, Release);
    }

    /// The latest a poll that recorded `started` can have started (rule
    /// 3), or `None` while `started` is the newest tick. A value older
    /// than the history gets its oldest tick's, a valid bound only for a
    /// poll first looked at now (the caller keeps the bound it found).
    pub(crate) fn start_bound(&self, started: u64) -> Option<u64> {
        let (Some(oldest), Some(newest)) = (self.ticks.front(), self.ticks.back()) else {
            return Some(started);
        };
        if started == newest.value {
            return None;
        }
        if started > newest.value {
            return Some(started);
        }
        if started < oldest.value {
            return Some(oldest.stored_by);
        }
        match self.ticks.binary_search_by_key(&started, |tick| tick.value) {
            Ok(at) => Some(self.ticks[at + 1].stored_by),
            Err(_) => Some(started),
        }
    }
}

#[cfg(all(test, weft_loom))]
mod loom_tests {
    use super::*;
    use crate::util::loom_model::model;
    use loom::sync::Arc;

    /// Rule 2: a reader that finds the cell ticking reads the value stored
    /// with that tick or a later one, never one stored before the cell
    /// last stopped (a poll would take such a value for its start, and the
    /// watchdog could bound it by a tick long past). The reader races the
    /// watchdog turning the cell back on; with relaxed stores and loads in
    /// place of the `Release`/`Acquire` pair, this model fails.
    #[test]
    fn a_reader_never_sees_a_value_from_before_the_last_stop() {
        model(|| {
            let clock = Arc::new(TickClock::new());
            let mut history = TickHistory::default();
            history.tick(&clock, 10, true, || 10);
            history.stop(&clock);
            let watchdog = {
                let clock = clock.clone();
                loom::thread::spawn(move || history.tick(&clock, 20, true, || 20))
            };
            let read = clock.now_ns();
            watchdog.join().unwrap();
            // 20, or a clock read (larger than these made-up ticks).
            assert!(read >= 20, "read {read}, stored before the stop");
        });
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_ticked_value_is_bounded_by_the_next_tick_and_clock_reads_by_themselves() {
        let clock = TickClock::new();
        let mut history = TickHistory::default();
        assert_eq!(history.start_bound(7), Some(7), "no ticks: a clock read");
        history.tick(&clock, 100, true, || 100);
        assert_eq!(clock.now_ns(), 100, "readers use the cell while it ticks");
        assert_eq!(history.start_bound(100), None, "the newest: no bound yet");
        history.tick(&clock, 100, true, || 100);
        assert_eq!(clock.now_ns(), 101, "ticks always move forward");
        history.tick(&clock, 200, true, || 200);
        assert_eq!(history.start_bound(100), Some(101));
        assert_eq!(history.start_bound(101), Some(200));
        assert_eq!(history.start_bound(150), Some(150), "never in the cell");
        assert_eq!(
            history.start_bound(250),
            Some(250),
            "read after the last tick"
        );
        assert_eq!(history.start_bound(50), Some(100), "older than the history");
        history.stop(&clock);
        assert!(clock.now_ns() > 200, "off: the clock itself");
    }

    #[test]
    fn the_history_keeps_the_last_ticks_and_bounds_older_values_by_the_oldest() {
        let clock = TickClock::new();
        let mut history = TickHistory::default();
        for tick in 1..=(HISTORY as u64 + 10) {
            history.tick(&clock, tick * 1_000, true, || tick * 1_000);
        }
        let oldest = 11 * 1_000;
        assert_eq!(history.start_bound(1_000), Some(oldest));
        assert_eq!(history.start_bound(oldest), Some(oldest + 1_000));
    }
}

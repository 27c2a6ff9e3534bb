//! Per-worker counters for `RuntimeMetrics`.
//!
//! A worker counts in plain integers in its core (no atomic on the hot
//! path) and publishes them to its [`WorkerMetrics`] with relaxed stores
//! every maintenance tick, before parking and at shutdown. Readers see
//! values at most one maintenance interval old; a parked worker's are
//! exact.

use crate::loom::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The published counters of one worker.
#[derive(Debug, Default)]
pub(crate) struct WorkerMetrics {
    pub(crate) polls: AtomicUsize,
    pub(crate) steals: AtomicUsize,
    pub(crate) steal_operations: AtomicUsize,
    pub(crate) parks: AtomicUsize,
    /// Returns from a park; `parks + unparks` is odd while parked.
    pub(crate) unparks: AtomicUsize,
    /// Time spent out of parks while driving, in nanoseconds.
    pub(crate) busy_nanos: AtomicU64,
    pub(crate) local_schedules: AtomicUsize,
    pub(crate) overflows: AtomicUsize,
}

/// The owner's running counts.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) polls: usize,
    pub(crate) steals: usize,
    pub(crate) steal_operations: usize,
    pub(crate) parks: usize,
    pub(crate) unparks: usize,
    pub(crate) local_schedules: usize,
    pub(crate) overflows: usize,
    /// Busy time of the periods that ended.
    busy: Duration,
    /// When the current busy period began; `None` while parked or while
    /// no thread drives the scheduler.
    busy_since: Option<Instant>,
}

impl Stats {
    /// A thread starts (or resumes) driving the scheduler.
    pub(crate) fn start_busy(&mut self) {
        if self.busy_since.is_none() {
            self.busy_since = Some(Instant::now());
        }
    }

    /// The driving thread parks or leaves.
    pub(crate) fn end_busy(&mut self) {
        if let Some(since) = self.busy_since.take() {
            self.busy += since.elapsed();
        }
    }

    /// Counts the current busy period so far, so the next publish shows
    /// it (one clock read: called every `event_interval` ticks, not at
    /// every driver check).
    pub(crate) fn fold_busy(&mut self) {
        if let Some(since) = self.busy_since {
            let now = Instant::now();
            self.busy += now.saturating_duration_since(since);
            self.busy_since = Some(now);
        }
    }

    /// Stores the counts where `RuntimeMetrics` reads them. Reads no
    /// clock: the busy time is that of the periods ended or folded
    /// ([`fold_busy`](Stats::fold_busy)).
    pub(crate) fn publish(&self, to: &WorkerMetrics) {
        to.polls.store(self.polls, Relaxed);
        to.steals.store(self.steals, Relaxed);
        to.steal_operations.store(self.steal_operations, Relaxed);
        to.parks.store(self.parks, Relaxed);
        to.unparks.store(self.unparks, Relaxed);
        to.busy_nanos.store(
            u64::try_from(self.busy.as_nanos()).unwrap_or(u64::MAX),
            Relaxed,
        );
        to.local_schedules.store(self.local_schedules, Relaxed);
        to.overflows.store(self.overflows, Relaxed);
    }
}

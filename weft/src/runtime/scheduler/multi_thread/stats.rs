//! Per-worker counters for `RuntimeMetrics`.
//!
//! A worker counts in plain integers in its core (no atomic on the hot
//! path) and publishes them to its [`WorkerMetrics`] with relaxed stores
//! every maintenance tick, before parking and at shutdown. Readers see
//! values at most one maintenance interval old; a parked worker's are
//! exact.

use crate::loom::{AtomicUsize, Ordering::Relaxed};

/// The published counters of one worker.
#[derive(Debug, Default)]
pub(crate) struct WorkerMetrics {
    pub(crate) polls: AtomicUsize,
    pub(crate) steals: AtomicUsize,
    pub(crate) steal_operations: AtomicUsize,
    pub(crate) parks: AtomicUsize,
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
    pub(crate) local_schedules: usize,
    pub(crate) overflows: usize,
}

impl Stats {
    pub(crate) fn publish(&self, to: &WorkerMetrics) {
        to.polls.store(self.polls, Relaxed);
        to.steals.store(self.steals, Relaxed);
        to.steal_operations.store(self.steal_operations, Relaxed);
        to.parks.store(self.parks, Relaxed);
        to.local_schedules.store(self.local_schedules, Relaxed);
        to.overflows.store(self.overflows, Relaxed);
    }
}

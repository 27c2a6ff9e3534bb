//! Per-worker counters for `RuntimeMetrics`.
//!
//! A worker counts in plain integers in its core (no atomic on the hot
//! path) and publishes them to its [`WorkerMetrics`] with relaxed stores
//! every maintenance tick, before parking and at shutdown. Readers see
//! values at most one maintenance interval old; a parked worker's are
//! exact.
//!
//! The mean poll time is an exponentially weighted moving average (EWMA)
//! over busy periods, the estimate tokio's multi-thread scheduler keeps:
//! when a busy period ends or is folded (the clock reads the busy time
//! already takes), the period's time divided by its polls is blended in
//! with weight `1 - (1 - ALPHA)^polls`, which is what `polls` single-poll
//! updates with weight `ALPHA` would give for equal polls. No clock read
//! is added. The histograms (off by default) are counted by a
//! [`PollRecorder`] (`runtime/metrics/poll.rs`).

use crate::loom::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use crate::runtime::metrics::{Histogram, MetricsConfig, PollRecorder, PollStart};
use crate::runtime::task::Notified;
use std::time::{Duration, Instant};

/// The weight of one poll in the mean poll time (tokio's value).
const POLL_TIME_EWMA_ALPHA: f64 = 0.1;

/// The published counters of one worker.
#[derive(Debug)]
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
    /// The EWMA of poll durations, in nanoseconds.
    pub(crate) mean_poll_nanos: AtomicU64,
    /// `Builder::enable_metrics_poll_time_histogram`.
    pub(crate) poll_time_histogram: Option<Histogram>,
    /// `Builder::enable_metrics_schedule_latency_histogram`.
    pub(crate) schedule_latency_histogram: Option<Histogram>,
}

impl WorkerMetrics {
    pub(crate) fn new(config: &MetricsConfig) -> WorkerMetrics {
        let (poll_time_histogram, schedule_latency_histogram) = config.histograms();
        WorkerMetrics {
            polls: AtomicUsize::new(0),
            steals: AtomicUsize::new(0),
            steal_operations: AtomicUsize::new(0),
            parks: AtomicUsize::new(0),
            unparks: AtomicUsize::new(0),
            busy_nanos: AtomicU64::new(0),
            local_schedules: AtomicUsize::new(0),
            overflows: AtomicUsize::new(0),
            mean_poll_nanos: AtomicU64::new(0),
            poll_time_histogram,
            schedule_latency_histogram,
        }
    }
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
    /// `polls` when the current busy period began (or was folded).
    polls_at_busy_start: usize,
    /// The mean poll time (EWMA), in nanoseconds.
    mean_poll_nanos: f64,
    /// The histograms' batches, if any histogram is on.
    recorder: Option<Box<PollRecorder>>,
}

impl Stats {
    pub(crate) fn new(config: &MetricsConfig) -> Stats {
        Stats {
            recorder: config.recorder(),
            ..Stats::default()
        }
    }

    /// A poll of `task` starts: counts it, and with a histogram on
    /// measures it (`runtime/metrics/poll.rs`). Pass the result to
    /// [`end_poll`](Stats::end_poll) when the poll returns.
    #[inline]
    pub(crate) fn start_poll<S>(&mut self, task: &Notified<S>) -> PollStart {
        self.polls += 1;
        match &mut self.recorder {
            None => PollStart::NONE,
            Some(recorder) => recorder.start(task),
        }
    }

    /// The poll that [`start_poll`](Stats::start_poll) returned `start`
    /// for has returned.
    #[inline]
    pub(crate) fn end_poll(&mut self, start: PollStart) {
        if start.is_timed() {
            if let Some(recorder) = &mut self.recorder {
                recorder.end(start);
            }
        }
    }

    /// A thread starts (or resumes) driving the scheduler.
    pub(crate) fn start_busy(&mut self) {
        if self.busy_since.is_none() {
            self.busy_since = Some(Instant::now());
            self.polls_at_busy_start = self.polls;
        }
    }

    /// The driving thread parks or leaves.
    pub(crate) fn end_busy(&mut self) {
        if let Some(since) = self.busy_since.take() {
            let elapsed = since.elapsed();
            self.busy += elapsed;
            self.update_mean_poll_time(elapsed);
        }
    }

    /// Counts the current busy period so far, so the next publish shows
    /// it (one clock read: called every `event_interval` ticks, not at
    /// every driver check).
    pub(crate) fn fold_busy(&mut self) {
        if let Some(since) = self.busy_since {
            let now = Instant::now();
            let elapsed = now.saturating_duration_since(since);
            self.busy += elapsed;
            self.busy_since = Some(now);
            self.update_mean_poll_time(elapsed);
        }
    }

    /// Blends the busy period that just ended (or was folded), `elapsed`
    /// long, into the mean poll time (module docs).
    fn update_mean_poll_time(&mut self, elapsed: Duration) {
        let polls = self.polls.wrapping_sub(self.polls_at_busy_start);
        self.polls_at_busy_start = self.polls;
        if polls == 0 {
            return;
        }
        let polls = polls as f64;
        let mean = elapsed.as_nanos() as f64 / polls;
        let weight = 1.0 - (1.0 - POLL_TIME_EWMA_ALPHA).powf(polls);
        self.mean_poll_nanos = weight * mean + (1.0 - weight) * self.mean_poll_nanos;
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
        // A float-to-integer cast saturates.
        to.mean_poll_nanos
            .store(self.mean_poll_nanos as u64, Relaxed);
        if let Some(recorder) = &self.recorder {
            recorder.publish(
                to.poll_time_histogram.as_ref(),
                to.schedule_latency_histogram.as_ref(),
            );
        }
    }
}

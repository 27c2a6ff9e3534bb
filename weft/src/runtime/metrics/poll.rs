//! What a worker measures around each task poll when a histogram is on:
//! the poll's duration and the task's queue delay (schedule to poll).
//!
//! # Design note
//!
//! Both histograms are off by default, and then a worker's poll loop does
//! what it did without them: its [`Stats`](crate::runtime::scheduler::multi_thread::Stats)
//! holds no [`PollRecorder`], so starting a poll is one branch on a field
//! of the core and ending it one branch on a value in a register; no clock
//! is read. With either histogram on:
//!
//! 1. A poll start reads the precise monotonic clock once ([`now_ns`]);
//!    with the poll-time histogram on, the poll's end reads it once more.
//!    So at most two clock reads per poll.
//! 2. The queue delay needs the time the task was queued: the scheduler
//!    stamps it into the task's record (`TaskMeta::set_scheduled_ns`, kept
//!    in the record's annex) in its one
//!    queueing function (`current_thread`'s `Schedule::schedule`,
//!    `multi_thread`'s `schedule_task`), so every spawn, wake and yield is
//!    stamped. The runtime tracks every task when this histogram is on
//!    (`Builder::enable_metrics_schedule_latency_histogram` turns on task
//!    tracking), since only tracked tasks have a `TaskMeta`. The worker
//!    reads the stamp at the poll's start (`task::meta` rule 3 says why
//!    the plain relaxed accesses suffice).
//! 3. Counts go into [`HistogramBatch`]es owned by the worker and are
//!    published with its other counters (every `event_interval` ticks
//!    and at each park).
//!
//! Which polls are measured: those of the runtime's tasks by its workers
//! (what `worker_poll_count` counts), not the future given to `block_on`
//! and not the tasks of a `LocalSet` (polled inside another future's
//! poll). A poll that hands its worker to another thread
//! (`block_in_place`) is counted in `worker_poll_count` but not timed: it
//! ends on a thread that no longer holds the worker's counters.

use super::histogram::{Histogram, HistogramBatch, HistogramType};
use crate::runtime::task::Notified;
use std::sync::OnceLock;
use std::time::Instant;

/// The clock of the runtime's histograms, in nanoseconds: the precise
/// monotonic clock (a vDSO read where the platform layer has one, else
/// `Instant` since the first call), never 0 (0 means "not stamped").
pub(crate) fn now_ns() -> u64 {
    #[cfg(any(feature = "net", feature = "time", feature = "signal", feature = "fs"))]
    if let Some(ns) = crate::sys::monotonic_ns() {
        return ns.max(1);
    }
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    u64::try_from(start.elapsed().as_nanos())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// Which histograms a runtime keeps (from its `Builder`).
#[derive(Debug, Clone, Default)]
pub(crate) struct MetricsConfig {
    /// `Builder::enable_metrics_poll_time_histogram`.
    pub(crate) poll_time_histogram: Option<HistogramType>,
    /// `Builder::enable_metrics_schedule_latency_histogram`.
    pub(crate) schedule_latency_histogram: Option<HistogramType>,
}

impl MetricsConfig {
    /// Whether the schedulers stamp each queued task (rule 2).
    pub(crate) fn stamps_schedule(&self) -> bool {
        self.schedule_latency_histogram.is_some()
    }

    /// A worker's recorder, if any histogram is on.
    pub(crate) fn recorder(&self) -> Option<Box<PollRecorder>> {
        if self.poll_time_histogram.is_none() && self.schedule_latency_histogram.is_none() {
            return None;
        }
        Some(Box::new(PollRecorder {
            poll_times: self.poll_time_histogram.map(HistogramBatch::new),
            schedule_latencies: self.schedule_latency_histogram.map(HistogramBatch::new),
        }))
    }

    /// A worker's published histograms: (poll times, schedule latencies).
    pub(crate) fn histograms(&self) -> (Option<Histogram>, Option<Histogram>) {
        (
            self.poll_time_histogram.map(Histogram::new),
            self.schedule_latency_histogram.map(Histogram::new),
        )
    }
}

/// Stamps `task` as queued now (rule 2). The caller checked
/// [`MetricsConfig::stamps_schedule`].
pub(crate) fn stamp_scheduled<S>(task: &Notified<S>) {
    if let Some(meta) = task.meta() {
        meta.set_scheduled_ns(now_ns());
    }
}

/// When a measured poll started ([`now_ns`]); 0 when it is not timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PollStart(u64);

impl PollStart {
    /// Not timed: the poll-time histogram is off.
    pub(crate) const NONE: PollStart = PollStart(0);

    pub(crate) fn is_timed(self) -> bool {
        self.0 != 0
    }
}

/// A worker's histogram batches (rule 3).
#[derive(Debug)]
pub(crate) struct PollRecorder {
    poll_times: Option<HistogramBatch>,
    schedule_latencies: Option<HistogramBatch>,
}

impl PollRecorder {
    /// A poll of `task` starts: counts its queue delay, and returns the
    /// start time if the poll is to be timed.
    pub(crate) fn start<S>(&mut self, task: &Notified<S>) -> PollStart {
        let now = now_ns();
        if let Some(latencies) = &mut self.schedule_latencies {
            if let Some(scheduled) = task.meta().and_then(|meta| meta.scheduled_ns()) {
                latencies.record(now.saturating_sub(scheduled));
            }
        }
        match self.poll_times {
            Some(_) => PollStart(now),
            None => PollStart::NONE,
        }
    }

    /// The poll that began at `start` (timed) has returned.
    pub(crate) fn end(&mut self, start: PollStart) {
        if let Some(poll_times) = &mut self.poll_times {
            poll_times.record(now_ns().saturating_sub(start.0));
        }
    }

    /// Copies the counts into the worker's published histograms.
    pub(crate) fn publish(
        &self,
        poll_times: Option<&Histogram>,
        schedule_latencies: Option<&Histogram>,
    ) {
        if let (Some(batch), Some(to)) = (&self.poll_times, poll_times) {
            batch.publish(to);
        }
        if let (Some(batch), Some(to)) = (&self.schedule_latencies, schedule_latencies) {
            batch.publish(to);
        }
    }
}

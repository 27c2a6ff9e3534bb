//! `RuntimeMetrics`: a read-only view of a runtime's counters and
//! histograms. `histogram` holds the histograms' shapes and buckets,
//! `poll` what a worker measures around each poll.

mod histogram;
pub(crate) mod poll;

pub(crate) use histogram::{duration_ns, Histogram, HistogramSettings};
pub use histogram::{
    HistogramConfiguration, HistogramScale, InvalidHistogramConfiguration, LogHistogram,
    LogHistogramBuilder,
};
pub(crate) use poll::{MetricsConfig, PollRecorder, PollStart};

use super::scheduler;
use crate::loom::Ordering::Relaxed;
use std::fmt;
use std::ops::Range;
use std::time::Duration;

/// A snapshot source for a runtime's counters; get it from
/// [`Handle::metrics`](crate::runtime::Handle::metrics). Each method reads
/// the current value.
///
/// Counting is always on and costs nothing on the hot path: a worker counts
/// in plain integers and publishes them every `event_interval` ticks and
/// whenever it parks. So the per-worker counts of a busy worker may lag by
/// up to one interval; those of an idle (parked) worker are exact.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let metrics = weft::runtime::Handle::current().metrics();
/// let task = weft::spawn(std::future::pending::<()>());
/// assert_eq!(metrics.num_alive_tasks(), 1);
/// task.abort();
/// assert_eq!(metrics.num_alive_tasks(), 0);
/// # }
/// ```
#[derive(Clone)]
pub struct RuntimeMetrics {
    handle: scheduler::Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: scheduler::Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    /// The number of worker threads polling tasks (1 for `current_thread`).
    pub fn num_workers(&self) -> usize {
        match &self.handle {
            scheduler::Handle::CurrentThread(_) => 1,
            #[cfg(feature = "rt-multi-thread")]
            scheduler::Handle::MultiThread(handle) => handle.num_workers(),
        }
    }

    /// The number of tasks spawned that have not yet finished.
    pub fn num_alive_tasks(&self) -> usize {
        self.handle.alive_tasks()
    }

    /// The number of tasks spawned on this runtime so far (not counting
    /// `spawn_blocking` closures, nor tasks refused at shutdown).
    pub fn spawned_tasks_count(&self) -> u64 {
        match &self.handle {
            scheduler::Handle::CurrentThread(handle) => handle.spawned_tasks(),
            #[cfg(feature = "rt-multi-thread")]
            scheduler::Handle::MultiThread(handle) => handle.spawned_tasks(),
        }
    }

    /// The number of tasks waiting in the global (inject) queue.
    pub fn global_queue_depth(&self) -> usize {
        match &self.handle {
            scheduler::Handle::CurrentThread(handle) => handle.inject_depth(),
            #[cfg(feature = "rt-multi-thread")]
            scheduler::Handle::MultiThread(handle) => handle.inject_depth(),
        }
    }

    /// The number of threads of the blocking pool that run
    /// `spawn_blocking` closures, idle ones included. The threads that run
    /// `multi_thread` workers (also pool threads, in a lane of their own)
    /// are not counted, nor is a thread started for a worker by
    /// `block_in_place`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_current_thread().build()?;
    /// assert_eq!(rt.metrics().num_blocking_threads(), 0);
    /// rt.block_on(async { weft::task::spawn_blocking(|| ()).await.unwrap() });
    /// // The thread stays until it has been idle for `thread_keep_alive`.
    /// assert_eq!(rt.metrics().num_blocking_threads(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.blocking_spawner().blocking_counts().0
    }

    /// The number of blocking-pool threads waiting for a `spawn_blocking`
    /// closure (worker threads excluded, as in
    /// [`num_blocking_threads`](Self::num_blocking_threads)).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_current_thread().build()?;
    /// rt.block_on(async { weft::task::spawn_blocking(|| ()).await.unwrap() });
    /// let metrics = rt.metrics();
    /// // The closure's thread goes idle once the closure has returned.
    /// while metrics.num_idle_blocking_threads() == 0 {
    ///     std::thread::yield_now();
    /// }
    /// assert_eq!(metrics.num_idle_blocking_threads(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.blocking_spawner().blocking_counts().1
    }

    /// The number of `spawn_blocking` closures waiting for a blocking-pool
    /// thread, now: they queue when every thread is busy and the pool has
    /// [`max_blocking_threads`](crate::runtime::Builder::max_blocking_threads)
    /// of them.
    ///
    /// # Differences from tokio
    ///
    /// tokio has this method only with `--cfg tokio_unstable`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Barrier};
    ///
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .max_blocking_threads(1)
    ///     .build()?;
    /// let metrics = rt.metrics();
    /// let barrier = Arc::new(Barrier::new(2));
    /// let (started, running) = std::sync::mpsc::channel();
    /// let busy = {
    ///     let barrier = barrier.clone();
    ///     rt.spawn_blocking(move || {
    ///         started.send(()).unwrap();
    ///         barrier.wait();
    ///     })
    /// };
    /// running.recv().unwrap();
    /// // The one thread is busy: this closure waits in the queue.
    /// let queued = rt.spawn_blocking(|| ());
    /// assert_eq!(metrics.blocking_queue_depth(), 1);
    /// barrier.wait();
    /// rt.block_on(async { busy.await.unwrap(); queued.await.unwrap() });
    /// assert_eq!(metrics.blocking_queue_depth(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn blocking_queue_depth(&self) -> usize {
        self.handle.blocking_spawner().blocking_counts().2
    }

    /// The number of times worker `worker` polled a task.
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        self.worker_counter(worker, |m| m.polls.load(Relaxed))
    }

    /// The number of tasks worker `worker` stole from other workers.
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        self.worker_counter(worker, |m| m.steals.load(Relaxed))
    }

    /// The number of times worker `worker` stole (each steal takes half of
    /// a victim's queue).
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_steal_operations(&self, worker: usize) -> u64 {
        self.worker_counter(worker, |m| m.steal_operations.load(Relaxed))
    }

    /// The number of times worker `worker` parked (went to sleep for want
    /// of work).
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        self.worker_counter(worker, |m| m.parks.load(Relaxed))
    }

    /// The number of times worker `worker` parked plus the number of times
    /// it woke from a park: odd while the worker is parked, even while it
    /// runs. Exact at every transition (it is published at each one).
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_multi_thread().worker_threads(1).build()?;
    /// let metrics = rt.metrics();
    /// // Wait until the idle worker has parked.
    /// while metrics.worker_park_unpark_count(0) % 2 == 0 {
    ///     std::thread::yield_now();
    /// }
    /// let parked = metrics.worker_park_unpark_count(0);
    /// rt.block_on(async { weft::spawn(async {}).await.unwrap() });
    /// // The spawn woke the worker: at least one unpark since.
    /// assert!(metrics.worker_park_unpark_count(0) > parked);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn worker_park_unpark_count(&self, worker: usize) -> u64 {
        self.worker_counter(worker, |m| {
            m.parks.load(Relaxed).wrapping_add(m.unparks.load(Relaxed))
        })
    }

    /// The time worker `worker` has spent driving the scheduler outside a
    /// park: polling tasks, checking its drivers, looking for work. For
    /// `current_thread`, the time threads spent inside `block_on` holding
    /// the scheduler, outside parks. Published at each park and unpark and
    /// every `event_interval` ticks, so a busy worker's value may lag.
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread().build()?;
    /// rt.block_on(async {
    ///     weft::spawn(async { std::thread::sleep(Duration::from_millis(5)) }).await.unwrap();
    /// });
    /// assert!(rt.metrics().worker_total_busy_duration(0) >= Duration::from_millis(5));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        self.check_worker(worker);
        let nanos = match &self.handle {
            scheduler::Handle::CurrentThread(handle) => {
                handle.worker_metrics().busy_nanos.load(Relaxed)
            }
            #[cfg(feature = "rt-multi-thread")]
            scheduler::Handle::MultiThread(handle) => {
                handle.worker_metrics(worker).busy_nanos.load(Relaxed)
            }
        };
        Duration::from_nanos(nanos)
    }

    /// The number of tasks worker `worker` scheduled on itself (woken on
    /// its own thread).
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_local_schedule_count(&self, worker: usize) -> u64 {
        self.worker_counter(worker, |m| m.local_schedules.load(Relaxed))
    }

    /// The number of times worker `worker`'s local queue was full and moved
    /// half of its tasks to the global queue.
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_overflow_count(&self, worker: usize) -> u64 {
        self.worker_counter(worker, |m| m.overflows.load(Relaxed))
    }

    /// The number of tasks in worker `worker`'s local queue (and LIFO
    /// slot), now. For `current_thread`, 0: its queue is private to the
    /// thread driving it.
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.check_worker(worker);
        match &self.handle {
            scheduler::Handle::CurrentThread(_) => 0,
            #[cfg(feature = "rt-multi-thread")]
            scheduler::Handle::MultiThread(handle) => handle.worker_local_queue_depth(worker),
        }
    }

    /// The mean duration of task polls on worker `worker`: an
    /// exponentially weighted moving average in which each poll weighs
    /// 0.1, estimated from the worker's busy time (the time of each busy
    /// stretch divided by the polls in it), so it reads no clock of its
    /// own and is always on. It includes what the worker does between
    /// polls in a stretch (taking tasks from queues, checking its drivers),
    /// and for `current_thread`, the polls of the future given to
    /// `block_on`. Zero until the worker has finished a busy stretch that
    /// polled a task. Published like the counters (every `event_interval`
    /// ticks and at each park).
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    ///
    /// # Differences from tokio
    ///
    /// tokio has this method only with `--cfg tokio_unstable`, and only
    /// its `multi_thread` runtime computes it (`current_thread` reports
    /// zero); weft computes it on both flavors.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread().build()?;
    /// rt.block_on(async {
    ///     weft::spawn(async { std::thread::sleep(Duration::from_millis(2)) }).await.unwrap();
    /// });
    /// // The stretch that polled the task ended when `block_on` returned.
    /// assert!(rt.metrics().worker_mean_poll_time(0) > Duration::ZERO);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn worker_mean_poll_time(&self, worker: usize) -> Duration {
        Duration::from_nanos(self.worker(worker).mean_poll_nanos.load(Relaxed))
    }

    /// Whether the runtime keeps a histogram of task poll durations
    /// ([`Builder::enable_metrics_poll_time_histogram`]).
    ///
    /// # Differences from tokio
    ///
    /// tokio has the poll-time histogram only with `--cfg tokio_unstable`.
    ///
    /// # Examples
    ///
    /// ```
    /// let plain = weft::runtime::Builder::new_current_thread().build()?;
    /// assert!(!plain.metrics().poll_time_histogram_enabled());
    /// let measured = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .build()?;
    /// assert!(measured.metrics().poll_time_histogram_enabled());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`Builder::enable_metrics_poll_time_histogram`]: crate::runtime::Builder::enable_metrics_poll_time_histogram
    pub fn poll_time_histogram_enabled(&self) -> bool {
        self.worker(0).poll_time_histogram.is_some()
    }

    /// The number of buckets of the poll-time histogram (0 when it is
    /// off); every worker's has the same buckets.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::HistogramConfiguration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_time_histogram_configuration(HistogramConfiguration::linear(
    ///         Duration::from_micros(50),
    ///         20,
    ///     ))
    ///     .build()?;
    /// assert_eq!(rt.metrics().poll_time_histogram_num_buckets(), 20);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_time_histogram_num_buckets(&self) -> usize {
        self.worker(0)
            .poll_time_histogram
            .as_ref()
            .map_or(0, |h| h.shape().num_buckets())
    }

    /// The range of poll durations bucket `bucket` counts. The first
    /// bucket starts at zero; the last ends at `u64::MAX` nanoseconds.
    /// An empty range (`Duration::ZERO..Duration::ZERO`) when the
    /// histogram is off.
    ///
    /// # Panics
    ///
    /// If the histogram is on and `bucket >= poll_time_histogram_num_buckets()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .build()?;
    /// let metrics = rt.metrics();
    /// assert_eq!(
    ///     metrics.poll_time_histogram_bucket_range(1),
    ///     Duration::from_micros(100)..Duration::from_micros(200)
    /// );
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn poll_time_histogram_bucket_range(&self, bucket: usize) -> Range<Duration> {
        bucket_range(self.worker(0).poll_time_histogram.as_ref(), bucket)
    }

    /// The number of polls by worker `worker` whose duration fell in
    /// bucket `bucket`, since the runtime started (0 when the histogram
    /// is off). Published like the counters (every `event_interval` ticks
    /// and at each park), so a busy worker's counts may lag.
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`, or the histogram is on and `bucket`
    /// is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .build()?;
    /// rt.block_on(async {
    ///     for _ in 0..3 {
    ///         weft::spawn(async {}).await.unwrap();
    ///     }
    /// });
    /// let metrics = rt.metrics();
    /// let polls: u64 = (0..metrics.poll_time_histogram_num_buckets())
    ///     .map(|bucket| metrics.poll_time_histogram_bucket_count(0, bucket))
    ///     .sum();
    /// assert_eq!(polls, 3);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn poll_time_histogram_bucket_count(&self, worker: usize, bucket: usize) -> u64 {
        self.worker(worker)
            .poll_time_histogram
            .as_ref()
            .map_or(0, |h| h.get(bucket))
    }

    /// The sum of the durations of the polls worker `worker`'s poll-time
    /// histogram counted (zero when it is off): with the bucket counts,
    /// what a Prometheus histogram's `_sum` needs. Published with the
    /// buckets.
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    ///
    /// # Differences from tokio
    ///
    /// tokio's histograms keep no sum; this is weft's own.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .build()?;
    /// rt.block_on(async {
    ///     weft::spawn(async { std::thread::sleep(Duration::from_millis(3)) }).await.unwrap();
    /// });
    /// assert!(rt.metrics().poll_time_histogram_sum(0) >= Duration::from_millis(3));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn poll_time_histogram_sum(&self, worker: usize) -> Duration {
        let h = self.worker(worker).poll_time_histogram.as_ref();
        Duration::from_nanos(h.map_or(0, Histogram::sum_ns))
    }

    /// Whether the runtime keeps a histogram of queue delays, the time
    /// from a task's queueing (spawn, wake, yield) to the start of its
    /// poll ([`Builder::enable_metrics_schedule_latency_histogram`]).
    ///
    /// # Differences from tokio
    ///
    /// tokio has the schedule-latency histogram only with `--cfg
    /// tokio_unstable` and its `schedule-latency` feature.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_schedule_latency_histogram()
    ///     .build()?;
    /// assert!(rt.metrics().schedule_latency_histogram_enabled());
    /// assert!(!rt.metrics().poll_time_histogram_enabled());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`Builder::enable_metrics_schedule_latency_histogram`]: crate::runtime::Builder::enable_metrics_schedule_latency_histogram
    pub fn schedule_latency_histogram_enabled(&self) -> bool {
        self.worker(0).schedule_latency_histogram.is_some()
    }

    /// The number of buckets of the schedule-latency histogram (0 when it
    /// is off).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_current_thread().build()?;
    /// assert_eq!(rt.metrics().schedule_latency_histogram_num_buckets(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn schedule_latency_histogram_num_buckets(&self) -> usize {
        self.worker(0)
            .schedule_latency_histogram
            .as_ref()
            .map_or(0, |h| h.shape().num_buckets())
    }

    /// The range of queue delays bucket `bucket` counts (an empty range
    /// when the histogram is off).
    ///
    /// # Panics
    ///
    /// If the histogram is on and `bucket` is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::{HistogramConfiguration, LogHistogram};
    ///
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_schedule_latency_histogram()
    ///     .metrics_schedule_latency_histogram_configuration(HistogramConfiguration::log(
    ///         LogHistogram::builder().min_value(Duration::from_micros(1)),
    ///     ))
    ///     .build()?;
    /// let metrics = rt.metrics();
    /// let first = metrics.schedule_latency_histogram_bucket_range(0);
    /// assert_eq!(first.start, Duration::ZERO);
    /// assert!(first.end <= Duration::from_micros(1));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn schedule_latency_histogram_bucket_range(&self, bucket: usize) -> Range<Duration> {
        bucket_range(self.worker(0).schedule_latency_histogram.as_ref(), bucket)
    }

    /// The number of polls by worker `worker` whose task had waited in a
    /// run queue for a time in bucket `bucket` (0 when the histogram is
    /// off). Each poll of a task counts once. Published like the counters.
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`, or the histogram is on and `bucket`
    /// is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_schedule_latency_histogram()
    ///     .build()?;
    /// rt.block_on(async { weft::spawn(async {}).await.unwrap() });
    /// let metrics = rt.metrics();
    /// let polls: u64 = (0..metrics.schedule_latency_histogram_num_buckets())
    ///     .map(|bucket| metrics.schedule_latency_histogram_bucket_count(0, bucket))
    ///     .sum();
    /// assert_eq!(polls, 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn schedule_latency_histogram_bucket_count(&self, worker: usize, bucket: usize) -> u64 {
        self.worker(worker)
            .schedule_latency_histogram
            .as_ref()
            .map_or(0, |h| h.get(bucket))
    }

    /// The sum of the queue delays worker `worker`'s schedule-latency
    /// histogram counted (zero when it is off), for a Prometheus `_sum`.
    ///
    /// # Panics
    ///
    /// If `worker >= num_workers()`.
    ///
    /// # Differences from tokio
    ///
    /// tokio's histograms keep no sum; this is weft's own.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_current_thread().build()?;
    /// assert_eq!(rt.metrics().schedule_latency_histogram_sum(0), std::time::Duration::ZERO);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn schedule_latency_histogram_sum(&self, worker: usize) -> Duration {
        let h = self.worker(worker).schedule_latency_histogram.as_ref();
        Duration::from_nanos(h.map_or(0, Histogram::sum_ns))
    }

    /// The number of I/O resources (sockets, pipes, `AsyncFd`s) registered
    /// with the runtime's I/O driver so far; 0 without one.
    ///
    /// # Differences from tokio
    ///
    /// tokio has this method only with `--cfg tokio_unstable` and the
    /// `net` feature; weft has it always (0 without an I/O driver).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "net")]
    /// # {
    /// let rt = weft::runtime::Builder::new_current_thread().enable_io().build()?;
    /// let metrics = rt.metrics();
    /// let before = metrics.io_driver_fd_registered_count();
    /// rt.block_on(async {
    ///     let _listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// });
    /// assert_eq!(metrics.io_driver_fd_registered_count(), before + 1);
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn io_driver_fd_registered_count(&self) -> u64 {
        self.io_driver_counts()[0]
    }

    /// The number of I/O resources deregistered from the runtime's I/O
    /// driver so far (registered minus deregistered: those open now).
    ///
    /// # Differences from tokio
    ///
    /// tokio has this method only with `--cfg tokio_unstable` and the
    /// `net` feature; weft has it always (0 without an I/O driver).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "net")]
    /// # {
    /// let rt = weft::runtime::Builder::new_current_thread().enable_io().build()?;
    /// let metrics = rt.metrics();
    /// let before = metrics.io_driver_fd_deregistered_count();
    /// rt.block_on(async {
    ///     drop(weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap());
    /// });
    /// assert_eq!(metrics.io_driver_fd_deregistered_count(), before + 1);
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn io_driver_fd_deregistered_count(&self) -> u64 {
        self.io_driver_counts()[1]
    }

    /// The number of readiness events the runtime's I/O driver has
    /// delivered to I/O resources so far (its own wake-ups not counted).
    /// Divided by [`io_driver_turn_count`](Self::io_driver_turn_count),
    /// the mean number of events per turn.
    ///
    /// # Differences from tokio
    ///
    /// tokio has this method only with `--cfg tokio_unstable` and the
    /// `net` feature; weft has it always (0 without an I/O driver).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "net")]
    /// # {
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// let rt = weft::runtime::Builder::new_current_thread().enable_io().build()?;
    /// rt.block_on(async {
    ///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = weft::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.write_all(b"ping").await?;
    ///     let mut buf = [0; 4];
    ///     server.read_exact(&mut buf).await?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// assert!(rt.metrics().io_driver_ready_count() > 0);
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn io_driver_ready_count(&self) -> u64 {
        self.io_driver_counts()[2]
    }

    /// The number of times the runtime's I/O driver asked the operating
    /// system for events (a wait while idle, or a check between tasks) so
    /// far. A check made while no resource is registered needs no system
    /// call and is not counted.
    ///
    /// # Differences from tokio
    ///
    /// tokio has no such count; with
    /// [`io_driver_ready_count`](Self::io_driver_ready_count) it gives the
    /// events per turn.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "net")]
    /// # {
    /// let rt = weft::runtime::Builder::new_current_thread().enable_all().build()?;
    /// rt.block_on(async {
    ///     let _listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     // Sleeping parks the thread in the I/O driver.
    ///     weft::time::sleep(std::time::Duration::from_millis(1)).await;
    /// });
    /// assert!(rt.metrics().io_driver_turn_count() > 0);
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn io_driver_turn_count(&self) -> u64 {
        self.io_driver_counts()[3]
    }

    /// The number of `io_uring_enter` system calls the runtime's io_uring
    /// rings have made so far: submissions, and waits for completions (a
    /// thread that sleeps in its ring). 0 without rings (sockets on epoll
    /// and files on the blocking pool). With
    /// [`io_uring_completion_count`](Self::io_uring_completion_count) it
    /// shows how many completions each system call brought: the batching
    /// that `IoBackend::Uring` is for (`weft-bench --syscalls weft-uring`
    /// reports both per echoed message).
    ///
    /// # Differences from tokio
    ///
    /// tokio has no io_uring backend for sockets; these counts are weft's
    /// own.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "net", target_os = "linux"))]
    /// # {
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    /// use weft::runtime::{Builder, IoBackend};
    ///
    /// // Fails where the kernel refuses io_uring (seccomp, old kernels).
    /// if let Ok(rt) = Builder::new_current_thread().enable_io().io_backend(IoBackend::Uring).build() {
    ///     rt.block_on(async {
    ///         let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    ///         let mut client = weft::net::TcpStream::connect(listener.local_addr()?).await?;
    ///         let (mut server, _) = listener.accept().await?;
    ///         client.write_all(b"ping").await?;
    ///         let mut buf = [0; 4];
    ///         server.read_exact(&mut buf).await?;
    ///         Ok::<(), std::io::Error>(())
    ///     })?;
    ///     let metrics = rt.metrics();
    ///     assert!(metrics.io_uring_enter_count() > 0);
    ///     // The send and the receive at least.
    ///     assert!(metrics.io_uring_submission_count() >= 2);
    ///     assert!(metrics.io_uring_completion_count() >= 2);
    /// }
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn io_uring_enter_count(&self) -> u64 {
        self.ring_counts()[0]
    }

    /// The number of submission queue entries the runtime's io_uring
    /// rings have taken so far (operations, and the cancels and polls the
    /// rings make for themselves). 0 without rings. See
    /// [`io_uring_enter_count`](Self::io_uring_enter_count).
    ///
    /// # Differences from tokio
    ///
    /// tokio has no io_uring backend for sockets; this count is weft's own.
    pub fn io_uring_submission_count(&self) -> u64 {
        self.ring_counts()[1]
    }

    /// The number of completions the runtime's io_uring rings have reaped
    /// so far (a multishot receive or accept posts one per arrival). 0
    /// without rings. See
    /// [`io_uring_enter_count`](Self::io_uring_enter_count).
    ///
    /// # Differences from tokio
    ///
    /// tokio has no io_uring backend for sockets; this count is weft's own.
    pub fn io_uring_completion_count(&self) -> u64 {
        self.ring_counts()[2]
    }

    /// The number of timers (`sleep`, `timeout`, `interval`) waiting in the
    /// runtime's timer wheel now; 0 without a time driver. Takes the
    /// wheel's lock for a moment.
    ///
    /// # Differences from tokio
    ///
    /// tokio has no timer metrics; this is weft's own.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "time")]
    /// # {
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread().enable_time().build()?;
    /// rt.block_on(async {
    ///     let metrics = weft::runtime::Handle::current().metrics();
    ///     let sleeper = weft::spawn(weft::time::sleep(Duration::from_secs(60)));
    ///     // The task runs (and enters its timer into the wheel) first.
    ///     weft::task::yield_now().await;
    ///     assert_eq!(metrics.num_pending_timers(), 1);
    ///     sleeper.abort();
    ///     let _ = sleeper.await;
    ///     assert_eq!(metrics.num_pending_timers(), 0);
    /// });
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn num_pending_timers(&self) -> usize {
        self.timer_counts().2
    }

    /// The number of timers entered into the runtime's timer wheel so far
    /// (a timer's first poll enters it; moving its deadline with `reset`
    /// does not count again, a new poll after it fired does). A timer whose
    /// deadline has passed at its first poll completes without entering
    /// the wheel.
    ///
    /// # Differences from tokio
    ///
    /// tokio has no timer metrics; this is weft's own.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "time")]
    /// # {
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread().enable_time().build()?;
    /// rt.block_on(async { weft::time::sleep(Duration::from_millis(1)).await });
    /// let metrics = rt.metrics();
    /// assert_eq!(metrics.timer_registered_count(), 1);
    /// assert_eq!(metrics.timer_fired_count(), 1);
    /// assert_eq!(metrics.num_pending_timers(), 0);
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn timer_registered_count(&self) -> u64 {
        self.timer_counts().0
    }

    /// The number of timers the runtime's timer wheel fired so far: their
    /// deadline came while they waited in it (a `reset` of a waiting timer
    /// to a deadline already passed fires it too). Registered timers that
    /// are neither fired nor pending were cancelled: dropped before their
    /// deadline.
    ///
    /// # Differences from tokio
    ///
    /// tokio has no timer metrics; this is weft's own.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "time")]
    /// # {
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread().enable_time().build()?;
    /// rt.block_on(async {
    ///     // Registered, then cancelled by the timeout's drop: not fired.
    ///     let slow = weft::time::timeout(Duration::from_secs(60), std::future::ready(()));
    ///     slow.await.unwrap();
    ///     weft::time::sleep(Duration::from_millis(1)).await;
    /// });
    /// assert_eq!(rt.metrics().timer_fired_count(), 1);
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn timer_fired_count(&self) -> u64 {
        self.timer_counts().1
    }

    /// (registered, fired, pending) timers; zeros without a time driver.
    fn timer_counts(&self) -> (u64, u64, usize) {
        #[cfg(feature = "time")]
        if let Some(time) = self.handle.time_handle() {
            return time.timer_counts();
        }
        (0, 0, 0)
    }

    /// The I/O driver's (registered, deregistered, ready, turns) counts;
    /// zeros without an I/O driver.
    fn io_driver_counts(&self) -> [u64; 4] {
        #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
        if let Some(io) = self.handle.io_handle() {
            let m = io.metrics();
            return [
                m.fd_registered_count(),
                m.fd_deregistered_count(),
                m.ready_count(),
                m.turn_count(),
            ];
        }
        [0; 4]
    }

    fn ring_counts(&self) -> [u64; 3] {
        #[cfg(any(feature = "fs", feature = "net"))]
        {
            let c = self.handle.ring_counters();
            [c.enters, c.submissions, c.completions]
        }
        #[cfg(not(any(feature = "fs", feature = "net")))]
        [0; 3]
    }

    /// The published counters of worker `worker`.
    #[track_caller]
    fn worker(&self, worker: usize) -> &scheduler::multi_thread::WorkerMetrics {
        self.check_worker(worker);
        match &self.handle {
            scheduler::Handle::CurrentThread(handle) => handle.worker_metrics(),
            #[cfg(feature = "rt-multi-thread")]
            scheduler::Handle::MultiThread(handle) => handle.worker_metrics(worker),
        }
    }

    #[track_caller]
    fn check_worker(&self, worker: usize) {
        let workers = self.num_workers();
        assert!(
            worker < workers,
            "worker index {worker} out of range: the runtime has {workers} worker(s)"
        );
    }

    #[track_caller]
    fn worker_counter(
        &self,
        worker: usize,
        read: impl FnOnce(&scheduler::multi_thread::WorkerMetrics) -> usize,
    ) -> u64 {
        self.check_worker(worker);
        match &self.handle {
            scheduler::Handle::CurrentThread(handle) => read(handle.worker_metrics()) as u64,
            #[cfg(feature = "rt-multi-thread")]
            scheduler::Handle::MultiThread(handle) => read(handle.worker_metrics(worker)) as u64,
        }
    }
}

/// The range of `bucket` in `histogram`, as durations; empty without one.
#[track_caller]
fn bucket_range(histogram: Option<&Histogram>, bucket: usize) -> Range<Duration> {
    match histogram {
        None => Duration::ZERO..Duration::ZERO,
        Some(h) => {
            let range = h.shape().bucket_range(bucket);
            Duration::from_nanos(range.start)..Duration::from_nanos(range.end)
        }
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeMetrics")
            .field("num_workers", &self.num_workers())
            .field("num_alive_tasks", &self.num_alive_tasks())
            .field("global_queue_depth", &self.global_queue_depth())
            .field("num_blocking_threads", &self.num_blocking_threads())
            .finish()
    }
}

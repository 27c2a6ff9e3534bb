//! `RuntimeMetrics`: a read-only view of a runtime's counters.

use super::scheduler;
use crate::loom::Ordering::Relaxed;
use std::fmt;
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

    /// The number of threads of the blocking pool (idle ones included;
    /// `multi_thread` workers excluded).
    pub fn num_blocking_threads(&self) -> usize {
        let (threads, _) = self.handle.blocking_spawner().thread_counts();
        threads.saturating_sub(self.mandatory_threads())
    }

    /// The number of blocking-pool threads waiting for work.
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.blocking_spawner().thread_counts().1
    }

    /// Pool threads that run `multi_thread` workers.
    fn mandatory_threads(&self) -> usize {
        match &self.handle {
            scheduler::Handle::CurrentThread(_) => 0,
            #[cfg(feature = "rt-multi-thread")]
            scheduler::Handle::MultiThread(handle) => handle.num_workers(),
        }
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

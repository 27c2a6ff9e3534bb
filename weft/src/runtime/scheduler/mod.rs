//! The schedulers, and the enums that dispatch between their flavors.

pub(crate) mod current_thread;
mod every_nth;
mod inject;
pub(crate) mod local_set;
#[cfg(feature = "rt-multi-thread")]
pub(crate) mod multi_thread;
/// Without `rt-multi-thread` only the per-worker counters remain, which
/// `current_thread` keeps for its one worker too.
#[cfg(not(feature = "rt-multi-thread"))]
pub(crate) mod multi_thread {
    mod stats;
    pub(crate) use stats::{Stats, WorkerMetrics};
}

use crate::runtime::builder::Callback;
use crate::runtime::task::{JoinHandle, SpawnMeta};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Tuning shared by both flavors, from the `Builder`.
#[derive(Clone)]
pub(crate) struct Config {
    /// Ticks between two checks of the driver while tasks are ready.
    pub(crate) event_interval: u32,
    /// Ticks between two looks at the inject queue first.
    pub(crate) global_queue_interval: u32,
    /// Runs before a worker parks (`Builder::on_thread_park`).
    pub(crate) before_park: Option<Callback>,
    /// Runs after a worker wakes (`Builder::on_thread_unpark`).
    pub(crate) after_unpark: Option<Callback>,
    /// How long a thread spins before it parks
    /// (`Builder::spin_before_park`; zero: never).
    pub(crate) spin_before_park: Duration,
    /// The runtime's id (`Handle::id`).
    pub(crate) id: crate::runtime::Id,
    /// The runtime's name (`Builder::name`), if it has one.
    pub(crate) name: Option<Arc<str>>,
    /// Whether every task gets a `TaskMeta` (`Builder::enable_task_tracking`,
    /// implied by a long-poll threshold and by the schedule-latency
    /// histogram).
    pub(crate) track_tasks: bool,
    /// The long-poll detector (`Builder::long_poll_threshold`), which each
    /// polling thread registers with.
    pub(crate) watchdog: Option<Arc<crate::runtime::watchdog::Watchdog>>,
    /// The histograms the workers keep (`runtime/metrics/poll.rs`).
    pub(crate) metrics: crate::runtime::metrics::MetricsConfig,
    /// Built by `Builder::build_local`: its `!Send` tasks belong to the
    /// thread that made it (`spawn_local` elsewhere panics saying so).
    pub(crate) local_runtime: bool,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("event_interval", &self.event_interval)
            .field("global_queue_interval", &self.global_queue_interval)
            .field("spin_before_park", &self.spin_before_park)
            .field("track_tasks", &self.track_tasks)
            .field("metrics", &self.metrics)
            .finish_non_exhaustive()
    }
}

/// A scheduler's shared handle, one variant per flavor.
#[derive(Debug, Clone)]
pub(crate) enum Handle {
    CurrentThread(Arc<current_thread::Handle>),
    #[cfg(feature = "rt-multi-thread")]
    MultiThread(Arc<multi_thread::Handle>),
}

/// What a thread installs in its context while it drives a scheduler.
pub(crate) enum Context {
    CurrentThread(current_thread::Context),
    #[cfg(feature = "rt-multi-thread")]
    MultiThread(multi_thread::Context),
}

impl Context {
    /// [`crate::runtime::worker_index`]: the index of the worker this
    /// thread is, while it holds that worker's core.
    pub(crate) fn worker_index(&self) -> Option<usize> {
        match self {
            Context::CurrentThread(cx) => cx.holds_core().then_some(0),
            #[cfg(feature = "rt-multi-thread")]
            Context::MultiThread(cx) => cx.worker_index(),
        }
    }
}

impl Handle {
    pub(crate) fn spawn<F>(&self, future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::CurrentThread(handle) => current_thread::Handle::spawn(handle, future, meta),
            #[cfg(feature = "rt-multi-thread")]
            Handle::MultiThread(handle) => multi_thread::Handle::spawn(handle, future, meta),
        }
    }

    pub(crate) fn spawn_blocking<F, R>(&self, f: F, meta: SpawnMeta<'_>) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.blocking_spawner().spawn_blocking(self, f, meta)
    }

    pub(crate) fn blocking_spawner(&self) -> &crate::runtime::blocking::Spawner {
        match self {
            Handle::CurrentThread(handle) => &handle.blocking,
            #[cfg(feature = "rt-multi-thread")]
            Handle::MultiThread(handle) => &handle.blocking,
        }
    }

    #[track_caller]
    pub(crate) fn as_current_thread(&self) -> &Arc<current_thread::Handle> {
        match self {
            Handle::CurrentThread(handle) => handle,
            #[cfg(feature = "rt-multi-thread")]
            Handle::MultiThread(_) => unreachable!("not a current_thread runtime"),
        }
    }

    #[track_caller]
    #[cfg(feature = "rt-multi-thread")]
    pub(crate) fn as_multi_thread(&self) -> &Arc<multi_thread::Handle> {
        match self {
            Handle::MultiThread(handle) => handle,
            Handle::CurrentThread(_) => unreachable!("not a multi_thread runtime"),
        }
    }

    /// The I/O driver's handle, if the runtime was built with I/O.
    #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
    pub(crate) fn io_handle(&self) -> Option<&crate::runtime::io::Handle> {
        match self {
            Handle::CurrentThread(handle) => handle.driver_handle().io(),
            #[cfg(feature = "rt-multi-thread")]
            Handle::MultiThread(handle) => handle.driver_handle().io(),
        }
    }

    /// What the runtime's io_uring rings have done so far.
    #[cfg(any(feature = "fs", feature = "net"))]
    pub(crate) fn ring_counters(&self) -> crate::runtime::backends::RingCounters {
        match self {
            Handle::CurrentThread(handle) => handle.driver_handle().ring_counters(),
            #[cfg(feature = "rt-multi-thread")]
            Handle::MultiThread(handle) => handle.driver_handle().ring_counters(),
        }
    }

    /// The time driver's handle, if the runtime was built with timers.
    #[cfg(feature = "time")]
    pub(crate) fn time_handle(&self) -> Option<&crate::runtime::time::Handle> {
        match self {
            Handle::CurrentThread(handle) => handle.driver_handle().time(),
            #[cfg(feature = "rt-multi-thread")]
            Handle::MultiThread(handle) => handle.driver_handle().time(),
        }
    }

    /// The settings the runtime was built with.
    pub(crate) fn config(&self) -> &Config {
        match self {
            Handle::CurrentThread(handle) => &handle.config,
            #[cfg(feature = "rt-multi-thread")]
            Handle::MultiThread(handle) => &handle.config,
        }
    }

    /// The `LocalSet`s whose tasks this runtime's dumps include.
    pub(crate) fn local_sets(&self) -> &local_set::LocalSets {
        match self {
            Handle::CurrentThread(handle) => &handle.local_sets,
            #[cfg(feature = "rt-multi-thread")]
            Handle::MultiThread(handle) => &handle.local_sets,
        }
    }

    /// Calls `f` for every live task of the runtime's own scheduler, in
    /// one pass over its owner list (see `OwnedTasks::for_each`).
    pub(crate) fn for_each_task(&self, f: impl FnMut(crate::runtime::task::raw::RawTask)) {
        match self {
            Handle::CurrentThread(handle) => handle.for_each_task(f),
            #[cfg(feature = "rt-multi-thread")]
            Handle::MultiThread(handle) => handle.for_each_task(f),
        }
    }

    pub(crate) fn alive_tasks(&self) -> usize {
        match self {
            Handle::CurrentThread(handle) => handle.alive_tasks(),
            #[cfg(feature = "rt-multi-thread")]
            Handle::MultiThread(handle) => handle.alive_tasks(),
        }
    }
}

impl Context {
    /// The current-thread variant; the caller built it.
    #[track_caller]
    pub(crate) fn as_current_thread(&self) -> &current_thread::Context {
        match self {
            Context::CurrentThread(cx) => cx,
            #[cfg(feature = "rt-multi-thread")]
            Context::MultiThread(_) => unreachable!("not a current_thread context"),
        }
    }
}

#[cfg(any(feature = "fs", feature = "net"))]
crate::sys::cfg_io_uring! {
    impl Handle {
        /// The io_uring rings of `fs`, if the runtime runs it on io_uring.
        pub(crate) fn uring_rings(&self) -> Option<&Arc<crate::runtime::uring::Rings>> {
            match self {
                Handle::CurrentThread(handle) => handle.driver_handle().rings(),
                #[cfg(feature = "rt-multi-thread")]
                Handle::MultiThread(handle) => handle.driver_handle().rings(),
            }
        }
    }

    impl Context {
        /// Which io_uring ring this scheduler thread owns: (its runtime's
        /// `Rings::id`, the ring's index), if its runtime has rings.
        pub(crate) fn uring_position(&self) -> Option<(usize, usize)> {
            match self {
                Context::CurrentThread(cx) => cx.uring_position(),
                #[cfg(feature = "rt-multi-thread")]
                Context::MultiThread(cx) => cx.uring_position(),
            }
        }

        /// Runs `wake`, the wakes of an io_uring reap on this thread, as
        /// I/O wakes (the multi-thread worker queues them in order, with
        /// no LIFO slot and no LIFO rescue).
        pub(crate) fn wake_from_ring(&self, wake: impl FnOnce()) {
            match self {
                Context::CurrentThread(_) => wake(),
                #[cfg(feature = "rt-multi-thread")]
                Context::MultiThread(cx) => cx.wake_from_ring(wake),
            }
        }

        /// Whether another task is ready to run on this scheduler thread
        /// (queued locally or in the runtime's inject queue): then what
        /// the running task submits to the ring waits for the flush, so
        /// that those tasks' operations share its `io_uring_enter`
        /// (`runtime/uring`, rule 7).
        pub(crate) fn other_tasks_ready(&self) -> bool {
            match self {
                Context::CurrentThread(cx) => cx.other_tasks_ready(),
                #[cfg(feature = "rt-multi-thread")]
                Context::MultiThread(cx) => cx.other_tasks_ready(),
            }
        }
    }
}

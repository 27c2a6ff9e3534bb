//! The multi-thread, work-stealing scheduler.
//!
//! # Design note
//!
//! N workers, each a thread of the blocking pool running `worker::run`,
//! each owning a [`Core`](worker) while it runs tasks: a bounded local run
//! queue (`queue.rs`; others steal half of it), a LIFO slot (`lifo.rs`),
//! its parker (`worker_parker.rs`) and its counters (`stats.rs`). Shared
//! by all: the inject queue for tasks scheduled from outside a worker, the
//! idle protocol (`idle.rs`), the owner list (sharded by task id, four
//! shards per worker: `task/list.rs`), and one [`Remote`] per worker (its
//! stealer, LIFO slot and unparker). What several threads write at once
//! sits on cache lines of its own: the handle's `Arc` counts, the inject
//! queue, the idle state, each shard. Measured on `spawn_many_remote_idle`
//! (a thread outside spawning onto two workers): 5.0 ms with one owner
//! list, 3.0 with the shards, 2.0 with the padding too; aligning the handle
//! alone, which moved the queue and the idle state onto one line, made it
//! 7.0. The design follows the
//! work-stealing schedulers of Go (`runtime/proc.go`) and tokio ("Making
//! the Tokio scheduler 10x faster", 2019); weft's differences are noted
//! where they occur (the stealable LIFO slot, the VecDeque inject queue).
//!
//! Where a task goes when woken:
//!
//! * from a worker of this runtime (its core in hand): the LIFO slot, the
//!   displaced task (if any) to the back of the local queue; a task that
//!   woke itself (`yield_now`) to the back of the local queue;
//! * from anywhere else: the inject queue, then one parked worker is woken
//!   if nobody is searching (`idle.rs`, rule 1).
//!
//! # Fairness
//!
//! A worker takes its next task from the inject queue first every
//! `global_queue_interval` ticks (default 31), and checks the driver
//! (I/O, timers) every `event_interval` ticks (default 61). At most 3 LIFO
//! polls run back to back before the local queue gets its turn. So a task
//! woken from another thread runs after at most `global_queue_interval`
//! polls of the worker that takes it (plus what is queued before it in the
//! inject queue); a task woken on a worker runs after at most the tasks
//! already in that worker's queue, at most 256 of them, less what is stolen.
//! A task that never returns from `poll` blocks only its own worker; the
//! others steal its queue, and idle workers take a task left in its LIFO
//! slot after at most [`worker::LIFO_RESCUE_AFTER`].
//!
//! # Shutdown
//!
//! `close` closes the inject queue and unparks every worker. Each worker,
//! at its next maintenance tick, cancels every idle task (the owner list's
//! `close_and_shutdown_all`; running ones are cancelled after their poll)
//! and hands its core in; the one that hands in the last core empties all
//! queues and drops the driver. A worker whose thread had not started
//! still runs, as the blocking pool runs what it holds before it exits:
//! it sees the runtime closed, never parks, and hands its core in (so its
//! metrics count its run, as tokio's do).

mod idle;
mod lifo;
#[cfg(all(test, weft_loom))]
mod loom_tests;
pub(crate) mod queue;
#[cfg(all(test, weft_loom))]
mod queue_loom_tests;
mod stats;
#[cfg(all(test, not(weft_loom)))]
mod tests;
mod worker;
mod worker_parker;

pub(crate) use stats::{Stats, WorkerMetrics};
pub(crate) use worker::{block_in_place, Context};

use self::idle::{Idle, Sleepers};
use self::lifo::LifoSlot;
use self::worker_parker::{SharedDriver, WorkerUnparker};
use super::inject::Inject;
use crate::loom::{AtomicUsize, Mutex, Ordering::Relaxed};
use crate::runtime::blocking::Spawner;
use crate::runtime::driver::{Driver, DriverHandle};
use crate::runtime::scheduler::local_set::LocalSets;
use crate::runtime::scheduler::{self, Config};
use crate::runtime::task::list::OwnedTasks;
use crate::runtime::task::{self, JoinHandle, Notified, Schedule, Task};
use crate::runtime::{context, park};
use crate::util::cache_padded::CachePadded;
use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;

/// Owned by the `Runtime`.
pub(crate) struct MultiThread {
    _private: (),
}

/// The state every worker, task and runtime handle shares.
///
/// Aligned to 128 bytes so that, inside its `Arc`, the reference counts
/// sit alone on their cache lines: every spawn clones the `Arc` and every
/// completed task drops it, so those lines move between the workers all
/// the time, and fields the workers read on every step (`config`) must
/// not move with them.
#[repr(align(128))]
pub(crate) struct Handle {
    shared: Shared,
    pub(crate) blocking: Spawner,
    pub(crate) config: Config,
    /// The `LocalSet`s created in or driven by this runtime (task dumps).
    pub(crate) local_sets: LocalSets,
}

struct Shared {
    /// One per worker, indexed like `workers`.
    remotes: Box<[Remote]>,
    /// Pushed by every thread that spawns from outside a worker, popped
    /// by the workers: alone on its lines, as is `idle`, which the same
    /// threads write when they wake or park a worker.
    inject: CachePadded<Inject<Arc<Handle>>>,
    idle: CachePadded<Idle>,
    owned: OwnedTasks<Arc<Handle>>,
    sleepers: Mutex<Sleepers>,
    /// Idle workers parked with a timeout to watch the LIFO slots.
    lifo_watchers: AtomicUsize,
    /// Threads inside `block_on_outside`: the waiters a worker's spin for
    /// remote work serves (see `worker.rs`, "Spinning for remote work").
    block_on_callers: AtomicUsize,
    /// Cores handed in at shutdown. Boxed because cores move between
    /// threads and cells as `Box`es; unboxing here would copy them.
    #[allow(clippy::vec_box)]
    shutdown_cores: Mutex<Vec<Box<worker::Core>>>,
    driver: crate::loom::Arc<SharedDriver>,
    worker_metrics: Box<[WorkerMetrics]>,
}

/// What other threads need to reach one worker.
struct Remote {
    steal: queue::Steal<Arc<Handle>>,
    lifo: Arc<LifoSlot<Arc<Handle>>>,
    unpark: WorkerUnparker,
}

impl MultiThread {
    /// Builds the scheduler and starts `workers` threads on `blocking`.
    pub(crate) fn new(
        workers: usize,
        driver: Driver,
        driver_handle: DriverHandle,
        blocking: Spawner,
        config: Config,
    ) -> (MultiThread, Arc<Handle>) {
        let (handle, workers) = Handle::new(workers, driver, driver_handle, blocking, config);
        let runtime = scheduler::Handle::MultiThread(handle.clone());
        for worker in workers {
            handle
                .blocking
                .spawn_mandatory(&runtime, move || worker::run(worker));
        }
        (MultiThread { _private: () }, handle)
    }

    /// Runs `future` on this thread (not a worker), with the runtime
    /// entered so it can spawn.
    #[track_caller]
    pub(crate) fn block_on<F: Future>(&self, handle: &scheduler::Handle, future: F) -> F::Output {
        let _runtime = context::enter_runtime();
        let _current = context::set_current(handle);
        handle.as_multi_thread().block_on_outside(pin!(future))
    }

    /// Stops the workers; they cancel every task and hand their cores in.
    /// The runtime then waits for the worker threads with the blocking pool.
    pub(crate) fn shutdown(&self, handle: &scheduler::Handle) {
        let this = handle.as_multi_thread();
        // Futures cancelled on this thread see the runtime in their `Drop`.
        let _current = context::try_set_current(handle);
        this.close();
        // Cancel every idle task here and now, so their futures are gone
        // when `shutdown_background` returns; a task a worker is polling is
        // cancelled by that worker after the poll.
        this.shared.owned.close_and_shutdown_all();
        // A worker whose thread has not started yet still runs: the pool
        // runs what it has queued before it exits (blocking.rs rule 3), and
        // the worker, seeing the runtime closed, publishes its metrics and
        // hands its core in, as tokio's workers do.
    }
}

impl Shared {
    /// The state shared by the workers whose `remotes` are given, all
    /// sleeping on `driver`; nothing queued, every worker awake.
    fn new(
        remotes: Vec<Remote>,
        driver: crate::loom::Arc<SharedDriver>,
        metrics: &crate::runtime::metrics::MetricsConfig,
    ) -> Shared {
        let workers = remotes.len();
        let (idle, sleepers) = Idle::new(workers);
        Shared {
            remotes: remotes.into_boxed_slice(),
            inject: CachePadded::new(Inject::new()),
            idle: CachePadded::new(idle),
            owned: OwnedTasks::for_workers(workers),
            sleepers: Mutex::new(sleepers),
            lifo_watchers: AtomicUsize::new(0),
            block_on_callers: AtomicUsize::new(0),
            shutdown_cores: Mutex::new(Vec::with_capacity(workers)),
            driver,
            worker_metrics: (0..workers).map(|_| WorkerMetrics::new(metrics)).collect(),
        }
    }
}

impl Handle {
    /// The scheduler's shared state and its `workers` workers, each with
    /// its core, not started yet (`worker::run` starts one).
    fn new(
        workers: usize,
        driver: Driver,
        driver_handle: DriverHandle,
        blocking: Spawner,
        config: Config,
    ) -> (Arc<Handle>, Vec<Arc<worker::Worker>>) {
        let driver = SharedDriver::new(driver, driver_handle);
        let mut remotes = Vec::with_capacity(workers);
        let mut cores = Vec::with_capacity(workers);
        for index in 0..workers {
            let (core, remote) = worker::Core::new(&driver, &config, index);
            remotes.push(remote);
            cores.push(core);
        }
        let handle = Arc::new(Handle {
            shared: Shared::new(remotes, driver, &config.metrics),
            blocking,
            config,
            local_sets: LocalSets::new(),
        });
        let workers: Vec<_> = cores
            .into_iter()
            .enumerate()
            .map(|(index, core)| worker::Worker::new(handle.clone(), index, core))
            .collect();
        (handle, workers)
    }

    /// Runs `future` to completion on a thread that is not one of the
    /// workers, parking it between polls. Before each park the thread
    /// spins (up to `spin_before_park`) while some worker is awake: the
    /// task that will wake it is running or about to (rule 2 of
    /// `runtime/park/spin.rs`).
    pub(crate) fn block_on_outside<F: Future>(&self, future: Pin<&mut F>) -> F::Output {
        let _caller = BlockOnCaller::enter(&self.shared.block_on_callers);
        let spin_while = || self.has_awake_worker();
        let no_early_end = || None::<std::convert::Infallible>;
        let Ok(output) = park::block_on(
            future,
            self.config.spin_before_park,
            spin_while,
            no_early_end,
        );
        output
    }

    /// Spawns `future` onto this scheduler.
    pub(crate) fn spawn<F>(
        me: &Arc<Handle>,
        future: F,
        meta: task::SpawnMeta<'_>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let meta = meta.task_meta(me.config.track_tasks, task::SpawnKind::Task);
        let (join, notified) = task::bind(&me.shared.owned, future, me.clone(), meta);
        if let Some(notified) = notified {
            me.schedule_task(notified, false);
        }
        join
    }

    #[cfg(any(feature = "net", feature = "signal", feature = "time", feature = "fs"))]
    pub(crate) fn driver_handle(&self) -> &DriverHandle {
        self.shared.driver.handle()
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.shared.remotes.len()
    }

    pub(crate) fn alive_tasks(&self) -> usize {
        self.shared.owned.len()
    }

    pub(crate) fn spawned_tasks(&self) -> u64 {
        self.shared.owned.spawned()
    }

    /// Calls `f` for every live task, in one pass over the owner list
    /// (see `OwnedTasks::for_each`).
    pub(crate) fn for_each_task(&self, f: impl FnMut(crate::runtime::task::raw::RawTask)) {
        self.shared.owned.for_each(f);
    }

    pub(crate) fn inject_depth(&self) -> usize {
        self.shared.inject.len()
    }

    pub(crate) fn worker_metrics(&self, worker: usize) -> &WorkerMetrics {
        &self.shared.worker_metrics[worker]
    }

    pub(crate) fn worker_local_queue_depth(&self, worker: usize) -> usize {
        let remote = &self.shared.remotes[worker];
        remote.steal.len() + usize::from(!remote.lifo.is_empty())
    }

    /// The one place a task of this scheduler is queued (spawns, wakes and
    /// yields all come here).
    fn schedule_task(self: &Arc<Self>, task: Notified<Arc<Handle>>, is_yield: bool) {
        if self.config.metrics.stamps_schedule() {
            crate::runtime::metrics::poll::stamp_scheduled(&task);
        }
        let local = context::with_scheduler(|cx| match cx {
            Some(scheduler::Context::MultiThread(cx)) => cx.schedule_local(self, task, is_yield),
            _ => Some(task),
        });
        if let Some(task) = local {
            self.push_remote(task);
        }
    }

    /// Queues `task` on the inject queue and wakes a worker for it.
    fn push_remote(&self, task: Notified<Arc<Handle>>) {
        // A task this thread spawns from outside may answer it (`wait_hint`,
        // rule 3; wakes are marked by the task's waker already).
        crate::runtime::park::wait_hint::woke_others();
        if self.shared.inject.push(task) {
            self.notify_parked();
        }
    }

    /// Wakes a parked worker if nobody is searching (`idle.rs`, rule 1).
    fn notify_parked(&self) {
        let shared = &self.shared;
        if let Some(index) = shared.idle.worker_to_notify(&shared.sleepers) {
            shared.remotes[index].unpark.unpark();
        }
    }

    /// Wakes a worker if any queue has work (`idle.rs`, rule 4).
    fn notify_if_work_pending(&self) {
        if self.has_visible_work() {
            self.notify_parked();
        }
    }

    /// Whether some worker is not parked: a thread waiting for what a task
    /// will send it then spins before it sleeps (`block_on_outside`).
    fn has_awake_worker(&self) -> bool {
        self.shared.idle.num_unparked() > 0
    }

    /// Whether some thread waits in `block_on_outside` (or polls there).
    fn has_block_on_caller(&self) -> bool {
        self.shared.block_on_callers.load(Relaxed) > 0
    }

    /// Whether the inject queue or a worker's stealable queue has a task.
    fn has_visible_work(&self) -> bool {
        let shared = &self.shared;
        shared.remotes.iter().any(|remote| !remote.steal.is_empty()) || !shared.inject.is_empty()
    }

    /// Refuses new work and tells every worker to stop.
    fn close(&self) {
        if self.shared.inject.close() {
            for remote in self.shared.remotes.iter() {
                remote.unpark.unpark();
            }
        }
    }

    fn is_closed(&self) -> bool {
        self.shared.inject.is_closed()
    }

    /// A worker hands its core in at shutdown; the last one cleans up.
    fn shutdown_core(&self, core: Box<worker::Core>) {
        let cores = {
            let mut cores = self.shared.shutdown_cores.lock().unwrap();
            cores.push(core);
            if cores.len() != self.shared.remotes.len() {
                return;
            }
            std::mem::take(&mut *cores)
        };
        // Every worker has stopped: cancel what is left, then drop every
        // queued entry (each drop releases a task reference).
        self.shared.owned.close_and_shutdown_all();
        for mut core in cores {
            core.shutdown(self);
        }
        while let Some(task) = self.shared.inject.pop() {
            drop(task);
        }
        self.shared.driver.shutdown();
    }
}

impl Schedule for Arc<Handle> {
    fn schedule(&self, task: Notified<Self>) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified<Self>) {
        self.schedule_task(task, true);
    }

    fn defer_yield(&self, task: Notified<Self>) -> Option<Notified<Self>> {
        context::with_scheduler(|cx| match cx {
            Some(scheduler::Context::MultiThread(cx)) => cx.defer_yield(self, task),
            _ => Some(task),
        })
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.shared.owned.remove(task)
    }
}

impl queue::Overflow<Arc<Handle>> for Handle {
    fn push(&self, task: Notified<Arc<Handle>>) {
        self.push_remote(task);
    }

    fn push_batch<I: Iterator<Item = Notified<Arc<Handle>>>>(&self, iter: I) {
        self.shared.inject.push_batch(iter);
    }
}

impl fmt::Debug for MultiThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultiThread").finish_non_exhaustive()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("multi_thread::Handle")
            .field("workers", &self.num_workers())
            .field("searching", &self.shared.idle.num_searching())
            .field("alive_tasks", &self.alive_tasks())
            .field("inject", &self.shared.inject)
            .finish_non_exhaustive()
    }
}

/// A thread counted in `Shared::block_on_callers` until it leaves
/// `block_on_outside` (by return or unwind).
struct BlockOnCaller<'a>(&'a AtomicUsize);

impl<'a> BlockOnCaller<'a> {
    fn enter(count: &'a AtomicUsize) -> BlockOnCaller<'a> {
        count.fetch_add(1, Relaxed);
        BlockOnCaller(count)
    }
}

impl Drop for BlockOnCaller<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

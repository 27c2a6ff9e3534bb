//! The current-thread scheduler: every task runs on the thread that calls
//! `block_on`.
//!
//! # Design note
//!
//! State is split by who may touch it:
//!
//! * [`Core`] — the local run queue, the tick counter and the driver. Owned
//!   by exactly one thread at a time: the one inside `Runtime::block_on`.
//!   While driving, the core sits in a `RefCell` in the thread's scheduler
//!   [`Context`], so a task woken *on this thread* is pushed onto the local
//!   queue with no atomic operation and no lock. No borrow of it is held
//!   while user code runs (a task poll, a park).
//! * [`Handle`] — shared with every task (it is their scheduler `S`) and
//!   every `runtime::Handle`: the inject queue for wakes and spawns from
//!   other threads, the owner list, the root future's `woken` flag, and the
//!   driver's unpark handle.
//!
//! Scheduling loop (the shape tokio's and smol's single-thread executors
//! share): poll the root future if it was woken; then run up to
//! `event_interval` tasks, taking from the inject queue first every
//! `global_queue_interval` ticks so remote wakes cannot starve; when both
//! queues are empty, park on the driver; after `event_interval` tasks,
//! check the driver without blocking. A task that wakes itself goes to the
//! back of the local queue (`Schedule::yield_now`).
//!
//! Every task poll, and every poll of the root future, runs inside
//! `coop::budget`, so a task that is always ready is made to yield after a
//! bounded amount of work (`runtime::coop`). While driving, the scheduler
//! holds `context::enable_defer`: a task's `yield_now` then lands in the
//! core's list of yielded tasks (`Schedule::defer_yield`) and another
//! deferred waker in the thread's defer list; right after each park
//! (`Context::park`) the scheduler moves the former to the back of the
//! local queue and wakes the latter; when the queues are empty but
//! something is deferred, it parks with a zero timeout instead of
//! blocking. The wakes push onto the local queue, so the core must not be
//! borrowed then.
//!
//! Fairness: a task woken on this thread runs after at most the tasks
//! already in the local queue; one woken from another thread, after at most
//! `global_queue_interval` local tasks.
//!
//! Two threads may call `block_on` at once; the one without the core polls
//! its own future and waits for the core (woken when it is put back).

use super::every_nth::EveryNth;
use super::inject::Inject;
use crate::loom::{AtomicBool, Mutex, Ordering::*};
use crate::runtime::blocking::Spawner;
use crate::runtime::context;
use crate::runtime::coop;
use crate::runtime::driver::{Driver, DriverHandle};
use crate::runtime::metrics::{poll, PollStart};
use crate::runtime::park;
use crate::runtime::scheduler::local_set::LocalSets;
use crate::runtime::scheduler::multi_thread::{Stats, WorkerMetrics};
use crate::runtime::scheduler::{self, Config};
use crate::runtime::task::list::OwnedTasks;
use crate::runtime::task::{self, JoinHandle, Notified, Schedule, Task};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};
use std::thread::Thread;

/// The scheduler, owned by the `Runtime`.
pub(crate) struct CurrentThread {
    /// The core, while no thread is driving.
    core: Mutex<Option<Box<Core>>>,
    /// Threads in `block_on` waiting for the core to come back.
    core_waiters: Mutex<Vec<Thread>>,
}

/// The state every task and handle shares.
pub(crate) struct Handle {
    inject: Inject<Arc<Handle>>,
    owned: OwnedTasks<Arc<Handle>>,
    /// The root (`block_on`) future was woken.
    woken: AtomicBool,
    driver: DriverHandle,
    pub(crate) blocking: Spawner,
    pub(crate) config: Config,
    /// Published from `Core::stats` at each park.
    metrics: WorkerMetrics,
    /// The `LocalSet`s created in or driven by this runtime (task dumps).
    pub(crate) local_sets: LocalSets,
}

/// Owned by the driving thread.
struct Core {
    tasks: VecDeque<Notified<Arc<Handle>>>,
    /// Tasks that deferred their own wake (yielded), queued after the next
    /// driver check (`Schedule::defer_yield`).
    yielded: Vec<Notified<Arc<Handle>>>,
    /// The inject queue first every `global_queue_interval` ticks.
    inject_tick: EveryNth,
    stats: Stats,
    driver: Option<Driver>,
}

/// Installed in the thread-local context while a thread drives.
pub(crate) struct Context {
    handle: Arc<Handle>,
    core: RefCell<Option<Box<Core>>>,
}

impl CurrentThread {
    pub(crate) fn new(
        driver: Driver,
        driver_handle: DriverHandle,
        blocking: Spawner,
        config: Config,
    ) -> (CurrentThread, Arc<Handle>) {
        let handle = Arc::new(Handle {
            inject: Inject::new(),
            owned: OwnedTasks::new(),
            woken: AtomicBool::new(false),
            driver: driver_handle,
            blocking,
            metrics: WorkerMetrics::new(&config.metrics),
            config,
            local_sets: LocalSets::new(),
        });
        let core = Box::new(Core {
            tasks: VecDeque::with_capacity(64),
            yielded: Vec::new(),
            inject_tick: EveryNth::default(),
            stats: Stats::new(&handle.config.metrics),
            driver: Some(driver),
        });
        let scheduler = CurrentThread {
            core: Mutex::new(Some(core)),
            core_waiters: Mutex::new(Vec::new()),
        };
        (scheduler, handle)
    }

    /// Runs `future` to completion, driving the scheduler meanwhile.
    #[track_caller]
    pub(crate) fn block_on<F: Future>(&self, handle: &scheduler::Handle, future: F) -> F::Output {
        let _runtime = context::enter_runtime();
        let _current = context::set_current(handle);
        let this = handle.as_current_thread();
        let mut future = pin!(future);
        loop {
            if let Some(mut core) = self.take_core() {
                core.stats.start_busy();
                return CoreGuard::new(self, this.clone(), core).block_on(future.as_mut());
            }
            // Another thread drives the scheduler: poll our future on this
            // thread until it is ready or the core comes back. No spin:
            // the thread holding the core may be busy for long.
            let waited = park::block_on(
                future.as_mut(),
                std::time::Duration::ZERO,
                || false,
                || {
                    let me = std::thread::current();
                    let mut waiters = self.core_waiters.lock().unwrap();
                    if !waiters.iter().any(|t| t.id() == me.id()) {
                        waiters.push(me);
                    }
                    drop(waiters);
                    self.core_available().then_some(())
                },
            );
            if let Ok(output) = waited {
                return output;
            }
        }
    }

    fn take_core(&self) -> Option<Box<Core>> {
        self.core.lock().unwrap().take()
    }

    fn core_available(&self) -> bool {
        self.core.lock().unwrap().is_some()
    }

    fn put_core(&self, core: Box<Core>) {
        *self.core.lock().unwrap() = Some(core);
        let waiters = std::mem::take(&mut *self.core_waiters.lock().unwrap());
        for thread in waiters {
            thread.unpark();
        }
    }

    /// Cancels every task (dropping each future once), empties the queues
    /// and refuses further work. Called when the runtime is dropped.
    pub(crate) fn shutdown(&self, handle: &scheduler::Handle) {
        let this = handle.as_current_thread();
        let _current = context::try_set_current(handle);
        // Close the inject queue first: wakes during shutdown then drop
        // their entry instead of queueing work nobody will run.
        this.inject.close();
        this.owned.close_and_shutdown_all();
        let core = self.take_core();
        if let Some(mut core) = core {
            // Entries of cancelled tasks: dropping them drops references.
            while let Some(task) = core.tasks.pop_front() {
                drop(task);
            }
            core.yielded.clear();
            // Put it back so a concurrent `block_on` (on a `Handle` clone)
            // still finds a core, now with nothing to run.
            self.put_core(core);
        }
        while let Some(task) = this.inject.pop() {
            drop(task);
        }
        debug_assert_eq!(this.owned.len(), 0, "every task is cancelled at shutdown");
    }
}

impl Handle {
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
        let (join, notified) = task::bind(&me.owned, future, me.clone(), meta);
        if let Some(notified) = notified {
            me.schedule(notified);
        }
        join
    }

    /// Number of tasks spawned and not yet complete.
    pub(crate) fn alive_tasks(&self) -> usize {
        self.owned.len()
    }

    #[cfg(any(feature = "net", feature = "signal", feature = "time", feature = "fs"))]
    pub(crate) fn driver_handle(&self) -> &DriverHandle {
        &self.driver
    }

    /// Tasks ever spawned.
    pub(crate) fn spawned_tasks(&self) -> u64 {
        self.owned.spawned()
    }

    /// Calls `f` for every live task, in one pass over the owner list
    /// (see `OwnedTasks::for_each`).
    pub(crate) fn for_each_task(&self, f: impl FnMut(crate::runtime::task::raw::RawTask)) {
        self.owned.for_each(f);
    }

    pub(crate) fn worker_metrics(&self) -> &WorkerMetrics {
        &self.metrics
    }

    /// Tasks waiting in the inject queue.
    pub(crate) fn inject_depth(&self) -> usize {
        self.inject.len()
    }

    /// Hands `task` to `put` with this scheduler's core, if this thread is
    /// driving it; otherwise gives the task back. `try_`: a wake from code
    /// that runs while the core is borrowed (never user code, but be safe)
    /// takes the remote path.
    fn to_local_core(
        self: &Arc<Self>,
        task: Notified<Arc<Handle>>,
        put: impl FnOnce(&mut Core, Notified<Arc<Handle>>),
    ) -> Option<Notified<Arc<Handle>>> {
        context::with_scheduler(|cx| match cx {
            Some(scheduler::Context::CurrentThread(cx)) if Arc::ptr_eq(&cx.handle, self) => {
                match cx.core.try_borrow_mut().as_deref_mut() {
                    Ok(Some(core)) => {
                        put(core, task);
                        None
                    }
                    _ => Some(task),
                }
            }
            _ => Some(task),
        })
    }

    /// Clears the root future's `woken` flag; returns whether it was set.
    fn take_woken(&self) -> bool {
        // AcqRel: Acquire pairs with the Release in `wake_by_ref` so the
        // root poll sees what its waker's caller wrote.
        self.woken.swap(false, AcqRel)
    }
}

impl Schedule for Arc<Handle> {
    /// The one place a task of this scheduler is queued (spawns, wakes and
    /// yields all come here).
    fn schedule(&self, task: Notified<Self>) {
        if self.config.metrics.stamps_schedule() {
            poll::stamp_scheduled(&task);
        }
        let remote = self.to_local_core(task, |core, task| {
            core.stats.local_schedules += 1;
            core.tasks.push_back(task);
        });
        if let Some(task) = remote {
            // A task this thread spawns from outside may answer it
            // (`park::wait_hint`, rule 3; wakes are marked by the task's
            // waker already).
            crate::runtime::park::wait_hint::woke_others();
            if self.inject.push(task) {
                self.driver.unpark();
            }
        }
    }

    fn defer_yield(&self, task: Notified<Self>) -> Option<Notified<Self>> {
        self.to_local_core(task, |core, task| core.yielded.push(task))
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }
}

/// The root future's waker.
impl Wake for Handle {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Release: pairs with the AcqRel swap in `take_woken`.
        self.woken.store(true, Release);
        self.driver.unpark();
    }
}

/// Holds the core while this thread drives, and gives it back (also on
/// unwind) when done.
struct CoreGuard<'a> {
    context: scheduler::Context,
    scheduler: &'a CurrentThread,
}

impl<'a> CoreGuard<'a> {
    fn new(scheduler: &'a CurrentThread, handle: Arc<Handle>, core: Box<Core>) -> CoreGuard<'a> {
        let context = Context {
            handle,
            core: RefCell::new(Some(core)),
        };
        CoreGuard {
            context: scheduler::Context::CurrentThread(context),
            scheduler,
        }
    }

    fn block_on<F: Future>(self, mut future: Pin<&mut F>) -> F::Output {
        let _installed = context::set_scheduler(&self.context);
        // Drops while this thread still runs the scheduler: what it owes
        // rings it does not own goes then.
        let _owed = crate::runtime::driver::SubmitOwedOnExit;
        // Dropped before `_installed` (and before `self` gives the core
        // back): wakes still deferred then land on the local queue.
        let _defer = context::enable_defer();
        let cx = self.context.as_current_thread();
        let handle = &cx.handle;
        let watch = handle
            .config
            .watchdog
            .as_ref()
            .map(|w| w.watch_this_thread());
        let _watching = watch.as_ref().map(context::install_poll_watch);
        let waker = Waker::from(handle.clone());
        let mut task_cx = std::task::Context::from_waker(&waker);
        handle.woken.store(true, Relaxed);
        // Root polls since the last driver check: a root future that keeps
        // waking itself must not starve timers and I/O.
        let mut root_polls = 0;
        'drive: loop {
            if handle.take_woken() {
                if let Poll::Ready(output) = coop::budget(|| future.as_mut().poll(&mut task_cx)) {
                    return output;
                }
                root_polls += 1;
                if root_polls >= handle.config.event_interval {
                    root_polls = 0;
                    cx.park(Some(std::time::Duration::ZERO));
                }
            }
            for _ in 0..handle.config.event_interval {
                let Some((task, start)) = cx.next_task() else {
                    if cx.has_yielded() || context::has_deferred() {
                        // Yielded tasks wait for a driver check: check
                        // without blocking (which then wakes them).
                        cx.park(Some(std::time::Duration::ZERO));
                    } else if !handle.woken.load(Acquire) {
                        cx.park(None);
                    }
                    continue 'drive;
                };
                coop::budget(|| task.run());
                cx.end_poll(start);
            }
            // A long run of ready tasks: let the driver deliver events, and
            // publish the busy time so far.
            if let Some(core) = cx.core.borrow_mut().as_mut() {
                core.stats.fold_busy();
            }
            cx.park(Some(std::time::Duration::ZERO));
        }
    }
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        let cx = self.context.as_current_thread();
        if let Some(mut core) = cx.core.borrow_mut().take() {
            core.stats.end_busy();
            core.stats.publish(&cx.handle.metrics);
            self.scheduler.put_core(core);
        }
    }
}

impl Context {
    /// Whether this thread drives the scheduler now (holds its core).
    pub(crate) fn holds_core(&self) -> bool {
        self.core.borrow().is_some()
    }

    /// Whether tasks yielded since the last driver check.
    fn has_yielded(&self) -> bool {
        self.core
            .borrow()
            .as_ref()
            .is_some_and(|core| !core.yielded.is_empty())
    }

    /// The next task to poll, its poll started in the counters.
    fn next_task(&self) -> Option<(Notified<Arc<Handle>>, PollStart)> {
        let mut core = self.core.borrow_mut();
        let core = core.as_mut().expect("the core is installed while driving");
        let inject = &self.handle.inject;
        let task = if core
            .inject_tick
            .tick(self.handle.config.global_queue_interval)
        {
            inject.pop().or_else(|| core.tasks.pop_front())
        } else {
            core.tasks.pop_front().or_else(|| inject.pop())
        };
        let task = task?;
        let start = core.stats.start_poll(&task);
        Some((task, start))
    }

    /// The poll `next_task` started has returned (a branch, with the
    /// poll-time histogram off).
    #[inline]
    fn end_poll(&self, start: PollStart) {
        if start.is_timed() {
            if let Some(core) = self.core.borrow_mut().as_mut() {
                core.stats.end_poll(start);
            }
        }
    }

    /// Parks on the driver, then queues the tasks that yielded and wakes
    /// those that deferred their wake otherwise, until this driver check
    /// (`yield_now`). The driver is taken out of
    /// the core first, and the core is not borrowed during the deferred
    /// wakes: events the driver delivers and the deferred wakes both wake
    /// tasks, which borrow the core to queue.
    fn park(&self, timeout: Option<std::time::Duration>) {
        let config = &self.handle.config;
        // Rule 7 of `runtime/uring`: what the tasks pushed since the last
        // driver check is submitted in one `io_uring_enter`. Completions
        // it reaped woke tasks: then only check the driver, do not sleep.
        // A sleep (not a zero-timeout check) arms the ring's epoll entry.
        #[cfg(any(feature = "fs", feature = "net"))]
        let timeout = match self
            .handle
            .driver
            .flush_ring(0, timeout != Some(std::time::Duration::ZERO))
        {
            true => Some(std::time::Duration::ZERO),
            false => timeout,
        };
        let taken = self.core.borrow_mut().as_mut().and_then(|core| {
            // Published at each park, so an idle runtime's counts are exact.
            core.stats.publish(&self.handle.metrics);
            core.driver.take()
        });
        if let Some(mut driver) = taken {
            match timeout {
                None => {
                    if let Some(hook) = &config.before_park {
                        context::run_scheduler_hook(&**hook);
                    }
                    // The hook may have spawned or woken tasks: onto this
                    // thread's own queue, which wakes nobody. Sleeping then
                    // would wait for an event that never comes; only look
                    // at the driver instead (as tokio does).
                    let idle = self
                        .core
                        .borrow()
                        .as_ref()
                        .is_some_and(|core| core.tasks.is_empty())
                        && self.handle.inject.is_empty()
                        && !self.handle.woken.load(Acquire);
                    if idle {
                        if let Some(core) = self.core.borrow_mut().as_mut() {
                            core.stats.parks += 1;
                            core.stats.end_busy();
                            core.stats.publish(&self.handle.metrics);
                        }
                        driver.park();
                        if let Some(core) = self.core.borrow_mut().as_mut() {
                            core.stats.unparks += 1;
                            core.stats.start_busy();
                            core.stats.publish(&self.handle.metrics);
                        }
                    } else {
                        driver.park_timeout(std::time::Duration::ZERO);
                    }
                    if let Some(hook) = &config.after_unpark {
                        context::run_scheduler_hook(&**hook);
                    }
                }
                Some(timeout) => driver.park_timeout(timeout),
            }
            if let Some(core) = self.core.borrow_mut().as_mut() {
                core.driver = Some(driver);
            }
        }
        // Completions that came while the thread slept (the driver reaps
        // on the ring's epoll event too; this covers a zero-timeout check,
        // which skips `epoll_wait` when no socket is registered).
        #[cfg(any(feature = "fs", feature = "net"))]
        self.handle.driver.reap_ring(0);
        if let Some(core) = self.core.borrow_mut().as_mut() {
            core.stats.local_schedules += core.yielded.len();
            // A loop: `VecDeque::extend` from a drain is a slow generic
            // path for the one or few tasks that usually wait here.
            for task in core.yielded.drain(..) {
                core.tasks.push_back(task);
            }
        }
        context::wake_deferred();
    }
}

impl fmt::Debug for CurrentThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentThread").finish_non_exhaustive()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("current_thread::Handle")
            .field("alive_tasks", &self.alive_tasks())
            .field("inject", &self.inject)
            .finish_non_exhaustive()
    }
}

#[cfg(any(feature = "fs", feature = "net"))]
crate::sys::cfg_io_uring! {
    impl Context {
        /// This thread's io_uring ring: (the rings' id, 0).
        pub(crate) fn uring_position(&self) -> Option<(usize, usize)> {
            let rings = self.handle.driver.rings()?;
            Some((rings.id(), 0))
        }

        /// Tasks queued besides the running one (while `block_on` polls its
        /// own future, the core may be out: then it counts as ready).
        pub(crate) fn other_tasks_ready(&self) -> bool {
            let local = match self.core.try_borrow() {
                Ok(core) => core.as_ref().is_none_or(|core| !core.tasks.is_empty()),
                Err(_) => true,
            };
            local || !self.handle.inject.is_empty()
        }
    }
}

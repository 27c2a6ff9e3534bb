//! A worker: the loop that runs tasks on one thread of the multi-thread
//! scheduler.
//!
//! # Design note
//!
//! A worker's state is split like the current-thread scheduler's: the
//! [`Core`] (run queue, LIFO slot, parker, counters) belongs to whichever
//! thread runs the worker, and sits in the thread's [`Context`] `RefCell`
//! while a task is polled or the thread parks, so a task woken on this
//! thread is queued with no lock and no shared write. No borrow of it is
//! held across user code.
//!
//! The loop, per tick: every `event_interval` ticks, check the driver and
//! the shutdown flag (maintenance); take the next task (inject queue first
//! every `global_queue_interval` ticks, else LIFO slot, local queue, then
//! a batch from the inject queue); failing that, search: steal half of a
//! random victim's queue, then the inject queue (`idle.rs` bounds the
//! searchers); failing that, park. After a task's poll, the task it woke
//! last (LIFO slot) runs within the same cooperative budget, at most
//! [`MAX_LIFO_POLLS_PER_TICK`] in a row. A task that yields (`yield_now`,
//! a spent budget) waits in the core's `yielded` list, invisible to
//! thieves, until the next driver check moves the list to the back of the
//! run queue in one publication; a worker with yielded tasks checks its
//! driver without blocking instead of searching or parking.
//!
//! **LIFO rescue.** Before parking, a worker looks at the other workers'
//! LIFO slots; if one holds a task it parks for at most
//! [`LIFO_RESCUE_AFTER`] as a *watcher*, and takes that task if it is still
//! the same one then, not refilled since: its worker has been inside one
//! poll all that time (blocked), and the task would otherwise wait for it.
//! A worker that puts a task into an empty LIFO slot while no idle worker
//! watches wakes one (at most one wake per watch period, since a watcher
//! stays until the slots are empty). Tokio leaves such a task stuck.
//!
//! **I/O wakes queue in order.** The LIFO slot is for a hand-off: a task
//! that wakes another (a message sent on a channel) lets it run next, on
//! warm caches. An I/O event or a timer hands nothing over, so the tasks
//! the driver wakes (its turn when the worker parks or checks it, a ring
//! reap when the worker runs out of tasks) and those an io_uring reap
//! inside a poll wakes (the polled task's own submission took other
//! sockets' completions inline) go to the back of the run queue, in the
//! order their events came (`Core::waking_from_io`). In the slot, each
//! would push the one before it back and run first, several in a row per
//! task taken from the queue: a 50-connection hyper server on io_uring
//! served a few connections far more often than the rest (one worker:
//! p90 latency 793 µs, 333 µs in order), and a 1-connection echo woke
//! the idle worker whenever a LIFO chain ended (152,000 messages/s on
//! io_uring, 222,000 in order: `weft-bench profile`, 2 workers, 5
//! alternating runs). Such a wake asks for another worker only when more
//! than one task is ready here (LIFO slot and run queue); a single one
//! waits for the waking poll (stealable, but no worker is woken to steal
//! it), as a LIFO task does on tokio.
//!
//! **Spinning for remote work.** A worker whose last task came from the
//! inject queue serves a thread outside the workers (a `block_on` caller,
//! the blocking pool, another runtime), and that thread's next request
//! typically comes a few microseconds after our reply. So before parking
//! such a worker stays a searcher for up to the runtime's
//! `spin_before_park` (`Builder::spin_before_park`), watching the queues
//! (after one zero-timeout look at the driver, if free). While it
//! searches, the producer wakes nobody (rule 1 of `idle.rs`): the request
//! costs no futex wake and no cross-CPU wake-up (the `block_on` thread
//! spins too). It does so only while some thread is inside `block_on` on
//! this runtime (`Shared::block_on_callers`, counted at entry and exit):
//! without one, the remote work comes from threads that do not wait on
//! the runtime for a reply, such as a producer spawning from outside,
//! whose next task comes whenever it comes. Spinning for a producer takes
//! the CPU it needs: on two CPUs, 10,000 spawns from outside onto idle
//! workers (`spawn_many_remote_idle`) took 2.6-3.3 ms (bimodal, by where
//! the spinning worker ran), and 2.25 ms once the workers parked instead
//! and took the queued tasks in batches. The spin follows the engine's
//! one spin-before-park policy (`runtime/park/spin.rs`: its limit, off on
//! one CPU, the back-off after misses); this worker's part of it (rule 2
//! there) is *when*: only after remote work, and only as a searcher, so
//! at most half the workers spin (rule 2 of `idle.rs`). A worker fed by
//! its own I/O events and wakes (a server) parks at once, leaving the CPU
//! to whoever shares the machine.
//!
//! **Spinning for ring completions.** With its sockets on io_uring
//! (`runtime/uring`), a worker's receives complete on its own ring, as
//! task work that only this thread runs: data for them wakes this thread
//! if it sleeps, a cross-CPU wake-up (measured 10-20 µs of scheduling
//! delay on the 2-CPU virtual machine of the benchmarks, against a few
//! microseconds of work per message), where epoll's single driver would
//! have woken the task on whichever worker was awake. So a worker whose
//! ring has socket operations in flight, out of tasks, searching (so at
//! most half the workers spin, and one of the others sleeps in the
//! driver, where timers and epoll's events are taken) and not spinning
//! for remote work, first watches its ring under the same spin policy
//! (its limit, the back-off after misses, off on one CPU, ended by a lost
//! CPU): its local queue, the runtime's visible work, and the ring's
//! `IORING_SQ_TASKRUN` flag and completion queue, both read from the
//! ring's shared memory. Data for one of its receives sets the flag; the
//! loop's flush then enters the kernel, which posts the completion, and
//! the task runs at once. A request/reply exchange between tasks on two
//! workers (`tcp_echo_1conn` on weft-uring) went from 12-16k to 38-63k
//! messages per second in its slow samples (medians 48-62k over runs,
//! against 15-58k before). A server whose clients are slow misses its
//! spins and backs off (rule 4 of `park/spin.rs`): it pays at most one
//! spin per 64 parks while misses continue. The flag is the ring's, not
//! the thread's: task work of another thread that submitted to this ring
//! (a `block_on` caller) ends the spin too, and the flush finds nothing;
//! that thread runs its task work at its next system call, or is woken
//! for it if it sleeps.
//!
//! **`block_in_place`.** The core leaves the thread: it is put in the
//! worker's cell and a fresh thread (from the blocking pool) runs the
//! worker with it, while this thread runs the blocking closure. On return,
//! the core is taken back if the new thread has not claimed it yet;
//! otherwise this thread finishes the current poll without a core and
//! leaves the worker loop. The closure runs outside the cooperative budget
//! (and without deferred wakes), as it may drive weft's resources from
//! another executor.
//!
//! **Models.** The loom models (`loom_tests.rs`) start workers with
//! [`run`] itself, on loom threads: every change to this loop is a change
//! to what they check.

use super::lifo::{LifoSlot, Sighting};
use super::queue::{self, LOCAL_QUEUE_CAPACITY};
use super::stats::Stats;
use super::worker_parker::{SharedDriver, WorkerParker};
use super::{Handle, Remote};
use crate::loom::{Mutex, Ordering::SeqCst};
use crate::runtime::park::spin::Spinner;
use crate::runtime::scheduler::every_nth::EveryNth;
use crate::runtime::task::Notified;
use crate::runtime::{context, coop, scheduler};
use crate::util::rand::FastRand;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

/// LIFO polls in a row before the local queue gets its turn.
pub(super) const MAX_LIFO_POLLS_PER_TICK: usize = 3;

/// How long a task may sit in the LIFO slot of a worker stuck in one poll
/// before an idle worker takes it.
pub(crate) const LIFO_RESCUE_AFTER: Duration = Duration::from_millis(1);

/// One worker: its index and, while no thread runs it, its core.
pub(super) struct Worker {
    handle: Arc<Handle>,
    index: usize,
    /// Holds the core before the worker's thread starts and during a
    /// `block_in_place` hand-off.
    core: Mutex<Option<Box<Core>>>,
}

/// What a worker's thread owns while running it.
pub(super) struct Core {
    /// The driver check every `event_interval` ticks.
    event_tick: EveryNth,
    /// The inject queue first every `global_queue_interval` ticks.
    inject_tick: EveryNth,
    lifo: Arc<LifoSlot<Arc<Handle>>>,
    /// Cleared after `MAX_LIFO_POLLS_PER_TICK` LIFO polls, and while
    /// deferred wakes are delivered; set again for each queued task.
    lifo_enabled: bool,
    run_queue: queue::Local<Arc<Handle>>,
    /// Tasks that deferred their own wake (yielded) in a poll on this
    /// worker, queued after its next driver check (`Schedule::defer_yield`;
    /// this list is private to the core, so a yield costs no reference
    /// and no queue operation until then).
    yielded: Vec<Notified<Arc<Handle>>>,
    /// Counted as searching in `idle.rs`.
    is_searching: bool,
    /// The last task this worker took came from the inject queue: it
    /// serves a thread outside the workers, and spins before it parks.
    serving_remote: bool,
    /// That spin's limit and back-off (`runtime/park/spin.rs`).
    spinner: Spinner,
    is_shutdown: bool,
    /// `None` while the thread is parked (the parker is out in use).
    park: Option<WorkerParker>,
    /// The worker wakes tasks for I/O events or timers: its driver's turn
    /// (`park_timeout`), its io_uring ring's reap when out of tasks
    /// (`flush_ring`), or a reap inside a poll (the polled task's own
    /// submission took completions inline, `Context::wake_from_ring`).
    /// Such wakes go to the back of the run queue, never the LIFO slot,
    /// and ask no LIFO rescue ("I/O wakes queue in order" in the module's
    /// note; `schedule_local`). Two measurements of the 1-connection echo
    /// on io_uring (`weft-bench profile tcp_echo_1conn`, 2 workers) stand
    /// behind it: when these wakes still took the LIFO slot, asking a
    /// rescue for each woke the idle worker for every message (16,000
    /// messages/s against 150,000 without the rescue); keeping
    /// them out of the slot altogether then took it to 222,000 (the end of
    /// each LIFO chain had still woken the idle worker).
    waking_from_io: bool,
    stats: Stats,
    rand: FastRand,
}

/// Installed in the thread-local context while a thread runs a worker.
pub(crate) struct Context {
    worker: Arc<Worker>,
    core: RefCell<Option<Box<Core>>>,
    /// Inside `block_in_place`: the core, and with it the worker's
    /// io_uring ring, belongs to another thread until it is reclaimed.
    handed_off: std::cell::Cell<bool>,
}

impl Context {
    /// This worker's index, while this thread holds its core (not inside
    /// `block_in_place`, which hands the core on).
    pub(crate) fn worker_index(&self) -> Option<usize> {
        self.core.borrow().is_some().then_some(self.worker.index)
    }
}

impl Worker {
    pub(super) fn new(handle: Arc<Handle>, index: usize, core: Box<Core>) -> Arc<Worker> {
        Arc::new(Worker {
            handle,
            index,
            core: Mutex::new(Some(core)),
        })
    }

    pub(super) fn take_core(&self) -> Option<Box<Core>> {
        self.core.lock().unwrap().take()
    }
}

/// A worker thread's body (a task of the blocking pool).
pub(super) fn run(worker: Arc<Worker>) {
    // Taken already: the runtime shut down before this thread started, or
    // a `block_in_place` hand-off was undone before it got here.
    let Some(core) = worker.take_core() else {
        return;
    };
    let _runtime = context::enter_runtime();
    let cx = scheduler::Context::MultiThread(Context {
        worker,
        core: RefCell::new(None),
        handed_off: std::cell::Cell::new(false),
    });
    let _installed = context::set_scheduler(&cx);
    // Drops while this thread is still the worker: what it owes other
    // workers' rings goes then.
    let _owed = crate::runtime::driver::SubmitOwedOnExit;
    // After `_installed`, so it drops first: wakes still deferred then
    // queue on this worker.
    let _defer = context::enable_defer();
    let scheduler::Context::MultiThread(cx) = &cx else {
        unreachable!("just built as a multi-thread context")
    };
    let watch = cx
        .handle()
        .config
        .watchdog
        .as_ref()
        .map(|w| w.watch_this_thread());
    let _watching = watch.as_ref().map(context::install_poll_watch);
    cx.run(core);
}

impl Context {
    fn handle(&self) -> &Arc<Handle> {
        &self.worker.handle
    }

    fn run(&self, mut core: Box<Core>) {
        let handle = self.handle();
        let config = &handle.config;
        core.stats.start_busy();
        // A thread that starts after the runtime closed may have missed the
        // close's unpark: it must not park.
        core.is_shutdown = handle.is_closed();
        while !core.is_shutdown {
            if core.event_tick.tick(config.event_interval) {
                core = self.park_timeout(core, Some(Duration::ZERO));
                core.maintenance(&self.worker);
            }
            if let Some(task) = core.next_task(handle) {
                match self.run_task(task, core) {
                    Some(returned) => core = returned,
                    None => return,
                }
                continue;
            }
            #[cfg(any(feature = "fs", feature = "net"))]
            {
                // Out of tasks: submit what this worker's tasks pushed to
                // its io_uring ring before searching or parking; what
                // completed at once (page-cache reads do) runs next,
                // without the idle protocol's round trip.
                let woke;
                (core, woke) = self.flush_ring(core);
                if woke {
                    continue;
                }
            }
            if !core.yielded.is_empty() || context::has_deferred() {
                // Yielded tasks wait for a driver check, not for a park.
                core = self.park_timeout(core, Some(Duration::ZERO));
                continue;
            }
            if let Some(task) = core.steal_work(&self.worker) {
                match self.run_task(task, core) {
                    Some(returned) => core = returned,
                    None => return,
                }
                continue;
            }
            if core.is_searching {
                let found;
                (core, found) = self.spin_before_park(core);
                if found {
                    continue;
                }
            }
            core = self.park(core);
        }
        core.pre_shutdown(&self.worker);
        handle.shutdown_core(core);
    }

    /// A searcher's spin before it parks (see the design note: "Spinning
    /// for remote work" and "Spinning for ring completions"), if one may
    /// pay: stays searching for as long as the spin policy allows,
    /// watching this worker's queue, the runtime's visible work and, while
    /// its io_uring ring has socket operations in flight, that ring (after
    /// remote work, the driver's ready events first, if the driver is
    /// free). Returns whether something turned up. The runtime's shutdown
    /// ends the spin too (a long spin must not delay it), and the worker's
    /// loop.
    fn spin_before_park(&self, mut core: Box<Core>) -> (Box<Core>, bool) {
        let handle = self.handle();
        let ring_has_news = self.ring_watch();
        // Only for a thread that waits on this runtime for our reply.
        let for_remote = core.serving_remote && handle.has_block_on_caller();
        if !for_remote && ring_has_news.is_none() {
            return (core, false);
        }
        let Some(spin) = core.spinner.start() else {
            return (core, false);
        };
        if for_remote {
            core = self.park_timeout(core, Some(Duration::ZERO));
        }
        let end = spin.until(|| {
            core.has_tasks()
                || ring_has_news.as_ref().is_some_and(|has_news| has_news())
                || handle.has_visible_work()
                || handle.is_closed()
        });
        core.spinner.finish(end);
        if handle.is_closed() {
            core.is_shutdown = true;
        }
        if !end.caught {
            // Until a task comes from the inject queue again.
            core.serving_remote = false;
        }
        (core, end.caught)
    }

    /// While this worker's io_uring ring has socket operations in flight,
    /// a look at whether it has news (completions, or data that waits for
    /// this thread to enter the kernel), for the spin before parking.
    #[cfg(any(feature = "fs", feature = "net"))]
    fn ring_watch(&self) -> Option<impl Fn() -> bool + '_> {
        let driver = self.handle().driver_handle();
        let index = self.worker.index;
        driver
            .ring_awaits_sockets(index)
            .then_some(move || driver.ring_has_news(index))
    }

    /// No rings without `fs` and `net`.
    #[cfg(not(any(feature = "fs", feature = "net")))]
    fn ring_watch(&self) -> Option<fn() -> bool> {
        None
    }

    /// Submits and reaps this worker's io_uring ring with the core
    /// installed, so the tasks it wakes queue here. Returns whether it woke
    /// any.
    #[cfg(any(feature = "fs", feature = "net"))]
    fn flush_ring(&self, mut core: Box<Core>) -> (Box<Core>, bool) {
        core.waking_from_io = true;
        *self.core.borrow_mut() = Some(core);
        let woke = self
            .handle()
            .driver_handle()
            .flush_ring(self.worker.index, true);
        let mut core = self
            .core
            .borrow_mut()
            .take()
            .expect("the core stays installed while the ring is flushed");
        core.waking_from_io = false;
        (core, woke)
    }

    /// Polls `task`, then the tasks it leaves in the LIFO slot. Returns
    /// `None` if the core left this thread (`block_in_place`).
    fn run_task(&self, task: Notified<Arc<Handle>>, mut core: Box<Core>) -> Option<Box<Core>> {
        let handle = self.handle();
        if core.is_searching {
            // Rule 3 of `idle.rs`: the last searcher to find work wakes
            // another if work is left.
            core.is_searching = false;
            if handle.shared.idle.stop_searching() {
                handle.notify_if_work_pending();
            }
        }
        core.lifo_enabled = true;
        let mut start = core.stats.start_poll(&task);
        *self.core.borrow_mut() = Some(core);
        coop::budget(|| {
            task.run();
            let mut lifo_polls = 0;
            loop {
                let mut core = self.core.borrow_mut().take()?;
                core.stats.end_poll(start);
                let Some(task) = core.lifo.take() else {
                    return Some(core);
                };
                if !coop::has_budget_remaining() {
                    // The budget is shared by the LIFO chain; once spent,
                    // the task waits its turn in the queue.
                    core.push_local(task, handle);
                    return Some(core);
                }
                lifo_polls += 1;
                if lifo_polls >= MAX_LIFO_POLLS_PER_TICK {
                    core.lifo_enabled = false;
                }
                start = core.stats.start_poll(&task);
                *self.core.borrow_mut() = Some(core);
                task.run();
            }
        })
    }

    /// Keeps `task`, which yielded in a poll on this thread, in the core's
    /// list until the next driver check, if this thread is a worker of
    /// `handle` holding its core; otherwise gives the task back.
    pub(super) fn defer_yield(
        &self,
        handle: &Arc<Handle>,
        task: Notified<Arc<Handle>>,
    ) -> Option<Notified<Arc<Handle>>> {
        self.with_local_core(handle, task, |core, task| core.yielded.push(task))
    }

    /// Hands `task` to `put` with this worker's core, if this thread is a
    /// worker of `handle` holding its core; otherwise gives the task back.
    fn with_local_core(
        &self,
        handle: &Arc<Handle>,
        task: Notified<Arc<Handle>>,
        put: impl FnOnce(&mut Core, Notified<Arc<Handle>>),
    ) -> Option<Notified<Arc<Handle>>> {
        if !Arc::ptr_eq(self.handle(), handle) {
            return Some(task);
        }
        match self.core.try_borrow_mut().as_deref_mut() {
            Ok(Some(core)) => {
                put(core, task);
                None
            }
            _ => Some(task),
        }
    }

    /// Queues `task`, woken on this thread, on this worker if it is one of
    /// `handle`'s and holds its core; otherwise gives the task back.
    pub(super) fn schedule_local(
        &self,
        handle: &Arc<Handle>,
        task: Notified<Arc<Handle>>,
        is_yield: bool,
    ) -> Option<Notified<Arc<Handle>>> {
        self.with_local_core(handle, task, |core, task| {
            core.stats.local_schedules += 1;
            let should_notify = if core.waking_from_io {
                // An I/O completion hands nothing over from the polled
                // task: its task queues behind the others, in the order the
                // kernel completed them (see `Core::waking_from_io`).
                core.push_local(task, handle);
                // This worker runs the next task itself: only more than
                // that is worth another worker's wake-up.
                core.ready_tasks() > 1
            } else if is_yield || !core.lifo_enabled {
                core.push_local(task, handle);
                true
            } else {
                match core.lifo.replace(task) {
                    Some(previous) => {
                        core.push_local(previous, handle);
                        true
                    }
                    // A task in the LIFO slot alone is not stealable work.
                    None => false,
                }
            };
            // While parked (`park` is out), the worker notifies after waking.
            if should_notify && core.park.is_some() {
                handle.notify_parked();
            } else if !should_notify
                && core.park.is_some()
                && !core.waking_from_io
                && handle.shared.idle.might_wake_one()
                && handle.shared.lifo_watchers.load(SeqCst) == 0
            {
                // The task went into an empty LIFO slot and no idle worker
                // is watching the slots: wake one so it does (LIFO rescue),
                // in case this worker's current poll blocks. Best effort:
                // the task runs anyway once this poll returns, so the racy
                // pre-check (no RMW on the idle word per local wake) is
                // enough. SeqCst: pairs with the watcher count's updates in
                // `park`.
                handle.notify_parked();
            }
        })
    }

    /// Parks until notified, rescuing a stuck LIFO task if it sees one.
    fn park(&self, mut core: Box<Core>) -> Box<Core> {
        let handle = self.handle();
        if let Some(hook) = &handle.config.before_park {
            context::run_scheduler_hook(&**hook);
        }
        if core.transition_to_parked(&self.worker) {
            core.stats.parks += 1;
            core.stats.end_busy();
            core.stats
                .publish(&handle.shared.worker_metrics[self.worker.index]);
            let watchers = &handle.shared.lifo_watchers;
            while !core.is_shutdown {
                let rescue = core.lifo_to_rescue(&self.worker);
                if rescue.is_some() {
                    // SeqCst: pairs with the load in `schedule_local`.
                    watchers.fetch_add(1, SeqCst);
                }
                core = self.park_timeout(core, rescue.map(|_| LIFO_RESCUE_AFTER));
                if rescue.is_some() {
                    // Before the next look at the slots (SeqCst): a slot
                    // filled after that look sees no watcher and wakes one.
                    watchers.fetch_sub(1, SeqCst);
                }
                core.maintenance(&self.worker);
                if core.transition_from_parked(&self.worker) {
                    break;
                }
                if let Some((victim, sighting)) = rescue {
                    if let Some(task) = handle.shared.remotes[victim].lifo.take_if(sighting) {
                        core.stats.steals += 1;
                        core.stats.steal_operations += 1;
                        core.unpark_self(&self.worker);
                        core.push_local(task, handle);
                        break;
                    }
                }
            }
            core.stats.unparks += 1;
            core.stats.start_busy();
            core.stats
                .publish(&handle.shared.worker_metrics[self.worker.index]);
        }
        if let Some(hook) = &handle.config.after_unpark {
            context::run_scheduler_hook(&**hook);
        }
        core
    }

    /// Sleeps on the driver or condvar with the core installed, so tasks
    /// woken meanwhile (driver events, deferred yields) queue locally.
    fn park_timeout(&self, mut core: Box<Core>, timeout: Option<Duration>) -> Box<Core> {
        let mut park = core
            .park
            .take()
            .expect("the worker's parker is in its core");
        // The driver's wakes (I/O events, timers, ring reaps) queue in
        // order (`Core::waking_from_io`).
        core.waking_from_io = true;
        *self.core.borrow_mut() = Some(core);
        // Rule 7 of `runtime/uring`: the SQEs this worker's tasks pushed
        // since the last check go in one `io_uring_enter`; completions
        // that came meanwhile are reaped after the sleep (woken tasks
        // queue here: the core is installed).
        // If that woke a task (queued here), only check the driver.
        #[cfg(any(feature = "fs", feature = "net"))]
        let driver = self.handle().driver_handle();
        // A sleep (not a zero-timeout check) arms the ring's epoll entry.
        #[cfg(any(feature = "fs", feature = "net"))]
        let timeout = match driver.flush_ring(self.worker.index, timeout != Some(Duration::ZERO)) {
            true => Some(Duration::ZERO),
            false => timeout,
        };
        park.park(timeout);
        #[cfg(any(feature = "fs", feature = "net"))]
        driver.reap_ring(self.worker.index);
        if let Some(core) = self.core.borrow_mut().as_mut() {
            core.waking_from_io = false;
            // Deferred tasks yielded: they go to the back of the queue.
            core.lifo_enabled = false;
            core.queue_yielded(self.handle());
        }
        context::wake_deferred();
        let mut core = self
            .core
            .borrow_mut()
            .take()
            .expect("the core stays installed while parked");
        core.park = Some(park);
        if core.should_notify_others() {
            self.handle().notify_parked();
        }
        core
    }

    /// `block_in_place`: moves the core to a new thread. Returns whether
    /// this thread had a core to give.
    fn hand_off_core(&self) -> bool {
        let Some(core) = self.core.borrow_mut().take() else {
            return false;
        };
        self.handed_off.set(true);
        // Deferred yields and owed submissions would wait for this
        // thread's next driver check, which will not come while it blocks.
        context::wake_deferred();
        crate::runtime::driver::submit_owed();
        *self.worker.core.lock().unwrap() = Some(core);
        let worker = self.worker.clone();
        let runtime = scheduler::Handle::MultiThread(self.handle().clone());
        self.handle()
            .blocking
            .spawn_mandatory(&runtime, move || run(worker));
        true
    }

    /// After `block_in_place`: takes the core back unless the new thread
    /// claimed it.
    fn reclaim_core(&self) {
        if let Some(core) = self.worker.take_core() {
            *self.core.borrow_mut() = Some(core);
            self.handed_off.set(false);
        }
    }
}

impl Core {
    /// A new core and what other threads need to reach its worker; its
    /// spin for remote work lasts at most `spin_before_park`, its counters
    /// keep the histograms `config` asks for.
    pub(super) fn new(
        driver: &crate::loom::Arc<SharedDriver>,
        config: &scheduler::Config,
        index: usize,
    ) -> (Box<Core>, Remote) {
        let (steal, run_queue) = queue::local();
        #[allow(unused_mut)]
        let mut park = WorkerParker::new(driver.clone());
        #[cfg(any(feature = "fs", feature = "net"))]
        park.set_ring(index);
        #[cfg(not(any(feature = "fs", feature = "net")))]
        let _ = index;
        let lifo = Arc::new(LifoSlot::new());
        let remote = Remote {
            steal,
            lifo: lifo.clone(),
            unpark: park.unparker(),
        };
        let core = Box::new(Core {
            event_tick: EveryNth::default(),
            inject_tick: EveryNth::default(),
            lifo,
            lifo_enabled: true,
            run_queue,
            yielded: Vec::new(),
            is_searching: false,
            serving_remote: false,
            spinner: Spinner::new(config.spin_before_park),
            is_shutdown: false,
            park: Some(park),
            waking_from_io: false,
            stats: Stats::new(&config.metrics),
            rand: FastRand::new(),
        });
        (core, remote)
    }

    fn has_tasks(&self) -> bool {
        !self.lifo.is_empty() || !self.run_queue.is_empty()
    }

    fn should_notify_others(&self) -> bool {
        !self.is_searching && self.ready_tasks() > 1
    }

    /// Tasks ready to run here: the LIFO slot's and the run queue's.
    fn ready_tasks(&self) -> usize {
        usize::from(!self.lifo.is_empty()) + self.run_queue.len()
    }

    /// Moves the yielded tasks to the back of the run queue, in the order
    /// they yielded: in one publication where they fit.
    fn queue_yielded(&mut self, handle: &Arc<Handle>) {
        if self.yielded.is_empty() {
            return;
        }
        self.stats.local_schedules += self.yielded.len();
        if self.yielded.len() <= self.run_queue.remaining_slots() {
            self.run_queue.push_back(self.yielded.drain(..));
        } else {
            for task in std::mem::take(&mut self.yielded) {
                self.push_local(task, handle);
            }
        }
    }

    fn push_local(&mut self, task: Notified<Arc<Handle>>, handle: &Arc<Handle>) {
        if self.run_queue.push_back_or_overflow(task, &**handle) {
            self.stats.overflows += 1;
        }
    }

    fn next_task(&mut self, handle: &Handle) -> Option<Notified<Arc<Handle>>> {
        if self.inject_tick.tick(handle.config.global_queue_interval) {
            // Fairness: tasks woken from other threads get a turn.
            match handle.shared.inject.pop() {
                Some(task) => {
                    self.serving_remote = true;
                    Some(task)
                }
                None => self.next_local_task(),
            }
        } else {
            self.next_local_task()
                .or_else(|| self.take_from_inject(handle))
        }
    }

    fn next_local_task(&mut self) -> Option<Notified<Arc<Handle>>> {
        let task = self.lifo.take().or_else(|| self.run_queue.pop());
        if task.is_some() {
            self.serving_remote = false;
        }
        task
    }

    /// Takes a fair share of the inject queue: one task to run, the rest
    /// into the local queue (one lock for the batch).
    fn take_from_inject(&mut self, handle: &Handle) -> Option<Notified<Arc<Handle>>> {
        let inject = &handle.shared.inject;
        if inject.is_empty() {
            return None;
        }
        let share = inject.len() / handle.num_workers() + 1;
        let max = share
            .min(self.run_queue.remaining_slots() + 1)
            .min(LOCAL_QUEUE_CAPACITY / 2);
        let run_queue = &mut self.run_queue;
        let task = inject.pop_batch(max, |task| run_queue.push_back(std::iter::once(task)));
        if task.is_some() {
            self.serving_remote = true;
        }
        task
    }

    /// Searches for work: a random victim's queue first, then the inject
    /// queue. Only while `idle.rs` lets this worker search (rule 2).
    fn steal_work(&mut self, worker: &Worker) -> Option<Notified<Arc<Handle>>> {
        let handle = &worker.handle;
        if !self.is_searching {
            if !handle.shared.idle.try_start_searching() {
                return None;
            }
            self.is_searching = true;
        }
        let remotes = &handle.shared.remotes;
        let workers = remotes.len();
        let start = self.rand.fastrand_n(workers as u32) as usize;
        for offset in 0..workers {
            let victim = (start + offset) % workers;
            if victim == worker.index {
                continue;
            }
            if let Some((task, stolen)) = remotes[victim].steal.steal_into(&mut self.run_queue) {
                self.stats.steals += stolen;
                self.stats.steal_operations += 1;
                return Some(task);
            }
        }
        self.take_from_inject(handle)
    }

    /// Rule 4 of `idle.rs`. Returns `false` (do not sleep) if there is
    /// work or the runtime is shutting down.
    fn transition_to_parked(&mut self, worker: &Worker) -> bool {
        // The shutdown flag is read here, not only at maintenance: the
        // unpark that `close` sent may have been consumed by a zero-timeout
        // park (deferred yields) that did not look at it.
        if !self.is_shutdown {
            self.is_shutdown = worker.handle.is_closed();
        }
        if self.has_tasks() || self.is_shutdown {
            return false;
        }
        let shared = &worker.handle.shared;
        let was_last_searcher = shared
            .idle
            .park(&shared.sleepers, worker.index, self.is_searching);
        self.is_searching = false;
        if was_last_searcher {
            worker.handle.notify_if_work_pending();
        }
        true
    }

    /// After a wake-up: whether to leave the park loop. A worker picked by
    /// a producer (`idle.rs`, rule 1) comes back searching.
    fn transition_from_parked(&mut self, worker: &Worker) -> bool {
        let shared = &worker.handle.shared;
        if self.has_tasks() {
            // The driver delivered work to this worker.
            self.unpark_self(worker);
            return true;
        }
        if shared.idle.is_parked(&shared.sleepers, worker.index) {
            return false;
        }
        self.is_searching = true;
        true
    }

    /// Leaves the sleepers list on the worker's own account; if a producer
    /// picked it meanwhile, it was counted as searching, and is.
    fn unpark_self(&mut self, worker: &Worker) {
        let shared = &worker.handle.shared;
        if !shared.idle.unpark_self(&shared.sleepers, worker.index) {
            self.is_searching = true;
        }
    }

    /// A task sitting in another worker's LIFO slot, to look at again after
    /// `LIFO_RESCUE_AFTER`: (worker index, what was seen).
    fn lifo_to_rescue(&self, worker: &Worker) -> Option<(usize, Sighting)> {
        let remotes = &worker.handle.shared.remotes;
        remotes
            .iter()
            .enumerate()
            .filter(|&(victim, _)| victim != worker.index)
            .find_map(|(victim, remote)| Some((victim, remote.lifo.sighting()?)))
    }

    fn maintenance(&mut self, worker: &Worker) {
        let handle = &worker.handle;
        self.stats.fold_busy();
        self.stats
            .publish(&handle.shared.worker_metrics[worker.index]);
        if !self.is_shutdown {
            self.is_shutdown = handle.is_closed();
        }
    }

    /// This worker stops: cancel every idle task now, leave the idle
    /// bookkeeping consistent.
    fn pre_shutdown(&mut self, worker: &Worker) {
        let handle = &worker.handle;
        handle.shared.owned.close_and_shutdown_all();
        // The last busy period counts, also for a worker that never parked.
        self.stats.end_busy();
        self.stats
            .publish(&handle.shared.worker_metrics[worker.index]);
        if self.is_searching {
            self.is_searching = false;
            handle.shared.idle.stop_searching();
        }
    }

    /// The last step of runtime shutdown: drop every queued entry.
    pub(super) fn shutdown(&mut self, _handle: &Handle) {
        drop(self.lifo.take());
        self.yielded.clear();
        while let Some(task) = self.run_queue.pop() {
            drop(task);
        }
    }
}

/// Runs `f`, a blocking closure, on this worker thread after moving the
/// worker's other tasks to a new thread; see
/// [`task::block_in_place`](crate::task::block_in_place).
#[track_caller]
pub(crate) fn block_in_place<F: FnOnce() -> R, R>(f: F) -> R {
    // The set's other tasks can run on this thread only: blocking it could
    // wait for one of them forever.
    if super::super::local_set::is_in_local_set() {
        panic!(
            "can call blocking only when running on the multi-threaded runtime \
             (`block_in_place` inside a `LocalSet`, whose tasks cannot move to another thread)"
        );
    }
    let handed_off = context::with_scheduler(|cx| match cx {
        Some(scheduler::Context::MultiThread(cx)) => Some(cx.hand_off_core()),
        Some(scheduler::Context::CurrentThread(_)) => None,
        None => Some(false),
    });
    // Panics here, not in the closure, so the panic points at the caller.
    let Some(handed_off) = handed_off else {
        panic!(
            "can call blocking only when running on the multi-threaded runtime \
             (`block_in_place` on a `current_thread` runtime)"
        );
    };
    // The closure may block on other executors (`Handle::block_on`): a
    // `yield_now` there must not wait for this thread's next driver check,
    // and the calling task's cooperative budget must not limit it (a spent
    // budget makes weft's resources return `Pending` until the next driver
    // check, which another executor never makes). As in tokio, a blocking
    // section runs unconstrained.
    let _no_defer = context::disable_defer();
    // Blocking here is the point: not a long poll.
    let _not_watched = context::pause_poll_watch();
    let f = || coop::with_unconstrained(f);
    if !handed_off {
        return context::exit_runtime(f);
    }

    /// Takes the core back when `f` returns or unwinds.
    struct Reclaim;
    impl Drop for Reclaim {
        fn drop(&mut self) {
            context::with_scheduler(|cx| {
                if let Some(scheduler::Context::MultiThread(cx)) = cx {
                    cx.reclaim_core();
                }
            });
        }
    }
    let _reclaim = Reclaim;
    context::exit_runtime(f)
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("multi_thread::Context")
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

#[cfg(any(feature = "fs", feature = "net"))]
crate::sys::cfg_io_uring! {
    impl Context {
        /// This worker's io_uring ring: (the rings' id, the worker's
        /// index); `None` inside `block_in_place`, whose thread owns no
        /// ring (the thread that took the core does: what this one pushes
        /// must be submitted at once, `runtime/uring` rule 7).
        pub(crate) fn uring_position(&self) -> Option<(usize, usize)> {
            if self.handed_off.get() {
                return None;
            }
            let rings = self.handle().driver_handle().rings()?;
            Some((rings.id(), self.worker.index))
        }

        /// Runs `wake`, which wakes tasks an io_uring reap on this thread
        /// completed, as I/O wakes: they queue in completion order, with
        /// no LIFO slot and no LIFO rescue (`Core::waking_from_io`).
        pub(crate) fn wake_from_ring(&self, wake: impl FnOnce()) {
            /// Puts the flag back, also if a wake panics.
            struct Restore<'a>(&'a Context, Option<bool>);
            impl Drop for Restore<'_> {
                fn drop(&mut self) {
                    if let Some(previous) = self.1 {
                        if let Ok(Some(core)) = self.0.core.try_borrow_mut().as_deref_mut() {
                            core.waking_from_io = previous;
                        }
                    }
                }
            }
            let previous = match self.core.try_borrow_mut().as_deref_mut() {
                Ok(Some(core)) => Some(std::mem::replace(&mut core.waking_from_io, true)),
                _ => None,
            };
            let _restore = Restore(self, previous);
            wake();
        }

        /// Whether this worker is waking tasks as I/O wakes (tests).
        #[cfg(test)]
        pub(crate) fn waking_from_io(&self) -> bool {
            self.core
                .try_borrow()
                .is_ok_and(|core| core.as_ref().is_some_and(|core| core.waking_from_io))
        }

        /// Tasks in this worker's queue or LIFO slot, or in the inject
        /// queue (which this worker may take next).
        pub(crate) fn other_tasks_ready(&self) -> bool {
            let local = match self.core.try_borrow() {
                Ok(core) => core.as_ref().is_none_or(|core| core.has_tasks()),
                Err(_) => true,
            };
            local || !self.handle().shared.inject.is_empty()
        }
    }
}

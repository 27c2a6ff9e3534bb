//! The blocking pool: threads for closures that would block a scheduler.
//!
//! # Design note
//!
//! A `spawn_blocking` closure becomes an ordinary task (one cell, the same
//! `JoinHandle`) whose future runs the closure on its first poll; its
//! scheduler is the pool, so "scheduling" it means queueing it for a pool
//! thread. The pool is elastic, like tokio's and async-std's:
//!
//! 1. A queued task wakes an idle thread if there is one, otherwise starts a
//!    new thread, up to `max_threads`; past that it waits in the queue.
//! 2. A thread idle for `keep_alive` retires.
//! 3. Shutdown stops accepting work, cancels queued tasks that never
//!    started, and waits for running closures (they cannot be interrupted)
//!    up to the given timeout; threads still busy after it are left
//!    detached and exit when their closure returns.
//! 4. A thread counts as alive until it is done with user code: its
//!    `on_thread_stop` hook runs *before* it leaves the count. Shutdown
//!    then joins every thread that left, so when it returns (within its
//!    timeout) no pool thread runs a hook, a closure or a thread-local
//!    destructor any more, and the threads are gone. A thread cannot join
//!    itself: as it leaves the count it puts its own handle in
//!    `last_exited` and joins the one it replaces, so the exited threads
//!    form a chain that the next exit, or shutdown, finishes (tokio's pool
//!    chains its exiting threads the same way). A thread finds its handle
//!    in a slot of its own, filled by its starter right after the spawn
//!    (the starter holds the slot's lock across the spawn, so the thread
//!    can never look too early). A thread is started with no pool lock
//!    held: the thread-name function is user code.
//! 5. A mandatory task (a multi-thread worker) never waits in the queue:
//!    it gets a new thread, named with the worker name, that runs it first
//!    and then serves the queue like any other pool thread (rules 1, 2).
//!    So worker threads and blocking threads are told apart by name, and a
//!    worker never lands on a thread started for blocking work. The price
//!    is one thread start per `block_in_place` hand-off, where reusing an
//!    idle pool thread (as tokio does) would save it; a thread's name
//!    cannot change once it runs.
//!
//! Lock-protected state lives in [`PoolState`]; the pool's threads and
//! `spawn_blocking` callers meet only under its mutex and condvar.

use super::builder::{Callback, ThreadNameFn};
use super::{context, scheduler};
use crate::loom::{Condvar, Mutex};
use crate::runtime::task::list::OwnedTasks;
use crate::runtime::task::{self, JoinHandle, Notified, Schedule, Task};
#[cfg(feature = "time")]
use crate::runtime::time::AutoAdvanceInhibit;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::JoinHandle as ThreadHandle;
use std::time::{Duration, Instant};

/// Settings taken from the `Builder`.
#[derive(Clone)]
pub(crate) struct PoolConfig {
    pub(crate) max_threads: usize,
    pub(crate) keep_alive: Duration,
    /// Names the threads started for blocking work.
    pub(crate) thread_name: ThreadNameFn,
    /// Names the threads started for mandatory tasks (rule 5).
    pub(crate) worker_thread_name: ThreadNameFn,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_thread_start: Option<Callback>,
    pub(crate) on_thread_stop: Option<Callback>,
}

/// Owned by the `Runtime`; shuts the pool down when dropped.
pub(crate) struct BlockingPool {
    spawner: Spawner,
}

/// Shared by every handle of the runtime.
#[derive(Clone)]
pub(crate) struct Spawner {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<PoolState>,
    /// Signalled when work arrives or shutdown starts.
    work: Condvar,
    /// Signalled when a thread exits, for shutdown's wait.
    exited: Condvar,
    owned: OwnedTasks<Spawner>,
    config: PoolConfig,
}

/// Guarded by `Inner::state`.
struct PoolState {
    queue: VecDeque<Notified<Spawner>>,
    threads: usize,
    idle: usize,
    /// Wake-ups sent to idle threads and not yet taken.
    pending_wakeups: usize,
    shutdown: bool,
    /// A shutdown already waited for the threads (its timeout holds; a
    /// later one, say `Drop` after `shutdown_timeout`, returns at once).
    waited: bool,
    /// Rule 4: the thread that left the count last; whoever replaces it
    /// joins it.
    last_exited: Option<ThreadHandle<()>>,
}

/// Rule 4: where a pool thread finds its own join handle.
type HandleSlot = Arc<Mutex<Option<ThreadHandle<()>>>>;

impl BlockingPool {
    pub(crate) fn new(config: PoolConfig) -> BlockingPool {
        let inner = Arc::new(Inner {
            state: Mutex::new(PoolState {
                queue: VecDeque::new(),
                threads: 0,
                idle: 0,
                pending_wakeups: 0,
                shutdown: false,
                waited: false,
                last_exited: None,
            }),
            work: Condvar::new(),
            exited: Condvar::new(),
            owned: OwnedTasks::new(),
            config,
        });
        BlockingPool {
            spawner: Spawner { inner },
        }
    }

    pub(crate) fn spawner(&self) -> &Spawner {
        &self.spawner
    }

    /// Rule 3, first half: refuses new work and cancels the closures that
    /// never started. The runtime calls this before stopping its scheduler,
    /// so a worker thread freed by the stop cannot pick up a queued closure.
    pub(crate) fn close(&self) {
        let inner = &self.spawner.inner;
        let queued = {
            let mut state = inner.state.lock().unwrap();
            if state.shutdown {
                return;
            }
            state.shutdown = true;
            std::mem::take(&mut state.queue)
        };
        inner.work.notify_all();
        // Tasks that never started: cancel them (their handles report it).
        inner.owned.close_and_shutdown_all();
        drop(queued);
    }

    /// Rule 3: `close`, then waits for the running closures (and threads);
    /// `None` waits for every one.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        let inner = &self.spawner.inner;
        self.close();
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = inner.state.lock().unwrap();
        if std::mem::replace(&mut state.waited, true) {
            return;
        }
        while state.threads > 0 {
            match deadline {
                None => state = inner.exited.wait(state).unwrap(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    state = inner.exited.wait_timeout(state, deadline - now).unwrap().0;
                }
            }
        }
        // Rule 4: every thread that left the count has run its last user
        // code; joining the last of the chain waits until each of them has
        // also returned (thread-local destructors included). Threads still
        // counted after a timeout stay detached (rule 3).
        let last = state.last_exited.take();
        drop(state);
        if let Some(thread) = last {
            // A thread that panicked after leaving the count has nothing
            // left to report.
            let _ = thread.join();
        }
    }
}

impl Drop for BlockingPool {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl Spawner {
    /// Runs `f` on a pool thread; see `task::spawn_blocking`.
    /// `runtime` is entered while `f` runs, so `f` can reach the runtime
    /// (`Handle::current`, `weft::spawn`).
    pub(crate) fn spawn_blocking<F, R>(&self, runtime: &scheduler::Handle, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let task = BlockingTask {
            f: Some(f),
            runtime: runtime.clone(),
            #[cfg(feature = "time")]
            inhibit: runtime
                .time_handle()
                .and_then(|time| time.inhibit_auto_advance()),
        };
        let (join, notified) = task::bind(&self.inner.owned, task, self.clone());
        if let Some(notified) = notified {
            self.schedule(notified);
        }
        join
    }

    /// As `spawn_blocking`, but never waits for a free thread: starts one
    /// past `max_threads` if none is idle. For the runtime's own long-lived
    /// threads (multi-thread workers), which must not eat the user's cap.
    #[cfg(feature = "rt-multi-thread")]
    pub(crate) fn spawn_mandatory<F>(&self, runtime: &scheduler::Handle, f: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let task = BlockingTask {
            f: Some(f),
            runtime: runtime.clone(),
            #[cfg(feature = "time")]
            inhibit: None,
        };
        let (join, notified) = task::bind(&self.inner.owned, task, self.clone());
        drop(join);
        if let Some(notified) = notified {
            self.start_mandatory(notified);
        }
    }

    /// Rule 5: a new thread for a mandatory task, past the cap.
    #[cfg(feature = "rt-multi-thread")]
    fn start_mandatory(&self, task: Notified<Self>) {
        let mut state = self.inner.state.lock().unwrap();
        if state.shutdown {
            drop(state);
            drop(task);
            return;
        }
        state.threads += 1;
        drop(state);
        if let Err((err, task)) = self.start_thread(Some(task)) {
            let mut state = self.inner.state.lock().unwrap();
            state.threads -= 1;
            drop(state);
            self.inner.exited.notify_all();
            drop(task);
            panic!("failed to spawn a blocking pool thread: {err}");
        }
    }

    /// Threads alive in the pool, and how many of them are idle.
    pub(crate) fn thread_counts(&self) -> (usize, usize) {
        let state = self.inner.state.lock().unwrap();
        (state.threads, state.idle)
    }

    /// Starts a thread, already counted in `threads` by the caller, who
    /// holds no pool lock (rule 4). A `first` task (rule 5) runs before the
    /// thread serves the queue; if the thread cannot start it is handed back.
    fn start_thread(
        &self,
        first: Option<Notified<Spawner>>,
    ) -> Result<(), (io::Error, Option<Notified<Spawner>>)> {
        let config = &self.inner.config;
        let name = match first {
            Some(_) => (config.worker_thread_name)(),
            None => (config.thread_name)(),
        };
        let mut builder = std::thread::Builder::new().name(name);
        if let Some(size) = config.stack_size {
            builder = builder.stack_size(size);
        }
        let spawner = self.clone();
        let slot: HandleSlot = Arc::new(Mutex::new(None));
        let own_slot = slot.clone();
        // Held across the spawn: the thread cannot take its handle before
        // it is filed.
        let mut filed = slot.lock().unwrap();
        // The task travels in a shared cell so a failed spawn can return it.
        let first = Arc::new(Mutex::new(first));
        let first_for_thread = first.clone();
        let spawned = builder.spawn(move || {
            let first = first_for_thread.lock().unwrap().take();
            drop(first_for_thread);
            spawner.run_thread(own_slot, first)
        });
        match spawned {
            Ok(handle) => {
                *filed = Some(handle);
                Ok(())
            }
            Err(err) => Err((err, first.lock().unwrap().take())),
        }
    }

    /// A pool thread's life: rules 1, 2, 4 and 5.
    fn run_thread(self, own_slot: HandleSlot, first: Option<Notified<Spawner>>) {
        /// Leaves the count and joins the chain (rule 4) when dropped, so
        /// a hook that panics still leaves it.
        struct LeaveCount<'a> {
            inner: &'a Inner,
            own_slot: HandleSlot,
        }
        impl Drop for LeaveCount<'_> {
            fn drop(&mut self) {
                let own = self
                    .own_slot
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                let mut state = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
                state.threads -= 1;
                let previous = std::mem::replace(&mut state.last_exited, own);
                drop(state);
                self.inner.exited.notify_all();
                if let Some(previous) = previous {
                    let _ = previous.join();
                }
            }
        }

        let inner = &*self.inner;
        let _leave = LeaveCount { inner, own_slot };
        if let Some(hook) = &inner.config.on_thread_start {
            hook();
        }
        if let Some(task) = first {
            task.run();
        }
        let state = inner.state.lock().unwrap();
        let state = self.serve(state);
        drop(state);
        // Rule 4: the last user code runs while the thread still counts.
        if let Some(hook) = &inner.config.on_thread_stop {
            hook();
        }
    }

    /// Runs queued tasks until shutdown or until idle for `keep_alive`.
    fn serve<'a>(
        &'a self,
        mut state: crate::loom::MutexGuard<'a, PoolState>,
    ) -> crate::loom::MutexGuard<'a, PoolState> {
        let inner = &*self.inner;
        loop {
            if let Some(task) = state.queue.pop_front() {
                drop(state);
                task.run();
                // After the completion's wake (see `FINISHED_INHIBIT`).
                #[cfg(feature = "time")]
                drop(FINISHED_INHIBIT.try_with(|slot| slot.take()));
                state = inner.state.lock().unwrap();
                continue;
            }
            if state.shutdown {
                break;
            }
            state.idle += 1;
            let (next, timeout) = inner
                .work
                .wait_timeout(state, inner.config.keep_alive)
                .unwrap();
            state = next;
            state.idle -= 1;
            if state.pending_wakeups > 0 {
                state.pending_wakeups -= 1;
            } else if timeout.timed_out() && state.queue.is_empty() {
                break;
            }
        }
        state
    }
}

impl Schedule for Spawner {
    fn schedule(&self, task: Notified<Self>) {
        self.push(task);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.inner.owned.remove(task)
    }
}

impl Spawner {
    /// Rule 1.
    fn push(&self, task: Notified<Self>) {
        let mut state = self.inner.state.lock().unwrap();
        if state.shutdown {
            drop(state);
            drop(task);
            return;
        }
        state.queue.push_back(task);
        if state.idle > state.pending_wakeups {
            state.pending_wakeups += 1;
            drop(state);
            self.inner.work.notify_one();
        } else if state.threads < self.inner.config.max_threads {
            state.threads += 1;
            drop(state);
            if let Err((err, _)) = self.start_thread(None) {
                // No thread: the task stays queued for an existing thread;
                // with none at all, say why before it waits forever.
                let mut state = self.inner.state.lock().unwrap();
                state.threads -= 1;
                let none_left = state.threads == 0;
                drop(state);
                self.inner.exited.notify_all();
                if none_left {
                    panic!("failed to spawn a blocking pool thread: {err}");
                }
            }
        }
    }
}

/// The future of a `spawn_blocking` task: runs the closure when polled.
struct BlockingTask<F> {
    f: Option<F>,
    runtime: scheduler::Handle,
    /// While the closure may still run, a paused clock does not jump ahead
    /// by itself (the closure may be about to set a timer). Handed to
    /// [`FINISHED_INHIBIT`] when the closure returns, so it lasts until the
    /// task has completed and woken whoever awaits its handle.
    #[cfg(feature = "time")]
    inhibit: Option<AutoAdvanceInhibit>,
}

#[cfg(feature = "time")]
std::thread_local! {
    /// The auto-advance inhibit of the blocking task this thread just ran:
    /// dropped by the pool thread once `run` returned, that is after the
    /// task's completion woke the task awaiting its `JoinHandle`. Dropped
    /// with the future instead (before that wake), it would let an idle
    /// runtime with a paused clock jump ahead between the closure's return
    /// and the awaiting task's next poll, as tokio's pool does not either.
    static FINISHED_INHIBIT: std::cell::Cell<Option<AutoAdvanceInhibit>> =
        const { std::cell::Cell::new(None) };
}

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.f.take().expect("a blocking task is polled once");
        let _current = context::try_set_current(&self.runtime);
        let output = f();
        #[cfg(feature = "time")]
        if let Some(inhibit) = self.inhibit.take() {
            // A closure that panics drops its inhibit in the unwind instead:
            // the panic is reported through the same completion either way.
            let _ = FINISHED_INHIBIT.try_with(|slot| slot.set(Some(inhibit)));
        }
        Poll::Ready(output)
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (threads, idle) = self.thread_counts();
        f.debug_struct("Spawner")
            .field("threads", &threads)
            .field("idle", &idle)
            .finish()
    }
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.spawner.fmt(f)
    }
}

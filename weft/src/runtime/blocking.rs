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
//!    destructor any more, and the threads are gone. The join handles live
//!    under the lock: a thread is started with the lock held, so its handle
//!    is filed before the thread can look for it. A thread that retires
//!    while the pool runs (rule 2) cannot join itself: it leaves its handle
//!    in `last_exited` and joins the one it replaces, so the retired threads
//!    form a chain that the next exit, or shutdown, finishes (tokio's pool
//!    does the same).
//!
//! Lock-protected state lives in [`PoolState`]; the pool's threads and
//! `spawn_blocking` callers meet only under its mutex and condvar.

use super::builder::{Callback, ThreadNameFn};
use super::{context, scheduler};
use crate::loom::{Condvar, Mutex};
use crate::task::list::OwnedTasks;
use crate::task::{self, JoinHandle, Notified, Schedule, Task};
use std::collections::{HashMap, VecDeque};
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
    pub(crate) thread_name: ThreadNameFn,
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
    /// Rule 4: the handles of the threads still counted, by thread number.
    handles: HashMap<usize, ThreadHandle<()>>,
    /// Rule 4: the thread that left the count last; whoever replaces it
    /// joins it.
    last_exited: Option<ThreadHandle<()>>,
    /// Numbers the threads for `handles`.
    next_thread: usize,
}

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
                handles: HashMap::new(),
                last_exited: None,
                next_thread: 0,
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
            _inhibit: runtime
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
    pub(crate) fn spawn_mandatory<F>(&self, runtime: &scheduler::Handle, f: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let task = BlockingTask {
            f: Some(f),
            runtime: runtime.clone(),
            _inhibit: None,
        };
        let (join, notified) = task::bind(&self.inner.owned, task, self.clone());
        drop(join);
        if let Some(notified) = notified {
            self.push(notified, true);
        }
    }

    /// Threads alive in the pool, and how many of them are idle.
    pub(crate) fn thread_counts(&self) -> (usize, usize) {
        let state = self.inner.state.lock().unwrap();
        (state.threads, state.idle)
    }

    /// Starts a thread with the lock held (rule 4: its handle is filed
    /// before it can exit) and counts it.
    fn start_thread(&self, state: &mut PoolState) -> io::Result<()> {
        let config = &self.inner.config;
        let mut builder = std::thread::Builder::new().name((config.thread_name)());
        if let Some(size) = config.stack_size {
            builder = builder.stack_size(size);
        }
        let spawner = self.clone();
        let number = state.next_thread;
        let handle = builder.spawn(move || spawner.run_thread(number))?;
        state.next_thread = state.next_thread.wrapping_add(1);
        state.handles.insert(number, handle);
        state.threads += 1;
        Ok(())
    }

    /// A pool thread's life: rules 1, 2 and 4.
    fn run_thread(self, number: usize) {
        let inner = &*self.inner;
        if let Some(hook) = &inner.config.on_thread_start {
            hook();
        }
        let state = inner.state.lock().unwrap();
        let state = self.serve(state);
        drop(state);
        // Rule 4: the last user code runs while the thread still counts.
        if let Some(hook) = &inner.config.on_thread_stop {
            hook();
        }
        let mut state = inner.state.lock().unwrap();
        state.threads -= 1;
        let own = state.handles.remove(&number);
        let previous = std::mem::replace(&mut state.last_exited, own);
        drop(state);
        inner.exited.notify_all();
        if let Some(previous) = previous {
            let _ = previous.join();
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
        self.push(task, false);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.inner.owned.remove(task)
    }
}

impl Spawner {
    /// Rule 1; `mandatory` tasks may start a thread past the cap.
    fn push(&self, task: Notified<Self>, mandatory: bool) {
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
        } else if mandatory || state.threads < self.inner.config.max_threads {
            if let Err(err) = self.start_thread(&mut state) {
                // No thread: the task stays queued for an existing thread;
                // with none at all, say why before it waits forever.
                if state.threads == 0 || mandatory {
                    drop(state);
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
    /// by itself (the closure may be about to set a timer).
    _inhibit: Option<crate::time::driver::AutoAdvanceInhibit>,
}

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.f.take().expect("a blocking task is polled once");
        let _current = context::try_set_current(&self.runtime);
        Poll::Ready(f())
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

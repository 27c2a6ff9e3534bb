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
//! 3. Shutdown stops accepting work and waits, up to the given timeout,
//!    for the pool to run what it holds: closures running (they cannot be
//!    interrupted) and queued alike, since a thread takes the queued tasks
//!    of its lane before it looks at the shutdown (as tokio's pool: a
//!    `spawn_blocking` made before the shutdown runs, and its handle gets
//!    the output). Threads still busy after the timeout are left detached
//!    and exit once their lane's queue is empty.
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
//! 5. Threads come in two kinds, each with its own queue, idle count and
//!    condvar (a [`Lane`]): *blocking* threads run `spawn_blocking`
//!    closures, *worker* threads run mandatory tasks (multi-thread
//!    workers, at build and at each `block_in_place` hand-off). A thread is
//!    named for its kind when it starts and serves only its kind's lane,
//!    so a worker never lands on a thread named as a blocking thread; a
//!    worker thread left idle by a hand-off is reused by the next one.
//!    Rules 1 and 2 hold per lane; mandatory tasks ignore the cap.
//!
//! Lock-protected state lives in [`PoolState`]; the pool's threads and
//! `spawn_blocking` callers meet only under its mutex and condvars.

use super::builder::{Callback, ThreadNameFn};
use super::{context, scheduler};
use crate::loom::{Condvar, Mutex};
use crate::runtime::task::list::OwnedTasks;
use crate::runtime::task::{self, JoinHandle, Notified, Schedule, SpawnMeta, Task};
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
    /// Per kind (rule 5): signalled when work of that kind arrives or
    /// shutdown starts.
    work: [Condvar; 2],
    /// Signalled when a thread exits, for shutdown's wait.
    exited: Condvar,
    owned: OwnedTasks<Spawner>,
    config: PoolConfig,
}

/// What a pool thread was started for (rule 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blocking = 0,
    Worker = 1,
}

/// The queue and idle threads of one kind (rule 5).
#[derive(Default)]
struct Lane {
    queue: VecDeque<Notified<Spawner>>,
    idle: usize,
    /// Wake-ups sent to idle threads and not yet taken.
    pending_wakeups: usize,
}

/// Guarded by `Inner::state`.
struct PoolState {
    lanes: [Lane; 2],
    /// Threads of both kinds.
    threads: usize,
    /// Threads per kind (indexed by `Kind`), for `RuntimeMetrics`.
    threads_of_kind: [usize; 2],
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
                lanes: [Lane::default(), Lane::default()],
                threads: 0,
                threads_of_kind: [0, 0],
                shutdown: false,
                waited: false,
                last_exited: None,
            }),
            work: [Condvar::new(), Condvar::new()],
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

    /// Rule 3, first half: refuses new work; what is queued still runs.
    /// The runtime calls this before stopping its scheduler. (A worker
    /// thread freed by the stop serves only the worker lane, rule 5; a
    /// worker task queued there runs, sees the scheduler stopped and ends.)
    pub(crate) fn close(&self) {
        let inner = &self.spawner.inner;
        {
            let mut state = inner.state.lock().unwrap();
            if state.shutdown {
                return;
            }
            state.shutdown = true;
        }
        inner.owned.close();
        // Idle threads look at the shutdown (and at their queue) again.
        for work in &inner.work {
            work.notify_all();
        }
    }

    /// Rule 3: `close`, then waits for the threads to run what the pool
    /// holds and exit; `None` waits for every one.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        let inner = &self.spawner.inner;
        self.close();
        // A timeout too far to be an `Instant` (`Duration::MAX`) is no
        // deadline at all: wait as long as it takes.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
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
    pub(crate) fn spawn_blocking<F, R>(
        &self,
        runtime: &scheduler::Handle,
        f: F,
        meta: SpawnMeta<'_>,
    ) -> JoinHandle<R>
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
        let meta = meta.task_meta(runtime.config().track_tasks, task::SpawnKind::Blocking);
        let (join, notified) = task::bind(&self.inner.owned, task, self.clone(), meta);
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
        let (join, notified) = task::bind(&self.inner.owned, task, self.clone(), None);
        drop(join);
        if let Some(notified) = notified {
            self.push(notified, Kind::Worker);
        }
    }

    /// Threads alive in the pool, and how many of them are idle.
    pub(crate) fn thread_counts(&self) -> (usize, usize) {
        let state = self.inner.state.lock().unwrap();
        (
            state.threads,
            state.lanes.iter().map(|lane| lane.idle).sum(),
        )
    }

    /// For `RuntimeMetrics`: the blocking threads (the worker lane's
    /// excluded, rule 5), the idle ones among them, and the closures
    /// queued for them.
    pub(crate) fn blocking_counts(&self) -> (usize, usize, usize) {
        let state = self.inner.state.lock().unwrap();
        let lane = &state.lanes[Kind::Blocking as usize];
        (
            state.threads_of_kind[Kind::Blocking as usize],
            lane.idle,
            lane.queue.len(),
        )
    }

    /// Starts a thread of `kind`, already counted in `threads` by the
    /// caller, who holds no pool lock (rule 4).
    fn start_thread(&self, kind: Kind) -> io::Result<()> {
        let config = &self.inner.config;
        let name = match kind {
            Kind::Blocking => (config.thread_name)(),
            Kind::Worker => (config.worker_thread_name)(),
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
        *filed = Some(builder.spawn(move || spawner.run_thread(own_slot, kind))?);
        Ok(())
    }

    /// A pool thread's life: rules 1, 2, 4 and 5.
    fn run_thread(self, own_slot: HandleSlot, kind: Kind) {
        /// Leaves the count and joins the chain (rule 4) when dropped, so
        /// a hook that panics still leaves it.
        struct LeaveCount<'a> {
            inner: &'a Inner,
            own_slot: HandleSlot,
            kind: Kind,
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
                state.threads_of_kind[self.kind as usize] -= 1;
                let previous = std::mem::replace(&mut state.last_exited, own);
                drop(state);
                self.inner.exited.notify_all();
                if let Some(previous) = previous {
                    let _ = previous.join();
                }
            }
        }

        let inner = &*self.inner;
        let _leave = LeaveCount {
            inner,
            own_slot,
            kind,
        };
        if let Some(hook) = &inner.config.on_thread_start {
            hook();
        }
        let state = inner.state.lock().unwrap();
        let state = self.serve(state, kind);
        drop(state);
        // Rule 4: the last user code runs while the thread still counts.
        if let Some(hook) = &inner.config.on_thread_stop {
            hook();
        }
    }

    /// Runs the tasks queued in `kind`'s lane until shutdown or until
    /// idle for `keep_alive`.
    fn serve<'a>(
        &'a self,
        mut state: crate::loom::MutexGuard<'a, PoolState>,
        kind: Kind,
    ) -> crate::loom::MutexGuard<'a, PoolState> {
        let inner = &*self.inner;
        let k = kind as usize;
        loop {
            if let Some(task) = state.lanes[k].queue.pop_front() {
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
            state.lanes[k].idle += 1;
            let (next, timeout) = inner.work[k]
                .wait_timeout(state, inner.config.keep_alive)
                .unwrap();
            state = next;
            let lane = &mut state.lanes[k];
            lane.idle -= 1;
            if lane.pending_wakeups > 0 {
                lane.pending_wakeups -= 1;
            } else if timeout.timed_out() && lane.queue.is_empty() {
                break;
            }
        }
        state
    }
}

impl Schedule for Spawner {
    fn schedule(&self, task: Notified<Self>) {
        self.push(task, Kind::Blocking);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.inner.owned.remove(task)
    }
}

impl Spawner {
    /// Rules 1 and 5: worker tasks may start a thread past the cap.
    fn push(&self, task: Notified<Self>, kind: Kind) {
        let mut state = self.inner.state.lock().unwrap();
        if state.shutdown {
            // Bound just before the pool closed: no thread may be left to
            // run it, so it is cancelled (its handle says so).
            drop(state);
            task.shutdown();
            return;
        }
        let k = kind as usize;
        let lane = &mut state.lanes[k];
        lane.queue.push_back(task);
        if lane.idle > lane.pending_wakeups {
            lane.pending_wakeups += 1;
            drop(state);
            self.inner.work[k].notify_one();
        } else if kind == Kind::Worker || state.threads < self.inner.config.max_threads {
            state.threads += 1;
            state.threads_of_kind[k] += 1;
            drop(state);
            if let Err(err) = self.start_thread(kind) {
                // No thread: the task stays queued for an existing thread;
                // with none at all, say why before it waits forever.
                let mut state = self.inner.state.lock().unwrap();
                state.threads -= 1;
                state.threads_of_kind[k] -= 1;
                let none_left = state.threads == 0;
                drop(state);
                self.inner.exited.notify_all();
                if none_left || kind == Kind::Worker {
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
    /// [`FINISHED_INHIBIT`] when the closure returns or panics, so it lasts
    /// until the task has completed and woken whoever awaits its handle.
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
        // Dropped when the closure returns, and in the unwind if it panics:
        // a panic is reported through the same completion, which must
        // come before the clock may jump (tokio's
        // `panicking_blocking_task_wakes_paused_runtime`).
        #[cfg(feature = "time")]
        let _hand_off = HandOffInhibit(self.inhibit.take());
        Poll::Ready(f())
    }
}

/// Hands a blocking task's inhibit to [`FINISHED_INHIBIT`] when dropped.
#[cfg(feature = "time")]
struct HandOffInhibit(Option<AutoAdvanceInhibit>);

#[cfg(feature = "time")]
impl Drop for HandOffInhibit {
    fn drop(&mut self) {
        if let Some(inhibit) = self.0.take() {
            let _ = FINISHED_INHIBIT.try_with(|slot| slot.set(Some(inhibit)));
        }
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

#[cfg(all(test, feature = "test-util", not(weft_loom)))]
mod tests {
    use super::*;

    /// A closure that panics still leaves its task's inhibit for the pool
    /// thread to drop after the completion's wake; dropped with the
    /// future, before that wake, it let a paused clock jump ahead of the
    /// task awaiting the handle.
    #[test]
    fn a_panicking_closure_hands_its_inhibit_off() {
        let rt = crate::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let runtime = rt.handle().inner.clone();
        let inhibit = runtime
            .time_handle()
            .and_then(|time| time.inhibit_auto_advance());
        assert!(inhibit.is_some(), "a paused clock gives an inhibit");
        let mut task = BlockingTask {
            f: Some(|| panic!("the closure panics")),
            runtime,
            inhibit,
        };
        let waker = std::task::Waker::noop();
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _: Poll<()> = Pin::new(&mut task).poll(&mut Context::from_waker(waker));
        }));
        assert!(polled.is_err());
        assert!(task.inhibit.is_none());
        let handed_off = FINISHED_INHIBIT.with(|slot| slot.take());
        assert!(handed_off.is_some(), "the inhibit went with the unwind");
    }
}

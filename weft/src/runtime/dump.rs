//! Task dumps: a snapshot of every task of a runtime, from
//! [`Handle::dump`](crate::runtime::Handle::dump).
//!
//! A [`Dump`] lists each live task with its [id](Task::id), and, for a
//! *tracked* task (one with a name, or every task of a runtime built with
//! [`Builder::enable_task_tracking`](crate::runtime::Builder::enable_task_tracking)),
//! its [name](Task::name), [spawn location](Task::location),
//! [polls](Task::polls), [time since its last poll](Task::since_last_poll)
//! and [what it waits on](Task::waiting_on). Every task shows its
//! [state](Task::state). The dump's `Debug` and `Display` print one line
//! per task:
//!
//! ```text
//! task dump of runtime 1: 3 tasks
//!   task 2 "ticker" at src/main.rs:12:5: idle, polls 4, last poll 250ms ago, waiting on timer (deadline in 750ms)
//!   task 3 "conn" at src/main.rs:20:9: idle, polls 1, last poll 1.2s ago, waiting on fd 9 read
//!   task 4: scheduled (untracked)
//! ```
//!
//! ```
//! use std::time::Duration;
//!
//! # #[weft::main(flavor = "current_thread")]
//! # async fn main() {
//! let ticker = weft::task::Builder::new()
//!     .name("ticker")
//!     .spawn(async { weft::time::sleep(Duration::from_secs(60)).await })
//!     .unwrap();
//! weft::task::yield_now().await;
//! let dump = weft::runtime::Handle::current().dump().await;
//! println!("{dump}");
//! for task in dump.tasks().iter() {
//!     println!("{}: {:?} {:?}", task.id(), task.name(), task.state());
//! }
//! ticker.abort();
//! # }
//! ```
//!
//! # What a dump includes
//!
//! Every task spawned on the runtime (`spawn`, `Handle::spawn`,
//! `JoinSet`, `task::Builder`, ...) that has not completed, and the tasks
//! of the [`LocalSet`](crate::task::LocalSet)s created inside the runtime
//! or driven by it (a [`LocalRuntime`](crate::runtime::LocalRuntime)'s
//! `spawn_local` tasks among them). Not included: `spawn_blocking`
//! closures (they are threads, not tasks that wait; tokio's dumps leave
//! them out too), futures that are not tasks (the future given to
//! `block_on`, branches of `join!`/`select!`, which are part of their
//! task), tasks of a `LocalSet` that was created outside every runtime
//! and has not been driven yet, and tasks of other runtimes.
//!
//! # Consistency
//!
//! A dump may be taken at any time, from any thread (a task, a
//! `spawn_blocking` closure, a plain thread through `Handle::block_on` or
//! any executor): the future is ready at its first poll and needs no
//! runtime. It walks each owner list once with that list's lock held, the
//! lock `spawn` and task completion take once each, and reads only the
//! atomics each task keeps: it never waits for a running poll, and a
//! worker blocked inside a poll does not delay it (that task shows as
//! [`Running`](TaskState::Running)). A task appears at most once, and
//! every task listed was alive at the instant its list was walked. Values
//! of tasks running meanwhile may be one poll old.
//!
//! # Differences from tokio
//!
//! tokio's dumps (behind `--cfg tokio_unstable` and `--cfg
//! tokio_taskdump`, Linux only) stop every worker and re-poll each task in
//! a tracing mode to capture a backtrace-like [`Trace`] of the `.await`
//! points it is suspended at; they never finish while a worker is blocked.
//! weft's dumps are stable API and stop nothing: instead of backtraces,
//! the leaf futures of weft (timers, I/O readiness, `weft::sync`,
//! `JoinHandle`s) record what they wait on as they return `Pending`, and
//! [`Task::trace`] shows that list. It is cheaper (no re-poll, no
//! unwinding) and works while workers are stuck, but it does not show the
//! user's own `async fn` frames, only where the task's waits end; a task
//! waiting on a future weft does not know (a channel of another crate)
//! shows no entry. tokio's [`Trace::capture`]-style tracing of arbitrary
//! futures and its backtrace types have no counterpart. A dump also
//! carries what tokio's does not: names, spawn locations, states, poll
//! counts and the time since the last poll.
//!
//! [`Trace::capture`]: https://docs.rs/tokio/1/tokio/runtime/dump/struct.Trace.html

use crate::runtime::scheduler;
use crate::runtime::task::raw::RawTask;
use crate::runtime::task::wait_record::WaitRecord;
use crate::runtime::task::{clock_ns, Id};
use std::fmt;
use std::panic::Location;
use std::time::{Duration, Instant};

pub use crate::runtime::waiting_on::{IoDirection, SyncKind, WaitingOn};

/// A snapshot of a runtime's tasks, returned by
/// [`Handle::dump`](crate::runtime::Handle::dump). Its `Debug` and
/// `Display` list the tasks one per line.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let task = weft::spawn(std::future::pending::<()>());
/// let dump = weft::runtime::Handle::current().dump().await;
/// assert!(dump.tasks().iter().any(|t| t.id() == task.id()));
/// task.abort();
/// # }
/// ```
pub struct Dump {
    tasks: Tasks,
    runtime: crate::runtime::Id,
    runtime_name: Option<std::sync::Arc<str>>,
}

/// The tasks of a [`Dump`], in the order of their ids (the order in which
/// each thread spawned them; see [`task::Id`](crate::task::Id)).
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let dump = weft::runtime::Handle::current().dump().await;
/// assert_eq!(dump.tasks().iter().count(), 0); // `main`'s future is no task
/// # }
/// ```
pub struct Tasks {
    tasks: Vec<Task>,
}

/// One task of a [`Dump`].
///
/// The id and state are known for every task; the rest only for tracked
/// tasks (named ones, or all of a runtime built with
/// [`Builder::enable_task_tracking`](crate::runtime::Builder::enable_task_tracking)).
///
/// # Examples
///
/// ```
/// use weft::runtime::dump::TaskState;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let line = line!() + 1;
/// let task = weft::task::Builder::new().name("worker").spawn(async {}).unwrap();
/// let dump = weft::runtime::Handle::current().dump().await;
/// let listed = dump.tasks().iter().find(|t| t.id() == task.id()).unwrap();
/// assert_eq!(listed.name(), Some("worker"));
/// assert_eq!(listed.location().unwrap().line(), line);
/// assert_eq!(listed.state(), TaskState::Scheduled); // spawned, not yet polled
/// assert_eq!(listed.polls(), Some(0));
/// task.await.unwrap();
/// # }
/// ```
pub struct Task {
    id: Id,
    state: TaskState,
    tracked: Option<Tracked>,
    trace: Trace,
}

/// What only a tracked task has.
struct Tracked {
    name: Option<Box<str>>,
    location: &'static Location<'static>,
    polls: u64,
    since_last_poll: Option<Duration>,
}

/// Where a task is in its life, from its state word at the dump.
///
/// # Examples
///
/// ```
/// use weft::runtime::dump::TaskState;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let me = weft::spawn(async {
///     let dump = weft::runtime::Handle::current().dump().await;
///     let me = weft::task::id();
///     let state = dump.tasks().iter().find(|t| t.id() == me).unwrap().state();
///     state
/// });
/// assert_eq!(me.await.unwrap(), TaskState::Running);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting to be woken: not queued, not being polled.
    Idle,
    /// Woken (or just spawned) and queued, not yet polled again.
    Scheduled,
    /// Being polled by some thread right now (or its future being
    /// dropped by an abort or shutdown).
    Running,
    /// Its future is done; the output is being handed to its
    /// `JoinHandle` and the task is about to leave the runtime.
    Completing,
}

/// What a task waits on, weft's counterpart of tokio's task trace: the
/// leaf futures (timers, I/O readiness, `weft::sync` primitives,
/// `JoinHandle`s) at which the task's last poll stopped. See the module's
/// "Differences from tokio".
///
/// Its `Display` is one line: `waiting on timer (deadline in 2s), fd 7
/// read`, `waiting on nothing weft knows`, `not recorded (untracked task)`.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let lock = std::sync::Arc::new(weft::sync::Mutex::new(()));
/// let guard = lock.clone().lock_owned().await;
/// let waiter = weft::task::Builder::new()
///     .name("waiter")
///     .spawn(async move { drop(lock.lock().await) })
///     .unwrap();
/// weft::task::yield_now().await;
/// let dump = weft::runtime::Handle::current().dump().await;
/// let task = dump.tasks().iter().find(|t| t.name() == Some("waiter")).unwrap();
/// assert_eq!(task.trace().to_string(), "waiting on mutex");
/// drop(guard);
/// waiter.await.unwrap();
/// # }
/// ```
#[derive(Clone)]
pub struct Trace {
    waits: TraceWaits,
    /// The runtime's clock when the dump was taken (for deadlines).
    now: Instant,
}

#[derive(Clone)]
enum TraceWaits {
    /// An untracked task: nothing is recorded.
    Untracked,
    /// The record changed under every attempt to read it.
    Unavailable,
    Recorded {
        entries: Vec<WaitingOn>,
        /// Entries past the ones kept.
        dropped: u32,
    },
}

impl Dump {
    /// Takes a dump of `handle`'s runtime: one pass over each owner list.
    pub(crate) fn capture(handle: &scheduler::Handle) -> Dump {
        let now_ns = clock_ns();
        let now = runtime_now(handle);
        let mut tasks = Vec::with_capacity(handle.alive_tasks());
        let mut add = |raw: RawTask| tasks.push(Task::capture(raw, now_ns, now));
        handle.for_each_task(&mut add);
        handle.local_sets().for_each_task(&mut add);
        tasks.sort_unstable_by_key(Task::id);
        Dump {
            tasks: Tasks { tasks },
            runtime: handle.config().id,
            runtime_name: handle.config().name.clone(),
        }
    }

    /// The tasks in this dump.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let a = weft::spawn(std::future::pending::<()>());
    /// let b = weft::spawn(std::future::pending::<()>());
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// let ids: Vec<_> = dump.tasks().iter().map(|t| t.id()).collect();
    /// assert_eq!(ids, [a.id(), b.id()]);
    /// # a.abort();
    /// # b.abort();
    /// # }
    /// ```
    pub fn tasks(&self) -> &Tasks {
        &self.tasks
    }
}

impl Tasks {
    /// Iterates over the tasks, in the order of their ids.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::dump::TaskState;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let task = weft::spawn(async {});
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// let scheduled = dump.tasks().iter().filter(|t| t.state() == TaskState::Scheduled);
    /// assert_eq!(scheduled.count(), 1);
    /// task.await.unwrap();
    /// # }
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter()
    }
}

impl Task {
    /// Reads one task of an owner list being walked (`OwnedTasks::for_each`).
    fn capture(raw: RawTask, now_ns: u64, now: Instant) -> Task {
        let state = raw.dump_state();
        let (tracked, waits) = match raw.meta() {
            None => (None, TraceWaits::Untracked),
            Some(meta) => {
                let tracked = Tracked {
                    name: meta.name().map(Box::from),
                    location: meta.location(),
                    polls: meta.polls(),
                    since_last_poll: meta
                        .last_poll_ns()
                        .map(|last| Duration::from_nanos(now_ns.saturating_sub(last))),
                };
                let waits = match meta.wait_record().map(WaitRecord::read) {
                    None => TraceWaits::Recorded {
                        entries: Vec::new(),
                        dropped: 0,
                    },
                    Some(None) => TraceWaits::Unavailable,
                    Some(Some(waits)) => TraceWaits::Recorded {
                        entries: waits.entries().collect(),
                        dropped: waits.dropped(),
                    },
                };
                (Some(tracked), waits)
            }
        };
        Task {
            id: raw.id(),
            state,
            tracked,
            trace: Trace { waits, now },
        }
    }

    /// The task's id, as [`task::id`](crate::task::id) returns inside it
    /// and [`JoinHandle::id`](crate::task::JoinHandle::id) outside.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let task = weft::spawn(async {});
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// assert_eq!(dump.tasks().iter().next().unwrap().id(), task.id());
    /// # task.await.unwrap();
    /// # }
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }

    /// The name given with [`task::Builder::name`](crate::task::Builder::name),
    /// if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let task = weft::task::Builder::new().name("named").spawn(async {}).unwrap();
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// assert_eq!(dump.tasks().iter().next().unwrap().name(), Some("named"));
    /// # task.await.unwrap();
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.tracked.as_ref()?.name.as_deref()
    }

    /// Where the task was spawned (the caller of `spawn`, `spawn_local`,
    /// `JoinSet::spawn`, `task::Builder::spawn`, ...); `None` for an
    /// untracked task.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let line = line!() + 1;
    /// let task = weft::task::Builder::new().name("here").spawn(async {}).unwrap();
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// let location = dump.tasks().iter().next().unwrap().location().unwrap();
    /// assert_eq!((location.file(), location.line()), (file!(), line));
    /// # task.await.unwrap();
    /// # }
    /// ```
    pub fn location(&self) -> Option<&'static Location<'static>> {
        Some(self.tracked.as_ref()?.location)
    }

    /// Where the task was in its life when the dump was taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::dump::TaskState;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let task = weft::spawn(std::future::pending::<()>());
    /// weft::task::yield_now().await; // it runs once and waits
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// assert_eq!(dump.tasks().iter().next().unwrap().state(), TaskState::Idle);
    /// # task.abort();
    /// # }
    /// ```
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// How many polls of the task have started; `None` for an untracked
    /// task.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let task = weft::task::Builder::new()
    ///     .name("twice")
    ///     .spawn(async {
    ///         weft::task::yield_now().await;
    ///         std::future::pending::<()>().await
    ///     })
    ///     .unwrap();
    /// for _ in 0..3 {
    ///     weft::task::yield_now().await;
    /// }
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// assert_eq!(dump.tasks().iter().next().unwrap().polls(), Some(2));
    /// # task.abort();
    /// # }
    /// ```
    pub fn polls(&self) -> Option<u64> {
        Some(self.tracked.as_ref()?.polls)
    }

    /// How long ago the task's last poll started (for a running task: how
    /// long the current poll has run so far), on the coarse monotonic
    /// clock task tracking uses (a few milliseconds of resolution);
    /// `None` for an untracked task or one never polled.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let task = weft::task::Builder::new()
    ///     .name("idle")
    ///     .spawn(std::future::pending::<()>())
    ///     .unwrap();
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// assert_eq!(dump.tasks().iter().next().unwrap().since_last_poll(), None);
    /// weft::task::yield_now().await;
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// assert!(dump.tasks().iter().next().unwrap().since_last_poll().is_some());
    /// # task.abort();
    /// # }
    /// ```
    pub fn since_last_poll(&self) -> Option<Duration> {
        self.tracked.as_ref()?.since_last_poll
    }

    /// What the task waits on, as recorded by the leaf futures its last
    /// poll stopped at (at most four; see [`Trace`]). Empty for an
    /// untracked task, and for one that waits on nothing weft knows.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::dump::{SyncKind, WaitingOn};
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = weft::sync::mpsc::channel::<u32>(1);
    /// let task = weft::task::Builder::new()
    ///     .name("consumer")
    ///     .spawn(async move { rx.recv().await })
    ///     .unwrap();
    /// weft::task::yield_now().await;
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// let listed = dump.tasks().iter().next().unwrap();
    /// assert_eq!(listed.waiting_on(), [WaitingOn::Sync(SyncKind::MpscRecv)]);
    /// tx.send(1).await.unwrap();
    /// assert_eq!(task.await.unwrap(), Some(1));
    /// # }
    /// ```
    pub fn waiting_on(&self) -> &[WaitingOn] {
        match &self.trace.waits {
            TraceWaits::Recorded { entries, .. } => entries,
            TraceWaits::Untracked | TraceWaits::Unavailable => &[],
        }
    }

    /// What the task waits on, as a [`Trace`] (tokio's name; see the
    /// module's "Differences from tokio").
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let task = weft::spawn(std::future::pending::<()>());
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// let trace = dump.tasks().iter().next().unwrap().trace();
    /// assert_eq!(trace.to_string(), "not recorded (untracked task)");
    /// # task.abort();
    /// # }
    /// ```
    pub fn trace(&self) -> &Trace {
        &self.trace
    }
}

impl Trace {
    /// The entries: see [`Task::waiting_on`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let task = weft::spawn(async {});
    /// let dump = weft::runtime::Handle::current().dump().await;
    /// assert!(dump.tasks().iter().next().unwrap().trace().waiting_on().is_empty());
    /// # task.await.unwrap();
    /// # }
    /// ```
    pub fn waiting_on(&self) -> &[WaitingOn] {
        match &self.waits {
            TraceWaits::Recorded { entries, .. } => entries,
            TraceWaits::Untracked | TraceWaits::Unavailable => &[],
        }
    }
}

/// The runtime's clock now: its paused time under a paused test clock,
/// else the real one.
#[cfg(feature = "time")]
fn runtime_now(handle: &scheduler::Handle) -> Instant {
    handle
        .time_handle()
        .map_or_else(Instant::now, |time| time.clock().now())
}

/// Without timers there is only the real clock.
#[cfg(not(feature = "time"))]
fn runtime_now(_handle: &scheduler::Handle) -> Instant {
    Instant::now()
}

/// A duration as people read it: `850µs`, `12ms`, `1.5s`, `3m20s`.
struct Human(Duration);

impl fmt::Display for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d < Duration::from_millis(1) {
            write!(f, "{}µs", d.as_micros())
        } else if d < Duration::from_secs(1) {
            write!(f, "{}ms", d.as_millis())
        } else if d < Duration::from_secs(60) {
            write!(f, "{:.1}s", d.as_secs_f64())
        } else {
            write!(f, "{}m{}s", d.as_secs() / 60, d.as_secs() % 60)
        }
    }
}

/// One entry, with a timer's deadline relative to `now`.
struct Entry<'a>(&'a WaitingOn, Instant);

impl fmt::Display for Entry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self.0 {
            WaitingOn::Timer { deadline } => match deadline.checked_duration_since(self.1) {
                Some(ahead) => write!(f, "timer (deadline in {})", Human(ahead)),
                None => write!(
                    f,
                    "timer (deadline passed {} ago)",
                    Human(self.1.duration_since(deadline))
                ),
            },
            ref other => fmt::Display::fmt(other, f),
        }
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.waits {
            TraceWaits::Untracked => f.write_str("not recorded (untracked task)"),
            TraceWaits::Unavailable => f.write_str("not readable (changing during the dump)"),
            TraceWaits::Recorded { entries, .. } if entries.is_empty() => {
                f.write_str("waiting on nothing weft knows")
            }
            TraceWaits::Recorded { entries, dropped } => {
                f.write_str("waiting on ")?;
                for (i, entry) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", Entry(entry, self.now))?;
                }
                if *dropped > 0 {
                    write!(f, " and {dropped} more")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Trace({self})")
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Completing => "completing",
        })
    }
}

/// One line: `task 7 "name" at src/main.rs:3:5: idle, polls 2, last poll
/// 1.2s ago, waiting on timer (deadline in 3s)`.
impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        let Some(tracked) = &self.tracked else {
            return write!(f, ": {} (untracked)", self.state);
        };
        if let Some(name) = &tracked.name {
            write!(f, " {name:?}")?;
        }
        write!(
            f,
            " at {}: {}, polls {}",
            tracked.location, self.state, tracked.polls
        )?;
        if let Some(since) = tracked.since_last_poll {
            let what = if self.state == TaskState::Running {
                "polled for"
            } else {
                "last poll"
            };
            write!(f, ", {what} {}", Human(since))?;
            if self.state != TaskState::Running {
                f.write_str(" ago")?;
            }
        }
        write!(f, ", {}", self.trace)
    }
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id)
            .field("name", &self.name())
            .field("location", &self.location())
            .field("state", &self.state)
            .field("polls", &self.polls())
            .field("since_last_poll", &self.since_last_poll())
            .field("trace", &self.trace)
            .finish()
    }
}

impl fmt::Debug for Tasks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.tasks).finish()
    }
}

/// A header line, then one line per task.
impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task dump of runtime {}", self.runtime)?;
        if let Some(name) = &self.runtime_name {
            write!(f, " ({name:?})")?;
        }
        let count = self.tasks.tasks.len();
        write!(f, ": {count} task{}", if count == 1 { "" } else { "s" })?;
        for task in &self.tasks.tasks {
            write!(f, "\n  {task}")?;
        }
        Ok(())
    }
}

/// As `Display`: one line per task.
impl fmt::Debug for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The walk, small enough for Miri (`scripts/miri.sh`, filter
/// `runtime::dump`): dumps taken while another thread spawns tracked
/// tasks and aborts them (so they leave the owner list on that thread)
/// and this thread polls and completes others.
#[cfg(all(test, not(weft_loom)))]
mod tests {
    use crate::runtime::Builder;
    use std::collections::HashSet;

    #[test]
    fn walk_while_tasks_come_and_go_on_another_thread() {
        let rounds = if cfg!(miri) { 8 } else { 200 };
        let rt = Builder::new_current_thread()
            .enable_task_tracking()
            .build()
            .unwrap();
        let handle = rt.handle().clone();
        let churn = std::thread::spawn(move || {
            for n in 0..rounds {
                let idle = crate::task::Builder::new()
                    .name("churn")
                    .spawn_on(std::future::pending::<()>(), &handle)
                    .unwrap();
                let quick = handle.spawn(async move { n });
                if n % 2 == 0 {
                    idle.abort();
                }
                drop(quick);
            }
        });
        rt.block_on(async {
            let mut listed = 0;
            while !churn.is_finished() || listed == 0 {
                let dump = crate::runtime::Handle::current().dump().await;
                let mut seen = HashSet::new();
                for task in dump.tasks().iter() {
                    assert!(seen.insert(task.id()), "task {} listed twice", task.id());
                    assert!(task.polls().is_some(), "every task is tracked here");
                    if let Some(name) = task.name() {
                        assert_eq!(name, "churn");
                    }
                }
                listed += seen.len();
                crate::task::yield_now().await;
            }
        });
        churn.join().unwrap();
    }
}

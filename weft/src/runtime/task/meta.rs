//! What a tracked task records about itself: its name, where it was
//! spawned, how often and when it was last polled.
//!
//! # Design note
//!
//! Most tasks are never looked at, so the cell of an untracked task has no
//! room for any of this (it stays header + scheduler + stage, see
//! `task::raw`). A task is *tracked* when it was given a name
//! (`task::Builder::name`) or its runtime tracks every task
//! (`runtime::Builder::enable_task_tracking`, implied by long-poll
//! detection). Then its allocation starts with a [`TaskMeta`] placed right
//! before the usual cell:
//!
//! ```text
//! [ TaskMeta | Header | scheduler | stage ]
//!              ^ the task's pointer, as for every task
//! ```
//!
//! The cell's vtable says how far back the `TaskMeta` starts
//! (`Vtable::meta_offset`, 0 for untracked cells), so untyped code (dumps,
//! the long-poll watchdog, the poll loop) reaches it from the header in one
//! subtraction, and the typed code frees the right allocation.
//!
//! Rules:
//!
//! 1. `name` and `location` are written at spawn and never change: any
//!    thread holding a reference to the task may read them.
//! 2. `polls` and `last_poll_ns` are written only by the thread polling the
//!    task (which the state word makes one at a time), with relaxed stores;
//!    other threads read them with relaxed loads for reports, where a value
//!    one poll old is fine. Nothing is published through them.
//! 3. With the feature `tracing`, a task whose spawn span a subscriber
//!    enables is tracked too, and its span lives in `span` (the rules of
//!    that field are in `task::trace`).
//! 4. The queue-delay stamp (`scheduled_ns`) is written (relaxed) by the
//!    thread that queues the task, before it pushes the run-queue entry,
//!    and only on runtimes that measure queue delays
//!    (`Builder::enable_metrics_schedule_latency_histogram`). At most one
//!    entry of a task exists at a time (the state word's `NOTIFIED`), so
//!    there is one writer at a time; the queue's push and pop order the
//!    write before the read by the worker that pops the entry and polls
//!    the task.
//! 5. What the task waits on (for dumps) has a protocol of its own: a
//!    seqlock with one writer, the polling thread (`task::wait_record`).
//! 6. The stamp and the wait record live out of line, in the task's
//!    annex (`task::annex`), made by the first thread that writes either:
//!    that keeps the record at 48 bytes (the size classes it decides are
//!    in the annex's note).

use super::annex::Annex;
use super::name::TaskName;
use super::wait_record::WaitRecord;
use crate::loom::{AtomicU64, Ordering::Relaxed};
use std::fmt;
use std::panic::Location;

/// The record at the start of a tracked task's allocation.
pub(crate) struct TaskMeta {
    name: Option<TaskName>,
    location: &'static Location<'static>,
    /// Polls started so far (rule 2).
    polls: AtomicU64,
    /// The coarse monotonic clock when the last poll started, in ns;
    /// 0 before the first poll (rule 2).
    last_poll_ns: AtomicU64,
    /// The task's `runtime.spawn` span (rule 3).
    #[cfg(feature = "tracing")]
    span: super::trace::TaskSpan,
    /// When the task was last queued (rule 4) and what it waits on since
    /// its last poll (rule 5), made when first written (rule 6).
    annex: Annex,
}

impl TaskMeta {
    /// Writes the record of a new task at `dst`, in place: the name's
    /// bytes go straight into the allocation (built on the stack and moved,
    /// a short name was copied twice and read back in pieces, which stalled
    /// the spawn on store forwarding: about 8 ns of a 130 ns spawn+await).
    ///
    /// # Safety
    ///
    /// `dst` is valid for writes and aligned; whatever it held is
    /// overwritten without being dropped.
    pub(crate) unsafe fn write_new(dst: *mut TaskMeta, new: NewTaskMeta<'_>) {
        let record = TaskMeta {
            name: None,
            location: new.spawn.location,
            polls: AtomicU64::new(0),
            last_poll_ns: AtomicU64::new(0),
            #[cfg(feature = "tracing")]
            span: new.span,
            annex: Annex::new(),
        };
        // SAFETY: forwarded to the caller.
        unsafe { dst.write(record) };
        if let Some(name) = new.spawn.name {
            // SAFETY: written just above; no other reference exists yet.
            TaskName::set(unsafe { &mut (*dst).name }, name);
        }
    }

    /// The name given at spawn, if any.
    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_ref().map(TaskName::as_str)
    }

    /// Where the task was spawned.
    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// Polls started so far.
    pub(crate) fn polls(&self) -> u64 {
        self.polls.load(Relaxed)
    }

    /// When the last poll started (coarse monotonic ns), if it was polled.
    pub(crate) fn last_poll_ns(&self) -> Option<u64> {
        match self.last_poll_ns.load(Relaxed) {
            0 => None,
            ns => Some(ns),
        }
    }

    /// The `tracing` part of the record.
    #[cfg(feature = "tracing")]
    pub(super) fn span(&self) -> &super::trace::TaskSpan {
        &self.span
    }

    /// Records the start of a poll. Only the polling thread calls this
    /// (rule 2), so a load and a store replace a read-modify-write.
    pub(crate) fn poll_started(&self, now_ns: u64) {
        self.polls.store(self.polls.load(Relaxed) + 1, Relaxed);
        self.last_poll_ns.store(now_ns.max(1), Relaxed);
    }

    /// Records that the task is being queued now, on the precise clock of
    /// the runtime's metrics (`runtime::metrics::poll::now_ns`), in ns
    /// (rule 4).
    pub(crate) fn set_scheduled_ns(&self, now_ns: u64) {
        self.annex.get_or_make().scheduled_ns.store(now_ns, Relaxed);
    }

    /// When the task was last queued, if a queueing was recorded (rule 4).
    pub(crate) fn scheduled_ns(&self) -> Option<u64> {
        match self.annex.get()?.scheduled_ns.load(Relaxed) {
            0 => None,
            ns => Some(ns),
        }
    }
}

// What the task waits on: dumps read it, leaf futures push to it
// (`runtime::waiting_on::record`), each poll empties it first (rule 5).
impl TaskMeta {
    /// The record of what the task waits on, if anything was ever recorded
    /// (rule 6).
    pub(crate) fn wait_record(&self) -> Option<&WaitRecord> {
        self.annex.get().map(|annex| &annex.waits)
    }

    /// The record of what the task waits on, made now if needed: for the
    /// polling thread, which pushes to it (rule 5).
    pub(crate) fn wait_record_to_push(&self) -> &WaitRecord {
        &self.annex.get_or_make().waits
    }
}

impl fmt::Debug for TaskMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskMeta")
            .field("name", &self.name)
            .field("location", &self.location)
            .field("polls", &self.polls())
            .finish_non_exhaustive()
    }
}

/// What a spawn call knows about the task it creates; passed from the
/// public entry point (whose `#[track_caller]` gives the location) down to
/// the cell.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SpawnMeta<'a> {
    /// `task::Builder::name`.
    pub(crate) name: Option<&'a str>,
    /// The caller of the public spawn function.
    pub(crate) location: &'static Location<'static>,
}

impl<'a> SpawnMeta<'a> {
    /// The caller's location and no name.
    #[track_caller]
    pub(crate) fn here() -> SpawnMeta<'static> {
        SpawnMeta {
            name: None,
            location: Location::caller(),
        }
    }

    /// The caller's location and `name`.
    #[track_caller]
    pub(crate) fn named(name: Option<&'a str>) -> SpawnMeta<'a> {
        SpawnMeta {
            name,
            location: Location::caller(),
        }
    }

    /// What the record of the new task is made from, if it is tracked: it
    /// has a name, or `track_all` (its runtime tracks every task). `kind`
    /// is what spawns it (for the `tracing` span).
    #[cfg(not(feature = "tracing"))]
    #[inline]
    pub(crate) fn task_meta(self, track_all: bool, _kind: SpawnKind) -> Option<NewTaskMeta<'a>> {
        (track_all || self.name.is_some()).then_some(NewTaskMeta { spawn: self })
    }

    /// What the record of the new task is made from, if it is tracked: it
    /// has a name, `track_all` (its runtime tracks every task), or a
    /// subscriber enables its `runtime.spawn` span of kind `kind` (rule 3).
    #[cfg(feature = "tracing")]
    pub(crate) fn task_meta(self, track_all: bool, kind: SpawnKind) -> Option<NewTaskMeta<'a>> {
        let span = super::trace::TaskSpan::new(&self, kind);
        (track_all || self.name.is_some() || span.is_enabled())
            .then_some(NewTaskMeta { spawn: self, span })
    }
}

/// A tracked task's record before it is written into the task's
/// allocation ([`TaskMeta::write_new`]).
pub(crate) struct NewTaskMeta<'a> {
    spawn: SpawnMeta<'a>,
    #[cfg(feature = "tracing")]
    span: super::trace::TaskSpan,
}

/// What kind of task a spawn creates, as `tracing`'s `runtime.spawn` span
/// names it (its `kind` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpawnKind {
    /// A `Send` future on a runtime's scheduler (`spawn`, `spawn_on`).
    Task,
    /// A future on a `LocalSet` or `LocalRuntime` (`spawn_local`).
    Local,
    /// A closure on the blocking pool (`spawn_blocking`).
    Blocking,
}

impl SpawnKind {
    /// The `kind` field's value, tokio's word for each.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SpawnKind::Task => "task",
            SpawnKind::Local => "local",
            SpawnKind::Blocking => "blocking",
        }
    }
}

/// The id of a new task: drawn with its spawn span when a subscriber
/// enabled it (the span carries it), else drawn now.
#[cfg(feature = "tracing")]
pub(super) fn task_id(meta: Option<&NewTaskMeta<'_>>) -> super::Id {
    meta.and_then(|meta| meta.span.task_id())
        .unwrap_or_else(super::Id::next)
}

/// The id of a new task.
#[cfg(not(feature = "tracing"))]
pub(super) fn task_id(_meta: Option<&NewTaskMeta<'_>>) -> super::Id {
    super::Id::next()
}

/// The clock of task tracking, in nanoseconds: the coarse monotonic clock
/// where the platform has one (read without a system call, at most one
/// kernel tick behind), else the precise one (that of the runtime's
/// metrics, which works without the platform layer too).
pub(crate) fn clock_ns() -> u64 {
    #[cfg(any(feature = "net", feature = "time", feature = "signal", feature = "fs"))]
    if let Some(ns) = crate::sys::coarse_monotonic_ns() {
        return ns;
    }
    crate::runtime::metrics::poll::now_ns()
}
